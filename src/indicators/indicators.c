/* The gap table: SQL for what is a count or a ratio, the funding model in C. */
#include "covermap/indicators.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "covermap/funding.h"

static const char *const indicator_columns[] = {"children_0_5", "families_reached",
                                                "children_reached", "coordinator_fte", NULL};

/* Whether table_<n> has the column. */
static bool table_has_column(cm_store *store, int n, const char *column)
{
    char table[32];
    snprintf(table, sizeof table, "table_%d", n);
    return cm_store_has_column(store, table, column);
}

#define JOINED_ROW "match_status IN ('matched', 'normalised')"

/* One value per territory for each indicator: the first indicators table (in
 * project order) that has the column and a row for the territory wins. The row
 * is i<n>, joined once per table by append_indicator_rows. */
static void append_indicator_expression(GString *sql, cm_store *store, const cm_project *project,
                                        const char *column)
{
    int found = 0;
    g_string_append(sql, ", COALESCE(");
    for (size_t i = 0; i < project->table_count; i++) {
        int n = (int)i + 1;
        if (project->tables[i].role != CM_ROLE_INDICATORS || !table_has_column(store, n, column))
            continue;
        char *part = sqlite3_mprintf("%si%d.\"%w\"", found ? ", " : "", n, column);
        g_string_append(sql, part);
        sqlite3_free(part);
        found++;
    }
    g_string_append(sql, found ? ", NULL" : "NULL, NULL");
    g_string_append_printf(sql, ") AS %s", column);
}

/* LEFT JOIN of table n as <alias><n>: the territory's one row of it, whose values
 * are current. Without years a territory has at most one joined row (the join marks
 * every later row for it 'duplicate', and stops the run); with years, the latest
 * year's (found by its line, unique in a table). */
static void append_current_row(GString *from, cm_store *store, int n, char alias)
{
    if (!table_has_column(store, n, "year"))
        g_string_append_printf(from,
                               " LEFT JOIN table_%d %c%d ON %c%d.territory_key = t.key AND "
                               "%c%d." JOINED_ROW,
                               n, alias, n, alias, n, alias, n);
    else
        g_string_append_printf(from,
                               " LEFT JOIN table_%d %c%d ON %c%d.territory_key = t.key AND "
                               "%c%d.line = (SELECT o.line FROM table_%d o WHERE "
                               "o.territory_key = t.key AND o." JOINED_ROW
                               " ORDER BY o.year DESC, o.line LIMIT 1)",
                               n, alias, n, alias, n, alias, n, n);
}

/* i<n>: the territory's row of each indicators table, found once rather than once
 * per indicator column. */
static void append_indicator_rows(GString *from, cm_store *store, const cm_project *project)
{
    for (size_t i = 0; i < project->table_count; i++)
        if (project->tables[i].role == CM_ROLE_INDICATORS)
            append_current_row(from, store, (int)i + 1, 'i');
}

/* Partners and distinct sectors over every partners table, counted in one grouped
 * pass; a territory that no partners table has a row for gets NULL (no data). */
static void append_partner_join(GString *select, GString *from, const cm_project *project,
                                cm_store *store)
{
    GString *rows = g_string_new(NULL);
    for (size_t i = 0; i < project->table_count; i++) {
        if (project->tables[i].role != CM_ROLE_PARTNERS)
            continue;
        int n = (int)i + 1;
        const char *sector = table_has_column(store, n, "sector") ? "sector" : "NULL";
        g_string_append_printf(rows, "%sSELECT territory_key, %s AS sector FROM table_%d WHERE %s",
                               rows->len ? " UNION ALL " : "", sector, n, JOINED_ROW);
    }
    if (rows->len == 0) {
        g_string_append(select, ", NULL AS partners, NULL AS sectors");
    } else {
        g_string_append(select, ", p.partners AS partners, p.sectors AS sectors");
        g_string_append_printf(from,
                               " LEFT JOIN (SELECT territory_key, count(*) AS partners, "
                               "count(DISTINCT cm_fold(sector)) AS sectors FROM (%s) "
                               "GROUP BY territory_key) p ON p.territory_key = t.key",
                               rows->str);
    }
    g_string_free(rows, TRUE);
}

/* measures is a step towards gap, which holds all its columns: it lives in the
 * connection's temporary (in-memory) schema, never written to the store's file. */
static cm_status build_measures(cm_store *store, const cm_project *project, cm_error *err)
{
    GString *sql =
        g_string_new("CREATE TEMP TABLE measures AS SELECT t.key AS key, t.name AS name");
    GString *from = g_string_new(" FROM territories t");
    for (int i = 0; indicator_columns[i]; i++)
        append_indicator_expression(sql, store, project, indicator_columns[i]);
    append_indicator_rows(from, store, project);
    append_partner_join(sql, from, project, store);
    g_string_append_printf(sql,
                           "%s ORDER BY t.key;"
                           "CREATE UNIQUE INDEX measures_key ON measures(key);",
                           from->str);
    cm_status st = cm_store_exec(store, sql->str, err);
    g_string_free(from, TRUE);
    g_string_free(sql, TRUE);
    return st;
}

/* ---- funding ------------------------------------------------------------- */

typedef struct {
    cm_grant *items;
    size_t count, capacity;
} grant_list;

static cm_status grant_push(grant_list *list, const cm_grant *grant, cm_error *err)
{
    if (!cm_grow((void **)&list->items, &list->capacity, list->count + 1, sizeof *list->items))
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    list->items[list->count++] = *grant;
    return CM_OK;
}

/* SELECT over every funding table's joined rows: key, start, end, amount, kind,
 * coordination, source, line. Unmapped columns take documented defaults: no end
 * date means open-ended, no kind means project (it cannot be counted on), no
 * coordination column means every grant pays coordination. */
static char *funding_rows_sql(cm_store *store, const cm_project *project)
{
    GString *sql = g_string_new(NULL);
    for (size_t i = 0; i < project->table_count; i++) {
        if (project->tables[i].role != CM_ROLE_FUNDING)
            continue;
        int n = (int)i + 1;
        char *part = sqlite3_mprintf(
            "%sSELECT territory_key, %s, %s, %s, %s, %s, %d, line FROM table_%d WHERE %s",
            sql->len ? " UNION ALL " : "", table_has_column(store, n, "start") ? "start" : "NULL",
            table_has_column(store, n, "end") ? "\"end\"" : "NULL",
            table_has_column(store, n, "amount") ? "amount" : "NULL",
            table_has_column(store, n, "kind") ? "kind" : "'project'",
            table_has_column(store, n, "coordination") ? "coordination" : "1", n, n, JOINED_ROW);
        g_string_append(sql, part);
        sqlite3_free(part);
    }
    if (sql->len == 0)
        g_string_append(sql, "SELECT NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 WHERE 0");
    g_string_prepend(sql, "SELECT * FROM (");
    g_string_append(sql, ") ORDER BY 1, 8");
    char *result = strdup(sql->str);
    g_string_free(sql, TRUE);
    return result;
}

/* The table's own name for one of covermap's columns, for messages. */
static const char *source_column(const cm_source *source, const char *canonical)
{
    for (size_t i = 0; i < source->column_count; i++)
        if (strcmp(source->columns[i].canonical, canonical) == 0)
            return source->columns[i].source;
    return canonical;
}

static cm_status grant_error(const cm_source *source, long line, const char *canonical,
                             const char *hint, cm_error *err)
{
    cm_error_at(err, source->source, line, source_column(source, canonical));
    cm_error_set_hint(err, "%s", hint);
    return CM_ERR_INPUT;
}

static cm_status read_grant(sqlite3_stmt *stmt, const cm_project *project, cm_grant *grant,
                            cm_error *err)
{
    memset(grant, 0, sizeof *grant);
    const char *start = (const char *)sqlite3_column_text(stmt, 1);
    const char *end = (const char *)sqlite3_column_text(stmt, 2);
    int n = sqlite3_column_int(stmt, 6);
    long line = (long)sqlite3_column_int64(stmt, 7);
    /* A grant with no start date is taken as started long ago. */
    grant->start = cm_day_from_civil(1900, 1, 1);
    if (start && !cm_day_parse_iso(start, &grant->start))
        return cm_error_set(err, CM_ERR_INTERNAL, "bad stored date %s", start);
    grant->open_ended = end == NULL;
    if (end && !cm_day_parse_iso(end, &grant->end))
        return cm_error_set(err, CM_ERR_INTERNAL, "bad stored date %s", end);
    grant->amount =
        sqlite3_column_type(stmt, 3) == SQLITE_NULL ? 0 : sqlite3_column_double(stmt, 3);
    const char *kind = (const char *)sqlite3_column_text(stmt, 4);
    grant->kind = kind && strcmp(kind, "recurrent") == 0 ? CM_GRANT_RECURRENT : CM_GRANT_PROJECT;
    grant->coordination =
        sqlite3_column_type(stmt, 5) != SQLITE_NULL && sqlite3_column_int(stmt, 5) != 0;
    const cm_source *source = &project->tables[n - 1];
    /* A coordination grant without an amount cannot be counted: never guess 0. */
    if (grant->coordination && sqlite3_column_type(stmt, 3) == SQLITE_NULL) {
        cm_error_set(err, CM_ERR_INPUT, "a coordination grant has no amount");
        return grant_error(source, line, "amount", "write the yearly amount, e.g. 65 000 $", err);
    }
    if (!grant->open_ended && grant->end < grant->start) {
        cm_error_set(err, CM_ERR_INPUT, "the grant ends (%s) before it starts (%s)", end, start);
        return grant_error(source, line, "end", "swap the dates or correct the end date", err);
    }
    return CM_OK;
}

/* One territory's assessment, held until every territory is assessed: gap's rows
 * are inserted in report order, sorted here. */
typedef struct {
    const char *key;     /* in the assessments' text */
    const char *reasons; /* in the assessments' text */
    cm_funding_result result;
    bool has_families;
    double families_reached;
} assessment;

typedef struct {
    assessment *items; /* owned */
    size_t count, capacity;
    GStringChunk *text; /* owns keys and reasons */
    cm_funding_params params;
    cm_locale locale;
} assessment_list;

static void assessments_free(assessment_list *list)
{
    free(list->items);
    if (list->text)
        g_string_chunk_free(list->text);
}

static cm_status assess_territory(assessment_list *list, sqlite3_stmt *territory,
                                  const grant_list *grants, cm_error *err)
{
    if (!cm_grow((void **)&list->items, &list->capacity, list->count + 1, sizeof *list->items))
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    assessment *a = &list->items[list->count];
    cm_status st = cm_funding_assess(grants->items, grants->count, &list->params, &a->result, err);
    if (st != CM_OK)
        return st;
    char reasons[1024];
    cm_funding_reasons(&a->result, &list->params, list->locale, reasons, sizeof reasons);
    a->key = g_string_chunk_insert(list->text, (const char *)sqlite3_column_text(territory, 0));
    a->reasons = g_string_chunk_insert(list->text, reasons);
    a->has_families = sqlite3_column_type(territory, 1) != SQLITE_NULL;
    a->families_reached = a->has_families ? sqlite3_column_double(territory, 1) : 0;
    list->count++;
    return CM_OK;
}

/* gap's order: most at risk first, then the largest shortfall, then the most
 * families reached (unknown last), then the key. */
static int in_gap_order(const void *pa, const void *pb)
{
    const assessment *a = pa, *b = pb;
    if (a->result.risk != b->result.risk)
        return a->result.risk < b->result.risk ? -1 : 1;
    if (a->result.shortfall != b->result.shortfall)
        return a->result.shortfall > b->result.shortfall ? -1 : 1;
    if (a->has_families != b->has_families)
        return a->has_families ? -1 : 1;
    if (a->families_reached != b->families_reached)
        return a->families_reached > b->families_reached ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void bind_optional_int(sqlite3_stmt *stmt, int index, bool present, long long value)
{
    if (present)
        sqlite3_bind_int64(stmt, index, value);
    else
        sqlite3_bind_null(stmt, index);
}

static cm_status store_assessment(sqlite3_stmt *s, const assessment *a, cm_error *err)
{
    const cm_funding_result *result = &a->result;
    char until[11];
    if (result->has_funded_until)
        cm_day_format_iso(result->funded_until, until);
    /* Every parameter is bound below (no clear_bindings), and STATIC: the strings
     * live until the step, the only time SQLite reads them. */
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, a->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, cm_risk_level_name(result->risk), -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, (int)result->risk);
    bind_optional_int(s, 4, result->has_months_funded, result->months_funded);
    sqlite3_bind_double(s, 5, result->shortfall);
    sqlite3_bind_text(s, 6, a->reasons, -1, SQLITE_STATIC);
    if (result->has_funded_until)
        sqlite3_bind_text(s, 7, until, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 7);
    sqlite3_bind_int(s, 8, result->never_stops);
    sqlite3_bind_double(s, 9, result->rate_on_as_of);
    if (sqlite3_step(s) != SQLITE_DONE)
        return cm_error_set(err, CM_ERR_SQL, "cannot store the gap row of %s: %s", a->key,
                            sqlite3_errmsg(sqlite3_db_handle(s)));
    return CM_OK;
}

/* Walks the territories (with the families reached, for gap's order) and the grants
 * together, both ordered by key, so every territory is assessed once (those without
 * grants too: they are no-coordination). */
static cm_status assess_all(cm_store *store, const cm_project *project, assessment_list *out,
                            cm_error *err)
{
    char *grants_sql = funding_rows_sql(store, project);
    sqlite3_stmt *territories = NULL, *grants = NULL;
    cm_status st = cm_store_prepare(
        store, "SELECT key, families_reached FROM measures ORDER BY key", &territories, err);
    if (st == CM_OK)
        st = cm_store_prepare(store, grants_sql, &grants, err);
    free(grants_sql);
    grant_list list = {0};
    int grant_rc = st == CM_OK ? sqlite3_step(grants) : SQLITE_DONE;
    while (st == CM_OK && sqlite3_step(territories) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(territories, 0);
        list.count = 0;
        while (st == CM_OK && grant_rc == SQLITE_ROW) {
            const char *grant_key = (const char *)sqlite3_column_text(grants, 0);
            int order = strcmp(grant_key, key);
            if (order > 0)
                break;
            if (order == 0) {
                cm_grant grant;
                st = read_grant(grants, project, &grant, err);
                if (st == CM_OK)
                    st = grant_push(&list, &grant, err);
            }
            grant_rc = sqlite3_step(grants);
        }
        if (st == CM_OK)
            st = assess_territory(out, territories, &list, err);
    }
    free(list.items);
    sqlite3_finalize(territories);
    sqlite3_finalize(grants);
    return st;
}

/* ---- the gap table and the joined view ------------------------------------ */

/* Districts are listed by share; without districts the column is empty, and a
 * subquery per territory over an empty table would only cost time. */
static const char districts_listed[] =
    "(SELECT group_concat(district_name, ', ') FROM (SELECT district_name"
    "   FROM territory_districts WHERE territory_key = m.key"
    "   ORDER BY share DESC, district_key))";

/* One row of gap: the territory's funding assessment (?1 key, ?2 to ?9 as bound by
 * store_assessment) beside its measures and their ratios. */
static char *gap_insert_sql(bool has_districts)
{
    return sqlite3_mprintf(
        "INSERT INTO gap SELECT m.key, m.name, ?2, ?3, ?4, ?5, m.families_reached,"
        " CASE WHEN m.children_0_5 > 0 AND m.families_reached IS NOT NULL"
        "   THEN m.families_reached * 100.0 / m.children_0_5 END,"
        " m.partners, m.sectors, ?6, ?7, ?8, ?9, m.children_0_5, m.children_reached,"
        " m.coordinator_fte,"
        " CASE WHEN m.children_0_5 > 0 AND m.partners IS NOT NULL"
        "   THEN m.partners * 1000.0 / m.children_0_5 END,"
        " %s FROM measures m WHERE m.key = ?1",
        has_districts ? districts_listed : "NULL");
}

/* gap, one row per territory in report order: the assessments are sorted here and
 * the rows inserted in that order, so that no SQL sort of whole rows is needed. */
static cm_status build_gap(cm_store *store, const cm_project *project, cm_error *err)
{
    cm_status st = cm_store_exec(
        store,
        "CREATE TABLE gap(key TEXT NOT NULL, name TEXT, risk_level TEXT,"
        " risk_rank INTEGER, months_funded INTEGER, shortfall REAL, families_reached INTEGER,"
        " coverage_rate REAL, partners INTEGER, sectors INTEGER, risk_reasons TEXT,"
        " coordination_funded_until DATE, funded_never_stops INTEGER, coordination_rate REAL,"
        " children_0_5 INTEGER, children_reached INTEGER, coordinator_fte REAL,"
        " partners_per_1000_children REAL, districts TEXT)",
        err);
    if (st != CM_OK)
        return st;
    assessment_list list = {NULL,
                            0,
                            0,
                            g_string_chunk_new(256 * 1024),
                            {project->as_of, project->horizon_months, project->coordination_cost},
                            project->locale};
    st = assess_all(store, project, &list, err);
    if (st == CM_OK && list.count > 1)
        qsort(list.items, list.count, sizeof *list.items, in_gap_order);
    sqlite3_stmt *insert = NULL;
    char *sql = gap_insert_sql(project->has_districts);
    if (st == CM_OK)
        st = sql ? cm_store_prepare(store, sql, &insert, err)
                 : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    sqlite3_free(sql);
    for (size_t i = 0; i < list.count && st == CM_OK; i++)
        st = store_assessment(insert, &list.items[i], err);
    sqlite3_finalize(insert);
    assessments_free(&list);
    /* Built once the rows are in: inserting them into a primary key's index in gap's
     * (random) key order cost 12 ms more at 20 000 territories. */
    if (st == CM_OK)
        st = cm_store_exec(store, "CREATE UNIQUE INDEX gap_key ON gap(key)", err);
    return st;
}

static int is_column_taken(GHashTable *taken, const char *name)
{
    char *lower = g_ascii_strdown(name, -1);
    int found = g_hash_table_contains(taken, lower);
    if (!found)
        g_hash_table_add(taken, lower);
    else
        g_free(lower);
    return found;
}

static void take_columns_of(cm_store *store, const char *table, GHashTable *taken)
{
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info(%Q)", table);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(cm_store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK)
        while (sqlite3_step(stmt) == SQLITE_ROW)
            is_column_taken(taken, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_free(sql);
}

/* Carried (unmapped) columns of the indicators tables join the view under their own
 * names, unless a name is already used. */
static void append_carried_columns(GString *select, GString *from, cm_store *store,
                                   const cm_project *project, GHashTable *taken)
{
    for (size_t i = 0; i < project->table_count; i++) {
        if (project->tables[i].role != CM_ROLE_INDICATORS)
            continue;
        int n = (int)i + 1;
        char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info('table_%d') WHERE name "
                                    "NOT IN ('line','source_key','source_key_folded',"
                                    "'territory_key','match_status','children_0_5',"
                                    "'families_reached','children_reached','coordinator_fte')",
                                    n);
        sqlite3_stmt *stmt = NULL;
        int used = 0;
        if (sqlite3_prepare_v2(cm_store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK) {
            while (sqlite3_step(stmt) == SQLITE_ROW) {
                const char *name = (const char *)sqlite3_column_text(stmt, 0);
                if (is_column_taken(taken, name))
                    continue;
                char *col = sqlite3_mprintf(", d%d.\"%w\"", n, name);
                g_string_append(select, col);
                sqlite3_free(col);
                used = 1;
            }
        }
        sqlite3_finalize(stmt);
        sqlite3_free(sql);
        /* One row per territory: the one whose values are in gap. */
        if (used)
            append_current_row(from, store, n, 'd');
    }
}

/* Several years side by side: children_0_5_2024, children_0_5_2025, ... for every
 * indicators table that has a year column (the latest year is also in gap). */
static void append_year_columns(GString *select, cm_store *store, const cm_project *project,
                                GHashTable *taken)
{
    for (size_t i = 0; i < project->table_count; i++) {
        int n = (int)i + 1;
        if (project->tables[i].role != CM_ROLE_INDICATORS || !table_has_column(store, n, "year"))
            continue;
        char *sql = sqlite3_mprintf("SELECT DISTINCT year FROM table_%d WHERE year IS NOT NULL "
                                    "AND " JOINED_ROW " ORDER BY year LIMIT 50",
                                    n);
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(cm_store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK) {
            while (sqlite3_step(stmt) == SQLITE_ROW) {
                const char *year = (const char *)sqlite3_column_text(stmt, 0);
                for (int c = 0; indicator_columns[c]; c++) {
                    if (!table_has_column(store, n, indicator_columns[c]))
                        continue;
                    char *name = g_strdup_printf("%s_%s", indicator_columns[c], year);
                    if (!is_column_taken(taken, name)) {
                        char *col = sqlite3_mprintf(
                            ", (SELECT \"%w\" FROM table_%d y WHERE y.territory_key = t.key AND "
                            "y.year = %Q AND y." JOINED_ROW " ORDER BY y.line LIMIT 1) AS \"%w\"",
                            indicator_columns[c], n, year, name);
                        g_string_append(select, col);
                        sqlite3_free(col);
                    }
                    g_free(name);
                }
            }
        }
        sqlite3_finalize(stmt);
        sqlite3_free(sql);
    }
}

static cm_status build_joined_view(cm_store *store, const cm_project *project, cm_error *err)
{
    GHashTable *taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    take_columns_of(store, "territories", taken);
    GString *select = g_string_new("CREATE VIEW joined AS SELECT t.*");
    GString *from = g_string_new(" FROM territories t JOIN gap g ON g.key = t.key");
    char *sql = sqlite3_mprintf("SELECT name FROM pragma_table_info('gap')");
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(cm_store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK) {
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(stmt, 0);
            if (is_column_taken(taken, name))
                continue;
            char *col = sqlite3_mprintf(", g.\"%w\"", name);
            g_string_append(select, col);
            sqlite3_free(col);
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_free(sql);
    append_year_columns(select, store, project, taken);
    append_carried_columns(select, from, store, project, taken);
    g_string_append(select, from->str);
    cm_status st = cm_store_exec(store, select->str, err);
    g_string_free(select, TRUE);
    g_string_free(from, TRUE);
    g_hash_table_destroy(taken);
    return st;
}

static cm_status record_settings(cm_store *store, const cm_project *project, cm_error *err)
{
    char as_of[11], horizon_end[11], number[64];
    cm_day_format_iso(project->as_of, as_of);
    cm_day_format_iso(cm_add_months(project->as_of, project->horizon_months), horizon_end);
    cm_status st = cm_store_set_info(store, "as_of", as_of, err);
    if (st == CM_OK)
        st = cm_store_set_info(store, "horizon_end", horizon_end, err);
    snprintf(number, sizeof number, "%d", project->horizon_months);
    if (st == CM_OK)
        st = cm_store_set_info(store, "horizon_months", number, err);
    snprintf(number, sizeof number, "%.2f", project->coordination_cost);
    if (st == CM_OK)
        st = cm_store_set_info(store, "coordination_cost", number, err);
    return st;
}

cm_status cm_indicators_compute(cm_store *store, const cm_project *project, cm_error *err)
{
    cm_status st = cm_store_begin(store, err);
    if (st != CM_OK)
        return st;
    st = record_settings(store, project, err);
    if (st == CM_OK)
        st = build_measures(store, project, err);
    if (st == CM_OK)
        st = build_gap(store, project, err);
    if (st == CM_OK)
        st = build_joined_view(store, project, err);
    if (st == CM_OK)
        return cm_store_commit(store, err);
    cm_store_rollback(store);
    return st;
}
