/* The coverage-gap report: what a run found, read back from the working store
 * (see covermap/store.h: run_info, gap, join_report, territory_repairs,
 * data_tables) and written as CSV for programs and as Markdown, HTML and PDF for
 * people, in the run's locale (fr-CA by default, en-CA on request).
 *
 * Every writer writes a temporary file in the destination folder and renames it
 * into place only on success, so a failed run never leaves a half-written report
 * (nor destroys the previous one). */
#ifndef COVERMAP_REPORT_H
#define COVERMAP_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "covermap/calendar.h"
#include "covermap/error.h"
#include "covermap/funding.h"
#include "covermap/project.h"

/* One row of the gap table. A has_* flag false means NULL in the store: no data,
 * shown as such, never as 0. */
typedef struct {
    char *key;
    char *name; /* NULL when the territory has no name */
    cm_risk_level risk;
    bool has_months_funded;
    int months_funded;
    bool never_stops; /* months_funded is NULL because funding never stops */
    bool has_funded_until;
    cm_day funded_until;
    bool has_shortfall;
    double shortfall; /* dollars over the horizon */
    bool has_families_reached;
    double families_reached;
    bool has_coverage_rate;
    double coverage_rate; /* families reached per 100 children aged 0-5 */
    bool has_partners;
    long long partners;
    bool has_sectors;
    long long sectors;
    char *risk_reasons; /* already in the output language; NULL if none */
} cm_report_territory;

/* One row of join_report (status: matched, normalised, unmatched, duplicate, no-data). */
typedef struct {
    char *table_name;
    char *source_key; /* NULL for no-data rows */
    char *status;
    char *territory_key; /* NULL when unmatched */
    char *note;          /* NULL when none */
    long line;           /* 0 when unknown */
} cm_report_join_row;

typedef struct {
    char *key;
    char *note;
} cm_report_repair;

typedef struct {
    char *source; /* as written in the project file */
    char *role;   /* indicators, partners, funding */
} cm_report_source;

/* The headline: "N quartiers risquent de perdre leur coordination d'ici le DATE.
 * X familles y sont rejointes. Il manque Y $ ..."
 *   N = territories whose risk is no-coordination or at-risk;
 *   X = the sum of their families_reached; a NULL adds nothing and is counted in
 *       families_unknown so the text can say the sum is partial;
 *   Y = the sum of the shortfalls of ALL territories (NULLs add nothing);
 *   DATE = the last day of the horizon (horizon_end - 1 day): the horizon runs
 *       from as_of up to, not including, horizon_end, so "by DATE" names the last
 *       day the shortfall was counted for. */
typedef struct {
    int territories_at_risk; /* N */
    double families_reached; /* X */
    int families_unknown;    /* at-risk territories with families_reached NULL */
    double total_shortfall;  /* Y */
    cm_day by_date;          /* DATE */
} cm_report_headline;

/* A map to show in the HTML report (inlined as a data: URI). */
typedef struct {
    char *path;  /* an .svg or .png file, usually OUTDIR/maps/NAME.svg */
    char *title; /* caption; NULL: the file name */
} cm_report_map;

/* An electoral district and the territories that lie in it (report order). */
typedef struct {
    char *key;
    char *name;
    size_t *territories; /* indexes into cm_report.territories */
    double *shares;      /* part of each territory's area inside the district */
    size_t count;
} cm_report_district;

typedef struct {
    char *title;
    cm_locale locale;
    cm_day as_of;
    int horizon_months;
    cm_day horizon_end; /* first day after the horizon */
    double coordination_cost;
    char *project;            /* project file name; NULL if unknown */
    char *source_line;        /* credit line; NULL if none */
    char *territories_source; /* NULL if unknown */

    cm_report_territory *territories; /* report order: most at risk first */
    size_t territory_count;
    cm_report_join_row *join_rows; /* join_report order (seq) */
    size_t join_row_count;
    cm_report_repair *repairs; /* by key */
    size_t repair_count;
    cm_report_source *sources; /* data tables in project order */
    size_t source_count;
    cm_report_map *maps;
    size_t map_count;

    cm_report_district *districts; /* by name; empty when the project has none */
    size_t district_count;

    cm_report_headline headline;
} cm_report;

/* Reads a working store (opened read-only with plain SQLite; SpatiaLite is not
 * needed) and computes the headline. The gap rows come in report order:
 * risk_rank ASC, shortfall DESC, families_reached DESC with NULLs last, key ASC.
 * run_info must give as_of; horizon_months defaults to 12, horizon_end to as_of +
 * horizon_months, coordination_cost to 65000, locale to fr-CA.
 * On success *out is a new report the caller releases with cm_report_free. */
cm_status cm_report_load(const char *db_path, cm_report **out, cm_error *err);
void cm_report_free(cm_report *report);

/* Recomputes report->headline from report->territories (cm_report_load already
 * does it; useful after editing the rows). */
void cm_report_compute_headline(cm_report *report);

/* Sets the maps the HTML report embeds (copies the strings; replaces any previous
 * list). titles may be NULL, or hold NULLs. The files are read when writing. */
cm_status cm_report_set_maps(cm_report *report, const char *const *paths, const char *const *titles,
                             size_t count, cm_error *err);

/* join-report.csv: table,source_key,status,territory_key,note. */
cm_status cm_report_write_join_csv(const cm_report *report, const char *path, cm_error *err);
/* The same file written row by row from the working store's join report, without
 * loading the report: what a run writes when it asks for no gap report. */
cm_status cm_report_write_join_csv_from_store(const char *db_path, const char *path,
                                              cm_error *err);

/* gap-report.csv: key,name,risk_level,months_funded,shortfall,families_reached,
 * coverage_rate,partners,sectors,risk_reasons. Machine-readable whatever the
 * locale: UTF-8 without BOM, comma-separated, RFC 4180 quoting, "\n" line ends,
 * "." decimals without thousands separators, risk_level as its machine name,
 * shortfall in whole dollars, families_reached and coverage_rate rounded to 2
 * decimals without trailing zeros, NULL as an empty field. */
cm_status cm_report_write_gap_csv(const cm_report *report, const char *path, cm_error *err);

/* The human reports, in report->locale: headline first, then the ranked table,
 * the join report's warnings, and the method. */
cm_status cm_report_write_markdown(const cm_report *report, const char *path, cm_error *err);
/* One self-contained file: inline CSS, maps (if set) as data: URIs, no external
 * resource. */
cm_status cm_report_write_html(const cm_report *report, const char *path, cm_error *err);
/* Letter pages drawn with cairo and pango (font DejaVu Sans): searchable text,
 * the table's header repeated on every page, page numbers, and PDF dates fixed to
 * as_of so the same inputs give the same bytes. */
cm_status cm_report_write_pdf(const cm_report *report, const char *path, cm_error *err);

enum {
    CM_REPORT_CSV = 1 << 0, /* gap-report.csv */
    CM_REPORT_MD = 1 << 1,
    CM_REPORT_HTML = 1 << 2,
    CM_REPORT_PDF = 1 << 3
};

/* Writes DIR/join-report.csv always, and DIR/gap-report.{csv,md,html,pdf} for the
 * CM_REPORT_* bits in formats. DIR must exist. Stops at the first failure. */
cm_status cm_report_write_all(const cm_report *report, const char *dir, unsigned formats,
                              cm_error *err);

#endif
