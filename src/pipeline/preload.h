/* Loading the maps' outlines in a thread while the store is being built (preload.c). */
#ifndef COVERMAP_PIPELINE_PRELOAD_H
#define COVERMAP_PIPELINE_PRELOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "covermap/project.h"
#include "covermap/render.h"

typedef struct {
    const cm_project *project;
    char *db_path;
    cm_map_geometry **geometries; /* per map; only the first map of each srs has one */
    pthread_t thread;
    bool started;          /* the thread runs until cm_preload_finish */
    atomic_bool abandoned; /* set by cm_preload_free: the thread stops early */
    cm_draw_pool *helpers; /* cm_preload_finish's thread draws bands of the layers */
} cm_geometry_preload;

/* Starts reading the outlines of every map from db_path, whose territories must be
 * committed; the store may go on being written meanwhile. Without a thread (or with
 * no map) nothing is preloaded and every map reads its own outlines. */
void cm_preload_start(cm_geometry_preload *p, const char *db_path, const cm_project *project);
/* Waits for the thread, drawing bands of its boundary layers meanwhile. */
void cm_preload_finish(cm_geometry_preload *p);
/* Once the store is complete and the thread finished: draws the at-risk outlines
 * once for the maps that would each draw the same ones (their risk levels come from
 * the store). */
void cm_preload_share_emphasis(cm_geometry_preload *p);
/* The outlines for map (one of the project's maps), NULL when not loaded or while
 * the thread still runs. */
cm_map_geometry *cm_preload_for(const cm_geometry_preload *p, const cm_map_spec *map);
/* Tells the thread to stop after its current step, waits for it and frees
 * everything (a failed run does not wait for outlines it will not draw); a zeroed
 * p is fine. */
void cm_preload_free(cm_geometry_preload *p);

#endif
