/* What the report writers share: the output file that appears only when complete,
 * the table cells and sentences in the output language, and the warnings and
 * method sections as plain text (each writer escapes and lays them out its way). */
#ifndef COVERMAP_REPORT_INTERNAL_H
#define COVERMAP_REPORT_INTERNAL_H

#include <sqlite3.h>
#include <stdio.h>

#include "covermap/report.h"

/* ---- output files: temp file in the same folder, renamed on success --------- */

typedef struct {
    char *path;     /* final path */
    char *tmp_path; /* hidden temporary file beside it */
    FILE *fp;
} report_outfile;

cm_status report_outfile_open(report_outfile *out, const char *path, cm_error *err);
/* Flushes, closes and renames into place; on any failure removes the temporary
 * file and fills err. Always releases out. */
cm_status report_outfile_commit(report_outfile *out, cm_error *err);
/* Closes and removes the temporary file; releases out. Safe to call twice. */
void report_outfile_abort(report_outfile *out);

/* ---- the join report ---------------------------------------------------------- */

/* Called for each row of the join report in order; the row's texts are borrowed for
 * the call. A status other than CM_OK stops the reading and is returned. */
typedef cm_status (*report_join_row_fn)(const cm_report_join_row *row, void *context,
                                        cm_error *err);
cm_status report_each_join_row(sqlite3 *db, const char *db_path, report_join_row_fn fn,
                               void *context, cm_error *err);

/* ---- the ranked table --------------------------------------------------------- */

typedef enum {
    REPORT_COL_NAME,
    REPORT_COL_RISK,
    REPORT_COL_MONTHS,
    REPORT_COL_SHORTFALL,
    REPORT_COL_FAMILIES,
    REPORT_COL_COVERAGE,
    REPORT_COL_PARTNERS,
    REPORT_COL_SECTORS,
    REPORT_COL_REASONS,
    REPORT_COL_COUNT
} report_column;

const char *report_column_header(report_column col, cm_locale locale);
/* True for the columns that hold numbers (right-aligned). */
bool report_column_is_numeric(report_column col);
/* The cell's text in the output language; either buf or a string owned by t. */
const char *report_cell(const cm_report *r, const cm_report_territory *t, report_column col,
                        char *buf, size_t size);
/* Machine name of the risk, for CSS classes ("no-coordination", ...). */
const char *report_risk_css(cm_risk_level risk);

/* ---- sentences -------------------------------------------------------------- */

/* The headline's three sentences (the second is empty when N is 0). Each buffer
 * receives at most size bytes. */
void report_headline_sentences(const cm_report *r, char *first, char *second, char *third,
                               size_t size);

typedef enum {
    REPORT_TEXT_TABLE_TITLE,
    REPORT_TEXT_TABLE_CAPTION,
    REPORT_TEXT_NO_DATA_LEGEND,
    REPORT_TEXT_WARNINGS_TITLE,
    REPORT_TEXT_NO_WARNINGS,
    REPORT_TEXT_METHOD_TITLE,
    REPORT_TEXT_MAPS_TITLE,
    REPORT_TEXT_DISTRICTS_TITLE,
    REPORT_TEXT_PAGE,
    REPORT_TEXT_DEFAULT_TITLE
} report_text;

const char *report_text_get(report_text which, cm_locale locale);
/* "fr-CA" / "en-CA" (for lang attributes). */
const char *report_locale_tag(cm_locale locale);

/* A titled list of plain-text items (warnings of one kind, or a part of the
 * method). Strings are g_malloc'd. */
typedef struct {
    char *heading;
    char **items;
    size_t count;
} report_section;

/* The join report's warnings, grouped by kind (empty groups are left out);
 * the first section is a one-item summary of the counts. Free with
 * report_sections_free. */
report_section *report_warning_sections(const cm_report *r, size_t *count);
/* The method: parameters, rules, sources. */
report_section *report_method_sections(const cm_report *r, size_t *count);
/* One section per electoral district: what lies there, most at risk first.
 * Empty (count 0) when the project has no districts. */
report_section *report_district_sections(const cm_report *r, size_t *count);
void report_sections_free(report_section *sections, size_t count);

#endif
