/* gap-report.pdf: Letter pages drawn with cairo and pango. The document is laid
 * out twice with the same code: once to count the pages (nothing drawn), once to
 * draw them with "Page n / total" footers. Text is real text (DejaVu Sans), so it
 * can be searched and copied with its accents. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "report/report_internal.h"

#define PAGE_W 612.0 /* Letter, in points */
#define PAGE_H 792.0
#define MARGIN_X 40.0
#define MARGIN_TOP 46.0
#define CONTENT_BOTTOM (PAGE_H - 56.0)
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define CELL_PAD 3.0
#define FONT_FAMILY "DejaVu Sans"

/* Column widths in points; they add up to CONTENT_W. */
static const double COLUMN_WIDTH[REPORT_COL_COUNT] = {86, 60, 50, 52, 44, 46, 56, 42, 96};

typedef struct {
    double r, g, b;
} pdf_rgb;

typedef struct {
    const cm_report *report;
    const char *title;
    cairo_t *cr;
    bool draw;      /* false: only measure and count pages */
    int page;       /* current page, 1-based */
    int page_count; /* known in the drawing pass */
    double y;       /* top of the free space on the current page */
} pdf_doc;

static PangoLayout *make_layout(pdf_doc *d, const char *text, double width, double size, bool bold,
                                PangoAlignment align)
{
    PangoLayout *layout = pango_cairo_create_layout(d->cr);
    PangoFontDescription *font = pango_font_description_new();
    pango_font_description_set_family(font, FONT_FAMILY);
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, align);
    pango_layout_set_text(layout, text, -1);
    return layout;
}

static double layout_height(PangoLayout *layout)
{
    int w, h;
    pango_layout_get_size(layout, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void show_layout(pdf_doc *d, PangoLayout *layout, double x, double y, pdf_rgb ink)
{
    if (!d->draw)
        return;
    cairo_set_source_rgb(d->cr, ink.r, ink.g, ink.b);
    cairo_move_to(d->cr, x, y);
    pango_cairo_show_layout(d->cr, layout);
}

static void fill_rect(pdf_doc *d, double x, double y, double w, double h, pdf_rgb fill)
{
    if (!d->draw)
        return;
    cairo_set_source_rgb(d->cr, fill.r, fill.g, fill.b);
    cairo_rectangle(d->cr, x, y, w, h);
    cairo_fill(d->cr);
}

static const pdf_rgb INK = {0.1, 0.1, 0.1};
static const pdf_rgb MUTED = {0.35, 0.35, 0.35};
static const pdf_rgb WHITE = {1, 1, 1};

static void draw_footer(pdf_doc *d)
{
    char text[64];
    snprintf(text, sizeof text, "%s %d / %d", report_text_get(REPORT_TEXT_PAGE, d->report->locale),
             d->page, d->page_count);
    PangoLayout *left = make_layout(d, d->title, CONTENT_W * 0.75, 7.5, false, PANGO_ALIGN_LEFT);
    pango_layout_set_ellipsize(left, PANGO_ELLIPSIZE_END);
    PangoLayout *right = make_layout(d, text, CONTENT_W * 0.25, 7.5, false, PANGO_ALIGN_RIGHT);
    show_layout(d, left, MARGIN_X, PAGE_H - 40, MUTED);
    show_layout(d, right, MARGIN_X + CONTENT_W * 0.75, PAGE_H - 40, MUTED);
    g_object_unref(left);
    g_object_unref(right);
}

static void new_page(pdf_doc *d)
{
    if (d->draw) {
        draw_footer(d);
        cairo_show_page(d->cr);
    }
    d->page++;
    d->y = MARGIN_TOP;
}

/* Starts a new page unless height more points fit on this one. */
static void ensure_space(pdf_doc *d, double height)
{
    if (d->y + height > CONTENT_BOTTOM && d->y > MARGIN_TOP)
        new_page(d);
}

static void paragraph(pdf_doc *d, const char *text, double size, bool bold, pdf_rgb ink,
                      double space_after)
{
    PangoLayout *layout = make_layout(d, text, CONTENT_W, size, bold, PANGO_ALIGN_LEFT);
    double h = layout_height(layout);
    ensure_space(d, h);
    show_layout(d, layout, MARGIN_X, d->y, ink);
    d->y += h + space_after;
    g_object_unref(layout);
}

/* A heading is kept with at least the first lines that follow it. */
static void heading(pdf_doc *d, const char *text, double size)
{
    ensure_space(d, size * 1.4 + 40);
    d->y += size * 0.5;
    paragraph(d, text, size, true, INK, size * 0.4);
}

static void bullet(pdf_doc *d, const char *text)
{
    PangoLayout *layout = make_layout(d, text, CONTENT_W - 12, 8.5, false, PANGO_ALIGN_LEFT);
    PangoLayout *dot = make_layout(d, "•", 12, 8.5, false, PANGO_ALIGN_LEFT);
    double h = layout_height(layout);
    ensure_space(d, h);
    show_layout(d, dot, MARGIN_X, d->y, INK);
    show_layout(d, layout, MARGIN_X + 12, d->y, INK);
    d->y += h + 2.5;
    g_object_unref(layout);
    g_object_unref(dot);
}

static void render_headline(pdf_doc *d)
{
    char first[512], second[512], third[512];
    report_headline_sentences(d->report, first, second, third, sizeof first);
    char rest[1100];
    snprintf(rest, sizeof rest, "%s%s%s", second, second[0] ? " " : "", third);
    double inner = CONTENT_W - 20;
    PangoLayout *lead = make_layout(d, first, inner, 13, true, PANGO_ALIGN_LEFT);
    PangoLayout *more = make_layout(d, rest, inner, 11, false, PANGO_ALIGN_LEFT);
    double h = layout_height(lead) + 4 + layout_height(more) + 16;
    ensure_space(d, h);
    fill_rect(d, MARGIN_X, d->y, CONTENT_W, h, (pdf_rgb){1.0, 0.957, 0.898});
    fill_rect(d, MARGIN_X, d->y, 5, h, (pdf_rgb){0.843, 0.188, 0.122});
    show_layout(d, lead, MARGIN_X + 14, d->y + 8, INK);
    show_layout(d, more, MARGIN_X + 14, d->y + 8 + layout_height(lead) + 4, INK);
    d->y += h + 14;
    g_object_unref(lead);
    g_object_unref(more);
}

/* ---- the ranked table ---------------------------------------------------------- */

static pdf_rgb risk_fill(cm_risk_level risk)
{
    switch (risk) {
    case CM_RISK_NO_COORDINATION: return (pdf_rgb){0.498, 0, 0};
    case CM_RISK_AT_RISK: return (pdf_rgb){0.843, 0.188, 0.122};
    case CM_RISK_FRAGILE: return (pdf_rgb){0.992, 0.733, 0.518};
    case CM_RISK_STABLE: break;
    }
    return (pdf_rgb){0.776, 0.859, 0.937};
}

static bool risk_text_is_white(cm_risk_level risk)
{
    return risk == CM_RISK_NO_COORDINATION || risk == CM_RISK_AT_RISK;
}

/* Lays out one row's cells; returns the row height. */
static double layout_row(pdf_doc *d, const char *const *texts, bool header, PangoLayout **cells)
{
    double height = 0;
    for (int c = 0; c < REPORT_COL_COUNT; c++) {
        PangoAlignment align =
            report_column_is_numeric((report_column)c) ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT;
        cells[c] = make_layout(d, texts[c], COLUMN_WIDTH[c] - 2 * CELL_PAD, header ? 6.5 : 7.5,
                               header, align);
        double h = layout_height(cells[c]) + 2 * CELL_PAD;
        if (h > height)
            height = h;
    }
    return height;
}

static void free_row(PangoLayout **cells)
{
    for (int c = 0; c < REPORT_COL_COUNT; c++)
        g_object_unref(cells[c]);
}

static void draw_badge(pdf_doc *d, PangoLayout *cell, double x, double y, cm_risk_level risk)
{
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(cell, &ink, &logical);
    fill_rect(d, x + logical.x - 2, y - 1, logical.width + 4, logical.height + 2, risk_fill(risk));
}

/* Draws a row at d->y; risk < 0 for the header row. */
static void draw_row(pdf_doc *d, PangoLayout **cells, double height, int risk, bool band)
{
    if (risk < 0)
        fill_rect(d, MARGIN_X, d->y, CONTENT_W, height, (pdf_rgb){0.2, 0.2, 0.2});
    else if (band)
        fill_rect(d, MARGIN_X, d->y, CONTENT_W, height, (pdf_rgb){0.953, 0.953, 0.953});
    double x = MARGIN_X;
    for (int c = 0; c < REPORT_COL_COUNT; c++) {
        pdf_rgb ink = risk < 0 ? WHITE : INK;
        if (risk >= 0 && c == REPORT_COL_RISK) {
            draw_badge(d, cells[c], x + CELL_PAD, d->y + CELL_PAD, (cm_risk_level)risk);
            if (risk_text_is_white((cm_risk_level)risk))
                ink = WHITE;
        }
        show_layout(d, cells[c], x + CELL_PAD, d->y + CELL_PAD, ink);
        x += COLUMN_WIDTH[c];
    }
    if (d->draw && risk >= 0) {
        cairo_set_source_rgb(d->cr, 0.82, 0.82, 0.82);
        cairo_set_line_width(d->cr, 0.5);
        cairo_move_to(d->cr, MARGIN_X, d->y + height);
        cairo_line_to(d->cr, MARGIN_X + CONTENT_W, d->y + height);
        cairo_stroke(d->cr);
    }
    d->y += height;
}

static void draw_header_row(pdf_doc *d, PangoLayout **header, double header_height)
{
    draw_row(d, header, header_height, -1, false);
}

static void render_table(pdf_doc *d)
{
    const cm_report *r = d->report;
    const char *titles[REPORT_COL_COUNT];
    for (int c = 0; c < REPORT_COL_COUNT; c++)
        titles[c] = report_column_header((report_column)c, r->locale);
    PangoLayout *header[REPORT_COL_COUNT];
    double header_height = layout_row(d, titles, true, header);

    heading(d, report_text_get(REPORT_TEXT_TABLE_TITLE, r->locale), 12);
    paragraph(d, report_text_get(REPORT_TEXT_TABLE_CAPTION, r->locale), 8, false, MUTED, 4);
    char buffers[REPORT_COL_COUNT][256];
    for (size_t i = 0; i < r->territory_count; i++) {
        const cm_report_territory *t = &r->territories[i];
        const char *texts[REPORT_COL_COUNT];
        for (int c = 0; c < REPORT_COL_COUNT; c++)
            texts[c] = report_cell(r, t, (report_column)c, buffers[c], sizeof buffers[c]);
        PangoLayout *cells[REPORT_COL_COUNT];
        double height = layout_row(d, texts, false, cells);
        if (i == 0) {
            /* The header always travels with at least one row. */
            ensure_space(d, header_height + height);
            draw_header_row(d, header, header_height);
        } else if (d->y + height > CONTENT_BOTTOM) {
            new_page(d);
            draw_header_row(d, header, header_height);
        }
        draw_row(d, cells, height, (int)t->risk, i % 2 == 1);
        free_row(cells);
    }
    if (r->territory_count == 0) {
        ensure_space(d, header_height);
        draw_header_row(d, header, header_height);
    }
    free_row(header);
    d->y += 6;
    paragraph(d, report_text_get(REPORT_TEXT_NO_DATA_LEGEND, r->locale), 7.5, false, MUTED, 10);
}

/* ---- warnings, method, the whole document -------------------------------------------- */

static void render_sections(pdf_doc *d, const report_section *sections, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        heading(d, sections[i].heading, 10);
        for (size_t j = 0; j < sections[i].count; j++)
            bullet(d, sections[i].items[j]);
    }
}

static void render_document(pdf_doc *d)
{
    const cm_report *r = d->report;
    d->page = 1;
    d->y = MARGIN_TOP;
    paragraph(d, d->title, 17, true, INK, 10);
    render_headline(d);
    render_table(d);

    size_t count = 0;
    report_section *sections = report_district_sections(r, &count);
    if (count) {
        heading(d, report_text_get(REPORT_TEXT_DISTRICTS_TITLE, r->locale), 13);
        render_sections(d, sections, count);
    }
    report_sections_free(sections, count);

    heading(d, report_text_get(REPORT_TEXT_WARNINGS_TITLE, r->locale), 13);
    sections = report_warning_sections(r, &count);
    if (count <= 1)
        paragraph(d, report_text_get(REPORT_TEXT_NO_WARNINGS, r->locale), 9, false, INK, 4);
    render_sections(d, sections, count);
    report_sections_free(sections, count);

    heading(d, report_text_get(REPORT_TEXT_METHOD_TITLE, r->locale), 13);
    sections = report_method_sections(r, &count);
    render_sections(d, sections, count);
    report_sections_free(sections, count);
    if (d->draw) {
        draw_footer(d);
        cairo_show_page(d->cr);
    }
}

static cairo_status_t write_to_file(void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite(data, 1, length, (FILE *)closure) == length ? CAIRO_STATUS_SUCCESS
                                                              : CAIRO_STATUS_WRITE_ERROR;
}

/* Fixed metadata: the same inputs give the same bytes. */
static void set_metadata(cairo_surface_t *surface, const cm_report *r, const char *title)
{
    char iso[11], date[32];
    cm_day_format_iso(r->as_of, iso);
    snprintf(date, sizeof date, "%sT00:00:00", iso);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "covermap");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date);
}

cm_status cm_report_write_pdf(const cm_report *r, const char *path, cm_error *err)
{
    report_outfile out;
    cm_status st = report_outfile_open(&out, path, err);
    if (st != CM_OK)
        return st;
    const char *title = r->title ? r->title : report_text_get(REPORT_TEXT_DEFAULT_TITLE, r->locale);
    cairo_surface_t *surface =
        cairo_pdf_surface_create_for_stream(write_to_file, out.fp, PAGE_W, PAGE_H);
    set_metadata(surface, r, title);
    cairo_t *cr = cairo_create(surface);

    pdf_doc doc = {.report = r, .title = title, .cr = cr, .draw = false};
    render_document(&doc); /* counts the pages */
    doc.page_count = doc.page;
    doc.draw = true;
    render_document(&doc);

    cairo_status_t status = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS) {
        report_outfile_abort(&out);
        cm_error_set(err, CM_ERR_RENDER, "cannot draw '%s': %s", path,
                     cairo_status_to_string(status));
        cm_error_set_file(err, path);
        return CM_ERR_RENDER;
    }
    return report_outfile_commit(&out, err);
}
