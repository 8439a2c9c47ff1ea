/* A map's value is a column or an expression over the joined view, and nothing
 * more: it is prepared under an SQLite authorizer that allows reading the joined
 * view and calling a short list of harmless functions. */
/* sqlite3_column_table_name (Debian's SQLite has the column metadata). */
#define SQLITE_ENABLE_COLUMN_METADATA 1
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "covermap/render.h"
#include "covermap/store.h"
#include "render_internal.h"

#define JOINED_VIEW "joined"
#define GAP_TABLE "gap"

/* spatialite: registered by SpatiaLite, either its own (st_area) or in place of
 * SQLite's built-in (its log() is the natural logarithm, its floor() a real), so
 * the value is evaluated on a connection with SpatiaLite, as the GeoPackage export
 * evaluates it (cm_map_value_needs_spatialite). */
static const struct {
    const char *name;
    bool spatialite;
} allowed_functions[] = {
    {"abs", false},         {"round", false},    {"coalesce", false}, {"ifnull", false},
    {"nullif", false},      {"min", false},      {"max", false},      {"lower", false},
    {"upper", false},       {"length", false},   {"substr", false},   {"substring", false},
    {"trim", false},        {"ltrim", false},    {"rtrim", false},    {"iif", false},
    {"instr", false},       {"replace", false},  {"typeof", false},   {"like", false},
    {"glob", false},        {"floor", true},     {"ceil", true},      {"ceiling", true},
    {"sqrt", true},         {"power", true},     {"pow", true},       {"exp", true},
    {"ln", true},           {"log", true},       {"log10", true},     {"sign", true},
    {"st_area", true},      {"area", true},      {"st_length", true}, {"glength", true},
    {"st_perimeter", true}, {"perimeter", true},
};

typedef struct {
    char refused[256]; /* what the authorizer refused first; empty if nothing */
} sandbox_state;

bool cm_sandbox_allows_function(const char *name)
{
    if (!name)
        return false;
    for (size_t i = 0; i < sizeof allowed_functions / sizeof allowed_functions[0]; i++)
        if (!strcasecmp(name, allowed_functions[i].name))
            return true;
    return false;
}

static int refuse(sandbox_state *state, const char *fmt, const char *what)
{
    if (!state->refused[0])
        snprintf(state->refused, sizeof state->refused, fmt, what ? what : "?");
    return SQLITE_DENY;
}

static const char *action_name(int action)
{
    switch (action) {
    case SQLITE_ATTACH: return "ATTACH";
    case SQLITE_DETACH: return "DETACH";
    case SQLITE_PRAGMA: return "PRAGMA";
    case SQLITE_INSERT: return "INSERT";
    case SQLITE_UPDATE: return "UPDATE";
    case SQLITE_DELETE: return "DELETE";
    case SQLITE_TRANSACTION: return "a transaction";
    case SQLITE_RECURSIVE: return "a recursive query";
    default: return "a statement other than SELECT";
    }
}

static int sandbox_authorizer(void *user, int action, const char *arg1, const char *arg2,
                              const char *db_name, const char *view)
{
    sandbox_state *state = user;
    bool inside_joined = view && !strcmp(view, JOINED_VIEW);
    switch (action) {
    case SQLITE_SELECT: return SQLITE_OK;
    case SQLITE_READ:
        /* Reads of the view's own tables arrive with the view as context. */
        if ((inside_joined || (arg1 && !strcmp(arg1, JOINED_VIEW))) && db_name &&
            !strcmp(db_name, "main"))
            return SQLITE_OK;
        return refuse(state, "reading table '%s' (only the joined view may be read)", arg1);
    case SQLITE_FUNCTION:
        if (inside_joined || cm_sandbox_allows_function(arg2))
            return SQLITE_OK;
        return refuse(state, "function %s() is not allowed", arg2);
    default: return refuse(state, "%s is not allowed", action_name(action));
    }
}

/* Scans the text outside string literals and quoted identifiers. */
static const char *value_text_problem(const char *value)
{
    int depth = 0;
    char quote = 0;
    for (const char *p = value; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0; /* a doubled quote reopens on the next character */
            continue;
        }
        switch (*p) {
        case '\'':
        case '"':
        case '`': quote = *p; break;
        case '[': quote = ']'; break;
        case ';': return "a semicolon (a second statement)";
        case '(': depth++; break;
        case ')':
            if (--depth < 0)
                return "an unbalanced ')'";
            break;
        case '-':
            if (p[1] == '-')
                return "a comment ('--')";
            break;
        case '/':
            if (p[1] == '*')
                return "a comment ('/*')";
            break;
        default: break;
        }
    }
    if (quote)
        return "an unterminated quote";
    if (depth > 0)
        return "an unbalanced '('";
    return NULL;
}

static cm_status check_name(const cm_map_spec *map, cm_error *err)
{
    const char *name = map->name;
    if (!name || !name[0])
        return cm_error_set(err, CM_ERR_PROJECT, "a map has no name");
    if (name[0] == '.' || strchr(name, '/') || strchr(name, '\\') || strstr(name, "..")) {
        cm_error_set(err, CM_ERR_PROJECT,
                     "map '%s': a map name becomes a file name, not a path "
                     "(no '/', '\\', '..' or leading '.')",
                     name);
        cm_error_set_field(err, "name");
        cm_error_set_line(err, map->line, 0);
        return CM_ERR_PROJECT;
    }
    return CM_OK;
}

cm_status cm_map_check_value_text(const cm_map_spec *map, cm_error *err)
{
    cm_status st = check_name(map, err);
    if (st != CM_OK)
        return st;
    const char *value = map->value;
    bool blank = true;
    for (const char *p = value ? value : ""; *p; p++)
        if (!isspace((unsigned char)*p))
            blank = false;
    if (blank) {
        cm_error_set(err, CM_ERR_PROJECT, "map '%s': the value is empty", map->name);
        cm_error_set_field(err, "value");
        cm_error_set_line(err, map->line, 0);
        return CM_ERR_PROJECT;
    }
    const char *problem = value_text_problem(value);
    if (problem) {
        cm_error_set(err, CM_ERR_PROJECT, "map '%s': value refused: it contains %s", map->name,
                     problem);
        cm_error_set_field(err, "value");
        cm_error_set_line(err, map->line, 0);
        cm_error_set_hint(err, "a map's value is one column or one expression over the joined "
                               "columns, e.g. families_reached * 100.0 / children_0_5");
        return CM_ERR_PROJECT;
    }
    return CM_OK;
}

static bool only_blanks(const char *text)
{
    for (; text && *text; text++)
        if (!isspace((unsigned char)*text))
            return false;
    return true;
}

static bool contains_ignoring_case(const char *text, const char *word)
{
    size_t length = strlen(word);
    for (const char *p = text; *p; p++)
        if (!strncasecmp(p, word, length))
            return true;
    return false;
}

bool cm_map_value_needs_spatialite(const cm_map_spec *map)
{
    const char *value = map->value ? map->value : "";
    for (size_t i = 0; i < sizeof allowed_functions / sizeof allowed_functions[0]; i++)
        if (allowed_functions[i].spatialite &&
            contains_ignoring_case(value, allowed_functions[i].name))
            return true; /* perhaps only within a column's name: then it costs the registration */
    return false;
}

/* The statement that reads a map's value from `from`: the risk level rides along,
 * so that one pass gives a map everything. Released with sqlite3_free. */
static char *value_statement(const char *value, const char *from)
{
    return sqlite3_mprintf("SELECT key, (%s), risk_level FROM %s", value, from);
}

typedef int (*authorizer_fn)(void *, int, const char *, const char *, const char *, const char *);

/* Prepares sql under the authorizer; *second_statement tells that text followed
 * the first statement (a statement is prepared all the same). */
static int prepare_under(sqlite3 *db, const char *sql, authorizer_fn authorizer, void *state,
                         sqlite3_stmt **stmt, bool *second_statement)
{
    *stmt = NULL;
    sqlite3_set_authorizer(db, authorizer, state);
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, stmt, &tail);
    sqlite3_set_authorizer(db, NULL, NULL);
    *second_statement = rc == SQLITE_OK && !only_blanks(tail);
    return rc;
}

/* ---- a value over the gap table alone --------------------------------------- */

enum { GAP_READS_MAX = 16 };

typedef struct {
    bool refused;
    int select_count;
    int read_count;
    char reads[GAP_READS_MAX][64]; /* the gap columns the statement reads */
} gap_state;

/* Allows what the sandbox allows, but reading only the gap table's current row (no
 * subquery: on the view, one would have to name the table, which the sandbox
 * refuses), and notes the columns read. */
static int gap_authorizer(void *user, int action, const char *arg1, const char *arg2,
                          const char *db_name, const char *view)
{
    gap_state *state = user;
    (void)view;
    switch (action) {
    case SQLITE_SELECT:
        if (++state->select_count == 1)
            return SQLITE_OK;
        break;
    case SQLITE_READ:
        if (arg1 && arg2 && !strcmp(arg1, GAP_TABLE) && db_name && !strcmp(db_name, "main") &&
            state->read_count < GAP_READS_MAX && strlen(arg2) < sizeof state->reads[0]) {
            strcpy(state->reads[state->read_count++], arg2);
            return SQLITE_OK;
        }
        break;
    case SQLITE_FUNCTION:
        if (cm_sandbox_allows_function(arg2))
            return SQLITE_OK;
        break;
    default: break;
    }
    state->refused = true;
    return SQLITE_DENY;
}

/* Whether the joined view's column of this name is the gap table's own (the view
 * gives a territory's attribute of the same name instead). The key is: the view
 * joins gap on it. */
static bool joined_reads_gap_column(sqlite3 *db, const char *column)
{
    if (!strcmp(column, "key"))
        return true;
    char *sql = sqlite3_mprintf("SELECT \"%w\" FROM " JOINED_VIEW, column);
    sqlite3_stmt *stmt = NULL;
    bool from_gap = false;
    if (sql && sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        const char *table = sqlite3_column_table_name(stmt, 0);
        const char *origin = sqlite3_column_origin_name(stmt, 0);
        from_gap = table && origin && !strcmp(table, GAP_TABLE) && !strcmp(origin, column);
    }
    sqlite3_finalize(stmt);
    sqlite3_free(sql);
    return from_gap;
}

/* The value's statement on the gap table when the value reads only columns that
 * the joined view takes from it: the same rows (the view has one per territory,
 * joined on the key) without the view's joins, which halves a map's reading of
 * its values (45 of 90 ms at 20 000 territories). NULL otherwise: the caller
 * prepares it on the view, which also gives any error. */
static sqlite3_stmt *prepare_on_gap(sqlite3 *db, const char *value)
{
    char *sql = value_statement(value, GAP_TABLE);
    if (!sql)
        return NULL;
    gap_state state = {0};
    sqlite3_stmt *stmt = NULL;
    bool second_statement = false;
    int rc = prepare_under(db, sql, gap_authorizer, &state, &stmt, &second_statement);
    sqlite3_free(sql);
    bool usable = rc == SQLITE_OK && !state.refused && !second_statement;
    for (int i = 0; usable && i < state.read_count; i++)
        usable = joined_reads_gap_column(db, state.reads[i]);
    if (!usable) {
        sqlite3_finalize(stmt);
        return NULL;
    }
    return stmt;
}

cm_status cm_sandbox_prepare_value(sqlite3 *db, const cm_map_spec *map, sqlite3_stmt **out,
                                   cm_error *err)
{
    *out = NULL;
    cm_status st = cm_map_check_value_text(map, err);
    if (st != CM_OK)
        return st;
    if ((*out = prepare_on_gap(db, map->value)))
        return CM_OK;
    char *sql = value_statement(map->value, JOINED_VIEW);
    if (!sql)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    sandbox_state state = {{0}};
    sqlite3_stmt *stmt = NULL;
    bool second_statement = false;
    int rc = prepare_under(db, sql, sandbox_authorizer, &state, &stmt, &second_statement);
    sqlite3_free(sql);

    if (rc == SQLITE_OK && !second_statement) {
        *out = stmt;
        return CM_OK;
    }
    sqlite3_finalize(stmt);
    if (second_statement)
        cm_error_set(err, CM_ERR_PROJECT, "map '%s': value refused: a second statement", map->name);
    else if (state.refused[0])
        cm_error_set(err, CM_ERR_PROJECT, "map '%s': value refused: %s", map->name, state.refused);
    else
        cm_error_set(err, CM_ERR_PROJECT,
                     "map '%s': value '%s' is not a valid expression "
                     "over the joined columns: %s",
                     map->name, map->value, sqlite3_errmsg(db));
    cm_error_set_field(err, "value");
    cm_error_set_line(err, map->line, 0);
    cm_error_set_hint(err, "a map's value is one column or one expression over the joined "
                           "columns, e.g. families_reached * 100.0 / children_0_5");
    return CM_ERR_PROJECT;
}

cm_status cm_map_validate_value_db(sqlite3 *db, const cm_map_spec *map, cm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_sandbox_prepare_value(db, map, &stmt, err);
    sqlite3_finalize(stmt);
    return st;
}

cm_status cm_map_store_open(const char *db_path, const cm_map_spec *map, cm_store **out,
                            cm_error *err)
{
    return cm_map_value_needs_spatialite(map) ? cm_store_open_readonly(db_path, out, err)
                                              : cm_store_open_reader(db_path, out, err);
}

cm_status cm_map_validate_value(const char *db_path, const cm_map_spec *map, cm_error *err)
{
    cm_store *store = NULL;
    cm_status st = cm_map_store_open(db_path, map, &store, err);
    if (st == CM_OK)
        st = cm_map_validate_value_db(cm_store_db(store), map, err);
    cm_store_close(store);
    return st;
}

const char *cm_map_value_attribute(const cm_map_spec *map)
{
    const char *value = map->value ? map->value : "";
    bool identifier = value[0] && (isalpha((unsigned char)value[0]) || value[0] == '_');
    for (const char *p = value; *p && identifier; p++)
        identifier = isalnum((unsigned char)*p) || *p == '_';
    return identifier ? value : map->name;
}
