/* The gap report: a small working store is built here with plain SQLite (the
 * tables of covermap/store.h), then every output is checked against values
 * written by hand or computed independently in this file. */
#include <cairo.h>
#include <check.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "covermap/report.h"
#include "test_support.h"

#define NBSP "\xc2\xa0"

typedef struct {
    const char *key;
    const char *name; /* NULL: no name */
    int rank;
    const char *level;
    bool has_months;
    int months;
    bool never_stops;
    double shortfall;
    bool has_families;
    double families;
    bool has_coverage;
    double coverage;
    bool has_partners;
    int partners;
    int sectors;
    const char *reasons;
} gap_row;

/* Inserted in this (scrambled) order; the report must sort them. */
static const gap_row ROWS[] = {
    {"E05", "Rosemont", 2, "fragile", true, 14, false, 0, true, 800, true, 25.5, true, 10, 4,
     "financée seulement par projets"},
    {"C03", "Villeray <Est>", 1, "at-risk", true, 2, false, 50000, false, 0, false, 0, false, 0, 0,
     "financement de coordination jusqu'au 31 mai 2026"},
    {"F06", "Verdun", 3, "stable", false, 0, true, 0, true, 900.25, true, 12.5, true, 0, 1, NULL},
    {"A01", "Ahuntsic", 0, "no-coordination", true, 0, false, 65000, true, 120, true, 10.5, true,
     12, 5, "aucune subvention de coordination active le 1er avril 2026"},
    {"B02", "Côte-des-Neiges, \"Nord\"", 1, "at-risk", true, 5, false, 32500.4, true, 1500, true,
     100.0 / 3, true, 8, 3, "financement de coordination jusqu'au 31 août 2026, puis rien"},
    {"G07", NULL, 0, "no-coordination", true, 0, false, 65000, false, 0, false, 0, false, 0, 0,
     NULL},
    {"D04", "Saint-Michel", 1, "at-risk", true, 8, false, 50000, true, 2710, true, 40, true, 20, 7,
     "financement de coordination jusqu'au 30 novembre 2026"},
};
#define ROW_COUNT (sizeof ROWS / sizeof ROWS[0])

static const char *EXPECTED_ORDER[] = {"A01", "G07", "D04", "C03", "B02", "E05", "F06"};

static void teardown(void)
{
    ts_temp_teardown();
    /* Release the process-wide font caches so LeakSanitizer sees only our leaks. */
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
}

static const char SCHEMA[] =
    "CREATE TABLE run_info(name TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE territory_repairs(key TEXT, note TEXT);"
    "CREATE TABLE data_tables(n INTEGER, source TEXT, role TEXT, table_name TEXT);"
    "CREATE TABLE join_report(seq INTEGER PRIMARY KEY, table_name TEXT, source_key TEXT,"
    " status TEXT, territory_key TEXT, note TEXT, line INTEGER);"
    "CREATE TABLE gap(key TEXT PRIMARY KEY, name TEXT, risk_level TEXT, risk_rank INTEGER,"
    " months_funded INTEGER, shortfall REAL, families_reached REAL, coverage_rate REAL,"
    " partners INTEGER, sectors INTEGER, risk_reasons TEXT, coordination_funded_until TEXT,"
    " funded_never_stops INTEGER, coordination_rate REAL, children_0_5 REAL,"
    " children_reached REAL, coordinator_fte REAL, partners_per_1000_children REAL);"
    "INSERT INTO run_info VALUES ('title', 'Concertations — Essai'), ('as_of', '2026-04-01'),"
    " ('horizon_months', '12'), ('horizon_end', '2027-04-01'),"
    " ('coordination_cost', '65000'), ('project', 'projet.yaml'),"
    " ('source_line', 'Source : réseau test, 2026'), ('territories_source', 'quartiers.shp');"
    "INSERT INTO data_tables VALUES (1, 'indicateurs.csv', 'indicators', 'table_1'),"
    " (2, 'financement.csv', 'funding', 'table_2');"
    "INSERT INTO territory_repairs VALUES ('E05', 'anneau auto-intersecté réparé');"
    /* seq order differs from insertion order on purpose */
    "INSERT INTO join_report VALUES"
    " (6, 'financement.csv', 'Pierrefond', 'unmatched', NULL,"
    "  'did you mean \"Pierrefonds\"?', 4),"
    " (1, 'indicateurs.csv', 'A01', 'matched', 'A01', NULL, 2),"
    " (3, 'indicateurs.csv', 'Total', 'unmatched', NULL, 'closest: Verdun', 9),"
    " (2, 'indicateurs.csv', 'cote des neiges', 'normalised', 'B02',"
    "  'differs in case, accents and dashes', 3),"
    " (5, 'indicateurs.csv', NULL, 'no-data', 'C03', NULL, NULL),"
    " (4, 'indicateurs.csv', 'D04', 'duplicate', 'D04', 'second row for D04 (lines 4 and 7)',"
    "  7);";

static void insert_row(sqlite3_stmt *st, const gap_row *row)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_text(st, 1, row->key, -1, SQLITE_TRANSIENT);
    if (row->name)
        sqlite3_bind_text(st, 2, row->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, row->level, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, row->rank);
    if (row->has_months)
        sqlite3_bind_int(st, 5, row->months);
    sqlite3_bind_double(st, 6, row->shortfall);
    if (row->has_families)
        sqlite3_bind_double(st, 7, row->families);
    if (row->has_coverage)
        sqlite3_bind_double(st, 8, row->coverage);
    if (row->has_partners) {
        sqlite3_bind_int(st, 9, row->partners);
        sqlite3_bind_int(st, 10, row->sectors);
    }
    if (row->reasons)
        sqlite3_bind_text(st, 11, row->reasons, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 12, row->never_stops);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
}

/* Builds NAME in the temp folder with ROWS (or `generated` made-up rows when > 0). */
static const char *make_store(const char *name, const char *locale, int generated)
{
    const char *path = ts_in_temp(name);
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec_sql(db, SCHEMA);
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO run_info VALUES ('locale', '%s');", locale);
    exec_sql(db, sql);
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "INSERT INTO gap(key, name, risk_level, risk_rank,"
                                        " months_funded, shortfall, families_reached,"
                                        " coverage_rate, partners, sectors, risk_reasons,"
                                        " funded_never_stops)"
                                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    exec_sql(db, "BEGIN");
    if (generated == 0) {
        for (size_t i = 0; i < ROW_COUNT; i++)
            insert_row(st, &ROWS[i]);
    }
    for (int i = 0; i < generated; i++) {
        char key[16], territory[64], reasons[64];
        snprintf(key, sizeof key, "T%03d", i);
        snprintf(territory, sizeof territory, "Quartier Éloïse-%03d", i);
        snprintf(reasons, sizeof reasons, "raison numéro %d", i);
        static const char *const levels[] = {"no-coordination", "at-risk", "fragile", "stable"};
        gap_row row = {key,  territory, i % 4, levels[i % 4], true, i % 13, false, i * 1000.0,
                       true, 100.0 + i, true,  i * 0.5,       true, i % 9,  i % 5, reasons};
        insert_row(st, &row);
    }
    exec_sql(db, "COMMIT");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return path;
}

static cm_report *load(const char *db_path)
{
    cm_report *report = NULL;
    cm_error err;
    cm_error_clear(&err);
    cm_status st = cm_report_load(db_path, &report, &err);
    ck_assert_msg(st == CM_OK, "load: %s", err.message);
    return report;
}

static char *read_text(const char *path)
{
    char *text = ts_read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    return text;
}

/* "4 330" with a no-break space, as fr-CA writes thousands. */
static void group_thousands(long long value, const char *sep, char *buf, size_t size)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", value);
    size_t len = strlen(digits), n = 0;
    for (size_t i = 0; i < len && n + 4 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            memcpy(buf + n, sep, strlen(sep));
            n += strlen(sep);
        }
        buf[n++] = digits[i];
    }
    buf[n] = '\0';
}

/* The n-th line (0-based) of text, copied into buf. */
static const char *line_of(const char *text, int n, char *buf, size_t size)
{
    const char *p = text;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    ck_assert_ptr_nonnull(p);
    size_t len = strcspn(p, "\n");
    ck_assert_uint_lt(len, size);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

/* a and b both occur in text, a first. */
static void assert_before(const char *text, const char *a, const char *b)
{
    const char *pa = strstr(text, a), *pb = strstr(text, b);
    ck_assert_msg(pa != NULL, "'%s' missing", a);
    ck_assert_msg(pb != NULL, "'%s' missing", b);
    ck_assert_msg(pa < pb, "'%s' should come before '%s'", a, b);
}

/* strstr for binary data (a PDF holds NUL bytes). */
static bool contains_bytes(const char *data, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, needle, n) == 0)
            return true;
    return false;
}

static int count_occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

/* ---- load and headline ------------------------------------------------------------- */

START_TEST(test_load_orders_rows_and_computes_headline)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    ck_assert_uint_eq(r->territory_count, ROW_COUNT);
    for (size_t i = 0; i < ROW_COUNT; i++)
        ck_assert_str_eq(r->territories[i].key, EXPECTED_ORDER[i]);
    ck_assert_int_eq(r->locale, CM_LOCALE_FR_CA);
    ck_assert_int_eq(r->horizon_months, 12);
    ck_assert_double_eq(r->coordination_cost, 65000);
    /* N: A01, G07 (no coordination) + D04, C03, B02 (at risk). */
    ck_assert_int_eq(r->headline.territories_at_risk, 5);
    /* X: 120 + 2710 + 1500; G07 and C03 unknown. */
    ck_assert_double_eq(r->headline.families_reached, 4330);
    ck_assert_int_eq(r->headline.families_unknown, 2);
    /* Y: every shortfall, each rounded to the dollar: 65000*2 + 50000*2 + 32500. */
    ck_assert_double_eq(r->headline.total_shortfall, 262500);
    char iso[11];
    cm_day_format_iso(r->headline.by_date, iso);
    ck_assert_str_eq(iso, "2027-03-31");
    ck_assert_uint_eq(r->join_row_count, 6);
    ck_assert_str_eq(r->join_rows[0].source_key, "A01");
    ck_assert_str_eq(r->join_rows[5].source_key, "Pierrefond");
    ck_assert_uint_eq(r->repair_count, 1);
    ck_assert_uint_eq(r->source_count, 2);
    ck_assert(!r->territories[6].has_months_funded && r->territories[6].never_stops);
    cm_report_free(r);
}
END_TEST

START_TEST(test_load_errors)
{
    cm_report *r = NULL;
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_load(ts_in_temp("absent.sqlite"), &r, &err), CM_ERR_SQL);
    ck_assert_ptr_null(r);

    const char *path = make_store("bad.sqlite", "fr-CA", 0);
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec_sql(db, "UPDATE run_info SET value = '2026-02-30' WHERE name = 'as_of'");
    sqlite3_close(db);
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_load(path, &r, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.field, "as_of");
    ck_assert_ptr_null(r);

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec_sql(db, "UPDATE run_info SET value = '2026-04-01' WHERE name = 'as_of';"
                 "DROP TABLE gap;");
    sqlite3_close(db);
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_load(path, &r, &err), CM_ERR_INPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "gap"));
}
END_TEST

/* ---- CSV ------------------------------------------------------------------------- */

START_TEST(test_gap_csv_exact)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_gap_csv(r, ts_in_temp("gap-report.csv"), &err), CM_OK);
    char *csv = read_text(ts_in_temp("gap-report.csv"));
    ck_assert_str_eq(
        csv, "key,name,risk_level,months_funded,shortfall,families_reached,coverage_rate,partners,"
             "sectors,risk_reasons\n"
             "A01,Ahuntsic,no-coordination,0,65000,120,10.5,12,5,"
             "aucune subvention de coordination active le 1er avril 2026\n"
             "G07,,no-coordination,0,65000,,,,,\n"
             "D04,Saint-Michel,at-risk,8,50000,2710,40,20,7,"
             "financement de coordination jusqu'au 30 novembre 2026\n"
             "C03,Villeray <Est>,at-risk,2,50000,,,,,financement de coordination jusqu'au 31 mai "
             "2026\n"
             "B02,\"Côte-des-Neiges, \"\"Nord\"\"\",at-risk,5,32500,1500,33.3333333333333,8,3,"
             "\"financement de coordination jusqu'au 31 août 2026, puis rien\"\n"
             "E05,Rosemont,fragile,14,0,800,25.5,10,4,financée seulement par projets\n"
             "F06,Verdun,stable,,0,900.25,12.5,0,1,\n");
    free(csv);
    /* Nothing else left in the folder: no temporary file. */
    ck_assert_int_eq(ts_count_entries(ts_temp_dir), 2);
    cm_report_free(r);
}
END_TEST

START_TEST(test_join_csv_exact)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_join_csv(r, ts_in_temp("join-report.csv"), &err), CM_OK);
    char *csv = read_text(ts_in_temp("join-report.csv"));
    ck_assert_str_eq(csv, "table,source_key,status,territory_key,note\n"
                          "indicateurs.csv,A01,matched,A01,\n"
                          "indicateurs.csv,cote des neiges,normalised,B02,"
                          "\"differs in case, accents and dashes\"\n"
                          "indicateurs.csv,Total,unmatched,,closest: Verdun\n"
                          "indicateurs.csv,D04,duplicate,D04,second row for D04 (lines 4 and 7)\n"
                          "indicateurs.csv,,no-data,C03,\n"
                          "financement.csv,Pierrefond,unmatched,,"
                          "\"did you mean \"\"Pierrefonds\"\"?\"\n");
    free(csv);
    cm_report_free(r);
}
END_TEST

/* A run that writes the join report alone streams it from the store: the same bytes
 * as from the loaded report, and a store without a join report is an error that
 * leaves no file behind. */
START_TEST(test_join_report_streamed)
{
    char *db = strdup(make_store("w.sqlite", "fr-CA", 0)); /* ts_in_temp's buffers rotate */
    cm_report *full = load(db);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_join_csv(full, ts_in_temp("loaded.csv"), &err), CM_OK);
    ck_assert_int_eq(cm_report_write_join_csv_from_store(db, ts_in_temp("streamed.csv"), &err),
                     CM_OK);
    char *expected = read_text(ts_in_temp("loaded.csv"));
    char *got = read_text(ts_in_temp("streamed.csv"));
    ck_assert_str_eq(got, expected);
    ck_assert_ptr_nonnull(strstr(got, "\"did you mean \"\"Pierrefonds\"\"?\""));

    sqlite3 *handle = NULL;
    ck_assert_int_eq(sqlite3_open(db, &handle), SQLITE_OK);
    exec_sql(handle, "DROP TABLE join_report");
    sqlite3_close(handle);
    ck_assert_int_eq(cm_report_write_join_csv_from_store(db, ts_in_temp("none.csv"), &err),
                     CM_ERR_SQL);
    ck_assert_int_ne(access(ts_in_temp("none.csv"), F_OK), 0);
    free(expected);
    free(got);
    cm_report_free(full);
    free(db);
}
END_TEST

START_TEST(test_failed_write_leaves_nothing)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_gap_csv(r, ts_in_temp("missing/gap-report.csv"), &err),
                     CM_ERR_IO);
    ck_assert_int_eq(cm_report_write_pdf(r, ts_in_temp("missing/gap-report.pdf"), &err), CM_ERR_IO);
    /* A map that cannot be read makes the HTML fail, and the previous file stays. */
    const char *html = ts_in_temp("gap-report.html");
    FILE *f = fopen(html, "w");
    ck_assert_ptr_nonnull(f);
    fputs("previous", f);
    fclose(f);
    const char *paths[] = {ts_in_temp("maps/absent.svg")};
    ck_assert_int_eq(cm_report_set_maps(r, paths, NULL, 1, &err), CM_OK);
    ck_assert_int_eq(cm_report_write_html(r, html, &err), CM_ERR_IO);
    char *text = read_text(html);
    ck_assert_str_eq(text, "previous");
    free(text);
    ck_assert_int_eq(ts_count_entries(ts_temp_dir), 2);
    cm_report_free(r);
}
END_TEST

/* ---- Markdown ---------------------------------------------------------------------- */

START_TEST(test_markdown_headline_first)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_markdown(r, ts_in_temp("gap-report.md"), &err), CM_OK);
    char *md = read_text(ts_in_temp("gap-report.md"));

    /* The three figures, computed here from the rows themselves. */
    int n = 0, unknown = 0;
    long long families = 0, shortfall = 0;
    for (size_t i = 0; i < ROW_COUNT; i++) {
        shortfall += llround(ROWS[i].shortfall);
        if (ROWS[i].rank > 1)
            continue;
        n++;
        if (ROWS[i].has_families)
            families += (long long)ROWS[i].families;
        else
            unknown++;
    }
    char x[32], y[32], expected[256], line[1024];
    group_thousands(families, NBSP, x, sizeof x);
    group_thousands(shortfall, NBSP, y, sizeof y);

    ck_assert_str_eq(line_of(md, 0, line, sizeof line), "# Concertations — Essai");
    ck_assert_str_eq(line_of(md, 1, line, sizeof line), "");
    snprintf(expected, sizeof expected,
             "**%d quartiers risquent de perdre leur coordination d'ici le 31 mars 2027.**", n);
    ck_assert_str_eq(line_of(md, 2, line, sizeof line), expected);
    snprintf(expected, sizeof expected,
             "%s familles y sont rejointes (sans compter %d quartiers sans données).", x, unknown);
    ck_assert_str_eq(line_of(md, 3, line, sizeof line), expected);
    snprintf(expected, sizeof expected,
             "Il manque %s" NBSP "$ pour maintenir la coordination de tous les quartiers "
             "jusqu'au 31 mars 2027.",
             y);
    ck_assert_str_eq(line_of(md, 4, line, sizeof line), expected);
    ck_assert_str_eq(x, "4" NBSP "330");
    ck_assert_str_eq(y, "262" NBSP "500");
    free(md);
    cm_report_free(r);
}
END_TEST

START_TEST(test_markdown_table_and_sections)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_markdown(r, ts_in_temp("gap-report.md"), &err), CM_OK);
    char *md = read_text(ts_in_temp("gap-report.md"));
    /* header + separator + one line per territory */
    ck_assert_int_eq(count_occurrences(md, "\n| "), (int)ROW_COUNT + 2);
    ck_assert_ptr_nonnull(strstr(md, "| Quartier | Risque | Mois financés | Montant manquant |"));
    ck_assert_ptr_nonnull(strstr(md, "| Ahuntsic | Sans coordination | 0 | 65" NBSP "000" NBSP
                                     "$ | 120 | 10,5 |"
                                     " 12 | 5 |"));
    /* NULLs are no data, never 0; a name-less territory shows its key. */
    ck_assert_ptr_nonnull(strstr(md, "| Villeray \\<Est\\> | À risque | 2 | 50" NBSP "000" NBSP
                                     "$ | n.d. | n.d. | n.d. | n.d. |"));
    ck_assert_ptr_nonnull(strstr(md, "| G07 | Sans coordination |"));
    ck_assert_ptr_nonnull(strstr(md, "| Verdun | Stable | sans échéance | 0" NBSP "$ | 900 |"
                                     " 12,5 | 0 | 1 |"));
    ck_assert_ptr_nonnull(strstr(md, "| 33,3 |"));
    /* Warnings: unmatched with suggestion, normalised, duplicate, no data, repairs. */
    ck_assert_ptr_nonnull(strstr(md, "- financement.csv, ligne 4" NBSP ": «" NBSP "Pierrefond" NBSP
                                     "» — did you mean \"Pierrefonds\"?"));
    ck_assert_ptr_nonnull(strstr(md, "«" NBSP "cote des neiges" NBSP "» → B02"));
    ck_assert_ptr_nonnull(strstr(md, "second row for D04"));
    ck_assert_ptr_nonnull(strstr(md, "- indicateurs.csv" NBSP ": Villeray \\<Est\\>\n"));
    ck_assert_ptr_nonnull(strstr(md, "- Rosemont" NBSP ": anneau auto-intersecté réparé"));
    /* Method: thresholds and sources. */
    ck_assert_ptr_nonnull(strstr(md, "## Méthode"));
    ck_assert_ptr_nonnull(strstr(md, "Date de référence" NBSP ": 1er avril 2026"));
    ck_assert_ptr_nonnull(strstr(md, "12 mois, du 1er avril 2026 au 31 mars 2027"));
    ck_assert_ptr_nonnull(strstr(md, "Coût annuel d'une coordination" NBSP ": 65" NBSP "000"));
    ck_assert_ptr_nonnull(strstr(md, "- indicateurs.csv (indicateurs)"));
    ck_assert_ptr_nonnull(strstr(md, "- Territoires" NBSP ": quartiers.shp"));
    /* In order: headline, table, warnings, method. */
    assert_before(md, "risquent", "| Quartier");
    assert_before(md, "| Quartier", "## Jointure");
    assert_before(md, "## Jointure", "## Méthode");
    free(md);
    cm_report_free(r);
}
END_TEST

/* ---- HTML ------------------------------------------------------------------------------ */

START_TEST(test_html_structure)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    const char *svg = ts_in_temp("carte.svg");
    FILE *f = fopen(svg, "w");
    ck_assert_ptr_nonnull(f);
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>", f);
    fclose(f);
    const char *paths[] = {svg};
    const char *titles[] = {"Risque & couverture"};
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_set_maps(r, paths, titles, 1, &err), CM_OK);
    ck_assert_int_eq(cm_report_write_html(r, ts_in_temp("gap-report.html"), &err), CM_OK);
    char *html = read_text(ts_in_temp("gap-report.html"));
    ck_assert_int_eq(count_occurrences(html, "<table"), 1);
    ck_assert_int_eq(count_occurrences(html, "<thead>"), 1);
    ck_assert_int_eq(count_occurrences(html, "<tbody>"), 1);
    ck_assert_int_eq(count_occurrences(html, "<caption>"), 1);
    ck_assert_int_eq(count_occurrences(html, "<tr class=\"risk-"), (int)ROW_COUNT);
    ck_assert_int_eq(count_occurrences(html, "<tr class=\"risk-at-risk\">"), 3);
    ck_assert_int_eq(count_occurrences(html, "badge badge-no-coordination"), 2);
    ck_assert_ptr_null(strstr(html, "http"));
    ck_assert_ptr_null(strstr(html, "<link"));
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_nonnull(strstr(html, "<html lang=\"fr-CA\">"));
    ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Villeray &lt;Est&gt;</th>"));
    ck_assert_ptr_null(strstr(html, "<Est>"));
    ck_assert_ptr_nonnull(strstr(html, "Côte-des-Neiges, &quot;Nord&quot;"));
    ck_assert_ptr_nonnull(strstr(html, "@media print"));
    ck_assert_ptr_nonnull(strstr(html, "<img src=\"data:image/svg+xml;base64,"));
    ck_assert_ptr_nonnull(strstr(html, "<figcaption>Risque &amp; couverture</figcaption>"));
    ck_assert_ptr_nonnull(
        strstr(html, "<strong>5 quartiers risquent de perdre leur coordination d'ici le 31 "
                     "mars 2027.</strong>"));
    free(html);
    cm_report_free(r);
}
END_TEST

/* ---- PDF --------------------------------------------------------------------------------- */

/* pdftotext of pages first..last (0: all), whitespace runs (and no-break spaces)
 * folded to one space so that wrapped text reads as one line. */
static char *pdf_text_mode(const char *pdf, int first, int last, bool layout)
{
    char cmd[2048];
    const char *mode = layout ? "-layout" : "";
    if (first > 0)
        snprintf(cmd, sizeof cmd, "pdftotext %s -f %d -l %d '%s' -", mode, first, last, pdf);
    else
        snprintf(cmd, sizeof cmd, "pdftotext %s '%s' -", mode, pdf);
    char *out = NULL;
    ck_assert_int_eq(ts_run(cmd, &out, NULL), 0);
    ck_assert_ptr_nonnull(out);
    char *w = out;
    bool blank = false;
    for (const char *p = out; *p;) {
        size_t skip = 0;
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\f' || *p == '\r')
            skip = 1;
        else if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)
            skip = 2;
        if (skip) {
            if (!blank)
                *w++ = ' ';
            blank = true;
            p += skip;
        } else {
            *w++ = *p++;
            blank = false;
        }
    }
    *w = '\0';
    return out;
}

static char *pdf_text(const char *pdf, int first, int last)
{
    return pdf_text_mode(pdf, first, last, false);
}

START_TEST(test_pdf_text_and_accents)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_pdf(r, ts_in_temp("gap-report.pdf"), &err), CM_OK);
    char *text = pdf_text(ts_in_temp("gap-report.pdf"), 0, 0);
    char line[1024];
    ck_assert_ptr_nonnull(strstr(text, "Concertations — Essai"));
    ck_assert_ptr_nonnull(
        strstr(text, "5 quartiers risquent de perdre leur coordination d'ici le 31 mars 2027."));
    ck_assert_ptr_nonnull(strstr(text, "4 330 familles y sont rejointes"));
    ck_assert_ptr_nonnull(strstr(text, "Il manque 262 500 $"));
    ck_assert_ptr_nonnull(strstr(text, "Côte-des-Neiges"));
    ck_assert_ptr_nonnull(strstr(text, "Villeray <Est>"));
    ck_assert_ptr_nonnull(strstr(text, "À risque"));
    ck_assert_ptr_nonnull(strstr(text, "sans échéance"));
    ck_assert_ptr_nonnull(strstr(text, "Pierrefond"));
    ck_assert_ptr_nonnull(strstr(text, "Méthode"));
    /* Every page numbered "Page n / total". */
    char *raw = NULL;
    snprintf(line, sizeof line, "pdftotext '%s' -", ts_in_temp("gap-report.pdf"));
    ck_assert_int_eq(ts_run(line, &raw, NULL), 0);
    int pages = count_occurrences(raw, "\f");
    ck_assert_int_ge(pages, 1);
    free(raw);
    for (int page = 1; page <= pages; page++) {
        snprintf(line, sizeof line, "Page %d / %d", page, pages);
        ck_assert_msg(strstr(text, line) != NULL, "'%s' missing", line);
    }
    free(text);
    /* Rows in report order (the layout mode keeps the visual order). */
    text = pdf_text_mode(ts_in_temp("gap-report.pdf"), 0, 0, true);
    assert_before(text, "Ahuntsic", "Saint-Michel");
    assert_before(text, "Saint-Michel", "Villeray");
    assert_before(text, "Villeray", "Côte-des-Neiges");
    assert_before(text, "Rosemont", "Verdun");
    free(text);
    cm_report_free(r);
}
END_TEST

START_TEST(test_pdf_long_table_repeats_header)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 80));
    ck_assert_uint_eq(r->territory_count, 80);
    cm_error err;
    cm_error_clear(&err);
    const char *pdf = ts_in_temp("gap-report.pdf");
    ck_assert_int_eq(cm_report_write_pdf(r, pdf, &err), CM_OK);
    char *page1 = pdf_text(pdf, 1, 1);
    char *page2 = pdf_text(pdf, 2, 2);
    ck_assert_ptr_nonnull(strstr(page1, "Mois financés"));
    ck_assert_ptr_nonnull(strstr(page2, "Mois financés"));
    ck_assert_ptr_nonnull(strstr(page2, "Familles pour 100 enfants"));
    ck_assert_ptr_nonnull(strstr(page2, "Page 2 / "));
    /* Page 2 continues the table: it starts with the header, then rows. */
    assert_before(page2, "Mois financés", "Quartier Éloïse-");
    char *all = pdf_text(pdf, 0, 0);
    for (int i = 0; i < 80; i++) {
        char name[64];
        snprintf(name, sizeof name, "Quartier Éloïse-%03d", i);
        ck_assert_msg(strstr(all, name) != NULL, "%s missing from the PDF", name);
    }
    free(page1);
    free(page2);
    free(all);
    cm_report_free(r);
}
END_TEST

START_TEST(test_pdf_same_bytes_twice)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 80));
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_pdf(r, ts_in_temp("a.pdf"), &err), CM_OK);
    ck_assert_int_eq(cm_report_write_pdf(r, ts_in_temp("b.pdf"), &err), CM_OK);
    size_t size_a = 0, size_b = 0;
    char *a = ts_read_file(ts_in_temp("a.pdf"), &size_a);
    char *b = ts_read_file(ts_in_temp("b.pdf"), &size_b);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_gt(size_a, 1000);
    ck_assert_uint_eq(size_a, size_b);
    ck_assert(memcmp(a, b, size_a) == 0);
    ck_assert(memcmp(a, "%PDF-", 5) == 0);
    /* The creation date is as_of, not the clock. */
    ck_assert(contains_bytes(a, size_a, "20260401000000"));
    free(a);
    free(b);
    cm_report_free(r);
}
END_TEST

/* ---- en-CA and write_all -------------------------------------------------------------- */

START_TEST(test_english_report)
{
    cm_report *r = load(make_store("w.sqlite", "en-CA", 0));
    ck_assert_int_eq(r->locale, CM_LOCALE_EN_CA);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(
        cm_report_write_all(r, ts_temp_dir,
                            CM_REPORT_CSV | CM_REPORT_MD | CM_REPORT_HTML | CM_REPORT_PDF, &err),
        CM_OK);
    /* the store + five outputs, no temporary file left */
    ck_assert_int_eq(ts_count_entries(ts_temp_dir), 6);
    char *md = read_text(ts_in_temp("gap-report.md"));
    char line[1024];
    ck_assert_str_eq(line_of(md, 2, line, sizeof line),
                     "**5 neighbourhoods risk losing their coordination by March 31, 2027.**");
    ck_assert_str_eq(line_of(md, 3, line, sizeof line),
                     "4,330 families are reached there (not counting 2 neighbourhoods without "
                     "data).");
    ck_assert_str_eq(line_of(md, 4, line, sizeof line),
                     "$262,500 is missing to keep coordination everywhere until March 31, 2027.");
    ck_assert_ptr_nonnull(strstr(md, "| Ahuntsic | No coordination | 0 | $65,000 | 120 | 10.5 |"));
    ck_assert_ptr_nonnull(strstr(md, "| n/a |"));
    ck_assert_ptr_nonnull(strstr(md, "## Method"));
    free(md);
    char *html = read_text(ts_in_temp("gap-report.html"));
    ck_assert_ptr_nonnull(strstr(html, "<html lang=\"en-CA\">"));
    free(html);
    /* The CSV is the same machine format whatever the locale. */
    char *csv = read_text(ts_in_temp("gap-report.csv"));
    ck_assert_ptr_nonnull(strstr(csv, "\nA01,Ahuntsic,no-coordination,0,65000,120,10.5,12,5,"));
    free(csv);
    char *text = pdf_text(ts_in_temp("gap-report.pdf"), 0, 0);
    ck_assert_ptr_nonnull(
        strstr(text, "5 neighbourhoods risk losing their coordination by March 31, 2027."));
    ck_assert_ptr_nonnull(strstr(text, "Months funded"));
    ck_assert_ptr_nonnull(strstr(text, "At risk"));
    ck_assert_ptr_nonnull(strstr(text, "Côte-des-Neiges"));
    free(text);
    cm_report_free(r);
}
END_TEST

START_TEST(test_headline_wording_edges)
{
    cm_report *r = load(make_store("w.sqlite", "fr-CA", 0));
    /* Keep only the stable territory (swapped to the front): nothing at risk,
     * nothing missing. */
    cm_report_territory first = r->territories[0];
    r->territories[0] = r->territories[6];
    r->territories[6] = first;
    size_t saved = r->territory_count;
    r->territory_count = 1;
    cm_report_compute_headline(r);
    ck_assert_int_eq(r->headline.territories_at_risk, 0);
    ck_assert_double_eq(r->headline.total_shortfall, 0);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_report_write_markdown(r, ts_in_temp("gap-report.md"), &err), CM_OK);
    char *md = read_text(ts_in_temp("gap-report.md"));
    char line[1024];
    ck_assert_str_eq(line_of(md, 2, line, sizeof line),
                     "**Aucun quartier ne risque de perdre sa coordination d'ici le 31 mars "
                     "2027.**");
    ck_assert_str_eq(line_of(md, 3, line, sizeof line),
                     "Il ne manque rien pour maintenir la coordination de tous les quartiers "
                     "jusqu'au 31 mars 2027.");
    free(md);
    r->territory_count = saved;
    cm_report_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, ts_temp_setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_load_orders_rows_and_computes_headline);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_gap_csv_exact);
    tcase_add_test(tc, test_join_csv_exact);
    tcase_add_test(tc, test_join_report_streamed);
    tcase_add_test(tc, test_failed_write_leaves_nothing);
    tcase_add_test(tc, test_markdown_headline_first);
    tcase_add_test(tc, test_markdown_table_and_sections);
    tcase_add_test(tc, test_html_structure);
    tcase_add_test(tc, test_headline_wording_edges);
    if (system("pdftotext -v >/dev/null 2>&1") == 0) {
        tcase_add_test(tc, test_pdf_text_and_accents);
        tcase_add_test(tc, test_pdf_long_table_repeats_header);
        tcase_add_test(tc, test_pdf_same_bytes_twice);
        tcase_add_test(tc, test_english_report);
    } else {
        fprintf(stderr, "pdftotext not found: PDF text checks skipped\n");
    }
    suite_add_tcase(s, tc);
    return ts_run_suite(s);
}
