/* Independent output jobs (one map, the report, the GeoPackage) run side by side in
 * worker processes, one per core: each writes its own files in the staging folder. */
#ifndef COVERMAP_PIPELINE_JOBS_H
#define COVERMAP_PIPELINE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "covermap/error.h"
#include "covermap/progress.h"

typedef cm_status (*cm_job_fn)(void *arg, cm_error *err);

typedef struct {
    cm_job_fn run;
    void *arg;
    /* Started at once without taking a worker's place; its process runs at the
     * lowest priority, on whatever CPU the others leave (which jobs: run.c). */
    bool background;
    /* When not NULL, called with arg in this process as soon as the job runs in its
     * own (not when it runs in this one): what this process keeps for the job only
     * can be released there. */
    void (*started)(void *arg);
} cm_job;

/* How many jobs may run at once: COVERMAP_JOBS when set (1 runs everything in this
 * process), else the number of online processors, at most 8. */
int cm_job_workers(void);

/* Runs the jobs, at most `workers` at a time, and waits for all of them. On failure
 * returns the error of the first failed job in job order (whatever finished first),
 * so that the same inputs always give the same message. progress (may be NULL)
 * advances by one as each job ends; the caller begins and ends its step. */
cm_status cm_run_jobs(const cm_job *jobs, size_t count, int workers, cm_progress *progress,
                      cm_error *err);

#endif
