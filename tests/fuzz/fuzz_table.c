/* libFuzzer target: the table reader and the join. Each input is the indicators
 * table `t.csv` of a fixed project over two fixed territories; it is ingested into
 * a fresh in-memory store and joined. Invariants: a failure says why (a non-empty
 * message, the same status in err); everything is released on every path.
 * Violations trap so libFuzzer reports them with the input. */
#include <gdal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "covermap/error.h"
#include "covermap/ingest.h"
#include "covermap/join.h"
#include "covermap/project.h"
#include "covermap/store.h"

static const char territories_geojson[] =
    "{\"type\": \"FeatureCollection\",\n"
    " \"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::32188\"}},\n"
    " \"features\": [\n"
    "  {\"type\": \"Feature\", \"properties\": {\"nom\": \"Saint-Michel\"},\n"
    "   \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[295000, 5040000], [296000, "
    "5040000], [296000, 5041000], [295000, 5041000], [295000, 5040000]]]}},\n"
    "  {\"type\": \"Feature\", \"properties\": {\"nom\": \"Côte-des-Neiges–Notre-Dame-de-Grâce\"},\n"
    "   \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[296000, 5040000], [297000, "
    "5040000], [297000, 5041000], [296000, 5041000], [296000, 5040000]]]}}\n"
    " ]}\n";

static const char project_yaml[] =
    "title: fuzz\n"
    "as_of: 2026-04-01\n"
    "territories: {source: territoires.geojson, key: nom, name: nom}\n"
    "data:\n"
    "  - source: t.csv\n"
    "    key: territoire\n"
    "    role: indicators\n"
    "    columns: {children_0_5: enfants_0_5, families_reached: familles_rejointes,\n"
    "              children_reached: enfants_rejoints, coordinator_fte: etp_coordination}\n"
    "maps:\n"
    "  - name: couverture\n"
    "    value: coverage_rate\n"
    "    formats: [svg]\n";

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    check(f != NULL);
    check(size == 0 || fwrite(data, 1, size, f) == size);
    check(fclose(f) == 0);
}

/* Made once: the folder, its boundaries and its project (loaded once, kept). */
typedef struct {
    char dir[64];
    char table_path[4096];
    cm_project *project;
} fixture;

static fixture fx;

static void remove_in_dir(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fx.dir, name);
    unlink(path);
}

/* libFuzzer ends with exit(): leave /tmp as it was. */
static void fixture_release(void)
{
    cm_project_free(fx.project);
    fx.project = NULL;
    remove_in_dir("territoires.geojson");
    remove_in_dir("t.csv");
    remove_in_dir("projet.yaml");
    rmdir(fx.dir);
}

static const fixture *fixture_get(void)
{
    if (fx.project)
        return &fx;
    GDALAllRegister();
    cm_gdal_install_error_handler();
    char dir[] = "/tmp/covermap-fuzz-table-XXXXXX";
    check(mkdtemp(dir) != NULL);
    snprintf(fx.dir, sizeof fx.dir, "%s", dir);
    atexit(fixture_release);
    char path[4096];
    snprintf(path, sizeof path, "%s/territoires.geojson", dir);
    write_file(path, territories_geojson, strlen(territories_geojson));
    snprintf(fx.table_path, sizeof fx.table_path, "%s/t.csv", dir);
    write_file(fx.table_path, "territoire\n", strlen("territoire\n"));
    snprintf(path, sizeof path, "%s/projet.yaml", dir);
    write_file(path, project_yaml, strlen(project_yaml));
    cm_error err;
    cm_error_clear(&err);
    if (cm_project_load(path, &fx.project, &err) != CM_OK) {
        fprintf(stderr, "fuzz_table: the fixed project does not load: %s\n", err.message);
        abort();
    }
    return &fx;
}

static void check_failure(cm_status status, const cm_error *err)
{
    check(status != CM_OK && err->status == status && err->message[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fixture *fx = fixture_get();
    write_file(fx->table_path, data, size);

    cm_error err;
    cm_error_clear(&err);
    cm_store *store = NULL;
    cm_status status = cm_store_create(":memory:", &store, &err);
    if (status != CM_OK) {
        fprintf(stderr, "fuzz_table: no in-memory store: %s\n", err.message);
        abort();
    }
    cm_territory_summary summary;
    status = cm_ingest_territories(store, fx->project, &summary, NULL, &err);
    if (status != CM_OK) {
        fprintf(stderr, "fuzz_table: the fixed territories do not load: %s\n", err.message);
        abort();
    }
    check(summary.territory_count == 2);

    status = cm_ingest_tables(store, fx->project, NULL, &err);
    if (status == CM_OK) {
        cm_join_counts counts;
        memset(&counts, 0, sizeof counts);
        status = cm_join_tables(store, fx->project, &counts, &err);
        if (status != CM_OK)
            check_failure(status, &err);
    } else {
        check_failure(status, &err);
    }
    cm_store_close(store);
    cm_gdal_clear_error();
    return 0;
}
