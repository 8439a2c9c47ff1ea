/* gap-report.md: the headline on the first lines after the title, then the
 * ranked table, the join warnings and the method. */
#include <glib.h>
#include <string.h>

#include "report/report_internal.h"

/* Markdown-escapes text so a name like "A*B | C" stays literal; line breaks
 * become spaces (a table row is one line). */
static void md_text(FILE *fp, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            fputc(' ', fp);
            continue;
        }
        if (strchr("\\`*_[]<>|", *p))
            fputc('\\', fp);
        fputc(*p, fp);
    }
}

static void write_headline(FILE *fp, const cm_report *r)
{
    char first[512], second[512], third[512];
    report_headline_sentences(r, first, second, third, sizeof first);
    fputs("**", fp);
    md_text(fp, first);
    fputs("**\n", fp);
    if (second[0]) {
        md_text(fp, second);
        fputc('\n', fp);
    }
    md_text(fp, third);
    fputs("\n\n", fp);
}

static void write_table(FILE *fp, const cm_report *r)
{
    fprintf(fp, "## ");
    md_text(fp, report_text_get(REPORT_TEXT_TABLE_TITLE, r->locale));
    fputs("\n\n|", fp);
    for (int c = 0; c < REPORT_COL_COUNT; c++) {
        fputc(' ', fp);
        md_text(fp, report_column_header((report_column)c, r->locale));
        fputs(" |", fp);
    }
    fputs("\n|", fp);
    for (int c = 0; c < REPORT_COL_COUNT; c++)
        fputs(report_column_is_numeric((report_column)c) ? " ---: |" : " --- |", fp);
    fputc('\n', fp);
    char buf[256];
    for (size_t i = 0; i < r->territory_count; i++) {
        fputc('|', fp);
        for (int c = 0; c < REPORT_COL_COUNT; c++) {
            fputc(' ', fp);
            md_text(fp, report_cell(r, &r->territories[i], (report_column)c, buf, sizeof buf));
            fputs(" |", fp);
        }
        fputc('\n', fp);
    }
    fputs("\n", fp);
    md_text(fp, report_text_get(REPORT_TEXT_NO_DATA_LEGEND, r->locale));
    fputs("\n\n", fp);
}

static void write_sections(FILE *fp, const report_section *sections, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        fputs("### ", fp);
        md_text(fp, sections[i].heading);
        fputs("\n\n", fp);
        for (size_t j = 0; j < sections[i].count; j++) {
            fputs("- ", fp);
            md_text(fp, sections[i].items[j]);
            fputc('\n', fp);
        }
        fputc('\n', fp);
    }
}

static void write_warnings(FILE *fp, const cm_report *r)
{
    fputs("## ", fp);
    md_text(fp, report_text_get(REPORT_TEXT_WARNINGS_TITLE, r->locale));
    fputs("\n\n", fp);
    size_t count = 0;
    report_section *sections = report_warning_sections(r, &count);
    /* The summary alone means nothing went wrong. */
    if (count <= 1) {
        md_text(fp, report_text_get(REPORT_TEXT_NO_WARNINGS, r->locale));
        fputs("\n\n", fp);
    }
    write_sections(fp, sections, count);
    report_sections_free(sections, count);
}

static void write_districts(FILE *fp, const cm_report *r)
{
    size_t count = 0;
    report_section *sections = report_district_sections(r, &count);
    if (count) {
        fputs("## ", fp);
        md_text(fp, report_text_get(REPORT_TEXT_DISTRICTS_TITLE, r->locale));
        fputs("\n\n", fp);
        write_sections(fp, sections, count);
    }
    report_sections_free(sections, count);
}

static void write_method(FILE *fp, const cm_report *r)
{
    fputs("## ", fp);
    md_text(fp, report_text_get(REPORT_TEXT_METHOD_TITLE, r->locale));
    fputs("\n\n", fp);
    size_t count = 0;
    report_section *sections = report_method_sections(r, &count);
    write_sections(fp, sections, count);
    report_sections_free(sections, count);
}

cm_status cm_report_write_markdown(const cm_report *r, const char *path, cm_error *err)
{
    report_outfile out;
    cm_status st = report_outfile_open(&out, path, err);
    if (st != CM_OK)
        return st;
    fputs("# ", out.fp);
    md_text(out.fp, r->title ? r->title : report_text_get(REPORT_TEXT_DEFAULT_TITLE, r->locale));
    fputs("\n\n", out.fp);
    write_headline(out.fp, r);
    write_table(out.fp, r);
    write_districts(out.fp, r);
    write_warnings(out.fp, r);
    write_method(out.fp, r);
    return report_outfile_commit(&out, err);
}
