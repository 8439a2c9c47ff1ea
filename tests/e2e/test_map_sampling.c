/* The PNG read back as a GIS tool reads it: through its world file and the CRS in its
 * .png.aux.xml, the fill at each territory's point on surface and centroid (when
 * inside) must be the territory's class colour: classes ordered by value, exactly
 * as many colours as classes, and no-data territories unlike any class. Runs on the
 * bundled demo, and on the real Montréal boundaries in longitude/latitude when
 * ../shared/geodata/montreal is present (Source : Ville de Montréal, limites
 * administratives de l'agglomération, CC BY 4.0). */
#include <cairo.h>
#include <check.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <glib.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

typedef struct {
    double gt[6]; /* x0, pixel width, 0, y0, 0, -pixel height (pixel corners) */
    cairo_surface_t *image;
    OGRSpatialReferenceH srs;
} georeferenced_png;

static void read_world_file(const char *path, double gt[6])
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no world file %s", path);
    double a, d, b, e, c, f_;
    ck_assert_int_eq(fscanf(f, "%lf %lf %lf %lf %lf %lf", &a, &d, &b, &e, &c, &f_), 6);
    fclose(f);
    /* The world file names the centre of the top-left pixel. */
    gt[0] = c - a / 2;
    gt[1] = a;
    gt[2] = b;
    gt[3] = f_ - e / 2;
    gt[4] = d;
    gt[5] = e;
}

static OGRSpatialReferenceH read_aux_srs(const char *path)
{
    char *xml = ts_read_file(path, NULL);
    ck_assert_msg(xml != NULL, "no CRS side file %s", path);
    char *start = strchr(strstr(xml, "<SRS"), '>') + 1;
    char *end = strstr(start, "</SRS>");
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    GString *wkt = g_string_new(NULL);
    for (const char *p = start; *p; p++) {
        if (strncmp(p, "&lt;", 4) == 0) {
            g_string_append_c(wkt, '<');
            p += 3;
        } else if (strncmp(p, "&gt;", 4) == 0) {
            g_string_append_c(wkt, '>');
            p += 3;
        } else if (strncmp(p, "&amp;", 5) == 0) {
            g_string_append_c(wkt, '&');
            p += 4;
        } else {
            g_string_append_c(wkt, *p);
        }
    }
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    ck_assert_int_eq(OSRSetFromUserInput(srs, wkt->str), OGRERR_NONE);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    g_string_free(wkt, TRUE);
    free(xml);
    return srs;
}

static georeferenced_png open_map(const char *maps_dir, const char *name)
{
    georeferenced_png png;
    char *path = g_strdup_printf("%s/%s.png", maps_dir, name);
    char *world = g_strdup_printf("%s/%s.pgw", maps_dir, name);
    char *aux = g_strdup_printf("%s/%s.png.aux.xml", maps_dir, name);
    png.image = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_surface_status(png.image), CAIRO_STATUS_SUCCESS);
    read_world_file(world, png.gt);
    png.srs = read_aux_srs(aux);
    ck_assert_msg(!OSRIsGeographic(png.srs), "the map is drawn in degrees");
    ck_assert_msg(png.gt[1] > 1e-3, "pixel size %g is not in metres", png.gt[1]);
    g_free(path);
    g_free(world);
    g_free(aux);
    return png;
}

static void close_map(georeferenced_png *png)
{
    cairo_surface_destroy(png->image);
    OSRDestroySpatialReference(png->srs);
}

/* 0xRRGGBB at map coordinates (x, y); -1 outside the image. */
static long sample(const georeferenced_png *png, double x, double y)
{
    int px = (int)floor((x - png->gt[0]) / png->gt[1]);
    int py = (int)floor((y - png->gt[3]) / png->gt[5]);
    int w = cairo_image_surface_get_width(png->image);
    int h = cairo_image_surface_get_height(png->image);
    if (px < 0 || py < 0 || px >= w || py >= h)
        return -1;
    cairo_surface_flush(png->image);
    const unsigned char *row = cairo_image_surface_get_data(png->image) +
                               (size_t)py * cairo_image_surface_get_stride(png->image);
    uint32_t pixel = ((const uint32_t *)row)[px];
    return (long)(pixel & 0xFFFFFF);
}

typedef struct {
    double value;
    bool has_value;
    char *text; /* categorical value */
    long colour;
    char *name;
} sampled;

/* Samples every territory of the GeoPackage at its point on surface and (when it lies
 * inside) its centroid, computed in the PNG's CRS; both must give the same colour. */
static GArray *sample_territories(const char *gpkg, const georeferenced_png *png, const char *field)
{
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(ds);
    OGRLayerH layer = GDALDatasetGetLayerByName(ds, "territories");
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int value_index = OGR_FD_GetFieldIndex(defn, field);
    int name_index = OGR_FD_GetFieldIndex(defn, "name");
    ck_assert_int_ge(value_index, 0);
    OGRSpatialReferenceH source = OSRClone(OGR_L_GetSpatialRef(layer));
    OSRSetAxisMappingStrategy(source, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(source, png->srs);
    ck_assert_ptr_nonnull(ct);
    GArray *out = g_array_new(FALSE, TRUE, sizeof(sampled));
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        OGRGeometryH g = OGR_G_Clone(OGR_F_GetGeometryRef(f));
        ck_assert_int_eq(OGR_G_Transform(g, ct), OGRERR_NONE);
        OGRGeometryH pos = OGR_G_PointOnSurface(g);
        sampled s = {0};
        s.name = g_strdup(OGR_F_GetFieldAsString(f, name_index));
        s.has_value = OGR_F_IsFieldSetAndNotNull(f, value_index);
        s.value = OGR_F_GetFieldAsDouble(f, value_index);
        s.text = g_strdup(OGR_F_GetFieldAsString(f, value_index));
        s.colour = sample(png, OGR_G_GetX(pos, 0), OGR_G_GetY(pos, 0));
        /* The centroid too, when it lies inside, clear of the boundary lines and of the
         * at-risk outline (2 pt, 8 pixels at 300 dpi, inside the territory); hatched
         * no-data territories have no single colour to compare. */
        OGRGeometryH centroid = OGR_G_CreateGeometry(wkbPoint);
        OGRGeometryH boundary = OGR_G_Boundary(g);
        if (s.has_value && OGR_G_Centroid(g, centroid) == OGRERR_NONE &&
            OGR_G_Contains(g, centroid) && OGR_G_Distance(centroid, boundary) > 12 * png->gt[1]) {
            long c = sample(png, OGR_G_GetX(centroid, 0), OGR_G_GetY(centroid, 0));
            ck_assert_msg(c == s.colour,
                          "%s: #%06lx at its point on surface, #%06lx at its "
                          "centroid",
                          s.name, s.colour, c);
        }
        g_array_append_val(out, s);
        OGR_G_DestroyGeometry(boundary);
        OGR_G_DestroyGeometry(centroid);
        OGR_G_DestroyGeometry(pos);
        OGR_G_DestroyGeometry(g);
        OGR_F_Destroy(f);
    }
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(source);
    GDALClose(ds);
    return out;
}

static void free_samples(GArray *samples)
{
    for (guint i = 0; i < samples->len; i++) {
        g_free(g_array_index(samples, sampled, i).name);
        g_free(g_array_index(samples, sampled, i).text);
    }
    g_array_free(samples, TRUE);
}

static int by_value(const void *a, const void *b)
{
    const sampled *x = a, *y = b;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* Classes ordered by value: along increasing values the colour changes exactly
 * classes - 1 times and never comes back; no-data colours match no class. */
static void assert_numeric_classes(GArray *samples, int classes)
{
    GArray *data = g_array_new(FALSE, FALSE, sizeof(sampled));
    GHashTable *class_colours = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < samples->len; i++) {
        sampled *s = &g_array_index(samples, sampled, i);
        if (s->has_value)
            g_array_append_val(data, *s);
    }
    g_array_sort(data, by_value);
    int changes = 0;
    for (guint i = 0; i < data->len; i++) {
        sampled *s = &g_array_index(data, sampled, i);
        ck_assert_msg(s->colour >= 0, "%s lies outside the PNG", s->name);
        if (i > 0) {
            sampled *previous = &g_array_index(data, sampled, i - 1);
            if (s->colour != previous->colour) {
                ck_assert_msg(!g_hash_table_contains(class_colours, GSIZE_TO_POINTER(s->colour)),
                              "%s (%g) comes back to an earlier class colour #%06lx", s->name,
                              s->value, s->colour);
                changes++;
            }
        }
        g_hash_table_add(class_colours, GSIZE_TO_POINTER(s->colour));
    }
    ck_assert_int_eq(g_hash_table_size(class_colours), classes);
    ck_assert_int_eq(changes, classes - 1);
    for (guint i = 0; i < samples->len; i++) {
        sampled *s = &g_array_index(samples, sampled, i);
        if (!s->has_value)
            ck_assert_msg(!g_hash_table_contains(class_colours, GSIZE_TO_POINTER(s->colour)),
                          "no-data %s is filled like a class (#%06lx)", s->name, s->colour);
    }
    g_hash_table_destroy(class_colours);
    g_array_free(data, TRUE);
}

/* Categorical: one colour per category, the same for every territory of it. */
static void assert_categories(GArray *samples)
{
    GHashTable *colour_of = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTable *category_of = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < samples->len; i++) {
        sampled *s = &g_array_index(samples, sampled, i);
        gpointer seen = g_hash_table_lookup(colour_of, s->text);
        if (seen)
            ck_assert_msg(GPOINTER_TO_SIZE(seen) == (gsize)s->colour + 1,
                          "%s (%s) is not filled like the rest of its category", s->name, s->text);
        g_hash_table_insert(colour_of, s->text, GSIZE_TO_POINTER((gsize)s->colour + 1));
        const char *other = g_hash_table_lookup(category_of, GSIZE_TO_POINTER(s->colour + 1));
        ck_assert_msg(!other || strcmp(other, s->text) == 0, "%s and %s share colour #%06lx",
                      other ? other : "", s->text, s->colour);
        g_hash_table_insert(category_of, GSIZE_TO_POINTER(s->colour + 1), s->text);
    }
    g_hash_table_destroy(colour_of);
    g_hash_table_destroy(category_of);
}

static void run_ok(const char *project, const char *out_dir)
{
    char *args = g_strdup_printf("run '%s' -o '%s' -q", project, out_dir);
    char *err = NULL;
    int status = ts_run_covermap(args, NULL, &err);
    ck_assert_msg(status == 0, "covermap run failed (%d): %s", status, err ? err : "");
    free(err);
    g_free(args);
}

START_TEST(test_demo_maps_read_back)
{
    char *project = g_strdup_printf("%s/geodata/demo/projet.yaml", COVERMAP_SOURCE_DIR);
    char *out = g_strdup_printf("%s/out", ts_temp_dir);
    run_ok(project, out);
    char *maps = g_strdup_printf("%s/maps", out);
    char *gpkg = g_strdup_printf("%s/covermap.gpkg", out);

    georeferenced_png coverage = open_map(maps, "couverture");
    GArray *samples = sample_territories(gpkg, &coverage, "coverage_rate");
    ck_assert_int_eq(samples->len, 30);
    assert_numeric_classes(samples, 5); /* fisher-jenks, 5 classes */
    free_samples(samples);
    close_map(&coverage);

    georeferenced_png risk = open_map(maps, "risque");
    samples = sample_territories(gpkg, &risk, "risk_level");
    assert_categories(samples);
    free_samples(samples);
    close_map(&risk);

    g_free(project);
    g_free(out);
    g_free(maps);
    g_free(gpkg);
}
END_TEST

/* The real boundaries in longitude/latitude, a quantile map of a value that every
 * territory has but two. */
START_TEST(test_montreal_lonlat_map_read_back)
{
    const char *boundaries = ts_montreal_path();
    if (!boundaries) {
        printf("skipped: ../shared/geodata/montreal absent\n");
        return;
    }
    char *lonlat = g_strdup_printf("%s/mtl.geojson", ts_temp_dir);
    char *options_text[] = {"-t_srs", "EPSG:4326", "-f", "GeoJSON", NULL};
    GDALVectorTranslateOptions *options = GDALVectorTranslateOptionsNew(options_text, NULL);
    GDALDatasetH source = GDALOpenEx(boundaries, GDAL_OF_VECTOR, NULL, NULL, NULL);
    int usage_error = 0;
    GDALDatasetH written = GDALVectorTranslate(lonlat, NULL, 1, &source, options, &usage_error);
    ck_assert_ptr_nonnull(written);
    GDALClose(written);
    GDALClose(source);
    GDALVectorTranslateOptionsFree(options);

    char *project = g_strdup_printf("%s/projet.yaml", ts_temp_dir);
    char *text =
        g_strdup_printf("title: \"Montréal\"\nas_of: 2026-04-01\n"
                        "territories: { source: mtl.geojson, key: CODEID, name: NOM_OFFICIEL }\n"
                        "maps:\n  - name: numero\n    title: \"Numéro\"\n"
                        "    value: \"CASE WHEN CAST(CODEID AS INTEGER) %% 17 = 0 THEN NULL ELSE "
                        "CAST(CODEID AS INTEGER) END\"\n"
                        "    classes: { method: quantile, count: 4 }\n    formats: [png]\n"
                        "export: { geopackage: true }\n");
    FILE *f = fopen(project, "w");
    fputs(text, f);
    fclose(f);
    char *out = g_strdup_printf("%s/out", ts_temp_dir);
    run_ok(project, out);
    char *maps = g_strdup_printf("%s/maps", out);
    char *gpkg = g_strdup_printf("%s/covermap.gpkg", out);
    georeferenced_png png = open_map(maps, "numero");
    GArray *samples = sample_territories(gpkg, &png, "numero");
    ck_assert_int_eq(samples->len, 34);
    assert_numeric_classes(samples, 4);
    free_samples(samples);
    close_map(&png);
    g_free(lonlat);
    g_free(project);
    g_free(text);
    g_free(out);
    g_free(maps);
    g_free(gpkg);
}
END_TEST

int main(void)
{
    GDALAllRegister();
    Suite *s = suite_create("map_sampling");
    TCase *tc = tcase_create("read_back");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(tc, test_demo_maps_read_back);
    tcase_add_test(tc, test_montreal_lonlat_map_read_back);
    suite_add_tcase(s, tc);
    int status = ts_run_suite(s);
    GDALDestroy();
    return status;
}
