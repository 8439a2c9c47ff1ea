/* GeoPackage export through OGR's GPKG driver. */
#include "covermap/progress.h"
#include "covermap/export.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/calendar.h"
#include "covermap/render.h"
#include "covermap/store.h"

static const char *const store_only_columns[] = {"fid", "key_folded", "geom", "risk_rank", NULL};

typedef struct {
    const char *name;
    int index; /* column in the SELECT */
    OGRFieldType type;
    int ogr_field; /* field index in the layer */
} export_column;

typedef struct {
    cm_store *store;
    GDALDatasetH dataset;
    OGRLayerH layer;
    OGRSpatialReferenceH srs;
    export_column *columns;
    int column_count;
} exporter;

static int store_only(const char *name)
{
    for (int i = 0; store_only_columns[i]; i++)
        if (g_ascii_strcasecmp(name, store_only_columns[i]) == 0)
            return 1;
    return 0;
}

static OGRFieldType field_type(const char *decltype)
{
    if (!decltype)
        return OFTString;
    if (g_ascii_strcasecmp(decltype, "DATE") == 0)
        return OFTDate;
    if (g_ascii_strncasecmp(decltype, "INT", 3) == 0)
        return OFTInteger64;
    if (g_ascii_strcasecmp(decltype, "REAL") == 0 || g_ascii_strcasecmp(decltype, "DOUBLE") == 0)
        return OFTReal;
    return OFTString;
}

static cm_status gdal_failure(cm_error *err, const char *what, const char *path)
{
    const char *why = cm_gdal_last_error();
    cm_error_set(err, CM_ERR_GDAL, "%s%s%s", what, why[0] ? ": " : "", why);
    cm_error_set_file(err, path);
    return CM_ERR_GDAL;
}

static cm_status load_srs(exporter *e, cm_error *err)
{
    char *srid = cm_store_get_info(e->store, "srid");
    sqlite3_stmt *stmt = NULL;
    cm_status st =
        cm_store_prepare(e->store, "SELECT srtext FROM spatial_ref_sys WHERE srid = ?", &stmt, err);
    if (st == CM_OK) {
        sqlite3_bind_int(stmt, 1, srid ? atoi(srid) : 0);
        e->srs = OSRNewSpatialReference(NULL);
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
            const char *wkt = (const char *)sqlite3_column_text(stmt, 0);
            OSRImportFromWkt(e->srs, (char **)&wkt);
        } else if (srid) {
            OSRImportFromEPSG(e->srs, atoi(srid));
        }
        OSRSetAxisMappingStrategy(e->srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    sqlite3_finalize(stmt);
    free(srid);
    return st;
}

/* A computed column (years side by side) has no declared type: take the type its
 * values have, integers staying integers. */
static OGRFieldType observed_type(cm_store *store, const char *expression)
{
    char *sql = sqlite3_mprintf("SELECT DISTINCT typeof(%s) FROM joined", expression);
    sqlite3_stmt *stmt = NULL;
    int integers = 0, reals = 0, others = 0;
    if (sqlite3_prepare_v2(cm_store_db(store), sql, -1, &stmt, NULL) == SQLITE_OK) {
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            const char *type = (const char *)sqlite3_column_text(stmt, 0);
            integers += strcmp(type, "integer") == 0;
            reals += strcmp(type, "real") == 0;
            others += strcmp(type, "text") == 0 || strcmp(type, "blob") == 0;
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_free(sql);
    if (others || (!integers && !reals))
        return OFTString;
    return reals ? OFTReal : OFTInteger64;
}

/* The map whose expression a computed column holds (see select_rows_sql), or NULL. */
static const cm_map_spec *map_named(const cm_project *project, const char *column)
{
    for (size_t i = 0; i < project->map_count; i++)
        if (strcmp(project->maps[i].name, column) == 0 &&
            strcmp(cm_map_value_attribute(&project->maps[i]), project->maps[i].value) != 0)
            return &project->maps[i];
    return NULL;
}

static cm_status create_layer(exporter *e, const cm_project *project, const char *path,
                              sqlite3_stmt *rows, cm_error *err)
{
    char **options = CSLSetNameValue(NULL, "FID", "fid");
    options = CSLSetNameValue(options, "GEOMETRY_NAME", "geom");
    options = CSLSetNameValue(options, "DESCRIPTION", "covermap territories and indicators");
    e->layer = GDALDatasetCreateLayer(e->dataset, "territories", e->srs, wkbMultiPolygon, options);
    CSLDestroy(options);
    if (!e->layer)
        return gdal_failure(err, "cannot create the GeoPackage layer", path);
    int count = sqlite3_column_count(rows);
    e->columns = calloc((size_t)count, sizeof *e->columns);
    if (!e->columns)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    for (int i = 0; i < count; i++) {
        const char *name = sqlite3_column_name(rows, i);
        if (strcmp(name, "geom_wkb") == 0 || store_only(name))
            continue;
        export_column *c = &e->columns[e->column_count];
        c->name = name;
        c->index = i;
        const char *declared = sqlite3_column_decltype(rows, i);
        if (declared) {
            c->type = field_type(declared);
        } else {
            const cm_map_spec *map = map_named(project, name);
            char *expression =
                map ? sqlite3_mprintf("%s", map->value) : sqlite3_mprintf("\"%w\"", name);
            c->type = observed_type(e->store, expression);
            sqlite3_free(expression);
        }
        OGRFieldDefnH defn = OGR_Fld_Create(name, c->type);
        OGRErr ogr_err = OGR_L_CreateField(e->layer, defn, TRUE);
        OGR_Fld_Destroy(defn);
        if (ogr_err != OGRERR_NONE)
            return gdal_failure(err, "cannot create a GeoPackage field", path);
        c->ogr_field = e->column_count++;
    }
    return CM_OK;
}

static void set_field(OGRFeatureH feature, const export_column *c, sqlite3_stmt *rows)
{
    if (sqlite3_column_type(rows, c->index) == SQLITE_NULL) {
        OGR_F_SetFieldNull(feature, c->ogr_field);
        return;
    }
    switch (c->type) {
    case OFTInteger64:
        OGR_F_SetFieldInteger64(feature, c->ogr_field, sqlite3_column_int64(rows, c->index));
        break;
    case OFTReal:
        OGR_F_SetFieldDouble(feature, c->ogr_field, sqlite3_column_double(rows, c->index));
        break;
    case OFTDate: {
        cm_day day;
        if (cm_day_parse_iso((const char *)sqlite3_column_text(rows, c->index), &day)) {
            cm_civil_date d = cm_civil_from_day(day);
            OGR_F_SetFieldDateTime(feature, c->ogr_field, d.year, d.month, d.day, 0, 0, 0, 0);
        }
        break;
    }
    default:
        OGR_F_SetFieldString(feature, c->ogr_field,
                             (const char *)sqlite3_column_text(rows, c->index));
    }
}

static cm_status copy_rows(exporter *e, sqlite3_stmt *rows, int wkb_index, const char *path,
                           cm_error *err)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(e->layer);
    cm_status st = CM_OK;
    if (GDALDatasetStartTransaction(e->dataset, FALSE) != OGRERR_NONE)
        return gdal_failure(err, "cannot start a GeoPackage transaction", path);
    while (st == CM_OK && sqlite3_step(rows) == SQLITE_ROW) {
        OGRFeatureH feature = OGR_F_Create(defn);
        for (int i = 0; i < e->column_count; i++)
            set_field(feature, &e->columns[i], rows);
        const void *wkb = sqlite3_column_blob(rows, wkb_index);
        int size = sqlite3_column_bytes(rows, wkb_index);
        OGRGeometryH geometry = NULL;
        if (wkb && OGR_G_CreateFromWkb(wkb, e->srs, &geometry, size) == OGRERR_NONE)
            OGR_F_SetGeometryDirectly(feature, geometry);
        if (OGR_L_CreateFeature(e->layer, feature) != OGRERR_NONE)
            st = gdal_failure(err, "cannot write a territory to the GeoPackage", path);
        OGR_F_Destroy(feature);
    }
    if (st == CM_OK && GDALDatasetCommitTransaction(e->dataset) != OGRERR_NONE)
        st = gdal_failure(err, "cannot commit the GeoPackage", path);
    return st;
}

static cm_status add_style_field(OGRLayerH layer, const char *name, OGRFieldType type)
{
    OGRFieldDefnH defn = OGR_Fld_Create(name, type);
    OGRErr e = OGR_L_CreateField(layer, defn, TRUE);
    OGR_Fld_Destroy(defn);
    return e == OGRERR_NONE ? CM_OK : CM_ERR_GDAL;
}

static char *read_style_file(const char *dir, const char *name, const char *ext)
{
    if (!dir)
        return NULL;
    char *file = g_strdup_printf("%s/%s.%s", dir, name, ext);
    gchar *text = NULL;
    if (!g_file_get_contents(file, &text, NULL, NULL))
        text = NULL;
    g_free(file);
    char *copy = text ? strdup(text) : NULL;
    g_free(text);
    return copy;
}

/* The styles the renderer wrote beside the map, or built anew. */
static cm_status load_styles(const char *db_path, const cm_project *project, const cm_map_spec *map,
                             const char *styles_dir, char **qml, char **sld, cm_error *err)
{
    *qml = read_style_file(styles_dir, map->name, "qml");
    *sld = read_style_file(styles_dir, map->name, "sld");
    if (*qml && *sld)
        return CM_OK;
    free(*qml);
    free(*sld);
    return cm_map_qgis_styles(db_path, project, map, qml, sld, err);
}

/* QGIS reads a layer's saved styles from `layer_styles` (its own schema). */
static cm_status write_styles(exporter *e, const char *db_path, const cm_project *project,
                              const char *styles_dir, const char *path, cm_error *err)
{
    if (project->map_count == 0)
        return CM_OK;
    OGRLayerH styles = GDALDatasetCreateLayer(e->dataset, "layer_styles", NULL, wkbNone, NULL);
    if (!styles)
        return gdal_failure(err, "cannot create layer_styles", path);
    const char *text_fields[] = {"f_table_catalog",
                                 "f_table_schema",
                                 "f_table_name",
                                 "f_geometry_column",
                                 "styleName",
                                 "styleQML",
                                 "styleSLD",
                                 "description",
                                 "owner",
                                 "ui",
                                 NULL};
    cm_status st = CM_OK;
    for (int i = 0; text_fields[i] && st == CM_OK; i++)
        st = add_style_field(styles, text_fields[i], OFTString);
    if (st == CM_OK)
        st = add_style_field(styles, "useAsDefault", OFTInteger);
    if (st == CM_OK)
        st = add_style_field(styles, "update_time", OFTDateTime);
    if (st != CM_OK)
        return gdal_failure(err, "cannot create layer_styles fields", path);
    for (size_t i = 0; i < project->map_count && st == CM_OK; i++) {
        const cm_map_spec *map = &project->maps[i];
        char *qml = NULL, *sld = NULL;
        st = load_styles(db_path, project, map, styles_dir, &qml, &sld, err);
        if (st != CM_OK)
            break;
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(styles));
        OGR_F_SetFieldString(f, 0, "");
        OGR_F_SetFieldString(f, 1, "");
        OGR_F_SetFieldString(f, 2, "territories");
        OGR_F_SetFieldString(f, 3, "geom");
        OGR_F_SetFieldString(f, 4, map->name);
        OGR_F_SetFieldString(f, 5, qml ? qml : "");
        OGR_F_SetFieldString(f, 6, sld ? sld : "");
        OGR_F_SetFieldString(f, 7, map->title ? map->title : "");
        OGR_F_SetFieldString(f, 8, "covermap");
        OGR_F_SetFieldNull(f, 9);
        OGR_F_SetFieldInteger(f, 10, i == 0);
        cm_civil_date d = cm_civil_from_day(project->as_of);
        OGR_F_SetFieldDateTime(f, 11, d.year, d.month, d.day, 0, 0, 0, 0);
        if (OGR_L_CreateFeature(styles, f) != OGRERR_NONE)
            st = gdal_failure(err, "cannot write a style", path);
        OGR_F_Destroy(f);
        free(qml);
        free(sld);
    }
    return st;
}

/* Every joined column, each map whose value is an expression as a column named
 * after the map (so that the SLD, which filters on it, works), and the geometry.
 * The expressions pass the same sandbox as when the maps were drawn. */
static cm_status select_rows_sql(exporter *e, const cm_project *project, char **out, cm_error *err)
{
    GString *sql = g_string_new("SELECT *");
    cm_status st = CM_OK;
    for (size_t i = 0; i < project->map_count && st == CM_OK; i++) {
        const cm_map_spec *map = &project->maps[i];
        if (strcmp(cm_map_value_attribute(map), map->value) == 0)
            continue;
        st = cm_map_validate_value_db(cm_store_db(e->store), map, err);
        if (st != CM_OK)
            break;
        bool taken = cm_store_has_column(e->store, "joined", map->name);
        if (taken)
            continue;
        char *column = sqlite3_mprintf(", (%s) AS \"%w\"", map->value, map->name);
        g_string_append(sql, column);
        sqlite3_free(column);
    }
    g_string_append(sql, ", AsBinary(geom) AS geom_wkb FROM joined ORDER BY key");
    *out = st == CM_OK ? strdup(sql->str) : NULL;
    g_string_free(sql, TRUE);
    return st;
}

static cm_status export_into(exporter *e, const char *db_path, const cm_project *project,
                             const char *styles_dir, const char *tmp_path, cm_error *err)
{
    cm_status st = load_srs(e, err);
    if (st != CM_OK)
        return st;
    GDALDriverH driver = GDALGetDriverByName("GPKG");
    if (!driver)
        return cm_error_set(err, CM_ERR_GDAL, "GDAL has no GeoPackage driver");
    e->dataset = GDALCreate(driver, tmp_path, 0, 0, 0, GDT_Unknown, NULL);
    if (!e->dataset)
        return gdal_failure(err, "cannot create the GeoPackage", tmp_path);
    char *select = NULL;
    st = select_rows_sql(e, project, &select, err);
    sqlite3_stmt *rows = NULL;
    if (st == CM_OK)
        st = cm_store_prepare(e->store, select, &rows, err);
    free(select);
    if (st == CM_OK)
        st = create_layer(e, project, tmp_path, rows, err);
    cm_trace_mark("gpkg: layer created");
    if (st == CM_OK)
        st = copy_rows(e, rows, sqlite3_column_count(rows) - 1, tmp_path, err);
    sqlite3_finalize(rows);
    cm_trace_mark("gpkg: rows copied");
    if (st == CM_OK)
        st = write_styles(e, db_path, project, styles_dir, tmp_path, err);
    return st;
}

cm_status cm_export_geopackage(const char *db_path, const cm_project *project,
                               const char *styles_dir, const char *gpkg_path, cm_error *err)
{
    exporter e = {0};
    cm_status st = cm_store_open_readonly(db_path, &e.store, err);
    if (st != CM_OK)
        return st;
    char *tmp_path = g_strconcat(gpkg_path, ".tmp.gpkg", NULL);
    g_unlink(tmp_path);
    cm_gdal_clear_error();
    /* GDAL stamps gpkg_contents with the wall clock unless told a date: the run's. */
    char day[11], stamp[32];
    cm_day_format_iso(project->as_of, day);
    snprintf(stamp, sizeof stamp, "%sT00:00:00.000Z", day);
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", stamp);
    /* 16 KiB pages, as in the store: the rows go in 10 % faster. */
    CPLSetThreadLocalConfigOption("OGR_SQLITE_PRAGMA", "page_size=16384");
    st = export_into(&e, db_path, project, styles_dir, tmp_path, err);
    if (e.dataset) {
        cm_gdal_clear_error();
        cm_trace_mark("gpkg: styles written");
        GDALClose(e.dataset);
        cm_trace_mark("gpkg: closed");
        if (cm_gdal_last_error()[0] && st == CM_OK)
            st = gdal_failure(err, "cannot finish the GeoPackage", tmp_path);
    }
    CPLSetThreadLocalConfigOption("OGR_CURRENT_DATE", NULL);
    CPLSetThreadLocalConfigOption("OGR_SQLITE_PRAGMA", NULL);
    if (st == CM_OK && g_rename(tmp_path, gpkg_path) != 0)
        st = cm_error_set(err, CM_ERR_IO, "cannot move the GeoPackage into place");
    if (st != CM_OK)
        g_unlink(tmp_path);
    g_free(tmp_path);
    free(e.columns);
    if (e.srs)
        OSRDestroySpatialReference(e.srs);
    cm_store_close(e.store);
    return st;
}
