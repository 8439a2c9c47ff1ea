/* A run's outputs are built in a staging folder inside OUTDIR and published all
 * at once: a run that fails leaves OUTDIR as it found it. */
#ifndef COVERMAP_PIPELINE_STAGING_H
#define COVERMAP_PIPELINE_STAGING_H

#include <stdbool.h>

#include "covermap/error.h"

typedef struct {
    char *out_dir;
    char *staging;      /* OUTDIR/.covermap-staging-PID-XXXXXX, with maps/ and report/ */
    char *created_root; /* the topmost folder this run created, removed on failure */
} cm_staging;

/* Creates OUTDIR (and missing parents) and a fresh staging folder in it, after
 * removing the staging folders that killed runs left. */
cm_status cm_staging_open(cm_staging *staging, const char *out_dir, cm_error *err);
/* Moves every staged file to its place in OUTDIR, all or none (the previous files
 * are put back on failure; a folder where a file goes is refused), with interrupts
 * held, then closes the staging (failed or not). */
cm_status cm_staging_publish(cm_staging *staging, cm_error *err);
/* Removes the staging folder, and when the run failed the folders it created. */
void cm_staging_close(cm_staging *staging, bool failed);
/* A path inside the staging folder (malloc'd; caller frees). */
char *cm_staged_path(const cm_staging *staging, const char *relative);
void cm_remove_tree(const char *path);

#endif
