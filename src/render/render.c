/* cm_render_map: from the store to NAME.qml and NAME.sld (first), NAME.png (+ .pgw
 * and .png.aux.xml), NAME.svg and NAME.pdf. Every file is written under a
 * temporary name in the output folder, then renamed, so that a failed run never
 * leaves a half-written map. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/large_buffer.h"
#include "covermap/progress.h"
#include "covermap/render.h"
#include "covermap/store.h"
#include "render_internal.h"

/* A temporary file beside the final one; *tmp is malloc'd (caller frees). */
static cm_status make_temp(const char *out_dir, const char *name, const char *ext, char **tmp,
                           cm_error *err)
{
    size_t size = strlen(out_dir) + strlen(name) + strlen(ext) + 32;
    *tmp = malloc(size);
    if (!*tmp)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    snprintf(*tmp, size, "%s/.%s.%s.XXXXXX", out_dir, name, ext);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        cm_error_set(err, CM_ERR_IO, "cannot create a file in %s: %s", out_dir, strerror(errno));
        cm_error_set_file(err, out_dir);
        free(*tmp);
        *tmp = NULL;
        return CM_ERR_IO;
    }
    /* mkstemp makes the file private; a map is an ordinary output file. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    close(fd);
    return CM_OK;
}

/* Renames tmp to out_dir/name.ext on success, removes it otherwise. */
static cm_status commit_temp(char *tmp, const char *out_dir, const char *name, const char *ext,
                             cm_status st, cm_error *err)
{
    if (st == CM_OK) {
        size_t size = strlen(out_dir) + strlen(name) + strlen(ext) + 8;
        char *final = malloc(size);
        if (!final) {
            st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
        } else {
            snprintf(final, size, "%s/%s.%s", out_dir, name, ext);
            if (rename(tmp, final) != 0) {
                st = cm_error_set(err, CM_ERR_IO, "cannot write %s: %s", final, strerror(errno));
                cm_error_set_file(err, final);
            }
            free(final);
        }
    }
    if (st != CM_OK)
        unlink(tmp);
    free(tmp);
    return st;
}

static cm_status surface_error(cairo_surface_t *surface, cairo_t *cr, const cm_map_spec *map,
                               const char *what, cm_error *err)
{
    cairo_status_t status = cr ? cairo_status(cr) : CAIRO_STATUS_SUCCESS;
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(surface);
    if (status == CAIRO_STATUS_SUCCESS)
        return CM_OK;
    return cm_error_set(err, CM_ERR_RENDER, "map '%s': cannot write the %s: %s", map->name, what,
                        cairo_status_to_string(status));
}

/* ---- raster pages: the base layer in two bands on two cores ---------------- */

/* What a band draws: the page's base, or its at-risk emphasis alone. */
typedef cairo_status_t (*band_drawing)(cairo_t *cr, const cm_page *page);

typedef struct {
    cairo_surface_t *surface;
    const cm_page *page;
    band_drawing draw;
    double scale;
    int first_row, end_row;
    cairo_status_t status;
} band_job;

static void *draw_band(void *arg)
{
    band_job *band = arg;
    unsigned char *data = cairo_image_surface_get_data(band->surface);
    int stride = cairo_image_surface_get_stride(band->surface);
    int width = cairo_image_surface_get_width(band->surface);
    cairo_surface_t *part =
        cairo_image_surface_create_for_data(data + (size_t)band->first_row * (size_t)stride,
                                            cairo_image_surface_get_format(band->surface), width,
                                            band->end_row - band->first_row, stride);
    cairo_t *cr = cairo_create(part);
    cairo_translate(cr, 0, -band->first_row);
    cairo_scale(cr, band->scale, band->scale);
    band->status = band->draw(cr, band->page);
    cairo_destroy(cr);
    cairo_surface_flush(part);
    if (band->status == CAIRO_STATUS_SUCCESS)
        band->status = cairo_surface_status(part);
    cairo_surface_destroy(part);
    return NULL;
}

/* The territories and their emphasis are most of a raster page's time and only read
 * the page: two bands holding half the outlines each are drawn at once, the bottom
 * one in a thread (or after the top one when no thread can start). The cut depends
 * on the page alone, so the bytes do not depend on the threads. */
static cairo_status_t draw_in_bands(cairo_surface_t *surface, double scale, const cm_page *page,
                                    band_drawing draw)
{
    int height = cairo_image_surface_get_height(surface);
    cairo_surface_flush(surface);
    /* Halving the height left one thread waiting for the other: the page's top
     * (title) and bottom (legend, credits) hold no outline. */
    int rows[3] = {0, height, height};
    if (height > 1)
        cm_balanced_rows(&page->shapes, scale, height, 2, rows);
    band_job bands[2] = {{surface, page, draw, scale, rows[0], rows[1], CAIRO_STATUS_SUCCESS},
                         {surface, page, draw, scale, rows[1], rows[2], CAIRO_STATUS_SUCCESS}};
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, draw_band, &bands[1]) == 0;
    draw_band(&bands[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else
        draw_band(&bands[1]);
    cairo_surface_mark_dirty(surface);
    return bands[0].status != CAIRO_STATUS_SUCCESS ? bands[0].status : bands[1].status;
}

/* Draws the page on any surface; on a raster one the base layer goes first, in
 * bands (draw_in_bands), then the overlay on top. */
static cm_status draw_on(cairo_surface_t *surface, double scale, cm_page *page, const char *what,
                         cm_error *err)
{
    cm_status st = surface_error(surface, NULL, page->map, what, err);
    if (st != CM_OK)
        return st;
    bool raster = cairo_surface_get_type(surface) == CAIRO_SURFACE_TYPE_IMAGE;
    cairo_status_t drawn =
        raster ? draw_in_bands(surface, scale, page, cm_draw_page_base) : CAIRO_STATUS_SUCCESS;
    cairo_t *cr = cairo_create(surface);
    cairo_scale(cr, scale, scale);
    if (!raster)
        drawn = cm_draw_page_base(cr, page);
    if (drawn != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(cr);
        return cm_error_set(err, CM_ERR_RENDER, "map '%s': drawing failed: %s", page->map->name,
                            cairo_status_to_string(drawn));
    }
    st = cm_draw_page_overlay(cr, page, err);
    free(page->number_key);
    page->number_key = NULL;
    page->number_key_count = 0;
    if (st == CM_OK)
        st = surface_error(surface, cr, page->map, what, err);
    cairo_destroy(cr);
    return st;
}

static const cairo_user_data_key_t pixels_key;

cairo_surface_t *cm_image_surface_create(cairo_format_t format, int width, int height)
{
    int stride = cairo_format_stride_for_width(format, width);
    unsigned char *pixels =
        stride > 0 && height > 0 ? cm_large_calloc((size_t)height, (size_t)stride) : NULL;
    if (!pixels)
        return cairo_image_surface_create(format, width, height); /* cairo says why */
    cairo_surface_t *surface =
        cairo_image_surface_create_for_data(pixels, format, width, height, stride);
    if (cairo_surface_set_user_data(surface, &pixels_key, pixels, cm_large_free) !=
        CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface); /* an error surface, or out of memory */
        cm_large_free(pixels);
        return cairo_image_surface_create(format, width, height);
    }
    return surface;
}

static double png_dpi(const cm_map_spec *map)
{
    double dpi = cm_render_setting_number(map, "png.dpi", 300);
    return dpi >= 36 && dpi <= 1200 ? dpi : 300;
}

static cm_status write_world_file(const cm_page *page, double dpi, const char *out_dir,
                                  cm_error *err)
{
    const cm_layout *l = &page->layout;
    char *tmp = NULL;
    cm_status st = make_temp(out_dir, page->map->name, "pgw", &tmp, err);
    if (st != CM_OK)
        return st;
    double pixel = 72.0 / dpi;      /* points per pixel */
    double size = pixel / l->scale; /* drawing-CRS units per pixel */
    double x = l->map_x0 + (pixel / 2 - l->frame_x) / l->scale;
    double y = l->map_y0 - (pixel / 2 - l->frame_y) / l->scale;
    FILE *file = fopen(tmp, "w");
    if (!file ||
        fprintf(file, "%.10f\n0.0000000000\n0.0000000000\n%.10f\n%.10f\n%.10f\n", size, -size, x,
                y) < 0 ||
        fclose(file) != 0) {
        if (file)
            fclose(file);
        st = cm_error_set(err, CM_ERR_IO, "cannot write the world file of map '%s': %s",
                          page->map->name, strerror(errno));
    }
    return commit_temp(tmp, out_dir, page->map->name, "pgw", st, err);
}

static void append_xml_escaped(GString *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '&')
            g_string_append(out, "&amp;");
        else if (*p == '<')
            g_string_append(out, "&lt;");
        else if (*p == '>')
            g_string_append(out, "&gt;");
        else
            g_string_append_c(out, *p);
    }
}

/* GDAL's PAM side file: with the world file, it tells GIS tools (gdalinfo, QGIS,
 * rasterio) the PNG's CRS too, which matters when covermap chose it (UTM). */
static cm_status write_aux_xml(const cm_page *page, const char *out_dir, cm_error *err)
{
    const char *wkt = page->features->drawing_wkt;
    if (!wkt)
        return CM_OK;
    char *tmp = NULL;
    cm_status st = make_temp(out_dir, page->map->name, "png.aux.xml", &tmp, err);
    if (st != CM_OK)
        return st;
    GString *xml = g_string_new("<PAMDataset>\n  <SRS dataAxisToSRSAxisMapping=\"1,2\">");
    append_xml_escaped(xml, wkt);
    g_string_append(xml, "</SRS>\n</PAMDataset>\n");
    GError *gerr = NULL;
    if (!g_file_set_contents(tmp, xml->str, (gssize)xml->len, &gerr)) {
        st = cm_error_set(err, CM_ERR_IO, "cannot write the CRS of map '%s': %s", page->map->name,
                          gerr->message);
        g_error_free(gerr);
    }
    g_string_free(xml, TRUE);
    return commit_temp(tmp, out_dir, page->map->name, "png.aux.xml", st, err);
}

static void png_size(const cm_page *page, double dpi, int *width, int *height)
{
    *width = (int)lround(page->layout.page_w / 72.0 * dpi);
    *height = (int)lround(page->layout.page_h / 72.0 * dpi);
}

/* The page's boundaries stroked on a transparent layer the size of its PNG at dpi,
 * with helpers (may be NULL); NULL when it cannot be drawn (each map then strokes
 * its own). */
static cairo_surface_t *boundary_layer(const cm_page *page, double dpi, cm_draw_pool *helpers)
{
    int width, height;
    png_size(page, dpi, &width, &height);
    cairo_surface_t *layer = NULL;
    if (cm_draw_boundary_layer(page, dpi / 72.0, width, height, helpers, &layer) != CM_OK)
        return NULL;
    return layer;
}

/* The surface a PNG is drawn on, holding its boundaries already: the preloaded layer
 * itself for its last user, a copy of it, or a new surface they are stroked on (the
 * same bytes in every case). NULL when out of memory. */
static cairo_surface_t *png_canvas(const cm_page *page, double dpi, int width, int height)
{
    cairo_surface_t *layer = page->boundary_layer;
    if (layer && page->boundary_layer_is_canvas)
        return cairo_surface_reference(layer);
    cairo_surface_t *canvas = cm_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    bool drawn = cairo_surface_status(canvas) == CAIRO_STATUS_SUCCESS;
    int stride = cairo_image_surface_get_stride(canvas);
    if (drawn && layer && cairo_image_surface_get_width(layer) == width &&
        cairo_image_surface_get_height(layer) == height &&
        cairo_image_surface_get_stride(layer) == stride) {
        cairo_surface_flush(layer);
        memcpy(cairo_image_surface_get_data(canvas), cairo_image_surface_get_data(layer),
               (size_t)stride * (size_t)height);
        cairo_surface_mark_dirty(canvas);
    } else if (drawn) {
        drawn = cm_draw_boundaries_on(canvas, page, dpi / 72.0, NULL) == CM_OK;
    }
    if (!drawn) {
        cairo_surface_destroy(canvas);
        return NULL;
    }
    return canvas;
}

static cm_status write_png(cm_page *page, const char *out_dir, cm_error *err)
{
    double dpi = png_dpi(page->map);
    int width, height;
    png_size(page, dpi, &width, &height);
    char *tmp = NULL;
    cm_status st = make_temp(out_dir, page->map->name, "png", &tmp, err);
    if (st != CM_OK)
        return st;
    cairo_surface_t *surface = png_canvas(page, dpi, width, height);
    if (!surface)
        st = cm_error_set(err, CM_ERR_RENDER, "map '%s': drawing the boundaries failed",
                          page->map->name);
    if (st == CM_OK)
        st = draw_on(surface, dpi / 72.0, page, "PNG", err);
    if (st == CM_OK) {
        st = cm_write_png_file(surface, tmp, err);
        cm_trace_mark("png: encoded");
    }
    cairo_surface_destroy(surface); /* NULL is fine */
    st = commit_temp(tmp, out_dir, page->map->name, "png", st, err);
    if (st == CM_OK)
        st = write_world_file(page, dpi, out_dir, err);
    if (st == CM_OK)
        st = write_aux_xml(page, out_dir, err);
    return st;
}

static cm_status write_pdf(cm_page *page, const char *out_dir, cm_error *err)
{
    char *tmp = NULL;
    cm_status st = make_temp(out_dir, page->map->name, "pdf", &tmp, err);
    if (st != CM_OK)
        return st;
    cairo_surface_t *surface =
        cairo_pdf_surface_create(tmp, page->layout.page_w, page->layout.page_h);
    /* Fixed dates keep the bytes identical from run to run. */
    char date[32];
    snprintf(date, sizeof date, "%.10sT00:00:00",
             page->facts->as_of ? page->facts->as_of : "2000-01-01");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                   page->map->title ? page->map->title : page->map->name);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "covermap");
    st = draw_on(surface, 1.0, page, "PDF", err);
    cairo_surface_finish(surface);
    if (st == CM_OK)
        st = surface_error(surface, NULL, page->map, "PDF", err);
    cairo_surface_destroy(surface);
    return commit_temp(tmp, out_dir, page->map->name, "pdf", st, err);
}

static cm_status write_svg(cm_page *page, const char *out_dir, cm_error *err)
{
    char *tmp = NULL;
    cm_status st = make_temp(out_dir, page->map->name, "svg", &tmp, err);
    if (st != CM_OK)
        return st;
    cairo_surface_t *surface =
        cairo_svg_surface_create(tmp, page->layout.page_w, page->layout.page_h);
    cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PT);
    st = draw_on(surface, 1.0, page, "SVG", err);
    cairo_surface_finish(surface);
    cm_trace_mark("svg: finished");
    if (st == CM_OK)
        st = surface_error(surface, NULL, page->map, "SVG", err);
    cairo_surface_destroy(surface);
    if (st == CM_OK)
        st = cm_svg_normalise_ids(tmp, err);
    cm_trace_mark("svg: ids normalised");
    return commit_temp(tmp, out_dir, page->map->name, "svg", st, err);
}

/* What a PNG's boundary layer depends on beyond the page shapes. */
typedef struct {
    double dpi;
    cm_boundary_style style;
} boundary_look;

static boundary_look look_of(const cm_map_spec *map)
{
    return (boundary_look){png_dpi(map), cm_boundary_style_of(map)};
}

static bool same_color(cm_color a, cm_color b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

static bool same_look(const boundary_look *a, const boundary_look *b)
{
    return a->dpi == b->dpi && same_color(a->style.color, b->style.color) &&
           a->style.width == b->style.width;
}

/* What a PNG's at-risk emphasis depends on beyond the page shapes and the risk
 * levels. */
typedef struct {
    double dpi;
    cm_emphasis_settings settings;
} emphasis_look;

static emphasis_look emphasis_look_of(const cm_map_spec *map)
{
    return (emphasis_look){png_dpi(map), cm_emphasis_settings_of(map)};
}

static bool same_emphasis(const emphasis_look *a, const emphasis_look *b)
{
    return a->dpi == b->dpi && a->settings.mode == b->settings.mode &&
           same_color(a->settings.color, b->settings.color) &&
           a->settings.width == b->settings.width;
}

struct cm_map_geometry {
    char *srs; /* the map's srs setting it was projected for, "" for none */
    cm_feature_set set;
    /* The page outlines for the map it was loaded for; any map with the same
     * layout and grid draws them as they are. */
    bool has_shapes;
    cm_layout layout;
    double grid;
    cm_page_shapes shapes;
    /* Its boundaries stroked for a PNG (NULL without), and what they depend on
     * beyond the shapes. */
    cairo_surface_t *boundary_layer;
    boundary_look look;
    /* The at-risk emphasis drawn once for the maps that share it (NULL without). */
    cairo_surface_t *emphasis_layer;
    emphasis_look emphasis;
};

/* Whether geometry has a boundary layer stroked as map's PNG strokes its boundaries. */
static bool layer_looks_right(const cm_map_geometry *geometry, const cm_map_spec *map)
{
    boundary_look look = look_of(map);
    return geometry->boundary_layer && same_look(&geometry->look, &look);
}

/* About half a pixel of the PNG (or of a 300 dpi print): finer than the eye
 * sees. A power of two of a point, so that SVG and PDF coordinates print
 * exactly in a few digits (0.125 pt at 300 dpi). */
static double outline_grid(const cm_map_spec *map)
{
    double half_pixel = 72.0 / (2 * (map->format_png ? png_dpi(map) : 300.0));
    return exp2(round(log2(half_pixel)));
}

/* A page of map on geometry's preloaded shapes: enough to draw layers on them. */
static cm_page geometry_page(const cm_map_geometry *geometry, const cm_map_spec *map)
{
    return (cm_page){.map = map,
                     .features = &geometry->set,
                     .layout = geometry->layout,
                     .shapes = geometry->shapes};
}

static void layout_for(const cm_map_spec *map, const cm_feature_set *features, cm_layout *out)
{
    cm_page page = {.map = map, .features = features};
    cm_layout_page(&page);
    *out = page.layout;
}

/* The layout is plain doubles computed the same way from the same inputs, so equal
 * layouts are equal bit for bit. */
static bool same_layout(const cm_layout *a, const cm_layout *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static const char *srs_setting(const cm_map_spec *map)
{
    return map->srs ? map->srs : "";
}

static cm_status check_cancel(const atomic_bool *cancel, cm_error *err)
{
    if (cancel && atomic_load(cancel))
        return cm_error_set(err, CM_ERR_INTERNAL, "loading the outlines was cancelled");
    return CM_OK;
}

cm_status cm_map_geometry_load(const char *db_path, const cm_map_spec *map,
                               const atomic_bool *cancel, cm_draw_pool *helpers,
                               cm_map_geometry **out, cm_error *err)
{
    *out = NULL;
    cm_map_geometry *geometry = calloc(1, sizeof *geometry);
    if (!geometry || !(geometry->srs = strdup(srs_setting(map)))) {
        free(geometry);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    cm_store *store = NULL;
    cm_status st = cm_store_open_reader(db_path, &store, err);
    sqlite3 *db = store ? cm_store_db(store) : NULL;
    if (st == CM_OK) {
        char *srid = cm_store_get_info(store, "srid");
        st = cm_load_geometry(db, map, srid ? atoi(srid) : 0, &geometry->set, err);
        free(srid);
    }
    if (st == CM_OK)
        st = check_cancel(cancel, err);
    if (st == CM_OK) {
        layout_for(map, &geometry->set, &geometry->layout);
        geometry->grid = outline_grid(map);
        cm_error ignored; /* without shapes, the map builds its own */
        geometry->has_shapes =
            cm_page_shapes_build(&geometry->shapes, &geometry->set, &geometry->layout,
                                 geometry->grid, &ignored) == CM_OK;
    }
    if (st == CM_OK)
        st = check_cancel(cancel, err);
    if (st == CM_OK && geometry->has_shapes && map->format_png) {
        cm_page page = geometry_page(geometry, map);
        geometry->look = look_of(map);
        geometry->boundary_layer = boundary_layer(&page, geometry->look.dpi, helpers);
        cm_trace_mark("preload: boundary layer");
    }
    cm_store_close(store);
    if (st != CM_OK) {
        cm_map_geometry_free(geometry);
        return st;
    }
    *out = geometry;
    return CM_OK;
}

/* Whether map draws its PNG on geometry's page shapes (same CRS, layout and grid). */
static bool draws_on_shapes(const cm_map_geometry *geometry, const cm_map_spec *map,
                            const cm_layout *layout)
{
    return cm_map_geometry_fits(geometry, map) && geometry->has_shapes &&
           geometry->grid == outline_grid(map) && same_layout(&geometry->layout, layout);
}

/* Draws map's at-risk outlines (look: its emphasis) once on a PNG-size layer of
 * geometry's page shapes, which the maps sharing them paint instead of drawing
 * their own (the same bytes). Needs the complete store (the risk levels). */
static cm_status add_emphasis(cm_map_geometry *geometry, const char *db_path,
                              const cm_map_spec *map, emphasis_look look, cm_error *err)
{
    cm_store *store = NULL;
    cm_status st = cm_store_open_reader(db_path, &store, err);
    if (st == CM_OK)
        st = cm_load_risk_levels(cm_store_db(store), &geometry->set, err);
    cm_store_close(store);
    if (st != CM_OK)
        return st;
    cm_page page = geometry_page(geometry, map);
    int width, height;
    png_size(&page, look.dpi, &width, &height);
    cairo_surface_t *layer = cm_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    cairo_status_t status = cairo_surface_status(layer);
    if (status == CAIRO_STATUS_SUCCESS)
        status = draw_in_bands(layer, look.dpi / 72.0, &page, cm_draw_page_emphasis);
    if (status != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(layer);
        return cm_error_set(err, CM_ERR_RENDER, "drawing the at-risk outlines failed: %s",
                            cairo_status_to_string(status));
    }
    geometry->emphasis_layer = layer;
    geometry->emphasis = look;
    return CM_OK;
}

/* Whether map draws at-risk outlines on a PNG of geometry's page shapes. */
static bool emphasises_on_shapes(const cm_map_geometry *geometry, const cm_map_spec *map,
                                 const emphasis_look *look)
{
    if (!map->format_png || look->settings.mode == CM_EMPHASIS_NONE)
        return false;
    cm_layout layout;
    layout_for(map, &geometry->set, &layout);
    return draws_on_shapes(geometry, map, &layout);
}

void cm_map_geometry_share_emphasis(cm_map_geometry *geometry, const char *db_path,
                                    const cm_map_spec *maps, size_t count)
{
    if (geometry->emphasis_layer || count < 2)
        return;
    /* Each map's emphasis and whether it draws one on these shapes, once. */
    emphasis_look *looks = calloc(count, sizeof *looks);
    bool *eligible = calloc(count, sizeof *eligible);
    for (size_t i = 0; looks && eligible && i < count; i++) {
        looks[i] = emphasis_look_of(&maps[i]);
        eligible[i] = emphasises_on_shapes(geometry, &maps[i], &looks[i]);
    }
    for (size_t i = 0; looks && eligible && i < count && !geometry->emphasis_layer; i++) {
        for (size_t j = i + 1; eligible[i] && j < count; j++) {
            if (!eligible[j] || !same_emphasis(&looks[i], &looks[j]))
                continue;
            cm_error ignored; /* then each map draws its own */
            cm_error_clear(&ignored);
            (void)add_emphasis(geometry, db_path, &maps[i], looks[i], &ignored);
            break;
        }
    }
    free(looks);
    free(eligible);
}

bool cm_map_geometry_fits(const cm_map_geometry *geometry, const cm_map_spec *map)
{
    return geometry && strcmp(geometry->srs, srs_setting(map)) == 0;
}

void cm_map_geometry_free(cm_map_geometry *geometry)
{
    if (!geometry)
        return;
    if (geometry->boundary_layer)
        cairo_surface_destroy(geometry->boundary_layer);
    if (geometry->emphasis_layer)
        cairo_surface_destroy(geometry->emphasis_layer);
    if (geometry->has_shapes)
        cm_page_shapes_free(&geometry->shapes);
    cm_feature_set_free(&geometry->set);
    free(geometry->srs);
    free(geometry);
}

/* Features with values: a copy of the preloaded geometry when it fits the map,
 * else everything read now. */
static cm_status load_map_features(sqlite3 *db, const cm_map_spec *map,
                                   const cm_map_geometry *geometry, const cm_run_facts *facts,
                                   cm_feature_set *features, cm_error *err)
{
    if (!cm_map_geometry_fits(geometry, map))
        return cm_load_features(db, map, facts, features, err);
    if (cm_feature_set_borrow(&geometry->set, features) != CM_OK)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    cm_status st = cm_load_values(db, map, features, err);
    if (st != CM_OK)
        cm_feature_set_free(features);
    return st;
}

/* A map's own mistake (st == CM_ERR_PROJECT) points at its entry in the project file. */
static void point_at_map_entry(const cm_project *project, const cm_map_spec *map, cm_status st,
                               cm_error *err)
{
    if (st == CM_ERR_PROJECT && project && project->path) {
        cm_error_set_file(err, project->path);
        if (err && err->line == 0)
            cm_error_set_line(err, map->line, 0);
    }
}

/* cm_prepare_map_with and cm_prepare_map_values: values_only reads no geometry. */
static cm_status prepare_map(const char *db_path, const cm_project *project, const cm_map_spec *map,
                             const cm_map_geometry *geometry, bool values_only, cm_run_facts *facts,
                             cm_feature_set *features, cm_symbology *symbology, cm_error *err)
{
    memset(facts, 0, sizeof *facts);
    memset(features, 0, sizeof *features);
    memset(symbology, 0, sizeof *symbology);
    /* pango's font map starts fontconfig in a thread of its own: started now, it is
     * ready when the labels need it instead of keeping them waiting (7 ms). */
    (void)pango_cairo_font_map_get_default();
    cm_status st = cm_map_check_value_text(map, err);
    cm_store *store = NULL;
    if (st == CM_OK)
        st = cm_map_store_open(db_path, map, &store, err);
    sqlite3 *db = store ? cm_store_db(store) : NULL;
    cm_trace_mark("map: opened");
    if (st == CM_OK)
        st = cm_read_run_facts(db, project, facts, err);
    if (st == CM_OK)
        st = values_only ? cm_load_value_features(db, map, features, err)
                         : load_map_features(db, map, geometry, facts, features, err);
    cm_trace_mark("map: features loaded");
    if (st == CM_OK)
        st = cm_build_symbology(map, facts->locale, features, symbology, err);
    cm_trace_mark("map: classified");
    cm_store_close(store);
    if (st != CM_OK)
        cm_prepared_map_free(facts, features, symbology);
    point_at_map_entry(project, map, st, err);
    return st;
}

cm_status cm_prepare_map_with(const char *db_path, const cm_project *project,
                              const cm_map_spec *map, const cm_map_geometry *geometry,
                              cm_run_facts *facts, cm_feature_set *features,
                              cm_symbology *symbology, cm_error *err)
{
    return prepare_map(db_path, project, map, geometry, false, facts, features, symbology, err);
}

cm_status cm_prepare_map_values(const char *db_path, const cm_project *project,
                                const cm_map_spec *map, cm_run_facts *facts,
                                cm_feature_set *features, cm_symbology *symbology, cm_error *err)
{
    return prepare_map(db_path, project, map, NULL, true, facts, features, symbology, err);
}

void cm_prepared_map_free(cm_run_facts *facts, cm_feature_set *features, cm_symbology *symbology)
{
    cm_symbology_free(symbology);
    cm_feature_set_free(features);
    cm_run_facts_free(facts);
}

static cm_status write_text_output(const char *out_dir, const char *name, const char *ext,
                                   const char *text, cm_error *err)
{
    char *tmp = NULL;
    cm_status st = make_temp(out_dir, name, ext, &tmp, err);
    if (st != CM_OK)
        return st;
    GError *gerr = NULL;
    if (!g_file_set_contents(tmp, text, -1, &gerr)) {
        st = cm_error_set(err, CM_ERR_IO, "cannot write the %s style of map '%s': %s", ext, name,
                          gerr->message);
        g_error_free(gerr);
    }
    return commit_temp(tmp, out_dir, name, ext, st, err);
}

/* NAME.qml and NAME.sld beside the map: QGIS loads them onto any layer, and the
 * GeoPackage export stores them without classifying the map a second time. */
static cm_status write_qgis_styles(const cm_page *page, const char *out_dir, cm_error *err)
{
    char *qml = NULL, *sld = NULL;
    cm_status st =
        cm_map_qgis_styles_from(page->map, page->symbology, page->facts->locale, &qml, &sld, err);
    if (st == CM_OK)
        st = write_text_output(out_dir, page->map->name, "qml", qml, err);
    if (st == CM_OK)
        st = write_text_output(out_dir, page->map->name, "sld", sld, err);
    free(qml);
    free(sld);
    return st;
}

cm_status cm_render_map(const char *db_path, const cm_project *project, const cm_map_spec *map,
                        const char *out_dir, cm_error *err)
{
    return cm_render_map_with(db_path, project, map, NULL, out_dir, err);
}

static cm_status render_map(const char *db_path, const cm_project *project, const cm_map_spec *map,
                            const cm_map_geometry *geometry, bool last_layer_user,
                            const char *out_dir, cm_error *err)
{
    cm_run_facts facts;
    cm_feature_set features;
    cm_symbology symbology;
    cm_status st =
        cm_prepare_map_with(db_path, project, map, geometry, &facts, &features, &symbology, err);
    if (st != CM_OK)
        return st;
    cm_page page = {.map = map,
                    .project = project,
                    .facts = &facts,
                    .features = &features,
                    .symbology = &symbology};
    cm_layout_page(&page);
    double grid = outline_grid(map);
    bool shapes_borrowed = draws_on_shapes(geometry, map, &page.layout);
    if (shapes_borrowed) {
        page.shapes = geometry->shapes;
        if (layer_looks_right(geometry, map)) {
            page.boundary_layer = geometry->boundary_layer;
            page.boundary_layer_is_canvas = last_layer_user;
        }
        emphasis_look emphasis = emphasis_look_of(map);
        if (geometry->emphasis_layer && same_emphasis(&geometry->emphasis, &emphasis)) {
            page.emphasis_layer = geometry->emphasis_layer;
        }
    } else {
        st = cm_page_shapes_build(&page.shapes, &features, &page.layout, grid, err);
    }
    cm_trace_mark("map: shapes built");
    /* The styles first: a GeoPackage export running beside this job finds them
     * there instead of classifying the map again. */
    if (st == CM_OK)
        st = write_qgis_styles(&page, out_dir, err);
    if (st == CM_OK && map->format_png)
        st = write_png(&page, out_dir, err);
    cm_trace_mark("map: png written");
    if (st == CM_OK && map->format_svg)
        st = write_svg(&page, out_dir, err);
    if (st == CM_OK && map->format_pdf)
        st = write_pdf(&page, out_dir, err);
    if (!shapes_borrowed)
        cm_page_shapes_free(&page.shapes);
    cm_prepared_map_free(&facts, &features, &symbology);
    return st;
}

cm_status cm_render_map_with(const char *db_path, const cm_project *project, const cm_map_spec *map,
                             const cm_map_geometry *geometry, const char *out_dir, cm_error *err)
{
    return render_map(db_path, project, map, geometry, false, out_dir, err);
}

bool cm_map_geometry_serves_png(const cm_map_geometry *geometry, const cm_map_spec *map)
{
    if (!geometry || !map->format_png || !cm_map_geometry_fits(geometry, map) ||
        !layer_looks_right(geometry, map))
        return false;
    cm_layout layout;
    layout_for(map, &geometry->set, &layout);
    return draws_on_shapes(geometry, map, &layout);
}

cm_status cm_render_map_last_with(const char *db_path, const cm_project *project,
                                  const cm_map_spec *map, cm_map_geometry *geometry,
                                  const char *out_dir, cm_error *err)
{
    cm_status st = render_map(db_path, project, map, geometry, true, out_dir, err);
    cm_map_geometry_release_boundary_layer(geometry); /* it holds this map's PNG now */
    return st;
}

void cm_map_geometry_release_boundary_layer(cm_map_geometry *geometry)
{
    if (!geometry || !geometry->boundary_layer)
        return;
    cairo_surface_destroy(geometry->boundary_layer);
    geometry->boundary_layer = NULL;
}
