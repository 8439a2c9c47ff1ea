/* The legend column: one swatch per class with its range (or category) and the
 * number of territories in it, the hatched no-data swatch, the at-risk
 * emphasis, and the number key when labels are numbered. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render_internal.h"

static const cm_color ink = {0.13, 0.13, 0.13};
static const cm_color grey = {0.40, 0.40, 0.40};

typedef struct {
    cairo_t *cr;
    cm_page *page;
    double s;       /* page size factor */
    double x, y, w; /* column left, current baseline top, width */
    double swatch_w, swatch_h, row_h, text_size;
} legend_cursor;

static void swatch_rect(legend_cursor *c)
{
    cairo_new_path(c->cr);
    cairo_rectangle(c->cr, c->x, c->y, c->swatch_w, c->swatch_h);
}

static void swatch_outline(legend_cursor *c)
{
    swatch_rect(c);
    cairo_set_source_rgb(c->cr, 0.39, 0.39, 0.39);
    cairo_set_line_width(c->cr, 0.5 * c->s);
    cairo_stroke(c->cr);
}

/* Label beside the swatch, wrapped to leave room for the count on the right. */
static void row_text(legend_cursor *c, const char *label, size_t count)
{
    char number[32];
    snprintf(number, sizeof number, "(%zu)", count);
    PangoLayout *count_layout = cm_text_layout(c->cr, c->page, number, c->text_size, false, 0);
    double count_w, count_h;
    cm_text_extent(count_layout, &count_w, &count_h);
    double tx = c->x + c->swatch_w + 8 * c->s;
    double wrap = c->x + c->w - count_w - 6 * c->s - tx;
    PangoLayout *layout = cm_text_layout(c->cr, c->page, label, c->text_size, false, wrap);
    pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT);
    double text_w, text_h;
    cm_text_extent(layout, &text_w, &text_h);
    double ty = c->y + (c->swatch_h - count_h) / 2;
    cm_paint_text(c->cr, layout, tx, ty, ink, 0);
    cm_paint_text(c->cr, count_layout, c->x + c->w - count_w, ty, grey, 0);
    g_object_unref(layout);
    g_object_unref(count_layout);
    c->y += c->row_h + (text_h > count_h * 1.5 ? text_h - count_h : 0);
}

static void nodata_row(legend_cursor *c, size_t count)
{
    const cm_map_spec *map = c->page->map;
    bool fr = c->page->facts->locale == CM_LOCALE_FR_CA;
    cm_color bg = cm_render_setting_color(map, "nodata.color", (cm_color){1, 1, 1});
    cm_color hatch =
        cm_render_setting_color(map, "nodata.hatch_color", (cm_color){0.45, 0.45, 0.45});
    swatch_rect(c);
    cairo_set_source_rgb(c->cr, bg.r, bg.g, bg.b);
    cairo_fill_preserve(c->cr);
    cm_hatch_path(c->cr, c->x, c->y, c->x + c->swatch_w, c->y + c->swatch_h, 4 * c->s, 0.8 * c->s,
                  false, hatch);
    swatch_outline(c);
    row_text(c, fr ? "Données manquantes" : "No data", count);
}

static void emphasis_row(legend_cursor *c)
{
    const cm_map_spec *map = c->page->map;
    cm_emphasis_settings emphasis = cm_emphasis_settings_of(map);
    if (emphasis.mode == CM_EMPHASIS_NONE)
        return;
    size_t count = 0;
    for (size_t i = 0; i < c->page->features->count; i++)
        count += cm_feature_is_emphasised(&c->page->features->items[i]);
    cm_color color = emphasis.color;
    double width = emphasis.width * c->s;
    swatch_rect(c);
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_fill_preserve(c->cr);
    if (emphasis.mode == CM_EMPHASIS_HATCH) {
        cairo_path_t *path = cairo_copy_path(c->cr);
        cm_hatch_path(c->cr, c->x, c->y, c->x + c->swatch_w, c->y + c->swatch_h, 6 * c->s,
                      0.9 * c->s, true, color);
        cairo_append_path(c->cr, path);
        cairo_path_destroy(path);
        width = fmin(width, 1.2 * c->s);
    }
    cairo_save(c->cr);
    cairo_clip_preserve(c->cr);
    cairo_set_source_rgb(c->cr, color.r, color.g, color.b);
    cairo_set_line_width(c->cr, 2 * width);
    cairo_stroke(c->cr);
    cairo_restore(c->cr);
    bool fr = c->page->facts->locale == CM_LOCALE_FR_CA;
    row_text(c, fr ? "À risque ou sans coordination" : "At risk or without coordination", count);
}

static void number_key(legend_cursor *c)
{
    const cm_page *page = c->page;
    if (!page->number_key_count)
        return;
    bool fr = page->facts->locale == CM_LOCALE_FR_CA;
    c->y += 6 * c->s;
    c->y += cm_draw_text(c->cr, page, fr ? "Quartiers numérotés" : "Numbered territories",
                         c->text_size, true, c->x, c->y, 0, ink) +
            2 * c->s;
    double size = c->text_size * 0.85;
    double bottom = page->layout.frame_y + page->layout.frame_h;
    for (size_t k = 0; k < page->number_key_count; k++) {
        const cm_feature *f = &page->features->items[page->number_key[k]];
        char line[512];
        snprintf(line, sizeof line, "%zu  %s", k + 1, f->name && f->name[0] ? f->name : f->key);
        if (c->y + size * 1.3 > bottom)
            break; /* the column is full; the numbers stay on the map */
        c->y += cm_draw_text(c->cr, page, line, size, false, c->x, c->y, 0, ink);
    }
}

void cm_draw_legend(cairo_t *cr, cm_page *page)
{
    const cm_symbology *sym = page->symbology;
    double s = cm_page_factor(page);
    legend_cursor c = {.cr = cr,
                       .page = page,
                       .s = s,
                       .x = page->layout.legend_x,
                       .y = page->layout.legend_y,
                       .w = page->layout.legend_w,
                       .swatch_w = 22 * s,
                       .swatch_h = 13 * s,
                       .row_h = 19 * s,
                       .text_size = 9 * s};
    const char *title = cm_map_setting(page->map, "legend.title");
    if (title && title[0]) {
        PangoLayout *layout = cm_text_layout(cr, page, title, 10 * s, true, c.w);
        pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT);
        double w, h;
        cm_text_extent(layout, &w, &h);
        cm_paint_text(cr, layout, c.x, c.y, ink, 0);
        g_object_unref(layout);
        c.y += h + 6 * s;
    }
    for (size_t i = 0; i < sym->class_count; i++) {
        swatch_rect(&c);
        cairo_set_source_rgb(cr, sym->colors[i].r, sym->colors[i].g, sym->colors[i].b);
        cairo_fill(cr);
        swatch_outline(&c);
        row_text(&c, sym->labels[i], sym->counts[i]);
    }
    nodata_row(&c, sym->null_count);
    c.y += 4 * s;
    emphasis_row(&c);
    number_key(&c);
}
