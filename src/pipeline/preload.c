/* The maps' outlines are read from the store, projected and given their label and
 * guard points in a thread that starts as soon as the boundaries are stored, while
 * the tables are read, joined and turned into indicators on the other core. The map
 * jobs, forked once the store is complete, inherit them and read only their values.
 * A failure here is not reported: the map then reads its outlines itself and
 * reports what went wrong in its own words. */
#include "pipeline/preload.h"

#include <stdlib.h>
#include <string.h>

#include "covermap/progress.h"

/* The first map using the same srs setting as maps[i], or i itself. */
static size_t first_with_same_srs(const cm_project *project, size_t i)
{
    const char *srs = project->maps[i].srs ? project->maps[i].srs : "";
    for (size_t j = 0; j < i; j++) {
        const char *other = project->maps[j].srs ? project->maps[j].srs : "";
        if (strcmp(srs, other) == 0)
            return j;
    }
    return i;
}

static void *load_all(void *arg)
{
    cm_geometry_preload *p = arg;
    for (size_t i = 0; i < p->project->map_count; i++) {
        if (atomic_load(&p->abandoned))
            break;
        if (first_with_same_srs(p->project, i) != i)
            continue;
        cm_error ignored;
        cm_error_clear(&ignored);
        if (cm_map_geometry_load(p->db_path, &p->project->maps[i], &p->abandoned, p->helpers,
                                 &p->geometries[i], &ignored) != CM_OK)
            p->geometries[i] = NULL;
    }
    cm_draw_pool_close(p->helpers);
    cm_trace_mark("preload: outlines loaded");
    return NULL;
}

void cm_preload_start(cm_geometry_preload *p, const char *db_path, const cm_project *project)
{
    memset(p, 0, sizeof *p);
    atomic_init(&p->abandoned, false);
    if (project->map_count == 0)
        return;
    p->project = project;
    p->db_path = strdup(db_path);
    p->geometries = calloc(project->map_count, sizeof *p->geometries);
    if (!p->db_path || !p->geometries) {
        cm_preload_free(p);
        return;
    }
    p->helpers = cm_draw_pool_new(); /* NULL: the thread draws every band alone */
    p->started = pthread_create(&p->thread, NULL, load_all, p) == 0;
}

void cm_preload_finish(cm_geometry_preload *p)
{
    if (p->started) {
        /* Rather than wait for the boundary layers, draw bands of them. */
        if (!atomic_load(&p->abandoned))
            cm_draw_pool_help(p->helpers);
        pthread_join(p->thread, NULL);
    }
    p->started = false;
}

void cm_preload_share_emphasis(cm_geometry_preload *p)
{
    for (size_t i = 0; p->geometries && !p->started && i < p->project->map_count; i++)
        if (p->geometries[i])
            cm_map_geometry_share_emphasis(p->geometries[i], p->db_path, p->project->maps,
                                           p->project->map_count);
}

cm_map_geometry *cm_preload_for(const cm_geometry_preload *p, const cm_map_spec *map)
{
    if (!p->geometries || p->started)
        return NULL;
    size_t i = (size_t)(map - p->project->maps);
    if (i >= p->project->map_count)
        return NULL;
    return p->geometries[first_with_same_srs(p->project, i)];
}

void cm_preload_free(cm_geometry_preload *p)
{
    atomic_store(&p->abandoned, true);
    cm_preload_finish(p);
    for (size_t i = 0; p->geometries && i < p->project->map_count; i++)
        cm_map_geometry_free(p->geometries[i]);
    free(p->geometries);
    cm_draw_pool_free(p->helpers);
    free(p->db_path);
    memset(p, 0, sizeof *p);
}
