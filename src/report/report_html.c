/* gap-report.html: one self-contained page (inline CSS, maps as data: URIs, no
 * external resource) that reads on a phone (the table collapses into cards) and
 * prints on Letter paper (header row repeated, rows kept whole). */
#include <glib.h>
#include <string.h>

#include "report/report_internal.h"

static const char CSS[] =
    ":root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--band:#f5f5f5}\n"
    "*{box-sizing:border-box}\n"
    "body{font-family:\"DejaVu Sans\",\"Segoe UI\",Arial,sans-serif;color:var(--ink);"
    "margin:0 auto;max-width:72rem;padding:1rem;line-height:1.45}\n"
    "h1{font-size:1.6rem;margin:.2rem 0 .8rem}\n"
    "h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:2px solid var(--rule)}\n"
    "h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\n"
    ".headline{font-size:1.2rem;background:#fff4e5;border-left:6px solid #d7301f;"
    "padding:.8rem 1rem;margin:0 0 1rem}\n"
    ".headline strong{display:block;font-size:1.35rem;margin-bottom:.3rem}\n"
    ".table-wrap{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}\n"
    "caption{text-align:left;color:var(--muted);padding:.3rem 0;caption-side:top}\n"
    "th,td{border-bottom:1px solid var(--rule);padding:.35rem .5rem;vertical-align:top;"
    "text-align:left}\n"
    "thead th{background:#333;color:#fff;font-weight:600}\n"
    "tbody tr:nth-child(even){background:var(--band)}\n"
    "td.num{text-align:right;white-space:nowrap}\n"
    ".badge{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;font-weight:600;"
    "white-space:nowrap;border:1px solid transparent}\n"
    ".badge-no-coordination{background:#7f0000;color:#fff}\n"
    ".badge-at-risk{background:#d7301f;color:#fff}\n"
    ".badge-fragile{background:#fdbb84;color:#1a1a1a;border-color:#e08a4a}\n"
    ".badge-stable{background:#c6dbef;color:#1a1a1a;border-color:#6b9ac4}\n"
    ".legend,footer{color:var(--muted);font-size:.85rem}\n"
    "figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid var(--rule)}\n"
    "@media (max-width:40rem){\n"
    " table,thead,tbody,tr,th,td{display:block}\n"
    " thead{position:absolute;left:-9999px}\n"
    " tbody tr{border:1px solid var(--rule);margin:0 0 .8rem;padding:.3rem}\n"
    " tbody th{font-size:1.05rem;border:0}\n"
    " td{border:0;padding:.15rem .5rem}\n"
    " td.num{text-align:left}\n"
    " td::before{content:attr(data-label) \"\\00a0: \";color:var(--muted)}\n"
    "}\n"
    "@media print{\n"
    " @page{size:letter;margin:1.5cm}\n"
    " body{max-width:none;padding:0;font-size:9pt}\n"
    " .table-wrap{overflow:visible}\n"
    " thead{display:table-header-group}\n"
    " tr,figure,li{break-inside:avoid}\n"
    " h2,h3{break-after:avoid}\n"
    " *{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "}\n";

/* Escapes text for element content and double-quoted attribute values. */
static void html_text(FILE *fp, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(*p, fp);
        }
    }
}

static void write_head(FILE *fp, const cm_report *r, const char *title)
{
    fprintf(fp, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
            report_locale_tag(r->locale));
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>",
          fp);
    html_text(fp, title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
}

static void write_headline(FILE *fp, const cm_report *r, const char *title)
{
    char first[512], second[512], third[512];
    report_headline_sentences(r, first, second, third, sizeof first);
    fputs("<header>\n<h1>", fp);
    html_text(fp, title);
    fputs("</h1>\n<p class=\"headline\"><strong>", fp);
    html_text(fp, first);
    fputs("</strong> ", fp);
    if (second[0]) {
        html_text(fp, second);
        fputc(' ', fp);
    }
    html_text(fp, third);
    fputs("</p>\n</header>\n", fp);
}

static const char *mime_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && g_ascii_strcasecmp(dot, ".svg") == 0)
        return "image/svg+xml";
    if (dot && (g_ascii_strcasecmp(dot, ".jpg") == 0 || g_ascii_strcasecmp(dot, ".jpeg") == 0))
        return "image/jpeg";
    return "image/png";
}

static cm_status write_maps(FILE *fp, const cm_report *r, cm_error *err)
{
    if (r->map_count == 0)
        return CM_OK;
    fputs("<section id=\"maps\">\n<h2>", fp);
    html_text(fp, report_text_get(REPORT_TEXT_MAPS_TITLE, r->locale));
    fputs("</h2>\n", fp);
    for (size_t i = 0; i < r->map_count; i++) {
        const cm_report_map *map = &r->maps[i];
        gchar *bytes = NULL;
        gsize size = 0;
        if (!g_file_get_contents(map->path, &bytes, &size, NULL)) {
            cm_error_set(err, CM_ERR_IO, "cannot read the map '%s' to embed it", map->path);
            cm_error_set_file(err, map->path);
            return CM_ERR_IO;
        }
        gchar *base64 = g_base64_encode((const guchar *)bytes, size);
        g_free(bytes);
        gchar *base = g_path_get_basename(map->path);
        const char *caption = map->title ? map->title : base;
        fprintf(fp, "<figure>\n<img src=\"data:%s;base64,%s\" alt=\"", mime_type(map->path),
                base64);
        html_text(fp, caption);
        fputs("\">\n<figcaption>", fp);
        html_text(fp, caption);
        fputs("</figcaption>\n</figure>\n", fp);
        g_free(base64);
        g_free(base);
    }
    fputs("</section>\n", fp);
    return CM_OK;
}

static void write_row(FILE *fp, const cm_report *r, const cm_report_territory *t)
{
    char buf[256];
    fprintf(fp, "<tr class=\"risk-%s\">", report_risk_css(t->risk));
    for (int c = 0; c < REPORT_COL_COUNT; c++) {
        report_column col = (report_column)c;
        const char *text = report_cell(r, t, col, buf, sizeof buf);
        if (col == REPORT_COL_NAME) {
            fputs("<th scope=\"row\">", fp);
            html_text(fp, text);
            fputs("</th>", fp);
            continue;
        }
        fputs(report_column_is_numeric(col) ? "<td class=\"num\" data-label=\""
                                            : "<td data-label=\"",
              fp);
        html_text(fp, report_column_header(col, r->locale));
        fputs("\">", fp);
        if (col == REPORT_COL_RISK)
            fprintf(fp, "<span class=\"badge badge-%s\">", report_risk_css(t->risk));
        html_text(fp, text);
        if (col == REPORT_COL_RISK)
            fputs("</span>", fp);
        fputs("</td>", fp);
    }
    fputs("</tr>\n", fp);
}

static void write_table(FILE *fp, const cm_report *r)
{
    fputs("<section id=\"territories\">\n<h2>", fp);
    html_text(fp, report_text_get(REPORT_TEXT_TABLE_TITLE, r->locale));
    fputs("</h2>\n<div class=\"table-wrap\">\n<table>\n<caption>", fp);
    html_text(fp, report_text_get(REPORT_TEXT_TABLE_CAPTION, r->locale));
    fputs("</caption>\n<thead>\n<tr>", fp);
    for (int c = 0; c < REPORT_COL_COUNT; c++) {
        fputs("<th scope=\"col\">", fp);
        html_text(fp, report_column_header((report_column)c, r->locale));
        fputs("</th>", fp);
    }
    fputs("</tr>\n</thead>\n<tbody>\n", fp);
    for (size_t i = 0; i < r->territory_count; i++)
        write_row(fp, r, &r->territories[i]);
    fputs("</tbody>\n</table>\n</div>\n<p class=\"legend\">", fp);
    html_text(fp, report_text_get(REPORT_TEXT_NO_DATA_LEGEND, r->locale));
    fputs("</p>\n</section>\n", fp);
}

static void write_sections(FILE *fp, const report_section *sections, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        fputs("<h3>", fp);
        html_text(fp, sections[i].heading);
        fputs("</h3>\n<ul>\n", fp);
        for (size_t j = 0; j < sections[i].count; j++) {
            fputs("<li>", fp);
            html_text(fp, sections[i].items[j]);
            fputs("</li>\n", fp);
        }
        fputs("</ul>\n", fp);
    }
}

static void write_districts(FILE *fp, const cm_report *r)
{
    size_t count = 0;
    report_section *sections = report_district_sections(r, &count);
    if (count) {
        fputs("<section id=\"districts\">\n<h2>", fp);
        html_text(fp, report_text_get(REPORT_TEXT_DISTRICTS_TITLE, r->locale));
        fputs("</h2>\n", fp);
        write_sections(fp, sections, count);
        fputs("</section>\n", fp);
    }
    report_sections_free(sections, count);
}

static void write_warnings_and_method(FILE *fp, const cm_report *r)
{
    write_districts(fp, r);
    fputs("<section id=\"warnings\">\n<h2>", fp);
    html_text(fp, report_text_get(REPORT_TEXT_WARNINGS_TITLE, r->locale));
    fputs("</h2>\n", fp);
    size_t count = 0;
    report_section *sections = report_warning_sections(r, &count);
    if (count <= 1) {
        fputs("<p>", fp);
        html_text(fp, report_text_get(REPORT_TEXT_NO_WARNINGS, r->locale));
        fputs("</p>\n", fp);
    }
    write_sections(fp, sections, count);
    report_sections_free(sections, count);
    fputs("</section>\n<section id=\"method\">\n<h2>", fp);
    html_text(fp, report_text_get(REPORT_TEXT_METHOD_TITLE, r->locale));
    fputs("</h2>\n", fp);
    sections = report_method_sections(r, &count);
    write_sections(fp, sections, count);
    report_sections_free(sections, count);
    fputs("</section>\n", fp);
}

cm_status cm_report_write_html(const cm_report *r, const char *path, cm_error *err)
{
    report_outfile out;
    cm_status st = report_outfile_open(&out, path, err);
    if (st != CM_OK)
        return st;
    const char *title = r->title ? r->title : report_text_get(REPORT_TEXT_DEFAULT_TITLE, r->locale);
    write_head(out.fp, r, title);
    write_headline(out.fp, r, title);
    fputs("<main>\n", out.fp);
    st = write_maps(out.fp, r, err);
    if (st != CM_OK) {
        report_outfile_abort(&out);
        return st;
    }
    write_table(out.fp, r);
    write_warnings_and_method(out.fp, r);
    fputs("</main>\n<footer><p>", out.fp);
    html_text(out.fp, r->source_line ? r->source_line : "covermap");
    fputs("</p></footer>\n</body>\n</html>\n", out.fp);
    return report_outfile_commit(&out, err);
}
