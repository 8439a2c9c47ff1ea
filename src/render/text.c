/* Text on the page through pango: fixed absolute sizes, no hinting, so that PNG,
 * SVG and PDF lay every line out the same way. */
#include <math.h>
#include <string.h>

#include "render_internal.h"

const char *cm_page_font(const cm_page *page)
{
    return cm_render_setting(page->map, "font", "DejaVu Sans");
}

PangoLayout *cm_text_layout(cairo_t *cr, const cm_page *page, const char *text, double size,
                            bool bold, double wrap_width)
{
    PangoContext *context = pango_cairo_create_context(cr);
    cairo_font_options_t *options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(context, options);
    cairo_font_options_destroy(options);

    PangoLayout *layout = pango_layout_new(context);
    g_object_unref(context);
    PangoFontDescription *font = pango_font_description_new();
    pango_font_description_set_family(font, cm_page_font(page));
    pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    if (wrap_width > 0) {
        pango_layout_set_width(layout, (int)(wrap_width * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD);
        pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
    }
    pango_layout_set_text(layout, text ? text : "", -1);
    return layout;
}

void cm_text_extent(PangoLayout *layout, double *width, double *height)
{
    PangoRectangle logical;
    pango_layout_get_extents(layout, NULL, &logical);
    *width = (double)logical.width / PANGO_SCALE;
    *height = (double)logical.height / PANGO_SCALE;
}

void cm_paint_text(cairo_t *cr, PangoLayout *layout, double x, double y, cm_color color,
                   double halo)
{
    cairo_save(cr);
    /* A wrapped layout is as wide as its wrap width; shift to its ink start. */
    PangoRectangle logical;
    pango_layout_get_extents(layout, NULL, &logical);
    x -= (double)logical.x / PANGO_SCALE;
    if (halo > 0) {
        cairo_new_path(cr);
        cairo_move_to(cr, x, y);
        pango_cairo_layout_path(cr, layout);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, halo);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
    }
    cairo_move_to(cr, x, y);
    cairo_set_source_rgb(cr, color.r, color.g, color.b);
    pango_cairo_show_layout(cr, layout);
    cairo_new_path(cr);
    cairo_restore(cr);
}

double cm_draw_text(cairo_t *cr, const cm_page *page, const char *text, double size, bool bold,
                    double x, double y, int align, cm_color color)
{
    PangoLayout *layout = cm_text_layout(cr, page, text, size, bold, 0);
    double width, height;
    cm_text_extent(layout, &width, &height);
    if (align == 1)
        x -= width / 2;
    else if (align == 2)
        x -= width;
    cm_paint_text(cr, layout, x, y, color, 0);
    g_object_unref(layout);
    return height;
}

void cm_hatch_path(cairo_t *cr, double x0, double y0, double x1, double y1, double spacing,
                   double width, bool rising, cm_color color)
{
    cairo_save(cr);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, color.r, color.g, color.b);
    cairo_set_line_width(cr, width);
    /* Lines x - y = c (falling) or x + y = c (rising) at a fixed phase on the
     * page, so that neighbours' hatches line up. */
    double h = y1 - y0;
    double lo = rising ? x0 + y0 : x0 - y1, hi = rising ? x1 + y1 : x1 - y0;
    for (double c = spacing * floor(lo / spacing); c <= hi; c += spacing) {
        if (rising) {
            cairo_move_to(cr, c - y0, y0);
            cairo_line_to(cr, c - y0 - h, y1);
        } else {
            cairo_move_to(cr, c + y0, y0);
            cairo_line_to(cr, c + y0 + h, y1);
        }
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}
