/* Reading a map's territories from the store: geometry (projected to the
 * drawing CRS), names, interior points, risk levels and the sandboxed values. */
#include <cpl_conv.h>
#include <geos_c.h>
#include <glib.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <spatialite/gaiageo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/large_buffer.h"
#include "covermap/progress.h"
#include "covermap/funding.h"
#include "covermap/render.h"
#include "covermap/store.h"
#include "render_internal.h"

static char *dup_text(const char *text)
{
    return text ? strdup(text) : NULL;
}

cm_status cm_read_run_facts(sqlite3 *db, const cm_project *project, cm_run_facts *out,
                            cm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *probe = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name, value FROM run_info", -1, &probe, NULL) != SQLITE_OK) {
        cm_error_set(err, CM_ERR_SQL, "the working database has no run_info table: %s",
                     sqlite3_errmsg(db));
        return CM_ERR_SQL;
    }
    sqlite3_finalize(probe);
    out->title = cm_store_info_on(db, "title", NULL);
    if (!out->title && project && project->title)
        out->title = strdup(project->title);
    out->as_of = cm_store_info_on(db, "as_of", NULL);
    out->source_line = cm_store_info_on(db, "source_line", NULL);
    if (!out->source_line && project && project->source_line)
        out->source_line = strdup(project->source_line);
    char *locale = cm_store_info_on(db, "locale", NULL);
    out->locale = locale ? (strncmp(locale, "en", 2) == 0 ? CM_LOCALE_EN_CA : CM_LOCALE_FR_CA)
                         : (project ? project->locale : CM_LOCALE_FR_CA);
    free(locale);
    char *srid = cm_store_info_on(db, "srid", NULL);
    out->srid = srid ? atoi(srid) : 0;
    free(srid);
    return CM_OK;
}

void cm_run_facts_free(cm_run_facts *facts)
{
    free(facts->title);
    free(facts->as_of);
    free(facts->source_line);
    memset(facts, 0, sizeof *facts);
}

void cm_feature_set_free(cm_feature_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->items[i].text);
    if (set->borrowed) {
        cm_large_free(set->items);
    } else {
        free(set->items);
        free(set->drawing_wkt);
        cm_arena_free(&set->arena); /* keys, names, rings */
    }
    memset(set, 0, sizeof *set);
}

cm_status cm_feature_set_borrow(const cm_feature_set *geometry, cm_feature_set *out)
{
    *out = *geometry;
    out->borrowed = true;
    out->arena = (cm_arena){0}; /* the preloaded set's */
    /* A large buffer: the copy is written at once (4 MB at 20 000 territories, a
     * thousand page faults in ordinary memory, 20 ms on the map job's path). */
    out->items = cm_large_calloc(geometry->count ? geometry->count : 1, sizeof *out->items);
    if (!out->items) {
        memset(out, 0, sizeof *out);
        return CM_ERR_NOMEM;
    }
    if (geometry->count)
        memcpy(out->items, geometry->items, geometry->count * sizeof *out->items);
    return CM_OK;
}

static int coord_stride(int dimension_model)
{
    switch (dimension_model) {
    case GAIA_XY_Z:
    case GAIA_XY_M: return 3;
    case GAIA_XY_Z_M: return 4;
    default: return 2;
    }
}

static cm_status copy_ring(cm_arena *arena, gaiaRingPtr ring, bool exterior, cm_ring *out)
{
    int stride = coord_stride(ring->DimensionModel);
    out->count = (size_t)ring->Points;
    out->exterior = exterior;
    out->xy = cm_arena_alloc(arena, sizeof(double) * 2 * out->count);
    if (!out->xy)
        return CM_ERR_NOMEM;
    for (size_t i = 0; i < out->count; i++) {
        out->xy[2 * i] = ring->Coords[i * stride];
        out->xy[2 * i + 1] = ring->Coords[i * stride + 1];
    }
    return CM_OK;
}

static cm_status copy_geometry(cm_arena *arena, const unsigned char *blob, int size,
                               cm_feature *f)
{
    if (!blob || size <= 0)
        return CM_OK; /* no geometry: listed, not drawn */
    gaiaGeomCollPtr geom = gaiaFromSpatiaLiteBlobWkb(blob, (unsigned int)size);
    if (!geom)
        return CM_ERR_INPUT;
    size_t rings = 0;
    for (gaiaPolygonPtr pg = geom->FirstPolygon; pg; pg = pg->Next)
        rings += 1 + (size_t)pg->NumInteriors;
    f->rings = cm_arena_alloc(arena, rings * sizeof *f->rings);
    if (!f->rings) {
        gaiaFreeGeomColl(geom);
        return CM_ERR_NOMEM;
    }
    cm_status st = CM_OK;
    for (gaiaPolygonPtr pg = geom->FirstPolygon; pg && st == CM_OK; pg = pg->Next) {
        st = copy_ring(arena, pg->Exterior, true, &f->rings[f->ring_count++]);
        for (int i = 0; i < pg->NumInteriors && st == CM_OK; i++)
            st = copy_ring(arena, &pg->Interiors[i], false, &f->rings[f->ring_count++]);
    }
    gaiaFreeGeomColl(geom);
    return st;
}

static double ring_area(const cm_ring *ring)
{
    double sum = 0;
    for (size_t i = 0; i + 1 < ring->count; i++)
        sum += ring->xy[2 * i] * ring->xy[2 * i + 3] - ring->xy[2 * i + 2] * ring->xy[2 * i + 1];
    return fabs(sum) / 2;
}

/* Comparisons rather than fmin/fmax (calls into libm): the same values, NaN
 * coordinates included (both pass over them), a box starting at infinities. */
static void measure_feature(cm_feature *f)
{
    f->minx = f->miny = INFINITY;
    f->maxx = f->maxy = -INFINITY;
    f->area = 0;
    double largest = -1;
    for (size_t r = 0; r < f->ring_count; r++) {
        const cm_ring *ring = &f->rings[r];
        double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
        for (size_t i = 0; i < ring->count; i++) {
            double x = ring->xy[2 * i], y = ring->xy[2 * i + 1];
            x0 = x < x0 ? x : x0;
            x1 = x > x1 ? x : x1;
            y0 = y < y0 ? y : y0;
            y1 = y > y1 ? y : y1;
        }
        f->minx = x0 < f->minx ? x0 : f->minx;
        f->maxx = x1 > f->maxx ? x1 : f->maxx;
        f->miny = y0 < f->miny ? y0 : f->miny;
        f->maxy = y1 > f->maxy ? y1 : f->maxy;
        double area = ring_area(ring);
        f->area += ring->exterior ? area : -area;
        /* Fallback label point: the centre of the largest exterior ring's box. */
        if (!f->has_label_point && ring->exterior && area > largest && ring->count) {
            largest = area;
            f->label_x = (x0 + x1) / 2;
            f->label_y = (y0 + y1) / 2;
        }
    }
    if (largest >= 0)
        f->has_label_point = true;
}

/* A zeroed feature at the end of set (grown by doubling; *capacity is its room), or
 * NULL when out of memory. */
static cm_feature *append_feature(cm_feature_set *set, size_t *capacity)
{
    if (set->count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 64;
        cm_feature *items = realloc(set->items, grown * sizeof *items);
        if (!items)
            return NULL;
        set->items = items;
        *capacity = grown;
    }
    cm_feature *f = &set->items[set->count++];
    memset(f, 0, sizeof *f);
    return f;
}

static cm_status read_geometry(sqlite3 *db, cm_feature_set *set, cm_error *err)
{
    /* The territories table rather than the joined view: the geometry is there as
     * soon as the boundaries are stored, before any table is joined. */
    const char *sql = "SELECT key, name, geom FROM territories ORDER BY key";
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        cm_error_set(err, CM_ERR_SQL, "cannot read the territories from the joined view: %s",
                     sqlite3_errmsg(db));
        return CM_ERR_SQL;
    }
    size_t capacity = 0;
    cm_status st = CM_OK;
    int rc;
    while (st == CM_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        cm_feature *f = append_feature(set, &capacity);
        if (!f) {
            st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
            break;
        }
        f->key = cm_arena_strdup(&set->arena, (const char *)sqlite3_column_text(stmt, 0));
        f->name = cm_arena_strdup(&set->arena, (const char *)sqlite3_column_text(stmt, 1));
        f->class_index = -1;
        f->risk = -1;
        st = copy_geometry(&set->arena, sqlite3_column_blob(stmt, 2),
                           sqlite3_column_bytes(stmt, 2), f);
        if (st != CM_OK)
            cm_error_set(err, st, "territory '%s': its geometry cannot be read",
                         f->key ? f->key : "?");
    }
    if (st == CM_OK && rc != SQLITE_DONE)
        st = cm_error_set(err, CM_ERR_SQL, "reading the territories: %s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return st;
}

static void extent_of(const cm_feature_set *set, double *minx, double *miny, double *maxx,
                      double *maxy)
{
    *minx = *miny = INFINITY;
    *maxx = *maxy = -INFINITY;
    for (size_t i = 0; i < set->count; i++) {
        const cm_feature *f = &set->items[i];
        if (!f->ring_count)
            continue;
        *minx = fmin(*minx, f->minx);
        *miny = fmin(*miny, f->miny);
        *maxx = fmax(*maxx, f->maxx);
        *maxy = fmax(*maxy, f->maxy);
    }
}

static cm_status transform_points(OGRCoordinateTransformationH ct, double *xy, size_t count)
{
    if (!count)
        return CM_OK;
    double *x = malloc(sizeof(double) * count);
    double *y = malloc(sizeof(double) * count);
    cm_status st = CM_OK;
    if (!x || !y) {
        st = CM_ERR_NOMEM;
    } else {
        for (size_t i = 0; i < count; i++) {
            x[i] = xy[2 * i];
            y[i] = xy[2 * i + 1];
        }
        if (!OCTTransform(ct, (int)count, x, y, NULL))
            st = CM_ERR_GDAL;
        for (size_t i = 0; i < count && st == CM_OK; i++) {
            xy[2 * i] = x[i];
            xy[2 * i + 1] = y[i];
        }
    }
    free(x);
    free(y);
    return st;
}

static cm_status transform_features(cm_feature_set *set, OGRCoordinateTransformationH ct,
                                    cm_error *err)
{
    for (size_t i = 0; i < set->count; i++) {
        cm_feature *f = &set->items[i];
        cm_status st = CM_OK;
        for (size_t r = 0; r < f->ring_count && st == CM_OK; r++)
            st = transform_points(ct, f->rings[r].xy, f->rings[r].count);
        if (st == CM_OK && f->has_label_point) {
            double point[2] = {f->label_x, f->label_y};
            st = transform_points(ct, point, 1);
            f->label_x = point[0];
            f->label_y = point[1];
        }
        if (st != CM_OK)
            return cm_error_set(err, st == CM_ERR_NOMEM ? st : CM_ERR_GDAL,
                                "territory '%s' cannot be projected to the map's CRS%s%s",
                                f->key ? f->key : "?", cm_gdal_last_error()[0] ? ": " : "",
                                cm_gdal_last_error());
    }
    return CM_OK;
}

static int epsg_of(OGRSpatialReferenceH srs)
{
    const char *name = OSRGetAuthorityName(srs, NULL);
    const char *code = OSRGetAuthorityCode(srs, NULL);
    if (name && code && !strcmp(name, "EPSG"))
        return atoi(code);
    return 0;
}

/* Chooses the drawing CRS and projects every feature into it. */
static cm_status project_features(const cm_map_spec *map, int srid, cm_feature_set *set,
                                  cm_error *err)
{
    double minx, miny, maxx, maxy;
    extent_of(set, &minx, &miny, &maxx, &maxy);
    bool looks_geographic = minx >= -180.5 && maxx <= 180.5 && miny >= -90.5 && maxy <= 90.5;
    OGRSpatialReferenceH src = OSRNewSpatialReference(NULL);
    OGRSpatialReferenceH dst = NULL;
    cm_status st = CM_OK;
    bool src_known = srid > 0 && OSRImportFromEPSG(src, srid) == OGRERR_NONE;
    if (!src_known && looks_geographic && (map->srs || isfinite(minx)))
        src_known = OSRImportFromEPSG(src, 4326) == OGRERR_NONE && isfinite(minx);
    set->metres_per_unit = 1.0;
    set->epsg = src_known ? epsg_of(src) : 0;
    if (src_known) {
        OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
        if (map->srs && map->srs[0]) {
            dst = OSRNewSpatialReference(NULL);
            if (OSRSetFromUserInput(dst, map->srs) != OGRERR_NONE) {
                st = cm_error_set(err, CM_ERR_PROJECT,
                                  "map '%s': srs '%s' is not a CRS GDAL "
                                  "knows",
                                  map->name, map->srs);
                cm_error_set_field(err, "srs");
            }
        } else if (OSRIsGeographic(src) && isfinite(minx)) {
            /* Never draw in degrees: the UTM zone of the data's centre. */
            double lon = (minx + maxx) / 2, lat = (miny + maxy) / 2;
            int zone = (int)floor((lon + 180.0) / 6.0) + 1;
            zone = zone < 1 ? 1 : zone > 60 ? 60 : zone;
            dst = OSRNewSpatialReference(NULL);
            if (OSRImportFromEPSG(dst, (lat >= 0 ? 32600 : 32700) + zone) != OGRERR_NONE)
                st = cm_error_set(err, CM_ERR_GDAL, "cannot build the UTM zone %d CRS: %s", zone,
                                  cm_gdal_last_error());
        }
    } else if (map->srs && map->srs[0]) {
        st = cm_error_set(err, CM_ERR_PROJECT,
                          "map '%s': srs is given but the territories' "
                          "CRS is unknown (run_info.srid = %d)",
                          map->name, srid);
    }
    if (st == CM_OK && dst) {
        OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(src, dst);
        if (!ct)
            st = cm_error_set(err, CM_ERR_GDAL,
                              "map '%s': no transformation to the map's "
                              "CRS: %s",
                              map->name, cm_gdal_last_error());
        else
            st = transform_features(set, ct, err);
        OCTDestroyCoordinateTransformation(ct);
        set->epsg = epsg_of(dst);
    }
    OGRSpatialReferenceH drawn = dst ? dst : src;
    if (st == CM_OK && src_known) {
        if (OSRIsGeographic(drawn))
            st = cm_error_set(err, CM_ERR_PROJECT,
                              "map '%s': the map's CRS is geographic; "
                              "maps are drawn in a projected CRS",
                              map->name);
        else
            set->metres_per_unit = OSRGetLinearUnits(drawn, NULL);
    }
    if (st == CM_OK && src_known) {
        char *wkt = NULL;
        if (OSRExportToWkt(drawn, &wkt) == OGRERR_NONE && wkt)
            set->drawing_wkt = strdup(wkt);
        CPLFree(wkt);
    }
    OSRDestroySpatialReference(src);
    if (dst)
        OSRDestroySpatialReference(dst);
    return st;
}

static bool text_is_number(const char *text, double *out)
{
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text)
        return false;
    while (*end == ' ')
        end++;
    if (*end || !isfinite(value))
        return false;
    *out = value;
    return true;
}

/* Matches rows read in any order to the features by key, each feature once: a
 * matched key leaves the table, so a second row for it finds nothing. Reading a
 * table in its own order rather than through its key index takes a tenth of
 * SQLite's time (3 against 38 ms for a map's values at 20 000 territories). The
 * store writes its tables in key order, as the features are read, so rows are
 * first matched in step with the features, by one comparison each; from the first
 * row out of step on, the keys left are looked up in a hash table (hashing every
 * key cost 20 ms a map in cache misses). */
typedef struct {
    cm_feature_set *set;
    size_t next;           /* in step: every feature before it is matched */
    GHashTable *unmatched; /* out of step: key -> position + 1; owned (matcher_free) */
    size_t matched;
} feature_matcher;

static void matcher_init(feature_matcher *m, cm_feature_set *set)
{
    *m = (feature_matcher){set, 0, NULL, 0};
}

/* The features not matched yet, by key. GLib aborts rather than return without
 * memory: this cannot fail. */
static void matcher_leave_step(feature_matcher *m)
{
    m->unmatched = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = m->next; i < m->set->count; i++)
        if (m->set->items[i].key)
            g_hash_table_insert(m->unmatched, m->set->items[i].key, GSIZE_TO_POINTER(i + 1));
}

static void matcher_free(feature_matcher *m)
{
    if (m->unmatched)
        g_hash_table_destroy(m->unmatched);
    m->unmatched = NULL;
}

/* The feature whose key is the row's; NULL when there is none, or when an earlier
 * row had it already (the rows and the features disagree). */
static cm_feature *matcher_find(feature_matcher *m, const char *key)
{
    if (!key)
        return NULL;
    if (!m->unmatched) {
        cm_feature *expected = m->next < m->set->count ? &m->set->items[m->next] : NULL;
        if (expected && expected->key && strcmp(expected->key, key) == 0) {
            m->next++;
            m->matched++;
            return expected;
        }
        matcher_leave_step(m);
    }
    gpointer position = NULL;
    if (!g_hash_table_steal_extended(m->unmatched, key, NULL, &position))
        return NULL;
    m->matched++;
    return &m->set->items[GPOINTER_TO_SIZE(position) - 1];
}

/* Whether every feature had its row. */
static bool matcher_complete(const feature_matcher *m)
{
    return m->matched == m->set->count;
}

cm_status cm_load_risk_levels(sqlite3 *db, cm_feature_set *set, cm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT key, risk_level FROM joined", -1, &stmt, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(stmt);
        return cm_error_set(err, CM_ERR_SQL, "cannot read the risk levels: %s", sqlite3_errmsg(db));
    }
    feature_matcher matcher;
    matcher_init(&matcher, set);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        cm_feature *f = matcher_find(&matcher, (const char *)sqlite3_column_text(stmt, 0));
        if (!f)
            break;
        f->risk = cm_risk_from_text((const char *)sqlite3_column_text(stmt, 1));
    }
    sqlite3_finalize(stmt);
    bool complete = matcher_complete(&matcher);
    matcher_free(&matcher);
    if (rc != SQLITE_DONE || !complete)
        return cm_error_set(err, CM_ERR_SQL, "the risk levels do not match the territories");
    return CM_OK;
}

/* Reads the sandboxed values and the risk levels into the features, matched by key. */
static cm_status read_values(sqlite3 *db, const cm_map_spec *map, cm_feature_set *set,
                             cm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    cm_status st = cm_sandbox_prepare_value(db, map, &stmt, err);
    if (st != CM_OK)
        return st;
    feature_matcher matcher;
    matcher_init(&matcher, set);
    int rc;
    set->numeric_values = true;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        cm_feature *f = matcher_find(&matcher, (const char *)sqlite3_column_text(stmt, 0));
        if (!f) {
            rc = SQLITE_MISUSE;
            break;
        }
        f->risk = cm_risk_from_text((const char *)sqlite3_column_text(stmt, 2));
        int type = sqlite3_column_type(stmt, 1);
        f->value_null = type == SQLITE_NULL;
        if (f->value_null)
            continue;
        if (type == SQLITE_FLOAT) {
            /* Its text only if a categorical map asks (cm_value_texts): SQLite's
             * real-to-text conversion was a tenth of the values' time. */
            f->value = sqlite3_column_double(stmt, 1);
            f->value_null = !isfinite(f->value); /* 1/0 gives NULL already; inf is no data */
            continue;
        }
        f->text = dup_text((const char *)sqlite3_column_text(stmt, 1));
        if (type == SQLITE_INTEGER)
            f->value = sqlite3_column_double(stmt, 1);
        else if (!f->text || !text_is_number(f->text, &f->value))
            set->numeric_values = false;
    }
    bool complete = matcher_complete(&matcher);
    matcher_free(&matcher);
    if (rc == SQLITE_MISUSE || (rc == SQLITE_DONE && !complete))
        st = cm_error_set(err, CM_ERR_PROJECT,
                          "map '%s': the value must give one value per "
                          "territory (an aggregate such as max(x) is not allowed)",
                          map->name);
    else if (rc != SQLITE_DONE)
        st = cm_error_set(err, CM_ERR_SQL, "map '%s': evaluating the value: %s", map->name,
                          sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return st;
}

static void add_guard(cm_feature *f, double x, double y)
{
    if (f->guard_count < 3 && isfinite(x) && isfinite(y)) {
        f->guard_xy[2 * f->guard_count] = x;
        f->guard_xy[2 * f->guard_count + 1] = y;
        f->guard_count++;
    }
}

static GEOSGeometry *geos_ring(GEOSContextHandle_t geos, const cm_ring *ring)
{
    GEOSCoordSequence *points =
        GEOSCoordSeq_copyFromBuffer_r(geos, ring->xy, (unsigned)ring->count, 0, 0);
    return points ? GEOSGeom_createLinearRing_r(geos, points) : NULL;
}

/* The feature's rings as one GEOS multipolygon (each exterior ring followed by its
 * holes), NULL when none is a ring GEOS accepts. The caller destroys it. */
static GEOSGeometry *geos_multipolygon(GEOSContextHandle_t geos, const cm_feature *f)
{
    GEOSGeometry **polygons = calloc(f->ring_count + 1, sizeof *polygons);
    GEOSGeometry **holes = calloc(f->ring_count + 1, sizeof *holes);
    size_t polygon_count = 0, hole_count = 0;
    GEOSGeometry *shell = NULL;
    for (size_t r = 0; polygons && holes && r <= f->ring_count; r++) {
        const cm_ring *ring = r < f->ring_count ? &f->rings[r] : NULL;
        if (ring && ring->count < 4)
            continue;
        if (!ring || ring->exterior || !shell) {
            /* The polygon so far is complete: the next ring starts another. */
            if (shell) {
                GEOSGeometry *polygon =
                    GEOSGeom_createPolygon_r(geos, shell, holes, (unsigned)hole_count);
                if (polygon)
                    polygons[polygon_count++] = polygon;
            }
            shell = ring ? geos_ring(geos, ring) : NULL;
            hole_count = 0;
        } else {
            GEOSGeometry *hole = geos_ring(geos, ring);
            if (hole)
                holes[hole_count++] = hole;
        }
    }
    free(holes);
    GEOSGeometry *multi = NULL;
    if (polygons && polygon_count)
        multi =
            GEOSGeom_createCollection_r(geos, GEOS_MULTIPOLYGON, polygons, (unsigned)polygon_count);
    free(polygons);
    return multi;
}

/* The centroid of the feature's polygons, holes taken off, as GEOS computes it for
 * areas (the moments of triangles from a vertex of each ring), without GEOS's
 * centroid of the rings as lines, which it computes as well in case the area is
 * zero: that is half its time, and a tenth of the preload's instructions at
 * 20 000 territories. False for a zero area (GEOS then decides). */
static bool area_centroid(const cm_feature *f, double *cx, double *cy)
{
    double area = 0, moment_x = 0, moment_y = 0;
    for (size_t r = 0; r < f->ring_count; r++) {
        const cm_ring *ring = &f->rings[r];
        if (ring->count < 4) /* as geos_multipolygon skips it */
            continue;
        double bx = ring->xy[0], by = ring->xy[1];
        double twice = 0, mx = 0, my = 0; /* relative to the ring's first vertex */
        for (size_t i = 0; i + 1 < ring->count; i++) {
            double x0 = ring->xy[2 * i] - bx, y0 = ring->xy[2 * i + 1] - by;
            double x1 = ring->xy[2 * i + 2] - bx, y1 = ring->xy[2 * i + 3] - by;
            double cross = x0 * y1 - x1 * y0;
            twice += cross;
            mx += (x0 + x1) * cross;
            my += (y0 + y1) * cross;
        }
        if (twice == 0)
            continue;
        double weight = (ring->exterior ? 1 : -1) * fabs(twice) / 2;
        area += weight;
        moment_x += weight * (bx + mx / (3 * twice));
        moment_y += weight * (by + my / (3 * twice));
    }
    if (!(fabs(area) > 0))
        return false;
    *cx = moment_x / area;
    *cy = moment_y / area;
    return isfinite(*cx) && isfinite(*cy);
}

static void add_geos_point(GEOSContextHandle_t geos, GEOSGeometry *point, cm_feature *f,
                           bool as_label)
{
    double x, y;
    if (point && !GEOSisEmpty_r(geos, point) && GEOSGeomGetX_r(geos, point, &x) == 1 &&
        GEOSGeomGetY_r(geos, point, &y) == 1) {
        if (as_label) {
            f->has_label_point = true;
            f->label_x = x;
            f->label_y = y;
            add_guard(f, x, y); /* the label point, then the point on surface */
        }
        add_guard(f, x, y);
    }
    if (point)
        GEOSGeom_destroy_r(geos, point);
}

/* The point on surface and centroid of the geometry as drawn (after projection), as
 * any GIS tool computes them: the point on surface by GEOS, the centroid as GEOS
 * does for areas (area_centroid; GEOS itself for a zero area). The point on surface
 * is also where the name goes (measure_feature's box centre stands in when there
 * is none). */
static void compute_guard_points(GEOSContextHandle_t geos, cm_feature *f)
{
    f->guard_count = 0;
    GEOSGeometry *multi = f->ring_count ? geos_multipolygon(geos, f) : NULL;
    GEOSGeometry *surface_point = multi ? GEOSPointOnSurface_r(geos, multi) : NULL;
    bool has_surface_point = surface_point && !GEOSisEmpty_r(geos, surface_point);
    if (!has_surface_point && f->has_label_point)
        add_guard(f, f->label_x, f->label_y);
    add_geos_point(geos, surface_point, f, true);
    double cx, cy;
    if (multi && area_centroid(f, &cx, &cy))
        add_guard(f, cx, cy);
    else if (multi)
        add_geos_point(geos, GEOSGetCentroid_r(geos, multi), f, false);
    if (multi)
        GEOSGeom_destroy_r(geos, multi);
}

cm_status cm_load_geometry(sqlite3 *db, const cm_map_spec *map, int srid, cm_feature_set *out,
                           cm_error *err)
{
    memset(out, 0, sizeof *out);
    cm_status st = read_geometry(db, out, err);
    cm_trace_mark("features: geometry read");
    for (size_t i = 0; st == CM_OK && i < out->count; i++)
        measure_feature(&out->items[i]);
    if (st == CM_OK)
        st = project_features(map, srid, out, err);
    cm_trace_mark("features: projected");
    for (size_t i = 0; st == CM_OK && i < out->count; i++)
        measure_feature(&out->items[i]);
    GEOSContextHandle_t geos = st == CM_OK ? GEOS_init_r() : NULL;
    if (st == CM_OK && !geos)
        st = cm_error_set(err, CM_ERR_NOMEM, "out of memory starting GEOS");
    for (size_t i = 0; st == CM_OK && i < out->count; i++)
        compute_guard_points(geos, &out->items[i]);
    if (geos)
        GEOS_finish_r(geos);
    cm_trace_mark("features: guard points");
    if (st == CM_OK) {
        extent_of(out, &out->minx, &out->miny, &out->maxx, &out->maxy);
        if (!isfinite(out->minx))
            st =
                cm_error_set(err, CM_ERR_INPUT, "map '%s': no territory has a geometry", map->name);
    }
    if (st != CM_OK)
        cm_feature_set_free(out);
    return st;
}

cm_status cm_load_values(sqlite3 *db, const cm_map_spec *map, cm_feature_set *set, cm_error *err)
{
    for (size_t i = 0; i < set->count; i++) {
        cm_feature *f = &set->items[i];
        f->value_null = true;
        f->value = 0;
        f->text = NULL;
        f->class_index = -1;
        f->risk = -1;
    }
    cm_status st = read_values(db, map, set, err);
    cm_trace_mark("features: values read");
    return st;
}

bool cm_value_texts(cm_feature_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        cm_feature *f = &set->items[i];
        if (f->value_null || f->text)
            continue;
        char text[64];
        sqlite3_snprintf(sizeof text, text, "%!.15g", f->value); /* SQLite's own format */
        if (!(f->text = strdup(text)))
            return false;
    }
    return true;
}

cm_status cm_load_value_features(sqlite3 *db, const cm_map_spec *map, cm_feature_set *out,
                                 cm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT key FROM territories ORDER BY key", -1, &stmt, NULL) !=
        SQLITE_OK)
        return cm_error_set(err, CM_ERR_SQL, "cannot read the territories' keys: %s",
                            sqlite3_errmsg(db));
    size_t capacity = 0;
    cm_status st = CM_OK;
    int rc;
    while (st == CM_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        cm_feature *f = append_feature(out, &capacity);
        if (!f) {
            st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
            break;
        }
        f->key = cm_arena_strdup(&out->arena, (const char *)sqlite3_column_text(stmt, 0));
    }
    if (st == CM_OK && rc != SQLITE_DONE)
        st = cm_error_set(err, CM_ERR_SQL, "reading the territories' keys: %s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    if (st == CM_OK)
        st = cm_load_values(db, map, out, err);
    if (st != CM_OK)
        cm_feature_set_free(out);
    return st;
}

cm_status cm_load_features(sqlite3 *db, const cm_map_spec *map, const cm_run_facts *facts,
                           cm_feature_set *out, cm_error *err)
{
    cm_status st = cm_load_geometry(db, map, facts->srid, out, err);
    if (st == CM_OK)
        st = cm_load_values(db, map, out, err);
    if (st != CM_OK)
        cm_feature_set_free(out);
    return st;
}
