/* Ingest, called as a library: boundaries and tables written byte by byte into a
 * temp folder, read into an in-memory store, then checked row by row in SQL. */
#include <check.h>
#include <gdal.h>
#include <glib.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/error.h"
#include "covermap/ingest.h"
#include "covermap/project.h"
#include "covermap/store.h"
#include "test_support.h"

/* ---- boundaries ----------------------------------------------------------------- */

/* One GeoJSON feature: a square of `size` metres at (x, y) with the given properties. */
static void append_square(GString *json, const char *properties, double x, double y, double size)
{
    g_string_append_printf(json,
                           "%s{\"type\":\"Feature\",\"properties\":{%s},\"geometry\":{"
                           "\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],"
                           "[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}}",
                           json->str[json->len - 1] == '[' ? "" : ",\n", properties, x, y, x + size,
                           y, x + size, y + size, x, y + size, x, y);
}

static GString *feature_collection(const char *crs_name)
{
    GString *json = g_string_new("{\"type\":\"FeatureCollection\",");
    if (crs_name)
        g_string_append_printf(
            json, "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"%s\"}},", crs_name);
    g_string_append(json, "\"features\":[");
    return json;
}

static void write_collection(const char *name, GString *json)
{
    g_string_append(json, "]}\n");
    ts_write_in_temp(name, json->str);
    g_string_free(json, TRUE);
}

#define MTM8 "urn:ogc:def:crs:EPSG::32188"

/* Four 1 km squares side by side in EPSG:32188 (NAD83 / MTM zone 8), with a text,
 * an integer and a real attribute, one of them named like a covermap column. */
static void write_territories(const char *name)
{
    GString *json = feature_collection(MTM8);
    append_square(json,
                  "\"nom\":\"Saint-Michel\",\"libelle\":\"Arrondissement Saint-Michel\","
                  "\"code\":\"B01\",\"pop\":55000,\"superficie km2\":1.5,\"name\":\"SM\"",
                  295000, 5040000, 1000);
    append_square(json,
                  "\"nom\":\"Côte-des-Neiges–Notre-Dame-de-Grâce\",\"libelle\":\"CDN–NDG\","
                  "\"code\":\"B02\",\"pop\":166000,\"superficie km2\":21.4,\"name\":\"CDN\"",
                  296000, 5040000, 1000);
    append_square(json,
                  "\"nom\":\"L'Île-Bizard\",\"libelle\":\"L'Île-Bizard\",\"code\":\"B03\","
                  "\"pop\":15000,\"superficie km2\":23.6,\"name\":\"IB\"",
                  297000, 5040000, 1000);
    append_square(json,
                  "\"nom\":\"Pierrefonds-Roxboro\",\"libelle\":\"Pierrefonds\",\"code\":\"B04\","
                  "\"pop\":70000,\"superficie km2\":27.1,\"name\":\"PR\"",
                  298000, 5040000, 1000);
    write_collection(name, json);
}

/* Squares written through OGR (for formats that are not text), with no CRS when
 * epsg is 0. Keys are "Quartier-00001"..., names "Nom 1"... */
/* A new dataset `name` (in the temp folder) with one layer "quartiers" of `type`
 * and a text field "nom"; epsg 0: no CRS. Close *ds with GDALClose. */
static OGRLayerH create_quartiers(const char *driver, const char *name, int epsg,
                                  OGRwkbGeometryType type, GDALDatasetH *ds)
{
    GDALDriverH drv = GDALGetDriverByName(driver);
    ck_assert_ptr_nonnull(drv);
    *ds = GDALCreate(drv, ts_in_temp(name), 0, 0, 0, GDT_Unknown, NULL);
    ck_assert_ptr_nonnull(*ds);
    OGRSpatialReferenceH srs = NULL;
    if (epsg) {
        srs = OSRNewSpatialReference(NULL);
        ck_assert_int_eq(OSRImportFromEPSG(srs, epsg), OGRERR_NONE);
    }
    OGRLayerH layer = GDALDatasetCreateLayer(*ds, "quartiers", srs, type, NULL);
    ck_assert_ptr_nonnull(layer);
    if (srs)
        OSRDestroySpatialReference(srs);
    OGRFieldDefnH field = OGR_Fld_Create("nom", OFTString);
    ck_assert_int_eq(OGR_L_CreateField(layer, field, TRUE), OGRERR_NONE);
    OGR_Fld_Destroy(field);
    return layer;
}

static void write_squares_ogr(const char *driver, const char *name, int epsg, int count)
{
    GDALDatasetH ds = NULL;
    OGRLayerH layer = create_quartiers(driver, name, epsg, wkbPolygon, &ds);
    /* GeoPackage: one transaction (fast); Shapefile has none. */
    bool in_transaction = GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE;
    for (int i = 0; i < count; i++) {
        OGRFeatureH feature = OGR_F_Create(OGR_L_GetLayerDefn(layer));
        char key[64];
        snprintf(key, sizeof key, "Quartier-%05d", i + 1);
        OGR_F_SetFieldString(feature, 0, key);
        double x = 295000 + (i % 200) * 100.0, y = 5040000 + (i / 200) * 100.0;
        char wkt[256];
        snprintf(wkt, sizeof wkt, "POLYGON((%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f))", x,
                 y, x + 100, y, x + 100, y + 100, x, y + 100, x, y);
        char *cursor = wkt;
        OGRGeometryH polygon = NULL;
        ck_assert_int_eq(OGR_G_CreateFromWkt(&cursor, NULL, &polygon), OGRERR_NONE);
        OGR_F_SetGeometryDirectly(feature, polygon);
        ck_assert_int_eq(OGR_L_CreateFeature(layer, feature), OGRERR_NONE);
        OGR_F_Destroy(feature);
    }
    if (in_transaction)
        ck_assert_int_eq(GDALDatasetCommitTransaction(ds), OGRERR_NONE);
    GDALClose(ds);
}

/* ---- project and store ------------------------------------------------------------- */

static const char *const default_territories = "territories:\n"
                                               "  source: territoires.geojson\n"
                                               "  key: nom\n"
                                               "  name: libelle\n";

/* Writes projet.yaml (title and as_of, then body) and loads it; asserts success. */
static cm_project *load_project(const char *body)
{
    GString *yaml = g_string_new("title: \"Test\"\nas_of: 2026-04-01\n");
    g_string_append(yaml, body);
    ts_write_in_temp("projet.yaml", yaml->str);
    g_string_free(yaml, TRUE);
    cm_project *project = NULL;
    cm_error err = {0};
    cm_status st = cm_project_load(ts_in_temp("projet.yaml"), &project, &err);
    char text[2048];
    cm_error_format(&err, text, sizeof text);
    ck_assert_msg(st == CM_OK, "project: %s", text);
    return project;
}

static cm_store *new_store(void)
{
    cm_store *store = NULL;
    cm_error err = {0};
    ck_assert_int_eq(cm_store_create(":memory:", &store, &err), CM_OK);
    return store;
}

static void assert_ok(cm_status st, const cm_error *err)
{
    char text[2048];
    cm_error_format(err, text, sizeof text);
    ck_assert_msg(st == CM_OK, "expected success, got %s: %s", cm_status_name(st), text);
}

/* Store with the default territories and the tables of `data` (a YAML `data:` block). */
static cm_status ingest(const char *data, cm_project **project, cm_store **store, cm_error *err)
{
    write_territories("territoires.geojson");
    GString *body = g_string_new(default_territories);
    g_string_append(body, data);
    *project = load_project(body->str);
    g_string_free(body, TRUE);
    *store = new_store();
    cm_territory_summary summary;
    cm_status st = cm_ingest_territories(*store, *project, &summary, NULL, err);
    assert_ok(st, err);
    return cm_ingest_tables(*store, *project, NULL, err);
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

static void expect_info(cm_store *store, const char *name, const char *expected)
{
    char *value = cm_store_get_info(store, name);
    ck_assert_ptr_nonnull(value);
    ck_assert_str_eq(value, expected);
    free(value);
}

static void expect_contains(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "\"%s\" does not contain \"%s\"", text, part);
}

static bool table_exists(cm_store *store, const char *name)
{
    char *sql = sqlite3_mprintf("SELECT count(*) FROM sqlite_master WHERE name = %Q", name);
    char *got = query_rows(store, sql);
    sqlite3_free(sql);
    bool exists = strcmp(got, "1\n") == 0;
    free(got);
    return exists;
}

static void release(cm_project *project, cm_store *store)
{
    cm_store_close(store);
    cm_project_free(project);
}

/* ---- territories ------------------------------------------------------------------- */

START_TEST(test_territories_stored)
{
    write_territories("territoires.geojson");
    cm_project *project = load_project(default_territories);
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    ck_assert_uint_eq(summary.territory_count, 4);
    ck_assert_uint_eq(summary.repaired_count, 0);
    ck_assert_int_eq(summary.srid, 32188);
    ck_assert_int_eq(summary.geographic, 0);
    expect_contains(summary.srs_name, "MTM zone 8");
    /* Every attribute kept with its type; "name" collides with ours: src_name. */
    expect_rows(store, "SELECT name, type FROM pragma_table_info('territories') ORDER BY cid",
                "fid|INTEGER\nkey|TEXT\nname|TEXT\nkey_folded|TEXT\nrepaired|INTEGER\n"
                "nom|TEXT\nlibelle|TEXT\ncode|TEXT\npop|INTEGER\nsuperficie km2|REAL\n"
                "src_name|TEXT\ngeom|MULTIPOLYGON\n");
    expect_rows(store,
                "SELECT key, name, key_folded, repaired, code, pop, \"superficie km2\", src_name, "
                "SRID(geom), ST_Area(geom), GeometryType(geom) FROM territories ORDER BY fid",
                "Saint-Michel|Arrondissement Saint-Michel|saintmichel|0|B01|55000|1.5|SM|32188|"
                "1000000.0|MULTIPOLYGON\n"
                "Côte-des-Neiges–Notre-Dame-de-Grâce|CDN–NDG|cotedesneigesnotredamedegrace|0|B02|"
                "166000|21.4|CDN|32188|1000000.0|MULTIPOLYGON\n"
                "L'Île-Bizard|L'Île-Bizard|lilebizard|0|B03|15000|23.6|IB|32188|1000000.0|"
                "MULTIPOLYGON\n"
                "Pierrefonds-Roxboro|Pierrefonds|pierrefondsroxboro|0|B04|70000|27.1|PR|32188|"
                "1000000.0|MULTIPOLYGON\n");
    expect_rows(store, "SELECT count(*) FROM territory_repairs", "0\n");
    expect_info(store, "srid", "32188");
    expect_info(store, "geographic", "0");
    expect_info(store, "territories_source", "territoires.geojson");
    /* The spatial index is declared, empty until filled, as store.h promises. */
    expect_rows(store,
                "SELECT spatial_index_enabled FROM geometry_columns "
                "WHERE f_table_name = 'territories'",
                "1\n");
    expect_rows(store, "SELECT count(*) FROM idx_territories_geom", "0\n");
    release(project, store);
}
END_TEST

/* A table "probe" given its geometry column and spatial index by SpatiaLite's own
 * functions, with the territories' geometries when asked: what the ingest's store
 * should look like. */
static void add_probe(cm_store *store, bool with_rows)
{
    cm_error err = {0};
    assert_ok(cm_store_exec(store,
                            "CREATE TABLE probe(fid INTEGER PRIMARY KEY);"
                            "SELECT AddGeometryColumn('probe', 'geom', 32188, 'MULTIPOLYGON', "
                            "'XY');",
                            &err),
              &err);
    if (with_rows)
        assert_ok(
            cm_store_exec(store, "INSERT INTO probe SELECT fid, geom FROM territories;", &err),
            &err);
    assert_ok(cm_store_exec(store, "SELECT CreateSpatialIndex('probe', 'geom');", &err), &err);
}

/* Filled, the index holds the boxes SpatiaLite's own build gives (the same rows
 * indexed by CreateSpatialIndex in another table), passes SQLite's check, answers
 * SpatiaLite's SpatialIndex queries, and SpatiaLite's triggers keep it up to date. */
START_TEST(test_spatial_index_filled)
{
    cm_project *project = NULL;
    cm_store *store = NULL;
    cm_error err = {0};
    assert_ok(ingest("", &project, &store, &err), &err);
    add_probe(store, true);
    assert_ok(cm_store_fill_spatial_index(store, "territories", &err), &err);
    char *expected = query_rows(store, "SELECT pkid, xmin, xmax, ymin, ymax FROM idx_probe_geom "
                                       "ORDER BY pkid");
    ck_assert_int_gt(strlen(expected), 10);
    expect_rows(store,
                "SELECT pkid, xmin, xmax, ymin, ymax FROM idx_territories_geom ORDER BY pkid",
                expected);
    free(expected);
    expect_rows(store, "SELECT rtreecheck('idx_territories_geom')", "ok\n");
    /* Saint-Michel's square, found through SpatiaLite's own index lookup. */
    expect_rows(store,
                "SELECT key FROM territories WHERE ROWID IN (SELECT ROWID FROM SpatialIndex "
                "WHERE f_table_name = 'territories' AND search_frame = "
                "BuildMbr(295100, 5040100, 295200, 5040200, 32188))",
                "Saint-Michel\n");
    assert_ok(cm_store_exec(store,
                            "INSERT INTO territories(key, geom) VALUES ('N', "
                            "CastToMultiPolygon(BuildMbr(400000, 5100000, 400100, 5100100, "
                            "32188)))",
                            &err),
              &err);
    expect_rows(store, "SELECT count(*) FROM idx_territories_geom WHERE xmin >= 400000", "1\n");
    expect_rows(store, "SELECT rtreecheck('idx_territories_geom')", "ok\n");
    /* Filled once: a second fill is refused rather than doubling the index. */
    cm_error_clear(&err);
    ck_assert_int_eq(cm_store_fill_spatial_index(store, "territories", &err), CM_ERR_SQL);
    release(project, store);
}
END_TEST

/* The copy goes without SpatiaLite's per-row triggers; afterwards the table has
 * the same triggers as one given its geometry column and spatial index the usual
 * way, they refuse a geometry of another type again, and the insert time stamp was
 * written. */
START_TEST(test_territories_keep_spatialite_triggers)
{
    cm_project *project = NULL;
    cm_store *store = NULL;
    cm_error err = {0};
    assert_ok(ingest("", &project, &store, &err), &err);
    add_probe(store, false);
    char *expected = query_rows(store, "SELECT replace(sql, 'probe', 'territories') "
                                       "FROM sqlite_master WHERE type = 'trigger' "
                                       "AND tbl_name = 'probe' ORDER BY name");
    ck_assert_ptr_nonnull(strstr(expected, "GeometryConstraints"));
    ck_assert_ptr_nonnull(strstr(expected, "idx_territories_geom")); /* the index's own */
    expect_rows(store,
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'territories' ORDER BY name",
                expected);
    free(expected);
    sqlite3 *db = cm_store_db(store);
    char *message = NULL;
    ck_assert_int_ne(sqlite3_exec(db,
                                  "INSERT INTO territories(key, geom) VALUES "
                                  "('P', MakePoint(295000, 5040000, 32188))",
                                  NULL, NULL, &message),
                     SQLITE_OK);
    ck_assert_ptr_nonnull(message);
    expect_contains(message, "violates Geometry constraint");
    sqlite3_free(message);
    expect_rows(store,
                "SELECT last_insert NOT LIKE '0000%' FROM geometry_columns_time "
                "WHERE f_table_name = 'territories'",
                "1\n");
    release(project, store);
}
END_TEST

/* A GeoPackage boundary made of arcs is stored as lines (a polygon of many vertices,
 * close to the circle's area); a straight one beside it keeps its four corners. */
START_TEST(test_curves_become_lines)
{
    GDALDatasetH ds = NULL;
    OGRLayerH layer = create_quartiers("GPKG", "courbes.gpkg", 32188, wkbCurvePolygon, &ds);
    const char *const shapes[][2] = {
        {"Rond", "CURVEPOLYGON(CIRCULARSTRING(295000 5040000,296000 5040000,295000 5040000))"},
        {"Carre", "POLYGON((297000 5040000,297100 5040000,297100 5040100,297000 5040100,"
                  "297000 5040000))"}};
    for (int i = 0; i < 2; i++) {
        OGRFeatureH feature = OGR_F_Create(OGR_L_GetLayerDefn(layer));
        OGR_F_SetFieldString(feature, 0, shapes[i][0]);
        char *cursor = (char *)shapes[i][1];
        OGRGeometryH geometry = NULL;
        ck_assert_int_eq(OGR_G_CreateFromWkt(&cursor, NULL, &geometry), OGRERR_NONE);
        OGR_F_SetGeometryDirectly(feature, geometry);
        ck_assert_int_eq(OGR_L_CreateFeature(layer, feature), OGRERR_NONE);
        OGR_F_Destroy(feature);
    }
    GDALClose(ds);

    cm_project *project =
        load_project("territories:\n  source: courbes.gpkg\n  key: nom\n  name: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    ck_assert_uint_eq(summary.territory_count, 2);
    /* A circle of diameter 1 000 m: pi / 4 km2, within a percent once made of lines. */
    expect_rows(store,
                "SELECT key, GeometryType(geom), NumPoints(ExteriorRing(GeometryN(geom, 1))) > "
                "20, abs(ST_Area(geom) / (pi() * 250000) - 1) < 0.01 FROM territories "
                "WHERE key = 'Rond'",
                "Rond|MULTIPOLYGON|1|1\n");
    expect_rows(store,
                "SELECT key, NumPoints(ExteriorRing(GeometryN(geom, 1))), ST_Area(geom) "
                "FROM territories WHERE key = 'Carre'",
                "Carre|5|10000.0\n");
    release(project, store);
}
END_TEST

START_TEST(test_territory_repaired)
{
    GString *json = feature_collection(MTM8);
    append_square(json, "\"nom\":\"Carré\"", 295000, 5040000, 1000);
    /* A bowtie: the ring crosses itself at (300500, 5040500). */
    g_string_append(json,
                    ",\n{\"type\":\"Feature\",\"properties\":{\"nom\":\"Noeud\"},"
                    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[300000,5040000],"
                    "[301000,5041000],[301000,5040000],[300000,5041000],[300000,5040000]]]}}");
    write_collection("territoires.geojson", json);
    cm_project *project = load_project("territories:\n  source: territoires.geojson\n  key: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    ck_assert_uint_eq(summary.territory_count, 2);
    ck_assert_uint_eq(summary.repaired_count, 1);
    /* Kept, valid, both triangles (2 x 1000 x 500 / 2 m²), and listed. */
    expect_rows(store,
                "SELECT key, name, repaired, ST_IsValid(geom), ST_NumGeometries(geom), "
                "ST_Area(geom) FROM territories ORDER BY key",
                "Carré|Carré|0|1|1|1000000.0\nNoeud|Noeud|1|1|2|500000.0\n");
    expect_rows(store, "SELECT key, note FROM territory_repairs",
                "Noeud|invalid geometry (self-intersection or touching ring) made valid\n");
    release(project, store);
}
END_TEST

static bool core_always_free(const void *context)
{
    (void)context;
    return true;
}

/* The territories of 'territoires.geojson' stored with their checks on one thread or
 * shared with a second: every column of every row, in rowid order. */
static char *stored_territories(const cm_project *project, bool shared, size_t *repaired)
{
    cm_store *store = new_store();
    cm_boundaries_opening *opening = NULL;
    cm_error err = {0};
    assert_ok(cm_boundaries_open_start(project, false, &opening, &err), &err);
    if (shared)
        cm_boundaries_share_core(opening, core_always_free, NULL);
    cm_territory_summary summary;
    assert_ok(cm_ingest_opened_territories(store, opening, &summary, NULL, &err), &err);
    *repaired = summary.repaired_count;
    char *rows = query_rows(store, "SELECT rowid, key, name, repaired, hex(geom) FROM territories "
                                   "ORDER BY rowid");
    char *repairs = query_rows(store, "SELECT key, note FROM territory_repairs ORDER BY rowid");
    char *both = g_strconcat(rows, repairs, NULL);
    free(rows);
    free(repairs);
    cm_store_close(store);
    return both;
}

START_TEST(test_geometry_checks_shared_with_a_second_thread)
{
    /* 150 squares (batches, and the helper's parts of them, of uneven sizes), every seventh a
     * bowtie to repair, one without a geometry. */
    GString *json = feature_collection(MTM8);
    for (int i = 0; i < 150; i++) {
        char properties[64];
        snprintf(properties, sizeof properties, "\"nom\":\"T%03d\"", i);
        double x = 290000 + (i % 15) * 2000, y = 5030000 + (i / 15) * 2000;
        if (i == 77) {
            g_string_append_printf(json,
                                   "%s{\"type\":\"Feature\",\"properties\":{%s},"
                                   "\"geometry\":null}",
                                   i ? ",\n" : "", properties);
        } else if (i % 7 == 3) {
            g_string_append_printf(json,
                                   "%s{\"type\":\"Feature\",\"properties\":{%s},"
                                   "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],"
                                   "[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}",
                                   i ? ",\n" : "", properties, x, y, x + 1000, y + 1000, x + 1000,
                                   y, x, y + 1000, x, y);
        } else {
            append_square(json, properties, x, y, 1000);
        }
    }
    write_collection("territoires.geojson", json);
    cm_project *project = load_project("territories:\n  source: territoires.geojson\n  key: nom\n");
    size_t repaired_alone, repaired_shared;
    char *alone = stored_territories(project, false, &repaired_alone);
    char *shared = stored_territories(project, true, &repaired_shared);
    ck_assert_uint_eq(repaired_alone, 21);
    ck_assert_uint_eq(repaired_shared, repaired_alone);
    ck_assert_str_eq(shared, alone);
    ck_assert_ptr_nonnull(strstr(alone, "T003|invalid geometry"));
    ck_assert_ptr_nonnull(strstr(alone, "T077|no geometry in the source"));
    free(alone);
    free(shared);
    cm_project_free(project);
}
END_TEST

START_TEST(test_points_refused)
{
    ts_write_in_temp(
        "points.geojson",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
        "{\"name\":\"" MTM8 "\"}},\"features\":[{\"type\":\"Feature\",\"properties\":"
        "{\"nom\":\"A\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[295000,5040000]}},"
        "{\"type\":\"Feature\",\"properties\":{\"nom\":\"B\"},\"geometry\":{\"type\":"
        "\"Point\",\"coordinates\":[296000,5040000]}}]}\n");
    cm_project *project = load_project("territories:\n  source: points.geojson\n  key: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    ck_assert_int_eq(cm_ingest_territories(store, project, &summary, NULL, &err), CM_ERR_INPUT);
    ck_assert_int_eq(err.status, CM_ERR_INPUT);
    ck_assert_str_eq(err.file, "points.geojson");
    expect_contains(err.message, "Point");
    expect_contains(err.message, "polygons");
    ck_assert(!table_exists(store, "territories"));
    release(project, store);
}
END_TEST

START_TEST(test_no_crs_refused_srs_override_accepted)
{
    write_squares_ogr("ESRI Shapefile", "quartiers.shp", 0, 3);
    ck_assert(!ts_file_exists(ts_in_temp("quartiers.prj")));
    cm_project *project = load_project("territories:\n  source: quartiers.shp\n  key: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    ck_assert_int_eq(cm_ingest_territories(store, project, &summary, NULL, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.file, "quartiers.shp");
    expect_contains(err.message, "no coordinate reference system");
    expect_contains(err.hint, "srs:");
    ck_assert(!table_exists(store, "territories"));
    release(project, store);

    project = load_project("territories:\n  source: quartiers.shp\n  key: nom\n"
                           "  srs: EPSG:32188\n");
    store = new_store();
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    ck_assert_uint_eq(summary.territory_count, 3);
    ck_assert_int_eq(summary.srid, 32188);
    ck_assert_int_eq(summary.geographic, 0);
    expect_rows(store, "SELECT key, name, SRID(geom), ST_Area(geom) FROM territories ORDER BY key",
                "Quartier-00001|Quartier-00001|32188|10000.0\n"
                "Quartier-00002|Quartier-00002|32188|10000.0\n"
                "Quartier-00003|Quartier-00003|32188|10000.0\n");
    expect_info(store, "srid", "32188");
    release(project, store);
}
END_TEST

START_TEST(test_duplicate_territory_key_refused)
{
    GString *json = feature_collection(MTM8);
    append_square(json, "\"nom\":\"Saint-Michel\"", 295000, 5040000, 1000);
    append_square(json, "\"nom\":\"Ahuntsic\"", 296000, 5040000, 1000);
    append_square(json, "\"nom\":\"Saint-Michel\"", 297000, 5040000, 1000);
    write_collection("territoires.geojson", json);
    cm_project *project = load_project("territories:\n  source: territoires.geojson\n  key: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    ck_assert_int_eq(cm_ingest_territories(store, project, &summary, NULL, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.file, "territoires.geojson");
    ck_assert_str_eq(err.field, "nom");
    expect_contains(err.message, "duplicate key Saint-Michel");
    release(project, store);
}
END_TEST

START_TEST(test_lonlat_source)
{
    /* A GeoJSON without a crs member is longitude/latitude (RFC 7946). */
    GString *json = feature_collection(NULL);
    append_square(json, "\"nom\":\"Ouest\"", -73.70, 45.50, 0.01);
    append_square(json, "\"nom\":\"Est\"", -73.69, 45.50, 0.01);
    write_collection("arrondissements.geojson", json);
    cm_project *project =
        load_project("territories:\n  source: arrondissements.geojson\n  key: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    ck_assert_uint_eq(summary.territory_count, 2);
    ck_assert_int_eq(summary.srid, 4326);
    ck_assert_int_eq(summary.geographic, 1);
    expect_info(store, "geographic", "1");
    expect_info(store, "srid", "4326");
    expect_rows(store,
                "SELECT key, SRID(geom), round(ST_MinX(geom), 2) FROM territories "
                "ORDER BY key",
                "Est|4326|-73.69\nOuest|4326|-73.7\n");
    release(project, store);
}
END_TEST

/* Districts in lon/lat whose corners are the MTM points below, so that once
 * projected back they are these rectangles again (to a millimetre). */
static void write_lonlat_districts(const char *name)
{
    static const struct {
        const char *key, *name;
        double x0, x1;
    } districts[] = {{"D1", "Circonscription A", 294000, 296700},
                     {"D2", "Circonscription B", 296700, 300000}};
    OGRSpatialReferenceH mtm = OSRNewSpatialReference(NULL);
    OGRSpatialReferenceH wgs84 = OSRNewSpatialReference(NULL);
    ck_assert_int_eq(OSRImportFromEPSG(mtm, 32188), OGRERR_NONE);
    ck_assert_int_eq(OSRImportFromEPSG(wgs84, 4326), OGRERR_NONE);
    OSRSetAxisMappingStrategy(mtm, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(wgs84, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH to_lonlat = OCTNewCoordinateTransformation(mtm, wgs84);
    ck_assert_ptr_nonnull(to_lonlat);
    GString *json = feature_collection(NULL);
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
    write_collection(name, json);
    OCTDestroyCoordinateTransformation(to_lonlat);
    OSRDestroySpatialReference(mtm);
    OSRDestroySpatialReference(wgs84);
}

START_TEST(test_districts_projected_to_territories_crs)
{
    write_territories("territoires.geojson");
    write_lonlat_districts("circonscriptions.geojson");
    GString *body = g_string_new(default_territories);
    g_string_append(body, "districts:\n  source: circonscriptions.geojson\n  key: code\n"
                          "  name: nom\n");
    cm_project *project = load_project(body->str);
    g_string_free(body, TRUE);
    cm_store *store = new_store();
    cm_territory_summary summary, districts;
    cm_error err = {0};
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    assert_ok(cm_ingest_districts(store, project, &districts, &err), &err);
    ck_assert_uint_eq(districts.territory_count, 2);
    expect_rows(store,
                "SELECT key, name, SRID(geom), round(ST_MinX(geom), 2), round(ST_MaxX(geom), 2), "
                "round(ST_MinY(geom), 2), round(ST_MaxY(geom), 2), round(ST_Area(geom)) "
                "FROM districts ORDER BY key",
                "D1|Circonscription A|32188|294000.0|296700.0|5039000.0|5042000.0|8100000.0\n"
                "D2|Circonscription B|32188|296700.0|300000.0|5039000.0|5042000.0|9900000.0\n");
    expect_rows(store, "SELECT srid FROM geometry_columns WHERE f_table_name = 'districts'",
                "32188\n");
    expect_info(store, "districts_source", "circonscriptions.geojson");
    release(project, store);
}
END_TEST

START_TEST(test_no_districts_is_nothing)
{
    write_territories("territoires.geojson");
    cm_project *project = load_project(default_territories);
    cm_store *store = new_store();
    cm_territory_summary summary, districts;
    cm_error err = {0};
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    assert_ok(cm_ingest_districts(store, project, &districts, &err), &err);
    ck_assert_uint_eq(districts.territory_count, 0);
    ck_assert(!table_exists(store, "districts"));
    release(project, store);
}
END_TEST

/* ---- tables: separators, encodings, quoting ------------------------------------------ */

START_TEST(test_separators)
{
    ts_write_in_temp("point-virgule.csv", "territoire;enfants_0_5;familles\r\n"
                                          "Saint-Michel;1200;300\r\n"
                                          "Pierrefonds-Roxboro;12,0;40\r\n");
    ts_write_in_temp("virgule.csv", "territoire,enfants_0_5,familles\n"
                                    "Saint-Michel,1201,301\n"
                                    "Pierrefonds-Roxboro,\"1,200\",41\n");
    ts_write_in_temp("tabulation.tsv", "territoire\tenfants_0_5\tfamilles\n"
                                       "Saint-Michel\t1202\t302\n"
                                       "Pierrefonds-Roxboro\t1 200\t42\n");
    ts_write_in_temp("tabulation.txt", "territoire\tenfants_0_5\tfamilles\n"
                                       "Saint-Michel\t1203\t303\n"
                                       "Pierrefonds-Roxboro\t12\t43\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st =
        ingest("data:\n"
               "  - source: point-virgule.csv\n    key: territoire\n"
               "    columns: { children_0_5: enfants_0_5, families_reached: familles }\n"
               "  - source: virgule.csv\n    key: territoire\n"
               "    columns: { children_0_5: enfants_0_5, families_reached: familles }\n"
               "  - source: tabulation.tsv\n    key: territoire\n"
               "    columns: { children_0_5: enfants_0_5, families_reached: familles }\n"
               "  - source: tabulation.txt\n    key: territoire\n"
               "    columns: { children_0_5: enfants_0_5, families_reached: familles }\n",
               &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store, "SELECT n, source, role, table_name FROM data_tables ORDER BY n",
                "1|point-virgule.csv|indicators|table_1\n2|virgule.csv|indicators|table_2\n"
                "3|tabulation.tsv|indicators|table_3\n4|tabulation.txt|indicators|table_4\n");
    const char *select = "SELECT line, source_key, children_0_5, families_reached, "
                         "territory_key, match_status FROM table_%d ORDER BY line";
    /* The keys are joined as the rows are stored. */
    const char *expected[] = {"2|Saint-Michel|1200|300|Saint-Michel|matched\n"
                              "3|Pierrefonds-Roxboro|12|40|Pierrefonds-Roxboro|matched\n",
                              /* commas separate fields: "1,200" is twelve hundred */
                              "2|Saint-Michel|1201|301|Saint-Michel|matched\n"
                              "3|Pierrefonds-Roxboro|1200|41|Pierrefonds-Roxboro|matched\n",
                              "2|Saint-Michel|1202|302|Saint-Michel|matched\n"
                              "3|Pierrefonds-Roxboro|1200|42|Pierrefonds-Roxboro|matched\n",
                              "2|Saint-Michel|1203|303|Saint-Michel|matched\n"
                              "3|Pierrefonds-Roxboro|12|43|Pierrefonds-Roxboro|matched\n"};
    for (int n = 1; n <= 4; n++) {
        char sql[256];
        snprintf(sql, sizeof sql, select, n);
        expect_rows(store, sql, expected[n - 1]);
    }
    release(project, store);
}
END_TEST

START_TEST(test_utf8_with_and_without_bom)
{
    ts_write_in_temp("bom.csv",
                     "\xEF\xBB\xBFterritoire;enfants_0_5\n"
                     "C\xC3\xB4te-des-Neiges\xE2\x80\x93Notre-Dame-de-Gr\xC3\xA2\x63\x65;10\n");
    ts_write_in_temp("sans-bom.csv",
                     "territoire;organisme;commentaire g\xC3\xA9n\xC3\xA9ral\n"
                     "L'\xC3\x8Ele-Bizard;Biblioth\xC3\xA8que;d\xC3\xA9j\xC3\xA0 vu\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st = ingest("data:\n"
                          "  - source: bom.csv\n    key: territoire\n"
                          "    columns: { children_0_5: enfants_0_5 }\n"
                          "  - source: sans-bom.csv\n    key: territoire\n    role: partners\n"
                          "    columns: { name: organisme }\n",
                          &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store, "SELECT line, source_key, source_key_folded, children_0_5 FROM table_1",
                "2|Côte-des-Neiges–Notre-Dame-de-Grâce|cotedesneigesnotredamedegrace|10\n");
    expect_rows(store, "SELECT line, source_key, name, \"commentaire général\" FROM table_2",
                "2|L'Île-Bizard|Bibliothèque|déjà vu\n");
    release(project, store);
}
END_TEST

START_TEST(test_cp1252_detected)
{
    /* \x96 is an en dash, \xC9 É, \xE9 é, \xF4 ô, \xE2 â in CP1252 (invalid UTF-8). */
    ts_write_in_temp("partenaires.csv",
                     "territoire;organisme;secteur d'activit\xE9\r\n"
                     "C\xF4te-des-Neiges\x96Notre-Dame-de-Gr\xE2\x63\x65;\xC9\x63ole Saint-Luc;"
                     "\xE9\x64ucation\r\n"
                     "Saint-Michel;Caf\xE9 \xAB jeunesse \xBB;communautaire\r\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st = ingest("data:\n"
                          "  - source: partenaires.csv\n    key: territoire\n    role: partners\n"
                          "    columns: { name: organisme }\n",
                          &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store,
                "SELECT line, source_key, name, \"secteur d'activité\" FROM table_1 "
                "ORDER BY line",
                "2|Côte-des-Neiges–Notre-Dame-de-Grâce|École Saint-Luc|éducation\n"
                "3|Saint-Michel|Café « jeunesse »|communautaire\n");
    release(project, store);
}
END_TEST

START_TEST(test_explicit_encoding)
{
    /* \xA4 is the euro sign in ISO-8859-15 but a currency sign (¤) in CP1252, so
     * the result tells whether the project's encoding: was used. */
    ts_write_in_temp("partenaires.csv", "territoire;organisme\n"
                                        "Saint-Michel;Caisse \xA4 d\xE9j\xE0\n");
    ts_write_in_temp("devine.csv", "territoire;organisme\n"
                                   "Saint-Michel;Caisse \xA4 d\xE9j\xE0\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st = ingest("data:\n"
                          "  - source: partenaires.csv\n    key: territoire\n    role: partners\n"
                          "    encoding: ISO-8859-15\n    columns: { name: organisme }\n"
                          "  - source: devine.csv\n    key: territoire\n    role: partners\n"
                          "    columns: { name: organisme }\n",
                          &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store, "SELECT name FROM table_1", "Caisse € déjà\n");
    expect_rows(store, "SELECT name FROM table_2", "Caisse ¤ déjà\n");
    release(project, store);
}
END_TEST

START_TEST(test_declared_utf8_cells_copied_whole)
{
    /* A file declared UTF-8 and valid has its cells copied, not converted one by
     * one: a long cell, then shorter ones (the copy is reused), blanks around
     * text and keys, accents, a quoted cell with a separator and doubled quotes. */
    char long_name[3001];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    char text[4096];
    snprintf(text, sizeof text,
             "territoire;organisme\n"
             "  Saint-Michel ;%s\n"
             "C\xC3\xB4te-des-Neiges\xE2\x80\x93Notre-Dame-de-Gr\xC3\xA2\x63\x65;"
             "  Biblioth\xC3\xA8que \n"
             "Saint-Michel;\"Caf\xC3\xA9; \"\"jeunesse\"\"\"\n",
             long_name);
    ts_write_in_temp("partenaires.csv", text);
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st = ingest("data:\n"
                          "  - source: partenaires.csv\n    key: territoire\n    role: partners\n"
                          "    encoding: utf8\n    columns: { name: organisme }\n",
                          &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store,
                "SELECT line, source_key, length(name), substr(name, 1, 3) FROM table_1 "
                "WHERE line = 2",
                "2|Saint-Michel|3000|xxx\n");
    expect_rows(store,
                "SELECT line, source_key, territory_key, name FROM table_1 WHERE line > 2 "
                "ORDER BY line",
                "3|Côte-des-Neiges–Notre-Dame-de-Grâce|Côte-des-Neiges–Notre-Dame-de-Grâce|"
                "Bibliothèque\n"
                "4|Saint-Michel|Saint-Michel|Café; \"jeunesse\"\n");
    release(project, store);
}
END_TEST

START_TEST(test_quoting_numbers_blanks_and_carried_columns)
{
    /* Thousands with an ASCII space, U+00A0 and U+202F; a decimal comma; blank
     * cells; quoted cells holding the separator and doubled quotes; a column
     * already named like covermap's (children_reached) needing no columns: entry. */
    ts_write_in_temp("indicateurs.csv",
                     "territoire;enfants_0_5;familles_rejointes;etp;children_reached;"
                     "remarque du bureau;commentaire g\xC3\xA9n\xC3\xA9ral\n"
                     "\"Saint-Michel\";\"12 400\";1 200;0,5;1 000;\"Centre; p\xC3\xA9\x64iatrie\";"
                     "\"Le \"\"Petit\"\" Caf\xC3\xA9\"\n"
                     "C\xC3\xB4te-des-Neiges\xE2\x80\x93Notre-Dame-de-Gr\xC3\xA2\x63\x65;12\xC2\xA0"
                     "400;1\xE2\x80\xAF\x32\x30\x30;1,25;;;\n"
                     "L'\xC3\x8Ele-Bizard;;0;2;0;0012;  \n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st = ingest("data:\n"
                          "  - source: indicateurs.csv\n    key: territoire\n"
                          "    columns: { children_0_5: enfants_0_5, families_reached: "
                          "familles_rejointes, coordinator_fte: etp }\n",
                          &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store, "SELECT name, type FROM pragma_table_info('table_1') ORDER BY cid",
                "line|INTEGER\nsource_key|TEXT\nsource_key_folded|TEXT\nterritory_key|TEXT\n"
                "match_status|TEXT\nchildren_0_5|INTEGER\nfamilies_reached|INTEGER\n"
                "coordinator_fte|REAL\nchildren_reached|INTEGER\nremarque du bureau|TEXT\n"
                "commentaire général|TEXT\n");
    expect_rows(store,
                "SELECT line, source_key, children_0_5, families_reached, coordinator_fte, "
                "children_reached, \"remarque du bureau\", \"commentaire général\" "
                "FROM table_1 ORDER BY line",
                "2|Saint-Michel|12400|1200|0.5|1000|Centre; pédiatrie|Le \"Petit\" Café\n"
                "3|Côte-des-Neiges–Notre-Dame-de-Grâce|12400|1200|1.25|NULL|NULL|NULL\n"
                "4|L'Île-Bizard|NULL|0|2.0|0|0012|NULL\n");
    /* Blank is no data (NULL), never 0; a carried value stays text. */
    expect_rows(store,
                "SELECT typeof(children_0_5), typeof(families_reached), typeof(children_reached), "
                "typeof(\"remarque du bureau\") FROM table_1 ORDER BY line",
                "integer|integer|integer|text\ninteger|integer|null|null\n"
                "null|integer|integer|text\n");
    release(project, store);
}
END_TEST

START_TEST(test_funding_values)
{
    ts_write_in_temp(
        "financement.csv",
        "territoire;bailleur;montant;debut;fin;type;coordination\n"
        "Saint-Michel;Ville;65 000,00 $;2025-04-01;31/03/2027;r\xC3\xA9\x63urrent;oui\n"
        "Saint-Michel;Fondation;12\xC2\xA0\x35\x30\x30 $;01/04/2026;;projet;non\n"
        "Pierrefonds-Roxboro;MFA;40 000;2025-01-01;2026-09-30;recurrent;yes\n"
        "Pierrefonds-Roxboro;Centraide;1\xE2\x80\xAF\x30\x30\x30,50;1/1/2025;;project;no\n"
        "L'\xC3\x8Ele-Bizard;X;0;2025-01-01;;R\xC3\xA9\x63urrent;1\n"
        "L'\xC3\x8Ele-Bizard;Y;5;2025-01-01;;PROJET;0\n"
        "Saint-Michel;Z;7;2025-01-01;;r\xC3\xA9\x63urrente;vrai\n"
        "Saint-Michel;W;8;2025-01-01;;projet;faux\n");
    ts_write_in_temp(
        "subventions.csv",
        "territoire,bailleur,montant,debut,fin,type,coordination\n"
        "Saint-Michel,\"Fondation \"\"Lucie et Andr\xC3\xA9\"\"\",\"$65,000\",2025-04-01,,"
        "r\xC3\xA9\x63urrent,oui\n"
        "Saint-Michel,\"Ville, volet 2\",\"65 000 $\",2025-04-01,2026-03-31,projet,NON\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st = ingest("data:\n"
                          "  - source: financement.csv\n    key: territoire\n    role: funding\n"
                          "    columns: { funder: bailleur, amount: montant, start: debut, "
                          "end: fin, kind: type, coordination: coordination }\n"
                          "  - source: subventions.csv\n    key: territoire\n    role: funding\n"
                          "    columns: { funder: bailleur, amount: montant, start: debut, "
                          "end: fin, kind: type, coordination: coordination }\n",
                          &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store,
                "SELECT line, source_key, funder, amount, start, \"end\", kind, coordination "
                "FROM table_1 ORDER BY line",
                "2|Saint-Michel|Ville|65000.0|2025-04-01|2027-03-31|recurrent|1\n"
                "3|Saint-Michel|Fondation|12500.0|2026-04-01|NULL|project|0\n"
                "4|Pierrefonds-Roxboro|MFA|40000.0|2025-01-01|2026-09-30|recurrent|1\n"
                "5|Pierrefonds-Roxboro|Centraide|1000.5|2025-01-01|NULL|project|0\n"
                "6|L'Île-Bizard|X|0.0|2025-01-01|NULL|recurrent|1\n"
                "7|L'Île-Bizard|Y|5.0|2025-01-01|NULL|project|0\n"
                "8|Saint-Michel|Z|7.0|2025-01-01|NULL|recurrent|1\n"
                "9|Saint-Michel|W|8.0|2025-01-01|NULL|project|0\n");
    expect_rows(store,
                "SELECT line, funder, amount, \"end\", kind, coordination FROM table_2 "
                "ORDER BY line",
                "2|Fondation \"Lucie et André\"|65000.0|NULL|recurrent|1\n"
                "3|Ville, volet 2|65000.0|2026-03-31|project|0\n");
    expect_rows(
        store,
        "SELECT name, type FROM pragma_table_info('table_2') WHERE cid >= 5 "
        "ORDER BY cid",
        "funder|TEXT\namount|REAL\nstart|TEXT\nend|TEXT\nkind|TEXT\ncoordination|INTEGER\n");
    release(project, store);
}
END_TEST

/* ---- tables: errors ------------------------------------------------------------------ */

/* Ingests one indicators/partners/funding table and expects an error. */
static void expect_table_error(const char *file, const char *bytes, const char *entry,
                               cm_status status, long line, const char *field,
                               const char *message_part)
{
    ts_write_in_temp(file, bytes);
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    ck_assert_int_eq(ingest(entry, &project, &store, &err), status);
    ck_assert_int_eq(err.status, status);
    ck_assert_str_eq(err.file, file);
    ck_assert_int_eq(err.line, line);
    ck_assert_str_eq(err.field, field);
    expect_contains(err.message, message_part);
    release(project, store);
}

static const char *const indicators_entry =
    "data:\n  - source: indicateurs.csv\n    key: territoire\n"
    "    columns: { children_0_5: enfants_0_5, families_reached: familles }\n";

static const char *const funding_entry =
    "data:\n  - source: financement.csv\n    key: territoire\n    role: funding\n"
    "    columns: { amount: montant, start: debut, end: fin, coordination: \"paie coordination\" "
    "}\n";

START_TEST(test_error_not_a_number)
{
    expect_table_error("indicateurs.csv",
                       "territoire;enfants_0_5;familles\n"
                       "Saint-Michel;12 400;10\n"
                       "Pierrefonds-Roxboro;12 4OO;10\n",
                       indicators_entry, CM_ERR_INPUT, 3, "enfants_0_5", "\"12 4OO\"");
}
END_TEST

/* Tables read in a thread, the waiting thread taking what is left, stop where a
 * sequential reading stops: the first failing table's error is the one reported,
 * not a later table's, whoever read what. */
START_TEST(test_tables_read_in_a_thread_fail_in_order)
{
    GString *good = g_string_new("territoire;enfants_0_5;familles\n");
    for (int i = 0; i < 3000; i++)
        g_string_append(good, i % 2 ? "Saint-Michel;100;10\n" : "Pierrefonds-Roxboro;200;20\n");
    ts_write_in_temp("premier.csv", good->str);
    ts_write_in_temp("deuxieme.csv", "territoire;enfants_0_5;familles\nSaint-Michel;-5;10\n");
    ts_write_in_temp("troisieme.csv", "territoire;enfants_0_5;familles\nSaint-Michel;1;1\n");
    ts_write_in_temp("quatrieme.csv", "territoire;enfants_0_5;familles\nSaint-Michel;x;1\n");
    g_string_free(good, TRUE);
    write_territories("territoires.geojson");
    GString *body = g_string_new(default_territories);
    g_string_append(body, "data:\n");
    const char *files[] = {"premier.csv", "deuxieme.csv", "troisieme.csv", "quatrieme.csv"};
    for (int i = 0; i < 4; i++)
        g_string_append_printf(body,
                               "  - source: %s\n    key: territoire\n"
                               "    columns: { children_0_5: enfants_0_5 }\n",
                               files[i]);
    cm_project *project = load_project(body->str);
    g_string_free(body, TRUE);
    for (int threaded = 0; threaded < 2; threaded++) {
        cm_store *store = new_store();
        cm_error err = {0};
        cm_table_read *read = NULL;
        assert_ok(cm_tables_read_start(project, threaded, &read, &err), &err);
        cm_territory_summary summary;
        assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
        ck_assert_int_eq(cm_ingest_read_tables(store, read, NULL, &err), CM_ERR_INPUT);
        cm_tables_read_free(read);
        ck_assert_str_eq(err.file, "deuxieme.csv");
        ck_assert_int_eq(err.line, 2);
        cm_store_close(store);
    }
    cm_project_free(project);
}
END_TEST

START_TEST(test_error_negative_count)
{
    expect_table_error("indicateurs.csv",
                       "territoire;enfants_0_5;familles\n"
                       "Saint-Michel;1 000;-3\n",
                       indicators_entry, CM_ERR_INPUT, 2, "familles", "\"-3\" is negative");
}
END_TEST

START_TEST(test_error_bad_date)
{
    expect_table_error("financement.csv",
                       "territoire;montant;debut;fin;paie coordination\n"
                       "Saint-Michel;65 000;01/04/2025;;oui\n"
                       "Saint-Michel;1 000;01/04/2025;31/03/2026;oui\n"
                       "Saint-Michel;1 000;01/04/2025;31/02/2026;oui\n",
                       funding_entry, CM_ERR_INPUT, 4, "fin", "\"31/02/2026\" is not a date");
}
END_TEST

START_TEST(test_error_bad_boolean)
{
    expect_table_error("financement.csv",
                       "territoire;montant;debut;fin;paie coordination\n"
                       "Saint-Michel;65 000;01/04/2025;;peut-\xC3\xAAtre\n",
                       funding_entry, CM_ERR_INPUT, 2, "paie coordination", "\"peut-être\"");
}
END_TEST

START_TEST(test_error_mapped_column_missing)
{
    ts_write_in_temp("indicateurs.csv", "territoire;enfants_0_5;famille\n"
                                        "Saint-Michel;1 000;10\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    ck_assert_int_eq(ingest(indicators_entry, &project, &store, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.file, "indicateurs.csv");
    ck_assert_str_eq(err.field, "familles");
    expect_contains(err.message, "no column 'familles'");
    expect_contains(err.hint, "did you mean 'famille'?");
    release(project, store);
}
END_TEST

START_TEST(test_error_key_column_missing)
{
    ts_write_in_temp("indicateurs.csv", "Territoires;enfants_0_5;familles\n"
                                        "Saint-Michel;1 000;10\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    ck_assert_int_eq(ingest(indicators_entry, &project, &store, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.file, "indicateurs.csv");
    ck_assert_str_eq(err.field, "territoire");
    expect_contains(err.message, "no column 'territoire' (the project's key:)");
    expect_contains(err.hint, "'Territoires'");
    release(project, store);
}
END_TEST

START_TEST(test_error_funding_without_amount)
{
    ts_write_in_temp("financement.csv", "territoire;bailleur;debut\n"
                                        "Saint-Michel;Ville;2025-01-01\n");
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    ck_assert_int_eq(ingest("data:\n  - source: financement.csv\n    key: territoire\n"
                            "    role: funding\n    columns: { funder: bailleur, start: debut }\n",
                            &project, &store, &err),
                     CM_ERR_PROJECT);
    ck_assert_str_eq(err.file, "financement.csv");
    ck_assert_str_eq(err.field, "amount");
    expect_contains(err.message, "amount column");
    expect_contains(err.message, "territoire, bailleur, debut");
    release(project, store);
}
END_TEST

/* Partners table from bytes; expects success and the (line, name, note) rows. */
static void expect_partner_lines(const char *bytes, const char *expected)
{
    ts_write_in_temp("partenaires.csv", bytes);
    cm_project *project;
    cm_store *store;
    cm_error err = {0};
    cm_status st = ingest("data:\n"
                          "  - source: partenaires.csv\n    key: territoire\n    role: partners\n"
                          "    columns: { name: organisme }\n",
                          &project, &store, &err);
    assert_ok(st, &err);
    expect_rows(store, "SELECT line, name, note FROM table_1 ORDER BY line", expected);
    release(project, store);
}

START_TEST(test_line_numbers)
{
    /* Header = line 1; a row of empty cells is skipped but still counts. */
    expect_partner_lines("territoire;organisme;note\r\n"
                         "Saint-Michel;A;x\r\n"
                         ";;\r\n"
                         "Saint-Michel;B;y\r\n",
                         "2|A|x\n4|B|y\n");
}
END_TEST

/* A truly empty line still counts: B is on line 4. */
START_TEST(test_line_numbers_after_empty_line)
{
    expect_partner_lines("territoire;organisme;note\n"
                         "Saint-Michel;A;x\n"
                         "\n"
                         "Saint-Michel;B;y\n",
                         "2|A|x\n4|B|y\n");
}
END_TEST

/* A quoted cell over two lines (Alt+Enter in Excel): C is on line 4. */
START_TEST(test_line_numbers_after_multiline_cell)
{
    expect_partner_lines("territoire;organisme;note\n"
                         "Saint-Michel;A;\"deux\nlignes\"\n"
                         "Saint-Michel;C;y\n",
                         "2|A|deux\nlignes\n4|C|y\n");
}
END_TEST

START_TEST(test_text_to_utf8)
{
    char *text = cm_text_to_utf8("\xC9\x63ole \x96 Gr\xE2\x63\x65", NULL);
    ck_assert_str_eq(text, "École – Grâce");
    free(text);
    text = cm_text_to_utf8("\xC3\x89\x63ole", "");
    ck_assert_str_eq(text, "École");
    free(text);
    text = cm_text_to_utf8("\xC3\x89\x63ole", "CP1252");
    ck_assert_str_eq(text, "Ã‰cole");
    free(text);
    /* Said to be UTF-8 but is not: refused rather than guessed. */
    ck_assert_ptr_null(cm_text_to_utf8("\xC9\x63ole", "UTF-8"));
}
END_TEST

/* A line number belongs to the file it is given with: either the data file with no
 * line, or the project file at the entry's line. */
static void expect_located(const cm_error *err, const char *data_file)
{
    bool data_file_alone = strcmp(err->file, data_file) == 0 && err->line == 0;
    bool project_line = g_str_has_suffix(err->file, "projet.yaml") && err->line > 0;
    ck_assert_msg(data_file_alone || project_line, "error located at %s:%ld", err->file, err->line);
}

START_TEST(test_missing_table_file)
{
    write_territories("territoires.geojson");
    cm_project *project = load_project("territories:\n  source: territoires.geojson\n  key: nom\n"
                                       "data:\n  - source: absent.csv\n    key: territoire\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    assert_ok(cm_ingest_territories(store, project, &summary, NULL, &err), &err);
    ck_assert_int_eq(cm_ingest_tables(store, project, NULL, &err), CM_ERR_IO);
    /* located at the project file's `source:` entry (line 7), naming the missing file */
    ck_assert_msg(g_str_has_suffix(err.file, "projet.yaml"), "file %s", err.file);
    ck_assert_int_eq(err.line, 7);
    ck_assert_str_eq(err.field, "source");
    expect_contains(err.message, "file not found");
    expect_contains(err.message, "absent.csv");
    expect_located(&err, "absent.csv");
    release(project, store);
}
END_TEST

/* A missing boundary file: the project file's line, never the data file's name with it. */
START_TEST(test_missing_territories_file_location)
{
    cm_project *project = load_project("territories:\n  source: absent.geojson\n  key: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    ck_assert_int_eq(cm_ingest_territories(store, project, &summary, NULL, &err), CM_ERR_IO);
    ck_assert_str_eq(err.field, "source");
    expect_located(&err, "absent.geojson");
    release(project, store);
}
END_TEST

/* Same for a multi-layer source without layer:. */
START_TEST(test_layer_choice_location)
{
    write_squares_ogr("GPKG", "multi.gpkg", 32188, 2);
    GDALDatasetH ds =
        GDALOpenEx(ts_in_temp("multi.gpkg"), GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(ds);
    ck_assert_ptr_nonnull(GDALDatasetCreateLayer(ds, "autre", NULL, wkbPolygon, NULL));
    GDALClose(ds);
    cm_project *project = load_project("territories:\n  source: multi.gpkg\n  key: nom\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    ck_assert_int_eq(cm_ingest_territories(store, project, &summary, NULL, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.field, "layer");
    expect_contains(err.hint, "quartiers, autre");
    expect_located(&err, "multi.gpkg");
    release(project, store);
}
END_TEST

/* An unknown srs: names the project file and its line. */
START_TEST(test_bad_srs_names_project_file)
{
    write_territories("territoires.geojson");
    cm_project *project = load_project("territories:\n  source: territoires.geojson\n  key: nom\n"
                                       "  srs: EPSG:99999999\n");
    cm_store *store = new_store();
    cm_territory_summary summary;
    cm_error err = {0};
    ck_assert_int_eq(cm_ingest_territories(store, project, &summary, NULL, &err), CM_ERR_PROJECT);
    ck_assert_str_eq(err.field, "srs");
    expect_contains(err.message, "EPSG:99999999");
    ck_assert_msg(g_str_has_suffix(err.file, "projet.yaml"), "error file: '%s'", err.file);
    ck_assert_int_gt(err.line, 0);
    release(project, store);
}
END_TEST

static Suite *ingest_suite(void)
{
    Suite *s = suite_create("ingest");
    TCase *territories = tcase_create("territories");
    tcase_add_checked_fixture(territories, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(territories, test_territories_stored);
    tcase_add_test(territories, test_territories_keep_spatialite_triggers);
    tcase_add_test(territories, test_spatial_index_filled);
    tcase_add_test(territories, test_curves_become_lines);
    tcase_add_test(territories, test_territory_repaired);
    tcase_add_test(territories, test_geometry_checks_shared_with_a_second_thread);
    tcase_add_test(territories, test_points_refused);
    tcase_add_test(territories, test_no_crs_refused_srs_override_accepted);
    tcase_add_test(territories, test_duplicate_territory_key_refused);
    tcase_add_test(territories, test_lonlat_source);
    tcase_add_test(territories, test_districts_projected_to_territories_crs);
    tcase_add_test(territories, test_no_districts_is_nothing);
    suite_add_tcase(s, territories);
    TCase *tables = tcase_create("tables");
    tcase_add_checked_fixture(tables, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(tables, test_separators);
    tcase_add_test(tables, test_utf8_with_and_without_bom);
    tcase_add_test(tables, test_cp1252_detected);
    tcase_add_test(tables, test_explicit_encoding);
    tcase_add_test(tables, test_declared_utf8_cells_copied_whole);
    tcase_add_test(tables, test_quoting_numbers_blanks_and_carried_columns);
    tcase_add_test(tables, test_funding_values);
    tcase_add_test(tables, test_text_to_utf8);
    tcase_add_test(tables, test_line_numbers);
    tcase_add_test(tables, test_line_numbers_after_empty_line);
    tcase_add_test(tables, test_line_numbers_after_multiline_cell);
    suite_add_tcase(s, tables);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(errors, test_error_not_a_number);
    tcase_add_test(errors, test_tables_read_in_a_thread_fail_in_order);
    tcase_add_test(errors, test_error_negative_count);
    tcase_add_test(errors, test_error_bad_date);
    tcase_add_test(errors, test_error_bad_boolean);
    tcase_add_test(errors, test_error_mapped_column_missing);
    tcase_add_test(errors, test_error_key_column_missing);
    tcase_add_test(errors, test_error_funding_without_amount);
    tcase_add_test(errors, test_missing_table_file);
    tcase_add_test(errors, test_missing_territories_file_location);
    tcase_add_test(errors, test_layer_choice_location);
    tcase_add_test(errors, test_bad_srs_names_project_file);
    suite_add_tcase(s, errors);
    return s;
}

int main(void)
{
    GDALAllRegister();
    cm_gdal_install_error_handler();
    return ts_run_suite(ingest_suite());
}
