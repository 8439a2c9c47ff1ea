/* Shared by the files of src/render/: the features read from the store, the
 * symbology (classes, colours, legend labels) and the page layout. */
#ifndef COVERMAP_RENDER_INTERNAL_H
#define COVERMAP_RENDER_INTERNAL_H

#include <cairo.h>
#include <pango/pangocairo.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "covermap/error.h"
#include "covermap/palette.h"
#include "covermap/project.h"
#include "covermap/render.h"
#include "covermap/store.h"

typedef struct {
    double r, g, b;
} cm_color;

typedef struct {
    double *xy;    /* x0, y0, x1, y1, ... in the drawing CRS */
    size_t count;  /* points */
    bool exterior; /* false: a hole */
} cm_ring;

typedef struct {
    char *key;
    char *name;
    cm_ring *rings;
    size_t ring_count;
    double minx, miny, maxx, maxy; /* drawing CRS */
    double area;                   /* drawing CRS units squared */
    bool has_label_point;
    double label_x, label_y; /* an interior point, drawing CRS */
    /* Points where a reader (or a GIS tool sampling the PNG) looks for the fill:
     * the point on surface and the centroid of the drawn geometry, and the label
     * point. Labels are placed so as not to cover them. */
    double guard_xy[6];
    int guard_count;
    bool value_null;
    double value; /* numeric maps */
    /* The value as text: read for a text or integer value, written by
     * cm_value_texts for a real (NULL until then, and when value_null). */
    char *text;
    int class_index; /* -1: no data */
    int risk;        /* cm_risk_level, or -1 when risk_level is NULL or unknown */
} cm_feature;

typedef struct {
    cm_feature *items;
    size_t count;
    double minx, miny, maxx, maxy; /* extent in the drawing CRS */
    double metres_per_unit;        /* for the scale bar */
    int epsg;                      /* drawing CRS when it has an EPSG code, else 0 */
    char *drawing_wkt;             /* drawing CRS as WKT, NULL when unknown (owned) */
    bool numeric_values;           /* every non-NULL value is a number */
    /* The keys, names, ring lists and points of the items (owned; a borrowed
     * set's is empty). */
    cm_arena arena;
    /* A copy of a preloaded set (cm_feature_set_borrow): owns its items array and
     * their value texts only; keys, names, rings and drawing_wkt are the
     * preloaded set's. */
    bool borrowed;
} cm_feature_set;

/* The run facts a page shows. */
typedef struct {
    char *title;
    char *as_of; /* ISO date */
    char *source_line;
    cm_locale locale;
    int srid;
} cm_run_facts;

typedef struct {
    bool categorical;
    size_t class_count;
    cm_color *colors; /* class_count */
    char **labels;    /* legend text of each class, class_count */
    size_t *counts;   /* territories in each class */
    double *lower;    /* numeric: class bounds */
    double *upper;
    char **categories; /* categorical: the value each class stands for */
    size_t null_count;
    int value_decimals; /* numeric: decimals used in labels */
} cm_symbology;

/* Page geometry in points (1/72 in); y grows downward as in cairo. */
typedef struct {
    double page_w, page_h;
    double margin;
    double frame_x, frame_y, frame_w, frame_h; /* the map frame */
    double legend_x, legend_y, legend_w;       /* legend column */
    double scale;                              /* points per drawing-CRS unit */
    double map_x0, map_y0; /* drawing-CRS coordinates shown at the frame's top-left */
} cm_layout;

/* Territory outlines in page space, snapped to grid points (see shapes.c). */
typedef struct {
    double grid; /* points per grid step */
    int32_t *xy; /* snapped points, x y pairs, in grid steps */
    size_t point_count;
    size_t *ring_start; /* ring r holds points ring_start[r] .. ring_start[r + 1] - 1 */
    size_t ring_count;
    size_t *feature_ring; /* feature f holds rings feature_ring[f] .. feature_ring[f + 1] - 1 */
    size_t feature_count;
} cm_page_shapes;

/* Everything the page drawing needs. */
typedef struct {
    const cm_map_spec *map;
    const cm_project *project;
    const cm_run_facts *facts;
    const cm_feature_set *features;
    const cm_symbology *symbology;
    cm_layout layout;
    cm_page_shapes shapes; /* the outlines, built with the layout */
    /* Raster pages: the boundaries already stroked on a transparent page-size layer,
     * which the PNG starts from (NULL: they are stroked on it first), and the at-risk
     * outlines drawn beforehand the same way (NULL to draw them). Borrowed; in the
     * PNG's device pixels. boundary_layer_is_canvas: the PNG is drawn on the layer
     * itself, its last user, instead of a copy. */
    cairo_surface_t *boundary_layer;
    bool boundary_layer_is_canvas;
    cairo_surface_t *emphasis_layer;
    size_t *number_key; /* filled by the label pass: features listed by number */
    size_t number_key_count;
} cm_page;

/* ---- settings (settings.c) --------------------------------------------- */
const char *cm_render_setting(const cm_map_spec *map, const char *key, const char *fallback);
double cm_render_setting_number(const cm_map_spec *map, const char *key, double fallback);
bool cm_render_setting_bool(const cm_map_spec *map, const char *key, bool fallback);
/* "#rrggbb" (or "#rgb"); fallback when absent or malformed. */
cm_color cm_render_setting_color(const cm_map_spec *map, const char *key, cm_color fallback);
/* The boundaries' and the at-risk emphasis's settings, with their defaults, read in
 * one place: the page and legend draw with them, and render.c compares them before
 * a map paints layers drawn for another. Widths in points, before the page factor. */
typedef struct {
    cm_color color;
    double width;
} cm_boundary_style;
typedef enum { CM_EMPHASIS_OUTLINE, CM_EMPHASIS_HATCH, CM_EMPHASIS_NONE } cm_emphasis_mode;
typedef struct {
    cm_emphasis_mode mode;
    cm_color color;
    double width; /* as the style asks; narrowed on dense maps (page.c) */
} cm_emphasis_settings;
cm_boundary_style cm_boundary_style_of(const cm_map_spec *map);
cm_emphasis_settings cm_emphasis_settings_of(const cm_map_spec *map);
bool cm_parse_hex_color(const char *text, cm_color *out);
cm_color cm_color_from_rgb(cm_rgb rgb);

/* ---- the whole read (render.c) ----------------------------------------- */
/* Reads the run facts and features and builds the symbology of a map, from geometry
 * loaded beforehand (cm_map_geometry_load: only the values are read) or, with NULL,
 * everything; on failure everything is released. Release with cm_prepared_map_free. */
cm_status cm_prepare_map_with(const char *db_path, const cm_project *project,
                              const cm_map_spec *map, const cm_map_geometry *geometry,
                              cm_run_facts *facts, cm_feature_set *features,
                              cm_symbology *symbology, cm_error *err);
/* The same with the values only, no geometry (what the classes and styles need). */
cm_status cm_prepare_map_values(const char *db_path, const cm_project *project,
                                const cm_map_spec *map, cm_run_facts *facts,
                                cm_feature_set *features, cm_symbology *symbology, cm_error *err);
void cm_prepared_map_free(cm_run_facts *facts, cm_feature_set *features, cm_symbology *symbology);

/* ---- SVG ids (svg_ids.c) ------------------------------------------------ */
/* Renumbers cairo's process-wide surface ids in an SVG file, in order of first
 * appearance, so the same map gives the same bytes in any process. */
cm_status cm_svg_normalise_ids(const char *path, cm_error *err);

/* ---- sandbox (sandbox.c) ------------------------------------------------- */
/* Prepares `SELECT key, (value), risk_level FROM joined` (in no order) under the sandbox
 * (on the gap table itself when the value reads only the columns the view takes from
 * it: the same rows, faster). *out is released by the caller with sqlite3_finalize. */
cm_status cm_sandbox_prepare_value(sqlite3 *db, const cm_map_spec *map, sqlite3_stmt **out,
                                   cm_error *err);
/* Whether a map's value may call a function by this name (case ignored). */
bool cm_sandbox_allows_function(const char *name);
/* Whether map->value may call one of the functions that SpatiaLite registers
 * (st_area, glength, and its own log, floor, ...): a connection without them
 * (cm_store_open_reader) evaluates any other value the same way. */
bool cm_map_value_needs_spatialite(const cm_map_spec *map);
/* Opens the store read-only for evaluating map->value: with SpatiaLite only when the
 * value needs it. Release *out with cm_store_close. */
cm_status cm_map_store_open(const char *db_path, const cm_map_spec *map, cm_store **out,
                            cm_error *err);

/* ---- features (features.c) --------------------------------------------- */
cm_status cm_read_run_facts(sqlite3 *db, const cm_project *project, cm_run_facts *out,
                            cm_error *err);
void cm_run_facts_free(cm_run_facts *facts);
/* cm_load_geometry then cm_load_values. */
cm_status cm_load_features(sqlite3 *db, const cm_map_spec *map, const cm_run_facts *facts,
                           cm_feature_set *out, cm_error *err);
/* Reads the territories' keys, names, geometry and label points from the store's
 * territories table (srid: their CRS), projected to the map's drawing CRS
 * (map->srs, the store's CRS, or UTM when that is geographic), with the guard
 * points and the extent. Needs only the stored boundaries, not the joins. */
cm_status cm_load_geometry(sqlite3 *db, const cm_map_spec *map, int srid, cm_feature_set *out,
                           cm_error *err);
/* Reads the risk levels and, through the sandbox, the map's values into set (whose
 * features came from cm_load_geometry on the same store). */
cm_status cm_load_values(sqlite3 *db, const cm_map_spec *map, cm_feature_set *set, cm_error *err);
/* Gives every real value its text, as SQLite writes it (categorical maps of
 * numbers need it); false when out of memory. */
bool cm_value_texts(cm_feature_set *set);
/* The risk levels alone (what the values pass reads beside the values), in the
 * features' key order. */
cm_status cm_load_risk_levels(sqlite3 *db, cm_feature_set *set, cm_error *err);
/* Keys and values only, no geometry: all a map's classes and styles need. */
cm_status cm_load_value_features(sqlite3 *db, const cm_map_spec *map, cm_feature_set *out,
                                 cm_error *err);
/* A set sharing geometry's features, with values of its own (see borrowed). */
cm_status cm_feature_set_borrow(const cm_feature_set *geometry, cm_feature_set *out);
void cm_feature_set_free(cm_feature_set *set);

/* ---- symbology (symbology.c) ------------------------------------------- */
/* Classifies the features (sets class_index) and builds colours and labels. */
cm_status cm_build_symbology(const cm_map_spec *map, cm_locale locale, cm_feature_set *features,
                             cm_symbology *out, cm_error *err);
void cm_symbology_free(cm_symbology *sym);
/* The risk level named by text, or -1. */
int cm_risk_from_text(const char *text);

/* ---- drawing (page.c, legend.c, labels.c, text.c) ---------------------- */
void cm_layout_page(cm_page *page);
/* The page's boundaries stroked alone on a transparent width × height ARGB layer at
 * scale pixels per point, clipped to the frame (*out: destroy with
 * cairo_surface_destroy). They do not depend on the values, so the layer can be
 * drawn before the store is complete; a PNG starts from it (or from a copy), and
 * the rest of the page goes behind the boundaries (cm_draw_page_base). The layer
 * is drawn in bands, shared with helpers (may be NULL). */
cm_status cm_draw_boundary_layer(const cm_page *page, double scale, int width, int height,
                                 cm_draw_pool *helpers, cairo_surface_t **out);
/* The same boundaries stroked on a raster surface of that size (the same bytes). */
cm_status cm_draw_boundaries_on(cairo_surface_t *surface, const cm_page *page, double scale,
                                cm_draw_pool *helpers);

/* Draws band `band` of a drawing cut in bands (band_pool.c). */
typedef cairo_status_t (*cm_band_fn)(void *context, int band);
/* Draws bands 0 .. count - 1 with draw, taking part with pool's helpers (pool NULL:
 * all of them here); returns when every band is drawn, with the first failure. */
cairo_status_t cm_draw_bands(cm_draw_pool *pool, cm_band_fn draw, void *context, int count);
/* rows[0] = 0 < rows[1] < ... < rows[count] = height (when height >= count): the
 * rows that cut the page's outline points, drawn at scale, into count bands of about
 * as many points each. */
void cm_balanced_rows(const cm_page_shapes *shapes, double scale, int height, int count, int *rows);
/* A page is drawn in two layers, in points. The base (white page, territories, at-risk
 * emphasis, inside the frame) only reads the page and may be drawn on parts of a
 * raster page in parallel; the overlay (header, scale bar, arrow, labels, frame,
 * legend, footer) goes on top and fills page->number_key. */
/* cairo's status after drawing, or CAIRO_STATUS_NO_MEMORY when part of the page
 * could not be drawn. */
cairo_status_t cm_draw_page_base(cairo_t *cr, const cm_page *page);
/* The at-risk emphasis alone, inside the frame (what the emphasis layer holds). */
cairo_status_t cm_draw_page_emphasis(cairo_t *cr, const cm_page *page);
cm_status cm_draw_page_overlay(cairo_t *cr, cm_page *page, cm_error *err);
void cm_draw_legend(cairo_t *cr, cm_page *page);
/* Places and draws the territory names; obstacles are page boxes to avoid
 * (x0, y0, x1, y1 each), obstacle_count of them. */
cm_status cm_draw_labels(cairo_t *cr, cm_page *page, const double *obstacles, size_t obstacle_count,
                         cm_error *err);
/* A pango layout at an absolute size in points, hinting off so that every
 * surface lays text out alike. wrap_width <= 0: no wrapping. Free with
 * g_object_unref. */
PangoLayout *cm_text_layout(cairo_t *cr, const cm_page *page, const char *text, double size,
                            bool bold, double wrap_width);
void cm_text_extent(PangoLayout *layout, double *width, double *height);
/* Draws the layout with its top-left at (x, y); halo > 0 strokes a white halo
 * of that width behind the glyphs. */
void cm_paint_text(cairo_t *cr, PangoLayout *layout, double x, double y, cm_color color,
                   double halo);
/* Draws one line of text; align 0 left of x, 1 centred on x, 2 right of x.
 * Returns the text height in points. */
double cm_draw_text(cairo_t *cr, const cm_page *page, const char *text, double size, bool bold,
                    double x, double y, int align, cm_color color);
/* Strokes parallel diagonal lines over the box, clipped to cr's current path,
 * which is consumed; rising: bottom-left to top-right. */
void cm_hatch_path(cairo_t *cr, double x0, double y0, double x1, double y1, double spacing,
                   double width, bool rising, cm_color color);
/* The QGIS styles (QML, SLD) of an already classified map; malloc'd strings. */
cm_status cm_map_qgis_styles_from(const cm_map_spec *map, const cm_symbology *symbology,
                                  cm_locale locale, char **qml, char **sld, cm_error *err);
/* Builds the page outlines; grid is the snapping step in points. */
cm_status cm_page_shapes_build(cm_page_shapes *shapes, const cm_feature_set *set,
                               const cm_layout *layout, double grid, cm_error *err);
void cm_page_shapes_free(cm_page_shapes *shapes);
/* Drops the points within `tolerance` grid steps of their neighbours' chord,
 * keeping junctions and keeping shared boundaries identical on both sides
 * (simplify.c). False when out of memory (the shapes are then left as they were). */
bool cm_page_shapes_simplify(cm_page_shapes *shapes, double tolerance);
/* Appends feature f's rings to cr's path. */
void cm_shape_path(cairo_t *cr, const cm_page_shapes *shapes, size_t feature);
/* Strokes the boundaries of the selected features (NULL: all) once each: an edge
 * shared by two of them is not drawn twice. In batches. */
void cm_shapes_stroke_boundaries(cairo_t *cr, const cm_page_shapes *shapes, const bool *selected);
/* Fills the selected features (selected[f] for each feature) with the current
 * source, in batches. With an outline colour each batch is then stroked with it
 * (at the current line width and join) as one fill-and-stroke, which a vector
 * surface writes as one path: the boundaries are not written a second time. */
void cm_shapes_fill_features(cairo_t *cr, const cm_page_shapes *shapes, const bool *selected,
                             const cm_color *outline);
void cm_map_to_page(const cm_layout *layout, double x, double y, double *px, double *py);
/* Size factor of the page relative to Letter (1 for Letter and A4). */
double cm_page_factor(const cm_page *page);
const char *cm_page_font(const cm_page *page);

/* At-risk territories (no coordination, at risk): outlined or hatched on the maps,
 * counted in the legend (page.c). */
bool cm_feature_is_emphasised(const cm_feature *f);
/* Encodes an RGB24 image surface, or an ARGB32 one whose every pixel is opaque (its
 * alpha is not read), as an 8-bit RGB PNG at path (png_writer.c). */
cm_status cm_write_png_file(cairo_surface_t *surface, const char *path, cm_error *err);
/* A transparent (or black, without alpha) image surface whose pixels are a large
 * buffer (core/large_buffer.c), owned and released by the surface (render.c). */
cairo_surface_t *cm_image_surface_create(cairo_format_t format, int width, int height);

#endif
