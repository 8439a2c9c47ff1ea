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
    double started;
    double last_drawn;
    bool drawn; /* something is on the line and must be cleared */
} cm_progress;

/* Prepares a reporter on `out` (usually stderr); disabled unless out is a tty. */
void cm_progress_init(cm_progress *progress, FILE *out);
/* Starts a stage; label must outlive the stage. NULL progress is a no-op everywhere. */
void cm_progress_begin(cm_progress *progress, const char *label, size_t total);
void cm_progress_advance(cm_progress *progress, size_t steps);
/* Clears the line. */
void cm_progress_end(cm_progress *progress);

/* Developer tracing: with COVERMAP_TRACE set in the environment, prints the time
 * since the previous mark of this process and `what` on stderr. Costs one getenv
 * check per call otherwise. */
void cm_trace_mark(const char *what);

#endif
