#include "covermap/store.h"

#include "covermap/text.h"
#include "store/rtree_pack.h"

#include <errno.h>
#include <glib.h>
#include <spatialite.h>
#include <spatialite/gaiageo.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cm_store {
    sqlite3 *db;
    void *spatialite_cache;
    char *path;
};

static cm_status sql_error(cm_store *store, cm_error *err, const char *what)
{
    cm_error_set(err, CM_ERR_SQL, "%s: %s", what, sqlite3_errmsg(store->db));
    cm_error_set_file(err, store->path);
    return CM_ERR_SQL;
}

/* cm_fold(text): covermap's key folding (case, accents, blanks, dashes,
 * apostrophes) as an SQL function, for comparisons the way people read them. */
static void sql_fold(sqlite3_context *context, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    if (!text) {
        sqlite3_result_null(context);
        return;
    }
    char *folded = cm_fold_key(text);
    if (folded)
        sqlite3_result_text(context, folded, -1, free);
    else
        sqlite3_result_text(context, text, -1, SQLITE_TRANSIENT);
}

/* COVERMAP_SQL_PROFILE=MS prints every statement that took at least MS milliseconds:
 * the store's own profiler, so a slow query is found without a debugger. */
static int sql_profile(unsigned type, void *context, void *statement, void *elapsed_ns)
{
    (void)type;
    double ms = (double)*(sqlite3_int64 *)elapsed_ns / 1e6;
    if (ms < *(double *)context)
        return 0;
    char *sql = sqlite3_expanded_sql(statement);
    const char *text = sql ? sql : sqlite3_sql(statement);
    fprintf(stderr, "covermap: sql %9.3f ms  %.300s\n", ms, text ? text : "?");
    sqlite3_free(sql);
    return 0;
}

static void install_sql_profile(sqlite3 *db)
{
    static double threshold_ms;
    const char *setting = getenv("COVERMAP_SQL_PROFILE");
    if (!setting || !*setting)
        return;
    threshold_ms = atof(setting);
    sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, sql_profile, &threshold_ms);
}

/* Waits for another connection's lock in steps of 0.2 ms, for up to 10 minutes.
 * The writer meets a reader's lock when its cache spills while the maps' outlines
 * are being read; sqlite3_busy_timeout's growing sleeps (1, 2, 5, 10, 15 ms...)
 * then held it 9-34 ms at 20 000 territories for a read that had ended sooner. */
static int wait_for_lock(void *unused, int attempts)
{
    (void)unused;
    enum { STEP_NS = 200 * 1000, MAX_ATTEMPTS = 10 * 60 * 5000 };
    if (attempts >= MAX_ATTEMPTS)
        return 0;
    struct timespec step = {0, STEP_NS};
    nanosleep(&step, NULL);
    return 1;
}

/* with_spatialite: whether the connection gets SpatiaLite's SQL functions, which
 * cost 15-20 ms of CPU a connection to register. */
static cm_status open_store(const char *path, int flags, bool with_spatialite, cm_store **out,
                            cm_error *err)
{
    cm_store *store = calloc(1, sizeof *store);
    if (!store || !(store->path = strdup(path))) {
        free(store);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory opening the store");
    }
    /* One connection, one thread: SQLite need not lock it on every call. */
    if (sqlite3_open_v2(path, &store->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        cm_error_set(err, CM_ERR_SQL, "cannot open the working database: %s",
                     store->db ? sqlite3_errmsg(store->db) : "out of memory");
        cm_error_set_file(err, path);
        cm_store_close(store);
        return CM_ERR_SQL;
    }
    sqlite3_extended_result_codes(store->db, 1);
    /* Map jobs read the store while the run adds its spatial index: wait for the
     * other side's lock rather than fail. */
    sqlite3_busy_handler(store->db, wait_for_lock, NULL);
    install_sql_profile(store->db);
    if (with_spatialite) {
        store->spatialite_cache = spatialite_alloc_connection();
        spatialite_init_ex(store->db, store->spatialite_cache, 0);
    }
    sqlite3_create_function(store->db, "cm_fold", 1,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_fold,
                            NULL, NULL);
    *out = store;
    return CM_OK;
}

void cm_store_configure_sqlite(void)
{
    /* Nothing reads sqlite3_memory_used(); with the statistics on, every malloc and
     * free of every connection takes one process-wide mutex (3 % of a run's CPU). */
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

cm_status cm_store_create(const char *path, cm_store **out, cm_error *err)
{
    *out = NULL;
    /* The store is always created afresh (an absent file is fine). */
    if (strcmp(path, ":memory:") != 0 && unlink(path) != 0 && errno != ENOENT) {
        cm_error_set(err, CM_ERR_IO, "cannot replace the store: %s", strerror(errno));
        cm_error_set_file(err, path);
        return CM_ERR_IO;
    }
    cm_store *store = NULL;
    cm_status st = open_store(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, true, &store, err);
    if (st != CM_OK)
        return st;
    /* The store is rebuilt from the inputs on every run, so durability during the
     * build buys nothing; the final file is renamed into place once complete.
     * spatial_ref_sys starts without the 6 000 EPSG definitions (a tenth of the
     * run at 20 000 territories went into writing them): the territories' own CRS
     * is added when they are stored. Pages of 16 KiB rather than SQLite's 4 KiB:
     * a quarter of the pages to allocate, link and write for the boundaries and
     * tables (5 % of a run at 20 000 territories). A small store is larger for
     * it (30 territories: 1.2 MB instead of 0.4 MB); 64 KiB was no faster.
     * SQLite's own cache size (2 MB): with 64 MB, every page of the store was
     * fresh memory held until the commit (10 000 page faults at 20 000
     * territories) and a larger process to fork; pages written out early are
     * read back from the system's cache as fast (-3 % at 20 000 and 100 000
     * territories, and 50 MB less at 100 000). */
    st = cm_store_exec(store,
                       "PRAGMA page_size=16384;"
                       "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                       "PRAGMA temp_store=MEMORY;"
                       "SELECT InitSpatialMetadata(1, 'NONE');"
                       "CREATE TABLE run_info(name TEXT PRIMARY KEY, value TEXT);",
                       err);
    if (st != CM_OK) {
        cm_store_close(store);
        return st;
    }
    *out = store;
    return CM_OK;
}

cm_status cm_store_open_readonly(const char *path, cm_store **out, cm_error *err)
{
    *out = NULL;
    return open_store(path, SQLITE_OPEN_READONLY, true, out, err);
}

cm_status cm_store_open_reader(const char *path, cm_store **out, cm_error *err)
{
    *out = NULL;
    return open_store(path, SQLITE_OPEN_READONLY, false, out, err);
}

static cm_status open_writer(const char *path, bool with_spatialite, cm_store **out, cm_error *err)
{
    *out = NULL;
    cm_store *store = NULL;
    cm_status st = open_store(path, SQLITE_OPEN_READWRITE, with_spatialite, &store, err);
    if (st == CM_OK)
        st = cm_store_exec(store, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", err);
    if (st != CM_OK) {
        cm_store_close(store);
        return st;
    }
    *out = store;
    return CM_OK;
}

cm_status cm_store_open(const char *path, cm_store **out, cm_error *err)
{
    return open_writer(path, true, out, err);
}

cm_status cm_store_open_plain_writer(const char *path, cm_store **out, cm_error *err)
{
    return open_writer(path, false, out, err);
}

/* SpatiaLite's SQL functions answer 1 when they did their work, 0 when not. */
static cm_status select_one(cm_store *store, const char *sql, const char *what, cm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_store_prepare(store, sql, &stmt, err);
    if (st != CM_OK)
        return st;
    if (sqlite3_step(stmt) != SQLITE_ROW || sqlite3_column_int(stmt, 0) != 1)
        st = sql_error(store, err, what);
    sqlite3_finalize(stmt);
    return st;
}

cm_status cm_store_declare_spatial_index(cm_store *store, const char *table, cm_error *err)
{
    char *sql = sqlite3_mprintf("SELECT CreateSpatialIndex(%Q, 'geom')", table);
    cm_status st = sql ? select_one(store, sql, "cannot create the spatial index", err)
                       : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    sqlite3_free(sql);
    return st;
}

/* A geometry's box from its SpatiaLite blob (the functions behind MbrMinX() and
 * co., which need no connection); false when the blob is not a geometry. */
static bool blob_box(const unsigned char *blob, int size, cm_rtree_box *box)
{
    unsigned n = size > 0 ? (unsigned)size : 0;
    return blob && gaiaGetMbrMinX(blob, n, &box->min_x) && gaiaGetMbrMaxX(blob, n, &box->max_x) &&
           gaiaGetMbrMinY(blob, n, &box->min_y) && gaiaGetMbrMaxY(blob, n, &box->max_y);
}

/* The boxes of table's geometries, those SpatiaLite's own index build takes (rows
 * without a geometry have none). *boxes is malloc'd; the caller frees it. */
static cm_status read_boxes(cm_store *store, const char *table, cm_rtree_box **boxes, size_t *count,
                            cm_error *err)
{
    *boxes = NULL;
    *count = 0;
    char *sql = sqlite3_mprintf("SELECT ROWID, geom FROM \"%w\" WHERE geom IS NOT NULL", table);
    sqlite3_stmt *stmt = NULL;
    cm_status st = sql ? cm_store_prepare(store, sql, &stmt, err)
                       : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    sqlite3_free(sql);
    size_t capacity = 0;
    int rc = SQLITE_DONE;
    while (st == CM_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        cm_rtree_box box = {sqlite3_column_int64(stmt, 0), 0, 0, 0, 0};
        if (!blob_box(sqlite3_column_blob(stmt, 1), sqlite3_column_bytes(stmt, 1), &box))
            continue;
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 1024;
            cm_rtree_box *grown = realloc(*boxes, capacity * sizeof *grown);
            if (!grown) {
                st = cm_error_set(err, CM_ERR_NOMEM, "out of memory building the spatial index");
                break;
            }
            *boxes = grown;
        }
        (*boxes)[(*count)++] = box;
    }
    if (st == CM_OK && rc != SQLITE_DONE)
        st = sql_error(store, err, "cannot read the geometries' extents");
    sqlite3_finalize(stmt);
    if (st != CM_OK) {
        free(*boxes);
        *boxes = NULL;
        *count = 0;
    }
    return st;
}

cm_status cm_store_fill_spatial_index(cm_store *store, const char *table, cm_error *err)
{
    cm_rtree_box *boxes = NULL;
    size_t count = 0;
    cm_status st = read_boxes(store, table, &boxes, &count, err);
    char *rtree = st == CM_OK ? sqlite3_mprintf("idx_%s_geom", table) : NULL;
    if (st == CM_OK && !rtree)
        st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    if (st == CM_OK)
        st = cm_rtree_pack(store->db, rtree, boxes, count, err);
    if (st != CM_OK)
        cm_error_set_file(err, store->path);
    sqlite3_free(rtree);
    free(boxes);
    return st;
}

static int refresh_progress(void *progress)
{
    cm_progress_refresh(progress);
    return 0; /* never interrupts */
}

void cm_store_watch_progress(cm_store *store, cm_progress *progress)
{
    /* Every 100 000 virtual-machine steps: a few milliseconds of SQL. */
    if (progress && progress->enabled)
        sqlite3_progress_handler(store->db, 100000, refresh_progress, progress);
    else
        sqlite3_progress_handler(store->db, 0, NULL, NULL);
}

void cm_store_close(cm_store *store)
{
    if (!store)
        return;
    if (store->db)
        sqlite3_close(store->db);
    if (store->spatialite_cache)
        spatialite_cleanup_ex(store->spatialite_cache);
    free(store->path);
    free(store);
}

sqlite3 *cm_store_db(cm_store *store)
{
    return store->db;
}

const char *cm_store_path(const cm_store *store)
{
    return store->path;
}

cm_status cm_store_exec(cm_store *store, const char *sql, cm_error *err)
{
    char *message = NULL;
    if (sqlite3_exec(store->db, sql, NULL, NULL, &message) != SQLITE_OK) {
        cm_error_set(err, CM_ERR_SQL, "SQL failed: %s",
                     message ? message : sqlite3_errmsg(store->db));
        sqlite3_free(message);
        return CM_ERR_SQL;
    }
    return CM_OK;
}

cm_status cm_store_prepare(cm_store *store, const char *sql, sqlite3_stmt **out, cm_error *err)
{
    *out = NULL;
    if (sqlite3_prepare_v2(store->db, sql, -1, out, NULL) != SQLITE_OK) {
        sqlite3_finalize(*out);
        *out = NULL;
        return sql_error(store, err, "cannot prepare SQL");
    }
    return CM_OK;
}

cm_status cm_store_set_info(cm_store *store, const char *name, const char *value, cm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_store_prepare(
        store, "INSERT OR REPLACE INTO run_info(name, value) VALUES (?, ?)", &stmt, err);
    if (st != CM_OK)
        return st;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    if (value)
        sqlite3_bind_text(stmt, 2, value, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, 2);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = sql_error(store, err, "cannot write run_info");
    sqlite3_finalize(stmt);
    return st;
}

char *cm_store_info_on(sqlite3 *db, const char *name, bool *oom)
{
    sqlite3_stmt *stmt = NULL;
    char *value = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM run_info WHERE name = ?", -1, &stmt, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(stmt);
        return NULL;
    }
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        value = strdup((const char *)sqlite3_column_text(stmt, 0));
        if (!value && oom)
            *oom = true;
    }
    sqlite3_finalize(stmt);
    return value;
}

char *cm_store_get_info(cm_store *store, const char *name)
{
    return cm_store_info_on(store->db, name, NULL);
}

bool cm_store_has_column(cm_store *store, const char *table, const char *column)
{
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q) WHERE name = %Q "
                                "COLLATE NOCASE",
                                table, column);
    sqlite3_stmt *stmt = NULL;
    bool found = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
                 sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    sqlite3_free(sql);
    return found;
}

cm_status cm_store_fix_timestamps(cm_store *store, const char *iso_date, cm_error *err)
{
    char *sql = sqlite3_mprintf("UPDATE spatialite_history SET timestamp = '%qT00:00:00.000Z';"
                                "UPDATE geometry_columns_time SET last_insert = '%qT00:00:00.000Z' "
                                "  WHERE last_insert NOT LIKE '0000%%';"
                                "UPDATE geometry_columns_time SET last_update = '%qT00:00:00.000Z' "
                                "  WHERE last_update NOT LIKE '0000%%';",
                                iso_date, iso_date, iso_date);
    cm_status st = cm_store_exec(store, sql, err);
    sqlite3_free(sql);
    return st;
}

void cm_store_triggers_free(cm_store_triggers *aside)
{
    for (size_t i = 0; i < aside->count; i++)
        sqlite3_free(aside->sql[i]);
    free(aside->sql);
    aside->sql = NULL;
    aside->count = 0;
}

/* Appends a copy of sql to *aside (sqlite3_mprintf: released with sqlite3_free). */
static bool keep_trigger(cm_store_triggers *aside, const char *sql)
{
    char **grown = realloc(aside->sql, (aside->count + 1) * sizeof *grown);
    if (!grown)
        return false;
    aside->sql = grown;
    aside->sql[aside->count] = sqlite3_mprintf("%s", sql);
    return aside->sql[aside->count++] != NULL;
}

cm_status cm_store_set_triggers_aside(cm_store *store, const char *table, cm_store_triggers *aside,
                                      cm_error *err)
{
    memset(aside, 0, sizeof *aside);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store->db,
                           "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = ? ORDER BY rowid",
                           -1, &stmt, NULL) != SQLITE_OK)
        return sql_error(store, err, "cannot list the triggers");
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
    GString *drops = g_string_new(NULL);
    bool kept = true;
    int rc;
    while (kept && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        kept = keep_trigger(aside, (const char *)sqlite3_column_text(stmt, 1));
        char *drop = sqlite3_mprintf("DROP TRIGGER \"%w\";", sqlite3_column_text(stmt, 0));
        kept = kept && drop;
        if (drop)
            g_string_append(drops, drop);
        sqlite3_free(drop);
    }
    cm_status st = CM_OK;
    if (!kept)
        st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    else if (rc != SQLITE_DONE)
        st = sql_error(store, err, "cannot list the triggers");
    sqlite3_finalize(stmt);
    if (st == CM_OK)
        st = cm_store_exec(store, drops->str, err);
    g_string_free(drops, TRUE);
    if (st != CM_OK)
        cm_store_triggers_free(aside);
    return st;
}

cm_status cm_store_restore_triggers(cm_store *store, cm_store_triggers *aside, cm_error *err)
{
    cm_status st = CM_OK;
    for (size_t i = 0; st == CM_OK && i < aside->count; i++)
        st = cm_store_exec(store, aside->sql[i], err);
    cm_store_triggers_free(aside);
    return st;
}

cm_status cm_store_begin(cm_store *store, cm_error *err)
{
    return cm_store_exec(store, "BEGIN", err);
}

cm_status cm_store_commit(cm_store *store, cm_error *err)
{
    return cm_store_exec(store, "COMMIT", err);
}

void cm_store_rollback(cm_store *store)
{
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}
