/* covermap on the real boundaries of the agglomeration of Montréal (34 territories,
 * multipart, islands, accents, apostrophes and en dashes in the official names), with
 * tables keyed the way spreadsheets write names. Skips when ../shared/geodata/montreal
 * is absent.
 *
 * Source : Ville de Montréal, limites administratives de l'agglomération (CC BY 4.0). */
#include <check.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <glib.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define VALIDATE_GPKG "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
#define N_TERRITORIES 34

/* Official names (NOM_OFFICIEL) of the territories the tables speak of. */
#define CDN "C\u00f4te-des-Neiges\u2013Notre-Dame-de-Gr\u00e2ce"
#define VSP "Villeray\u2013Saint-Michel\u2013Parc-Extension"
#define RDP "Rivi\u00e8re-des-Prairies\u2013Pointe-aux-Trembles"
#define DORVAL_ISLAND "L'\u00cele-Dorval"
#define MTL_NORD "Montr\u00e9al-Nord"

/* Indicators as a French Excel writes them: `;`, thousands with spaces, and keys without
 * accents, with hyphens for en dashes, a typographic apostrophe, upper case, a typo
 * (Pierrefond-) and a Total row. Line numbers: header 1, Côte-des-Neiges 2, ... Total 9. */
static const char indicators_csv[] = "Territoire;Enfants 0-5 ans;Familles rejointes\n"
                                     "Cote-des-Neiges-Notre-Dame-de-Grace;10 000;2 500\n"
                                     "Villeray-Saint-Michel-Parc-Extension;8 000;1 200\n"
                                     "L\u2019\u00cele-Dorval;10;1\n"
                                     "MONTREAL-NORD;6 000;900\n"
                                     "Verdun;4 000;800\n"
                                     "Riviere-des-Prairies-Pointe-aux-Trembles;7 000;700\n"
                                     "Pierrefond-Roxboro;3 000;300\n"
                                     "Total;38 010;6 401\n";

/* Grants, saved by Excel in CP1252 (no encoding declared: covermap must detect it):
 * 0x92 is the typographic apostrophe, 0xCE is Î. */
static const char funding_csv_cp1252[] =
    "Territoire;Bailleur;Montant annuel;D\xe9"
    "but;Fin;Type;Coordination\n"
    "Verdun;Ville;65 000 $;2024-01-01;;r\xe9"
    "current;oui\n"
    "COTE-DES-NEIGES-NOTRE-DAME-DE-GRACE;Fondation;65 000,00 $;01/10/2025;30/09/2026;projet;oui\n"
    "Montreal-Nord;Minist\xe8re;40 000 $;2025-01-01;2028-12-31;r\xe9"
    "current;oui\n"
    "Montreal-Nord;Fondation;30 000 $;2025-07-01;2027-06-30;projet;oui\n"
    "L\x92\xcele-Dorval;Ville;65 000 $;2026-06-01;;r\xe9"
    "current;oui\n"
    "Villeray-Saint-Michel-Parc-Extension;Centraide;65 000 $;2025-01-01;31/12/2026;"
    "r\xe9"
    "current;oui\n";

/* Writes montreal.yaml over the given boundaries into ts_temp_dir; returns its path. */
static char *write_project(const char *boundaries)
{
    ts_write_in_temp("indicateurs.csv", indicators_csv);
    ts_write_in_temp("financement.csv", funding_csv_cp1252);
    char *yaml = g_strdup_printf(
        "title: \"Concertations en petite enfance \u2014 agglom\u00e9ration de Montr\u00e9al\"\n"
        "as_of: 2026-04-01\n"
        "horizon_months: 12\n"
        "coordination_cost: 65000\n"
        "source_line: \"Source : Ville de Montr\u00e9al, limites administratives de "
        "l'agglom\u00e9ration (CC BY 4.0)\"\n"
        "territories:\n"
        "  source: '%s'\n"
        "  key: NOM_OFFICIEL\n"
        "  name: NOM_OFFICIEL\n"
        "data:\n"
        "  - source: indicateurs.csv\n"
        "    key: Territoire\n"
        "    columns: { children_0_5: Enfants 0-5 ans, families_reached: Familles rejointes }\n"
        "  - source: financement.csv\n"
        "    key: Territoire\n"
        "    role: funding\n"
        "    columns: { funder: Bailleur, amount: Montant annuel, start: \"D\u00e9but\", end: "
        "Fin,\n"
        "               kind: Type, coordination: Coordination }\n"
        "maps:\n"
        "  - name: risque\n"
        "    title: \"Quartiers \u00e0 risque de perdre leur coordination\"\n"
        "    value: risk_level\n"
        "    formats: [png]\n"
        "report: { formats: [csv] }\n"
        "export: { geopackage: true }\n",
        boundaries);
    char *path = ts_path_in(ts_temp_dir, "montreal.yaml");
    ts_write_in_temp("montreal.yaml", yaml);
    g_free(yaml);
    return path;
}

static void run_ok(const char *project, const char *out_dir)
{
    char *args = g_strdup_printf("run '%s' -o '%s' -q", project, out_dir);
    char *err = NULL;
    int status = ts_run_covermap(args, NULL, &err);
    ck_assert_msg(status == 0, "covermap %s: exit %d: %s", args, status, err ? err : "");
    free(err);
    g_free(args);
}

/* ---- reading back ---- */

/* RFC 4180 rows, each a NULL-terminated gchar** owned by the array. */
static GPtrArray *load_csv(const char *dir, const char *relative)
{
    char *path = ts_path_in(dir, relative);
    char *text = ts_read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    GPtrArray *fields = g_ptr_array_new();
    GString *field = g_string_new(NULL);
    bool in_quotes = false;
    for (const char *p = text; *p; p++) {
        if (in_quotes) {
            if (*p == '"' && p[1] == '"')
                g_string_append_c(field, *p++);
            else if (*p == '"')
                in_quotes = false;
            else
                g_string_append_c(field, *p);
        } else if (*p == '"') {
            in_quotes = true;
        } else if (*p == ',' || *p == '\n') {
            g_ptr_array_add(fields, g_string_free(field, FALSE));
            field = g_string_new(NULL);
            if (*p == '\n') {
                g_ptr_array_add(fields, NULL);
                g_ptr_array_add(rows, g_ptr_array_free(fields, FALSE));
                fields = g_ptr_array_new();
            }
        } else if (*p != '\r') {
            g_string_append_c(field, *p);
        }
    }
    ck_assert_msg(field->len == 0 && fields->len == 0, "%s does not end with a newline", path);
    g_string_free(field, TRUE);
    g_ptr_array_free(fields, TRUE);
    free(text);
    free(path);
    return rows;
}

/* The values of one field of a layer (default: the first) of a vector source, in layer
 * order; g_strfreev. */
static char **field_values(const char *source, const char *layer_name, const char *field)
{
    GDALDatasetH ds = GDALOpenEx(source, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    ck_assert_msg(ds != NULL, "GDAL cannot open %s", source);
    OGRLayerH layer =
        layer_name ? GDALDatasetGetLayerByName(ds, layer_name) : GDALDatasetGetLayer(ds, 0);
    ck_assert_ptr_nonnull(layer);
    int idx = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), field);
    ck_assert_msg(idx >= 0, "%s has no field %s", source, field);
    GPtrArray *values = g_ptr_array_new();
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        g_ptr_array_add(values, g_strdup(OGR_F_GetFieldAsString(f, idx)));
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    g_ptr_array_add(values, NULL);
    return (char **)g_ptr_array_free(values, FALSE);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_values(const char *source, const char *layer_name, const char *field)
{
    char **values = field_values(source, layer_name, field);
    qsort(values, g_strv_length(values), sizeof *values, compare_strings);
    return values;
}

static void assert_same_strv(char **a, char **b)
{
    ck_assert_uint_eq(g_strv_length(a), g_strv_length(b));
    for (guint i = 0; a[i]; i++)
        ck_assert_str_eq(a[i], b[i]);
}

static void assert_gpkg(const char *out_dir, const char *epsg, char **official_names)
{
    char *gpkg = ts_path_in(out_dir, "covermap.gpkg");
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    ck_assert_msg(ds != NULL, "cannot open %s", gpkg);
    OGRLayerH layer = GDALDatasetGetLayerByName(ds, "territories");
    ck_assert_ptr_nonnull(layer);
    ck_assert_int_eq(OGR_L_GetFeatureCount(layer, TRUE), N_TERRITORIES);
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
    ck_assert_ptr_nonnull(srs);
    const char *code = OSRGetAuthorityCode(srs, NULL);
    ck_assert_ptr_nonnull(code);
    ck_assert_str_eq(code, epsg);
    GDALClose(ds);

    char **names = sorted_values(gpkg, "territories", "name");
    assert_same_strv(names, official_names);
    g_strfreev(names);

    if (ts_file_exists(VALIDATE_GPKG)) {
        char *cmd = g_strdup_printf("/usr/bin/python3 '%s' '%s'", VALIDATE_GPKG, gpkg);
        char *err = NULL;
        int status = ts_run(cmd, NULL, &err);
        ck_assert_msg(status == 0, "validate_gpkg.py: %s", err ? err : "");
        free(err);
        g_free(cmd);
    } else {
        fprintf(stderr, "validate_gpkg.py absent: GeoPackage validation skipped\n");
    }
    free(gpkg);
}

struct join_expectation {
    const char *table, *source_key, *status, *territory_key;
    const char *note_has[3];
};

/* Finds the join-report row of (table, source_key) and checks it. */
static void assert_join_row(GPtrArray *rows, const struct join_expectation *e)
{
    int found = 0;
    for (guint i = 1; i < rows->len; i++) {
        char **row = g_ptr_array_index(rows, i);
        if (strcmp(row[0], e->table) != 0 || strcmp(row[1], e->source_key) != 0)
            continue;
        found++;
        ck_assert_str_eq(row[2], e->status);
        ck_assert_str_eq(row[3], e->territory_key);
        for (int n = 0; n < 3 && e->note_has[n]; n++)
            ck_assert_msg(strstr(row[4], e->note_has[n]) != NULL, "%s %s: note lacks '%s': %s",
                          e->table, e->source_key, e->note_has[n], row[4]);
    }
    ck_assert_msg(found == 1, "%s %s: %d rows in the join report", e->table, e->source_key, found);
}

static int count_status(GPtrArray *rows, const char *table, const char *status)
{
    int n = 0;
    for (guint i = 1; i < rows->len; i++) {
        char **row = g_ptr_array_index(rows, i);
        if (strcmp(row[0], table) == 0 && strcmp(row[2], status) == 0)
            n++;
    }
    return n;
}

static bool has_no_data_row(GPtrArray *rows, const char *table, const char *territory)
{
    for (guint i = 1; i < rows->len; i++) {
        char **row = g_ptr_array_index(rows, i);
        if (strcmp(row[0], table) == 0 && strcmp(row[2], "no-data") == 0 &&
            strcmp(row[3], territory) == 0)
            return true;
    }
    return false;
}

static void assert_join_report(const char *out_dir)
{
    GPtrArray *rows = load_csv(out_dir, "report/join-report.csv");
    static const struct join_expectation expected[] = {
        {"indicateurs.csv",
         "Cote-des-Neiges-Notre-Dame-de-Grace",
         "normalised",
         CDN,
         {"accent", "dash", NULL}},
        {"indicateurs.csv",
         "Villeray-Saint-Michel-Parc-Extension",
         "normalised",
         VSP,
         {"dash", NULL, NULL}},
        {"indicateurs.csv",
         "L\u2019\u00cele-Dorval",
         "normalised",
         DORVAL_ISLAND,
         {"apostrophe", NULL, NULL}},
        {"indicateurs.csv", "MONTREAL-NORD", "normalised", MTL_NORD, {"case", "accent", NULL}},
        {"indicateurs.csv", "Verdun", "matched", "Verdun", {NULL, NULL, NULL}},
        {"indicateurs.csv",
         "Riviere-des-Prairies-Pointe-aux-Trembles",
         "normalised",
         RDP,
         {"accent", "dash", NULL}},
        {"indicateurs.csv", "Pierrefond-Roxboro", "unmatched", "", {"Pierrefonds-Roxboro", NULL}},
        {"indicateurs.csv", "Total", "unmatched", "", {NULL, NULL, NULL}},
        {"financement.csv", "Verdun", "matched", "Verdun", {NULL, NULL, NULL}},
        {"financement.csv",
         "COTE-DES-NEIGES-NOTRE-DAME-DE-GRACE",
         "normalised",
         CDN,
         {"case", "accent", "dash"}},
        {"financement.csv", "Montreal-Nord", "normalised", MTL_NORD, {"accent", "2 rows", NULL}},
        /* read from CP1252: the key comes back as UTF-8 */
        {"financement.csv",
         "L\u2019\u00cele-Dorval",
         "normalised",
         DORVAL_ISLAND,
         {"apostrophe", NULL, NULL}},
        {"financement.csv",
         "Villeray-Saint-Michel-Parc-Extension",
         "normalised",
         VSP,
         {"dash", NULL, NULL}},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_join_row(rows, &expected[i]);

    /* indicators: 6 territories have a row, so 28 have none (Pierrefonds-Roxboro among
     * them: the typo joins nothing); funding: 5 territories, 29 without */
    ck_assert_int_eq(count_status(rows, "indicateurs.csv", "matched"), 1);
    ck_assert_int_eq(count_status(rows, "indicateurs.csv", "normalised"), 5);
    ck_assert_int_eq(count_status(rows, "indicateurs.csv", "unmatched"), 2);
    ck_assert_int_eq(count_status(rows, "indicateurs.csv", "no-data"), N_TERRITORIES - 6);
    ck_assert_int_eq(count_status(rows, "financement.csv", "matched"), 1);
    ck_assert_int_eq(count_status(rows, "financement.csv", "normalised"), 4);
    ck_assert_int_eq(count_status(rows, "financement.csv", "no-data"), N_TERRITORIES - 5);
    ck_assert_uint_eq(rows->len, 1 + 8 + (N_TERRITORIES - 6) + 5 + (N_TERRITORIES - 5));
    ck_assert(has_no_data_row(rows, "indicateurs.csv", "Pierrefonds-Roxboro"));
    ck_assert(has_no_data_row(rows, "indicateurs.csv", "Anjou"));
    ck_assert(!has_no_data_row(rows, "indicateurs.csv", "Verdun"));
    ck_assert(has_no_data_row(rows, "financement.csv", RDP));
    g_ptr_array_free(rows, TRUE);
}

struct gap_expectation {
    const char *name, *risk_level, *months_funded, *shortfall, *families_reached, *coverage_rate;
};

static void assert_gap_row(char **row, const struct gap_expectation *e)
{
    ck_assert_str_eq(row[0], e->name); /* key: NOM_OFFICIEL, name: NOM_OFFICIEL */
    ck_assert_str_eq(row[1], e->name);
    ck_assert_str_eq(row[2], e->risk_level);
    ck_assert_str_eq(row[3], e->months_funded);
    ck_assert_str_eq(row[4], e->shortfall);
    ck_assert_str_eq(row[5], e->families_reached);
    if (e->coverage_rate[0]) {
        ck_assert_double_eq_tol(strtod(row[6], NULL), strtod(e->coverage_rate, NULL), 1e-9);
    } else {
        ck_assert_str_eq(row[6], "");
    }
}

static void assert_gap_report(const char *out_dir, char **official_names)
{
    GPtrArray *rows = load_csv(out_dir, "report/gap-report.csv");
    ck_assert_uint_eq(rows->len, 1 + N_TERRITORIES);

    /* as_of 2026-04-01, horizon 2026-04-01..2027-03-31 (365 days), cost 65 000:
     * - Verdun: 65 000 recurrent open-ended: stable, never stops, nothing short.
     * - Côte-des-Neiges–NDG: 65 000 project 2025-10-01..2026-09-30: at-risk, 6 months,
     *   short 182 days (Oct..Mar) x 65 000 / 365 = 32 410.96 -> 32411.
     * - Villeray–Saint-Michel–Parc-Extension: 65 000 recurrent to 2026-12-31: at-risk,
     *   2026-04-01 + 9 months = 2027-01-01 = D + 1 -> 9 months; short 90 days (Jan..Mar
     *   2027) x 65 000 / 365 = 16 027.40 -> 16027.
     * - Montréal-Nord: 40 000 recurrent + 30 000 project to 2027-06-30: fragile, 15
     *   months (2027-07-01 = D + 1), nothing short.
     * - L'Île-Dorval: 65 000 recurrent only from 2026-06-01: no-coordination, 0 months,
     *   short 61 days (Apr, May) x 65 000 / 365 = 10 863.01 -> 10863.
     * - every other territory (Rivière-des-Prairies among them): no grant at all,
     *   no-coordination, short the whole year: 65 000.
     * Coverage: families per 100 children: 25, 15, 10, 15, 20, 10. */
    static const struct gap_expectation named[] = {
        {RDP, "no-coordination", "0", "65000", "700", "10"},
        {DORVAL_ISLAND, "no-coordination", "0", "10863", "1", "10"},
        {CDN, "at-risk", "6", "32411", "2500", "25"},
        {VSP, "at-risk", "9", "16027", "1200", "15"},
        {MTL_NORD, "fragile", "15", "0", "900", "15"},
        {"Verdun", "stable", "", "0", "800", "20"},
    };
    /* order: risk, then shortfall (largest first), then families reached (unknown last):
     * Rivière-des-Prairies leads the 29 territories short 65 000 (the only one with
     * families reached), then the 28 others by key, then the five above */
    const guint positions[] = {1,
                               N_TERRITORIES - 4,
                               N_TERRITORIES - 3,
                               N_TERRITORIES - 2,
                               N_TERRITORIES - 1,
                               N_TERRITORIES};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        assert_gap_row(g_ptr_array_index(rows, positions[i]), &named[i]);

    const char *previous_key = "";
    for (guint r = 2; r <= N_TERRITORIES - 5; r++) {
        char **row = g_ptr_array_index(rows, r);
        const struct gap_expectation unfunded = {row[0], "no-coordination", "0", "65000", "", ""};
        assert_gap_row(row, &unfunded);
        ck_assert_msg(strcmp(previous_key, row[0]) < 0, "%s listed after %s", row[0], previous_key);
        previous_key = row[0];
    }

    /* every official name once, intact */
    GPtrArray *names = g_ptr_array_new();
    for (guint r = 1; r < rows->len; r++)
        g_ptr_array_add(names, ((char **)g_ptr_array_index(rows, r))[1]);
    qsort(names->pdata, names->len, sizeof(gpointer), compare_strings);
    g_ptr_array_add(names, NULL);
    assert_same_strv((char **)names->pdata, official_names);
    g_ptr_array_free(names, TRUE);
    g_ptr_array_free(rows, TRUE);
}

/* The map's world file: six numbers, the pixel size first (metres, a few per pixel for a
 * 40 km wide agglomeration; degrees would be ~1e-4). Returns the pixel width. */
static double world_file_pixel_size(const char *out_dir)
{
    char *path = ts_path_in(out_dir, "maps/risque.pgw");
    char *text = ts_read_file(path, NULL);
    ck_assert_msg(text != NULL, "no world file %s", path);
    double values[6];
    char *p = text;
    for (int i = 0; i < 6; i++) {
        char *end = NULL;
        values[i] = strtod(p, &end);
        ck_assert_msg(end != p, "world file value %d unreadable: %s", i + 1, text);
        p = end;
    }
    ck_assert_double_eq_tol(values[1], 0.0, 1e-9);
    ck_assert_double_eq_tol(values[2], 0.0, 1e-9);
    ck_assert_double_eq_tol(values[3], -values[0], 1e-9); /* square pixels, north up */
    free(text);
    free(path);
    return values[0];
}

static void assert_map_in_metres(const char *out_dir)
{
    char *png = ts_path_in(out_dir, "maps/risque.png");
    ck_assert_msg(ts_file_exists(png), "no map %s", png);
    double pixel = world_file_pixel_size(out_dir);
    ck_assert_msg(pixel > 1.0 && pixel < 1000.0, "pixel size %g is not metres", pixel);

    /* GDAL reads the same georeferencing; when the CRS side file is there, it must say
     * the same thing: a projected CRS in metres */
    char *aux = ts_path_in(out_dir, "maps/risque.png.aux.xml");
    if (ts_file_exists(aux)) {
        GDALDatasetH ds = GDALOpen(png, GA_ReadOnly);
        ck_assert_ptr_nonnull(ds);
        double transform[6];
        ck_assert_int_eq(GDALGetGeoTransform(ds, transform), CE_None);
        ck_assert_double_eq_tol(transform[1], pixel, 1e-6);
        OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(ds));
        ck_assert_msg(srs != NULL && OSRIsProjected(srs), "the map's CRS is not projected: %s",
                      GDALGetProjectionRef(ds));
        ck_assert_double_eq_tol(OSRGetLinearUnits(srs, NULL), 1.0, 1e-12);
        OSRDestroySpatialReference(srs);
        GDALClose(ds);
    }
    free(aux);
    free(png);
}

START_TEST(test_official_boundaries)
{
    const char *boundaries = ts_montreal_path();
    ck_assert_ptr_nonnull(boundaries);
    char **official = sorted_values(boundaries, NULL, "NOM_OFFICIEL");
    ck_assert_uint_eq(g_strv_length(official), N_TERRITORIES);

    char *project = write_project(boundaries);
    char *out_dir = ts_path_in(ts_temp_dir, "out");
    run_ok(project, out_dir);
    assert_gpkg(out_dir, "32188", official);
    assert_join_report(out_dir);
    assert_gap_report(out_dir, official);
    assert_map_in_metres(out_dir);

    g_strfreev(official);
    g_free(project);
    free(out_dir);
}
END_TEST

/* The same boundaries reprojected to longitude/latitude by GDAL (ogr2ogr in-process). */
static char *write_lonlat_boundaries(const char *boundaries)
{
    char *path = ts_path_in(ts_temp_dir, "limites-4326.geojson");
    GDALDatasetH src = GDALOpenEx(boundaries, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(src);
    char *argv[] = {"-f", "GeoJSON", "-t_srs", "EPSG:4326", NULL};
    GDALVectorTranslateOptions *options = GDALVectorTranslateOptionsNew(argv, NULL);
    ck_assert_ptr_nonnull(options);
    int usage_error = 0;
    GDALDatasetH dst = GDALVectorTranslate(path, NULL, 1, &src, options, &usage_error);
    ck_assert_msg(dst != NULL && !usage_error, "reprojection to EPSG:4326 failed");
    GDALClose(dst);
    GDALVectorTranslateOptionsFree(options);
    GDALClose(src);
    return path;
}

/* dir_a/relative and dir_b/relative hold the same bytes; between names the two runs. */
static void assert_same_bytes(const char *dir_a, const char *dir_b, const char *relative,
                              const char *between)
{
    char *a = ts_path_in(dir_a, relative), *b = ts_path_in(dir_b, relative);
    size_t size_a = 0, size_b = 0;
    char *bytes_a = ts_read_file(a, &size_a), *bytes_b = ts_read_file(b, &size_b);
    ck_assert_ptr_nonnull(bytes_a);
    ck_assert_ptr_nonnull(bytes_b);
    ck_assert_msg(size_a == size_b && memcmp(bytes_a, bytes_b, size_a) == 0,
                  "%s differs between %s", relative, between);
    free(bytes_a);
    free(bytes_b);
    free(a);
    free(b);
}

START_TEST(test_lonlat_boundaries)
{
    const char *boundaries = ts_montreal_path();
    ck_assert_ptr_nonnull(boundaries);
    char **official = sorted_values(boundaries, NULL, "NOM_OFFICIEL");

    /* reference: the boundaries as published */
    char *project = write_project(boundaries);
    char *reference = ts_path_in(ts_temp_dir, "out-mtm");
    run_ok(project, reference);
    g_free(project);

    char *lonlat = write_lonlat_boundaries(boundaries);
    char **lonlat_names = sorted_values(lonlat, NULL, "NOM_OFFICIEL");
    assert_same_strv(lonlat_names, official);
    g_strfreev(lonlat_names);
    project = write_project(lonlat);
    char *out_dir = ts_path_in(ts_temp_dir, "out-4326");
    run_ok(project, out_dir);

    assert_gpkg(out_dir, "4326", official);
    assert_join_report(out_dir);
    assert_gap_report(out_dir, official);
    /* drawn in a local projection, so the world file is in metres, not degrees */
    assert_map_in_metres(out_dir);

    /* the join and the gap do not depend on the CRS: same bytes */
    static const char *const reports[] = {"report/join-report.csv", "report/gap-report.csv"};
    for (int i = 0; i < 2; i++)
        assert_same_bytes(reference, out_dir, reports[i], "the MTM and the lon/lat boundaries");
    g_strfreev(official);
    g_free(lonlat);
    g_free(project);
    free(reference);
    free(out_dir);
}
END_TEST

/* Two maps sharing their page and at-risk outlines (which the run draws once) are the
 * same bytes as when each map draws its own (COVERMAP_JOBS=1: one process, nothing
 * shared). The smallest territories get a narrower outline than their neighbours, so
 * the page draws several widths, whose passes must round alike either way. */
START_TEST(test_shared_outlines_same_bytes)
{
    const char *boundaries = ts_montreal_path();
    ck_assert_ptr_nonnull(boundaries);
    char *project = write_project(boundaries);
    char *yaml = ts_read_file(project, NULL);
    ck_assert_ptr_nonnull(yaml);
    const char *maps_key = "maps:\n";
    char *at = strstr(yaml, maps_key);
    ck_assert_ptr_nonnull(at);
    *at = '\0';
    char *two_maps = g_strdup_printf("%smaps:\n  - name: couverture\n    value: coverage_rate\n"
                                     "    formats: [png]\n%s",
                                     yaml, at + strlen(maps_key));
    ts_write_in_temp("two-maps.yaml", two_maps);
    char *two = ts_path_in(ts_temp_dir, "two-maps.yaml");
    char *shared = ts_path_in(ts_temp_dir, "out-shared");
    run_ok(two, shared);
    char *alone = ts_path_in(ts_temp_dir, "out-alone");
    char *command =
        g_strdup_printf("COVERMAP_JOBS=1 '%s' run '%s' -o '%s' -q", COVERMAP_BINARY, two, alone);
    ck_assert_int_eq(ts_run(command, NULL, NULL), 0);
    static const char *const files[] = {"maps/couverture.png", "maps/risque.png"};
    for (int i = 0; i < 2; i++)
        assert_same_bytes(shared, alone, files[i], "one process and several");
    g_free(command);
    free(alone);
    free(shared);
    free(two);
    g_free(two_maps);
    free(yaml);
    g_free(project);
}
END_TEST

int main(void)
{
    if (!ts_montreal_path()) {
        printf("skipped: ../shared/geodata/montreal absent\n");
        return 77;
    }
    GDALAllRegister();
    Suite *s = suite_create("montreal");
    TCase *tc = tcase_create("montreal");
    tcase_add_checked_fixture(tc, ts_temp_setup, ts_temp_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_official_boundaries);
    tcase_add_test(tc, test_lonlat_boundaries);
    tcase_add_test(tc, test_shared_outlines_same_bytes);
    suite_add_tcase(s, tc);
    int status = ts_run_suite(s);
    GDALDestroy();
    return status;
}
