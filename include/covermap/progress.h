/* Progress on stderr for stages that take more than a second, only when stderr is
 * a terminal: logs and pipes get nothing. */
#ifndef COVERMAP_PROGRESS_H
#define COVERMAP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *out; /* NULL or not a terminal: disabled */
    bool enabled;
    const char *label;
    size_t total; /* 0 when unknown */
    size_t done;
    double started;       /* of the step (cm_progress_begin) */
    double stage_started; /* of the stage it belongs to; 0 outside a stage */
    double last_drawn;
    bool drawn; /* something is on the line and must be cleared */
} cm_progress;

/* Prepares a reporter on `out` (usually stderr); disabled unless out is a tty. */
void cm_progress_init(cm_progress *progress, FILE *out);
/* A pipeline stage starts: the display shows once the stage (not the step) has
 * lasted a second, so a stage of several short steps still shows its last ones. */
void cm_progress_stage(cm_progress *progress);
/* Starts a step; label must outlive the step. NULL progress is a no-op everywhere. */
void cm_progress_begin(cm_progress *progress, const char *label, size_t total);
void cm_progress_advance(cm_progress *progress, size_t steps);
/* Draws the line again if it is due (a step that advances rarely: output jobs). */
void cm_progress_refresh(cm_progress *progress);
/* Clears the line: the step ends (the stage goes on until cm_progress_stage_end). */
void cm_progress_end(cm_progress *progress);
/* Seconds since the stage began (0 outside a stage). */
double cm_progress_stage_seconds(const cm_progress *progress);
/* The stage ends: clears the line and forgets the stage's start. */
void cm_progress_stage_end(cm_progress *progress);

/* Developer tracing: with COVERMAP_TRACE set in the environment, prints the time
 * since the previous mark of this process and `what` on stderr. Costs one getenv
 * check per call otherwise. */
void cm_trace_mark(const char *what);

#endif
