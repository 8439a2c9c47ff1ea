#include "ingest/ogr_source.h"

#include <cpl_string.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "covermap/ingest.h"
#include "covermap/text.h"

static int has_extension(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && g_ascii_strcasecmp(path + n - e, ext) == 0;
}

static int sibling_exists(const char *path, const char *ext)
{
    char *base = g_strdup(path);
    char *dot = strrchr(base, '.');
    if (dot)
        *dot = '\0';
    char *lower = g_strconcat(base, ext, NULL);
    char *upper_ext = g_ascii_strup(ext, -1);
    char *upper = g_strconcat(base, upper_ext, NULL);
    struct stat st;
    int found = stat(lower, &st) == 0 || stat(upper, &st) == 0;
    g_free(base);
    g_free(lower);
    g_free(upper_ext);
    g_free(upper);
    return found;
}

static cm_status missing_file(const cm_source *source, cm_error *err)
{
    cm_error_set(err, CM_ERR_IO, "file not found: %s", source->path);
    cm_error_at(err, source->project_file, source->line, "source");
    cm_error_set_hint(err, "paths in the project file are relative to the project file's folder");
    return CM_ERR_IO;
}

/* Shapefiles: honour .cpg or the override; with neither, read raw bytes and let
 * cm_text_to_utf8 tell UTF-8 from CP1252 per value. */
static void shapefile_encoding(const cm_source *source, char ***options, char **encoding)
{
    if (source->encoding && source->encoding[0]) {
        *options = CSLSetNameValue(*options, "ENCODING", source->encoding);
        *encoding = NULL;
    } else if (sibling_exists(source->path, ".cpg")) {
        *encoding = NULL;
    } else {
        *options = CSLSetNameValue(*options, "ENCODING", "");
        *encoding = strdup("");
    }
}

static cm_status pick_layer(const cm_source *source, GDALDatasetH dataset, OGRLayerH *layer,
                            cm_error *err)
{
    int count = GDALDatasetGetLayerCount(dataset);
    if (source->layer && source->layer[0]) {
        *layer = GDALDatasetGetLayerByName(dataset, source->layer);
        if (*layer)
            return CM_OK;
        cm_error_set(err, CM_ERR_INPUT, "no layer '%s' in %s", source->layer, source->source);
    } else if (count == 1) {
        *layer = GDALDatasetGetLayer(dataset, 0);
        return CM_OK;
    } else if (count == 0) {
        cm_error_set(err, CM_ERR_INPUT, "%s holds no vector layer", source->source);
        cm_error_set_file(err, source->source);
        return CM_ERR_INPUT;
    } else {
        cm_error_set(err, CM_ERR_INPUT, "%s holds %d layers and the project names none",
                     source->source, count);
    }
    GString *names = g_string_new(NULL);
    for (int i = 0; i < count; i++)
        g_string_append_printf(names, "%s%s", i ? ", " : "",
                               OGR_L_GetName(GDALDatasetGetLayer(dataset, i)));
    cm_error_at(err, source->project_file, source->line, "layer");
    cm_error_set_hint(err, "set layer: to one of %s", names->str);
    g_string_free(names, TRUE);
    return CM_ERR_INPUT;
}

cm_status cm_ogr_open_vector(const cm_source *source, GDALDatasetH *dataset, OGRLayerH *layer,
                             char **encoding, cm_error *err)
{
    *dataset = NULL;
    *layer = NULL;
    *encoding = source->encoding && source->encoding[0] ? strdup(source->encoding) : NULL;
    struct stat st;
    if (stat(source->path, &st) != 0)
        return missing_file(source, err);
    char **options = NULL;
    if (has_extension(source->path, ".shp") || has_extension(source->path, ".dbf")) {
        free(*encoding);
        shapefile_encoding(source, &options, encoding);
    }
    cm_gdal_clear_error();
    *dataset = GDALOpenEx(source->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                          (const char *const *)options, NULL);
    CSLDestroy(options);
    if (!*dataset) {
        const char *why = cm_gdal_last_error();
        cm_error_set(err, CM_ERR_GDAL, "cannot read as a vector source%s%s", why[0] ? ": " : "",
                     why);
        cm_error_set_file(err, source->source);
        cm_error_set_hint(err, "give a Shapefile, GeoJSON, GeoPackage or any OGR vector file");
        return CM_ERR_GDAL;
    }
    cm_status result = pick_layer(source, *dataset, layer, err);
    if (result != CM_OK) {
        cm_error_set_file(err, source->source); /* when the project file is not known */
        GDALClose(*dataset);
        *dataset = NULL;
    }
    return result;
}

char *cm_ogr_field_list(OGRFeatureDefnH defn, const char *encoding)
{
    GString *names = g_string_new(NULL);
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
        char *name = cm_text_to_utf8(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), encoding);
        g_string_append_printf(names, "%s%s", i ? ", " : "", name ? name : "?");
        free(name);
    }
    char *result = strdup(names->str);
    g_string_free(names, TRUE);
    return result;
}

typedef enum { MATCH_EXACT, MATCH_CASE, MATCH_FOLDED } field_match;

static int names_match(const char *candidate, const char *wanted, field_match how)
{
    if (how == MATCH_EXACT)
        return strcmp(candidate, wanted) == 0;
    char *a = how == MATCH_CASE ? g_utf8_casefold(candidate, -1) : NULL;
    char *b = how == MATCH_CASE ? g_utf8_casefold(wanted, -1) : NULL;
    int same;
    if (how == MATCH_CASE) {
        same = a && b && strcmp(a, b) == 0;
        g_free(a);
        g_free(b);
    } else {
        char *fa = cm_fold_key(candidate), *fb = cm_fold_key(wanted);
        same = fa && fb && fa[0] && strcmp(fa, fb) == 0;
        free(fa);
        free(fb);
    }
    return same;
}

static int search_field(OGRFeatureDefnH defn, const char *wanted, const char *encoding,
                        field_match how)
{
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
        char *name = cm_text_to_utf8(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), encoding);
        int same = name && names_match(name, wanted, how);
        free(name);
        if (same)
            return i;
    }
    return -1;
}

static char *closest_field(OGRFeatureDefnH defn, const char *wanted, const char *encoding)
{
    char *best = NULL;
    size_t best_distance = (size_t)-1;
    char *folded_wanted = cm_fold_key(wanted);
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
        char *name = cm_text_to_utf8(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), encoding);
        char *folded = name ? cm_fold_key(name) : NULL;
        if (folded && folded_wanted) {
            size_t d = cm_edit_distance(folded, folded_wanted);
            if (d < best_distance) {
                best_distance = d;
                free(best);
                best = name;
                name = NULL;
            }
        }
        free(folded);
        free(name);
    }
    size_t limit = folded_wanted ? strlen(folded_wanted) / 2 + 1 : 0;
    free(folded_wanted);
    if (best && best_distance > limit) {
        free(best);
        best = NULL;
    }
    return best;
}

cm_status cm_ogr_find_field(OGRFeatureDefnH defn, const char *wanted, const char *file,
                            const char *what, long project_line, const char *encoding, int *index,
                            cm_error *err)
{
    for (field_match how = MATCH_EXACT; how <= MATCH_FOLDED; how++) {
        *index = search_field(defn, wanted, encoding, how);
        if (*index >= 0)
            return CM_OK;
    }
    char *fields = cm_ogr_field_list(defn, encoding);
    char *closest = closest_field(defn, wanted, encoding);
    cm_error_set(err, CM_ERR_INPUT, "no column '%s' (the project's %s:); the file has: %s", wanted,
                 what, fields);
    cm_error_set_file(err, file);
    cm_error_set_field(err, wanted);
    if (closest)
        cm_error_set_hint(err, "did you mean '%s'? (project file line %ld)", closest, project_line);
    else
        cm_error_set_hint(err, "fix '%s:' in the project file (line %ld)", what, project_line);
    free(fields);
    free(closest);
    return CM_ERR_INPUT;
}
