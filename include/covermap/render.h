/* Choropleth maps: one page per map of the project file, drawn from the working
 * store's `joined` view with cairo and pango, written as PNG (+ world file),
 * SVG and PDF. Also the QGIS styles (QML, SLD) that reproduce a map's classes. */
#ifndef COVERMAP_RENDER_H
#define COVERMAP_RENDER_H

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "covermap/error.h"
#include "covermap/project.h"

/* Draws one map. Opens db_path read-only (SpatiaLite loaded), reads run_info and
 * the joined view, evaluates map->value in the sandbox (cm_map_validate_value),
 * classifies, and writes out_dir/NAME.png + NAME.pgw, NAME.svg, NAME.pdf as the
 * map's formats say. Each file is written under a temporary name in out_dir and
 * renamed, so a failure never leaves a half-written map. out_dir must exist. */
cm_status cm_render_map(const char *db_path, const cm_project *project, const cm_map_spec *map,
                        const char *out_dir, cm_error *err);

/* The territories' outlines as a map draws them (projected, with label and guard
 * points), read from the store's territories table: they can be loaded while the
 * rest of the store is still being built, and serve every map drawn in the same
 * CRS. Opaque; owned by the caller. */
typedef struct cm_map_geometry cm_map_geometry;

/* Threads that take part in drawing the boundary layers of cm_map_geometry_load as
 * it runs in another thread: the layer is cut in bands, and each band is drawn by
 * whichever thread takes it first (the bytes are the same whoever draws it). */
typedef struct cm_draw_pool cm_draw_pool;

/* NULL when out of memory (then the loading thread draws every band). */
cm_draw_pool *cm_draw_pool_new(void);
/* Draws bands of the layers offered to pool until it is closed. */
void cm_draw_pool_help(cm_draw_pool *pool);
/* No layer will be offered any more: cm_draw_pool_help returns. */
void cm_draw_pool_close(cm_draw_pool *pool);
/* Once no thread uses pool; NULL is fine. */
void cm_draw_pool_free(cm_draw_pool *pool);

/* Loads the outlines for map (its srs setting decides the drawing CRS) from
 * db_path, opened read-only; waits for the writer's commits if the store is
 * being written. When *cancel (may be NULL) turns true, stops after its current
 * step with CM_ERR_INTERNAL. The boundary layer is offered to helpers (may be
 * NULL). *out is freed with cm_map_geometry_free. */
cm_status cm_map_geometry_load(const char *db_path, const cm_map_spec *map,
                               const atomic_bool *cancel, cm_draw_pool *helpers,
                               cm_map_geometry **out, cm_error *err);
/* Draws, once, the at-risk outlines on a layer when two or more of maps (count of
 * them) would draw the same ones on a PNG of geometry's page (same page, same
 * emphasis settings): they then paint it instead of drawing their own, the same
 * bytes. Needs the complete store (the risk levels). Otherwise, or when it cannot
 * be drawn, nothing changes and each map draws its own. */
void cm_map_geometry_share_emphasis(cm_map_geometry *geometry, const char *db_path,
                                    const cm_map_spec *maps, size_t count);
/* True when geometry was loaded for a map with the same srs setting as map. */
bool cm_map_geometry_fits(const cm_map_geometry *geometry, const cm_map_spec *map);
void cm_map_geometry_free(cm_map_geometry *geometry);

/* cm_render_map from outlines loaded beforehand (NULL, or not fitting the map:
 * read them now). geometry is only read, never changed. */
cm_status cm_render_map_with(const char *db_path, const cm_project *project, const cm_map_spec *map,
                             const cm_map_geometry *geometry, const char *out_dir, cm_error *err);
/* Whether map's PNG starts from geometry's boundary layer. */
bool cm_map_geometry_serves_png(const cm_map_geometry *geometry, const cm_map_spec *map);
/* cm_render_map_with for the last map whose PNG starts from geometry's boundary
 * layer: the PNG is drawn on the layer itself rather than on a copy (34 MB fewer
 * to clear at 300 dpi), and the layer leaves geometry. */
cm_status cm_render_map_last_with(const char *db_path, const cm_project *project,
                                  const cm_map_spec *map, cm_map_geometry *geometry,
                                  const char *out_dir, cm_error *err);
/* Releases geometry's boundary layer. A process that forked the layer's last user
 * calls it at once: the pages that job then draws on are its own instead of copies. */
void cm_map_geometry_release_boundary_layer(cm_map_geometry *geometry);

/* Checks a map's name and value expression without a database: the name is a
 * file stem (no '/', '\\', "..", leading '.'), the value is non-empty and holds
 * no ';', no comment, no unbalanced parenthesis outside string literals. */
cm_status cm_map_check_value_text(const cm_map_spec *map, cm_error *err);

/* Prepares `SELECT key, (value) FROM joined` on db under the sandbox authorizer
 * (reads of the joined view only, a whitelist of harmless functions; no ATTACH,
 * PRAGMA, load_extension, other tables, writes or second statement) and
 * discards it. The error names the map and what was refused. db is left with
 * no authorizer installed. */
cm_status cm_map_validate_value_db(sqlite3 *db, const cm_map_spec *map, cm_error *err);

/* cm_map_validate_value_db on db_path opened read-only. */
cm_status cm_map_validate_value(const char *db_path, const cm_map_spec *map, cm_error *err);

/* The attribute a QGIS style classifies on: map->value when it is a plain column
 * name, otherwise map->name (an exporter that wants the style to work for an
 * expression adds a column of that name holding the map's values). */
const char *cm_map_value_attribute(const cm_map_spec *map);

/* (cm_render_map also writes them beside the map as NAME.qml and NAME.sld.)
 * Builds the QGIS styles of a map, with the same classes and colours as the
 * rendered page: *qml a QML document (graduated renderer for numbers,
 * categorized renderer for text such as risk_level) and *sld an SLD 1.1
 * document with one rule per class (plus no data). Both malloc'd; the caller
 * frees them with free(). Reads db_path read-only, like cm_render_map. */
cm_status cm_map_qgis_styles(const char *db_path, const cm_project *project, const cm_map_spec *map,
                             char **qml, char **sld, cm_error *err);

#endif
