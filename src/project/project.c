/* The project file: SPEC.md's YAML contract, read from libyaml's node tree into
 * a cm_project. Every key is checked (unknown keys get the closest valid one as
 * a hint), every error names the file, the line and the field. */
#include "covermap/project.h"

#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "covermap/text.h"
#include "project/style.h"
#include "project/yaml_doc.h"

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* A map name becomes OUTDIR/maps/NAME.png: keep it a short, plain file name. */
#define CM_MAP_NAME_MAX 100
/* Far beyond any real project; keeps the name checks and the run bounded. */
#define CM_MAX_ENTRIES 1000

typedef struct {
    cm_yaml_doc *yd;
    cm_project *project;
    cm_error *err;
} reader;

static const char *const TOP_KEYS[] = {
    "title",     "as_of",       "horizon_months", "coordination_cost",
    "locale",    "source_line", "territories",    "data",
    "districts", "maps",        "report",         "export"};
static const char *const BOUNDARY_KEYS[] = {"source", "layer", "key", "name", "encoding", "srs"};
static const char *const TABLE_KEYS[] = {"source",   "key",   "role",  "columns",
                                         "encoding", "sheet", "layer", "srs"};
static const char *const MAP_KEYS[] = {"name",  "title",           "subtitle", "value",  "classes",
                                       "style", "style_overrides", "srs",      "formats"};
static const char *const CLASS_KEYS[] = {"method", "count", "breaks"};
static const char *const REPORT_KEYS[] = {"formats"};
static const char *const EXPORT_KEYS[] = {"geopackage"};

static const char *const INDICATOR_COLUMNS[] = {"year", "children_0_5", "families_reached",
                                                "children_reached", "coordinator_fte"};
static const char *const PARTNER_COLUMNS[] = {"name", "sector"};
static const char *const FUNDING_COLUMNS[] = {"funder", "amount", "start",
                                              "end",    "kind",   "coordination"};

static const char *const MAP_FORMATS[] = {"png", "svg", "pdf"};
static const char *const REPORT_FORMATS[] = {"csv", "md", "html", "pdf"};

static const char *const METHOD_NAMES[] = {"quantile", "equal-interval", "fisher-jenks",
                                           "stddev",   "manual",         "categorical"};
static const struct {
    const char *name;
    cm_class_method method;
} METHOD_ALIASES[] = {
    {"quantile", CM_CLASS_QUANTILE},
    {"quantiles", CM_CLASS_QUANTILE},
    {"equal-interval", CM_CLASS_EQUAL_INTERVAL},
    {"equal-intervals", CM_CLASS_EQUAL_INTERVAL},
    {"fisher-jenks", CM_CLASS_FISHER_JENKS},
    {"jenks", CM_CLASS_FISHER_JENKS},
    {"natural-breaks", CM_CLASS_FISHER_JENKS},
    {"stddev", CM_CLASS_STDDEV},
    {"std-dev", CM_CLASS_STDDEV},
    {"standard-deviation", CM_CLASS_STDDEV},
    {"manual", CM_CLASS_MANUAL},
    {"categorical", CM_CLASS_CATEGORICAL},
    {"categories", CM_CLASS_CATEGORICAL},
};

/* ---- errors ------------------------------------------------------------------ */

static cm_status fail(reader *r, const yaml_node_t *node, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cm_status fail(reader *r, const yaml_node_t *node, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cm_status st = cm_yaml_verror(r->yd, node, field, r->err, fmt, ap);
    va_end(ap);
    return st;
}

static cm_status nomem(reader *r)
{
    return cm_error_set(r->err, CM_ERR_NOMEM, "out of memory reading the project file");
}

/* The closest choice by edit distance, if close enough to be a likely typo. */
static const char *closest(const char *word, const char *const *choices, size_t n)
{
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = cm_edit_distance(word, choices[i]);
        if (d < best_distance) {
            best_distance = d;
            best = choices[i];
        }
    }
    if (!best)
        return NULL;
    size_t limit = strlen(best) / 3 < 2 ? 2 : strlen(best) / 3;
    return best_distance <= limit ? best : NULL;
}

/* Hint: the likely intended choice, or else the list of valid ones. */
static void hint_choices(reader *r, const char *word, const char *const *choices, size_t n,
                         const char *what)
{
    const char *match = closest(word, choices, n);
    if (match) {
        cm_error_set_hint(r->err, "did you mean '%s'?", match);
        return;
    }
    char list[320] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
        if (w > 0)
            used += (size_t)w;
    }
    cm_error_set_hint(r->err, "%s: %s", what, list);
}

static void field_name(char *buf, size_t size, const char *where, const char *key)
{
    /* A field name longer than the buffer is cut; the line number still locates it. */
    int written = where && where[0] ? snprintf(buf, size, "%s.%s", where, key)
                                    : snprintf(buf, size, "%s", key);
    if (written < 0 && size > 0)
        buf[0] = '\0';
}

/* ---- mappings ------------------------------------------------------------------ */

static bool is_one_of(const char *word, const char *const *choices, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(word, choices[i]) == 0)
            return true;
    return false;
}

static cm_status expect_kind(reader *r, yaml_node_t *node, yaml_node_type_t type, const char *field,
                             const char *expected)
{
    if (node->type == type)
        return CM_OK;
    return fail(r, node, field, "expected %s, found %s", expected, cm_yaml_kind_name(node));
}

/* Checks that every key of the mapping is a known, single, plain name. */
static cm_status check_keys(reader *r, yaml_node_t *map, const char *where,
                            const char *const *allowed, size_t n)
{
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *key = cm_yaml_node(r->yd, pair->key);
        if (!key || key->type != YAML_SCALAR_NODE || cm_yaml_is_null(key))
            return fail(r, key ? key : map, where, "expected a plain key name before ':'");
        const char *name = cm_yaml_text(key);
        if (!is_one_of(name, allowed, n)) {
            cm_status st = fail(r, key, where, "unknown key '%s'", name);
            hint_choices(r, name, allowed, n, "valid keys here are");
            return st;
        }
        /* Known keys first: this loop then runs at most n times before a repeat. */
        for (yaml_node_pair_t *prev = map->data.mapping.pairs.start; prev < pair; prev++) {
            yaml_node_t *prev_key = cm_yaml_node(r->yd, prev->key);
            const char *prev_name = cm_yaml_text(prev_key);
            if (prev_name && strcmp(prev_name, name) == 0)
                return fail(r, key, where, "key '%s' is given twice (first at line %ld)", name,
                            cm_yaml_line(prev_key));
        }
    }
    return CM_OK;
}

static yaml_node_pair_t *find_pair(reader *r, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        const char *name = cm_yaml_text(cm_yaml_node(r->yd, pair->key));
        if (name && strcmp(name, key) == 0)
            return pair;
    }
    return NULL;
}

/* The value of key, or NULL when the key is absent or its value is null. */
static yaml_node_t *find_value(reader *r, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *pair = find_pair(r, map, key);
    if (!pair)
        return NULL;
    yaml_node_t *value = cm_yaml_node(r->yd, pair->value);
    return cm_yaml_is_null(value) ? NULL : value;
}

static cm_status missing(reader *r, yaml_node_t *map, const char *where, const char *key)
{
    yaml_node_pair_t *pair = find_pair(r, map, key);
    if (pair)
        return fail(r, cm_yaml_node(r->yd, pair->key), where, "key '%s' needs a value", key);
    return fail(r, map, where, "missing required key '%s'", key);
}

/* ---- scalar values ---------------------------------------------------------- */

/* The text of a scalar node; fails on lists, mappings and embedded NULs. */
static cm_status scalar_text(reader *r, yaml_node_t *node, const char *field, const char *expected,
                             const char **out)
{
    cm_status st = expect_kind(r, node, YAML_SCALAR_NODE, field, expected);
    if (st != CM_OK)
        return st;
    const char *text = cm_yaml_text(node);
    if (strlen(text) != node->data.scalar.length)
        return fail(r, node, field, "the value contains a NUL character");
    *out = text;
    return CM_OK;
}

static bool is_blank(const char *text)
{
    for (; *text; text++)
        if (*text != ' ' && *text != '\t' && *text != '\n' && *text != '\r')
            return false;
    return true;
}

/* Reads key as text into *out (NULL when absent or null, unless required). */
static cm_status read_text(reader *r, yaml_node_t *map, const char *where, const char *key,
                           bool required, char **out)
{
    char field[160];
    field_name(field, sizeof field, where, key);
    yaml_node_t *value = find_value(r, map, key);
    if (!value)
        return required ? missing(r, map, where, key) : CM_OK;
    const char *text = NULL;
    cm_status st = scalar_text(r, value, field, "text", &text);
    if (st != CM_OK)
        return st;
    if (required && is_blank(text))
        return fail(r, value, field, "must not be empty");
    *out = strdup(text);
    return *out ? CM_OK : nomem(r);
}

/* Optional sign and digits only: YAML's "12" but not "12.0", "0x0C" or "douze". */
static bool parse_whole(const char *text, long long *out)
{
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    if (strlen(p) > 15)
        return false;
    *out = strtoll(text, NULL, 10);
    return true;
}

/* A plain decimal number ("65000", "65000.50", "-1.5e3"), whatever the C locale. */
static bool parse_decimal(const char *text, double *out)
{
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    bool digits = false;
    while (*p >= '0' && *p <= '9') {
        p++;
        digits = true;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            digits = true;
        }
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return false;
    double value = g_ascii_strtod(text, NULL);
    if (!isfinite(value))
        return false;
    *out = value;
    return true;
}

static cm_status read_int(reader *r, yaml_node_t *map, const char *where, const char *key,
                          long long min, long long max, const char *expected, int *out)
{
    char field[160];
    field_name(field, sizeof field, where, key);
    yaml_node_t *value = find_value(r, map, key);
    if (!value)
        return CM_OK;
    const char *text = NULL;
    cm_status st = scalar_text(r, value, field, expected, &text);
    if (st != CM_OK)
        return st;
    long long number;
    if (!parse_whole(text, &number) || number < min || number > max)
        return fail(r, value, field, "expected %s, found \"%s\"", expected, text);
    *out = (int)number;
    return CM_OK;
}

static cm_status read_bool(reader *r, yaml_node_t *map, const char *where, const char *key,
                           bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "oui", "vrai"};
    static const char *const no[] = {"false", "no", "off", "non", "faux"};
    char field[160];
    field_name(field, sizeof field, where, key);
    yaml_node_t *value = find_value(r, map, key);
    if (!value)
        return CM_OK;
    const char *text = NULL;
    cm_status st = scalar_text(r, value, field, "true or false", &text);
    if (st != CM_OK)
        return st;
    for (size_t i = 0; i < COUNT_OF(yes); i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return CM_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return CM_OK;
        }
    }
    return fail(r, value, field, "expected true or false, found \"%s\"", text);
}

/* ---- paths -------------------------------------------------------------------- */

static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* A path from the project file, taken relative to the project file's folder. */
static char *resolve_path(const char *dir, const char *path)
{
    if (path[0] == '/' || strcmp(dir, ".") == 0)
        return strdup(path);
    size_t len = strlen(dir) + 1 + strlen(path) + 1;
    char *joined = malloc(len);
    if (joined)
        snprintf(joined, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", path);
    return joined;
}

/* ---- top-level values --------------------------------------------------------- */

static cm_status read_as_of(reader *r, yaml_node_t *root)
{
    yaml_node_t *value = find_value(r, root, "as_of");
    if (!value)
        return missing(r, root, NULL, "as_of");
    const char *text = NULL;
    cm_status st = scalar_text(r, value, "as_of", "a date written YYYY-MM-DD", &text);
    if (st != CM_OK)
        return st;
    if (!cm_day_parse_iso(text, &r->project->as_of)) {
        st = fail(r, value, "as_of", "expected a date written YYYY-MM-DD, found \"%s\"", text);
        cm_error_set_hint(r->err, "for example as_of: 2026-04-01");
        return st;
    }
    return CM_OK;
}

static cm_status read_cost(reader *r, yaml_node_t *root)
{
    static const char *expected = "a positive amount in dollars per year";
    yaml_node_t *value = find_value(r, root, "coordination_cost");
    if (!value)
        return CM_OK;
    const char *text = NULL;
    cm_status st = scalar_text(r, value, "coordination_cost", expected, &text);
    if (st != CM_OK)
        return st;
    double cost;
    if (!parse_decimal(text, &cost) || cost <= 0) {
        st = fail(r, value, "coordination_cost", "expected %s, found \"%s\"", expected, text);
        cm_error_set_hint(r->err, "write the number alone, e.g. coordination_cost: 65000");
        return st;
    }
    r->project->coordination_cost = cost;
    return CM_OK;
}

static cm_status read_locale(reader *r, yaml_node_t *root)
{
    static const char *const names[] = {"fr-CA", "en-CA"};
    yaml_node_t *value = find_value(r, root, "locale");
    if (!value)
        return CM_OK;
    const char *text = NULL;
    cm_status st = scalar_text(r, value, "locale", "fr-CA or en-CA", &text);
    if (st != CM_OK)
        return st;
    if (strcasecmp(text, "fr-CA") == 0 || strcasecmp(text, "fr_CA") == 0 ||
        strcasecmp(text, "fr") == 0) {
        r->project->locale = CM_LOCALE_FR_CA;
        return CM_OK;
    }
    if (strcasecmp(text, "en-CA") == 0 || strcasecmp(text, "en_CA") == 0 ||
        strcasecmp(text, "en") == 0) {
        r->project->locale = CM_LOCALE_EN_CA;
        return CM_OK;
    }
    st = fail(r, value, "locale", "unsupported locale \"%s\"", text);
    hint_choices(r, text, names, COUNT_OF(names), "supported locales are");
    return st;
}

/* ---- sources (territories, districts, data tables) ------------------------------ */

static bool parse_role(const char *text, cm_table_role *out)
{
    static const struct {
        const char *name;
        cm_table_role role;
    } roles[] = {
        {"indicators", CM_ROLE_INDICATORS}, {"indicateurs", CM_ROLE_INDICATORS},
        {"partners", CM_ROLE_PARTNERS},     {"partenaires", CM_ROLE_PARTNERS},
        {"funding", CM_ROLE_FUNDING},       {"financement", CM_ROLE_FUNDING},
    };
    for (size_t i = 0; i < COUNT_OF(roles); i++) {
        if (strcasecmp(text, roles[i].name) == 0) {
            *out = roles[i].role;
            return true;
        }
    }
    return false;
}

static void role_columns(cm_table_role role, const char *const **names, size_t *n)
{
    switch (role) {
    case CM_ROLE_PARTNERS:
        *names = PARTNER_COLUMNS;
        *n = COUNT_OF(PARTNER_COLUMNS);
        return;
    case CM_ROLE_FUNDING:
        *names = FUNDING_COLUMNS;
        *n = COUNT_OF(FUNDING_COLUMNS);
        return;
    case CM_ROLE_INDICATORS: break;
    }
    *names = INDICATOR_COLUMNS;
    *n = COUNT_OF(INDICATOR_COLUMNS);
}

static cm_status read_role(reader *r, yaml_node_t *map, const char *where, cm_source *out)
{
    static const char *const names[] = {"indicators", "partners", "funding"};
    char field[160];
    field_name(field, sizeof field, where, "role");
    out->role = CM_ROLE_INDICATORS;
    yaml_node_t *value = find_value(r, map, "role");
    if (!value)
        return CM_OK;
    const char *text = NULL;
    cm_status st = scalar_text(r, value, field, "indicators, partners or funding", &text);
    if (st != CM_OK)
        return st;
    if (parse_role(text, &out->role))
        return CM_OK;
    st = fail(r, value, field, "unknown table role '%s'", text);
    hint_choices(r, text, names, COUNT_OF(names), "roles are");
    return st;
}

/* A covermap column name that is not one of this role's: say whose it is. */
static cm_status unknown_column(reader *r, yaml_node_t *key, const char *field, const char *name,
                                cm_table_role role)
{
    const char *const *names;
    size_t n;
    role_columns(role, &names, &n);
    cm_status st = fail(r, key, field, "'%s' is not a covermap column of %s tables", name,
                        cm_table_role_name(role));
    static const cm_table_role all[] = {CM_ROLE_INDICATORS, CM_ROLE_PARTNERS, CM_ROLE_FUNDING};
    for (size_t i = 0; i < COUNT_OF(all); i++) {
        const char *const *other;
        size_t m;
        role_columns(all[i], &other, &m);
        if (all[i] != role && is_one_of(name, other, m)) {
            cm_error_set_hint(r->err, "'%s' is a column of %s tables; add 'role: %s' to this entry",
                              name, cm_table_role_name(all[i]), cm_table_role_name(all[i]));
            return st;
        }
    }
    hint_choices(r, name, names, n, "the columns of this role are");
    return st;
}

static cm_status read_columns(reader *r, yaml_node_t *map, const char *where, cm_source *out)
{
    char field[160];
    field_name(field, sizeof field, where, "columns");
    yaml_node_t *columns = find_value(r, map, "columns");
    if (!columns)
        return CM_OK;
    cm_status st = expect_kind(r, columns, YAML_MAPPING_NODE, field,
                               "a mapping of covermap names to your column names");
    if (st != CM_OK)
        return st;
    const char *const *names;
    size_t n;
    role_columns(out->role, &names, &n);
    size_t count = (size_t)(columns->data.mapping.pairs.top - columns->data.mapping.pairs.start);
    out->columns = calloc(count ? count : 1, sizeof *out->columns);
    if (!out->columns)
        return nomem(r);
    for (size_t i = 0; i < count; i++) {
        yaml_node_pair_t *pair = columns->data.mapping.pairs.start + i;
        yaml_node_t *key = cm_yaml_node(r->yd, pair->key);
        yaml_node_t *value = cm_yaml_node(r->yd, pair->value);
        const char *name = NULL;
        if (!key || cm_yaml_is_null(key))
            return fail(r, key ? key : columns, field,
                        "expected a covermap column name before ':'");
        st = scalar_text(r, key, field, "a covermap column name", &name);
        if (st != CM_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->columns[j].canonical, name) == 0)
                return fail(r, key, field, "column '%s' is mapped twice", name);
        if (!is_one_of(name, names, n))
            return unknown_column(r, key, field, name, out->role);
        char column_field[200];
        snprintf(column_field, sizeof column_field, "%s.%s", field, name);
        const char *source = NULL;
        if (cm_yaml_is_null(value))
            return fail(r, key, column_field, "needs the name of a column of %s", out->source);
        st = scalar_text(r, value, column_field, "a column name", &source);
        if (st != CM_OK)
            return st;
        if (is_blank(source))
            return fail(r, value, column_field, "the column name must not be empty");
        out->columns[i].canonical = strdup(name);
        out->columns[i].source = strdup(source);
        out->column_count = i + 1;
        if (!out->columns[i].canonical || !out->columns[i].source)
            return nomem(r);
    }
    return CM_OK;
}

typedef enum { SOURCE_BOUNDARIES, SOURCE_TABLE } source_kind;

static cm_status read_source(reader *r, yaml_node_t *node, const char *where, source_kind kind,
                             cm_source *out)
{
    cm_status st =
        expect_kind(r, node, YAML_MAPPING_NODE, where, "a mapping (source: FILE, key: FIELD, ...)");
    if (st == CM_OK && kind == SOURCE_BOUNDARIES)
        st = check_keys(r, node, where, BOUNDARY_KEYS, COUNT_OF(BOUNDARY_KEYS));
    else if (st == CM_OK)
        st = check_keys(r, node, where, TABLE_KEYS, COUNT_OF(TABLE_KEYS));
    if (st != CM_OK)
        return st;
    out->line = cm_yaml_line(node);
    out->project_file = r->project->path;
    if ((st = read_text(r, node, where, "source", true, &out->source)) != CM_OK ||
        (st = read_text(r, node, where, "key", true, &out->key)) != CM_OK ||
        (st = read_text(r, node, where, "layer", false, &out->layer)) != CM_OK ||
        (st = read_text(r, node, where, "encoding", false, &out->encoding)) != CM_OK ||
        (st = read_text(r, node, where, "srs", false, &out->srs)) != CM_OK)
        return st;
    out->path = resolve_path(r->project->dir, out->source);
    if (!out->path)
        return nomem(r);
    if (kind == SOURCE_BOUNDARIES) {
        if ((st = read_text(r, node, where, "name", false, &out->name)) != CM_OK)
            return st;
        if (!out->name && !(out->name = strdup(out->key)))
            return nomem(r);
        return CM_OK;
    }
    if ((st = read_text(r, node, where, "sheet", false, &out->sheet)) != CM_OK ||
        (st = read_role(r, node, where, out)) != CM_OK)
        return st;
    return read_columns(r, node, where, out);
}

/* The list under `key` (absent: count 0), checked to be a list of a sane size. */
static cm_status find_list(reader *r, yaml_node_t *root, const char *key, const char *expected,
                           const char *what, yaml_node_t **list, size_t *count)
{
    *count = 0;
    *list = find_value(r, root, key);
    if (!*list)
        return CM_OK;
    cm_status st = expect_kind(r, *list, YAML_SEQUENCE_NODE, key, expected);
    if (st != CM_OK)
        return st;
    *count = (size_t)((*list)->data.sequence.items.top - (*list)->data.sequence.items.start);
    if (*count > CM_MAX_ENTRIES)
        return fail(r, *list, key, "too many %s (%zu; at most %d)", what, *count, CM_MAX_ENTRIES);
    return CM_OK;
}

static cm_status read_tables(reader *r, yaml_node_t *root)
{
    yaml_node_t *data = NULL;
    size_t count = 0;
    cm_status st = find_list(r, root, "data",
                             "a list of tables (each entry starting with "
                             "'- source:')",
                             "tables", &data, &count);
    if (st != CM_OK || count == 0)
        return st;
    r->project->tables = calloc(count, sizeof *r->project->tables);
    if (!r->project->tables)
        return nomem(r);
    r->project->table_count = count;
    for (size_t i = 0; i < count; i++) {
        char where[32];
        snprintf(where, sizeof where, "data[%zu]", i + 1);
        yaml_node_t *item = cm_yaml_node(r->yd, data->data.sequence.items.start[i]);
        st = read_source(r, item, where, SOURCE_TABLE, &r->project->tables[i]);
        if (st != CM_OK)
            return st;
    }
    return CM_OK;
}

/* ---- maps ------------------------------------------------------------------------ */

/* Why name cannot be a file name stem (writes into why), or false when it can. */
static bool bad_map_name(const char *name, char *why, size_t size)
{
    if (!name[0])
        snprintf(why, size, "it is empty");
    else if (name[0] == '.')
        snprintf(why, size, "it starts with '.'");
    else if (strstr(name, ".."))
        snprintf(why, size, "it contains '..'");
    else if (strlen(name) > CM_MAP_NAME_MAX)
        snprintf(why, size, "it is longer than %d bytes", CM_MAP_NAME_MAX);
    else
        why[0] = '\0';
    for (const unsigned char *p = (const unsigned char *)name; !why[0] && *p; p++) {
        unsigned char c = *p;
        if (c == '/' || c == '\\')
            snprintf(why, size, "it contains '%c': a map name is a file name, not a path", c);
        else if (c < 0x20 || c == 0x7f)
            snprintf(why, size, "it contains a control character");
        else if (c < 0x80 && !g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
            snprintf(why, size, "it contains '%c'", c);
    }
    return why[0] != '\0';
}

static cm_status read_map_name(reader *r, yaml_node_t *node, const char *where, size_t index)
{
    cm_map_spec *map = &r->project->maps[index];
    char field[160];
    field_name(field, sizeof field, where, "name");
    cm_status st = read_text(r, node, where, "name", false, &map->name);
    if (st != CM_OK)
        return st;
    yaml_node_pair_t *pair = find_pair(r, node, "name");
    yaml_node_t *at = pair ? cm_yaml_node(r->yd, pair->value) : node;
    char why[128];
    if (!map->name) {
        st = fail(r, at, pair ? field : where, "map %zu has no name", index + 1);
        cm_error_set_hint(r->err, "add 'name: NAME'; the map is written to maps/NAME.png");
        return st;
    }
    if (bad_map_name(map->name, why, sizeof why)) {
        st = fail(r, at, field, "map name '%s' cannot be used as a file name: %s", map->name, why);
        cm_error_set_hint(r->err, "use letters, digits, '-' and '_', e.g. couverture-2026");
        return st;
    }
    for (size_t j = 0; j < index; j++) {
        if (strcasecmp(r->project->maps[j].name, map->name) == 0)
            return fail(r, at, field, "map name '%s' is used twice (first by the map at line %ld)",
                        map->name, r->project->maps[j].line);
    }
    return CM_OK;
}

static bool parse_method(const char *text, cm_class_method *out)
{
    char folded[32];
    size_t len = strlen(text);
    if (len >= sizeof folded)
        return false;
    for (size_t i = 0; i <= len; i++) {
        char c = g_ascii_tolower(text[i]);
        folded[i] = (c == '_' || c == ' ') ? '-' : c;
    }
    for (size_t i = 0; i < COUNT_OF(METHOD_ALIASES); i++) {
        if (strcmp(folded, METHOD_ALIASES[i].name) == 0) {
            *out = METHOD_ALIASES[i].method;
            return true;
        }
    }
    return false;
}

/* A typo is matched against every accepted spelling; the list shows the main ones. */
static void hint_method(reader *r, const char *text)
{
    const char *aliases[COUNT_OF(METHOD_ALIASES)];
    for (size_t i = 0; i < COUNT_OF(METHOD_ALIASES); i++)
        aliases[i] = METHOD_ALIASES[i].name;
    const char *match = closest(text, aliases, COUNT_OF(aliases));
    if (match)
        cm_error_set_hint(r->err, "did you mean '%s'?", match);
    else
        hint_choices(r, text, METHOD_NAMES, COUNT_OF(METHOD_NAMES), "methods are");
}

static cm_status read_breaks(reader *r, yaml_node_t *classes, const char *where, cm_map_spec *map)
{
    char field[160];
    field_name(field, sizeof field, where, "breaks");
    yaml_node_t *breaks = find_value(r, classes, "breaks");
    if (!breaks)
        return CM_OK;
    cm_status st = expect_kind(r, breaks, YAML_SEQUENCE_NODE, field,
                               "a list of class upper bounds, e.g. [10, 25, 50]");
    if (st != CM_OK)
        return st;
    size_t count = (size_t)(breaks->data.sequence.items.top - breaks->data.sequence.items.start);
    if (count == 0)
        return fail(r, breaks, field, "expected at least one break");
    map->breaks = calloc(count, sizeof *map->breaks);
    if (!map->breaks)
        return nomem(r);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = cm_yaml_node(r->yd, breaks->data.sequence.items.start[i]);
        const char *text = NULL;
        st = scalar_text(r, item, field, "a number", &text);
        if (st != CM_OK)
            return st;
        if (!parse_decimal(text, &map->breaks[i]))
            return fail(r, item, field, "expected a number, found \"%s\"", text);
        if (i > 0 && map->breaks[i] <= map->breaks[i - 1])
            return fail(r, item, field, "breaks must increase: %s comes after %g", text,
                        map->breaks[i - 1]);
        map->break_count = i + 1;
    }
    return CM_OK;
}

static cm_status read_classes(reader *r, yaml_node_t *node, const char *map_where, cm_map_spec *map)
{
    char where[160];
    field_name(where, sizeof where, map_where, "classes");
    yaml_node_t *classes = find_value(r, node, "classes");
    if (!classes)
        return CM_OK;
    cm_status st = expect_kind(r, classes, YAML_MAPPING_NODE, where,
                               "a mapping such as { method: fisher-jenks, count: 5 }");
    if (st == CM_OK)
        st = check_keys(r, classes, where, CLASS_KEYS, COUNT_OF(CLASS_KEYS));
    if (st == CM_OK)
        st = read_int(r, classes, where, "count", 1, 20, "a whole number of classes from 1 to 20",
                      &map->class_count);
    if (st == CM_OK)
        st = read_breaks(r, classes, where, map);
    if (st != CM_OK)
        return st;
    yaml_node_t *method = find_value(r, classes, "method");
    char field[160];
    field_name(field, sizeof field, where, "method");
    if (method) {
        const char *text = NULL;
        if ((st = scalar_text(r, method, field, "a classification method", &text)) != CM_OK)
            return st;
        if (!parse_method(text, &map->method)) {
            st = fail(r, method, field, "unknown classification method '%s'", text);
            hint_method(r, text);
            return st;
        }
    } else if (map->break_count > 0) {
        map->method = CM_CLASS_MANUAL;
    }
    if (map->method == CM_CLASS_MANUAL && map->break_count == 0) {
        st = fail(r, method ? method : classes, field, "method manual needs 'breaks'");
        cm_error_set_hint(r->err, "list the class upper bounds, e.g. breaks: [10, 25, 50]");
        return st;
    }
    if (map->method != CM_CLASS_MANUAL && map->break_count > 0) {
        field_name(field, sizeof field, where, "breaks");
        return fail(r, find_value(r, classes, "breaks"), field,
                    "breaks are only used with method: manual");
    }
    return CM_OK;
}

/* formats: one name or a list of names, each one of choices; sets flags[i]. */
static cm_status read_formats(reader *r, yaml_node_t *node, const char *field,
                              const char *const *choices, size_t n, bool *flags, bool allow_empty)
{
    size_t count = 1;
    yaml_node_item_t single = 0;
    yaml_node_item_t *items = &single;
    if (node->type == YAML_SEQUENCE_NODE) {
        items = node->data.sequence.items.start;
        count = (size_t)(node->data.sequence.items.top - items);
    } else if (node->type != YAML_SCALAR_NODE) {
        return fail(r, node, field, "expected a list of formats, found %s",
                    cm_yaml_kind_name(node));
    }
    if (count == 0 && !allow_empty)
        return fail(r, node, field, "expected at least one format");
    for (size_t i = 0; i < n; i++)
        flags[i] = false;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = node->type == YAML_SEQUENCE_NODE ? cm_yaml_node(r->yd, items[i]) : node;
        const char *text = NULL;
        cm_status st = scalar_text(r, item, field, "a format name", &text);
        if (st != CM_OK)
            return st;
        const char *name = strcasecmp(text, "markdown") == 0 ? "md" : text;
        size_t k = 0;
        while (k < n && strcasecmp(name, choices[k]) != 0)
            k++;
        if (k == n) {
            st = fail(r, item, field, "unknown format '%s'", text);
            hint_choices(r, text, choices, n, "formats are");
            return st;
        }
        flags[k] = true;
    }
    return CM_OK;
}

static cm_status read_map_formats(reader *r, yaml_node_t *node, const char *where, cm_map_spec *map)
{
    char field[160];
    field_name(field, sizeof field, where, "formats");
    yaml_node_t *value = find_value(r, node, "formats");
    if (!value)
        return CM_OK;
    bool flags[3];
    cm_status st = read_formats(r, value, field, MAP_FORMATS, COUNT_OF(MAP_FORMATS), flags, false);
    if (st != CM_OK)
        return st;
    map->format_png = flags[0];
    map->format_svg = flags[1];
    map->format_pdf = flags[2];
    return CM_OK;
}

/* The style file first, then the entry's style_overrides, so that overrides win. */
static cm_status read_map_style(reader *r, yaml_node_t *node, const char *where, cm_map_spec *map)
{
    char field[160];
    field_name(field, sizeof field, where, "style");
    char *style = NULL;
    cm_status st = read_text(r, node, where, "style", false, &style);
    if (st != CM_OK)
        return st;
    if (style) {
        map->style_path = resolve_path(r->project->dir, style);
        if (!map->style_path) {
            free(style);
            return nomem(r);
        }
        st = cm_style_load(map->style_path, map->style_path, map, r->err);
        if (st == CM_ERR_IO) {
            char reason[sizeof r->err->message];
            snprintf(reason, sizeof reason, "%s", r->err->message);
            fail(r, find_value(r, node, "style"), field, "map '%s': style file '%s': %s", map->name,
                 style, reason);
            r->err->status = CM_ERR_IO;
        } else if (st == CM_ERR_PROJECT) {
            cm_error_prefix(r->err, "style of map '%s'", map->name);
        }
        free(style);
        if (st != CM_OK)
            return st;
    }
    yaml_node_t *overrides = find_value(r, node, "style_overrides");
    if (!overrides)
        return CM_OK;
    field_name(field, sizeof field, where, "style_overrides");
    return cm_style_append(r->yd, overrides, field, map, r->err);
}

static cm_status read_map(reader *r, yaml_node_t *node, size_t index)
{
    cm_map_spec *map = &r->project->maps[index];
    char where[32];
    snprintf(where, sizeof where, "maps[%zu]", index + 1);
    cm_status st = expect_kind(r, node, YAML_MAPPING_NODE, where,
                               "a mapping (name: ..., title: ..., value: ...)");
    if (st == CM_OK)
        st = check_keys(r, node, where, MAP_KEYS, COUNT_OF(MAP_KEYS));
    if (st != CM_OK)
        return st;
    map->line = cm_yaml_line(node);
    map->format_png = map->format_svg = map->format_pdf = true;
    if ((st = read_map_name(r, node, where, index)) != CM_OK ||
        (st = read_text(r, node, where, "title", false, &map->title)) != CM_OK ||
        (st = read_text(r, node, where, "subtitle", false, &map->subtitle)) != CM_OK ||
        (st = read_text(r, node, where, "value", true, &map->value)) != CM_OK ||
        (st = read_text(r, node, where, "srs", false, &map->srs)) != CM_OK ||
        (st = read_classes(r, node, where, map)) != CM_OK ||
        (st = read_map_formats(r, node, where, map)) != CM_OK)
        return st;
    if (!map->title && !(map->title = strdup(map->name)))
        return nomem(r);
    yaml_node_t *value = find_value(r, node, "value");
    map->value_line = value ? cm_yaml_line(value) : map->line;
    return read_map_style(r, node, where, map);
}

static cm_status read_maps(reader *r, yaml_node_t *root)
{
    yaml_node_t *maps = NULL;
    size_t count = 0;
    cm_status st = find_list(r, root, "maps",
                             "a list of maps (each entry starting with "
                             "'- name:')",
                             "maps", &maps, &count);
    if (st != CM_OK || count == 0)
        return st;
    r->project->maps = calloc(count, sizeof *r->project->maps);
    if (!r->project->maps)
        return nomem(r);
    r->project->map_count = count;
    for (size_t i = 0; i < count; i++) {
        st = read_map(r, cm_yaml_node(r->yd, maps->data.sequence.items.start[i]), i);
        if (st != CM_OK)
            return st;
    }
    return CM_OK;
}

/* ---- report and export -------------------------------------------------------------- */

static cm_status read_report(reader *r, yaml_node_t *root)
{
    yaml_node_t *report = find_value(r, root, "report");
    if (!report)
        return CM_OK;
    cm_status st = expect_kind(r, report, YAML_MAPPING_NODE, "report",
                               "a mapping such as { formats: [csv, md, html, pdf] }");
    if (st == CM_OK)
        st = check_keys(r, report, "report", REPORT_KEYS, COUNT_OF(REPORT_KEYS));
    if (st != CM_OK)
        return st;
    yaml_node_pair_t *pair = find_pair(r, report, "formats");
    if (!pair)
        return CM_OK;
    bool flags[4];
    yaml_node_t *value = cm_yaml_node(r->yd, pair->value);
    if (cm_yaml_is_null(value)) {
        for (size_t i = 0; i < COUNT_OF(flags); i++)
            flags[i] = false;
    } else {
        st = read_formats(r, value, "report.formats", REPORT_FORMATS, COUNT_OF(REPORT_FORMATS),
                          flags, true);
        if (st != CM_OK)
            return st;
    }
    r->project->report_csv = flags[0];
    r->project->report_md = flags[1];
    r->project->report_html = flags[2];
    r->project->report_pdf = flags[3];
    return CM_OK;
}

static cm_status read_export(reader *r, yaml_node_t *root)
{
    yaml_node_t *export = find_value(r, root, "export");
    if (!export)
        return CM_OK;
    cm_status st = expect_kind(r, export, YAML_MAPPING_NODE, "export",
                               "a mapping such as { geopackage: true }");
    if (st == CM_OK)
        st = check_keys(r, export, "export", EXPORT_KEYS, COUNT_OF(EXPORT_KEYS));
    if (st == CM_OK)
        st = read_bool(r, export, "export", "geopackage", &r->project->export_geopackage);
    return st;
}

/* ---- the whole file ------------------------------------------------------------------- */

static cm_status read_boundaries(reader *r, yaml_node_t *root)
{
    yaml_node_t *territories = find_value(r, root, "territories");
    if (!territories)
        return missing(r, root, NULL, "territories");
    cm_status st =
        read_source(r, territories, "territories", SOURCE_BOUNDARIES, &r->project->territories);
    if (st != CM_OK)
        return st;
    yaml_node_t *districts = find_value(r, root, "districts");
    if (!districts)
        return CM_OK;
    r->project->has_districts = true;
    return read_source(r, districts, "districts", SOURCE_BOUNDARIES, &r->project->districts);
}

static cm_status read_project(reader *r, yaml_node_t *root)
{
    if (!root) {
        cm_error_set(r->err, CM_ERR_PROJECT, "the project file is empty");
        cm_error_set_hint(r->err, "start from the example in docs/ (title, as_of, territories)");
        return cm_error_at(r->err, r->yd->file, 0, NULL);
    }
    cm_status st = expect_kind(r, root, YAML_MAPPING_NODE, NULL,
                               "a mapping of settings (key: value lines) at the top of the file");
    if (st == CM_OK)
        st = check_keys(r, root, NULL, TOP_KEYS, COUNT_OF(TOP_KEYS));
    if (st != CM_OK)
        return st;
    cm_project *p = r->project;
    if ((st = read_text(r, root, NULL, "title", true, &p->title)) != CM_OK ||
        (st = read_as_of(r, root)) != CM_OK ||
        (st = read_int(r, root, NULL, "horizon_months", 1, 1200,
                       "a whole number of months from 1 to 1200", &p->horizon_months)) != CM_OK ||
        (st = read_cost(r, root)) != CM_OK || (st = read_locale(r, root)) != CM_OK ||
        (st = read_text(r, root, NULL, "source_line", false, &p->source_line)) != CM_OK ||
        (st = read_boundaries(r, root)) != CM_OK || (st = read_tables(r, root)) != CM_OK ||
        (st = read_maps(r, root)) != CM_OK || (st = read_report(r, root)) != CM_OK)
        return st;
    return read_export(r, root);
}

static cm_project *project_new(const char *path)
{
    cm_project *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->horizon_months = 12;
    p->coordination_cost = 65000;
    p->locale = CM_LOCALE_FR_CA;
    p->report_csv = p->report_md = p->report_html = p->report_pdf = true;
    p->export_geopackage = true;
    p->path = strdup(path);
    p->dir = folder_of(path);
    if (!p->path || !p->dir) {
        cm_project_free(p);
        return NULL;
    }
    return p;
}

cm_status cm_project_load(const char *path, cm_project **out, cm_error *err)
{
    cm_error_clear(err);
    *out = NULL;
    if (!path || !path[0])
        return cm_error_set(err, CM_ERR_USAGE, "no project file given");
    cm_yaml_doc yd;
    cm_status st = cm_yaml_load(path, path, &yd, err);
    if (st != CM_OK)
        return st;
    cm_project *project = project_new(path);
    if (!project) {
        cm_yaml_free(&yd);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory reading the project file");
    }
    reader r = {&yd, project, err};
    st = read_project(&r, cm_yaml_root(&yd));
    cm_yaml_free(&yd);
    if (st != CM_OK) {
        cm_project_free(project);
        return st;
    }
    *out = project;
    return CM_OK;
}

/* ---- release and lookup ---------------------------------------------------------------- */

static void source_free(cm_source *s)
{
    free(s->source);
    free(s->path);
    free(s->layer);
    free(s->key);
    free(s->name);
    free(s->encoding);
    free(s->srs);
    free(s->sheet);
    for (size_t i = 0; i < s->column_count; i++) {
        free(s->columns[i].canonical);
        free(s->columns[i].source);
    }
    free(s->columns);
}

static void map_free(cm_map_spec *m)
{
    free(m->name);
    free(m->title);
    free(m->subtitle);
    free(m->value);
    free(m->breaks);
    free(m->style_path);
    for (size_t i = 0; i < m->setting_count; i++) {
        free(m->settings[i].key);
        free(m->settings[i].value);
    }
    free(m->settings);
    free(m->srs);
}

void cm_project_free(cm_project *project)
{
    if (!project)
        return;
    free(project->path);
    free(project->dir);
    free(project->title);
    free(project->source_line);
    source_free(&project->territories);
    for (size_t i = 0; i < project->table_count; i++)
        source_free(&project->tables[i]);
    free(project->tables);
    source_free(&project->districts);
    for (size_t i = 0; i < project->map_count; i++)
        map_free(&project->maps[i]);
    free(project->maps);
    free(project);
}

const char *cm_map_setting(const cm_map_spec *map, const char *key)
{
    if (!map || !key)
        return NULL;
    for (size_t i = map->setting_count; i > 0; i--)
        if (strcmp(map->settings[i - 1].key, key) == 0)
            return map->settings[i - 1].value;
    return NULL;
}

const char *cm_table_role_name(cm_table_role role)
{
    switch (role) {
    case CM_ROLE_INDICATORS: return "indicators";
    case CM_ROLE_PARTNERS: return "partners";
    case CM_ROLE_FUNDING: return "funding";
    }
    return "unknown";
}
