/* The R*Tree packer: SQLite's own integrity check passes on what it writes; window
 * queries give exactly the boxes they should (and what SQLite's own inserts give);
 * SQLite keeps inserting into and deleting from a packed tree; coordinates are
 * rounded outwards; the tree does not depend on the order of the boxes; a table
 * that is not an empty two-dimensional R*Tree is refused. */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rtree_pack.h"
#include "test_support.h"

static sqlite3 *open_with_rtrees(void)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "CREATE VIRTUAL TABLE packed USING rtree(id, min_x, max_x, "
                                  "min_y, max_y);"
                                  "CREATE VIRTUAL TABLE inserted USING rtree(id, min_x, max_x, "
                                  "min_y, max_y);"
                                  "CREATE VIRTUAL TABLE again USING rtree(id, min_x, max_x, "
                                  "min_y, max_y);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

static char *text_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    char *text = NULL;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        text = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return text;
}

static void assert_integrity(sqlite3 *db, const char *rtree)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT rtreecheck('%s')", rtree);
    char *verdict = text_of(db, sql);
    ck_assert_ptr_nonnull(verdict);
    ck_assert_msg(strcmp(verdict, "ok") == 0, "rtreecheck(%s): %s", rtree, verdict);
    free(verdict);
}

/* Boxes on a grid of eighths below 2^20: exact as floats, so that the tree holds
 * them as they are and a window query has one right answer. */
static cm_rtree_box *grid_boxes(size_t count, unsigned seed)
{
    cm_rtree_box *boxes = calloc(count ? count : 1, sizeof *boxes);
    ck_assert_ptr_nonnull(boxes);
    srand(seed);
    for (size_t i = 0; i < count; i++) {
        double x = (rand() % 8000000) / 8.0, y = (rand() % 8000000) / 8.0;
        double w = (rand() % 4000) / 8.0, h = (rand() % 4000) / 8.0;
        boxes[i] = (cm_rtree_box){(sqlite3_int64)(i * 3 + 1), x, x + w, y, y + h};
    }
    return boxes;
}

static void insert_with_sqlite(sqlite3 *db, const char *rtree, const cm_rtree_box *boxes,
                               size_t count)
{
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?, ?, ?, ?, ?)", rtree);
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    for (size_t i = 0; i < count; i++) {
        sqlite3_bind_int64(stmt, 1, boxes[i].id);
        sqlite3_bind_double(stmt, 2, boxes[i].min_x);
        sqlite3_bind_double(stmt, 3, boxes[i].max_x);
        sqlite3_bind_double(stmt, 4, boxes[i].min_y);
        sqlite3_bind_double(stmt, 5, boxes[i].max_y);
        ck_assert_int_eq(sqlite3_step(stmt), SQLITE_DONE);
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
}

/* The ids a window query on the table finds, in order, as text. */
static char *window_ids(sqlite3 *db, const char *rtree, const double w[4])
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT group_concat(id) FROM (SELECT id FROM %s WHERE max_x >= %.17g AND "
             "min_x <= %.17g AND max_y >= %.17g AND min_y <= %.17g ORDER BY id)",
             rtree, w[0], w[1], w[2], w[3]);
    char *ids = text_of(db, sql);
    return ids ? ids : strdup("");
}

/* The same from the boxes themselves (ids are increasing in the array). */
static char *expected_ids(const cm_rtree_box *boxes, size_t count, const bool *gone,
                          const double w[4])
{
    size_t room = 32 * count + 1, used = 0;
    char *ids = calloc(room, 1);
    ck_assert_ptr_nonnull(ids);
    for (size_t i = 0; i < count; i++) {
        const cm_rtree_box *b = &boxes[i];
        if ((gone && gone[i]) || b->max_x < w[0] || b->min_x > w[1] || b->max_y < w[2] ||
            b->min_y > w[3])
            continue;
        used +=
            (size_t)snprintf(ids + used, room - used, "%s%lld", used ? "," : "", (long long)b->id);
    }
    return ids;
}

static void assert_windows(sqlite3 *db, const char *rtree, const cm_rtree_box *boxes, size_t count,
                           const bool *gone)
{
    srand(7);
    for (int q = 0; q < 40; q++) {
        double x = (rand() % 8000000) / 8.0, y = (rand() % 8000000) / 8.0;
        double size = (double)(rand() % 400000) / (q % 4 == 0 ? 1.0 : 8.0);
        double w[4] = {x, x + size, y, y + size};
        char *got = window_ids(db, rtree, w), *want = expected_ids(boxes, count, gone, w);
        ck_assert_msg(strcmp(got, want) == 0, "%s, window %d: %.200s instead of %.200s", rtree, q,
                      got, want);
        free(got);
        free(want);
    }
}

static void pack_ok(sqlite3 *db, const char *rtree, const cm_rtree_box *boxes, size_t count)
{
    cm_error err;
    cm_error_clear(&err);
    ck_assert_msg(cm_rtree_pack(db, rtree, boxes, count, &err) == CM_OK, "%s", err.message);
}

static void check_count(size_t count)
{
    sqlite3 *db = open_with_rtrees();
    cm_rtree_box *boxes = grid_boxes(count, (unsigned)count + 11);
    pack_ok(db, "packed", boxes, count);
    insert_with_sqlite(db, "inserted", boxes, count);
    assert_integrity(db, "packed");
    char *rows = text_of(db, "SELECT count(*) FROM packed");
    char want[32];
    snprintf(want, sizeof want, "%zu", count);
    ck_assert_str_eq(rows, want);
    free(rows);
    assert_windows(db, "packed", boxes, count, NULL);
    assert_windows(db, "inserted", boxes, count, NULL);
    free(boxes);
    sqlite3_close(db);
}

START_TEST(packed_trees_pass_sqlite_checks_and_queries)
{
    /* Empty, a lone root leaf, a full root, one level more, several more. */
    const size_t counts[] = {0, 1, 51, 52, 2601, 2602, 20000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        check_count(counts[i]);
}
END_TEST

START_TEST(sqlite_updates_a_packed_tree)
{
    size_t count = 5000, extra = 300;
    sqlite3 *db = open_with_rtrees();
    cm_rtree_box *boxes = grid_boxes(count + extra, 3);
    pack_ok(db, "packed", boxes, count);
    /* SQLite's inserts into full nodes split them; its deletes empty and merge them. */
    insert_with_sqlite(db, "packed", boxes + count, extra);
    bool *gone = calloc(count + extra, sizeof *gone);
    ck_assert_ptr_nonnull(gone);
    for (size_t i = 0; i < count + extra; i += 3) {
        char sql[64];
        snprintf(sql, sizeof sql, "DELETE FROM packed WHERE id = %lld", (long long)boxes[i].id);
        ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        gone[i] = true;
    }
    assert_integrity(db, "packed");
    assert_windows(db, "packed", boxes, count + extra, gone);
    free(gone);
    free(boxes);
    sqlite3_close(db);
}
END_TEST

START_TEST(coordinates_are_rounded_outwards)
{
    sqlite3 *db = open_with_rtrees();
    /* None of these is a float: the stored box must still cover the true one. */
    cm_rtree_box boxes[] = {{1, 0.1, 0.3, -0.7, -0.2},
                            {2, 1234567.89, 1234568.01, 5040123.17, 5040999.93},
                            {3, -73.6012345, -73.5987654, 45.4912345, 45.5087654}};
    size_t count = sizeof boxes / sizeof boxes[0];
    pack_ok(db, "packed", boxes, count);
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT min_x, max_x, min_y, max_y FROM packed "
                                        "WHERE id = ?",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < count; i++) {
        sqlite3_bind_int64(stmt, 1, boxes[i].id);
        ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
        ck_assert(sqlite3_column_double(stmt, 0) <= boxes[i].min_x);
        ck_assert(sqlite3_column_double(stmt, 1) >= boxes[i].max_x);
        ck_assert(sqlite3_column_double(stmt, 2) <= boxes[i].min_y);
        ck_assert(sqlite3_column_double(stmt, 3) >= boxes[i].max_y);
        /* By no more than one float step. */
        ck_assert(boxes[i].min_x - sqlite3_column_double(stmt, 0) <
                  1e-6 * (1 + fabs(boxes[i].min_x)));
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}
END_TEST

START_TEST(the_tree_does_not_depend_on_the_boxes_order)
{
    size_t count = 3000;
    sqlite3 *db = open_with_rtrees();
    cm_rtree_box *boxes = grid_boxes(count, 5);
    /* Every box twice at the same place, so that ties in the sorts matter too. */
    for (size_t i = 1; i < count; i += 2) {
        sqlite3_int64 id = boxes[i].id;
        boxes[i] = boxes[i - 1];
        boxes[i].id = id;
    }
    pack_ok(db, "packed", boxes, count);
    for (size_t i = 0; i + 1 < count; i += 2) { /* reversed by pairs, then rotated */
        cm_rtree_box b = boxes[i];
        boxes[i] = boxes[count - 1 - i];
        boxes[count - 1 - i] = b;
    }
    pack_ok(db, "again", boxes, count);
    char *a = text_of(db, "SELECT hex(group_concat(data, '')) FROM (SELECT data FROM packed_node "
                          "ORDER BY nodeno)");
    char *b = text_of(db, "SELECT hex(group_concat(data, '')) FROM (SELECT data FROM again_node "
                          "ORDER BY nodeno)");
    ck_assert_ptr_nonnull(a);
    ck_assert_msg(strcmp(a, b) == 0, "the nodes differ with the order of the boxes");
    free(a);
    free(b);
    free(boxes);
    sqlite3_close(db);
}
END_TEST

static void expect_refused(sqlite3 *db, const char *table)
{
    cm_rtree_box box = {1, 0, 1, 0, 1};
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_rtree_pack(db, table, &box, 1, &err), CM_ERR_SQL);
    ck_assert_msg(err.message[0] != '\0', "no message for %s", table);
}

START_TEST(only_an_empty_two_dimensional_rtree_is_packed)
{
    sqlite3 *db = open_with_rtrees();
    ck_assert_int_eq(sqlite3_exec(db,
                                  "CREATE TABLE plain(id INTEGER PRIMARY KEY, x REAL);"
                                  "CREATE VIRTUAL TABLE cube USING rtree(id, x0, x1, y0, y1, z0, "
                                  "z1);"
                                  "INSERT INTO inserted VALUES (1, 0, 1, 0, 1);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    expect_refused(db, "plain");
    expect_refused(db, "cube");
    expect_refused(db, "inserted"); /* not empty */
    expect_refused(db, "absent");
    sqlite3_close(db);
}
END_TEST

static Suite *rtree_pack_suite(void)
{
    Suite *s = suite_create("rtree_pack");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, packed_trees_pass_sqlite_checks_and_queries);
    tcase_add_test(tc, sqlite_updates_a_packed_tree);
    tcase_add_test(tc, coordinates_are_rounded_outwards);
    tcase_add_test(tc, the_tree_does_not_depend_on_the_boxes_order);
    tcase_add_test(tc, only_an_empty_two_dimensional_rtree_is_packed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ts_run_suite(rtree_pack_suite());
}
