/* The map page: layout, title, the territories, scale bar, north arrow, footer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "covermap/progress.h"
#include "covermap/calendar.h"
#include "covermap/text.h"
#include "render_internal.h"

static const cm_color ink = {0.13, 0.13, 0.13};
static const cm_color grey = {0.40, 0.40, 0.40};

double cm_page_factor(const cm_page *page)
{
    /* Text grows with the page: 1 on Letter/A4, about 1.3 on Tabloid/A3. */
    return sqrt(page->layout.page_w * page->layout.page_h / (612.0 * 792.0));
}

static void page_size(const cm_map_spec *map, double *width, double *height)
{
    const char *size = cm_render_setting(map, "page.size", "letter");
    double w = 612, h = 792;
    if (!strcasecmp(size, "tabloid") || !strcasecmp(size, "ledger") || !strcasecmp(size, "11x17")) {
        w = 792;
        h = 1224;
    } else if (!strcasecmp(size, "a4")) {
        w = 595.276;
        h = 841.89;
    } else if (!strcasecmp(size, "a3")) {
        w = 841.89;
        h = 1190.551;
    }
    const char *orientation = cm_render_setting(map, "page.orientation", "landscape");
    bool portrait = !strcasecmp(orientation, "portrait");
    *width = portrait ? w : h;
    *height = portrait ? h : w;
}

void cm_map_to_page(const cm_layout *layout, double x, double y, double *px, double *py)
{
    *px = layout->frame_x + (x - layout->map_x0) * layout->scale;
    *py = layout->frame_y + (layout->map_y0 - y) * layout->scale;
}

void cm_layout_page(cm_page *page)
{
    cm_layout *l = &page->layout;
    page_size(page->map, &l->page_w, &l->page_h);
    double s = cm_page_factor(page);
    l->margin = cm_render_setting_number(page->map, "page.margin", 36);
    double header = 20 * s * 1.4 + 12 * s * 1.5 + 10 * s;
    double footer = 8 * s * 1.6 + 6 * s;
    l->legend_w = fmax(150 * s, l->page_w * 0.24);
    double gap = 12 * s;
    l->frame_x = l->margin;
    l->frame_y = l->margin + header;
    l->frame_w = l->page_w - 2 * l->margin - l->legend_w - gap;
    l->frame_h = l->page_h - 2 * l->margin - header - footer;
    l->legend_x = l->frame_x + l->frame_w + gap;
    l->legend_y = l->frame_y;

    const cm_feature_set *set = page->features;
    double pad = 0.03;
    double ew = (set->maxx - set->minx) * (1 + 2 * pad);
    double eh = (set->maxy - set->miny) * (1 + 2 * pad);
    if (ew <= 0)
        ew = eh > 0 ? eh : 1;
    if (eh <= 0)
        eh = ew;
    l->scale = fmin(l->frame_w / ew, l->frame_h / eh);
    double cx = (set->minx + set->maxx) / 2, cy = (set->miny + set->maxy) / 2;
    l->map_x0 = cx - l->frame_w / 2 / l->scale;
    l->map_y0 = cy + l->frame_h / 2 / l->scale;
}

static void feature_page_box(const cm_page *page, const cm_feature *f, double box[4])
{
    cm_map_to_page(&page->layout, f->minx, f->maxy, &box[0], &box[1]);
    cm_map_to_page(&page->layout, f->maxx, f->miny, &box[2], &box[3]);
}

/* Whether feature i can touch the part of the page cr draws on (a band of a raster
 * page draws only its own territories' outlines). */
static bool within_clip(const cm_page *page, size_t i, const double clip[4])
{
    double box[4], margin = 1.0;
    feature_page_box(page, &page->features->items[i], box);
    return box[2] >= clip[0] - margin && box[0] <= clip[2] + margin && box[3] >= clip[1] - margin &&
           box[1] <= clip[3] + margin;
}

bool cm_feature_is_emphasised(const cm_feature *f)
{
    return f->risk == 0 || f->risk == 1; /* no-coordination, at-risk */
}

/* The boundary line's width and join (its colour is set where it is drawn). */
static void set_boundary_line(cairo_t *cr, const cm_page *page)
{
    cairo_set_line_width(cr, cm_boundary_style_of(page->map).width * cm_page_factor(page));
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
}

/* The boundaries of the selected territories (NULL: all), each edge once. */
static void stroke_boundaries(cairo_t *cr, const cm_page *page, const bool *selected)
{
    cm_color boundary = cm_boundary_style_of(page->map).color;
    cairo_set_source_rgb(cr, boundary.r, boundary.g, boundary.b);
    set_boundary_line(cr, page);
    cm_shapes_stroke_boundaries(cr, &page->shapes, selected);
}

/* The outlines of the territories marked in selected, as cr's path; false when none is. */
static bool path_of(cairo_t *cr, const cm_page *page, const bool *selected)
{
    bool any = false;
    cairo_new_path(cr);
    for (size_t i = 0; i < page->features->count; i++) {
        if (!selected[i])
            continue;
        cm_shape_path(cr, &page->shapes, i);
        any = true;
    }
    return any;
}

/* One hatch over the frame, clipped to cr's path (every no-data territory at once). */
static void hatch_no_data(cairo_t *cr, const cm_page *page)
{
    double s = cm_page_factor(page);
    cm_color hatch =
        cm_render_setting_color(page->map, "nodata.hatch_color", (cm_color){0.45, 0.45, 0.45});
    const cm_layout *l = &page->layout;
    cm_hatch_path(cr, l->frame_x, l->frame_y, l->frame_x + l->frame_w, l->frame_y + l->frame_h,
                  4 * s, 0.8 * s, false, hatch);
}

/* No-data territories (of those shown): the background colour under a hatch. On
 * vector pages, where the classes were filled and outlined together, their
 * boundaries follow; on raster ones (behind true) they go behind what the page
 * holds, so the hatch goes first. */
static void draw_no_data(cairo_t *cr, const cm_page *page, bool *no_data, const bool *shown,
                         bool behind)
{
    cm_color background = cm_render_setting_color(page->map, "nodata.color", (cm_color){1, 1, 1});
    for (size_t i = 0; i < page->features->count; i++)
        no_data[i] = shown[i] && page->features->items[i].class_index < 0;
    if (!path_of(cr, page, no_data))
        return;
    if (behind) {
        hatch_no_data(cr, page);
        path_of(cr, page, no_data);
        cairo_set_source_rgb(cr, background.r, background.g, background.b);
        cairo_fill(cr);
        return;
    }
    cairo_set_source_rgb(cr, background.r, background.g, background.b);
    cairo_fill_preserve(cr);
    hatch_no_data(cr, page);
    stroke_boundaries(cr, page, no_data);
}

/* A page-size layer drawn beforehand in the page's device pixels, painted over what
 * cr has drawn (a band of the page keeps its offset). */
static void paint_page_layer(cairo_t *cr, cairo_surface_t *layer)
{
    double x = 0, y = 0;
    cairo_user_to_device(cr, &x, &y);
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_set_source_surface(cr, layer, x, y);
    cairo_paint(cr);
    cairo_restore(cr);
}

/* Whether the boundaries, opaque and at least two pixels wide on this raster
 * page, paint over every pixel that antialiasing a fill edge would shade: a
 * fill's edge is then off by at most half a pixel, under the line. */
static bool boundaries_hide_fill_edges(cairo_t *cr, const cm_page *page)
{
    double width = cm_boundary_style_of(page->map).width * cm_page_factor(page), zero = 0;
    cairo_user_to_device_distance(cr, &width, &zero);
    return fabs(width) >= 2.0;
}

/* Raster pages already hold their boundaries (render.c): the territories go behind
 * them (CAIRO_OPERATOR_DEST_OVER, set by the caller), last drawn first, which gives
 * the bytes of filling and then painting the boundaries over the fills; vector
 * pages outline each class's territories as they are filled, so that a boundary is
 * written once. */
static bool draw_territories(cairo_t *cr, const cm_page *page)
{
    const cm_symbology *sym = page->symbology;
    bool raster = cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE;
    cm_color boundary = cm_boundary_style_of(page->map).color;
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    if (!raster)
        set_boundary_line(cr, page);
    /* Class by class: a few hundred cairo calls for a province, not one per territory. */
    size_t n = page->features->count;
    bool *selected = calloc(n ? n : 1, sizeof *selected);
    bool *shown = calloc(n ? n : 1, sizeof *shown);
    if (!selected || !shown) {
        free(selected);
        free(shown);
        return false;
    }
    /* A band of a raster page fills only the territories it can show: cairo would
     * otherwise convert the other half of the outlines to be clipped away. */
    double clip[4];
    cairo_clip_extents(cr, &clip[0], &clip[1], &clip[2], &clip[3]);
    for (size_t i = 0; i < n; i++)
        shown[i] = !raster || within_clip(page, i, clip);
    /* Exact coverage of the outlines is most of the fills' time, for edges that the
     * boundaries paint over (measured: 0.1 s -> 0.03 s a band at 20 000 territories). */
    if (raster)
        draw_no_data(cr, page, selected, shown, true);
    cairo_save(cr);
    if (raster && boundaries_hide_fill_edges(cr, page))
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
    for (size_t k = 0; k < sym->class_count; k++) {
        size_t c = raster ? sym->class_count - 1 - k : k;
        for (size_t i = 0; i < n; i++)
            selected[i] = shown[i] && page->features->items[i].class_index == (int)c;
        cairo_set_source_rgb(cr, sym->colors[c].r, sym->colors[c].g, sym->colors[c].b);
        cm_shapes_fill_features(cr, &page->shapes, selected, raster ? NULL : &boundary);
    }
    cairo_restore(cr);
    cm_trace_mark("territories: fills");
    if (!raster)
        draw_no_data(cr, page, selected, shown, false);
    free(selected);
    free(shown);
    cm_trace_mark("territories: no data");
    return true;
}

cm_status cm_draw_boundary_layer(const cm_page *page, double scale, int width, int height,
                                 cm_draw_pool *helpers, cairo_surface_t **out)
{
    *out = NULL;
    cairo_surface_t *layer = cm_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    cm_status st = cm_draw_boundaries_on(layer, page, scale, helpers);
    if (st != CM_OK) {
        cairo_surface_destroy(layer);
        return st;
    }
    *out = layer;
    return CM_OK;
}

/* Bands of the boundary layer: enough for a thread that joins late to find some
 * left, few enough that the territories crossing two bands (stroked in both) stay
 * a small part of the work. */
enum { BOUNDARY_BANDS = 8 };

typedef struct {
    cairo_surface_t *surface;
    const cm_page *page;
    double scale;
    int rows[BOUNDARY_BANDS + 1];
    double *top, *bottom; /* per feature: the rows its outline may touch */
} boundary_bands;

/* Each feature's rows on the layer, widened by the line and its antialiasing. */
static bool find_feature_rows(boundary_bands *b)
{
    const cm_page_shapes *s = &b->page->shapes;
    size_t n = s->feature_count;
    b->top = malloc((n ? n : 1) * sizeof *b->top);
    b->bottom = malloc((n ? n : 1) * sizeof *b->bottom);
    if (!b->top || !b->bottom)
        return false;
    double reach = cm_boundary_style_of(b->page->map).width * cm_page_factor(b->page) * b->scale;
    for (size_t f = 0; f < n; f++) {
        double top = INFINITY, bottom = -INFINITY;
        for (size_t i = s->ring_start[s->feature_ring[f]];
             i < s->ring_start[s->feature_ring[f + 1]]; i++) {
            double y = s->xy[2 * i + 1] * s->grid * b->scale;
            top = fmin(top, y);
            bottom = fmax(bottom, y);
        }
        b->top[f] = top - reach - 2;
        b->bottom[f] = bottom + reach + 2;
    }
    return true;
}

/* Rows rows[band] .. rows[band + 1] - 1, from the features that reach them (a
 * sub-surface of those rows: threads never draw on the same cairo surface). */
static cairo_status_t draw_boundary_band(void *context, int band)
{
    boundary_bands *b = context;
    int first = b->rows[band], end = b->rows[band + 1];
    if (end <= first)
        return CAIRO_STATUS_SUCCESS;
    size_t n = b->page->shapes.feature_count;
    bool *selected = malloc((n ? n : 1) * sizeof *selected);
    if (!selected)
        return CAIRO_STATUS_NO_MEMORY;
    for (size_t f = 0; f < n; f++)
        selected[f] = b->bottom[f] >= first && b->top[f] < end;
    int stride = cairo_image_surface_get_stride(b->surface);
    cairo_surface_t *part = cairo_image_surface_create_for_data(
        cairo_image_surface_get_data(b->surface) + (size_t)first * (size_t)stride,
        cairo_image_surface_get_format(b->surface), cairo_image_surface_get_width(b->surface),
        end - first, stride);
    cairo_t *cr = cairo_create(part);
    cairo_translate(cr, 0, -first);
    cairo_scale(cr, b->scale, b->scale);
    const cm_layout *l = &b->page->layout;
    cairo_rectangle(cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
    cairo_clip(cr);
    stroke_boundaries(cr, b->page, selected);
    cairo_status_t status = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_flush(part);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(part);
    cairo_surface_destroy(part);
    free(selected);
    return status;
}

cm_status cm_draw_boundaries_on(cairo_surface_t *layer, const cm_page *page, double scale,
                                cm_draw_pool *helpers)
{
    if (cairo_surface_status(layer) != CAIRO_STATUS_SUCCESS)
        return CM_ERR_RENDER;
    boundary_bands bands = {layer, page, scale, {0}, NULL, NULL};
    cairo_surface_flush(layer);
    cm_balanced_rows(&page->shapes, scale, cairo_image_surface_get_height(layer), BOUNDARY_BANDS,
                     bands.rows);
    cairo_status_t status = find_feature_rows(&bands)
                                ? cm_draw_bands(helpers, draw_boundary_band, &bands, BOUNDARY_BANDS)
                                : CAIRO_STATUS_NO_MEMORY;
    cairo_surface_mark_dirty(layer);
    free(bands.top);
    free(bands.bottom);
    return status == CAIRO_STATUS_SUCCESS ? CM_OK : CM_ERR_RENDER;
}

static int by_size(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The outline width: the style's, but never more than a small part of a typical
 * territory, so that dense maps are not drawn solid black. */
static double emphasis_width(const cm_page *page, double wanted)
{
    size_t n = page->features->count;
    double *sizes = malloc((n ? n : 1) * sizeof *sizes);
    if (!sizes || n == 0) {
        free(sizes);
        return wanted;
    }
    for (size_t i = 0; i < n; i++) {
        double box[4];
        feature_page_box(page, &page->features->items[i], box);
        sizes[i] = sqrt(fabs((box[2] - box[0]) * (box[3] - box[1])));
    }
    qsort(sizes, n, sizeof *sizes, by_size);
    double typical = sizes[n / 2];
    free(sizes);
    return fmin(wanted, fmax(0.3, typical * 0.08));
}

typedef struct {
    bool hatch;
    cm_color color;
    double width; /* of the outline's inner half */
    double spacing, hatch_width;
} emphasis_style;

/* Outline widths: the style's, then halves of it down to WIDTH_BANDS - 1 halvings. */
enum { WIDTH_BANDS = 4 };

/* The band of a territory's outline: the widest that stays under 12 % of its size. */
static int outline_band(const cm_page *page, size_t feature, double width)
{
    double box[4];
    feature_page_box(page, &page->features->items[feature], box);
    double size = sqrt(fabs((box[2] - box[0]) * (box[3] - box[1])));
    int band = 0;
    while (band < WIDTH_BANDS - 1 && width / (1 << band) > size * 0.12)
        band++;
    return band;
}

/* The hatch (in hatch mode) and the outlines of one width, doubled: whatever
 * keeps them inside the territories has been set up by the caller. */
static void draw_outlines(cairo_t *cr, const cm_page *page, const bool *in_band, double width,
                          const emphasis_style *style)
{
    const cm_layout *l = &page->layout;
    if (style->hatch) {
        cairo_rectangle(cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
        cm_hatch_path(cr, l->frame_x, l->frame_y, l->frame_x + l->frame_w, l->frame_y + l->frame_h,
                      style->spacing, style->hatch_width, true, style->color);
    }
    cairo_set_source_rgb(cr, style->color.r, style->color.g, style->color.b);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr, 2 * width);
    /* An edge between two territories of the band is stroked once. */
    cm_shapes_stroke_boundaries(cr, &page->shapes, in_band);
}

/* A layer the size of cr's target drawn with cr's transformation and frame clip,
 * in a large buffer (cairo's own groups are fresh memory each time: thousands of
 * page faults per band). */
static cairo_t *layer_like(cairo_t *cr, const cm_page *page, cairo_format_t format)
{
    cairo_surface_t *target = cairo_get_target(cr);
    cairo_surface_t *layer = cm_image_surface_create(format, cairo_image_surface_get_width(target),
                                                     cairo_image_surface_get_height(target));
    cairo_t *layer_cr = cairo_create(layer);
    cairo_surface_destroy(layer); /* layer_cr holds it */
    cairo_matrix_t matrix;
    cairo_get_matrix(cr, &matrix);
    cairo_set_matrix(layer_cr, &matrix);
    const cm_layout *l = &page->layout;
    cairo_rectangle(layer_cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
    cairo_clip(layer_cr);
    cairo_set_fill_rule(layer_cr, CAIRO_FILL_RULE_EVEN_ODD);
    return layer_cr;
}

/* Raster: the outlines go into one layer kept to the territories by a mask of the
 * territories themselves, two operations for the whole map rather than a clip per
 * territory. Both are coverage alone (A8): the outlines are of one colour, painted
 * through their coverage at the end, and an A8 layer is a quarter of an ARGB one to
 * clear, draw and read. */
static void emphasise_masked(cairo_t *cr, const cm_page *page, const bool *in_band, double width,
                             const emphasis_style *style)
{
    cairo_t *outlines = layer_like(cr, page, CAIRO_FORMAT_A8);
    draw_outlines(outlines, page, in_band, width, style);
    cairo_t *inside = layer_like(cr, page, CAIRO_FORMAT_A8);
    cairo_set_source_rgb(inside, 0, 0, 0);
    cm_shapes_fill_features(inside, &page->shapes, in_band, NULL);
    cairo_surface_flush(cairo_get_target(inside));
    /* outlines *= inside, pixel by pixel. */
    cairo_identity_matrix(outlines);
    cairo_reset_clip(outlines);
    cairo_set_operator(outlines, CAIRO_OPERATOR_DEST_IN);
    cairo_set_source_surface(outlines, cairo_get_target(inside), 0, 0);
    cairo_paint(outlines);
    cairo_surface_flush(cairo_get_target(outlines));
    cairo_save(cr);
    cairo_identity_matrix(cr); /* the layers are in cr's device pixels */
    cairo_set_source_rgb(cr, style->color.r, style->color.g, style->color.b);
    cairo_mask_surface(cr, cairo_get_target(outlines), 0, 0);
    cairo_restore(cr);
    cairo_destroy(inside);
    cairo_destroy(outlines);
}

/* SVG and PDF: one native clip made of all the territories of the band and one
 * stroke of their outlines (groups there go through recording surfaces, which
 * cairo 1.16 does not always release). Vector paths are not batched, so the clip
 * is written once. */
static void emphasise_clipped(cairo_t *cr, const cm_page *page, const bool *in_band, double width,
                              const emphasis_style *style)
{
    cairo_new_path(cr);
    for (size_t i = 0; i < page->features->count; i++)
        if (in_band[i])
            cm_shape_path(cr, &page->shapes, i);
    cairo_clip(cr);
    draw_outlines(cr, page, in_band, width, style);
}

typedef void (*emphasise_band_fn)(cairo_t *cr, const cm_page *page, const bool *in_band,
                                  double width, const emphasis_style *style);

/* One pass per outline width, so that a wide outline never reaches into a small
 * neighbour drawn with a narrower one. band_of[i]: feature i's outline width band,
 * -1 when it is not drawn here. */
static bool emphasise_by_width(cairo_t *cr, const cm_page *page, const signed char *band_of,
                               const emphasis_style *style, emphasise_band_fn emphasise_band)
{
    size_t n = page->features->count;
    bool *in_band = calloc(n ? n : 1, sizeof *in_band);
    if (!in_band)
        return false;
    for (int band = 0; band < WIDTH_BANDS; band++) {
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            in_band[i] = band_of[i] == band;
            any = any || in_band[i];
        }
        if (!any)
            continue;
        cairo_save(cr);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        emphasise_band(cr, page, in_band, style->width / (1 << band), style);
        cairo_restore(cr);
    }
    free(in_band);
    return true;
}

/* Several outline widths on a raster page are composed on one transparent layer,
 * painted once: the bytes are then those of the layer that maps sharing their
 * emphasis paint (render.c), which one pass per width straight onto the page would
 * round differently. One width is one operation either way. */
static bool emphasise_on_layer(cairo_t *cr, const cm_page *page, const signed char *band_of,
                               const emphasis_style *style)
{
    cairo_t *layer = layer_like(cr, page, CAIRO_FORMAT_ARGB32);
    bool drawn = emphasise_by_width(layer, page, band_of, style, emphasise_masked);
    cairo_surface_flush(cairo_get_target(layer));
    cairo_save(cr);
    cairo_identity_matrix(cr); /* the layer is in cr's device pixels */
    cairo_set_source_surface(cr, cairo_get_target(layer), 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_destroy(layer);
    return drawn;
}

/* At-risk territories: a thick outline kept inside the territory (so it never
 * hides a neighbour's colour), or a hatch. False when out of memory. */
static bool draw_emphasis(cairo_t *cr, const cm_page *page)
{
    const cm_map_spec *map = page->map;
    double s = cm_page_factor(page);
    cm_emphasis_settings settings = cm_emphasis_settings_of(map);
    if (settings.mode == CM_EMPHASIS_NONE)
        return true;
    emphasis_style style = {settings.mode == CM_EMPHASIS_HATCH, settings.color,
                            emphasis_width(page, settings.width * s), 6 * s, 0.9 * s};
    if (style.hatch)
        style.width = fmin(style.width, 1.2 * s);
    /* Each territory's outline width, once: those at risk that this part of the
     * page can show. */
    size_t n = page->features->count;
    signed char *band_of = malloc(n ? n : 1);
    if (!band_of)
        return false;
    double clip[4];
    cairo_clip_extents(cr, &clip[0], &clip[1], &clip[2], &clip[3]);
    bool used[WIDTH_BANDS] = {false};
    for (size_t i = 0; i < n; i++) {
        const cm_feature *f = &page->features->items[i];
        bool shown = cm_feature_is_emphasised(f) && f->ring_count && within_clip(page, i, clip);
        band_of[i] = shown ? (signed char)outline_band(page, i, style.width) : -1;
        if (shown)
            used[band_of[i]] = true;
    }
    int widths = 0;
    for (int band = 0; band < WIDTH_BANDS; band++)
        widths += used[band];
    bool raster = cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE;
    bool drawn = true;
    if (raster && widths > 1)
        drawn = emphasise_on_layer(cr, page, band_of, &style);
    else if (widths > 0)
        drawn = emphasise_by_width(cr, page, band_of, &style,
                                   raster ? emphasise_masked : emphasise_clipped);
    free(band_of);
    return drawn;
}

/* 1, 2 or 5 times a power of ten, at most limit. */
static double round_length(double limit)
{
    double power = pow(10, floor(log10(limit)));
    if (5 * power <= limit)
        return 5 * power;
    if (2 * power <= limit)
        return 2 * power;
    return power;
}

static void draw_scale_bar(cairo_t *cr, const cm_page *page, double box[4])
{
    const cm_layout *l = &page->layout;
    double s = cm_page_factor(page);
    double metres_per_point = page->features->metres_per_unit / l->scale;
    double metres = round_length(l->frame_w * 0.22 * metres_per_point);
    double length = metres / metres_per_point;
    double x = l->frame_x + 12 * s, y = l->frame_y + l->frame_h - 14 * s, h = 4 * s;
    char number[64], label[96];
    if (metres >= 1000) {
        cm_format_number(metres / 1000, 0, page->facts->locale, number, sizeof number);
        snprintf(label, sizeof label, "%s km", number);
    } else {
        cm_format_number(metres, 0, page->facts->locale, number, sizeof number);
        snprintf(label, sizeof label, "%s m", number);
    }
    cairo_set_line_width(cr, 0.6 * s);
    for (int half = 0; half < 2; half++) {
        cairo_rectangle(cr, x + half * length / 2, y, length / 2, h);
        if (half == 0)
            cairo_set_source_rgb(cr, ink.r, ink.g, ink.b);
        else
            cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, ink.r, ink.g, ink.b);
        cairo_stroke(cr);
    }
    cm_draw_text(cr, page, "0", 7 * s, false, x, y - 10 * s, 1, ink);
    cm_draw_text(cr, page, label, 7 * s, false, x + length, y - 10 * s, 1, ink);
    box[0] = x - 6 * s;
    box[1] = y - 10 * s - 1;
    box[2] = x + length + 20 * s;
    box[3] = y + h + 1;
}

static void draw_north_arrow(cairo_t *cr, const cm_page *page, double box[4])
{
    const cm_layout *l = &page->layout;
    double s = cm_page_factor(page);
    double cx = l->frame_x + l->frame_w - 18 * s, top = l->frame_y + 10 * s;
    double h = 22 * s, w = 9 * s;
    /* A white halo keeps the arrow readable over the territories. */
    cairo_move_to(cr, cx, top);
    cairo_line_to(cr, cx - w / 2, top + h);
    cairo_line_to(cr, cx + w / 2, top + h);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 3 * s);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 0.6 * s);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_move_to(cr, cx, top);
    cairo_line_to(cr, cx - w / 2, top + h);
    cairo_line_to(cr, cx, top + h * 0.75);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, ink.r, ink.g, ink.b);
    cairo_fill_preserve(cr);
    cairo_stroke(cr);
    cairo_move_to(cr, cx, top);
    cairo_line_to(cr, cx + w / 2, top + h);
    cairo_line_to(cr, cx, top + h * 0.75);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, ink.r, ink.g, ink.b);
    cairo_stroke(cr);
    double th = cm_draw_text(cr, page, "N", 9 * s, true, cx, top + h + 1 * s, 1, ink);
    box[0] = cx - w;
    box[1] = top - 2;
    box[2] = cx + w;
    box[3] = top + h + th + 2 * s;
}

static void format_as_of(const cm_page *page, char *buf, size_t size)
{
    cm_day day;
    buf[0] = '\0';
    if (page->facts->as_of && cm_day_parse_iso(page->facts->as_of, &day))
        cm_format_date(day, page->facts->locale, buf, size);
}

static void draw_header(cairo_t *cr, const cm_page *page)
{
    const cm_layout *l = &page->layout;
    double s = cm_page_factor(page);
    const char *title = page->map->title ? page->map->title : page->map->name;
    double y = l->margin;
    y += cm_draw_text(cr, page, title, 20 * s, true, l->margin, y, 0, ink) + 2 * s;
    char subtitle[1024], date[128];
    if (page->map->subtitle) {
        snprintf(subtitle, sizeof subtitle, "%s", page->map->subtitle);
    } else {
        format_as_of(page, date, sizeof date);
        bool fr = page->facts->locale == CM_LOCALE_FR_CA;
        const char *project = page->facts->title ? page->facts->title : "";
        if (date[0])
            snprintf(subtitle, sizeof subtitle, "%s%s%s %s", project, project[0] ? " — " : "",
                     fr ? "au" : "as of", date);
        else
            snprintf(subtitle, sizeof subtitle, "%s", project);
    }
    cm_draw_text(cr, page, subtitle, 12 * s, false, l->margin, y, 0, grey);
}

static void draw_footer(cairo_t *cr, const cm_page *page)
{
    const cm_layout *l = &page->layout;
    double s = cm_page_factor(page);
    bool fr = page->facts->locale == CM_LOCALE_FR_CA;
    double y = l->page_h - l->margin - 8 * s * 1.3;
    char text[1024], date[128];
    if (page->facts->source_line && page->facts->source_line[0]) {
        snprintf(text, sizeof text, "%s %s", fr ? "Source :" : "Source:", page->facts->source_line);
        cm_draw_text(cr, page, text, 8 * s, false, l->margin, y, 0, grey);
    }
    format_as_of(page, date, sizeof date);
    if (date[0]) {
        snprintf(text, sizeof text, "%s %s", fr ? "Données au" : "Data as of", date);
        cm_draw_text(cr, page, text, 8 * s, false, l->page_w - l->margin, y, 2, grey);
    }
}

cairo_status_t cm_draw_page_base(cairo_t *cr, const cm_page *page)
{
    const cm_layout *l = &page->layout;
    bool raster = cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE;
    if (!raster) {
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
    }
    cairo_save(cr);
    cairo_rectangle(cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
    cairo_clip(cr);
    /* A raster page holds its boundaries already: the territories, then the white
     * page, go behind them. */
    if (raster)
        cairo_set_operator(cr, CAIRO_OPERATOR_DEST_OVER);
    bool drawn = draw_territories(cr, page);
    if (raster) {
        cairo_reset_clip(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
        cairo_rectangle(cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
        cairo_clip(cr);
    }
    cm_trace_mark("page: territories");
    if (page->emphasis_layer &&
        cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE) {
        paint_page_layer(cr, page->emphasis_layer);
    } else if (drawn) {
        drawn = draw_emphasis(cr, page);
    }
    cm_trace_mark("page: emphasis");
    cairo_restore(cr);
    /* A map missing part of its drawing is not written as if complete. */
    return drawn ? cairo_status(cr) : CAIRO_STATUS_NO_MEMORY;
}

cairo_status_t cm_draw_page_emphasis(cairo_t *cr, const cm_page *page)
{
    const cm_layout *l = &page->layout;
    cairo_rectangle(cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
    cairo_clip(cr);
    return draw_emphasis(cr, page) ? cairo_status(cr) : CAIRO_STATUS_NO_MEMORY;
}

cm_status cm_draw_page_overlay(cairo_t *cr, cm_page *page, cm_error *err)
{
    const cm_layout *l = &page->layout;
    double s = cm_page_factor(page);
    draw_header(cr, page);

    cairo_save(cr);
    cairo_rectangle(cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
    cairo_clip(cr);
    double obstacles[8];
    draw_scale_bar(cr, page, obstacles);
    draw_north_arrow(cr, page, obstacles + 4);
    cm_status st = CM_OK;
    if (cm_render_setting_bool(page->map, "labels.show",
                               cm_render_setting_bool(page->map, "labels", true)))
        st = cm_draw_labels(cr, page, obstacles, 2, err);
    cairo_restore(cr);
    cm_trace_mark("page: labels");

    cairo_rectangle(cr, l->frame_x, l->frame_y, l->frame_w, l->frame_h);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.5 * s);
    cairo_stroke(cr);
    cm_draw_legend(cr, page);
    draw_footer(cr, page);
    cm_trace_mark("page: legend, footer");
    if (st == CM_OK && cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        st = cm_error_set(err, CM_ERR_RENDER, "map '%s': drawing failed: %s", page->map->name,
                          cairo_status_to_string(cairo_status(cr)));
    return st;
}
