/* The join and its report: exact keys first, then folded keys, and a suggestion
 * for every key that matches nothing. */
#include "covermap/join.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "covermap/text.h"

typedef struct {
    char *key;
    char *name;
    char *key_folded;
    char *name_folded;
    bool has_row; /* in the table being reported */
} candidate;

typedef struct {
    candidate *items;
    size_t count;
    bool names_folded;  /* name_folded is filled on the first unmatched key */
    GHashTable *by_key; /* key -> candidate; the keys are the candidates' */
} candidate_list;

static void candidates_free(candidate_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].key);
        free(list->items[i].name);
        free(list->items[i].key_folded);
        free(list->items[i].name_folded);
    }
    free(list->items);
    if (list->by_key)
        g_hash_table_destroy(list->by_key);
}

static char *column_copy(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? strdup((const char *)text) : NULL;
}

static cm_status load_candidates(cm_store *store, candidate_list *list, cm_error *err)
{
    memset(list, 0, sizeof *list);
    sqlite3_stmt *stmt = NULL;
    /* key_folded is cm_fold_key(key), stored by the ingest: no need to fold it again. */
    cm_status st = cm_store_prepare(
        store, "SELECT key, name, key_folded FROM territories ORDER BY key", &stmt, err);
    if (st != CM_OK)
        return st;
    size_t capacity = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (!cm_grow((void **)&list->items, &capacity, list->count + 1, sizeof *list->items)) {
            sqlite3_finalize(stmt);
            return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
        }
        candidate *c = &list->items[list->count++];
        c->key = column_copy(stmt, 0);
        c->name = column_copy(stmt, 1);
        c->key_folded = column_copy(stmt, 2);
        c->name_folded = NULL;
        c->has_row = false;
    }
    sqlite3_finalize(stmt);
    /* Indexed once the array no longer moves. */
    list->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i].key)
            g_hash_table_insert(list->by_key, list->items[i].key, &list->items[i]);
    return CM_OK;
}

static size_t utf8_length(const char *s)
{
    return s ? (size_t)g_utf8_strlen(s, -1) : 0;
}

/* Distance between two folded strings, or SIZE_MAX when their lengths alone
 * already exceed the limit (keeps the search cheap on large layers). */
static size_t bounded_distance(const char *a, const char *b, size_t limit)
{
    if (!a || !b)
        return (size_t)-1;
    size_t la = utf8_length(a), lb = utf8_length(b);
    if ((la > lb ? la - lb : lb - la) > limit)
        return (size_t)-1;
    return cm_edit_distance(a, b);
}

/* Names are folded only when a key matches nothing: most joins never need them. */
static void fold_names(candidate_list *list)
{
    if (list->names_folded)
        return;
    for (size_t i = 0; i < list->count; i++)
        list->items[i].name_folded = list->items[i].name ? cm_fold_key(list->items[i].name) : NULL;
    list->names_folded = true;
}

/* The closest territory key or name to an unmatched key; NULL when nothing is
 * close enough to be a plausible typo (at most a third of the letters differ). */
static const candidate *closest_candidate(candidate_list *list, const char *folded, int *by_name)
{
    if (!folded || !folded[0])
        return NULL;
    fold_names(list);
    size_t limit = utf8_length(folded) / 3;
    if (limit < 1)
        limit = 1;
    const candidate *best = NULL;
    size_t best_distance = limit + 1;
    for (size_t i = 0; i < list->count; i++) {
        const candidate *c = &list->items[i];
        size_t dk = bounded_distance(folded, c->key_folded, limit);
        size_t dn = bounded_distance(folded, c->name_folded, limit);
        size_t d = dk < dn ? dk : dn;
        if (d < best_distance) {
            best_distance = d;
            best = c;
            *by_name = dn < dk;
        }
    }
    return best;
}

static cm_status run_sql(cm_store *store, const char *sql, cm_error *err)
{
    return cm_store_exec(store, sql, err);
}

static bool has_year_column(cm_store *store, int n)
{
    char table[32];
    snprintf(table, sizeof table, "table_%d", n);
    return cm_store_has_column(store, table, "year");
}

/* The keys were resolved as the rows were stored (exact keys, then folded keys that
 * name a single territory: see tables.c); here the index the later stages join on,
 * and the duplicates of an indicators table. */
static cm_status match_keys(cm_store *store, int n, int is_indicators, cm_error *err)
{
    char *sql = sqlite3_mprintf(
        "CREATE INDEX table_%d_territory_key ON table_%d(territory_key, line);", n, n);
    cm_status st = run_sql(store, sql, err);
    sqlite3_free(sql);
    if (st != CM_OK || !is_indicators)
        return st;
    /* With a year column, an indicators table has one row per territory and year. */
    char *same_year = has_year_column(store, n) ? sqlite3_mprintf(" AND b.year IS table_%d.year", n)
                                                : sqlite3_mprintf("");
    sql = sqlite3_mprintf(
        "UPDATE table_%d SET match_status = 'duplicate' WHERE territory_key IS NOT NULL AND "
        "EXISTS (SELECT 1 FROM table_%d b WHERE b.territory_key = table_%d.territory_key "
        "        AND b.line < table_%d.line%s)",
        n, n, n, n, same_year);
    sqlite3_free(same_year);
    st = run_sql(store, sql, err);
    sqlite3_free(sql);
    return st;
}

typedef struct {
    sqlite3_stmt *insert;
    const char *table;
    candidate_list *candidates;
    cm_join_counts *counts;
} report_writer;

static cm_status add_report_row(report_writer *w, const char *source_key, const char *status,
                                const char *territory_key, const char *note, long line,
                                cm_error *err)
{
    sqlite3_stmt *s = w->insert;
    sqlite3_reset(s);
    /* STATIC: every string lives until the step below, the only time SQLite reads
     * them, and each is bound again before the next (no copy for 60 000 rows). */
    sqlite3_bind_text(s, 1, w->table, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, source_key ? source_key : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, territory_key ? territory_key : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, line);
    if (sqlite3_step(s) != SQLITE_DONE)
        return cm_error_set(err, CM_ERR_SQL, "cannot write the join report: %s",
                            sqlite3_errmsg(sqlite3_db_handle(s)));
    /* A row of the table names the territory (a duplicate too): it has data. */
    candidate *territory = territory_key && strcmp(status, "no-data") != 0
                               ? g_hash_table_lookup(w->candidates->by_key, territory_key)
                               : NULL;
    if (territory)
        territory->has_row = true;
    if (strcmp(status, "matched") == 0)
        w->counts->matched++;
    else if (strcmp(status, "normalised") == 0)
        w->counts->normalised++;
    else if (strcmp(status, "unmatched") == 0)
        w->counts->unmatched++;
    else if (strcmp(status, "duplicate") == 0)
        w->counts->duplicate++;
    else
        w->counts->no_data++;
    return CM_OK;
}

static char *normalised_note(const char *source_key, const char *territory_key)
{
    char how[160];
    cm_fold_describe(cm_fold_differences(source_key, territory_key), how, sizeof how);
    return g_strdup_printf("%s from \"%s\"", how, territory_key);
}

/* A key that folds like several territory keys is not joined by guess: say which. */
static char *ambiguous_note(const candidate_list *list, const char *folded)
{
    if (!folded || !folded[0])
        return NULL;
    GString *keys = g_string_new(NULL);
    size_t found = 0;
    for (size_t i = 0; i < list->count; i++) {
        if (list->items[i].key_folded && strcmp(list->items[i].key_folded, folded) == 0) {
            g_string_append_printf(keys, "%s\"%s\"", found ? ", " : "", list->items[i].key);
            found++;
        }
    }
    char *note = found > 1 ? g_strdup_printf("ambiguous: after folding it matches %zu "
                                             "territories (%s)",
                                             found, keys->str)
                           : NULL;
    g_string_free(keys, TRUE);
    return note;
}

static char *unmatched_note(const report_writer *w, const char *source_key)
{
    if (!source_key || !source_key[0])
        return g_strdup("empty key: the row matches no territory");
    char *folded = cm_fold_key(source_key);
    char *ambiguous = ambiguous_note(w->candidates, folded);
    if (ambiguous) {
        free(folded);
        return ambiguous;
    }
    int by_name = 0;
    const candidate *best = closest_candidate(w->candidates, folded, &by_name);
    free(folded);
    if (!best)
        return g_strdup("no such territory");
    if (by_name && best->name && strcmp(best->name, best->key) != 0)
        return g_strdup_printf("no such territory; closest: \"%s\" (key %s)", best->name,
                               best->key);
    return g_strdup_printf("no such territory; closest: \"%s\"", best->key);
}

/* The note of one report entry; rows > 1 for a key of several rows. Owned by the
 * caller (g_free). */
static char *entry_note(const report_writer *w, const char *source_key, const char *status,
                        const char *territory_key, long rows, long first_line, long line)
{
    char *note = NULL;
    if (strcmp(status, "normalised") == 0)
        note = normalised_note(source_key, territory_key);
    else if (strcmp(status, "unmatched") == 0)
        note = unmatched_note(w, source_key);
    else if (strcmp(status, "duplicate") == 0)
        note =
            g_strdup_printf("second row for this territory: lines %ld and %ld", first_line, line);
    else if (rows > 1)
        return g_strdup_printf("%ld rows", rows);
    if (rows <= 1)
        return note;
    char *with_rows = g_strdup_printf("%s (%ld rows)", note, rows);
    g_free(note);
    return with_rows;
}

static cm_status report_entry(report_writer *w, const char *source_key, const char *status,
                              const char *territory_key, long rows, long first_line, long line,
                              cm_error *err)
{
    char *note = entry_note(w, source_key, status, territory_key, rows, first_line, line);
    cm_status st = add_report_row(w, source_key, status, territory_key, note, line, err);
    g_free(note);
    return st;
}

/* Indicators: one entry per row; a second row is a duplicate, whose note names the
 * first line (looked up for duplicates only). */
static cm_status report_indicator_rows(report_writer *w, cm_store *store, int n, cm_error *err)
{
    char *sql = sqlite3_mprintf("SELECT source_key, match_status, territory_key, line, "
                                "CASE WHEN match_status = 'duplicate' THEN "
                                "(SELECT min(b.line) FROM table_%d b WHERE "
                                "b.territory_key = d.territory_key%s) END "
                                "FROM table_%d d ORDER BY line",
                                n, has_year_column(store, n) ? " AND b.year IS d.year" : "", n);
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_store_prepare(store, sql, &stmt, err);
    sqlite3_free(sql);
    while (st == CM_OK && sqlite3_step(stmt) == SQLITE_ROW)
        st = report_entry(
            w, (const char *)sqlite3_column_text(stmt, 0),
            (const char *)sqlite3_column_text(stmt, 1), (const char *)sqlite3_column_text(stmt, 2),
            1, (long)sqlite3_column_int64(stmt, 4), (long)sqlite3_column_int64(stmt, 3), err);
    sqlite3_finalize(stmt);
    return st;
}

/* One key of a partners or funding table: its values at its first line. */
typedef struct {
    const char *source_key; /* in the group list's text; NULL for a blank key */
    const char *status;
    const char *territory_key;
    long line;
    long rows;
} key_group;

typedef struct {
    key_group *items; /* owned */
    size_t count, capacity;
    GStringChunk *text; /* owns the strings */
    GHashTable *by_key; /* source_key -> 1 + index in items */
    size_t blank;       /* 1 + index of the blank key's group; 0 when none */
} key_groups;

static void key_groups_free(key_groups *g)
{
    free(g->items);
    if (g->text)
        g_string_chunk_free(g->text);
    if (g->by_key)
        g_hash_table_destroy(g->by_key);
}

static const char *interned(key_groups *g, const char *text)
{
    return text ? g_string_chunk_insert_const(g->text, text) : NULL;
}

static cm_status add_to_group(key_groups *g, sqlite3_stmt *row, cm_error *err)
{
    const char *key = (const char *)sqlite3_column_text(row, 0);
    long line = (long)sqlite3_column_int64(row, 3);
    size_t slot = key ? GPOINTER_TO_SIZE(g_hash_table_lookup(g->by_key, key)) : g->blank;
    key_group *group = slot ? &g->items[slot - 1] : NULL;
    if (group) {
        group->rows++;
        if (line >= group->line)
            return CM_OK;
    } else {
        if (!cm_grow((void **)&g->items, &g->capacity, g->count + 1, sizeof *g->items))
            return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
        group = &g->items[g->count++];
        group->source_key = interned(g, key);
        group->rows = 1;
        if (key)
            g_hash_table_insert(g->by_key, (gpointer)group->source_key, GSIZE_TO_POINTER(g->count));
        else
            g->blank = g->count;
    }
    /* The key's values are those of its first line, as in GROUP BY with min(line). */
    group->line = line;
    group->status = interned(g, (const char *)sqlite3_column_text(row, 1));
    group->territory_key = interned(g, (const char *)sqlite3_column_text(row, 2));
    return CM_OK;
}

static int by_first_line(const void *a, const void *b)
{
    const key_group *x = a, *y = b;
    return (x->line > y->line) - (x->line < y->line);
}

/* The keys of table_<n> with their row counts, in the order of their first lines:
 * grouped here in one scan of the table rather than by SQL's GROUP BY, which sorted
 * every row and then every key (tens of milliseconds at 20 000 territories). */
static cm_status group_keys(cm_store *store, int n, key_groups *g, cm_error *err)
{
    memset(g, 0, sizeof *g);
    g->text = g_string_chunk_new(64 * 1024);
    g->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    char *sql =
        sqlite3_mprintf("SELECT source_key, match_status, territory_key, line FROM table_%d", n);
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_store_prepare(store, sql, &stmt, err);
    sqlite3_free(sql);
    int rc = SQLITE_DONE;
    while (st == CM_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        st = add_to_group(g, stmt, err);
    if (st == CM_OK && rc != SQLITE_DONE)
        st = cm_error_set(err, CM_ERR_SQL, "cannot read the keys of table_%d: %s", n,
                          sqlite3_errmsg(cm_store_db(store)));
    sqlite3_finalize(stmt);
    if (st == CM_OK && g->count > 1)
        qsort(g->items, g->count, sizeof *g->items, by_first_line);
    return st;
}

/* Partners and funding have many rows per territory: one entry per key, at its
 * first line. */
static cm_status report_grouped_keys(report_writer *w, cm_store *store, int n, cm_error *err)
{
    key_groups groups;
    cm_status st = group_keys(store, n, &groups, err);
    for (size_t i = 0; i < groups.count && st == CM_OK; i++) {
        const key_group *g = &groups.items[i];
        st = report_entry(w, g->source_key, g->status, g->territory_key, g->rows, 0, g->line, err);
    }
    key_groups_free(&groups);
    return st;
}

static cm_status report_rows(report_writer *w, cm_store *store, int n, int is_indicators,
                             cm_error *err)
{
    return is_indicators ? report_indicator_rows(w, store, n, err)
                         : report_grouped_keys(w, store, n, err);
}

/* The territories that no row of the table just reported names, in key order. */
static cm_status report_no_data(report_writer *w, cm_error *err)
{
    cm_status st = CM_OK;
    for (size_t i = 0; i < w->candidates->count && st == CM_OK; i++) {
        candidate *c = &w->candidates->items[i];
        if (!c->has_row)
            st = add_report_row(w, "", "no-data", c->key, "no row for this territory", 0, err);
    }
    for (size_t i = 0; i < w->candidates->count; i++)
        w->candidates->items[i].has_row = false;
    return st;
}

/* The first duplicate of an indicators table, as an error naming both lines. */
static cm_status check_duplicates(cm_store *store, const cm_source *source, int n, cm_error *err)
{
    char *sql = sqlite3_mprintf(
        "SELECT d.line, d.territory_key, d.source_key, "
        "  (SELECT min(b.line) FROM table_%d b WHERE b.territory_key = d.territory_key%s) "
        "FROM table_%d d WHERE d.match_status = 'duplicate' ORDER BY d.line LIMIT 1",
        n, has_year_column(store, n) ? " AND b.year IS d.year" : "", n);
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_store_prepare(store, sql, &stmt, err);
    sqlite3_free(sql);
    if (st == CM_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        long line = (long)sqlite3_column_int64(stmt, 0);
        long first = (long)sqlite3_column_int64(stmt, 3);
        cm_error_set(err, CM_ERR_INPUT,
                     "lines %ld and %ld are both for territory '%s' (key \"%s\")", first, line,
                     (const char *)sqlite3_column_text(stmt, 1),
                     (const char *)sqlite3_column_text(stmt, 2));
        cm_error_at(err, source->source, line, source->key);
        cm_error_set_hint(err, "an indicators table has one row per territory: remove or merge "
                               "one of them");
        st = CM_ERR_INPUT;
    }
    sqlite3_finalize(stmt);
    return st;
}

cm_status cm_join_tables(cm_store *store, const cm_project *project, cm_join_counts *counts,
                         cm_error *err)
{
    memset(counts, 0, sizeof *counts);
    candidate_list candidates;
    cm_status st = load_candidates(store, &candidates, err);
    if (st != CM_OK)
        return st;
    report_writer w = {NULL, NULL, &candidates, counts};
    st = cm_store_begin(store, err);
    if (st == CM_OK)
        st = cm_store_exec(store,
                           "CREATE TABLE join_report(seq INTEGER PRIMARY KEY, table_name TEXT, "
                           "source_key TEXT, status TEXT, territory_key TEXT, note TEXT, "
                           "line INTEGER)",
                           err);
    if (st == CM_OK)
        st = cm_store_prepare(store,
                              "INSERT INTO join_report(table_name, source_key, status, "
                              "territory_key, note, line) VALUES (?, ?, ?, ?, ?, ?)",
                              &w.insert, err);
    for (size_t i = 0; i < project->table_count && st == CM_OK; i++) {
        const cm_source *source = &project->tables[i];
        int n = (int)i + 1;
        int is_indicators = source->role == CM_ROLE_INDICATORS;
        w.table = source->source;
        st = match_keys(store, n, is_indicators, err);
        if (st == CM_OK)
            st = report_rows(&w, store, n, is_indicators, err);
        if (st == CM_OK)
            st = report_no_data(&w, err);
    }
    sqlite3_finalize(w.insert);
    if (st == CM_OK)
        st = cm_store_commit(store, err);
    else
        cm_store_rollback(store);
    for (size_t i = 0; i < project->table_count && st == CM_OK; i++)
        if (project->tables[i].role == CM_ROLE_INDICATORS)
            st = check_duplicates(store, &project->tables[i], (int)i + 1, err);
    candidates_free(&candidates);
    return st;
}

static void describe_row(FILE *out, const char *table, const char *source_key, const char *status,
                         const char *territory_key, const char *note, long line)
{
    if (strcmp(status, "no-data") == 0)
        fprintf(out, "  %s: no-data: no row for territory \"%s\"\n", table, territory_key);
    else if (strcmp(status, "duplicate") == 0)
        fprintf(out, "  %s:%ld: duplicate: \"%s\" is a second row for \"%s\" (an error)\n", table,
                line, source_key, territory_key);
    else
        fprintf(out, "  %s:%ld: %s: \"%s\": %s\n", table, line, status, source_key, note);
}

cm_status cm_join_describe(cm_store *store, FILE *out, cm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_store_prepare(store,
                                    "SELECT table_name, source_key, status, territory_key, note, "
                                    "line FROM join_report ORDER BY seq",
                                    &stmt, err);
    if (st != CM_OK)
        return st;
    const char *last_table = NULL;
    char *current = NULL;
    size_t matched = 0, oddities = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(stmt, 0);
        const char *status = (const char *)sqlite3_column_text(stmt, 2);
        if (!last_table || strcmp(current, table) != 0) {
            free(current);
            current = strdup(table);
            last_table = current;
            fprintf(out, "%s:\n", table);
        }
        if (strcmp(status, "matched") == 0) {
            matched++;
            continue;
        }
        oddities++;
        describe_row(out, table, (const char *)sqlite3_column_text(stmt, 1), status,
                     (const char *)sqlite3_column_text(stmt, 3),
                     (const char *)sqlite3_column_text(stmt, 4),
                     (long)sqlite3_column_int64(stmt, 5));
    }
    free(current);
    sqlite3_finalize(stmt);
    fprintf(out, "join: %zu keys matched exactly, %zu entries to look at\n", matched, oddities);
    return CM_OK;
}
