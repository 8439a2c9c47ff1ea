/* Territories (and districts): any OGR polygon source into the store's
 * `territories` (or `districts`) table. */
#include <cpl_conv.h>
#include <gdal.h>
#include <glib.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/progress.h"
#include "covermap/ingest.h"
#include "covermap/text.h"
#include "ingest/ogr_source.h"

/* Names that covermap's own columns use; a source field with one of these names
 * (compared without case, as SQLite does) is stored as src_<name>. */
static const char *const reserved_columns[] = {"fid",      "key",  "name", "key_folded",
                                               "repaired", "geom", NULL};

typedef struct {
    char *column;      /* column name in the store */
    OGRFieldType type; /* source type, decides the SQLite type */
} stored_field;

typedef struct {
    const cm_source *source;
    GDALDatasetH dataset;
    OGRLayerH layer;
    OGRSpatialReferenceH srs; /* owned */
    int srid;
    int key_index, name_index;
    stored_field *fields;
    int field_count;
    char *encoding;    /* recoding of raw DBF text; NULL: OGR already gives UTF-8 */
    const char *table; /* "territories" or "districts" */
    OGRCoordinateTransformationH to_store; /* districts: into the territories' CRS */
    /* When set, the geometries' checks may be shared with a second thread once it
     * answers true (cm_boundaries_share_core). */
    bool (*core_is_free)(const void *context);
    const void *core_context;
} territory_reader;

static void reader_close(territory_reader *r)
{
    for (int i = 0; i < r->field_count; i++)
        free(r->fields[i].column);
    free(r->fields);
    if (r->srs)
        OSRDestroySpatialReference(r->srs);
    if (r->to_store)
        OCTDestroyCoordinateTransformation(r->to_store);
    if (r->dataset)
        GDALClose(r->dataset);
    free(r->encoding);
}

static int is_reserved(const char *name)
{
    for (int i = 0; reserved_columns[i]; i++)
        if (g_ascii_strcasecmp(name, reserved_columns[i]) == 0)
            return 1;
    return 0;
}

static cm_status check_geometry_type(territory_reader *r, cm_error *err)
{
    OGRwkbGeometryType type = wkbFlatten(OGR_L_GetGeomType(r->layer));
    if (type == wkbPolygon || type == wkbMultiPolygon || type == wkbUnknown ||
        type == wkbGeometryCollection || type == wkbCurvePolygon || type == wkbMultiSurface)
        return CM_OK;
    cm_error_set(err, CM_ERR_INPUT, "the layer holds %s geometries, territories must be polygons",
                 OGRGeometryTypeToName(type));
    cm_error_set_file(err, r->source->source);
    cm_error_set_hint(err, "point the project's territories: source at a polygon layer");
    return CM_ERR_INPUT;
}

/* SPEC: no CRS and no `srs:` is an error; `srs:` overrides whatever the file says. */
static cm_status resolve_srs(territory_reader *r, cm_error *err)
{
    const cm_source *src = r->source;
    if (src->srs && src->srs[0]) {
        r->srs = OSRNewSpatialReference(NULL);
        if (OSRSetFromUserInput(r->srs, src->srs) != OGRERR_NONE) {
            cm_error_set(err, CM_ERR_PROJECT, "srs '%s' is not a CRS PROJ knows", src->srs);
            cm_error_at(err, src->project_file ? src->project_file : src->source, src->line, "srs");
            cm_error_set_hint(err, "write it as EPSG:32188 or a WKT/PROJ string");
            return CM_ERR_PROJECT;
        }
    } else {
        OGRSpatialReferenceH layer_srs = OGR_L_GetSpatialRef(r->layer);
        if (!layer_srs) {
            cm_error_set(err, CM_ERR_INPUT, "the boundaries have no coordinate reference system");
            cm_error_set_file(err, src->source);
            cm_error_set_hint(err, "add a .prj beside the file, or give territories: srs: "
                                   "(e.g. EPSG:32188)");
            return CM_ERR_INPUT;
        }
        r->srs = OSRClone(layer_srs);
    }
    OSRSetAxisMappingStrategy(r->srs, OAMS_TRADITIONAL_GIS_ORDER);
    return CM_OK;
}

/* SpatiaLite's own definition of an EPSG code, as InitSpatialMetadata would have
 * written it; false when SpatiaLite does not know the code. */
static bool insert_epsg_srid(cm_store *store, int srid)
{
    sqlite3_stmt *stmt = NULL;
    cm_error ignored;
    if (cm_store_prepare(store, "SELECT InsertEpsgSrid(?)", &stmt, &ignored) != CM_OK)
        return false;
    sqlite3_bind_int(stmt, 1, srid);
    bool inserted = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) == 1;
    sqlite3_finalize(stmt);
    return inserted;
}

/* A SpatiaLite SRID for the CRS: its EPSG code when it has one, otherwise a
 * private code registered in spatial_ref_sys with the CRS's WKT. */
static cm_status register_srid(cm_store *store, territory_reader *r, cm_error *err)
{
    OGRSpatialReferenceH probe = OSRClone(r->srs);
    const char *code = NULL;
    if (OSRAutoIdentifyEPSG(probe) == OGRERR_NONE || OSRGetAuthorityCode(probe, NULL))
        code = OSRGetAuthorityCode(probe, NULL);
    const char *authority = OSRGetAuthorityName(probe, NULL);
    if (code && authority && g_ascii_strcasecmp(authority, "EPSG") == 0)
        r->srid = atoi(code);
    OSRDestroySpatialReference(probe);

    sqlite3_stmt *stmt = NULL;
    cm_status st;
    if (r->srid > 0) {
        st = cm_store_prepare(store, "SELECT count(*) FROM spatial_ref_sys WHERE srid = ?", &stmt,
                              err);
        if (st != CM_OK)
            return st;
        sqlite3_bind_int(stmt, 1, r->srid);
        int known = sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) > 0;
        sqlite3_finalize(stmt);
        if (known || insert_epsg_srid(store, r->srid))
            return CM_OK;
    } else {
        r->srid = 990001;
    }
    char *wkt = NULL;
    char *proj4 = NULL;
    OSRExportToWkt(r->srs, &wkt);
    OSRExportToProj4(r->srs, &proj4);
    st = cm_store_prepare(store,
                          "INSERT OR REPLACE INTO spatial_ref_sys(srid, auth_name, auth_srid, "
                          "ref_sys_name, proj4text, srtext) VALUES (?, 'covermap', ?, ?, ?, ?)",
                          &stmt, err);
    if (st == CM_OK) {
        const char *name = OSRGetName(r->srs);
        sqlite3_bind_int(stmt, 1, r->srid);
        sqlite3_bind_int(stmt, 2, r->srid);
        sqlite3_bind_text(stmt, 3, name ? name : "unnamed CRS", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 4, proj4 ? proj4 : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 5, wkt ? wkt : "", -1, SQLITE_TRANSIENT);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            st = cm_error_set(err, CM_ERR_SQL, "cannot register the CRS: %s",
                              sqlite3_errmsg(cm_store_db(store)));
        sqlite3_finalize(stmt);
    }
    CPLFree(wkt);
    CPLFree(proj4);
    return st;
}

static cm_status find_fields(territory_reader *r, cm_error *err)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->layer);
    const cm_source *src = r->source;
    cm_status st = cm_ogr_find_field(defn, src->key, src->source, "key", src->line, r->encoding,
                                     &r->key_index, err);
    if (st != CM_OK)
        return st;
    const char *name_field = src->name && src->name[0] ? src->name : src->key;
    return cm_ogr_find_field(defn, name_field, src->source, "name", src->line, r->encoding,
                             &r->name_index, err);
}

static char *unique_column_name(const char *wanted, stored_field *fields, int count)
{
    char *candidate = is_reserved(wanted) ? g_strdup_printf("src_%s", wanted) : g_strdup(wanted);
    for (int suffix = 2;; suffix++) {
        int clash = 0;
        for (int i = 0; i < count && !clash; i++)
            clash = g_ascii_strcasecmp(fields[i].column, candidate) == 0;
        if (!clash)
            break;
        g_free(candidate);
        candidate = g_strdup_printf("%s_%d", wanted, suffix);
    }
    char *result = strdup(candidate);
    g_free(candidate);
    return result;
}

static const char *sql_type(OGRFieldType type)
{
    switch (type) {
    case OFTInteger:
    case OFTInteger64: return "INTEGER";
    case OFTReal: return "REAL";
    default: return "TEXT";
    }
}

static cm_status create_table(cm_store *store, territory_reader *r, cm_error *err)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(r->layer);
    r->field_count = OGR_FD_GetFieldCount(defn);
    r->fields = calloc((size_t)r->field_count + 1, sizeof *r->fields);
    if (!r->fields)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    GString *sql = g_string_new(NULL);
    g_string_printf(sql,
                    "CREATE TABLE %s(fid INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, "
                    "name TEXT, key_folded TEXT, repaired INTEGER NOT NULL DEFAULT 0",
                    r->table);
    for (int i = 0; i < r->field_count; i++) {
        OGRFieldDefnH field = OGR_FD_GetFieldDefn(defn, i);
        char *utf8 = cm_text_to_utf8(OGR_Fld_GetNameRef(field), r->encoding);
        r->fields[i].column = unique_column_name(utf8 ? utf8 : "field", r->fields, i);
        r->fields[i].type = OGR_Fld_GetType(field);
        free(utf8);
        char *quoted =
            sqlite3_mprintf(", \"%w\" %s", r->fields[i].column, sql_type(r->fields[i].type));
        g_string_append(sql, quoted);
        sqlite3_free(quoted);
    }
    g_string_append(sql, ")");
    cm_status st = cm_store_exec(store, sql->str, err);
    g_string_free(sql, TRUE);
    if (st != CM_OK)
        return st;
    char add_geom[200];
    snprintf(add_geom, sizeof add_geom,
             "SELECT AddGeometryColumn('%s', 'geom', %d, 'MULTIPOLYGON', 'XY');"
             "CREATE TABLE IF NOT EXISTS territory_repairs(key TEXT, note TEXT);",
             r->table, r->srid);
    cm_status added = cm_store_exec(store, add_geom, err);
    /* Declared while the table is empty; filled in one pass once the rows are in. */
    return added == CM_OK ? cm_store_declare_spatial_index(store, r->table, err) : added;
}

static cm_status prepare_insert(cm_store *store, territory_reader *r, sqlite3_stmt **out,
                                cm_error *err)
{
    GString *sql = g_string_new(NULL);
    g_string_printf(sql, "INSERT INTO %s(key, name, key_folded, repaired", r->table);
    for (int i = 0; i < r->field_count; i++) {
        char *quoted = sqlite3_mprintf(", \"%w\"", r->fields[i].column);
        g_string_append(sql, quoted);
        sqlite3_free(quoted);
    }
    g_string_append_printf(sql, ", geom) VALUES (?, ?, ?, ?");
    for (int i = 0; i < r->field_count; i++)
        g_string_append(sql, ", ?");
    g_string_append_printf(sql, ", GeomFromWKB(?, %d))", r->srid);
    cm_status st = cm_store_prepare(store, sql->str, out, err);
    g_string_free(sql, TRUE);
    return st;
}

/* Makes a polygonal geometry valid with GEOS, keeping only its polygonal parts;
 * returns a new geometry (caller destroys) or NULL when nothing polygonal is left. */
static OGRGeometryH repair_geometry(OGRGeometryH geometry)
{
    OGRGeometryH valid = OGR_G_MakeValid(geometry);
    if (!valid)
        return NULL;
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(valid));
    if (type == wkbPolygon || type == wkbMultiPolygon)
        return valid;
    OGRGeometryH polygons = OGR_G_CreateGeometry(wkbMultiPolygon);
    int parts = OGR_G_GetGeometryCount(valid);
    for (int i = 0; i < parts; i++) {
        OGRGeometryH part = OGR_G_GetGeometryRef(valid, i);
        OGRwkbGeometryType part_type = wkbFlatten(OGR_G_GetGeometryType(part));
        if (part_type == wkbPolygon) {
            OGR_G_AddGeometry(polygons, part);
        } else if (part_type == wkbMultiPolygon) {
            for (int j = 0; j < OGR_G_GetGeometryCount(part); j++)
                OGR_G_AddGeometry(polygons, OGR_G_GetGeometryRef(part, j));
        }
    }
    OGR_G_DestroyGeometry(valid);
    if (OGR_G_GetGeometryCount(polygons) == 0) {
        OGR_G_DestroyGeometry(polygons);
        return NULL;
    }
    return polygons;
}

typedef struct {
    unsigned char *wkb;
    size_t size;
    int repaired;
    const char *note; /* why it was changed, NULL if untouched */
} prepared_geometry;

/* Flattens curves and Z, checks validity, repairs. Fills out->wkb (malloc'd). */
static cm_status prepare_geometry(OGRFeatureH feature, OGRCoordinateTransformationH to_store,
                                  prepared_geometry *out)
{
    memset(out, 0, sizeof *out);
    OGRGeometryH source = OGR_F_GetGeometryRef(feature);
    if (!source || OGR_G_IsEmpty(source)) {
        out->note = "no geometry in the source: kept without a shape";
        return CM_OK;
    }
    /* Curves become lines in a copy; a geometry of lines is taken from the feature as
     * it is (a copy of every vertex otherwise, for nothing). */
    OGRGeometryH geometry = OGR_G_HasCurveGeometry(source, TRUE)
                                ? OGR_G_GetLinearGeometry(source, 0, NULL)
                                : OGR_F_StealGeometry(feature);
    OGR_G_FlattenTo2D(geometry);
    if (to_store && OGR_G_Transform(geometry, to_store) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(geometry);
        out->note = "cannot be projected to the territories' CRS: kept without a shape";
        return CM_OK;
    }
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(geometry));
    if (type != wkbPolygon && type != wkbMultiPolygon) {
        OGRGeometryH polygonal = repair_geometry(geometry);
        OGR_G_DestroyGeometry(geometry);
        if (!polygonal) {
            out->note = "not a polygon: kept without a shape";
            return CM_OK;
        }
        geometry = polygonal;
        out->repaired = 1;
        out->note = "polygons extracted from a mixed geometry";
    }
    if (!OGR_G_IsValid(geometry)) {
        OGRGeometryH valid = repair_geometry(geometry);
        if (valid) {
            OGR_G_DestroyGeometry(geometry);
            geometry = valid;
            out->repaired = 1;
            out->note = "invalid geometry (self-intersection or touching ring) made valid";
        } else {
            out->note = "invalid geometry that could not be repaired: kept as it is";
        }
    }
    /* The store's column is MULTIPOLYGON XY, which the copy (copy_features) relies
     * on: make it one here, once. */
    if (wkbFlatten(OGR_G_GetGeometryType(geometry)) == wkbPolygon)
        geometry = OGR_G_ForceToMultiPolygon(geometry);
    if (OGR_G_GetGeometryType(geometry) != wkbMultiPolygon) {
        OGR_G_DestroyGeometry(geometry);
        out->note = "not a polygon: kept without a shape";
        return CM_OK;
    }
    out->size = (size_t)OGR_G_WkbSize(geometry);
    out->wkb = malloc(out->size ? out->size : 1);
    if (!out->wkb) {
        OGR_G_DestroyGeometry(geometry);
        return CM_ERR_NOMEM;
    }
    OGR_G_ExportToIsoWkb(geometry, wkbNDR, out->wkb);
    OGR_G_DestroyGeometry(geometry);
    return CM_OK;
}

static void bind_field(sqlite3_stmt *stmt, int index, OGRFeatureH feature, int field,
                       const stored_field *stored, const char *encoding)
{
    if (!OGR_F_IsFieldSetAndNotNull(feature, field)) {
        sqlite3_bind_null(stmt, index);
        return;
    }
    switch (stored->type) {
    case OFTInteger:
    case OFTInteger64:
        sqlite3_bind_int64(stmt, index, OGR_F_GetFieldAsInteger64(feature, field));
        return;
    case OFTReal: sqlite3_bind_double(stmt, index, OGR_F_GetFieldAsDouble(feature, field)); return;
    default: {
        char *text = cm_text_to_utf8(OGR_F_GetFieldAsString(feature, field), encoding);
        if (text)
            sqlite3_bind_text(stmt, index, text, -1, free);
        else
            sqlite3_bind_null(stmt, index);
    }
    }
}

static cm_status record_repair(cm_store *store, const char *key, const char *note, cm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    cm_status st =
        cm_store_prepare(store, "INSERT INTO territory_repairs VALUES (?, ?)", &stmt, err);
    if (st != CM_OK)
        return st;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, note, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = cm_error_set(err, CM_ERR_SQL, "cannot record a repair: %s",
                          sqlite3_errmsg(cm_store_db(store)));
    sqlite3_finalize(stmt);
    return st;
}

static cm_status key_error(const territory_reader *r, OGRFeatureH feature, const char *message,
                           const char *key, cm_error *err)
{
    cm_error_set(err, CM_ERR_INPUT, "feature %lld: %s%s%s", (long long)OGR_F_GetFID(feature),
                 message, key ? " " : "", key ? key : "");
    cm_error_set_file(err, r->source->source);
    cm_error_set_field(err, r->source->key);
    cm_error_set_hint(err, "every territory needs its own non-empty key");
    return CM_ERR_INPUT;
}

/* Stores one feature with its geometry, prepared beforehand (prepare_geometry);
 * the geometry's WKB is taken over (freed on every path). */
static cm_status insert_feature(cm_store *store, territory_reader *r, sqlite3_stmt *insert,
                                OGRFeatureH feature, prepared_geometry geometry,
                                cm_territory_summary *summary, cm_error *err)
{
    char *key = cm_text_to_utf8(OGR_F_GetFieldAsString(feature, r->key_index), r->encoding);
    if (!key || cm_text_is_blank(key)) {
        free(key);
        free(geometry.wkb);
        return key_error(r, feature, "empty or unreadable key", NULL, err);
    }
    g_strstrip(key);
    char *name = cm_text_to_utf8(OGR_F_GetFieldAsString(feature, r->name_index), r->encoding);
    cm_status st = CM_OK;
    sqlite3_reset(insert); /* every parameter is bound below: no clear_bindings */
    sqlite3_bind_text(insert, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, name ? g_strstrip(name) : key, -1, SQLITE_TRANSIENT);
    char *folded = cm_fold_key(key);
    sqlite3_bind_text(insert, 3, folded ? folded : key, -1, SQLITE_TRANSIENT);
    free(folded);
    sqlite3_bind_int(insert, 4, geometry.repaired);
    for (int i = 0; i < r->field_count; i++)
        bind_field(insert, 5 + i, feature, i, &r->fields[i], r->encoding);
    if (geometry.wkb)
        sqlite3_bind_blob(insert, 5 + r->field_count, geometry.wkb, (int)geometry.size, free);
    else
        sqlite3_bind_null(insert, 5 + r->field_count);
    int rc = sqlite3_step(insert);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        st = key_error(r, feature, "duplicate key", key, err);
    else if (rc != SQLITE_DONE)
        st = cm_error_set(err, CM_ERR_SQL, "cannot store territory %s: %s", key,
                          sqlite3_errmsg(cm_store_db(store)));
    if (st == CM_OK && geometry.note) {
        /* Districts only place territories; their repairs are counted, not listed. */
        if (strcmp(r->table, "territories") == 0)
            st = record_repair(store, key, geometry.note, err);
        summary->repaired_count += geometry.repaired;
    }
    summary->territory_count += st == CM_OK;
    free(key);
    free(name);
    return st;
}

/* What the time-stamp trigger set aside for the copy writes on every insert, once. */
static cm_status stamp_last_insert(cm_store *store, const territory_reader *r, cm_error *err)
{
    char *sql = sqlite3_mprintf("UPDATE geometry_columns_time "
                                "SET last_insert = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') "
                                "WHERE Lower(f_table_name) = Lower(%Q) "
                                "AND Lower(f_geometry_column) = 'geom'",
                                r->table);
    cm_status st =
        sql ? cm_store_exec(store, sql, err) : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    sqlite3_free(sql);
    return st;
}

/* ---- geometry checks on a second thread ---------------------------------------
 *
 * The validity check (GEOS) is most of the copy's time and needs nothing but the
 * feature. Features are read and stored in batches, in order, by the ingesting
 * thread; once the reader's core_is_free says another core has nothing left to do
 * (the run: the tables have been read), a helper thread prepares most of the next
 * batch while this one stores the current batch and then prepares the rest. The
 * store gets the same rows in the same order either way. */

enum { GEOMETRY_BATCH = 64 };

typedef struct {
    OGRFeatureH feature;
    prepared_geometry geometry;
    cm_status status;
} pending_feature;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pending_feature *work; /* handed over, NULL when the helper waits */
    size_t work_count;
    bool quit;
    pthread_t thread;
    bool running;
    bool refused; /* the thread could not start: not tried again */
} geometry_helper;

static void prepare_pending(pending_feature *items, size_t count,
                            OGRCoordinateTransformationH to_store)
{
    for (size_t i = 0; i < count; i++)
        items[i].status = prepare_geometry(items[i].feature, to_store, &items[i].geometry);
}

static void *help_with_geometries(void *arg)
{
    geometry_helper *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (!h->work && !h->quit)
            pthread_cond_wait(&h->changed, &h->lock);
        if (!h->work)
            break;
        pending_feature *work = h->work;
        size_t count = h->work_count;
        pthread_mutex_unlock(&h->lock);
        prepare_pending(work, count, NULL); /* shared only without a transformation */
        pthread_mutex_lock(&h->lock);
        h->work = NULL;
        pthread_cond_broadcast(&h->changed);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* Starts the helper the first time the other core is free; false while it is not,
 * and always for a layer to reproject (a transformation is not for two threads). */
static bool helper_ready(geometry_helper *h, const territory_reader *r)
{
    if (h->running || h->refused)
        return h->running;
    if (!r->core_is_free || r->to_store || !r->core_is_free(r->core_context))
        return false;
    h->running = pthread_create(&h->thread, NULL, help_with_geometries, h) == 0;
    h->refused = !h->running;
    return h->running;
}

/* The part of a batch the helper prepares while this thread stores the batch
 * before it and then prepares the rest: storing a feature costs about half of
 * preparing one (GEOS's validity check), so three quarters keep both busy. */
enum { HELPER_SHARE_NUM = 3, HELPER_SHARE_DEN = 4 };

/* Hands the last part of the batch to the helper when it is ready; returns how many
 * features, from the first, are left to this thread (finish_batch). */
static size_t start_batch(geometry_helper *h, const territory_reader *r, pending_feature *items,
                          size_t count)
{
    size_t theirs =
        count >= 2 && helper_ready(h, r) ? count * HELPER_SHARE_NUM / HELPER_SHARE_DEN : 0;
    size_t mine = count - theirs;
    if (theirs) {
        pthread_mutex_lock(&h->lock);
        h->work = items + mine;
        h->work_count = theirs;
        pthread_cond_broadcast(&h->changed);
        pthread_mutex_unlock(&h->lock);
    }
    return mine;
}

/* Prepares this thread's part of the batch, then waits for the helper's. */
static void finish_batch(geometry_helper *h, const territory_reader *r, pending_feature *items,
                         size_t mine)
{
    prepare_pending(items, mine, r->to_store);
    pthread_mutex_lock(&h->lock);
    while (h->work)
        pthread_cond_wait(&h->changed, &h->lock);
    pthread_mutex_unlock(&h->lock);
}

static void stop_helper(geometry_helper *h)
{
    if (h->running) {
        pthread_mutex_lock(&h->lock);
        h->quit = true;
        pthread_cond_broadcast(&h->changed);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->thread, NULL);
    }
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->lock);
}

/* Reads up to GEOMETRY_BATCH features; 0 at the end of the layer. */
static size_t read_batch(OGRLayerH layer, pending_feature *items)
{
    size_t count = 0;
    OGRFeatureH feature;
    while (count < GEOMETRY_BATCH && (feature = OGR_L_GetNextFeature(layer)) != NULL)
        items[count++] = (pending_feature){.feature = feature};
    return count;
}

/* Releases what a batch holds (once it is no longer stored). */
static void release_batch(pending_feature *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(items[i].geometry.wkb);
        OGR_F_Destroy(items[i].feature);
    }
}

/* Stores the batch's features in order; the first failure stops the storing, and
 * every feature and geometry is released either way. */
static cm_status store_batch(cm_store *store, territory_reader *r, sqlite3_stmt *insert,
                             pending_feature *items, size_t count, cm_territory_summary *summary,
                             cm_progress *progress, cm_error *err)
{
    cm_status st = CM_OK;
    for (size_t i = 0; i < count; i++) {
        if (st == CM_OK && items[i].status != CM_OK)
            st = cm_error_set(err, items[i].status, "out of memory reading a geometry");
        if (st == CM_OK)
            st =
                insert_feature(store, r, insert, items[i].feature, items[i].geometry, summary, err);
        else
            free(items[i].geometry.wkb);
        OGR_F_Destroy(items[i].feature);
        cm_progress_advance(progress, 1);
    }
    return st;
}

static cm_status copy_rows(cm_store *store, territory_reader *r, cm_territory_summary *summary,
                           cm_progress *progress, cm_error *err)
{
    sqlite3_stmt *insert = NULL;
    cm_status st = prepare_insert(store, r, &insert, err);
    if (st != CM_OK)
        return st;
    OGR_L_ResetReading(r->layer);
    GIntBig total = OGR_L_GetFeatureCount(r->layer, FALSE);
    cm_progress_begin(progress, "reading territories", total > 0 ? (size_t)total : 0);
    geometry_helper helper = {.running = false};
    pthread_mutex_init(&helper.lock, NULL);
    pthread_cond_init(&helper.changed, NULL);
    /* Two batches: the next is prepared (mostly by the helper, once it is ready)
     * while the current one is stored. */
    pending_feature batches[2][GEOMETRY_BATCH];
    pending_feature *current = batches[0], *next = batches[1];
    size_t count = read_batch(r->layer, current);
    finish_batch(&helper, r, current, start_batch(&helper, r, current, count));
    while (st == CM_OK && count > 0) {
        size_t next_count = read_batch(r->layer, next);
        size_t mine = start_batch(&helper, r, next, next_count);
        st = store_batch(store, r, insert, current, count, summary, progress, err);
        finish_batch(&helper, r, next, st == CM_OK ? mine : 0);
        if (st != CM_OK)
            release_batch(next, next_count);
        pending_feature *stored = current;
        current = next;
        next = stored;
        count = st == CM_OK ? next_count : 0;
    }
    stop_helper(&helper);
    cm_progress_end(progress);
    sqlite3_finalize(insert);
    if (st == CM_OK && summary->territory_count == 0) {
        cm_error_set(err, CM_ERR_INPUT, "the boundary layer has no territories");
        cm_error_set_file(err, r->source->source);
        st = CM_ERR_INPUT;
    }
    return st;
}

/* The rows are copied without SpatiaLite's per-row triggers: what the geometry
 * check would refuse (another type, dimension or SRID) prepare_geometry never
 * writes, and the time stamp is written once. The triggers are back for whoever
 * writes to the table afterwards. */
static cm_status copy_features(cm_store *store, territory_reader *r, cm_territory_summary *summary,
                               cm_progress *progress, cm_error *err)
{
    cm_store_triggers aside;
    cm_status st = cm_store_set_triggers_aside(store, r->table, &aside, err);
    if (st != CM_OK)
        return st;
    st = copy_rows(store, r, summary, progress, err);
    if (st == CM_OK)
        st = cm_store_restore_triggers(store, &aside, err);
    else
        cm_store_triggers_free(&aside);
    if (st == CM_OK)
        st = stamp_last_insert(store, r, err);
    return st;
}

static cm_status record_info(cm_store *store, const territory_reader *r,
                             cm_territory_summary *summary, cm_error *err)
{
    summary->srid = r->srid;
    summary->geographic = OSRIsGeographic(r->srs);
    const char *name = OSRGetName(r->srs);
    snprintf(summary->srs_name, sizeof summary->srs_name, "%s", name ? name : "");
    char srid[32];
    snprintf(srid, sizeof srid, "%d", r->srid);
    cm_status st = cm_store_set_info(store, "srid", srid, err);
    if (st == CM_OK)
        st = cm_store_set_info(store, "geographic", summary->geographic ? "1" : "0", err);
    if (st == CM_OK)
        st = cm_store_set_info(store, "territories_source", r->source->source, err);
    if (st == CM_OK)
        st = cm_store_exec(store, "CREATE INDEX territories_key_folded ON territories(key_folded);",
                           err);
    return st;
}

/* Opens a polygon layer with its CRS and its key and name fields. */
static cm_status open_polygons(territory_reader *r, const cm_source *source, const char *table,
                               cm_error *err)
{
    r->source = source;
    r->table = table;
    cm_status st = cm_ogr_open_vector(r->source, &r->dataset, &r->layer, &r->encoding, err);
    if (st == CM_OK)
        st = check_geometry_type(r, err);
    if (st == CM_OK)
        st = resolve_srs(r, err);
    if (st == CM_OK)
        st = find_fields(r, err);
    return st;
}

/* Copies the opened layer into the store; r stays the caller's. */
static cm_status ingest_into(cm_store *store, territory_reader *r, cm_territory_summary *summary,
                             cm_progress *progress, cm_error *err)
{
    cm_status st = cm_store_begin(store, err);
    if (st != CM_OK)
        return st;
    st = register_srid(store, r, err);
    if (st == CM_OK)
        st = create_table(store, r, err);
    cm_trace_mark("ingest: opened");
    if (st == CM_OK)
        st = copy_features(store, r, summary, progress, err);
    cm_trace_mark("ingest: features copied");
    if (st == CM_OK)
        st = record_info(store, r, summary, err);
    cm_trace_mark("ingest: key index");
    if (st == CM_OK)
        st = cm_store_commit(store, err);
    else
        cm_store_rollback(store);
    return st;
}

struct cm_boundaries_opening {
    const cm_project *project;
    territory_reader reader;
    bool (*core_is_free)(const void *context); /* cm_boundaries_share_core */
    const void *core_context;
    cm_status status;
    cm_error error; /* filled in the opening's thread, read after the join */
    pthread_t thread;
    bool threaded;
};

static void *open_in_thread(void *arg)
{
    cm_boundaries_opening *o = arg;
    o->status = open_polygons(&o->reader, &o->project->territories, "territories", &o->error);
    return NULL;
}

cm_status cm_boundaries_open_start(const cm_project *project, bool in_thread,
                                   cm_boundaries_opening **out, cm_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    cm_boundaries_opening *o = *out;
    o->project = project;
    cm_error_clear(&o->error);
    /* GDAL opens a dataset in any thread; its errors reach this module's messages
     * through the thread's own last-error buffer (error.c), in the same thread. */
    o->threaded = in_thread && pthread_create(&o->thread, NULL, open_in_thread, o) == 0;
    if (!o->threaded)
        open_in_thread(o);
    return CM_OK;
}

static void wait_for_opening(cm_boundaries_opening *o)
{
    if (o->threaded)
        pthread_join(o->thread, NULL);
    o->threaded = false;
}

cm_status cm_ingest_opened_territories(cm_store *store, cm_boundaries_opening *opening,
                                       cm_territory_summary *summary, cm_progress *progress,
                                       cm_error *err)
{
    memset(summary, 0, sizeof *summary);
    wait_for_opening(opening);
    cm_status st = opening->status;
    if (st != CM_OK && err)
        *err = opening->error;
    if (st == CM_OK) {
        opening->reader.core_is_free = opening->core_is_free;
        opening->reader.core_context = opening->core_context;
        st = ingest_into(store, &opening->reader, summary, progress, err);
    }
    cm_boundaries_opening_free(opening);
    return st;
}

void cm_boundaries_share_core(cm_boundaries_opening *opening,
                              bool (*core_is_free)(const void *context), const void *context)
{
    opening->core_is_free = core_is_free;
    opening->core_context = context;
}

void cm_boundaries_opening_free(cm_boundaries_opening *opening)
{
    if (!opening)
        return;
    wait_for_opening(opening);
    reader_close(&opening->reader);
    free(opening);
}

cm_status cm_ingest_territories(cm_store *store, const cm_project *project,
                                cm_territory_summary *summary, cm_progress *progress, cm_error *err)
{
    memset(summary, 0, sizeof *summary);
    cm_boundaries_opening *opening = NULL;
    cm_status st = cm_boundaries_open_start(project, false, &opening, err);
    if (st == CM_OK)
        st = cm_ingest_opened_territories(store, opening, summary, progress, err);
    return st;
}

/* The territories' CRS, as stored in spatial_ref_sys by cm_ingest_territories. */
static cm_status store_srs(cm_store *store, int *srid, OGRSpatialReferenceH *out, cm_error *err)
{
    char *srid_text = cm_store_get_info(store, "srid");
    *srid = srid_text ? atoi(srid_text) : 0;
    free(srid_text);
    sqlite3_stmt *stmt = NULL;
    cm_status st =
        cm_store_prepare(store, "SELECT srtext FROM spatial_ref_sys WHERE srid = ?", &stmt, err);
    if (st != CM_OK)
        return st;
    sqlite3_bind_int(stmt, 1, *srid);
    *out = OSRNewSpatialReference(NULL);
    const char *wkt =
        sqlite3_step(stmt) == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    if (!wkt || OSRSetFromUserInput(*out, wkt) != OGRERR_NONE)
        st = cm_error_set(err, CM_ERR_INTERNAL, "the territories' CRS (srid %d) is unknown", *srid);
    OSRSetAxisMappingStrategy(*out, OAMS_TRADITIONAL_GIS_ORDER);
    sqlite3_finalize(stmt);
    return st;
}

static cm_status prepare_district_transform(cm_store *store, territory_reader *r, cm_error *err)
{
    OGRSpatialReferenceH target = NULL;
    cm_status st = store_srs(store, &r->srid, &target, err);
    if (st == CM_OK && !OSRIsSame(r->srs, target)) {
        r->to_store = OCTNewCoordinateTransformation(r->srs, target);
        if (!r->to_store)
            st = cm_error_set(err, CM_ERR_GDAL,
                              "the districts cannot be projected to the territories' CRS: %s",
                              cm_gdal_last_error());
    }
    if (target)
        OSRDestroySpatialReference(target);
    if (st != CM_OK)
        cm_error_set_file(err, r->source->source);
    return st;
}

cm_status cm_ingest_districts(cm_store *store, const cm_project *project,
                              cm_territory_summary *summary, cm_error *err)
{
    memset(summary, 0, sizeof *summary);
    if (!project->has_districts)
        return CM_OK;
    territory_reader r = {0};
    cm_status st = open_polygons(&r, &project->districts, "districts", err);
    if (st == CM_OK)
        st = prepare_district_transform(store, &r, err);
    if (st == CM_OK)
        st = cm_store_begin(store, err);
    if (st == CM_OK) {
        st = create_table(store, &r, err);
        if (st == CM_OK)
            st = copy_features(store, &r, summary, NULL, err);
        if (st == CM_OK)
            st = cm_store_fill_spatial_index(store, "districts", err);
        if (st == CM_OK)
            st = cm_store_set_info(store, "districts_source", r.source->source, err);
        if (st == CM_OK)
            st = cm_store_commit(store, err);
        else
            cm_store_rollback(store);
    }
    reader_close(&r);
    return st;
}
