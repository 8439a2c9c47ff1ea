/* Join and indicators, called as a library: tiny boundaries and tables in a temp
 * folder, ingested into an in-memory store, joined, then checked row by row. */
#include <check.h>
#include <gdal.h>
#include <glib.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "covermap/error.h"
#include "covermap/indicators.h"
#include "covermap/ingest.h"
#include "covermap/join.h"
#include "covermap/project.h"
#include "covermap/store.h"
#include "test_support.h"

/* ---- boundaries ----------------------------------------------------------------- */

/* Territories as 1 km squares side by side from x = 295000 in EPSG:32188, in the
 * order given; key and name are the same `nom` field. */
static void write_territories(const char *const *keys, int count)
{
    GString *json = g_string_new("{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
                                 "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32188\"}},"
                                 "\"features\":[");
    for (int i = 0; i < count; i++) {
        double x = 295000 + 1000.0 * i, y = 5040000;
        g_string_append_printf(json,
                               "%s{\"type\":\"Feature\",\"properties\":{\"nom\":\"%s\"},"
                               "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],"
                               "[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}",
                               i ? ",\n" : "", keys[i], x, y, x + 1000, y, x + 1000, y + 1000, x,
                               y + 1000, x, y);
    }
    g_string_append(json, "]}\n");
    ts_write_in_temp("territoires.geojson", json->str);
    g_string_free(json, TRUE);
}

static const char *const montreal[] = {"Saint-Michel", "Côte-des-Neiges–Notre-Dame-de-Grâce",
                                       "L'Île-Bizard", "Pierrefonds-Roxboro", "Ahuntsic"};

/* Two districts in lon/lat whose corners are these MTM points, so that projected
 * back they are the rectangles again: A covers Saint-Michel and 70 % of
 * Côte-des-Neiges (x < 296700), B the rest. */
static void write_lonlat_districts(void)
{
    static const struct {
        const char *key, *name;
        double x0, x1;
    } districts[] = {{"D1", "Circonscription A", 294000, 296700},
                     {"D2", "Circonscription B", 296700, 300500}};
    OGRSpatialReferenceH mtm = OSRNewSpatialReference(NULL);
    OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(NULL);
    ck_assert_int_eq(OSRImportFromEPSG(mtm, 32188), OGRERR_NONE);
    ck_assert_int_eq(OSRImportFromEPSG(wgs84, 4326), OGRERR_NONE);
    OSRSetAxisMappingStrategy(mtm, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH to_lonlat = OCTNewCoordinateTransformation(mtm, wgs84);
    ck_assert_ptr_nonnull(to_lonlat);
    GString *json = g_string_new("{\"type\":\"FeatureCollection\",\"features\":[");
    for (int d = 0; d < 2; d++) {
        double x[5] = {districts[d].x0, districts[d].x1, districts[d].x1, districts[d].x0,
                       districts[d].x0};
        double y[5] = {5039000, 5039000, 5042000, 5042000, 5039000};
        ck_assert(OCTTransform(to_lonlat, 5, x, y, NULL));
        g_string_append_printf(json,
                               "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"%s\","
                               "\"nom\":\"%s\"},\"geometry\":{\"type\":\"Polygon\","
                               "\"coordinates\":[[",
                               d ? ",\n" : "", districts[d].key, districts[d].name);
        for (int i = 0; i < 5; i++)
            g_string_append_printf(json, "%s[%.12f,%.12f]", i ? "," : "", x[i], y[i]);
        g_string_append(json, "]]}}");
    }
    g_string_append(json, "]}\n");
    ts_write_in_temp("circonscriptions.geojson", json->str);
    g_string_free(json, TRUE);
    OCTDestroyCoordinateTransformation(to_lonlat);
    OSRDestroySpatialReference(mtm);
    OSRDestroySpatialReference(wgs84);
}

/* ---- project, store, queries ---------------------------------------------------------- */

static void assert_ok(cm_status st, const cm_error *err)
{
    char text[2048];
    cm_error_format(err, text, sizeof text);
    ck_assert_msg(st == CM_OK, "expected success, got %s: %s", cm_status_name(st), text);
}

/* Writes projet.yaml (header, the territories, then body) and loads it. */
static cm_project *load_project(const char *body)
{
    GString *yaml = g_string_new("title: \"Test\"\nas_of: 2026-04-01\nhorizon_months: 12\n"
                                 "coordination_cost: 65000\n"
                                 "territories:\n  source: territoires.geojson\n  key: nom\n");
    g_string_append(yaml, body);
    ts_write_in_temp("projet.yaml", yaml->str);
    g_string_free(yaml, TRUE);
    cm_project *project = NULL;
    cm_error err = {0};
    assert_ok(cm_project_load(ts_in_temp("projet.yaml"), &project, &err), &err);
    return project;
}

/* Loads the project and ingests territories, districts (if any) and tables. */
static cm_store *ingest_all(const cm_project *project)
{
    cm_store *store = NULL;
    cm_error err = {0};
    assert_ok(cm_store_create(":memory:", &store, &err), &err);
    cm_territory_summary summary, districts;
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    assert_ok(cm_ingest_districts(store, project, &districts, &err), &err);
    assert_ok(cm_ingest_tables(store, project, NULL, &err), &err);
    return store;
}

/* Every row of the query, columns joined by '|', rows ended by '\n', NULL as "NULL". */
static char *query_rows(cm_store *store, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(cm_store_db(store), sql, -1, &stmt, NULL);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(cm_store_db(store)));
    GString *out = g_string_new(NULL);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(stmt); c++) {
            const unsigned char *text = sqlite3_column_text(stmt, c);
            g_string_append_printf(out, "%s%s", c ? "|" : "", text ? (const char *)text : "NULL");
        }
        g_string_append_c(out, '\n');
    }
    ck_assert_int_eq(rc, SQLITE_DONE);
    sqlite3_finalize(stmt);
    char *result = strdup(out->str);
    g_string_free(out, TRUE);
    return result;
}

static void expect_rows(cm_store *store, const char *sql, const char *expected)
{
    char *got = query_rows(store, sql);
    ck_assert_msg(strcmp(got, expected) == 0, "%s\n--- got:\n%s--- expected:\n%s", sql, got,
                  expected);
    free(got);
}

static void expect_contains(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "\"%s\" does not contain \"%s\"", text, part);
}

static const char *const report_query = "SELECT table_name, source_key, status, territory_key, "
                                        "note, line FROM join_report ORDER BY seq";

/* ---- the Montréal fixture --------------------------------------------------------------- */

static const char *const fixture_data =
    "data:\n"
    "  - source: indicateurs.csv\n    key: territoire\n"
    "    columns: { children_0_5: enfants_0_5, families_reached: familles_rejointes }\n"
    "  - source: partenaires.csv\n    key: territoire\n    role: partners\n"
    "    columns: { name: organisme, sector: secteur }\n"
    "  - source: financement.csv\n    key: territoire\n    role: funding\n"
    "    columns: { funder: bailleur, amount: montant, start: debut, end: fin, kind: type,\n"
    "               coordination: coordination }\n"
    "districts:\n  source: circonscriptions.geojson\n  key: code\n  name: nom\n";

/* Indicators: exact, normalised (case, accents, en dash; typographic apostrophe),
 * a typo and a Total row. Partners: several rows per key, one key spelt two ways.
 * Funding: one territory per risk level. */
static void write_fixture(void)
{
    write_territories(montreal, 5);
    write_lonlat_districts();
    ts_write_in_temp("indicateurs.csv", "territoire;enfants_0_5;familles_rejointes;note du bureau\n"
                                        "Saint-Michel;1 000;250;ok\n"
                                        "COTE-DES-NEIGES-NOTRE-DAME-DE-GRACE;2 000;;\n"
                                        "L\xE2\x80\x99\xC3\x8Ele-Bizard;500;100;\n"
                                        "Pierrefond-Roxboro;800;80;\n"
                                        "Total;4 300;430;\n");
    ts_write_in_temp("partenaires.csv", "territoire,organisme,secteur\n"
                                        "Saint-Michel,CLSC,santé\n"
                                        "Saint-Michel,École Félix,école\n"
                                        "L'Île-Bizard,Bibliothèque,bibliothèque\n"
                                        "Saint-Michel,Clinique,Santé\n"
                                        "L'Île-Bizard,CPE,petite enfance\n"
                                        "SAINT MICHEL,Maison,communautaire\n"
                                        "SAINT MICHEL,Halte, santé \n");
    ts_write_in_temp("financement.csv",
                     "territoire;bailleur;montant;debut;fin;type;coordination\n"
                     "Saint-Michel;Ville;70 000 $;2025-01-01;;récurrent;oui\n"
                     "Côte-des-Neiges–Notre-Dame-de-Grâce;MFA;65 000 $;2025-01-01;30/09/2026;"
                     "projet;oui\n"
                     "Pierrefonds-Roxboro;Centraide;40 000 $;2025-01-01;;récurrent;oui\n"
                     "Pierrefonds-Roxboro;Fondation;30 000 $;2025-01-01;31/12/2027;projet;oui\n"
                     "Saint-Michel;Ville;10 000 $;2025-01-01;;projet;non\n"
                     "Ahuntsic;Ville;50 000 $;2026-06-01;;récurrent;oui\n");
}

START_TEST(test_join_report)
{
    write_fixture();
    cm_project *project = load_project(fixture_data);
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    expect_rows(
        store, report_query,
        /* indicators: one entry per row, then a no-data entry per territory without one */
        "indicateurs.csv|Saint-Michel|matched|Saint-Michel||2\n"
        "indicateurs.csv|COTE-DES-NEIGES-NOTRE-DAME-DE-GRACE|normalised|"
        "Côte-des-Neiges–Notre-Dame-de-Grâce|differs in case, accents and dashes from "
        "\"Côte-des-Neiges–Notre-Dame-de-Grâce\"|3\n"
        "indicateurs.csv|L’Île-Bizard|normalised|L'Île-Bizard|differs in apostrophes from "
        "\"L'Île-Bizard\"|4\n"
        "indicateurs.csv|Pierrefond-Roxboro|unmatched||no such territory; closest: "
        "\"Pierrefonds-Roxboro\"|5\n"
        "indicateurs.csv|Total|unmatched||no such territory|6\n"
        "indicateurs.csv||no-data|Ahuntsic|no row for this territory|0\n"
        "indicateurs.csv||no-data|Pierrefonds-Roxboro|no row for this territory|0\n"
        /* partners: one entry per key, at its first line, with the row count */
        "partenaires.csv|Saint-Michel|matched|Saint-Michel|3 rows|2\n"
        "partenaires.csv|L'Île-Bizard|matched|L'Île-Bizard|2 rows|4\n"
        "partenaires.csv|SAINT MICHEL|normalised|Saint-Michel|differs in case and dashes from "
        "\"Saint-Michel\" (2 rows)|7\n"
        "partenaires.csv||no-data|Ahuntsic|no row for this territory|0\n"
        "partenaires.csv||no-data|Côte-des-Neiges–Notre-Dame-de-Grâce|no row for this "
        "territory|0\n"
        "partenaires.csv||no-data|Pierrefonds-Roxboro|no row for this territory|0\n"
        "financement.csv|Saint-Michel|matched|Saint-Michel|2 rows|2\n"
        "financement.csv|Côte-des-Neiges–Notre-Dame-de-Grâce|matched|"
        "Côte-des-Neiges–Notre-Dame-de-Grâce||3\n"
        "financement.csv|Pierrefonds-Roxboro|matched|Pierrefonds-Roxboro|2 rows|4\n"
        "financement.csv|Ahuntsic|matched|Ahuntsic||7\n"
        "financement.csv||no-data|L'Île-Bizard|no row for this territory|0\n");
    /* Counted per report entry. */
    ck_assert_uint_eq(counts.matched, 7);
    ck_assert_uint_eq(counts.normalised, 3);
    ck_assert_uint_eq(counts.unmatched, 2);
    ck_assert_uint_eq(counts.duplicate, 0);
    ck_assert_uint_eq(counts.no_data, 6);
    /* The rows themselves carry the match. */
    expect_rows(store, "SELECT line, territory_key, match_status FROM table_1 ORDER BY line",
                "2|Saint-Michel|matched\n3|Côte-des-Neiges–Notre-Dame-de-Grâce|normalised\n"
                "4|L'Île-Bizard|normalised\n5|NULL|unmatched\n6|NULL|unmatched\n");
    expect_rows(store,
                "SELECT territory_key, count(*) FROM table_2 GROUP BY territory_key ORDER BY 1",
                "L'Île-Bizard|2\nSaint-Michel|5\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

START_TEST(test_districts_overlay)
{
    write_fixture();
    cm_project *project = load_project(fixture_data);
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    assert_ok(cm_join_districts(store, project, &err), &err);
    /* Shares of each 1 km square's area inside each district (the boundary at
     * x = 296700 cuts Côte-des-Neiges 700 m / 300 m). */
    expect_rows(store,
                "SELECT territory_key, district_key, district_name, round(share, 4) "
                "FROM territory_districts ORDER BY territory_key, district_key",
                "Ahuntsic|D2|Circonscription B|1.0\n"
                "Côte-des-Neiges–Notre-Dame-de-Grâce|D1|Circonscription A|0.7\n"
                "Côte-des-Neiges–Notre-Dame-de-Grâce|D2|Circonscription B|0.3\n"
                "L'Île-Bizard|D2|Circonscription B|1.0\n"
                "Pierrefonds-Roxboro|D2|Circonscription B|1.0\n"
                "Saint-Michel|D1|Circonscription A|1.0\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

START_TEST(test_no_districts_empty_overlay)
{
    write_territories(montreal, 5);
    cm_project *project = load_project("");
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    ck_assert_uint_eq(counts.matched + counts.normalised + counts.unmatched + counts.no_data, 0);
    assert_ok(cm_join_districts(store, project, &err), &err);
    expect_rows(store, "SELECT count(*) FROM territory_districts", "0\n");
    expect_rows(store, "SELECT count(*) FROM join_report", "0\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

/* Rows without a key are one entry, like any key of several rows. */
START_TEST(test_blank_keys_are_one_entry)
{
    static const char *const keys[] = {"Alpha", "Bravo"};
    write_territories(keys, 2);
    ts_write_in_temp("partenaires.csv", "territoire,organisme\n"
                                        ",CLSC\n"
                                        "Bravo,CPE\n"
                                        " ,École\n"
                                        "Bravo,Halte\n");
    cm_project *project = load_project("data:\n  - source: partenaires.csv\n    key: territoire\n"
                                       "    role: partners\n    columns: { name: organisme }\n");
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    expect_rows(store, report_query,
                "partenaires.csv||unmatched||empty key: the row matches no territory (2 rows)|2\n"
                "partenaires.csv|Bravo|matched|Bravo|2 rows|3\n"
                "partenaires.csv||no-data|Alpha|no row for this territory|0\n");
    ck_assert_uint_eq(counts.unmatched, 1);
    ck_assert_uint_eq(counts.matched, 1);
    ck_assert_uint_eq(counts.no_data, 1);
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

/* ---- indicators over the fixture -------------------------------------------------------- */

START_TEST(test_gap_indicators)
{
    write_fixture();
    cm_project *project = load_project(fixture_data);
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    assert_ok(cm_join_districts(store, project, &err), &err);
    assert_ok(cm_indicators_compute(store, project, &err), &err);
    /* By hand, as_of 2026-04-01, horizon to 2027-03-31 (365 days), cost 65 000:
     * Ahuntsic: its only grant (50 000) starts 2026-06-01: no-coordination; short
     *   by 65 000 for 61 days (April, May), then by 15 000 for 304 days:
     *   (61 x 65000 + 304 x 15000) / 365 = 23 356.16 -> 23 356; no other data.
     * Côte-des-Neiges: a 65 000 project grant to 2026-09-30: at-risk, 6 months,
     *   182 days short = 32 410.96 -> 32 411; families blank -> coverage NULL.
     * L'Île-Bizard: no grant: no-coordination, 65 000; 100 / 500 = 20 per 100;
     *   2 partners in 2 sectors, 2 x 1000 / 500 = 4 per 1000 children.
     * Pierrefonds-Roxboro: 40 000 recurrent + 30 000 project to 2027-12-31: fragile,
     *   funded to 2027-12-31 (21 months); its indicators row was a typo: NULL.
     * Saint-Michel: 70 000 recurrent open-ended (the 10 000 grant is not for
     *   coordination): stable, never stops; 250 / 1000 = 25; 5 partners (two keys),
     *   sectors santé, école, communautaire (Santé and " santé " alike) = 3. */
    expect_rows(store,
                "SELECT key, risk_level, risk_rank, months_funded, shortfall, families_reached, "
                "coverage_rate, partners, sectors, children_0_5, partners_per_1000_children, "
                "coordination_funded_until, funded_never_stops, districts FROM gap ORDER BY key",
                "Ahuntsic|no-coordination|0|0|23356.0|NULL|NULL|NULL|NULL|NULL|NULL|NULL|0|"
                "Circonscription B\n"
                "Côte-des-Neiges–Notre-Dame-de-Grâce|at-risk|1|6|32411.0|NULL|NULL|NULL|NULL|"
                "2000|NULL|2026-09-30|0|Circonscription A, Circonscription B\n"
                "L'Île-Bizard|no-coordination|0|0|65000.0|100|20.0|2|2|500|4.0|NULL|0|"
                "Circonscription B\n"
                "Pierrefonds-Roxboro|fragile|2|21|0.0|NULL|NULL|NULL|NULL|NULL|NULL|2027-12-31|0|"
                "Circonscription B\n"
                "Saint-Michel|stable|3|NULL|0.0|250|25.0|5|3|1000|5.0|NULL|1|"
                "Circonscription A\n");
    /* NULL, never 0, where a table has no row. */
    expect_rows(store,
                "SELECT key, typeof(partners), typeof(sectors), typeof(coverage_rate) FROM gap "
                "WHERE key IN ('Ahuntsic', 'Pierrefonds-Roxboro') ORDER BY key",
                "Ahuntsic|null|null|null\nPierrefonds-Roxboro|null|null|null\n");
    /* Report order: risk_rank, shortfall DESC, families_reached DESC (NULLs last), key. */
    expect_rows(store, "SELECT key FROM gap ORDER BY rowid",
                "L'Île-Bizard\nAhuntsic\nCôte-des-Neiges–Notre-Dame-de-Grâce\n"
                "Pierrefonds-Roxboro\nSaint-Michel\n");
    /* The joined view carries the indicators table's own columns. */
    expect_rows(store, "SELECT nom, \"note du bureau\", coverage_rate FROM joined ORDER BY nom",
                "Ahuntsic|NULL|NULL\nCôte-des-Neiges–Notre-Dame-de-Grâce|NULL|NULL\n"
                "L'Île-Bizard|NULL|20.0\nPierrefonds-Roxboro|NULL|NULL\nSaint-Michel|ok|25.0\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

/* ---- duplicates, years, ambiguity ----------------------------------------------------------- */

static const char *const indicators_only =
    "data:\n  - source: indicateurs.csv\n    key: territoire\n"
    "    columns: { children_0_5: enfants_0_5 }\n";

START_TEST(test_duplicate_indicators_row)
{
    write_territories(montreal, 5);
    ts_write_in_temp("indicateurs.csv", "territoire;enfants_0_5\n"
                                        "Saint-Michel;100\n"
                                        "Ahuntsic;50\n"
                                        "saint michel;120\n");
    cm_project *project = load_project(indicators_only);
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    ck_assert_int_eq(cm_join_tables(store, project, &counts, &err), CM_ERR_INPUT);
    ck_assert_int_eq(err.status, CM_ERR_INPUT);
    ck_assert_str_eq(err.file, "indicateurs.csv");
    ck_assert_int_eq(err.line, 4);
    ck_assert_str_eq(err.field, "territoire");
    expect_contains(err.message, "lines 2 and 4");
    expect_contains(err.message, "Saint-Michel");
    ck_assert_uint_eq(counts.duplicate, 1);
    /* The report is written first, so that `check` can show it. */
    expect_rows(store, report_query,
                "indicateurs.csv|Saint-Michel|matched|Saint-Michel||2\n"
                "indicateurs.csv|Ahuntsic|matched|Ahuntsic||3\n"
                "indicateurs.csv|saint michel|duplicate|Saint-Michel|second row for this "
                "territory: lines 2 and 4|4\n"
                "indicateurs.csv||no-data|Côte-des-Neiges–Notre-Dame-de-Grâce|no row for this "
                "territory|0\n"
                "indicateurs.csv||no-data|L'Île-Bizard|no row for this territory|0\n"
                "indicateurs.csv||no-data|Pierrefonds-Roxboro|no row for this territory|0\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

static const char *const indicators_by_year =
    "data:\n  - source: indicateurs.csv\n    key: territoire\n"
    "    columns: { year: annee, children_0_5: enfants_0_5, families_reached: familles }\n";

START_TEST(test_one_row_per_territory_and_year)
{
    write_territories(montreal, 5);
    ts_write_in_temp("indicateurs.csv", "territoire;annee;enfants_0_5;familles\n"
                                        "Saint-Michel;2024;900;180\n"
                                        "Saint-Michel;2025;1 000;250\n"
                                        "Ahuntsic;2025;400;40\n");
    cm_project *project = load_project(indicators_by_year);
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    ck_assert_uint_eq(counts.duplicate, 0);
    ck_assert_uint_eq(counts.matched, 3);
    expect_rows(store,
                "SELECT source_key, status, territory_key, line FROM join_report "
                "WHERE status <> 'no-data' ORDER BY seq",
                "Saint-Michel|matched|Saint-Michel|2\nSaint-Michel|matched|Saint-Michel|3\n"
                "Ahuntsic|matched|Ahuntsic|4\n");
    assert_ok(cm_join_districts(store, project, &err), &err);
    assert_ok(cm_indicators_compute(store, project, &err), &err);
    /* The latest year gives the current values; each year has its own column. */
    expect_rows(store,
                "SELECT key, children_0_5, families_reached, coverage_rate FROM gap "
                "WHERE children_0_5 IS NOT NULL ORDER BY key",
                "Ahuntsic|400|40|10.0\nSaint-Michel|1000|250|25.0\n");
    expect_rows(store,
                "SELECT nom, children_0_5_2024, children_0_5_2025 FROM joined "
                "WHERE nom IN ('Ahuntsic', 'Saint-Michel') ORDER BY nom",
                "Ahuntsic|NULL|400\nSaint-Michel|900|1000\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

START_TEST(test_same_year_twice_is_duplicate)
{
    write_territories(montreal, 5);
    ts_write_in_temp("indicateurs.csv", "territoire;annee;enfants_0_5;familles\n"
                                        "Saint-Michel;2024;900;180\n"
                                        "Saint-Michel;2025;1 000;250\n"
                                        "Saint-Michel;2024;950;190\n");
    cm_project *project = load_project(indicators_by_year);
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    ck_assert_int_eq(cm_join_tables(store, project, &counts, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.file, "indicateurs.csv");
    ck_assert_int_eq(err.line, 4);
    expect_contains(err.message, "lines 2 and 4");
    ck_assert_uint_eq(counts.duplicate, 1);
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

START_TEST(test_ambiguous_folded_key_not_joined)
{
    static const char *const keys[] = {"Saint-Laurent", "Saint Laurent", "Ahuntsic"};
    write_territories(keys, 3);
    ts_write_in_temp("indicateurs.csv", "territoire;enfants_0_5\n"
                                        "SAINT-LAURENT;10\n"
                                        "Saint Laurent;20\n"
                                        "ahuntsic;30\n");
    cm_project *project = load_project(indicators_only);
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    /* "SAINT-LAURENT" folds like both territories: unmatched, not joined by guess. */
    expect_rows(store,
                "SELECT source_key, status, territory_key, line FROM join_report ORDER BY seq",
                "SAINT-LAURENT|unmatched||2\n"
                "Saint Laurent|matched|Saint Laurent|3\n"
                "ahuntsic|normalised|Ahuntsic|4\n"
                "|no-data|Saint-Laurent|0\n");
    expect_rows(store, "SELECT line, territory_key, match_status FROM table_1 ORDER BY line",
                "2|NULL|unmatched\n3|Saint Laurent|matched\n4|Ahuntsic|normalised\n");
    char *note = query_rows(store, "SELECT note FROM join_report WHERE line = 2");
    expect_contains(note, "ambiguous");
    expect_contains(note, "\"Saint Laurent\", \"Saint-Laurent\""); /* in key order */
    free(note);
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

/* Sectors are told apart like keys: "ÉCOLE" and "école" (case beyond ASCII), "Santé",
 * "SANTÉ" and "sante" are one sector each. */
/* Report order between equals: at one risk level and one shortfall, the most families
 * reached first, unknown last, then the key. */
START_TEST(test_gap_order_breaks_ties)
{
    static const char *const keys[] = {"Echo",    "Alpha", "Delta", "Foxtrot",
                                       "Charlie", "Bravo", "Golf"};
    write_territories(keys, 7);
    ts_write_in_temp("indicateurs.csv", "territoire;familles\n"
                                        "Bravo;10\nCharlie;20\nDelta;20\nFoxtrot;5\nGolf;900\n");
    ts_write_in_temp("financement.csv", "territoire;montant;type\nGolf;65 000 $;récurrent\n");
    cm_project *project =
        load_project("data:\n  - source: indicateurs.csv\n    key: territoire\n"
                     "    columns: { families_reached: familles }\n"
                     "  - source: financement.csv\n    key: territoire\n    role: funding\n"
                     "    columns: { amount: montant, kind: type }\n");
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    assert_ok(cm_indicators_compute(store, project, &err), &err);
    expect_rows(store, "SELECT key, risk_rank, shortfall, families_reached FROM gap ORDER BY rowid",
                "Charlie|0|65000.0|20\nDelta|0|65000.0|20\nBravo|0|65000.0|10\n"
                "Foxtrot|0|65000.0|5\nAlpha|0|65000.0|NULL\nEcho|0|65000.0|NULL\n"
                "Golf|3|0.0|900\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

START_TEST(test_sectors_compared_like_keys)
{
    write_territories(montreal, 1);
    ts_write_in_temp("partenaires.csv", "territoire;organisme;secteur\n"
                                        "Saint-Michel;A;école\n"
                                        "Saint-Michel;B;ÉCOLE\n"
                                        "Saint-Michel;C;Santé\n"
                                        "Saint-Michel;D;SANTÉ\n"
                                        "Saint-Michel;E;sante\n");
    cm_project *project = load_project("data:\n  - source: partenaires.csv\n    key: territoire\n"
                                       "    role: partners\n"
                                       "    columns: { name: organisme, sector: secteur }\n");
    cm_store *store = ingest_all(project);
    cm_join_counts counts;
    cm_error err = {0};
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    assert_ok(cm_join_districts(store, project, &err), &err);
    assert_ok(cm_indicators_compute(store, project, &err), &err);
    expect_rows(store, "SELECT key, partners, sectors FROM gap", "Saint-Michel|5|2\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

/* ---- speed: the join is indexed ------------------------------------------------------------ */

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* count 100 m squares in a GeoPackage, keys "Quartier-00001"... */
static void write_many_territories(int count)
{
    GDALDriverH driver = GDALGetDriverByName("GPKG");
    ck_assert_ptr_nonnull(driver);
    GDALDatasetH ds = GDALCreate(driver, ts_in_temp("quartiers.gpkg"), 0, 0, 0, GDT_Unknown, NULL);
    ck_assert_ptr_nonnull(ds);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    ck_assert_int_eq(OSRImportFromEPSG(srs, 32188), OGRERR_NONE);
    OGRLayerH layer = GDALDatasetCreateLayer(ds, "quartiers", srs, wkbPolygon, NULL);
    ck_assert_ptr_nonnull(layer);
    OGRFieldDefnH field = OGR_Fld_Create("nom", OFTString);
    ck_assert_int_eq(OGR_L_CreateField(layer, field, TRUE), OGRERR_NONE);
    OGR_Fld_Destroy(field);
    ck_assert_int_eq(GDALDatasetStartTransaction(ds, FALSE), OGRERR_NONE);
    for (int i = 0; i < count; i++) {
        OGRFeatureH feature = OGR_F_Create(OGR_L_GetLayerDefn(layer));
        char key[64];
        snprintf(key, sizeof key, "Quartier-%05d", i + 1);
        OGR_F_SetFieldString(feature, 0, key);
        double x = 295000 + (i % 200) * 100.0, y = 5040000 + (i / 200) * 100.0;
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
        OGR_G_AddPoint_2D(ring, x, y);
        OGR_G_AddPoint_2D(ring, x + 100, y);
        OGR_G_AddPoint_2D(ring, x + 100, y + 100);
        OGR_G_AddPoint_2D(ring, x, y + 100);
        OGR_G_AddPoint_2D(ring, x, y);
        OGRGeometryH polygon = OGR_G_CreateGeometry(wkbPolygon);
        OGR_G_AddGeometryDirectly(polygon, ring);
        OGR_F_SetGeometryDirectly(feature, polygon);
        ck_assert_int_eq(OGR_L_CreateFeature(layer, feature), OGRERR_NONE);
        OGR_F_Destroy(feature);
    }
    ck_assert_int_eq(GDALDatasetCommitTransaction(ds), OGRERR_NONE);
    OSRDestroySpatialReference(srs);
    GDALClose(ds);
}

START_TEST(test_join_is_indexed)
{
    enum { COUNT = 20000 };
    write_many_territories(COUNT);
    /* Every key upper-cased: none matches exactly, all go through folding. */
    GString *csv = g_string_new("territoire;enfants_0_5\n");
    for (int i = 0; i < COUNT; i++)
        g_string_append_printf(csv, "QUARTIER-%05d;%d\n", COUNT - i, i);
    ts_write_in_temp("indicateurs.csv", csv->str);
    g_string_free(csv, TRUE);
    ts_write_in_temp("projet.yaml", "title: \"Vitesse\"\nas_of: 2026-04-01\n"
                                    "territories:\n  source: quartiers.gpkg\n  key: nom\n"
                                    "data:\n  - source: indicateurs.csv\n    key: territoire\n"
                                    "    columns: { children_0_5: enfants_0_5 }\n");
    cm_project *project = NULL;
    cm_error err = {0};
    assert_ok(cm_project_load(ts_in_temp("projet.yaml"), &project, &err), &err);

    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    cm_store *store = ingest_all(project);
    double ingest_seconds = seconds_since(&start);
    cm_join_counts counts;
    assert_ok(cm_join_tables(store, project, &counts, &err), &err);
    double total = seconds_since(&start);
    printf("test_join_is_indexed: %d territories and rows: ingest %.2f s, join %.2f s, "
           "total %.2f s\n",
           COUNT, ingest_seconds, total - ingest_seconds, total);
    fflush(stdout);
    /* Well under 10 s in a release build; the bound leaves room for ASan. */
    ck_assert_msg(total < 20.0, "ingest + join took %.1f s", total);

    ck_assert_uint_eq(counts.normalised, COUNT);
    ck_assert_uint_eq(counts.matched + counts.unmatched + counts.duplicate + counts.no_data, 0);
    expect_rows(store,
                "SELECT line, source_key, territory_key, match_status, children_0_5 FROM table_1 "
                "WHERE line IN (2, 20001) ORDER BY line",
                "2|QUARTIER-20000|Quartier-20000|normalised|0\n"
                "20001|QUARTIER-00001|Quartier-00001|normalised|19999\n");
    expect_rows(store,
                "SELECT count(*) FROM join_report WHERE note = "
                "'differs in case from \"' || territory_key || '\"'",
                "20000\n");
    cm_store_close(store);
    cm_project_free(project);
}
END_TEST

static Suite *join_suite(void)
{
    Suite *s = suite_create("join");
    TCase *report = tcase_create("report");
    tcase_add_checked_fixture(report, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(report, test_join_report);
    tcase_add_test(report, test_districts_overlay);
    tcase_add_test(report, test_no_districts_empty_overlay);
    tcase_add_test(report, test_duplicate_indicators_row);
    tcase_add_test(report, test_one_row_per_territory_and_year);
    tcase_add_test(report, test_same_year_twice_is_duplicate);
    tcase_add_test(report, test_ambiguous_folded_key_not_joined);
    tcase_add_test(report, test_blank_keys_are_one_entry);
    suite_add_tcase(s, report);
    TCase *indicators = tcase_create("indicators");
    tcase_add_checked_fixture(indicators, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(indicators, test_gap_indicators);
    tcase_add_test(indicators, test_gap_order_breaks_ties);
    tcase_add_test(indicators, test_sectors_compared_like_keys);
    suite_add_tcase(s, indicators);
    TCase *speed = tcase_create("speed");
    tcase_add_checked_fixture(speed, ts_temp_setup, ts_temp_teardown);
    tcase_set_timeout(speed, 120);
    tcase_add_test(speed, test_join_is_indexed);
    suite_add_tcase(s, speed);
    return s;
}

int main(void)
{
    GDALAllRegister();
    cm_gdal_install_error_handler();
    return ts_run_suite(join_suite());
}
