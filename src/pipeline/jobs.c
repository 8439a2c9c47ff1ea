#include "pipeline/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int cm_job_workers(void)
{
    const char *forced = getenv("COVERMAP_JOBS");
    if (forced && forced[0]) {
        int n = atoi(forced);
        return n >= 1 ? (n > 64 ? 64 : n) : 1;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online < 1 ? 1 : online > 8 ? 8 : (int)online;
}

typedef struct {
    pid_t pid;     /* 0: not started or reaped */
    int pipe_read; /* the child's cm_error arrives here */
    cm_status status;
    cm_error error;
} job_slot;

static cm_status run_in_process(const cm_job *jobs, size_t count, cm_progress *progress,
                                cm_error *err)
{
    for (size_t i = 0; i < count; i++) {
        cm_status st = jobs[i].run(jobs[i].arg, err);
        if (st != CM_OK)
            return st;
        cm_progress_advance(progress, 1);
    }
    return CM_OK;
}

/* In the child: run, send the error back whole (cm_error is plain data), leave
 * without atexit handlers (they belong to the parent). */
static void child_main(const cm_job *job, int pipe_write)
{
    cm_error error;
    cm_error_clear(&error);
    if (job->background)
        (void)setpriority(PRIO_PROCESS, 0, 19); /* only a hint: failing changes nothing */
    cm_status st = job->run(job->arg, &error);
    error.status = st;
    const char *bytes = (const char *)&error;
    size_t left = sizeof error;
    while (left > 0) {
        ssize_t n = write(pipe_write, bytes, left);
        if (n <= 0 && errno != EINTR)
            break;
        if (n > 0) {
            bytes += n;
            left -= (size_t)n;
        }
    }
    close(pipe_write);
    _exit(st == CM_OK ? 0 : 1);
}

static void read_child_error(job_slot *slot)
{
    char *bytes = (char *)&slot->error;
    size_t got = 0;
    while (got < sizeof slot->error) {
        ssize_t n = read(slot->pipe_read, bytes + got, sizeof slot->error - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(slot->pipe_read);
    if (got != sizeof slot->error) {
        cm_error_clear(&slot->error);
        cm_error_set(&slot->error, CM_ERR_INTERNAL, "an output job ended without a report");
    }
}

/* Waits for a job's end (waitpid's answer). With a progress line on a terminal the
 * wait is cut into tenths of a second and the line drawn again in between; a job
 * whose report pipe turns readable is ending, and is then waited for. `watched`
 * has room for every job; NULL, or no progress line: one blocking wait. */
static pid_t wait_for_an_end(const job_slot *slots, size_t count, cm_progress *progress,
                             struct pollfd *watched, int *wstatus)
{
    if (!watched || !progress || !progress->enabled)
        return waitpid(-1, wstatus, 0);
    for (;;) {
        pid_t pid = waitpid(-1, wstatus, WNOHANG);
        if (pid != 0)
            return pid; /* a job ended, or none is left */
        nfds_t n = 0;
        for (size_t i = 0; i < count; i++)
            if (slots[i].pid > 0)
                watched[n++] = (struct pollfd){.fd = slots[i].pipe_read, .events = POLLIN};
        int ready = n ? poll(watched, n, 100) : 1;
        if (ready > 0 || (ready < 0 && errno != EINTR))
            return waitpid(-1, wstatus, 0);
        cm_progress_refresh(progress);
    }
}

/* A job has ended: its report is read from its pipe (a child that wrote none failed)
 * and the progress line moves on. */
static void settle(job_slot *slot, cm_progress *progress)
{
    read_child_error(slot);
    slot->status = slot->error.status;
    slot->pid = 0;
    cm_progress_advance(progress, 1);
}

/* Waits for one of the jobs to end, settles it and returns its index; count when no
 * child is left to wait for. */
static size_t reap_one(job_slot *slots, size_t count, cm_progress *progress, struct pollfd *watched)
{
    for (;;) {
        int wstatus = 0;
        pid_t pid = wait_for_an_end(slots, count, progress, watched, &wstatus);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            return count;
        for (size_t i = 0; i < count; i++) {
            if (slots[i].pid != pid)
                continue;
            settle(&slots[i], progress);
            if (WIFSIGNALED(wstatus)) {
                cm_error_clear(&slots[i].error);
                slots[i].status =
                    cm_error_set(&slots[i].error, CM_ERR_INTERNAL,
                                 "an output job was killed by signal %d", WTERMSIG(wstatus));
            }
            return i;
        }
    }
}

/* When waitpid finds no child although some were never reaped (SIGCHLD ignored: the
 * kernel reaps them, and waitpid returns once they have all ended), each one's
 * report is still in its pipe. */
static void collect_unreaped(job_slot *slots, size_t count, cm_progress *progress)
{
    for (size_t i = 0; i < count; i++)
        if (slots[i].pid > 0)
            settle(&slots[i], progress);
}

/* A report pipe that no program a job might start inherits (its open end would keep
 * the pipe from closing when the job dies). */
static int pipe_closed_on_exec(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

cm_status cm_run_jobs(const cm_job *jobs, size_t count, int workers, cm_progress *progress,
                      cm_error *err)
{
    if (workers <= 1 || count <= 1)
        return run_in_process(jobs, count, progress, err);
    job_slot *slots = calloc(count, sizeof *slots);
    if (!slots)
        return run_in_process(jobs, count, progress, err);
    /* Room to watch the jobs' pipes while a progress line is shown (without it, or
     * without the room, the line is drawn only as jobs end). */
    struct pollfd *watched = progress && progress->enabled ? calloc(count, sizeof *watched) : NULL;
    /* Buffered output would otherwise be written once by each process. */
    fflush(NULL);
    /* Background jobs start at once and take no worker's place: at their priority
     * they only use what the others leave. */
    size_t running = 0, alive = 0;
    cm_status launch_status = CM_OK;
    for (size_t i = 0; i < count; i++) {
        while (!jobs[i].background && running == (size_t)workers) {
            size_t done = reap_one(slots, count, progress, watched);
            if (done == count) { /* every child has ended */
                collect_unreaped(slots, count, progress);
                alive = running = 0;
                break;
            }
            alive--;
            running -= !jobs[done].background;
        }
        int fds[2];
        if (pipe_closed_on_exec(fds) != 0) {
            launch_status =
                cm_error_set(err, CM_ERR_IO, "cannot start an output job: %s", strerror(errno));
            break;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child_main(&jobs[i], fds[1]);
        }
        close(fds[1]);
        if (pid < 0) {
            close(fds[0]);
            launch_status =
                cm_error_set(err, CM_ERR_IO, "cannot start an output job: %s", strerror(errno));
            break;
        }
        slots[i].pid = pid;
        slots[i].pipe_read = fds[0];
        if (jobs[i].started)
            jobs[i].started(jobs[i].arg);
        alive++;
        running += !jobs[i].background;
    }
    while (alive > 0 && reap_one(slots, count, progress, watched) != count)
        alive--;
    collect_unreaped(slots, count, progress);
    cm_status st = launch_status;
    for (size_t i = 0; i < count && st == CM_OK; i++) {
        if (slots[i].status != CM_OK) {
            *err = slots[i].error;
            st = slots[i].status;
        }
    }
    free(watched);
    free(slots);
    return st;
}
