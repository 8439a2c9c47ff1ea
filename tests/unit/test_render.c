/* Map rendering: a tiny SpatiaLite store built here, drawn to PNG/SVG/PDF, then
 * read back: pixel colours through the world file, PDF text, SVG syntax, bytes. */
#include <cairo.h>
#include <check.h>
#include <gdal.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include "covermap/export.h"
#include "covermap/render.h"
#include "covermap/store.h"
#include "project/style.h"
#include "render/render_internal.h"
#include "test_support.h"

/* Six 1 km squares in EPSG:32188 (MTM 8), a 3 x 2 grid; key, name, value, risk. */
typedef struct {
    const char *key, *name;
    const char *value; /* SQL literal */
    const char *risk;
    int col, row;
} square;

static const square squares[] = {
    {"ahu", "Ahuntsic-Cartierville", "12.5", "stable", 0, 0},
    {"cdn", "Côte-des-Neiges", "20.0", "at-risk", 1, 0},
    {"lac", "Lachine", "31.25", "fragile", 2, 0},
    {"mtn", "Montréal-Nord", "40.0", "no-coordination", 0, 1},
    {"sle", "Saint-Léonard", "52.5", "stable", 1, 1},
    {"ver", "Verdun", "NULL", "fragile", 2, 1},
};
#define SQUARE_COUNT 6
#define SIDE 1000.0

static void square_origin(const square *sq, bool lonlat, double *x, double *y)
{
    if (lonlat) {
        *x = -73.70 + sq->col * 0.014;
        *y = 45.50 + sq->row * 0.010;
    } else {
        *x = 290000 + sq->col * SIDE;
        *y = 5040000 + sq->row * SIDE;
    }
}

static void build_store(const char *path, bool lonlat)
{
    cm_store *store = NULL;
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_store_create(path, &store, &err), CM_OK);
    int srid = lonlat ? 4326 : 32188;
    char sql[4096];
    snprintf(sql, sizeof sql,
             "INSERT INTO run_info VALUES ('title', 'Concertations — test'), ('as_of', "
             "'2026-04-01'), ('locale', 'fr-CA'), ('source_line', 'Données fictives'), "
             "('srid', '%d');"
             "CREATE TABLE territories(fid INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, "
             "name TEXT, key_folded TEXT, repaired INTEGER, geom BLOB);"
             "CREATE TABLE gap(key TEXT PRIMARY KEY, name TEXT, risk_level TEXT, "
             "coverage_rate REAL, families_reached REAL, children_0_5 REAL);"
             "CREATE VIEW joined AS SELECT t.fid, t.key, t.name, t.geom, g.risk_level, "
             "g.coverage_rate, g.families_reached, g.children_0_5 FROM territories t "
             "LEFT JOIN gap g ON g.key = t.key;",
             srid);
    ck_assert_msg(cm_store_exec(store, sql, &err) == CM_OK, "%s", err.message);
    for (int i = 0; i < SQUARE_COUNT; i++) {
        const square *sq = &squares[i];
        double x, y, w = lonlat ? 0.013 : SIDE, h = lonlat ? 0.009 : SIDE;
        square_origin(sq, lonlat, &x, &y);
        snprintf(sql, sizeof sql,
                 "INSERT INTO territories(key, name, geom) VALUES ('%s', '%s', "
                 "CastToMultiPolygon(GeomFromText('POLYGON((%.6f %.6f, %.6f %.6f, %.6f %.6f, "
                 "%.6f %.6f, %.6f %.6f))', %d)));"
                 "INSERT INTO gap VALUES ('%s', '%s', '%s', %s, %d, %d);",
                 sq->key, sq->name, x, y, x + w, y, x + w, y + h, x, y + h, x, y, srid, sq->key,
                 sq->name, sq->risk, sq->value, 100 + i, 400);
        ck_assert_msg(cm_store_exec(store, sql, &err) == CM_OK, "%s", err.message);
    }
    cm_store_close(store);
}

static cm_map_spec make_map(const char *name, const char *value)
{
    cm_map_spec map;
    memset(&map, 0, sizeof map);
    map.name = (char *)name;
    map.title = "Familles rejointes pour 100 enfants";
    map.value = (char *)value;
    map.method = CM_CLASS_EQUAL_INTERVAL;
    map.class_count = 4;
    map.format_png = map.format_svg = map.format_pdf = true;
    return map;
}

static cm_project make_project(void)
{
    cm_project project;
    memset(&project, 0, sizeof project);
    project.title = "Concertations — test";
    return project;
}

static char *render_into(const char *db, const char *subdir, const cm_map_spec *map)
{
    char *out = ts_path_in(ts_temp_dir, subdir);
    char command[1024];
    snprintf(command, sizeof command, "mkdir -p '%s'", out);
    ck_assert_int_eq(ts_run(command, NULL, NULL), 0);
    cm_project project = make_project();
    cm_error err;
    cm_error_clear(&err);
    cm_status st = cm_render_map(db, &project, map, out, &err);
    ck_assert_msg(st == CM_OK, "render failed: %s", err.message);
    return out;
}

typedef struct {
    double a, d, e, b, c, f; /* the six world-file lines */
} world_file;

static world_file read_world_file(const char *path)
{
    world_file w;
    FILE *file = fopen(path, "r");
    ck_assert_ptr_nonnull(file);
    ck_assert_int_eq(fscanf(file, "%lf %lf %lf %lf %lf %lf", &w.a, &w.d, &w.b, &w.e, &w.c, &w.f),
                     6);
    fclose(file);
    return w;
}

typedef struct {
    int r, g, b;
} rgb;

static rgb pixel_at(cairo_surface_t *png, const world_file *w, double x, double y)
{
    int col = (int)lround((x - w->c) / w->a);
    int row = (int)lround((y - w->f) / w->e);
    ck_assert_int_ge(col, 0);
    ck_assert_int_ge(row, 0);
    ck_assert_int_lt(col, cairo_image_surface_get_width(png));
    ck_assert_int_lt(row, cairo_image_surface_get_height(png));
    const unsigned char *data = cairo_image_surface_get_data(png);
    uint32_t p = *(const uint32_t *)(data + row * cairo_image_surface_get_stride(png) + col * 4);
    return (rgb){(int)(p >> 16) & 255, (int)(p >> 8) & 255, (int)p & 255};
}

static bool same_rgb(rgb a, int hex)
{
    return abs(a.r - ((hex >> 16) & 255)) <= 1 && abs(a.g - ((hex >> 8) & 255)) <= 1 &&
           abs(a.b - (hex & 255)) <= 1;
}

/* ColorBrewer YlGnBu, 4 classes, as published. */
static const int ylgnbu4[4] = {0xffffcc, 0xa1dab4, 0x41b6c4, 0x225ea8};

START_TEST(test_png_fill_follows_classes)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_map_spec map = make_map("couverture", "coverage_rate");
    char *out = render_into(db, "maps", &map);
    char *png_path = ts_path_in(out, "couverture.png");
    char *pgw_path = ts_path_in(out, "couverture.pgw");
    cairo_surface_t *png = cairo_image_surface_create_from_png(png_path);
    ck_assert_int_eq(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    /* Letter landscape at 300 dpi. */
    ck_assert_int_eq(cairo_image_surface_get_width(png), 3300);
    ck_assert_int_eq(cairo_image_surface_get_height(png), 2550);
    world_file w = read_world_file(pgw_path);
    ck_assert(w.a > 0 && w.e < 0);
    ck_assert(fabs(w.a + w.e) < 1e-9);

    /* Equal interval over [12.5, 52.5], 4 classes: uppers 22.5, 32.5, 42.5, 52.5. */
    const int expected_class[SQUARE_COUNT] = {0, 0, 1, 2, 3, -1};
    for (int i = 0; i < SQUARE_COUNT; i++) {
        double x, y;
        square_origin(&squares[i], false, &x, &y);
        rgb sample = pixel_at(png, &w, x + 0.2 * SIDE, y + 0.2 * SIDE);
        if (expected_class[i] >= 0) {
            ck_assert_msg(same_rgb(sample, ylgnbu4[expected_class[i]]),
                          "%s: got %d,%d,%d, expected class %d", squares[i].key, sample.r, sample.g,
                          sample.b, expected_class[i]);
            continue;
        }
        /* No data: hatched, i.e. both light background and grey lines, no class colour. */
        int light = 0, dark = 0;
        for (int k = 0; k < 40; k++) {
            rgb p = pixel_at(png, &w, x + 0.2 * SIDE + k * w.a, y + 0.2 * SIDE);
            for (int c = 0; c < 4; c++)
                ck_assert_msg(!same_rgb(p, ylgnbu4[c]), "no-data pixel has a class colour");
            light += p.r > 230 && p.g > 230 && p.b > 230;
            dark += p.r < 170 && p.r == p.g && p.g == p.b;
        }
        ck_assert_int_gt(light, 5);
        ck_assert_int_gt(dark, 5);
    }
    /* At-risk territories carry a thick outline inside their edge; stable ones do not. */
    double x, y;
    square_origin(&squares[1], false, &x, &y); /* cdn, at-risk */
    rgb edge = pixel_at(png, &w, x + 5 * w.a, y + 0.3 * SIDE);
    ck_assert_int_lt(edge.r + edge.g + edge.b, 60);
    square_origin(&squares[0], false, &x, &y); /* ahu, stable */
    edge = pixel_at(png, &w, x + 5 * w.a, y + 0.3 * SIDE);
    ck_assert(same_rgb(edge, ylgnbu4[0]));
    cairo_surface_destroy(png);
    free(png_path);
    free(pgw_path);
    free(out);
    free(db);
}
END_TEST

/* The pixels of a PNG, compared whole. */
static bool same_png_pixels(const char *path_a, const char *path_b)
{
    cairo_surface_t *a = cairo_image_surface_create_from_png(path_a);
    cairo_surface_t *b = cairo_image_surface_create_from_png(path_b);
    ck_assert_int_eq(cairo_surface_status(a), CAIRO_STATUS_SUCCESS);
    ck_assert_int_eq(cairo_surface_status(b), CAIRO_STATUS_SUCCESS);
    int height = cairo_image_surface_get_height(a);
    int stride = cairo_image_surface_get_stride(a);
    bool same = height == cairo_image_surface_get_height(b) &&
                cairo_image_surface_get_width(a) == cairo_image_surface_get_width(b) &&
                stride == cairo_image_surface_get_stride(b) &&
                memcmp(cairo_image_surface_get_data(a), cairo_image_surface_get_data(b),
                       (size_t)stride * (size_t)height) == 0;
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
    return same;
}

/* Map jobs read the store without SpatiaLite's functions unless the value may call
 * one: a value over a territory's area draws as the plain column it equals (each
 * square is 1 km2), and the test tells every spatial function apart. */
START_TEST(test_spatial_values_get_spatialite)
{
    const struct {
        const char *value;
        bool needs_spatialite;
    } values[] = {
        {"ST_Area(geom)", true},        {"area(geom) / 1e6", true},
        {"GLength(geom)", true},        {"st_length(geom)", true},
        {"Perimeter(geom)", true},      {"ST_PERIMETER(geom)", true},
        {"coverage_rate", false},       {"families_reached * 100.0 / children_0_5", false},
        {"length(name)", false},        {"round(coverage_rate, 1)", false},
        {"abs(coalesce(a, b))", false},
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        cm_map_spec map = make_map("essai", values[i].value);
        ck_assert_msg(cm_map_value_needs_spatialite(&map) == values[i].needs_spatialite, "%s",
                      values[i].value);
    }

    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_error err;
    cm_error_clear(&err);
    /* Every allowed function that SpatiaLite registers (its own, or over SQLite's
     * built-in) gets a connection with SpatiaLite. */
    cm_store *store = NULL;
    ck_assert_int_eq(cm_store_open_readonly(db, &store, &err), CM_OK);
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(cm_store_db(store),
                                        "SELECT DISTINCT name FROM pragma_function_list "
                                        "WHERE builtin = 0 ORDER BY name",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    int registered = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        if (!cm_sandbox_allows_function(name))
            continue;
        char value[128];
        snprintf(value, sizeof value, "%s(coverage_rate)", name);
        cm_map_spec map = make_map("essai", value);
        ck_assert_msg(cm_map_value_needs_spatialite(&map), "%s", value);
        registered++;
    }
    sqlite3_finalize(stmt);
    cm_store_close(store);
    ck_assert_int_ge(registered, 6 + 11); /* the spatial six, and SpatiaLite's math */
    cm_map_spec by_area =
        make_map("couverture", "round(ST_Area(geom) / 1e4) * coverage_rate / 100");
    by_area.format_svg = by_area.format_pdf = false;
    ck_assert_msg(cm_map_validate_value(db, &by_area, &err) == CM_OK, "%s", err.message);
    cm_map_spec plain_map = make_map("couverture", "coverage_rate");
    plain_map.format_svg = plain_map.format_pdf = false;
    char *out_area = render_into(db, "by-area", &by_area);
    char *out_plain = render_into(db, "plain", &plain_map);
    char *png_area = ts_path_in(out_area, "couverture.png");
    char *png_plain = ts_path_in(out_plain, "couverture.png");
    ck_assert(same_png_pixels(png_area, png_plain));
    free(png_area);
    free(png_plain);
    free(out_area);
    free(out_plain);
    free(db);
}
END_TEST

/* A value over the gap table's columns is read from gap itself, the same rows as
 * from the view; where a territory's attribute has a gap column's name, the view
 * gives the attribute, and so does the value. */
START_TEST(test_values_read_from_gap_or_view)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_error err;
    cm_error_clear(&err);
    cm_store *store = NULL;
    ck_assert_int_eq(cm_store_open(db, &store, &err), CM_OK);
    ck_assert_msg(cm_store_exec(store,
                                "ALTER TABLE territories ADD COLUMN coverage_rate REAL;"
                                "UPDATE territories SET coverage_rate = 1000 + fid;"
                                "DROP VIEW joined;"
                                /* gap in another order than its keys' */
                                "CREATE TABLE gap_reversed AS SELECT * FROM gap "
                                "ORDER BY key DESC;"
                                "DROP TABLE gap; ALTER TABLE gap_reversed RENAME TO gap;"
                                "CREATE VIEW joined AS SELECT t.fid, t.key, t.name, t.geom, "
                                "t.coverage_rate, g.risk_level, g.families_reached, "
                                "g.children_0_5 FROM territories t LEFT JOIN gap g "
                                "ON g.key = t.key;",
                                &err) == CM_OK,
                  "%s", err.message);
    sqlite3 *conn = cm_store_db(store);
    const struct {
        const char *value;
        const char *reads;  /* the statement's table */
        double first, step; /* the values of the squares, in key order */
    } cases[] = {
        {"families_reached", "FROM gap", 100, 1},
        {"abs(families_reached * 2 - 1)", "FROM gap", 199, 2},
        {"coverage_rate", "FROM joined", 1001, 1},
        {"coverage_rate + families_reached", "FROM joined", 1101, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cm_map_spec map = make_map("essai", cases[c].value);
        sqlite3_stmt *stmt = NULL;
        ck_assert_msg(cm_sandbox_prepare_value(conn, &map, &stmt, &err) == CM_OK, "%s",
                      err.message);
        ck_assert_msg(strstr(sqlite3_sql(stmt), cases[c].reads), "%s: %s", cases[c].value,
                      sqlite3_sql(stmt));
        int rows = 0;
        while (sqlite3_step(stmt) == SQLITE_ROW) { /* in no particular order */
            const char *key = (const char *)sqlite3_column_text(stmt, 0);
            int row = 0;
            while (row < SQUARE_COUNT && strcmp(squares[row].key, key) != 0)
                row++;
            ck_assert_int_lt(row, SQUARE_COUNT);
            ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 2), squares[row].risk);
            double expected = cases[c].first + cases[c].step * row;
            ck_assert_msg(fabs(sqlite3_column_double(stmt, 1) - expected) < 1e-9,
                          "%s, %s: %g, expected %g", cases[c].value, key,
                          sqlite3_column_double(stmt, 1), expected);
            rows++;
        }
        ck_assert_int_eq(rows, SQUARE_COUNT);
        sqlite3_finalize(stmt);
    }
    cm_store_close(store);
    /* The map matches the rows to its territories whatever their order. */
    cm_map_spec map = make_map("familles", "families_reached");
    map.format_svg = map.format_pdf = false;
    char *out = render_into(db, "reordered", &map);
    free(out);
    free(db);
}
END_TEST

START_TEST(test_pdf_has_real_text)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_map_spec map = make_map("couverture", "coverage_rate");
    map.format_png = false;
    char *out = render_into(db, "maps", &map);
    char command[1024], *text = NULL;
    snprintf(command, sizeof command, "pdftotext -enc UTF-8 '%s/couverture.pdf' -", out);
    ck_assert_int_eq(ts_run(command, &text, NULL), 0);
    ck_assert_ptr_nonnull(text);
    const char *expected[] = {"Familles rejointes pour 100 enfants",
                              "Concertations — test — au 1er avril 2026",
                              "12,5 – 22,5",
                              "22,5 – 32,5",
                              "42,5 – 52,5",
                              "(2)",
                              "Données manquantes",
                              "Côte-des-Neiges",
                              "Montréal-Nord",
                              "Saint-Léonard",
                              "Verdun",
                              "Données fictives",
                              "500 m"};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ck_assert_msg(strstr(text, expected[i]), "PDF text lacks '%s':\n%s", expected[i], text);
    free(text);
    free(out);
    free(db);
}
END_TEST

static void assert_same_files(const char *dir_a, const char *dir_b, const char *const *files,
                              size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char *a = ts_path_in(dir_a, files[i]), *b = ts_path_in(dir_b, files[i]);
        size_t size_a = 0, size_b = 0;
        char *bytes_a = ts_read_file(a, &size_a), *bytes_b = ts_read_file(b, &size_b);
        ck_assert_ptr_nonnull(bytes_a);
        ck_assert_ptr_nonnull(bytes_b);
        ck_assert_msg(size_a == size_b && !memcmp(bytes_a, bytes_b, size_a), "%s differs",
                      files[i]);
        free(bytes_a);
        free(bytes_b);
        free(a);
        free(b);
    }
}

START_TEST(test_svg_parses_and_outputs_are_reproducible)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_map_spec map = make_map("couverture", "coverage_rate");
    char *first = render_into(db, "one", &map);
    char *second = render_into(db, "two", &map);
    char command[1024];
    snprintf(command, sizeof command, "xmllint --noout '%s/couverture.svg'", first);
    ck_assert_int_eq(ts_run(command, NULL, NULL), 0);
    const char *files[] = {"couverture.png", "couverture.pgw", "couverture.png.aux.xml",
                           "couverture.svg", "couverture.pdf", "couverture.qml",
                           "couverture.sld"};
    assert_same_files(first, second, files, 7);
    /* Only the seven outputs (PNG, world file, CRS side file, SVG, PDF, QML, SLD): no
     * temporary file left behind. */
    ck_assert_int_eq(ts_count_entries(first), 7);
    free(first);
    free(second);
    free(db);
}
END_TEST

/* Two small territories at risk, too small for the full outline width and of
 * different sizes, share a slanting boundary: the page draws two outline widths
 * whose antialiased edges overlap. Shared or drawn by each map, the at-risk
 * outlines give the same bytes. */
START_TEST(test_shared_emphasis_with_two_widths)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_store *store = NULL;
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_store_open(db, &store, &err), CM_OK);
    ck_assert_msg(cm_store_exec(store,
                                "INSERT INTO territories(key, name, geom) VALUES "
                                "('moy', 'Moyen', CastToMultiPolygon(GeomFromText('POLYGON((291100 "
                                "5039900, 291180 5039900, 291160 5039980, 291100 5039980, 291100 "
                                "5039900))', 32188))),"
                                "('pti', 'Petit', CastToMultiPolygon(GeomFromText('POLYGON((291180 "
                                "5039900, 291190 5039900, 291170 5039980, 291160 5039980, 291180 "
                                "5039900))', 32188)));"
                                "INSERT INTO gap VALUES ('moy', 'Moyen', 'at-risk', 25, 110, 400),"
                                "('pti', 'Petit', 'no-coordination', 35, 140, 400);",
                                &err) == CM_OK,
                  "%s", err.message);
    cm_store_close(store);
    cm_map_spec maps[2] = {make_map("couverture", "coverage_rate"),
                           make_map("risque", "risk_level")};
    maps[0].format_svg = maps[0].format_pdf = maps[1].format_svg = maps[1].format_pdf = false;
    char *own = render_into(db, "own", &maps[0]);
    free(render_into(db, "own", &maps[1]));
    cm_map_geometry *geometry = NULL;
    ck_assert_int_eq(cm_map_geometry_load(db, &maps[0], NULL, NULL, &geometry, &err), CM_OK);
    cm_map_geometry_share_emphasis(geometry, db, maps, 2);
    char *shared = ts_path_in(ts_temp_dir, "shared");
    ck_assert_int_eq(mkdir(shared, 0755), 0);
    cm_project project = make_project();
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(cm_render_map_with(db, &project, &maps[i], geometry, shared, &err), CM_OK);
    const char *pngs[] = {"couverture.png", "risque.png"};
    assert_same_files(own, shared, pngs, 2);
    cm_map_geometry_free(geometry);
    free(shared);
    free(own);
    free(db);
}
END_TEST

/* ---- bands drawn by whichever thread takes them ---------------------------------- */

enum { POOL_BANDS = 64 };

typedef struct {
    atomic_int drawn[POOL_BANDS];
    pthread_t drawer[POOL_BANDS];
} band_record;

static cairo_status_t record_band(void *context, int band)
{
    band_record *r = context;
    atomic_fetch_add(&r->drawn[band], 1);
    r->drawer[band] = pthread_self();
    struct timespec pause = {0, 500 * 1000}; /* long enough for the helper to take some */
    nanosleep(&pause, NULL);
    return band == 7 ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

typedef struct {
    cm_draw_pool *pool;
    band_record record[2];
    cairo_status_t status[2];
} pool_owner;

static void *offer_two_drawings(void *arg)
{
    pool_owner *o = arg;
    for (int i = 0; i < 2; i++)
        o->status[i] = cm_draw_bands(o->pool, record_band, &o->record[i], POOL_BANDS);
    cm_draw_pool_close(o->pool);
    return NULL;
}

/* Every band of every drawing offered is drawn once, some by the helper, and a
 * band's failure is the drawing's; the helper returns once the pool is closed. */
START_TEST(test_pool_bands_drawn_once)
{
    pool_owner *o = calloc(1, sizeof *o);
    o->pool = cm_draw_pool_new();
    ck_assert_ptr_nonnull(o->pool);
    pthread_t owner;
    ck_assert_int_eq(pthread_create(&owner, NULL, offer_two_drawings, o), 0);
    cm_draw_pool_help(o->pool);
    ck_assert_int_eq(pthread_join(owner, NULL), 0);
    int helped = 0;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(o->status[i], CAIRO_STATUS_NO_MEMORY);
        for (int b = 0; b < POOL_BANDS; b++) {
            ck_assert_int_eq(atomic_load(&o->record[i].drawn[b]), 1);
            helped += pthread_equal(o->record[i].drawer[b], pthread_self()) != 0;
        }
    }
    ck_assert_int_gt(helped, 0);
    ck_assert_int_lt(helped, 2 * POOL_BANDS);
    /* Without a pool, every band is drawn here. */
    band_record alone = {0};
    ck_assert_int_eq(cm_draw_bands(NULL, record_band, &alone, 3), CAIRO_STATUS_SUCCESS);
    for (int b = 0; b < 3; b++)
        ck_assert_int_eq(atomic_load(&alone.drawn[b]), 1);
    cm_draw_pool_free(o->pool);
    free(o);
}
END_TEST

/* Cuts of about as many points each, every band at least a row high. */
START_TEST(test_balanced_rows)
{
    /* Points on rows 10 (three times), 20 and 30 of a 100-row page, drawn at scale 1. */
    int32_t xy[] = {0, 10, 1, 10, 2, 10, 0, 20, 0, 30, 1, 30};
    size_t ring_start[] = {0, 6}, feature_ring[] = {0, 1};
    cm_page_shapes shapes = {1.0, xy, 6, ring_start, 1, feature_ring, 1};
    int rows[5];
    cm_balanced_rows(&shapes, 1.0, 100, 2, rows);
    ck_assert_int_eq(rows[0], 0);
    ck_assert_int_eq(rows[1], 11); /* half the points are on row 10 */
    ck_assert_int_eq(rows[2], 100);
    cm_balanced_rows(&shapes, 1.0, 100, 4, rows);
    /* A quarter and half of the points are reached on row 10: the second band keeps
     * a row all the same; three quarters on row 30. */
    ck_assert_int_eq(rows[0], 0);
    ck_assert_int_eq(rows[1], 11);
    ck_assert_int_eq(rows[2], 12);
    ck_assert_int_eq(rows[3], 31);
    ck_assert_int_eq(rows[4], 100);
    cm_balanced_rows(&shapes, 1.0, 3, 4, rows); /* fewer rows than bands: even cuts */
    ck_assert_int_eq(rows[4], 3);
    for (int b = 0; b < 4; b++)
        ck_assert_int_le(rows[b], rows[b + 1]);
}
END_TEST

/* Outlines loaded in a thread while another draws bands of their boundary layer
 * draw the same PNG as a map that reads and strokes its own. */
typedef struct {
    const char *db;
    const cm_map_spec *map;
    cm_draw_pool *pool;
    cm_map_geometry *geometry;
    cm_status status;
} helped_load;

static void *load_with_helper(void *arg)
{
    helped_load *h = arg;
    cm_error err;
    cm_error_clear(&err);
    h->status = cm_map_geometry_load(h->db, h->map, NULL, h->pool, &h->geometry, &err);
    cm_draw_pool_close(h->pool);
    return NULL;
}

START_TEST(test_helped_boundary_layer_is_the_same)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_map_spec coverage = make_map("couverture", "coverage_rate");
    coverage.format_svg = coverage.format_pdf = false;
    char *own = render_into(db, "own", &coverage);
    helped_load h = {db, &coverage, cm_draw_pool_new(), NULL, CM_ERR_INTERNAL};
    pthread_t loader;
    ck_assert_int_eq(pthread_create(&loader, NULL, load_with_helper, &h), 0);
    cm_draw_pool_help(h.pool);
    ck_assert_int_eq(pthread_join(loader, NULL), 0);
    ck_assert_int_eq(h.status, CM_OK);
    char *helped = ts_path_in(ts_temp_dir, "helped");
    ck_assert_int_eq(mkdir(helped, 0755), 0);
    cm_project project = make_project();
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_render_map_with(db, &project, &coverage, h.geometry, helped, &err), CM_OK);
    const char *files[] = {"couverture.png"};
    assert_same_files(own, helped, files, 1);
    cm_map_geometry_free(h.geometry);
    cm_draw_pool_free(h.pool);
    free(helped);
    free(own);
    free(db);
}
END_TEST

/* Outlines loaded once (as the run does while the store is built) draw the very same
 * maps as outlines each map reads itself, for every map that shares them. */
START_TEST(test_preloaded_outlines_draw_the_same_maps)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_map_spec coverage = make_map("couverture", "coverage_rate");
    cm_map_spec risk = make_map("risque", "risk_level");
    cm_map_geometry *geometry = NULL;
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_map_geometry_load(db, &coverage, NULL, NULL, &geometry, &err), CM_OK);
    ck_assert(cm_map_geometry_fits(geometry, &risk));
    cm_map_spec other_crs = make_map("autre", "coverage_rate");
    other_crs.srs = "EPSG:3857";
    ck_assert(!cm_map_geometry_fits(geometry, &other_crs));

    char *own = render_into(db, "own", &coverage);
    char *own_risk = render_into(db, "own", &risk);
    char *shared = ts_path_in(ts_temp_dir, "shared");
    ck_assert_int_eq(mkdir(shared, 0755), 0);
    cm_project project = make_project();
    ck_assert_int_eq(cm_render_map_with(db, &project, &coverage, geometry, shared, &err), CM_OK);
    ck_assert_int_eq(cm_render_map_with(db, &project, &risk, geometry, shared, &err), CM_OK);
    const char *files[] = {"couverture.png", "couverture.svg", "couverture.pdf",
                           "couverture.qml", "risque.png",     "risque.svg"};
    assert_same_files(own, shared, files, sizeof files / sizeof *files);

    /* Both maps emphasise the same territories the same way: drawn once on a layer
     * that both paint, they are still the same bytes. */
    cm_map_spec both[2] = {coverage, risk};
    cm_map_geometry_share_emphasis(geometry, db, both, 2);
    char *shared_emphasis = ts_path_in(ts_temp_dir, "shared-emphasis");
    ck_assert_int_eq(mkdir(shared_emphasis, 0755), 0);
    ck_assert_int_eq(cm_render_map_with(db, &project, &coverage, geometry, shared_emphasis, &err),
                     CM_OK);
    ck_assert_int_eq(cm_render_map_with(db, &project, &risk, geometry, shared_emphasis, &err),
                     CM_OK);
    const char *pngs[] = {"couverture.png", "risque.png"};
    assert_same_files(own, shared_emphasis, pngs, 2);
    /* And the layer is what they paint: with every territory stable in the store
     * now, the at-risk outline drawn beforehand still shows. */
    char *stable_db = ts_path_in(ts_temp_dir, "stable.sqlite");
    char command[1024];
    snprintf(command, sizeof command, "cp '%s' '%s'", db, stable_db);
    ck_assert_int_eq(ts_run(command, NULL, NULL), 0);
    cm_store *store = NULL;
    ck_assert_int_eq(cm_store_open(stable_db, &store, &err), CM_OK);
    ck_assert_int_eq(cm_store_exec(store, "UPDATE gap SET risk_level = 'stable'", &err), CM_OK);
    cm_store_close(store);
    char *painted = ts_path_in(ts_temp_dir, "painted");
    ck_assert_int_eq(mkdir(painted, 0755), 0);
    ck_assert_int_eq(cm_render_map_with(stable_db, &project, &coverage, geometry, painted, &err),
                     CM_OK);
    char *png_path = ts_path_in(painted, "couverture.png");
    char *pgw_path = ts_path_in(painted, "couverture.pgw");
    cairo_surface_t *image = cairo_image_surface_create_from_png(png_path);
    world_file w = read_world_file(pgw_path);
    double x, y;
    square_origin(&squares[1], false, &x, &y); /* cdn, at risk when the layer was drawn */
    rgb edge = pixel_at(image, &w, x + 5 * w.a, y + 0.3 * SIDE);
    ck_assert_int_lt(edge.r + edge.g + edge.b, 60);
    cairo_surface_destroy(image);
    free(pgw_path);
    free(png_path);
    free(painted);
    free(stable_db);
    free(shared_emphasis);
    cm_map_geometry_free(geometry);

    /* Outlines preloaded for a map without PNG have no boundary layer; a PNG map
     * drawn from them draws its own, to the same bytes (and leaks nothing). */
    cm_map_spec vector_only = make_map("couverture", "coverage_rate");
    vector_only.format_png = false;
    ck_assert_int_eq(cm_map_geometry_load(db, &vector_only, NULL, NULL, &geometry, &err), CM_OK);
    char *no_layer = ts_path_in(ts_temp_dir, "no-layer");
    ck_assert_int_eq(mkdir(no_layer, 0755), 0);
    ck_assert_int_eq(cm_render_map_with(db, &project, &coverage, geometry, no_layer, &err), CM_OK);
    const char *png[] = {"couverture.png"};
    assert_same_files(own, no_layer, png, 1);
    cm_map_geometry_free(geometry);
    free(no_layer);
    free(own);
    free(own_risk);
    free(shared);
    free(db);
}
END_TEST

START_TEST(test_lonlat_is_drawn_in_metres)
{
    char *db = ts_path_in(ts_temp_dir, "lonlat.sqlite");
    build_store(db, true);
    cm_map_spec map = make_map("couverture", "coverage_rate");
    map.format_svg = map.format_pdf = false;
    char *out = render_into(db, "maps", &map);
    char *pgw_path = ts_path_in(out, "couverture.pgw");
    world_file w = read_world_file(pgw_path);
    /* 3 squares of ~1.1 km across ~600 points at 300 dpi: about 1-2 m a pixel. */
    ck_assert_msg(w.a > 0.2 && w.a < 20, "pixel size %g is not in metres", w.a);
    /* UTM zone 18N: eastings around 500 km, northings around 5 040 km. */
    ck_assert(w.c > 100000 && w.c < 900000);
    ck_assert(w.f > 4900000 && w.f < 5200000);
    free(pgw_path);
    free(out);
    free(db);
}
END_TEST

START_TEST(test_risk_map_is_categorical)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_map_spec map = make_map("risque", "risk_level");
    map.method = CM_CLASS_DEFAULT;
    map.class_count = 0;
    map.format_svg = false;
    char *out = render_into(db, "maps", &map);
    char *png_path = ts_path_in(out, "risque.png");
    world_file w;
    {
        char *pgw_path = ts_path_in(out, "risque.pgw");
        w = read_world_file(pgw_path);
        free(pgw_path);
    }
    cairo_surface_t *png = cairo_image_surface_create_from_png(png_path);
    ck_assert_int_eq(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    /* RdYlBu: no-coordination dark red, at-risk orange, fragile yellow, stable blue. */
    const int colors[SQUARE_COUNT] = {0x4575b4, 0xf46d43, 0xfee090, 0xa50026, 0x4575b4, 0xfee090};
    for (int i = 0; i < SQUARE_COUNT; i++) {
        double x, y;
        square_origin(&squares[i], false, &x, &y);
        rgb sample = pixel_at(png, &w, x + 0.2 * SIDE, y + 0.2 * SIDE);
        ck_assert_msg(same_rgb(sample, colors[i]), "%s: got %d,%d,%d", squares[i].key, sample.r,
                      sample.g, sample.b);
    }
    cairo_surface_destroy(png);
    char command[1024], *text = NULL;
    snprintf(command, sizeof command, "pdftotext -enc UTF-8 '%s/risque.pdf' -", out);
    ck_assert_int_eq(ts_run(command, &text, NULL), 0);
    ck_assert_msg(strstr(text, "Sans coordination") && strstr(text, "À risque") &&
                      strstr(text, "Stable"),
                  "risk legend missing:\n%s", text);
    free(text);
    free(png_path);
    free(out);
    free(db);
}
END_TEST

/* A categorical map of numbers names its classes as SQLite writes the numbers
 * (their text is made only when asked): integers, reals and a non-round real. */
START_TEST(test_numbers_as_categories)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    const char *values[] = {"families_reached", "coverage_rate", "coverage_rate / 3.0",
                            "CAST(families_reached AS INTEGER) * 1000000007",
                            "CAST(families_reached AS INTEGER) * 100000000000000007"};
    sqlite3 *handle = NULL;
    ck_assert_int_eq(sqlite3_open_v2(db, &handle, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
        cm_map_spec map = make_map("categories", values[v]);
        map.method = CM_CLASS_CATEGORICAL;
        cm_feature_set set;
        cm_symbology sym;
        cm_error err;
        cm_error_clear(&err);
        ck_assert_msg(cm_load_value_features(handle, &map, &set, &err) == CM_OK, "%s", err.message);
        ck_assert_msg(cm_build_symbology(&map, CM_LOCALE_FR_CA, &set, &sym, &err) == CM_OK, "%s",
                      err.message);
        /* What SQLite itself gives as text, in the classes' (numeric) order. */
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT DISTINCT CAST((%s) AS TEXT), (%s) AS v FROM gap WHERE v IS NOT NULL "
                 "ORDER BY v",
                 values[v], values[v]);
        sqlite3_stmt *stmt = NULL;
        ck_assert_int_eq(sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL), SQLITE_OK);
        size_t c = 0;
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            ck_assert_uint_lt(c, sym.class_count);
            ck_assert_str_eq(sym.categories[c], (const char *)sqlite3_column_text(stmt, 0));
            ck_assert_str_eq(sym.labels[c], (const char *)sqlite3_column_text(stmt, 0));
            c++;
        }
        sqlite3_finalize(stmt);
        ck_assert_uint_eq(c, sym.class_count);
        cm_symbology_free(&sym);
        cm_feature_set_free(&set);
    }
    sqlite3_close(handle);
    free(db);
}
END_TEST

static void assert_refused(const char *db, const char *value, const char *why)
{
    cm_map_spec map = make_map("essai", value);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_msg(cm_map_validate_value(db, &map, &err) != CM_OK, "'%s' was accepted", value);
    ck_assert_msg(strstr(err.message, "essai"), "error does not name the map: %s", err.message);
    if (why)
        ck_assert_msg(strstr(err.message, why), "'%s': expected '%s' in: %s", value, why,
                      err.message);
}

START_TEST(test_sandbox)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_error err;
    cm_error_clear(&err);
    cm_map_spec ok = make_map("essai", "families_reached * 100.0 / children_0_5");
    ck_assert_int_eq(cm_map_validate_value(db, &ok, &err), CM_OK);
    ok.value = "round(coalesce(coverage_rate, 0), 1)";
    ck_assert_int_eq(cm_map_validate_value(db, &ok, &err), CM_OK);
    assert_refused(db, "load_extension('x')", "load_extension");
    assert_refused(db, "(SELECT 1 FROM sqlite_master)", "sqlite_master");
    assert_refused(db, "1; DROP TABLE gap", "semicolon");
    assert_refused(db, "ATTACH 'x.db' AS x", NULL);
    assert_refused(db, "(SELECT key FROM gap LIMIT 1)", "'gap'");
    assert_refused(db, "coverage_rate) FROM joined --", NULL);
    assert_refused(db, "1 /* x */", "comment");
    assert_refused(db, "randomblob(10)", "randomblob");
    assert_refused(db, "no_such_column", "no such column");
    /* An aggregate would collapse the rows: refused when drawing. */
    cm_map_spec aggregate = make_map("essai", "max(coverage_rate)");
    char *out = ts_path_in(ts_temp_dir, "maps");
    ck_assert_int_eq(ts_run("true", NULL, NULL), 0);
    ck_assert_int_ne(cm_render_map(db, NULL, &aggregate, ts_temp_dir, &err), CM_OK);
    ck_assert(strstr(err.message, "one value per territory"));
    /* A map name is a file name. */
    cm_map_spec bad = make_map("../evil", "coverage_rate");
    ck_assert_int_eq(cm_map_check_value_text(&bad, &err), CM_ERR_PROJECT);
    bad.name = ".hidden";
    ck_assert_int_eq(cm_map_check_value_text(&bad, &err), CM_ERR_PROJECT);
    bad.name = "a\\b";
    ck_assert_int_eq(cm_map_check_value_text(&bad, &err), CM_ERR_PROJECT);
    free(out);
    free(db);
}
END_TEST

static char *pdf_text(const char *pdf)
{
    char command[1024], *text = NULL;
    snprintf(command, sizeof command, "pdftotext -enc UTF-8 '%s' -", pdf);
    ck_assert_int_eq(ts_run(command, &text, NULL), 0);
    ck_assert_ptr_nonnull(text);
    return text;
}

START_TEST(test_labels_that_do_not_fit)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    /* At 60 pt no name fits in a 1 km square (about 163 pt wide on this page). */
    cm_setting settings[] = {
        {"labels.size", "60"}, {"labels.min_size", "60"}, {"labels.mode", "auto"}};
    cm_map_spec map = make_map("noms", "coverage_rate");
    map.format_png = map.format_svg = false;
    map.settings = settings;
    map.setting_count = 3;
    char *out = render_into(db, "auto", &map);
    char *pdf = ts_path_in(out, "noms.pdf");
    char *text = pdf_text(pdf);
    ck_assert_msg(!strstr(text, "Verdun") && !strstr(text, "Lachine"),
                  "names that do not fit were drawn:\n%s", text);
    free(text);
    free(pdf);
    free(out);

    settings[2].value = "number-key";
    out = render_into(db, "numbers", &map);
    pdf = ts_path_in(out, "noms.pdf");
    text = pdf_text(pdf);
    ck_assert_msg(strstr(text, "Quartiers numérotés"), "no number key:\n%s", text);
    /* Listed by name: Ahuntsic-Cartierville is 1, Verdun is 6. */
    const char *ahuntsic = strstr(text, "Ahuntsic-Cartierville");
    const char *verdun = strstr(text, "Verdun");
    ck_assert_ptr_nonnull(ahuntsic);
    ck_assert_ptr_nonnull(verdun);
    ck_assert(ahuntsic < verdun);
    ck_assert_ptr_nonnull(strstr(text, "6  Verdun") ? strstr(text, "6  Verdun")
                                                    : strstr(text, "6 Verdun"));
    free(text);
    free(pdf);
    free(out);
    free(db);
}
END_TEST

START_TEST(test_page_size_and_dpi)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_setting settings[] = {
        {"page.size", "a4"}, {"page.orientation", "portrait"}, {"png.dpi", "72"}};
    cm_map_spec map = make_map("a4", "coverage_rate");
    map.format_svg = map.format_pdf = false;
    map.settings = settings;
    map.setting_count = 3;
    char *out = render_into(db, "maps", &map);
    char *png_path = ts_path_in(out, "a4.png");
    cairo_surface_t *png = cairo_image_surface_create_from_png(png_path);
    ck_assert_int_eq(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    /* A4 is 595.28 x 841.89 points: at 72 dpi, 595 x 842 pixels. */
    ck_assert_int_eq(cairo_image_surface_get_width(png), 595);
    ck_assert_int_eq(cairo_image_surface_get_height(png), 842);
    cairo_surface_destroy(png);
    free(png_path);
    free(out);
    free(db);
}
END_TEST

/* Vector pages outline each class as they fill it and the no-data territories
 * after their hatch: every boundary shows, as on the PNG, whatever the classes on
 * either side. The PDF is drawn at the PNG's resolution and read through the
 * PNG's world file. */
START_TEST(test_vector_pages_draw_every_boundary)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_setting settings[] = {
        {"emphasis", "none"}, {"boundary.color", "#ff0000"}, {"boundary.width", "2"}};
    cm_map_spec map = make_map("limites", "coverage_rate");
    map.format_svg = false;
    map.settings = settings;
    map.setting_count = 3;
    char *out = render_into(db, "maps", &map);
    char command[2048];
    snprintf(command, sizeof command,
             "pdftoppm -r 300 -png -singlefile '%s/limites.pdf' '%s/from-pdf'", out, out);
    ck_assert_int_eq(ts_run(command, NULL, NULL), 0);
    char *png_path = ts_path_in(out, "limites.png");
    char *pdf_png_path = ts_path_in(out, "from-pdf.png");
    char *pgw_path = ts_path_in(out, "limites.pgw");
    cairo_surface_t *png = cairo_image_surface_create_from_png(png_path);
    cairo_surface_t *pdf = cairo_image_surface_create_from_png(pdf_png_path);
    ck_assert_int_eq(cairo_surface_status(pdf), CAIRO_STATUS_SUCCESS);
    ck_assert_int_eq(cairo_image_surface_get_width(pdf), cairo_image_surface_get_width(png));
    world_file w = read_world_file(pgw_path);
    /* Midpoints of edges: class | class, class | no data, and the outer edge. */
    const double edges[][2] = {{291000, 5040500}, {290500, 5041000}, {291500, 5041000},
                               {292500, 5041000}, {292000, 5041500}, {290000, 5040500},
                               {293000, 5041500}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        rgb from_png = pixel_at(png, &w, edges[i][0], edges[i][1]);
        rgb from_pdf = pixel_at(pdf, &w, edges[i][0], edges[i][1]);
        ck_assert_msg(from_png.r > 200 && from_png.g < 80 && from_png.b < 80,
                      "PNG edge %zu: %d,%d,%d", i, from_png.r, from_png.g, from_png.b);
        ck_assert_msg(from_pdf.r > 200 && from_pdf.g < 80 && from_pdf.b < 80,
                      "PDF edge %zu: %d,%d,%d", i, from_pdf.r, from_pdf.g, from_pdf.b);
    }
    /* Inside, the class colour: the outline stays on the edge. */
    double x, y;
    square_origin(&squares[0], false, &x, &y);
    ck_assert(same_rgb(pixel_at(pdf, &w, x + 0.1 * SIDE, y + 0.5 * SIDE), ylgnbu4[0]));
    cairo_surface_destroy(pdf);
    cairo_surface_destroy(png);
    free(pgw_path);
    free(pdf_png_path);
    free(png_path);
    free(out);
    free(db);
}
END_TEST

static void free_settings(cm_map_spec *map)
{
    for (size_t i = 0; i < map->setting_count; i++) {
        free(map->settings[i].key);
        free(map->settings[i].value);
    }
    free(map->settings);
    map->settings = NULL;
    map->setting_count = 0;
}

START_TEST(test_shipped_styles)
{
    const char *styles[] = {"sequential", "diverging", "risk", "print-bw"};
    const char *palettes[] = {"YlGnBu", "RdYlBu", NULL, "Greys"};
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    for (int i = 0; i < 4; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/styles/%s.yaml", COVERMAP_SOURCE_DIR, styles[i]);
        cm_map_spec map = make_map(styles[i], i == 2 ? "risk_level" : "coverage_rate");
        map.method = CM_CLASS_DEFAULT;
        map.class_count = 0;
        map.format_svg = false;
        cm_error err;
        cm_error_clear(&err);
        ck_assert_msg(cm_style_load(path, path, &map, &err) == CM_OK, "%s: %s", path, err.message);
        if (palettes[i])
            ck_assert_str_eq(cm_map_setting(&map, "palette"), palettes[i]);
        /* Keep the test light: override the resolution as a map entry would. */
        cm_setting *grown = realloc(map.settings, (map.setting_count + 1) * sizeof *grown);
        ck_assert_ptr_nonnull(grown);
        map.settings = grown;
        map.settings[map.setting_count++] = (cm_setting){strdup("png.dpi"), strdup("36")};
        char *out = render_into(db, styles[i], &map);
        char *png_path = ts_path_in(out, "print-bw.png");
        if (i == 3) {
            /* Letter portrait at 36 dpi: 306 x 396. */
            cairo_surface_t *png = cairo_image_surface_create_from_png(png_path);
            ck_assert_int_eq(cairo_image_surface_get_width(png), 306);
            ck_assert_int_eq(cairo_image_surface_get_height(png), 396);
            cairo_surface_destroy(png);
        }
        free(png_path);
        free(out);
        free_settings(&map);
    }
    free(db);
}
END_TEST

/* The GeoPackage's QGIS styles for a map are the same bytes whether read from the
 * files the map job wrote or built from the values: beside a single map the export
 * takes whichever is there first (run.c), so both must agree. */
static char *style_column(const char *gpkg, const char *column)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(gpkg, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT %s FROM layer_styles WHERE styleName = 'couverture'", column);
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
    const char *text = (const char *)sqlite3_column_text(stmt, 0);
    ck_assert_ptr_nonnull(text);
    char *copy = strdup(text);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return copy;
}

START_TEST(test_geopackage_styles_from_files_or_values_agree)
{
    char *db = ts_path_in(ts_temp_dir, "store.sqlite");
    build_store(db, false);
    cm_map_spec map = make_map("couverture", "coverage_rate");
    map.format_svg = map.format_pdf = false;
    char *maps_dir = render_into(db, "maps", &map);
    cm_project project = make_project();
    project.maps = &map;
    project.map_count = 1;
    cm_error err;
    cm_error_clear(&err);
    char *from_values = ts_path_in(ts_temp_dir, "from-values.gpkg");
    char *from_files = ts_path_in(ts_temp_dir, "from-files.gpkg");
    ck_assert_msg(cm_export_geopackage(db, &project, NULL, from_values, &err) == CM_OK, "%s",
                  err.message);
    ck_assert_msg(cm_export_geopackage(db, &project, maps_dir, from_files, &err) == CM_OK, "%s",
                  err.message);
    static const char *const columns[] = {"styleQML", "styleSLD"};
    static const char *const files[] = {"couverture.qml", "couverture.sld"};
    for (int i = 0; i < 2; i++) {
        char *a = style_column(from_values, columns[i]);
        char *b = style_column(from_files, columns[i]);
        char *file_path = ts_path_in(maps_dir, files[i]);
        char *file = ts_read_file(file_path, NULL);
        ck_assert_ptr_nonnull(file);
        ck_assert_str_eq(a, b);
        ck_assert_str_eq(b, file);
        free(a);
        free(b);
        free(file);
        free(file_path);
    }
    /* And the two GeoPackages are the same bytes. */
    size_t size_a = 0, size_b = 0;
    char *bytes_a = ts_read_file(from_values, &size_a),
         *bytes_b = ts_read_file(from_files, &size_b);
    ck_assert_ptr_nonnull(bytes_a);
    ck_assert_ptr_nonnull(bytes_b);
    ck_assert_uint_eq(size_a, size_b);
    ck_assert_mem_eq(bytes_a, bytes_b, size_a);
    free(bytes_a);
    free(bytes_b);
    free(from_values);
    free(from_files);
    free(maps_dir);
    free(db);
}
END_TEST

int main(void)
{
    GDALAllRegister(); /* the GeoPackage export */
    cm_gdal_install_error_handler();
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("maps");
    tcase_add_checked_fixture(tc, ts_temp_setup, ts_temp_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_png_fill_follows_classes);
    tcase_add_test(tc, test_pdf_has_real_text);
    tcase_add_test(tc, test_svg_parses_and_outputs_are_reproducible);
    tcase_add_test(tc, test_vector_pages_draw_every_boundary);
    tcase_add_test(tc, test_shared_emphasis_with_two_widths);
    tcase_add_test(tc, test_preloaded_outlines_draw_the_same_maps);
    tcase_add_test(tc, test_pool_bands_drawn_once);
    tcase_add_test(tc, test_balanced_rows);
    tcase_add_test(tc, test_helped_boundary_layer_is_the_same);
    tcase_add_test(tc, test_lonlat_is_drawn_in_metres);
    tcase_add_test(tc, test_risk_map_is_categorical);
    tcase_add_test(tc, test_numbers_as_categories);
    tcase_add_test(tc, test_sandbox);
    tcase_add_test(tc, test_values_read_from_gap_or_view);
    tcase_add_test(tc, test_spatial_values_get_spatialite);
    tcase_add_test(tc, test_labels_that_do_not_fit);
    tcase_add_test(tc, test_page_size_and_dpi);
    tcase_add_test(tc, test_shipped_styles);
    tcase_add_test(tc, test_geopackage_styles_from_files_or_values_agree);
    suite_add_tcase(s, tc);
    return ts_run_suite(s);
}
