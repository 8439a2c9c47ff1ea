/* covermap check: everything a run validates, in memory; the join in words. */
#include <stdio.h>

#include "covermap/indicators.h"
#include "covermap/ingest.h"
#include "covermap/join.h"
#include "covermap/pipeline.h"
#include "covermap/project.h"
#include "covermap/render.h"
#include "covermap/store.h"
#include "pipeline/pipeline_internal.h"

static void print_repairs(cm_store *store, FILE *out)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(cm_store_db(store),
                           "SELECT key, note FROM territory_repairs ORDER BY key", -1, &stmt,
                           NULL) == SQLITE_OK)
        while (sqlite3_step(stmt) == SQLITE_ROW)
            fprintf(out, "  territory \"%s\": %s\n", (const char *)sqlite3_column_text(stmt, 0),
                    (const char *)sqlite3_column_text(stmt, 1));
    sqlite3_finalize(stmt);
}

cm_status cm_check(const char *project_path, FILE *out, cm_error *err)
{
    cm_project *project = NULL;
    cm_status st = cm_project_load(project_path, &project, err);
    if (st != CM_OK)
        return st;
    cm_store *store = NULL;
    /* An in-memory store: check validates everything a run would and writes nothing. */
    st = cm_store_create(":memory:", &store, err);
    cm_territory_summary territories = {0};
    if (st == CM_OK)
        st = cm_ingest_territories(store, project, &territories, NULL, err);
    if (st == CM_OK) {
        fprintf(out, "%s: %zu territories (%s)", project->territories.source,
                territories.territory_count, territories.srs_name);
        if (territories.repaired_count)
            fprintf(out, ", %zu geometries repaired", territories.repaired_count);
        fputc('\n', out);
        print_repairs(store, out);
        cm_territory_summary districts;
        st = cm_ingest_districts(store, project, &districts, err);
        if (st == CM_OK && project->has_districts)
            fprintf(out, "%s: %zu districts\n", project->districts.source,
                    districts.territory_count);
        if (st == CM_OK)
            st = cm_ingest_tables(store, project, NULL, err);
    }
    if (st == CM_OK) {
        cm_join_counts counts;
        cm_status join_status = cm_join_tables(store, project, &counts, err);
        cm_error describe_err;
        cm_error_clear(&describe_err);
        if (join_status == CM_OK || join_status == CM_ERR_INPUT)
            cm_join_describe(store, out, &describe_err);
        st = join_status;
        if (st == CM_OK)
            st = cm_join_districts(store, project, err);
    }
    if (st == CM_OK)
        st = cm_indicators_compute(store, project, err);
    for (size_t i = 0; i < project->map_count && st == CM_OK; i++) {
        st = cm_map_validate_value_db(cm_store_db(store), &project->maps[i], err);
        if (st != CM_OK)
            cm_locate_map_error(project, &project->maps[i], err);
    }
    if (st == CM_OK)
        fprintf(out, "%s: ok\n", project_path);
    cm_store_close(store);
    cm_project_free(project);
    return st;
}
