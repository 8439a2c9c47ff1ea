/* Reading a run's results back from the working store, read-only. */
#include <glib.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/store.h"
#include "report/report_internal.h"

#define GAP_QUERY                                                                                  \
    "SELECT key, name, risk_rank, months_funded, funded_never_stops,"                              \
    " coordination_funded_until, shortfall, families_reached, coverage_rate, partners,"            \
    " sectors, risk_reasons FROM gap ORDER BY risk_rank ASC, shortfall IS NULL,"                   \
    " shortfall DESC, families_reached IS NULL, families_reached DESC, key ASC"

#define JOIN_QUERY                                                                                 \
    "SELECT table_name, source_key, status, territory_key, note, line"                             \
    " FROM join_report ORDER BY seq"

static cm_status sql_error(cm_error *err, sqlite3 *db, const char *path, const char *what)
{
    cm_error_set(err, CM_ERR_SQL, "%s: %s", what, sqlite3_errmsg(db));
    cm_error_set_file(err, path);
    return CM_ERR_SQL;
}

/* A copy of text; NULL for NULL (no copy: *oom stays). Sets *oom when out of memory. */
static char *text_copy(const char *text, bool *oom)
{
    if (!text)
        return NULL;
    char *copy = strdup(text);
    if (!copy)
        *oom = true;
    return copy;
}

/* A malloc'd copy of a text column, NULL for SQL NULL. *oom set on failure. */
static char *column_text(sqlite3_stmt *st, int col, bool *oom)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    const char *text = (const char *)sqlite3_column_text(st, col);
    return text_copy(text ? text : "", oom);
}

static bool column_is_null(sqlite3_stmt *st, int col)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL;
}

/* Grows *items (of elem bytes each) so that index *count fits. */
static bool grow(void **items, size_t *capacity, size_t count, size_t elem)
{
    if (count < *capacity)
        return true;
    size_t bigger = *capacity ? *capacity * 2 : 16;
    void *p = realloc(*items, bigger * elem);
    if (!p)
        return false;
    memset((char *)p + *capacity * elem, 0, (bigger - *capacity) * elem);
    *items = p;
    *capacity = bigger;
    return true;
}

static bool table_exists(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_master WHERE type IN ('table','view')"
                           " AND name = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/* A run_info value that is not what the report expects: the error naming it. */
static cm_status invalid_info(cm_error *err, const char *path, const char *name, const char *value,
                              const char *expected)
{
    cm_error_set(err, CM_ERR_INPUT, "run_info '%s' is \"%s\", expected %s", name,
                 value ? value : "", expected);
    cm_error_set_file(err, path);
    cm_error_set_field(err, name);
    return CM_ERR_INPUT;
}

static cm_status load_run_info(sqlite3 *db, const char *path, cm_report *r, cm_error *err)
{
    bool oom = false;
    char *as_of = cm_store_info_on(db, "as_of", &oom);
    char *horizon = cm_store_info_on(db, "horizon_months", &oom);
    char *horizon_end = cm_store_info_on(db, "horizon_end", &oom);
    char *cost = cm_store_info_on(db, "coordination_cost", &oom);
    char *locale = cm_store_info_on(db, "locale", &oom);
    r->title = cm_store_info_on(db, "title", &oom);
    r->project = cm_store_info_on(db, "project", &oom);
    r->source_line = cm_store_info_on(db, "source_line", &oom);
    r->territories_source = cm_store_info_on(db, "territories_source", &oom);

    cm_status st = CM_OK;
    char *end = NULL;
    if (oom) {
        st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    } else if (!as_of || !cm_day_parse_iso(as_of, &r->as_of)) {
        st = invalid_info(err, path, "as_of", as_of, "a date YYYY-MM-DD");
    } else if (horizon &&
               ((r->horizon_months = (int)strtol(horizon, &end, 10)) <= 0 || *end != '\0')) {
        st = invalid_info(err, path, "horizon_months", horizon, "a whole number above 0");
    } else if (cost && (!((r->coordination_cost = strtod(cost, &end)) > 0) || *end != '\0')) {
        st = invalid_info(err, path, "coordination_cost", cost, "an amount above 0");
    } else if (locale && strcmp(locale, "fr-CA") != 0 && strcmp(locale, "en-CA") != 0) {
        st = invalid_info(err, path, "locale", locale, "fr-CA or en-CA");
    } else {
        if (!horizon)
            r->horizon_months = 12;
        if (!cost)
            r->coordination_cost = 65000;
        r->locale = locale && strcmp(locale, "en-CA") == 0 ? CM_LOCALE_EN_CA : CM_LOCALE_FR_CA;
        if (!horizon_end) {
            r->horizon_end = cm_add_months(r->as_of, r->horizon_months);
        } else if (!cm_day_parse_iso(horizon_end, &r->horizon_end) || r->horizon_end <= r->as_of) {
            st = invalid_info(err, path, "horizon_end", horizon_end,
                              "a date YYYY-MM-DD after as_of");
        }
    }
    free(as_of);
    free(horizon);
    free(horizon_end);
    free(cost);
    free(locale);
    return st;
}

static cm_status read_territory(sqlite3_stmt *st, const char *path, cm_report_territory *t,
                                cm_error *err)
{
    bool oom = false;
    t->key = column_text(st, 0, &oom);
    t->name = column_text(st, 1, &oom);
    t->risk_reasons = column_text(st, 11, &oom);
    if (oom)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    int rank = sqlite3_column_int(st, 2);
    if (!t->key || column_is_null(st, 2) || rank < 0 || rank > 3) {
        cm_error_set(err, CM_ERR_INPUT, "gap row '%s': risk_rank must be 0 to 3",
                     t->key ? t->key : "(no key)");
        cm_error_set_file(err, path);
        cm_error_set_field(err, "risk_rank");
        return CM_ERR_INPUT;
    }
    t->risk = (cm_risk_level)rank;
    t->has_months_funded = !column_is_null(st, 3);
    t->months_funded = sqlite3_column_int(st, 3);
    t->never_stops = sqlite3_column_int(st, 4) != 0;
    const char *until = (const char *)sqlite3_column_text(st, 5);
    t->has_funded_until = until && cm_day_parse_iso(until, &t->funded_until);
    t->has_shortfall = !column_is_null(st, 6);
    t->shortfall = sqlite3_column_double(st, 6);
    t->has_families_reached = !column_is_null(st, 7);
    t->families_reached = sqlite3_column_double(st, 7);
    t->has_coverage_rate = !column_is_null(st, 8);
    t->coverage_rate = sqlite3_column_double(st, 8);
    t->has_partners = !column_is_null(st, 9);
    t->partners = sqlite3_column_int64(st, 9);
    t->has_sectors = !column_is_null(st, 10);
    t->sectors = sqlite3_column_int64(st, 10);
    return CM_OK;
}

static cm_status load_gap(sqlite3 *db, const char *path, cm_report *r, cm_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, GAP_QUERY, -1, &st, NULL) != SQLITE_OK)
        return sql_error(err, db, path, "cannot read the gap table");
    size_t capacity = 0;
    cm_status status = CM_OK;
    int rc = SQLITE_DONE;
    while (status == CM_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)&r->territories, &capacity, r->territory_count,
                  sizeof *r->territories)) {
            status = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
            break;
        }
        status = read_territory(st, path, &r->territories[r->territory_count], err);
        r->territory_count++; /* counted even on failure, so cm_report_free frees it */
    }
    if (status == CM_OK && rc != SQLITE_DONE)
        status = sql_error(err, db, path, "cannot read the gap table");
    sqlite3_finalize(st);
    return status;
}

cm_status report_each_join_row(sqlite3 *db, const char *db_path, report_join_row_fn fn,
                               void *context, cm_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, JOIN_QUERY, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return sql_error(err, db, db_path, "cannot read the join report");
    }
    cm_status status = CM_OK;
    int rc = SQLITE_DONE;
    while (status == CM_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cm_report_join_row row = {
            .table_name = (char *)sqlite3_column_text(st, 0),
            .source_key = (char *)sqlite3_column_text(st, 1),
            .status = (char *)sqlite3_column_text(st, 2),
            .territory_key = (char *)sqlite3_column_text(st, 3),
            .note = (char *)sqlite3_column_text(st, 4),
            .line = sqlite3_column_int(st, 5),
        };
        status = fn(&row, context, err);
    }
    if (status == CM_OK && rc != SQLITE_DONE)
        status = sql_error(err, db, db_path, "cannot read the join report");
    sqlite3_finalize(st);
    return status;
}

typedef struct {
    cm_report *report;
    size_t capacity;
} join_rows_copy;

static cm_status keep_join_row(const cm_report_join_row *row, void *context, cm_error *err)
{
    join_rows_copy *copy = context;
    cm_report *r = copy->report;
    if (!grow((void **)&r->join_rows, &copy->capacity, r->join_row_count, sizeof *r->join_rows))
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    cm_report_join_row *kept = &r->join_rows[r->join_row_count++];
    bool oom = false;
    *kept =
        (cm_report_join_row){text_copy(row->table_name, &oom), text_copy(row->source_key, &oom),
                             text_copy(row->status, &oom),     text_copy(row->territory_key, &oom),
                             text_copy(row->note, &oom),       row->line};
    return oom ? cm_error_set(err, CM_ERR_NOMEM, "out of memory") : CM_OK;
}

static cm_status load_join_report(sqlite3 *db, const char *path, cm_report *r, cm_error *err)
{
    join_rows_copy copy = {r, 0};
    return report_each_join_row(db, path, keep_join_row, &copy, err);
}

static cm_status load_repairs(sqlite3 *db, const char *path, cm_report *r, cm_error *err)
{
    if (!table_exists(db, "territory_repairs"))
        return CM_OK;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT key, note FROM territory_repairs ORDER BY key, rowid", -1,
                           &st, NULL) != SQLITE_OK)
        return sql_error(err, db, path, "cannot read territory_repairs");
    size_t capacity = 0;
    bool oom = false;
    while (!oom && sqlite3_step(st) == SQLITE_ROW) {
        if (!grow((void **)&r->repairs, &capacity, r->repair_count, sizeof *r->repairs)) {
            oom = true;
            break;
        }
        cm_report_repair *rep = &r->repairs[r->repair_count++];
        rep->key = column_text(st, 0, &oom);
        rep->note = column_text(st, 1, &oom);
    }
    sqlite3_finalize(st);
    return oom ? cm_error_set(err, CM_ERR_NOMEM, "out of memory") : CM_OK;
}

static bool district_add(cm_report_district *d, size_t index, double share)
{
    size_t *territories = realloc(d->territories, (d->count + 1) * sizeof *territories);
    if (territories)
        d->territories = territories;
    double *shares = realloc(d->shares, (d->count + 1) * sizeof *shares);
    if (shares)
        d->shares = shares;
    if (!territories || !shares)
        return false;
    d->territories[d->count] = index;
    d->shares[d->count] = share;
    d->count++;
    return true;
}

static int by_report_order(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return *x < *y ? -1 : *x > *y;
}

/* Each district lists its territories in report order (most at risk first). */
static void sort_district(cm_report_district *d)
{
    size_t *pairs = malloc(d->count * 2 * sizeof *pairs);
    double *shares = malloc(d->count * sizeof *shares);
    if (!pairs || !shares) {
        free(pairs);
        free(shares);
        return; /* left in the store's order */
    }
    for (size_t i = 0; i < d->count; i++) {
        pairs[2 * i] = d->territories[i];
        pairs[2 * i + 1] = i;
        shares[i] = d->shares[i];
    }
    qsort(pairs, d->count, 2 * sizeof *pairs, by_report_order);
    for (size_t i = 0; i < d->count; i++) {
        d->territories[i] = pairs[2 * i];
        d->shares[i] = shares[pairs[2 * i + 1]];
    }
    free(pairs);
    free(shares);
}

static cm_status load_districts(sqlite3 *db, const char *path, cm_report *r, cm_error *err)
{
    if (!table_exists(db, "territory_districts"))
        return CM_OK;
    GHashTable *index_of = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < r->territory_count; i++)
        g_hash_table_insert(index_of, r->territories[i].key, GSIZE_TO_POINTER(i + 1));
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT district_key, district_name, territory_key, share "
                           "FROM territory_districts ORDER BY district_name, district_key",
                           -1, &st, NULL) != SQLITE_OK) {
        g_hash_table_destroy(index_of);
        return sql_error(err, db, path, "cannot read territory_districts");
    }
    size_t capacity = 0;
    bool oom = false;
    while (!oom && sqlite3_step(st) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        cm_report_district *d = r->district_count ? &r->districts[r->district_count - 1] : NULL;
        if (!d || !key || strcmp(d->key, key) != 0) {
            if (!grow((void **)&r->districts, &capacity, r->district_count, sizeof *r->districts)) {
                oom = true;
                break;
            }
            d = &r->districts[r->district_count++];
            memset(d, 0, sizeof *d);
            d->key = column_text(st, 0, &oom);
            d->name = column_text(st, 1, &oom);
        }
        const char *territory = (const char *)sqlite3_column_text(st, 2);
        size_t index = territory ? GPOINTER_TO_SIZE(g_hash_table_lookup(index_of, territory)) : 0;
        if (index && !district_add(d, index - 1, sqlite3_column_double(st, 3)))
            oom = true;
    }
    sqlite3_finalize(st);
    g_hash_table_destroy(index_of);
    for (size_t i = 0; i < r->district_count && !oom; i++)
        sort_district(&r->districts[i]);
    return oom ? cm_error_set(err, CM_ERR_NOMEM, "out of memory") : CM_OK;
}

static cm_status load_sources(sqlite3 *db, const char *path, cm_report *r, cm_error *err)
{
    if (!table_exists(db, "data_tables"))
        return CM_OK;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT source, role FROM data_tables ORDER BY n", -1, &st, NULL) !=
        SQLITE_OK)
        return sql_error(err, db, path, "cannot read data_tables");
    size_t capacity = 0;
    bool oom = false;
    while (!oom && sqlite3_step(st) == SQLITE_ROW) {
        if (!grow((void **)&r->sources, &capacity, r->source_count, sizeof *r->sources)) {
            oom = true;
            break;
        }
        cm_report_source *src = &r->sources[r->source_count++];
        src->source = column_text(st, 0, &oom);
        src->role = column_text(st, 1, &oom);
    }
    sqlite3_finalize(st);
    return oom ? cm_error_set(err, CM_ERR_NOMEM, "out of memory") : CM_OK;
}

void cm_report_compute_headline(cm_report *r)
{
    cm_report_headline h = {0};
    for (size_t i = 0; i < r->territory_count; i++) {
        const cm_report_territory *t = &r->territories[i];
        /* Each shortfall is a whole number of dollars: the total is their sum. */
        if (t->has_shortfall)
            h.total_shortfall += round(t->shortfall);
        if (t->risk != CM_RISK_NO_COORDINATION && t->risk != CM_RISK_AT_RISK)
            continue;
        h.territories_at_risk++;
        if (t->has_families_reached)
            h.families_reached += t->families_reached;
        else
            h.families_unknown++;
    }
    h.by_date = r->horizon_end - 1;
    r->headline = h;
}

cm_status cm_report_load(const char *db_path, cm_report **out, cm_error *err)
{
    *out = NULL;
    cm_store *store = NULL;
    cm_status st = cm_store_open_reader(db_path, &store, err); /* plain SQL only */
    if (st != CM_OK)
        return st;
    sqlite3 *db = cm_store_db(store);
    cm_report *r = calloc(1, sizeof *r);
    if (!r) {
        cm_store_close(store);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    const char *required[] = {"run_info", "gap", "join_report"};
    for (size_t i = 0; i < 3 && st == CM_OK; i++) {
        if (!table_exists(db, required[i])) {
            st = cm_error_set(err, CM_ERR_INPUT, "the working database has no '%s' table",
                              required[i]);
            cm_error_set_file(err, db_path);
            cm_error_set_hint(err, "run 'covermap run' to build it");
        }
    }
    if (st == CM_OK)
        st = load_run_info(db, db_path, r, err);
    if (st == CM_OK)
        st = load_gap(db, db_path, r, err);
    if (st == CM_OK)
        st = load_join_report(db, db_path, r, err);
    if (st == CM_OK)
        st = load_repairs(db, db_path, r, err);
    if (st == CM_OK)
        st = load_sources(db, db_path, r, err);
    if (st == CM_OK)
        st = load_districts(db, db_path, r, err);
    cm_store_close(store);
    if (st != CM_OK) {
        cm_report_free(r);
        return st;
    }
    cm_report_compute_headline(r);
    *out = r;
    return CM_OK;
}

static void free_maps(cm_report *r)
{
    for (size_t i = 0; i < r->map_count; i++) {
        free(r->maps[i].path);
        free(r->maps[i].title);
    }
    free(r->maps);
    r->maps = NULL;
    r->map_count = 0;
}

void cm_report_free(cm_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->territory_count; i++) {
        free(r->territories[i].key);
        free(r->territories[i].name);
        free(r->territories[i].risk_reasons);
    }
    for (size_t i = 0; i < r->join_row_count; i++) {
        cm_report_join_row *row = &r->join_rows[i];
        free(row->table_name);
        free(row->source_key);
        free(row->status);
        free(row->territory_key);
        free(row->note);
    }
    for (size_t i = 0; i < r->repair_count; i++) {
        free(r->repairs[i].key);
        free(r->repairs[i].note);
    }
    for (size_t i = 0; i < r->source_count; i++) {
        free(r->sources[i].source);
        free(r->sources[i].role);
    }
    for (size_t i = 0; i < r->district_count; i++) {
        free(r->districts[i].key);
        free(r->districts[i].name);
        free(r->districts[i].territories);
        free(r->districts[i].shares);
    }
    free(r->districts);
    free_maps(r);
    free(r->territories);
    free(r->join_rows);
    free(r->repairs);
    free(r->sources);
    free(r->title);
    free(r->project);
    free(r->source_line);
    free(r->territories_source);
    free(r);
}

cm_status cm_report_set_maps(cm_report *r, const char *const *paths, const char *const *titles,
                             size_t count, cm_error *err)
{
    free_maps(r);
    if (count == 0)
        return CM_OK;
    r->maps = calloc(count, sizeof *r->maps);
    if (!r->maps)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    r->map_count = count;
    for (size_t i = 0; i < count; i++) {
        r->maps[i].path = strdup(paths[i]);
        r->maps[i].title = titles && titles[i] ? strdup(titles[i]) : NULL;
        if (!r->maps[i].path || (titles && titles[i] && !r->maps[i].title)) {
            free_maps(r);
            return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
        }
    }
    return CM_OK;
}

typedef cm_status (*report_writer)(const cm_report *, const char *, cm_error *);

cm_status cm_report_write_all(const cm_report *r, const char *dir, unsigned formats, cm_error *err)
{
    static const struct {
        unsigned flag;
        const char *file;
        report_writer write;
    } outputs[] = {
        {0, "join-report.csv", cm_report_write_join_csv},
        {CM_REPORT_CSV, "gap-report.csv", cm_report_write_gap_csv},
        {CM_REPORT_MD, "gap-report.md", cm_report_write_markdown},
        {CM_REPORT_HTML, "gap-report.html", cm_report_write_html},
        {CM_REPORT_PDF, "gap-report.pdf", cm_report_write_pdf},
    };
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        if (outputs[i].flag && !(formats & outputs[i].flag))
            continue;
        size_t size = strlen(dir) + strlen(outputs[i].file) + 2;
        char *path = malloc(size);
        if (!path)
            return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
        snprintf(path, size, "%s/%s", dir, outputs[i].file);
        cm_status st = outputs[i].write(r, path, err);
        free(path);
        if (st != CM_OK)
            return st;
    }
    return CM_OK;
}
