/* `covermap run` end to end on the fixtures of tests/data, reading every output back:
 * the two CSV reports against basic/EXPECTED.md (computed by hand), the GeoPackage
 * through OGR (and GDAL's validate_gpkg.py), covermap.sqlite through SQLite;
 * determinism, --as-of, `check` writing nothing, and the other fixture folders. */
#include <check.h>
#include <dirent.h>
#include <gdal.h>
#include <glib.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define VALIDATE_GPKG "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"

/* The basic/ territory names, with their en dash (U+2013) and apostrophes spelt out. */
#define CDN "C\u00f4te-des-Neiges\u2013Notre-Dame-de-Gr\u00e2ce"
#define ILE_BIZARD "L'\u00cele-Bizard"

/* ---- CSV reading (RFC 4180: quotes, doubled quotes) ---- */

/* Parses CSV text into a GPtrArray of rows, each a NULL-terminated gchar** (the array
 * frees them). */
static GPtrArray *parse_csv(const char *text)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    GPtrArray *fields = g_ptr_array_new();
    GString *field = g_string_new(NULL);
    bool in_quotes = false, row_started = false;
    for (const char *p = text; *p; p++) {
        if (in_quotes) {
            if (*p == '"' && p[1] == '"') {
                g_string_append_c(field, '"');
                p++;
            } else if (*p == '"') {
                in_quotes = false;
            } else {
                g_string_append_c(field, *p);
            }
            continue;
        }
        row_started = true;
        if (*p == '"') {
            in_quotes = true;
        } else if (*p == ',') {
            g_ptr_array_add(fields, g_string_free(field, FALSE));
            field = g_string_new(NULL);
        } else if (*p == '\n') {
            g_ptr_array_add(fields, g_string_free(field, FALSE));
            field = g_string_new(NULL);
            g_ptr_array_add(fields, NULL);
            g_ptr_array_add(rows, g_ptr_array_free(fields, FALSE));
            fields = g_ptr_array_new();
            row_started = false;
        } else if (*p != '\r') {
            g_string_append_c(field, *p);
        }
    }
    if (row_started) {
        g_ptr_array_add(fields, g_string_free(field, FALSE));
        g_ptr_array_add(fields, NULL);
        g_ptr_array_add(rows, g_ptr_array_free(fields, FALSE));
    } else {
        g_string_free(field, TRUE);
        g_ptr_array_free(fields, TRUE);
    }
    return rows;
}

static GPtrArray *load_csv(const char *path)
{
    char *text = ts_read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    GPtrArray *rows = parse_csv(text);
    free(text);
    return rows;
}

static char **csv_row(GPtrArray *rows, guint i)
{
    ck_assert_uint_lt(i, rows->len);
    return g_ptr_array_index(rows, i);
}

/* ---- running ---- */

static void run_ok(const char *project, const char *out_dir, const char *extra)
{
    char args[3000];
    snprintf(args, sizeof args, "run '%s' -o '%s' -q %s", project, out_dir, extra ? extra : "");
    char *err = NULL;
    int status = ts_run_covermap(args, NULL, &err);
    ck_assert_msg(status == 0, "covermap %s: exit %d: %s", args, status, err ? err : "");
    free(err);
}

/* Runs a fixture project into ts_temp_dir/NAME; returns that folder (static buffer). */
static const char *run_fixture(const char *project_relative, const char *name, const char *extra)
{
    static char out_dir[1024];
    snprintf(out_dir, sizeof out_dir, "%s/%s", ts_temp_dir, name);
    char project[1024];
    snprintf(project, sizeof project, "%s", ts_data_path(project_relative));
    run_ok(project, out_dir, extra);
    return out_dir;
}

/* ---- GeoPackage reading ---- */

static GDALDatasetH open_gpkg(const char *out_dir)
{
    char *path = ts_path_in(out_dir, "covermap.gpkg");
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    ck_assert_msg(ds != NULL, "GDAL cannot open %s", path);
    free(path);
    return ds;
}

static OGRLayerH territories_layer(GDALDatasetH ds)
{
    OGRLayerH layer = GDALDatasetGetLayerByName(ds, "territories");
    ck_assert_msg(layer != NULL, "no layer 'territories' in the GeoPackage");
    return layer;
}

static void assert_epsg(OGRLayerH layer, const char *code)
{
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    ck_assert_ptr_nonnull(srs);
    const char *authority = OSRGetAuthorityName(srs, NULL);
    const char *found = OSRGetAuthorityCode(srs, NULL);
    ck_assert_ptr_nonnull(authority);
    ck_assert_ptr_nonnull(found);
    ck_assert_str_eq(authority, "EPSG");
    ck_assert_str_eq(found, code);
}

/* The values of one text field, in layer order; g_strfreev the result. */
static char **layer_strings(OGRLayerH layer, const char *field)
{
    int idx = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), field);
    ck_assert_msg(idx >= 0, "no field %s", field);
    GPtrArray *values = g_ptr_array_new();
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        g_ptr_array_add(values, g_strdup(OGR_F_GetFieldAsString(f, idx)));
        OGR_F_Destroy(f);
    }
    g_ptr_array_add(values, NULL);
    return (char **)g_ptr_array_free(values, FALSE);
}

static OGRFieldType field_type(OGRLayerH layer, const char *field)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int idx = OGR_FD_GetFieldIndex(defn, field);
    ck_assert_msg(idx >= 0, "no field %s", field);
    return OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, idx));
}

/* The feature whose `key` is key; OGR_F_Destroy it. */
static OGRFeatureH feature_by_key(OGRLayerH layer, const char *key)
{
    int idx = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), "key");
    ck_assert_int_ge(idx, 0);
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        if (strcmp(OGR_F_GetFieldAsString(f, idx), key) == 0)
            return f;
        OGR_F_Destroy(f);
    }
    ck_abort_msg("no feature with key %s", key);
    return NULL;
}

static int int_field(OGRFeatureH f, const char *field)
{
    int idx = OGR_F_GetFieldIndex(f, field);
    ck_assert_int_ge(idx, 0);
    ck_assert_msg(OGR_F_IsFieldSetAndNotNull(f, idx), "%s is null", field);
    return OGR_F_GetFieldAsInteger(f, idx);
}

static bool field_is_null(OGRFeatureH f, const char *field)
{
    int idx = OGR_F_GetFieldIndex(f, field);
    ck_assert_int_ge(idx, 0);
    return !OGR_F_IsFieldSetAndNotNull(f, idx);
}

static void assert_validate_gpkg(const char *out_dir)
{
    if (!ts_file_exists(VALIDATE_GPKG) || !ts_file_exists("/usr/bin/python3")) {
        fprintf(stderr, "validate_gpkg.py absent: GeoPackage validation skipped\n");
        return;
    }
    char *cmd = g_strdup_printf("/usr/bin/python3 '%s' '%s/covermap.gpkg'", VALIDATE_GPKG, out_dir);
    char *out = NULL, *err = NULL;
    int status = ts_run(cmd, &out, &err);
    ck_assert_msg(status == 0, "validate_gpkg.py failed (%d): %s%s", status, out ? out : "",
                  err ? err : "");
    g_free(cmd);
    free(out);
    free(err);
}

static bool strv_has(char **values, const char *wanted)
{
    for (int i = 0; values[i]; i++)
        if (strcmp(values[i], wanted) == 0)
            return true;
    return false;
}

/* ---- covermap.sqlite ---- */

static sqlite3 *open_store(const char *out_dir)
{
    char *path = ts_path_in(out_dir, "covermap.sqlite");
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    ck_assert_msg(rc == SQLITE_OK, "cannot open %s", path);
    free(path);
    return db;
}

/* The first column of every row of sql, joined with '|'; g_free it. */
static char *query_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
    GString *result = g_string_new(NULL);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (result->len)
            g_string_append_c(result, '|');
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        g_string_append(result, text ? (const char *)text : "NULL");
    }
    sqlite3_finalize(stmt);
    return g_string_free(result, FALSE);
}

static void assert_query(sqlite3 *db, const char *sql, const char *expected)
{
    char *found = query_text(db, sql);
    ck_assert_msg(strcmp(found, expected) == 0, "%s: expected '%s', found '%s'", sql, expected,
                  found);
    g_free(found);
}

/* ---- basic/: the reports ---- */

struct join_row {
    const char *table, *source_key, *status, *territory_key, *note_has;
};

START_TEST(test_basic_join_report)
{
    const char *out_dir = run_fixture("basic/project.yaml", "out", NULL);
    char *path = ts_path_in(out_dir, "report/join-report.csv");
    GPtrArray *rows = load_csv(path);
    free(path);

    /* basic/EXPECTED.md, in its order (file order, then the no-data territories) */
    static const struct join_row expected[] = {
        {"indicateurs.csv", "Saint-Michel", "matched", "Saint-Michel", NULL},
        {"indicateurs.csv", "Cote-des-Neiges-Notre-Dame-de-Grace", "normalised", CDN, "accent"},
        {"indicateurs.csv", ILE_BIZARD, "matched", ILE_BIZARD, NULL},
        {"indicateurs.csv", "Pierrefond-Roxboro", "unmatched", "", "Pierrefonds-Roxboro"},
        {"indicateurs.csv", "Total", "unmatched", "", NULL},
        {"indicateurs.csv", "", "no-data", "Pierrefonds-Roxboro", NULL},
        {"indicateurs.csv", "", "no-data", "Verdun", NULL},
        {"partenaires.csv", "Saint-Michel", "matched", "Saint-Michel", "6 rows"},
        {"partenaires.csv", CDN, "matched", CDN, "3 rows"},
        {"partenaires.csv", "L\u2019\u00cele-Bizard", "normalised", ILE_BIZARD, "apostrophe"},
        {"partenaires.csv", "Pierrefonds-Roxboro", "matched", "Pierrefonds-Roxboro", NULL},
        {"partenaires.csv", "", "no-data", "Verdun", NULL},
    };
    const size_t n_expected = sizeof expected / sizeof expected[0];
    static const char *const header[] = {"table",         "source_key", "status",
                                         "territory_key", "note",       NULL};
    char **first = csv_row(rows, 0);
    ck_assert_uint_eq(g_strv_length(first), 5);
    for (int c = 0; header[c]; c++)
        ck_assert_str_eq(first[c], header[c]);

    /* header + 12 rows above + the 5 funding keys */
    ck_assert_uint_eq(rows->len, 1 + n_expected + 5);
    for (size_t i = 0; i < n_expected; i++) {
        char **row = csv_row(rows, i + 1);
        ck_assert_uint_eq(g_strv_length(row), 5);
        ck_assert_str_eq(row[0], expected[i].table);
        ck_assert_str_eq(row[1], expected[i].source_key);
        ck_assert_str_eq(row[2], expected[i].status);
        ck_assert_str_eq(row[3], expected[i].territory_key);
        if (expected[i].note_has)
            ck_assert_msg(strstr(row[4], expected[i].note_has) != NULL,
                          "note of %s/%s lacks '%s': %s", row[0], row[1], expected[i].note_has,
                          row[4]);
    }
    /* the normalised note says both what differed: accents and the dash */
    ck_assert_ptr_nonnull(strstr(csv_row(rows, 2)[4], "dash"));

    /* funding: each of the five names once, matched to itself */
    static const char *const names[] = {"Saint-Michel", CDN, ILE_BIZARD, "Pierrefonds-Roxboro",
                                        "Verdun"};
    for (int n = 0; n < 5; n++) {
        int seen = 0;
        for (guint i = 1 + n_expected; i < rows->len; i++) {
            char **row = csv_row(rows, i);
            ck_assert_str_eq(row[0], "financement.csv");
            ck_assert_str_eq(row[2], "matched");
            ck_assert_str_eq(row[1], row[3]);
            if (strcmp(row[1], names[n]) == 0)
                seen++;
        }
        ck_assert_msg(seen == 1, "financement.csv: %s appears %d times", names[n], seen);
    }
    g_ptr_array_free(rows, TRUE);
}
END_TEST

struct gap_row {
    const char *key, *risk_level, *months_funded, *shortfall, *families_reached;
    double coverage_rate; /* NAN: empty */
    const char *partners, *sectors, *reason_has;
};

static void assert_gap_rows(GPtrArray *rows, const struct gap_row *expected, size_t n)
{
    static const char *const header[] = {
        "key",           "name",     "risk_level", "months_funded", "shortfall", "families_reached",
        "coverage_rate", "partners", "sectors",    "risk_reasons",  NULL};
    char **first = csv_row(rows, 0);
    ck_assert_uint_eq(g_strv_length(first), 10);
    for (int c = 0; header[c]; c++)
        ck_assert_str_eq(first[c], header[c]);
    ck_assert_uint_eq(rows->len, n + 1);
    for (size_t i = 0; i < n; i++) {
        char **row = csv_row(rows, i + 1);
        ck_assert_uint_eq(g_strv_length(row), 10);
        ck_assert_str_eq(row[0], expected[i].key);
        ck_assert_str_eq(row[1], expected[i].key); /* key: nom, name: nom */
        ck_assert_str_eq(row[2], expected[i].risk_level);
        ck_assert_str_eq(row[3], expected[i].months_funded);
        ck_assert_str_eq(row[4], expected[i].shortfall);
        ck_assert_str_eq(row[5], expected[i].families_reached);
        if (isnan(expected[i].coverage_rate)) {
            ck_assert_str_eq(row[6], "");
        } else {
            char *end = NULL;
            double rate = strtod(row[6], &end);
            ck_assert_msg(row[6][0] && *end == '\0', "coverage_rate '%s' is not a plain number",
                          row[6]);
            ck_assert_double_eq_tol(rate, expected[i].coverage_rate, 1e-9);
        }
        ck_assert_str_eq(row[7], expected[i].partners);
        ck_assert_str_eq(row[8], expected[i].sectors);
        if (expected[i].reason_has)
            ck_assert_msg(strstr(row[9], expected[i].reason_has) != NULL,
                          "%s: risk_reasons lacks '%s': %s", row[0], expected[i].reason_has,
                          row[9]);
    }
}

START_TEST(test_basic_gap_report)
{
    const char *out_dir = run_fixture("basic/project.yaml", "out", NULL);
    char *path = ts_path_in(out_dir, "report/gap-report.csv");
    GPtrArray *rows = load_csv(path);
    free(path);
    /* basic/EXPECTED.md: B05, B03, B04, B02, B01 */
    const struct gap_row expected[] = {
        {"Verdun", "no-coordination", "0", "10863", "", NAN, "", "", NULL},
        {ILE_BIZARD, "at-risk", "6", "32411", "96", 12.0, "2", "1", "30 septembre 2026"},
        {"Pierrefonds-Roxboro", "at-risk", "3", "178", "", NAN, "1", "1", "30 juin 2026"},
        {CDN, "fragile", "15", "0", "1250", 25.0, "3", "3", "30 juin 2027"},
        {"Saint-Michel", "stable", "", "0", "360", 15.0, "6", "5", NULL},
    };
    assert_gap_rows(rows, expected, sizeof expected / sizeof expected[0]);
    g_ptr_array_free(rows, TRUE);
}
END_TEST

START_TEST(test_basic_geopackage)
{
    const char *out_dir = run_fixture("basic/project.yaml", "out", NULL);
    /* Read as SQLite: 16 KiB pages like the store, and a sound file. */
    char *gpkg_path = ts_path_in(out_dir, "covermap.gpkg");
    sqlite3 *gpkg_db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(gpkg_path, &gpkg_db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_query(gpkg_db, "PRAGMA page_size", "16384");
    assert_query(gpkg_db, "PRAGMA integrity_check", "ok");
    sqlite3_close(gpkg_db);
    free(gpkg_path);
    GDALDatasetH ds = open_gpkg(out_dir);
    OGRLayerH layer = territories_layer(ds);
    ck_assert_int_eq(OGR_L_GetFeatureCount(layer, TRUE), 5);
    OGRFieldType months = field_type(layer, "months_funded");
    ck_assert_msg(months == OFTInteger || months == OFTInteger64, "months_funded is type %d",
                  (int)months);
    ck_assert_int_eq(field_type(layer, "shortfall"), OFTReal);
    ck_assert_int_eq(field_type(layer, "coordination_funded_until"), OFTDate);
    assert_epsg(layer, "32188");

    char **names = layer_strings(layer, "name");
    ck_assert_uint_eq(g_strv_length(names), 5);
    static const char *const expected_names[] = {"Saint-Michel", CDN, ILE_BIZARD,
                                                 "Pierrefonds-Roxboro", "Verdun"};
    for (int i = 0; i < 5; i++)
        ck_assert_msg(strv_has(names, expected_names[i]), "name %s missing from the GeoPackage",
                      expected_names[i]);
    g_strfreev(names);

    /* B03: funded until 2026-09-30, 6 months, 32 411 $ short */
    OGRFeatureH f = feature_by_key(layer, ILE_BIZARD);
    ck_assert_int_eq(int_field(f, "months_funded"), 6);
    ck_assert_double_eq_tol(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "shortfall")), 32411.0,
                            0.5);
    int year = 0, month = 0, day = 0, hour, minute, tz;
    float second;
    ck_assert(OGR_F_GetFieldAsDateTimeEx(f, OGR_F_GetFieldIndex(f, "coordination_funded_until"),
                                         &year, &month, &day, &hour, &minute, &second, &tz));
    ck_assert_int_eq(year, 2026);
    ck_assert_int_eq(month, 9);
    ck_assert_int_eq(day, 30);
    OGR_F_Destroy(f);

    /* B01: open-ended coverage, so no month count and no end date (NULL, not 0) */
    f = feature_by_key(layer, "Saint-Michel");
    ck_assert(field_is_null(f, "months_funded"));
    ck_assert(field_is_null(f, "coordination_funded_until"));
    ck_assert_int_eq(int_field(f, "families_reached"), 360);
    OGR_F_Destroy(f);
    /* B05: no indicator row: families_reached is no data, not 0 */
    f = feature_by_key(layer, "Verdun");
    ck_assert(field_is_null(f, "families_reached"));
    ck_assert_int_eq(int_field(f, "months_funded"), 0);
    OGR_F_Destroy(f);
    GDALClose(ds);

    assert_validate_gpkg(out_dir);
}
END_TEST

START_TEST(test_basic_store)
{
    const char *out_dir = run_fixture("basic/project.yaml", "out", NULL);
    sqlite3 *db = open_store(out_dir);
    assert_query(db, "SELECT type FROM sqlite_master WHERE name = 'gap'", "table");
    assert_query(db, "SELECT type FROM sqlite_master WHERE name = 'joined'", "view");
    assert_query(db, "SELECT count(*) FROM gap", "5");
    assert_query(db, "SELECT count(*) FROM joined", "5");
    assert_query(db, "SELECT key FROM gap ORDER BY risk_rank, shortfall DESC, key",
                 "Verdun|" ILE_BIZARD "|Pierrefonds-Roxboro|" CDN "|Saint-Michel");
    assert_query(db, "SELECT coordination_funded_until FROM gap WHERE key = '" CDN "'",
                 "2027-06-30");
    /* B01: 6 partners per 2 400 children = 2.5 per 1 000 */
    assert_query(db,
                 "SELECT printf('%.1f', partners_per_1000_children) FROM gap"
                 " WHERE key = 'Saint-Michel'",
                 "2.5");
    assert_query(db, "SELECT value FROM run_info WHERE name = 'as_of'", "2026-04-01");
    assert_query(db, "SELECT count(*) FROM join_report WHERE status = 'unmatched'", "2");
    /* Pages of 16 KiB (bench/README.md), and a sound file. */
    assert_query(db, "PRAGMA page_size", "16384");
    assert_query(db, "PRAGMA integrity_check", "ok");
    /* The territories' spatial index (filled beside the maps or the reports) covers every
     * territory and passes SQLite's check, and the CRS in use is SpatiaLite's EPSG
     * definition. */
    assert_query(db,
                 "SELECT spatial_index_enabled FROM geometry_columns"
                 " WHERE f_table_name = 'territories'",
                 "1");
    assert_query(db, "SELECT count(*) FROM idx_territories_geom", "5");
    assert_query(db,
                 "SELECT count(*) FROM territories t JOIN idx_territories_geom i"
                 " ON i.pkid = t.rowid",
                 "5");
    assert_query(db, "SELECT rtreecheck('idx_territories_geom')", "ok");
    assert_query(db,
                 "SELECT auth_name || ':' || auth_srid FROM spatial_ref_sys"
                 " WHERE srid = (SELECT srid FROM geometry_columns"
                 " WHERE f_table_name = 'territories')",
                 "epsg:32188");
    sqlite3_close(db);
}
END_TEST

/* basic/ with every format: maps in PNG, SVG and PDF, the report in all four. */
static char *write_full_basic_project(void)
{
    char *path = ts_path_in(ts_temp_dir, "full.yaml");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    const char *d = ts_data_path("basic");
    fprintf(f,
            "title: \"Fixture basic, every format\"\n"
            "as_of: 2026-04-01\n"
            "territories: { source: '%s/territoires.geojson', key: nom, name: nom }\n"
            "data:\n"
            "  - { source: '%s/indicateurs.csv', key: territoire, role: indicators,\n"
            "      columns: { children_0_5: enfants_0_5, families_reached: familles_rejointes } }\n"
            "  - { source: '%s/partenaires.csv', key: territoire, role: partners,\n"
            "      columns: { name: organisme, sector: secteur } }\n"
            "  - { source: '%s/financement.csv', key: territoire, role: funding,\n"
            "      columns: { funder: bailleur, amount: montant_annuel, start: debut, end: fin,\n"
            "                 kind: type, coordination: coordination } }\n"
            "maps:\n"
            "  - { name: couverture, title: \"Couverture\", value: coverage_rate,\n"
            "      classes: { method: quantile, count: 3 }, formats: [png, svg, pdf] }\n"
            "  - { name: risque, title: \"Risque\", value: risk_level, formats: [png, svg, pdf] }\n"
            "report: { formats: [csv, md, html, pdf] }\n"
            "export: { geopackage: true }\n",
            d, d, d, d);
    fclose(f);
    return path;
}

static void assert_same_file(const char *dir_a, const char *dir_b, const char *relative)
{
    char *a = ts_path_in(dir_a, relative), *b = ts_path_in(dir_b, relative);
    size_t size_a = 0, size_b = 0;
    char *bytes_a = ts_read_file(a, &size_a), *bytes_b = ts_read_file(b, &size_b);
    ck_assert_msg(bytes_a && bytes_b, "%s missing", relative);
    ck_assert_msg(size_a == size_b && memcmp(bytes_a, bytes_b, size_a) == 0,
                  "%s differs between two runs", relative);
    free(bytes_a);
    free(bytes_b);
    free(a);
    free(b);
}

/* Compares every file of dir_a/sub with dir_b/sub; returns how many. */
static int assert_same_folder(const char *dir_a, const char *dir_b, const char *sub)
{
    char *folder = ts_path_in(dir_a, sub);
    DIR *d = opendir(folder);
    ck_assert_msg(d != NULL, "no folder %s", folder);
    int compared = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *relative = g_strdup_printf("%s/%s", sub, e->d_name);
        assert_same_file(dir_a, dir_b, relative);
        g_free(relative);
        compared++;
    }
    closedir(d);
    char *folder_b = ts_path_in(dir_b, sub);
    ck_assert_int_eq(ts_count_entries(folder_b), compared);
    free(folder_b);
    free(folder);
    return compared;
}

START_TEST(test_same_inputs_same_outputs)
{
    char *project = write_full_basic_project();
    char *first = ts_path_in(ts_temp_dir, "first"), *second = ts_path_in(ts_temp_dir, "second");
    run_ok(project, first, NULL);
    run_ok(project, second, NULL);
    /* 5 report files (csv x2, md, html, pdf), 2 maps x (png, pgw, png.aux.xml, svg, pdf,
     * qml, sld) */
    ck_assert_int_eq(assert_same_folder(first, second, "report"), 5);
    ck_assert_int_eq(assert_same_folder(first, second, "maps"), 14);
    /* the databases too: SpatiaLite and GDAL stamp them with the run's date */
    assert_same_file(first, second, "covermap.sqlite");
    assert_same_file(first, second, "covermap.gpkg");

    /* and basic/project.yaml itself, twice */
    char *third = ts_path_in(ts_temp_dir, "third"), *fourth = ts_path_in(ts_temp_dir, "fourth");
    run_ok(ts_data_path("basic/project.yaml"), third, NULL);
    run_ok(ts_data_path("basic/project.yaml"), fourth, NULL);
    ck_assert_int_eq(assert_same_folder(third, fourth, "report"), 2);
    /* 2 SVG maps and their QML and SLD styles */
    ck_assert_int_eq(assert_same_folder(third, fourth, "maps"), 6);
    g_free(project);
    free(first);
    free(second);
    free(third);
    free(fourth);
}
END_TEST

START_TEST(test_as_of_override)
{
    const char *out_dir = run_fixture("basic/project.yaml", "later", "--as-of 2026-10-01");
    char *path = ts_path_in(out_dir, "report/gap-report.csv");
    GPtrArray *rows = load_csv(path);
    free(path);
    /* as_of 2026-10-01, horizon 2026-10-01..2027-09-30 (365 days):
     * B03's project grant ended 2026-09-30: no-coordination, short all year = 65 000.
     * B02: 40 000 + 30 000 until 2027-06-30, 40 000 alone after: funded until 2027-06-30,
     *   2026-10-01 + 9 months = 2027-07-01 = D + 1, so 9 months; short 25 000 a year on
     *   2027-07-01..09-30 = 92 days: 92 x 25 000 / 365 = 6 301.37 -> 6301; at-risk.
     * B04: the open-ended grant from 2026-07-02 covers everything: stable.
     * B05: the 65 000 recurrent from 2026-06-01 is active: stable.
     * Order: B03 (no-coordination), B02 (at-risk), then the stable ones by families
     * reached (B01 360, then B04 and B05 unknown, by key). */
    const struct gap_row expected[] = {
        {ILE_BIZARD, "no-coordination", "0", "65000", "96", 12.0, "2", "1", NULL},
        {CDN, "at-risk", "9", "6301", "1250", 25.0, "3", "3", "30 juin 2027"},
        {"Saint-Michel", "stable", "", "0", "360", 15.0, "6", "5", NULL},
        {"Pierrefonds-Roxboro", "stable", "", "0", "", NAN, "1", "1", NULL},
        {"Verdun", "stable", "", "0", "", NAN, "", "", NULL},
    };
    assert_gap_rows(rows, expected, sizeof expected / sizeof expected[0]);
    g_ptr_array_free(rows, TRUE);

    sqlite3 *db = open_store(out_dir);
    assert_query(db, "SELECT value FROM run_info WHERE name = 'as_of'", "2026-10-01");
    assert_query(db, "SELECT value FROM run_info WHERE name = 'horizon_end'", "2027-10-01");
    sqlite3_close(db);
}
END_TEST

START_TEST(test_check_prints_and_writes_nothing)
{
    const char *data_dir = ts_data_path("basic");
    char data_copy[1024];
    snprintf(data_copy, sizeof data_copy, "%s", data_dir);
    int data_entries = ts_count_entries(data_copy);
    char *cmd = g_strdup_printf("cd '%s' && '%s' check '%s/project.yaml'", ts_temp_dir,
                                COVERMAP_BINARY, data_copy);
    char *out = NULL, *err = NULL;
    int status = ts_run(cmd, &out, &err);
    ck_assert_msg(status == 0, "check: exit %d: %s", status, err ? err : "");
    /* the normalised keys, the unmatched ones with the suggestion, the no-data territories */
    static const char *const expected[] = {"Cote-des-Neiges-Notre-Dame-de-Grace",
                                           "L\u2019\u00cele-Bizard",
                                           "Pierrefond-Roxboro",
                                           "Pierrefonds-Roxboro",
                                           "Total",
                                           "Verdun",
                                           NULL};
    for (int i = 0; expected[i]; i++)
        ck_assert_msg(strstr(out, expected[i]) != NULL, "check output lacks %s:\n%s", expected[i],
                      out);
    ck_assert_int_eq(ts_count_entries(ts_temp_dir), 0);
    ck_assert_int_eq(ts_count_entries(data_copy), data_entries);
    g_free(cmd);
    free(out);
    free(err);
}
END_TEST

/* ---- the other fixture folders ---- */

/* Every row of a join report has the given status; returns the number of rows. */
static guint join_statuses_all(const char *out_dir, const char *status)
{
    char *path = ts_path_in(out_dir, "report/join-report.csv");
    GPtrArray *rows = load_csv(path);
    free(path);
    for (guint i = 1; i < rows->len; i++) {
        char **row = csv_row(rows, i);
        ck_assert_msg(strcmp(row[2], status) == 0, "%s: %s is %s", row[0], row[1], row[2]);
    }
    guint n = rows->len - 1;
    g_ptr_array_free(rows, TRUE);
    return n;
}

START_TEST(test_cp1252_shapefile)
{
    const char *out_dir = run_fixture("cp1252_shp/project.yaml", "out", NULL);
    static const char *const names[] = {"\u00cele-Bizard\u2013Sainte-Genevi\u00e8ve",
                                        "L'\u00cele-Dorval", NULL};
    GDALDatasetH ds = open_gpkg(out_dir);
    OGRLayerH layer = territories_layer(ds);
    char **gpkg_names = layer_strings(layer, "name");
    for (int i = 0; names[i]; i++)
        ck_assert_msg(strv_has(gpkg_names, names[i]), "%s not in the GeoPackage", names[i]);
    g_strfreev(gpkg_names);
    GDALClose(ds);

    char *path = ts_path_in(out_dir, "report/gap-report.csv");
    GPtrArray *rows = load_csv(path);
    free(path);
    for (int i = 0; names[i]; i++) {
        int found = 0;
        for (guint r = 1; r < rows->len; r++)
            if (strcmp(csv_row(rows, r)[1], names[i]) == 0)
                found++;
        ck_assert_msg(found == 1, "%s appears %d times in gap-report.csv", names[i], found);
    }
    g_ptr_array_free(rows, TRUE);
    ck_assert_uint_eq(join_statuses_all(out_dir, "matched"), 4);
}
END_TEST

START_TEST(test_invalid_geometries_repaired)
{
    const char *out_dir = run_fixture("invalid_geom/project.yaml", "out", NULL);
    sqlite3 *db = open_store(out_dir);
    assert_query(db, "SELECT key FROM territory_repairs ORDER BY key", "Boucle|Papillon");
    assert_query(db, "SELECT key FROM territories WHERE repaired = 1 ORDER BY key",
                 "Boucle|Papillon");
    sqlite3_close(db);

    /* all four kept, valid, with the areas of tests/data/README.md */
    static const struct {
        const char *key;
        double area;
    } expected[] = {
        {"Papillon", 500000}, {"Boucle", 940000}, {"Trou\u00e9e", 840000}, {"Archipel", 1040000}};
    GDALDatasetH ds = open_gpkg(out_dir);
    OGRLayerH layer = territories_layer(ds);
    ck_assert_int_eq(OGR_L_GetFeatureCount(layer, TRUE), 4);
    for (int i = 0; i < 4; i++) {
        OGRFeatureH f = feature_by_key(layer, expected[i].key);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        ck_assert_msg(g != NULL, "%s has no geometry", expected[i].key);
        ck_assert_msg(OGR_G_IsValid(g), "%s is not valid in the GeoPackage", expected[i].key);
        ck_assert_double_eq_tol(OGR_G_Area(g), expected[i].area, 1.0);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    assert_validate_gpkg(out_dir);
}
END_TEST

START_TEST(test_lonlat)
{
    const char *out_dir = run_fixture("lonlat/project.yaml", "out", NULL);
    GDALDatasetH ds = open_gpkg(out_dir);
    OGRLayerH layer = territories_layer(ds);
    assert_epsg(layer, "4326");
    ck_assert_int_eq(OGR_L_GetFeatureCount(layer, TRUE), 4);
    GDALClose(ds);

    char *path = ts_path_in(out_dir, "report/join-report.csv");
    GPtrArray *rows = load_csv(path);
    free(path);
    int matched = 0, normalised = 0;
    for (guint i = 1; i < rows->len; i++) {
        char **row = csv_row(rows, i);
        if (strcmp(row[2], "matched") == 0) {
            matched++;
        } else {
            ck_assert_str_eq(row[2], "normalised");
            ck_assert_str_eq(row[1], "Villeray-Saint-Michel-Parc-Extension");
            ck_assert_str_eq(row[3], "Villeray\u2013Saint-Michel\u2013Parc-Extension");
            normalised++;
        }
    }
    ck_assert_int_eq(matched, 3);
    ck_assert_int_eq(normalised, 1);
    g_ptr_array_free(rows, TRUE);
    assert_validate_gpkg(out_dir);
}
END_TEST

START_TEST(test_gpkg_layer)
{
    const char *out_dir = run_fixture("gpkg_layer/project.yaml", "out", NULL);
    GDALDatasetH ds = open_gpkg(out_dir);
    OGRLayerH layer = territories_layer(ds);
    char **names = layer_strings(layer, "name");
    ck_assert_uint_eq(g_strv_length(names), 4);
    static const char *const expected[] = {"Rosemont", "Petite-Patrie", "Mile End", "Villeray"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(strv_has(names, expected[i]), "%s missing", expected[i]);
    g_strfreev(names);
    GDALClose(ds);
    ck_assert_uint_eq(join_statuses_all(out_dir, "matched"), 4);
}
END_TEST

START_TEST(test_tables_formats_agree)
{
    static const char *const projects[] = {"tables_formats/project.yaml",
                                           "tables_formats/project-xlsx.yaml",
                                           "tables_formats/project-ods.yaml"};
    char *dirs[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "out%d", i);
        dirs[i] = g_strdup(run_fixture(projects[i], name, NULL));
        /* every key of the three tables matched: one line per territory and table */
        ck_assert_uint_eq(join_statuses_all(dirs[i], "matched"), 12);
    }
    assert_same_file(dirs[0], dirs[1], "report/gap-report.csv");
    assert_same_file(dirs[0], dirs[2], "report/gap-report.csv");

    char *path = ts_path_in(dirs[0], "report/gap-report.csv");
    GPtrArray *rows = load_csv(path);
    free(path);
    /* tests/data/README.md, tables_formats/ expected, most at risk first */
    const struct gap_row expected[] = {
        {"Lachine", "no-coordination", "0", "5342", "150", 15.0, "2", "1", NULL},
        {"C\u00f4te-Saint-Luc", "at-risk", "6", "32411", "500", 25.0, "3", "3", NULL},
        {"Montr\u00e9al-Nord", "fragile", "21", "0", "1200", 25.0, "1", "1", NULL},
        {"\u00cele-Bizard\u2013Sainte-Genevi\u00e8ve", "stable", "24", "0", "200", 16.0, "2", "2",
         NULL},
    };
    assert_gap_rows(rows, expected, sizeof expected / sizeof expected[0]);
    g_ptr_array_free(rows, TRUE);
    for (int i = 0; i < 3; i++)
        g_free(dirs[i]);
}
END_TEST

START_TEST(test_nocrs_with_srs)
{
    const char *out_dir = run_fixture("nocrs/project-srs.yaml", "out", NULL);
    ck_assert_uint_eq(join_statuses_all(out_dir, "matched"), 4);
    GDALDatasetH ds = open_gpkg(out_dir);
    OGRLayerH layer = territories_layer(ds);
    assert_epsg(layer, "32188");
    ck_assert_int_eq(OGR_L_GetFeatureCount(layer, TRUE), 4);
    GDALClose(ds);
}
END_TEST

int main(void)
{
    GDALAllRegister();
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("run");
    tcase_add_checked_fixture(tc, ts_temp_setup, ts_temp_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_basic_join_report);
    tcase_add_test(tc, test_basic_gap_report);
    tcase_add_test(tc, test_basic_geopackage);
    tcase_add_test(tc, test_basic_store);
    tcase_add_test(tc, test_same_inputs_same_outputs);
    tcase_add_test(tc, test_as_of_override);
    tcase_add_test(tc, test_check_prints_and_writes_nothing);
    tcase_add_test(tc, test_cp1252_shapefile);
    tcase_add_test(tc, test_invalid_geometries_repaired);
    tcase_add_test(tc, test_lonlat);
    tcase_add_test(tc, test_gpkg_layer);
    tcase_add_test(tc, test_tables_formats_agree);
    tcase_add_test(tc, test_nocrs_with_srs);
    suite_add_tcase(s, tc);
    int status = ts_run_suite(s);
    GDALDestroy();
    return status;
}
