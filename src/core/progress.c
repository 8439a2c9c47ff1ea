#include "covermap/progress.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cm_progress_init(cm_progress *progress, FILE *out)
{
    *progress = (cm_progress){0};
    progress->out = out;
    progress->enabled = out != NULL && isatty(fileno(out));
}

void cm_progress_stage(cm_progress *progress)
{
    if (progress)
        progress->stage_started = monotonic_seconds();
}

void cm_progress_begin(cm_progress *progress, const char *label, size_t total)
{
    if (!progress)
        return;
    progress->label = label;
    progress->total = total;
    progress->done = 0;
    progress->started = monotonic_seconds();
    progress->last_drawn = 0;
}

/* Where the one-second rule and the time shown count from: the stage's start. */
static double origin_of(const cm_progress *progress)
{
    return progress->stage_started > 0 ? progress->stage_started : progress->started;
}

static void draw(cm_progress *progress, double now)
{
    double origin = origin_of(progress);
    if (progress->total == 0 && progress->done == 0) /* nothing to count: the time */
        fprintf(progress->out, "\r\033[Kcovermap: %s… %.1f s", progress->label, now - origin);
    else if (progress->total)
        fprintf(progress->out, "\r\033[Kcovermap: %s %zu/%zu (%.0f%%)", progress->label,
                progress->done, progress->total,
                100.0 * (double)progress->done / (double)progress->total);
    else
        fprintf(progress->out, "\r\033[Kcovermap: %s %zu", progress->label, progress->done);
    fflush(progress->out);
    progress->last_drawn = now;
    progress->drawn = true;
}

void cm_progress_refresh(cm_progress *progress)
{
    if (!progress || !progress->enabled || !progress->label)
        return;
    double now = monotonic_seconds();
    double origin = origin_of(progress);
    /* A step shorter than a tenth of a second is not worth a line that flickers. */
    if (now - origin >= 1.0 && now - progress->started >= 0.1 && now - progress->last_drawn >= 0.1)
        draw(progress, now);
}

void cm_progress_advance(cm_progress *progress, size_t steps)
{
    if (!progress || !progress->enabled)
        return;
    progress->done += steps;
    /* Checking the clock is cheap next to a feature or a row, but not free: every
     * 256 steps, unless there are few (output jobs). */
    bool few = progress->total > 0 && progress->total < 256;
    if (!few && (progress->done & 255) != 0 && progress->done != progress->total)
        return;
    cm_progress_refresh(progress);
}

void cm_progress_end(cm_progress *progress)
{
    if (!progress)
        return;
    progress->label = NULL;
    if (!progress->enabled || !progress->drawn)
        return;
    fprintf(progress->out, "\r\033[K");
    fflush(progress->out);
    progress->drawn = false;
}

double cm_progress_stage_seconds(const cm_progress *progress)
{
    if (!progress || progress->stage_started <= 0)
        return 0;
    return monotonic_seconds() - progress->stage_started;
}

void cm_progress_stage_end(cm_progress *progress)
{
    cm_progress_end(progress);
    if (progress)
        progress->stage_started = 0;
}

void cm_trace_mark(const char *what)
{
    static int enabled = -1;
    /* The first mark, for a timeline across processes: made by the main thread
     * before any other thread starts (main's first step, or cm_run's when the
     * pipeline is used as a library). */
    static double origin;
    static _Thread_local double last;
    if (enabled < 0)
        enabled = getenv("COVERMAP_TRACE") != NULL;
    if (!enabled)
        return;
    double now = monotonic_seconds();
    if (origin == 0)
        origin = now;
    if (last > 0)
        fprintf(stderr, "covermap: trace [%d] at %6.3f %8.3f s  %s\n", (int)getpid(), now - origin,
                now - last, what);
    last = now;
}
