/* Per-territory tables (CSV from Excel, TSV, .xlsx, .ods, any OGR table) into the
 * store's table_<n>, with the mapped columns typed under covermap's names. */
#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <glib.h>
#include <ogr_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/large_buffer.h"
#include "covermap/progress.h"
#include "covermap/ingest.h"
#include "covermap/text.h"
#include "ingest/ogr_source.h"

typedef enum {
    VALUE_COUNT,  /* non-negative whole number */
    VALUE_NUMBER, /* non-negative number */
    VALUE_MONEY,  /* non-negative amount of dollars */
    VALUE_TEXT,
    VALUE_DATE,   /* stored as ISO text */
    VALUE_KIND,   /* 'recurrent' / 'project' */
    VALUE_BOOLEAN /* 0 / 1 */
} value_type;

typedef struct {
    const char *name;
    cm_table_role role;
    value_type type;
} canonical_column;

static const canonical_column canonical_columns[] = {
    {"children_0_5", CM_ROLE_INDICATORS, VALUE_COUNT},
    {"families_reached", CM_ROLE_INDICATORS, VALUE_COUNT},
    {"children_reached", CM_ROLE_INDICATORS, VALUE_COUNT},
    {"year", CM_ROLE_INDICATORS, VALUE_TEXT}, /* "2025" or "2024-2025": one row per year */
    {"coordinator_fte", CM_ROLE_INDICATORS, VALUE_NUMBER},
    {"name", CM_ROLE_PARTNERS, VALUE_TEXT},
    {"sector", CM_ROLE_PARTNERS, VALUE_TEXT},
    {"funder", CM_ROLE_FUNDING, VALUE_TEXT},
    {"amount", CM_ROLE_FUNDING, VALUE_MONEY},
    {"start", CM_ROLE_FUNDING, VALUE_DATE},
    {"end", CM_ROLE_FUNDING, VALUE_DATE},
    {"kind", CM_ROLE_FUNDING, VALUE_KIND},
    {"coordination", CM_ROLE_FUNDING, VALUE_BOOLEAN},
    {NULL, CM_ROLE_INDICATORS, VALUE_TEXT},
};

/* Columns of table_<n> that covermap itself fills. */
static const char *const meta_columns[] = {"line",          "source_key",   "source_key_folded",
                                           "territory_key", "match_status", NULL};

typedef struct {
    const canonical_column *canonical; /* NULL for a carried (unmapped) column */
    char *column;                      /* column name in the store */
    char *source_name;                 /* column name in the file (UTF-8) */
    int field;                         /* OGR field index */
} table_column;

/* The territories' keys, to join each row as it is stored: writing territory_key
 * and match_status with the row costs far less than an UPDATE of every row later. */
typedef struct {
    GHashTable *exact;  /* key -> key */
    GHashTable *folded; /* cm_fold_key(key) -> key, or ambiguous_key when several fold alike */
} territory_keys;

/* Marks a folded key shared by two territories or more: never joined by guess. */
static const char ambiguous_key[] = "";

typedef struct {
    const cm_source *source;
    int number; /* n of table_<n> */
    GDALDatasetH dataset;
    OGRLayerH layer;
    char *encoding; /* recoding of the values; "" detects UTF-8 else CP1252 */
    /* The whole file is valid UTF-8 read as UTF-8: so is every cell (cells are cut
     * at ASCII bytes), which is then copied as it is, not checked again. */
    bool cells_are_utf8;
    char *scratch; /* such a cell's copy, to trim (cell_text) */
    size_t scratch_size;
    bool comma_is_decimal;
    bool spreadsheet;
    int key_field;
    table_column *columns;
    int column_count;
    long *record_lines; /* text tables: the line each non-blank record starts on */
    size_t record_count;
} table_reader;

/* The file is closed as soon as its rows are read; the columns stay for storing them. */
static void reader_close_file(table_reader *r)
{
    free(r->record_lines);
    r->record_lines = NULL;
    if (r->dataset)
        GDALClose(r->dataset);
    r->dataset = NULL;
    r->layer = NULL;
}

static void reader_close(table_reader *r)
{
    reader_close_file(r);
    for (int i = 0; i < r->column_count; i++) {
        free(r->columns[i].column);
        free(r->columns[i].source_name);
    }
    free(r->columns);
    free(r->encoding);
    free(r->scratch);
    *r = (table_reader){0};
}

static const char *extension_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static bool is_text_table(const char *ext)
{
    return g_ascii_strcasecmp(ext, "csv") == 0 || g_ascii_strcasecmp(ext, "tsv") == 0 ||
           g_ascii_strcasecmp(ext, "txt") == 0 || g_ascii_strcasecmp(ext, "tab") == 0;
}

static bool is_spreadsheet(const char *ext)
{
    return g_ascii_strcasecmp(ext, "xlsx") == 0 || g_ascii_strcasecmp(ext, "ods") == 0 ||
           g_ascii_strcasecmp(ext, "xls") == 0;
}

/* Where each record of a text table starts, for messages: a quoted cell may hold
 * line breaks (Alt+Enter in Excel) and OGR skips blank lines, so the record number
 * alone does not give the line. Record 0 is the header. */
static bool find_record_lines(table_reader *r, const char *text, size_t size)
{
    size_t capacity = 64;
    r->record_lines = malloc(capacity * sizeof *r->record_lines);
    if (!r->record_lines)
        return false;
    long line = 1, start = 1;
    size_t length = 0;
    bool quoted = false;
    for (size_t i = 0; i <= size; i++) {
        bool end = i == size || (text[i] == '\n' && !quoted);
        if (!end) {
            if (text[i] == '"')
                quoted = !quoted;
            else if (text[i] == '\n')
                line++;
            if (text[i] != '\r')
                length++;
            continue;
        }
        if (length > 0) {
            if (r->record_count == capacity) {
                capacity *= 2;
                long *bigger = realloc(r->record_lines, capacity * sizeof *bigger);
                if (!bigger)
                    return false;
                r->record_lines = bigger;
            }
            r->record_lines[r->record_count++] = start;
        }
        line++;
        start = line;
        length = 0;
    }
    return true;
}

/* Reads the bytes to decide the encoding (SPEC: valid UTF-8 is UTF-8, anything else
 * CP1252) and whether a comma in a number is a decimal mark (it is, unless commas
 * separate the fields). */
static cm_status sniff_text_table(table_reader *r, cm_error *err)
{
    /* Mapped rather than read: the pages come straight from the system's cache,
     * without a copy into as much fresh memory (OGR reads the file again). The
     * mapping is not NUL-terminated: every scan below is bounded by its size. */
    GError *gerr = NULL;
    GMappedFile *file = g_mapped_file_new(r->source->path, FALSE, &gerr);
    if (!file) {
        cm_error_set(err, CM_ERR_IO, "cannot read: %s", gerr->message);
        cm_error_set_file(err, r->source->source);
        g_error_free(gerr);
        return CM_ERR_IO;
    }
    gsize size = g_mapped_file_get_length(file);
    const char *text = size ? g_mapped_file_get_contents(file) : "";
    if (size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        size -= 3;
    }
    if (!r->encoding) {
        r->cells_are_utf8 = g_utf8_validate(text, (gssize)size, NULL);
        r->encoding = strdup(r->cells_are_utf8 ? "UTF-8" : "CP1252");
    } else if (cm_encoding_is_utf8(r->encoding)) {
        r->cells_are_utf8 = g_utf8_validate(text, (gssize)size, NULL);
    }
    size_t header_length = 0;
    while (header_length < size && text[header_length] != '\r' && text[header_length] != '\n')
        header_length++;
    size_t commas = 0, semicolons = 0, tabs = 0;
    for (size_t i = 0; i < header_length; i++) {
        commas += text[i] == ',';
        semicolons += text[i] == ';';
        tabs += text[i] == '\t';
    }
    r->comma_is_decimal = !(commas > semicolons && commas > tabs);
    bool lines_found = find_record_lines(r, text, size);
    g_mapped_file_unref(file);
    if (!lines_found)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory reading %s", r->source->source);
    if (header_length == 0) {
        cm_error_set(err, CM_ERR_INPUT, "the table is empty (no header line)");
        cm_error_set_file(err, r->source->source);
        return CM_ERR_INPUT;
    }
    return CM_OK;
}

static cm_status open_table(table_reader *r, cm_error *err)
{
    const cm_source *src = r->source;
    const char *ext = extension_of(src->path);
    if (!g_file_test(src->path, G_FILE_TEST_EXISTS)) {
        cm_error_set(err, CM_ERR_IO, "file not found: %s", src->path);
        cm_error_at(err, src->project_file ? src->project_file : src->source, src->line, "source");
        cm_error_set_hint(err, "paths in the project file are relative to its folder");
        return CM_ERR_IO;
    }
    r->encoding = src->encoding && src->encoding[0] ? strdup(src->encoding) : NULL;
    char *open_path = NULL;
    char **options = NULL;
    if (is_text_table(ext)) {
        cm_status st = sniff_text_table(r, err);
        if (st != CM_OK)
            return st;
        options = CSLSetNameValue(options, "AUTODETECT_TYPE", "NO");
        options = CSLSetNameValue(options, "HEADERS", "YES");
        open_path = g_ascii_strcasecmp(ext, "csv") == 0 || g_ascii_strcasecmp(ext, "tsv") == 0
                        ? g_strdup(src->path)
                        : g_strconcat("CSV:", src->path, NULL);
    } else {
        r->spreadsheet = is_spreadsheet(ext);
        open_path = g_strdup(src->path);
        if (!r->encoding)
            r->encoding = strdup("");
    }
    /* Spreadsheets: the first row is always the header, and every cell is read as
     * text so that our own parsers apply the same rules as for CSV. */
    CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", "FORCE");
    CPLSetThreadLocalConfigOption("OGR_ODS_HEADERS", "FORCE");
    CPLSetThreadLocalConfigOption("OGR_XLSX_FIELD_TYPES", "STRING");
    CPLSetThreadLocalConfigOption("OGR_ODS_FIELD_TYPES", "STRING");
    cm_gdal_clear_error();
    r->dataset = GDALOpenEx(open_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                            (const char *const *)options, NULL);
    CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", NULL);
    CPLSetThreadLocalConfigOption("OGR_ODS_HEADERS", NULL);
    CPLSetThreadLocalConfigOption("OGR_XLSX_FIELD_TYPES", NULL);
    CPLSetThreadLocalConfigOption("OGR_ODS_FIELD_TYPES", NULL);
    CSLDestroy(options);
    g_free(open_path);
    if (!r->dataset) {
        const char *why = cm_gdal_last_error();
        cm_error_set(err, CM_ERR_GDAL, "cannot read as a table%s%s", why[0] ? ": " : "", why);
        cm_error_set_file(err, src->source);
        cm_error_set_hint(err, "give a CSV, TSV, .xlsx or .ods file");
        return CM_ERR_GDAL;
    }
    return CM_OK;
}

static cm_status pick_sheet(table_reader *r, cm_error *err)
{
    const cm_source *src = r->source;
    const char *wanted = src->sheet && src->sheet[0] ? src->sheet : src->layer;
    if (wanted && wanted[0]) {
        r->layer = GDALDatasetGetLayerByName(r->dataset, wanted);
        if (r->layer)
            return CM_OK;
        GString *names = g_string_new(NULL);
        for (int i = 0; i < GDALDatasetGetLayerCount(r->dataset); i++)
            g_string_append_printf(names, "%s%s", i ? ", " : "",
                                   OGR_L_GetName(GDALDatasetGetLayer(r->dataset, i)));
        cm_error_set(err, CM_ERR_INPUT, "no sheet '%s'; the file has: %s", wanted, names->str);
        g_string_free(names, TRUE);
        cm_error_set_file(err, src->source);
        cm_error_set_field(err, "sheet");
        return CM_ERR_INPUT;
    }
    if (GDALDatasetGetLayerCount(r->dataset) < 1) {
        cm_error_set(err, CM_ERR_INPUT, "the file holds no table");
        cm_error_set_file(err, src->source);
        return CM_ERR_INPUT;
    }
    /* A workbook's first sheet is the table unless `sheet:` says otherwise. */
    r->layer = GDALDatasetGetLayer(r->dataset, 0);
    return CM_OK;
}

static const canonical_column *find_canonical(const char *name)
{
    for (int i = 0; canonical_columns[i].name; i++)
        if (strcmp(canonical_columns[i].name, name) == 0)
            return &canonical_columns[i];
    return NULL;
}

static bool is_taken(const char *name, const table_column *columns, int count)
{
    for (int i = 0; meta_columns[i]; i++)
        if (g_ascii_strcasecmp(meta_columns[i], name) == 0)
            return true;
    for (int i = 0; canonical_columns[i].name; i++)
        if (g_ascii_strcasecmp(canonical_columns[i].name, name) == 0)
            return true;
    for (int i = 0; i < count; i++)
        if (columns[i].column && g_ascii_strcasecmp(columns[i].column, name) == 0)
            return true;
    return false;
}

static char *carried_column_name(const char *source_name, const table_column *columns, int count)
{
    char *candidate = g_strdup(source_name[0] ? source_name : "column");
    for (int suffix = 1; is_taken(candidate, columns, count); suffix++) {
        g_free(candidate);
        candidate = suffix == 1 ? g_strdup_printf("src_%s", source_name)
                                : g_strdup_printf("src_%s_%d", source_name, suffix);
    }
    char *result = strdup(candidate);
    g_free(candidate);
    return result;
}

static bool is_mapped(const table_reader *r, const canonical_column *canonical)
{
    for (int i = 0; i < r->column_count; i++)
        if (r->columns[i].canonical == canonical)
            return true;
    return false;
}

/* Maps the project's `columns:` onto the file's fields; every other field except
 * the key is carried along as text. */
static cm_status map_columns(table_reader *r, cm_error *err)
{
    const cm_source *src = r->source;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->layer);
    cm_status st = cm_ogr_find_field(defn, src->key, src->source, "key", src->line, r->encoding,
                                     &r->key_field, err);
    if (st != CM_OK)
        return st;
    int field_count = OGR_FD_GetFieldCount(defn);
    r->columns = calloc((size_t)field_count + src->column_count + 1, sizeof *r->columns);
    if (!r->columns)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    bool *used = calloc((size_t)field_count + 1, sizeof *used);
    if (!used)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    used[r->key_field] = true;
    for (size_t i = 0; i < src->column_count && st == CM_OK; i++) {
        const cm_column_map *map = &src->columns[i];
        const canonical_column *canonical = find_canonical(map->canonical);
        int field = -1;
        if (!canonical) {
            st = cm_error_set(err, CM_ERR_PROJECT, "unknown column name '%s'", map->canonical);
            cm_error_at(err, src->source, 0, map->canonical);
            break;
        }
        st = cm_ogr_find_field(defn, map->source, src->source, map->canonical, src->line,
                               r->encoding, &field, err);
        if (st != CM_OK)
            break;
        table_column *c = &r->columns[r->column_count++];
        c->canonical = canonical;
        c->column = strdup(canonical->name);
        c->source_name = strdup(map->source);
        c->field = field;
        used[field] = true;
    }
    /* A column that already has covermap's name needs no `columns:` entry. */
    for (int k = 0; canonical_columns[k].name && st == CM_OK; k++) {
        const canonical_column *canonical = &canonical_columns[k];
        if (canonical->role != src->role || is_mapped(r, canonical))
            continue;
        int field = OGR_FD_GetFieldIndex(defn, canonical->name);
        if (field < 0 || used[field])
            continue;
        table_column *c = &r->columns[r->column_count++];
        c->canonical = canonical;
        c->column = strdup(canonical->name);
        c->source_name = strdup(canonical->name);
        c->field = field;
        used[field] = true;
    }
    for (int f = 0; f < field_count && st == CM_OK; f++) {
        if (used[f])
            continue;
        char *name = cm_text_to_utf8(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, f)), r->encoding);
        table_column *c = &r->columns[r->column_count++];
        c->source_name = name ? name : strdup("?");
        c->column = carried_column_name(c->source_name, r->columns, r->column_count - 1);
        c->field = f;
    }
    free(used);
    if (st == CM_OK && src->role == CM_ROLE_FUNDING && !is_mapped(r, find_canonical("amount"))) {
        char *fields = cm_ogr_field_list(defn, r->encoding);
        cm_error_set(err, CM_ERR_PROJECT, "a funding table needs an amount column; it has: %s",
                     fields);
        free(fields);
        cm_error_at(err, src->source, 0, "amount");
        cm_error_set_hint(err, "map it under columns: amount: (project file line %ld)", src->line);
        st = CM_ERR_PROJECT;
    }
    return st;
}

static const char *column_sql_type(const table_column *c)
{
    if (!c->canonical)
        return "TEXT";
    switch (c->canonical->type) {
    case VALUE_COUNT: return "INTEGER";
    case VALUE_NUMBER:
    case VALUE_MONEY: return "REAL";
    case VALUE_BOOLEAN: return "INTEGER";
    default: return "TEXT";
    }
}

static cm_status create_store_table(cm_store *store, table_reader *r, cm_error *err)
{
    GString *sql = g_string_new(NULL);
    g_string_append_printf(sql,
                           "CREATE TABLE table_%d(line INTEGER, source_key TEXT, "
                           "source_key_folded TEXT, territory_key TEXT, match_status TEXT",
                           r->number);
    for (int i = 0; i < r->column_count; i++) {
        char *col =
            sqlite3_mprintf(", \"%w\" %s", r->columns[i].column, column_sql_type(&r->columns[i]));
        g_string_append(sql, col);
        sqlite3_free(col);
    }
    g_string_append(sql, ");");
    char *registry = sqlite3_mprintf(
        "INSERT INTO data_tables(n, source, role, table_name) VALUES (%d, %Q, %Q, 'table_%d');",
        r->number, r->source->source, cm_table_role_name(r->source->role), r->number);
    g_string_append(sql, registry);
    sqlite3_free(registry);
    cm_status st = cm_store_exec(store, sql->str, err);
    g_string_free(sql, TRUE);
    return st;
}

static void territory_keys_free(territory_keys *keys)
{
    if (keys->exact)
        g_hash_table_destroy(keys->exact);
    if (keys->folded)
        g_hash_table_destroy(keys->folded);
}

static void add_territory_key(territory_keys *keys, const char *key, const char *folded)
{
    char *owned = g_strdup(key);
    g_hash_table_insert(keys->exact, owned, owned);
    if (!folded)
        return;
    /* The folded table's values point into exact's keys, which own the strings. */
    if (g_hash_table_contains(keys->folded, folded))
        g_hash_table_replace(keys->folded, g_strdup(folded), (gpointer)ambiguous_key);
    else
        g_hash_table_insert(keys->folded, g_strdup(folded), owned);
}

/* key_folded is cm_fold_key(key), stored by the territories' ingest. */
static cm_status load_territory_keys(cm_store *store, territory_keys *keys, cm_error *err)
{
    keys->exact = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    keys->folded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_store_prepare(store, "SELECT key, key_folded FROM territories", &stmt, err);
    int rc = SQLITE_ROW;
    while (st == CM_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        add_territory_key(keys, (const char *)sqlite3_column_text(stmt, 0),
                          (const char *)sqlite3_column_text(stmt, 1));
    if (st == CM_OK && rc != SQLITE_DONE)
        st = cm_error_set(err, CM_ERR_SQL, "cannot read the territories' keys: %s",
                          sqlite3_errmsg(cm_store_db(store)));
    sqlite3_finalize(stmt);
    return st;
}

/* Exact key first, then a folded key that names a single territory (SPEC's join);
 * NULL and "unmatched" otherwise. */
static const char *resolve_key(const territory_keys *keys, const char *key, const char *folded,
                               const char **status)
{
    const char *territory = key ? g_hash_table_lookup(keys->exact, key) : NULL;
    if (territory) {
        *status = "matched";
        return territory;
    }
    territory = folded ? g_hash_table_lookup(keys->folded, folded) : NULL;
    if (territory && territory != ambiguous_key) {
        *status = "normalised";
        return territory;
    }
    *status = "unmatched";
    return NULL;
}

/* Reading: everything up to the store, which may run in a thread of its own while the
 * boundaries are being stored (cm_tables_read_start). */

typedef enum { CELL_NULL, CELL_INTEGER, CELL_REAL, CELL_TEXT } cell_kind;

/* One parsed and checked value, ready to bind. */
typedef struct {
    cell_kind kind;
    union {
        long long integer;
        double real;
        const char *text; /* in the table's text arena, or a string literal */
    } value;
} parsed_cell;

typedef struct {
    long line;
    const char *key;    /* trimmed UTF-8 in the table's text arena; NULL when blank */
    const char *folded; /* cm_fold_key(key), in the table's text arena */
} parsed_row;

/* Items of one size in one large buffer (huge pages: at 20 000 territories,
 * malloc's 4 KiB pages of rows, cells and text were 3 000 page faults of the
 * tables' thread), sized once from a text table's record count and doubled
 * when a spreadsheet's is not known. */
typedef struct {
    void *items; /* cm_large_calloc'd; owned */
    size_t count, capacity, item_size;
} table_array;

static bool table_array_reserve(table_array *a, size_t capacity)
{
    if (capacity <= a->capacity)
        return true;
    void *bigger = cm_large_calloc(capacity, a->item_size);
    if (!bigger)
        return false;
    if (a->count)
        memcpy(bigger, a->items, a->count * a->item_size);
    cm_large_free(a->items);
    a->items = bigger;
    a->capacity = capacity;
    return true;
}

/* Room for n more items at the end (zeroed), or NULL when out of memory. */
static void *table_array_grow(table_array *a, size_t n)
{
    if (a->count + n > a->capacity) {
        size_t capacity = a->capacity ? 2 * a->capacity : 256;
        while (capacity < a->count + n)
            capacity *= 2;
        if (!table_array_reserve(a, capacity))
            return NULL;
    }
    void *room = (char *)a->items + a->count * a->item_size;
    a->count += n;
    return room;
}

static void table_array_free(table_array *a)
{
    cm_large_free(a->items);
    *a = (table_array){.item_size = a->item_size};
}

/* One table read and checked: its columns, then column_count cells per row. */
typedef struct {
    table_reader reader;
    bool mapped;       /* the columns are known: its store table can be created */
    table_array rows;  /* parsed_row */
    table_array cells; /* parsed_cell, reader.column_count per row */
    cm_arena text;     /* every string the rows point to */
} parsed_table;

static const parsed_row *row_at(const parsed_table *t, size_t i)
{
    return (const parsed_row *)t->rows.items + i;
}

static const parsed_cell *cells_of_row(const parsed_table *t, size_t i)
{
    return (const parsed_cell *)t->cells.items + i * (size_t)t->reader.column_count;
}

struct cm_table_read {
    const cm_project *project;
    parsed_table *tables; /* one per `data:` table */
    size_t read_count;    /* tables read in full, in project order */
    cm_status status;     /* the first failure, in tables[read_count]: reading stops there */
    cm_error error;
    bool done;
    atomic_bool finished;  /* the thread has read everything (cm_tables_read_finished) */
    atomic_bool abandoned; /* set by cm_tables_read_free: the thread stops early */
    pthread_t thread;
    bool threaded; /* the thread runs until wait_for_reading joins it */
};

static cm_status value_error(const table_reader *r, long line, const table_column *c,
                             const char *text, const char *problem, const char *hint, cm_error *err)
{
    cm_error_set(err, CM_ERR_INPUT, "\"%s\" %s (%s)", text, problem, c->canonical->name);
    cm_error_at(err, r->source->source, line, c->source_name);
    cm_error_set_hint(err, "%s", hint);
    return CM_ERR_INPUT;
}

static cm_status parse_number(const table_reader *r, long line, const table_column *c,
                              const char *text, parsed_cell *cell, cm_error *err)
{
    if (c->canonical->type == VALUE_COUNT) {
        long long count;
        if (!cm_parse_integer(text, r->comma_is_decimal, &count))
            return value_error(r, line, c, text, "is not a whole number",
                               "write a count such as 12 400", err);
        if (count < 0)
            return value_error(r, line, c, text, "is negative", "a count cannot be below 0", err);
        *cell = (parsed_cell){.kind = CELL_INTEGER, .value.integer = count};
        return CM_OK;
    }
    double number;
    if (!cm_parse_number(text, r->comma_is_decimal, &number))
        return value_error(r, line, c, text, "is not a number",
                           "write digits, with a comma or a point for decimals", err);
    if (number < 0)
        return value_error(r, line, c, text, "is negative", "amounts cannot be below 0", err);
    *cell = (parsed_cell){.kind = CELL_REAL, .value.real = number};
    return CM_OK;
}

static cm_status no_memory(cm_error *err)
{
    return cm_error_set(err, CM_ERR_NOMEM, "out of memory reading a table");
}

static cm_status text_cell(parsed_table *t, const char *text, parsed_cell *cell, cm_error *err)
{
    const char *copy = cm_arena_strdup(&t->text, text);
    if (!copy)
        return no_memory(err);
    *cell = (parsed_cell){.kind = CELL_TEXT, .value.text = copy};
    return CM_OK;
}

/* Parses one mapped cell; a blank cell is NULL (no data). */
static cm_status parse_value(parsed_table *t, long line, const table_column *c, char *text,
                             parsed_cell *cell, cm_error *err)
{
    const table_reader *r = &t->reader;
    *cell = (parsed_cell){.kind = CELL_NULL};
    if (!text || cm_text_is_blank(text))
        return CM_OK;
    g_strstrip(text);
    if (!c->canonical)
        return text_cell(t, text, cell, err);
    switch (c->canonical->type) {
    case VALUE_COUNT:
    case VALUE_NUMBER:
    case VALUE_MONEY: return parse_number(r, line, c, text, cell, err);
    case VALUE_TEXT: return text_cell(t, text, cell, err);
    case VALUE_DATE: {
        cm_day day;
        if (!cm_parse_date(text, &day))
            return value_error(r, line, c, text, "is not a date", "write 2025-03-31 or 31/03/2025",
                               err);
        char iso[11];
        cm_day_format_iso(day, iso);
        return text_cell(t, iso, cell, err);
    }
    case VALUE_KIND: {
        cm_grant_kind kind;
        if (!cm_parse_grant_kind(text, &kind))
            return value_error(r, line, c, text, "is not a kind of grant",
                               "write récurrent or projet (recurrent or project)", err);
        *cell = (parsed_cell){.kind = CELL_TEXT,
                              .value.text = kind == CM_GRANT_RECURRENT ? "recurrent" : "project"};
        return CM_OK;
    }
    case VALUE_BOOLEAN: {
        bool value;
        if (!cm_parse_bool(text, &value))
            return value_error(r, line, c, text, "is not yes or no",
                               "write oui/non, yes/no, vrai/faux or 1/0", err);
        *cell = (parsed_cell){.kind = CELL_INTEGER, .value.integer = value};
        return CM_OK;
    }
    }
    return CM_OK;
}

static bool row_is_blank(OGRFeatureH feature, int field_count)
{
    for (int f = 0; f < field_count; f++)
        if (OGR_F_IsFieldSetAndNotNull(feature, f) &&
            !cm_text_is_blank(OGR_F_GetFieldAsString(feature, f)))
            return false;
    return true;
}

/* The row's line in the file, the header being line 1: the CSV driver numbers data
 * rows from 1, the XLSX and ODS drivers give the sheet's own row number. */
static long feature_line(const table_reader *r, OGRFeatureH feature)
{
    GIntBig fid = OGR_F_GetFID(feature);
    if (fid == OGRNullFID)
        return 0;
    if (r->record_lines && fid >= 0 && (size_t)fid < r->record_count)
        return r->record_lines[fid];
    return r->spreadsheet ? (long)fid : (long)fid + 1;
}

/* A cell's text in UTF-8, which the caller may trim: a copy in the reader's scratch
 * when the file is known to be UTF-8 (*owned false), else converted (*owned true:
 * the caller frees it). NULL when it is not text in the table's encoding, or out of
 * memory. The scratch copy lasts until the next call. */
static char *cell_text(table_reader *r, OGRFeatureH feature, int field, bool *owned)
{
    const char *raw = OGR_F_GetFieldAsString(feature, field);
    *owned = !r->cells_are_utf8;
    if (*owned)
        return cm_text_to_utf8(raw, r->encoding);
    size_t size = strlen(raw) + 1;
    if (size > r->scratch_size) {
        size_t grown = size > 2 * r->scratch_size ? size : 2 * r->scratch_size;
        char *bigger = realloc(r->scratch, grown);
        if (!bigger)
            return NULL;
        r->scratch = bigger;
        r->scratch_size = grown;
    }
    return memcpy(r->scratch, raw, size);
}

static void release_cell_text(char *text, bool owned)
{
    if (owned)
        free(text);
}

static cm_status read_key(parsed_table *t, OGRFeatureH feature, parsed_row *row, cm_error *err)
{
    table_reader *r = &t->reader;
    bool owned;
    char *key = cell_text(r, feature, r->key_field, &owned);
    bool copied = true;
    if (key && !cm_text_is_blank(key)) {
        g_strstrip(key);
        char *folded = cm_fold_key(key);
        row->key = cm_arena_strdup(&t->text, key);
        row->folded = folded ? cm_arena_strdup(&t->text, folded) : NULL;
        copied = row->key && (!folded || row->folded);
        free(folded);
    }
    release_cell_text(key, owned);
    return copied ? CM_OK : no_memory(err);
}

/* Appends the row and its cells; on a bad value the row is left out. */
static cm_status read_row(parsed_table *t, OGRFeatureH feature, cm_error *err)
{
    table_reader *r = &t->reader;
    parsed_row row = {.line = feature_line(r, feature)};
    cm_status st = read_key(t, feature, &row, err);
    if (st != CM_OK)
        return st;
    size_t first_cell = t->cells.count;
    parsed_cell *cells = table_array_grow(&t->cells, (size_t)r->column_count);
    if (!cells && r->column_count > 0)
        return no_memory(err);
    for (int i = 0; i < r->column_count && st == CM_OK; i++) {
        const table_column *c = &r->columns[i];
        bool owned = false;
        char *text = OGR_F_IsFieldSetAndNotNull(feature, c->field)
                         ? cell_text(r, feature, c->field, &owned)
                         : NULL;
        st = parse_value(t, row.line, c, text, &cells[i], err);
        release_cell_text(text, owned);
    }
    parsed_row *kept = st == CM_OK ? table_array_grow(&t->rows, 1) : NULL;
    if (!kept) {
        t->cells.count = first_cell;
        return st != CM_OK ? st : no_memory(err);
    }
    *kept = row;
    return CM_OK;
}

static cm_status read_rows(parsed_table *t, const atomic_bool *abandoned, cm_error *err)
{
    OGRLayerH layer = t->reader.layer;
    int field_count = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(layer));
    OGR_L_ResetReading(layer);
    cm_status st = CM_OK;
    OGRFeatureH feature;
    while (st == CM_OK && !atomic_load_explicit(abandoned, memory_order_relaxed) &&
           (feature = OGR_L_GetNextFeature(layer)) != NULL) {
        if (!row_is_blank(feature, field_count))
            st = read_row(t, feature, err);
        OGR_F_Destroy(feature);
    }
    return st;
}

/* Reads and checks one table into t; on failure t keeps what was read before it, as a
 * sequential run would have stored it. */
static cm_status read_table(parsed_table *t, const cm_source *source, int number,
                            const atomic_bool *abandoned, cm_error *err)
{
    t->reader.source = source;
    t->reader.number = number;
    t->rows = (table_array){.item_size = sizeof(parsed_row)};
    t->cells = (table_array){.item_size = sizeof(parsed_cell)};
    cm_status st = open_table(&t->reader, err);
    if (st == CM_OK)
        st = pick_sheet(&t->reader, err);
    if (st == CM_OK)
        st = map_columns(&t->reader, err);
    t->mapped = st == CM_OK;
    /* A text table's records are counted (record 0 is the header): the rows and
     * cells are sized once rather than doubled, each doubling a copy into fresh
     * memory (15 MB of it for 100 000 rows). */
    size_t records = t->reader.record_count > 1 ? t->reader.record_count - 1 : 0;
    size_t columns = t->mapped ? (size_t)t->reader.column_count : 0;
    if (st == CM_OK && (!table_array_reserve(&t->rows, records) ||
                        !table_array_reserve(&t->cells, records * columns)))
        st = no_memory(err);
    if (st == CM_OK)
        st = read_rows(t, abandoned, err);
    reader_close_file(&t->reader);
    return st;
}

static void read_all(cm_table_read *read)
{
    const cm_project *project = read->project;
    cm_status st = CM_OK;
    /* Once abandoned, the remaining tables are not even opened (GDAL parses a
     * whole spreadsheet at open). */
    while (st == CM_OK && read->read_count < project->table_count &&
           !atomic_load_explicit(&read->abandoned, memory_order_relaxed)) {
        size_t i = read->read_count;
        st = read_table(&read->tables[i], &project->tables[i], (int)i + 1, &read->abandoned,
                        &read->error);
        if (st == CM_OK)
            read->read_count++;
    }
    read->status = st;
    read->done = true;
}

static void *read_in_thread(void *arg)
{
    cm_table_read *read = arg;
    cm_trace_mark("tables: thread started");
    read_all(read);
    atomic_store(&read->finished, true);
    cm_trace_mark("tables: read");
    return NULL;
}

bool cm_tables_read_finished(const cm_table_read *read)
{
    return atomic_load(&read->finished);
}

/* Without a thread the tables are read here, when they are needed, as before. */
static void wait_for_reading(cm_table_read *read)
{
    if (read->threaded)
        pthread_join(read->thread, NULL);
    read->threaded = false;
    if (!read->done)
        read_all(read);
}

static void release_rows(parsed_table *t)
{
    table_array_free(&t->rows);
    table_array_free(&t->cells);
    cm_arena_free(&t->text);
}

cm_status cm_tables_read_start(const cm_project *project, bool in_thread, cm_table_read **out,
                               cm_error *err)
{
    *out = NULL;
    cm_table_read *read = calloc(1, sizeof *read);
    if (read)
        read->tables = calloc(project->table_count + 1, sizeof *read->tables);
    if (!read || !read->tables) {
        free(read);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    read->project = project;
    atomic_init(&read->abandoned, false);
    atomic_init(&read->finished, project->table_count == 0);
    /* A thread that cannot start leaves the reading to cm_ingest_read_tables. */
    read->threaded = in_thread && project->table_count > 0 &&
                     pthread_create(&read->thread, NULL, read_in_thread, read) == 0;
    *out = read;
    return CM_OK;
}

void cm_tables_read_free(cm_table_read *read)
{
    if (!read)
        return;
    atomic_store(&read->abandoned, true);
    if (read->threaded)
        pthread_join(read->thread, NULL);
    for (size_t i = 0; i < read->project->table_count; i++) {
        release_rows(&read->tables[i]);
        reader_close(&read->tables[i].reader);
    }
    free(read->tables);
    free(read);
}

/* Storing: in the calling thread, on the store's connection. */

static cm_status prepare_insert(cm_store *store, const table_reader *r, sqlite3_stmt **out,
                                cm_error *err)
{
    GString *sql = g_string_new(NULL);
    g_string_append_printf(sql,
                           "INSERT INTO table_%d(line, source_key, source_key_folded, "
                           "territory_key, match_status",
                           r->number);
    for (int i = 0; i < r->column_count; i++) {
        char *col = sqlite3_mprintf(", \"%w\"", r->columns[i].column);
        g_string_append(sql, col);
        sqlite3_free(col);
    }
    g_string_append(sql, ") VALUES (?, ?, ?, ?, ?");
    for (int i = 0; i < r->column_count; i++)
        g_string_append(sql, ", ?");
    g_string_append(sql, ")");
    cm_status st = cm_store_prepare(store, sql->str, out, err);
    g_string_free(sql, TRUE);
    return st;
}

static cm_status store_row(sqlite3_stmt *insert, const parsed_table *t, size_t index,
                           const territory_keys *keys, cm_store *store, cm_error *err)
{
    const table_reader *r = &t->reader;
    const parsed_row *row = row_at(t, index);
    const parsed_cell *cells = cells_of_row(t, index);
    const char *status = NULL;
    const char *territory = resolve_key(keys, row->key, row->folded, &status);
    /* Every parameter is bound below (NULL included), so no sqlite3_clear_bindings.
     * STATIC: the strings live in t->text (an arena), in keys or in string literals until the step.
     */
    sqlite3_reset(insert);
    sqlite3_bind_int64(insert, 1, row->line);
    sqlite3_bind_text(insert, 2, row->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, row->folded, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, territory, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 5, status, -1, SQLITE_STATIC);
    for (int i = 0; i < r->column_count; i++) {
        const parsed_cell *cell = &cells[i];
        switch (cell->kind) {
        case CELL_NULL: sqlite3_bind_null(insert, 6 + i); break;
        case CELL_INTEGER: sqlite3_bind_int64(insert, 6 + i, cell->value.integer); break;
        case CELL_REAL: sqlite3_bind_double(insert, 6 + i, cell->value.real); break;
        case CELL_TEXT: sqlite3_bind_text(insert, 6 + i, cell->value.text, -1, SQLITE_STATIC);
        }
    }
    if (sqlite3_step(insert) != SQLITE_DONE)
        return cm_error_set(err, CM_ERR_SQL, "cannot store a row of %s: %s", r->source->source,
                            sqlite3_errmsg(cm_store_db(store)));
    return CM_OK;
}

static cm_status store_rows(cm_store *store, const parsed_table *t, const territory_keys *keys,
                            cm_progress *progress, cm_error *err)
{
    sqlite3_stmt *insert = NULL;
    cm_status st = prepare_insert(store, &t->reader, &insert, err);
    if (st != CM_OK)
        return st;
    cm_progress_begin(progress, t->reader.source->source, t->rows.count);
    for (size_t i = 0; i < t->rows.count && st == CM_OK; i++) {
        st = store_row(insert, t, i, keys, store, err);
        cm_progress_advance(progress, 1);
    }
    cm_progress_end(progress);
    sqlite3_finalize(insert);
    return st;
}

/* Creates table_<n> and stores t's rows, then releases them. No index on the keys:
 * they are resolved as the rows are stored, and the join report's grouping by
 * source_key sorts them faster than an index is built (20 ms less at 20 000
 * territories). */
static cm_status store_table(cm_store *store, parsed_table *t, const territory_keys *keys,
                             cm_progress *progress, cm_error *err)
{
    cm_status st = create_store_table(store, &t->reader, err);
    if (st == CM_OK)
        st = store_rows(store, t, keys, progress, err);
    release_rows(t);
    return st;
}

/* Stores what was read, in project order; the reading's own failure comes last, after
 * the rows read before it, so that errors come in the order of a sequential run. */
static cm_status store_read_tables(cm_store *store, cm_table_read *read, const territory_keys *keys,
                                   cm_progress *progress, cm_error *err)
{
    cm_status st = CM_OK;
    for (size_t i = 0; i < read->read_count && st == CM_OK; i++)
        st = store_table(store, &read->tables[i], keys, progress, err);
    if (st != CM_OK || read->status == CM_OK)
        return st;
    parsed_table *failed = &read->tables[read->read_count];
    if (failed->mapped)
        st = store_table(store, failed, keys, progress, err);
    if (st != CM_OK)
        return st;
    if (err)
        *err = read->error;
    return read->status;
}

cm_status cm_ingest_read_tables(cm_store *store, cm_table_read *read, cm_progress *progress,
                                cm_error *err)
{
    wait_for_reading(read);
    cm_status st = cm_store_begin(store, err);
    if (st != CM_OK)
        return st;
    st = cm_store_exec(store,
                       "CREATE TABLE data_tables(n INTEGER PRIMARY KEY, source TEXT, role TEXT, "
                       "table_name TEXT)",
                       err);
    territory_keys keys = {NULL, NULL};
    if (st == CM_OK)
        st = load_territory_keys(store, &keys, err);
    if (st == CM_OK)
        st = store_read_tables(store, read, &keys, progress, err);
    territory_keys_free(&keys);
    if (st == CM_OK)
        return cm_store_commit(store, err);
    cm_store_rollback(store);
    return st;
}

cm_status cm_ingest_tables(cm_store *store, const cm_project *project, cm_progress *progress,
                           cm_error *err)
{
    cm_table_read *read = NULL;
    cm_status st = cm_tables_read_start(project, false, &read, err);
    if (st == CM_OK)
        st = cm_ingest_read_tables(store, read, progress, err);
    cm_tables_read_free(read);
    return st;
}
