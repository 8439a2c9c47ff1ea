/* The output jobs: each runs once, the first failure in job order is the one
 * reported, and background jobs run at the lowest priority without taking the
 * place of a worker. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/jobs.h"
#include "test_support.h"

typedef struct {
    const char *marker;  /* written when the job has run (in the temp folder) */
    const char *awaited; /* a marker to wait for first, or NULL */
    bool fail;
    bool check_background_priority;
} job_spec;

static bool wait_for(const char *name, double seconds)
{
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (double waited = 0; waited < seconds; waited += 0.01) {
        if (ts_file_exists(ts_in_temp(name)))
            return true;
        nanosleep(&pause, NULL);
    }
    return false;
}

static cm_status run_spec(void *arg, cm_error *err)
{
    const job_spec *spec = arg;
    if (spec->awaited && !wait_for(spec->awaited, 10))
        return cm_error_set(err, CM_ERR_INTERNAL, "%s never came", spec->awaited);
    if (spec->check_background_priority && getpriority(PRIO_PROCESS, 0) < 19)
        return cm_error_set(err, CM_ERR_INTERNAL, "background job at priority %d",
                            getpriority(PRIO_PROCESS, 0));
    if (!ts_write_file(ts_in_temp(spec->marker), spec->marker))
        return cm_error_set(err, CM_ERR_IO, "cannot write %s", spec->marker);
    /* Every run of every job leaves a line: its marker and its process. */
    FILE *log = fopen(ts_in_temp("runs.log"), "a");
    if (!log)
        return cm_error_set(err, CM_ERR_IO, "cannot open the run log");
    fprintf(log, "%s %ld\n", spec->marker, (long)getpid());
    fclose(log);
    if (spec->fail)
        return cm_error_set(err, CM_ERR_INPUT, "job %s failed", spec->marker);
    return CM_OK;
}

START_TEST(every_job_runs_once_in_its_own_process)
{
    job_spec specs[] = {{"a", NULL, false, false},
                        {"b", NULL, false, true},
                        {"c", NULL, false, false},
                        {"d", NULL, false, true},
                        {"e", NULL, false, false}};
    cm_job jobs[5];
    for (size_t i = 0; i < 5; i++)
        jobs[i] = (cm_job){run_spec, &specs[i], specs[i].check_background_priority, NULL};
    int priority = getpriority(PRIO_PROCESS, 0);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_msg(cm_run_jobs(jobs, 5, 2, NULL, &err) == CM_OK, "%s", err.message);
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(ts_file_exists(ts_in_temp(specs[i].marker)), "job %s did not run",
                      specs[i].marker);
    /* The background jobs ran in children: this process kept its priority. */
    ck_assert_int_eq(getpriority(PRIO_PROCESS, 0), priority);
    /* Each job ran once, in a process of its own. */
    char *log = ts_read_file(ts_in_temp("runs.log"), NULL);
    ck_assert_ptr_nonnull(log);
    long pids[5] = {0};
    int lines = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        char marker[8];
        long pid = 0;
        ck_assert_int_eq(sscanf(line, "%7s %ld", marker, &pid), 2);
        int job = marker[0] - 'a';
        ck_assert(job >= 0 && job < 5);
        ck_assert_msg(pids[job] == 0, "job %s ran twice", marker);
        ck_assert_int_ne(pid, (long)getpid());
        pids[job] = pid;
    }
    ck_assert_int_eq(lines, 5);
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            ck_assert_int_ne(pids[i], pids[j]);
    free(log);
}
END_TEST

/* With two workers, the background job and the first foreground job both wait for
 * the second foreground job: that only ends if the background job left it a place. */
START_TEST(background_jobs_take_no_worker_place)
{
    job_spec specs[] = {{"background", "second", false, true},
                        {"first", "second", false, false},
                        {"second", NULL, false, false}};
    cm_job jobs[3] = {{run_spec, &specs[0], true, NULL},
                      {run_spec, &specs[1], false, NULL},
                      {run_spec, &specs[2], false, NULL}};
    cm_error err;
    cm_error_clear(&err);
    ck_assert_msg(cm_run_jobs(jobs, 3, 2, NULL, &err) == CM_OK, "%s", err.message);
    ck_assert(ts_file_exists(ts_in_temp("background")));
    ck_assert(ts_file_exists(ts_in_temp("first")));
}
END_TEST

/* The later job fails first; the earlier one fails after it: the earlier one's
 * error is reported, whatever the timing. */
START_TEST(first_failure_in_job_order_wins)
{
    job_spec specs[] = {{"early", "late", true, false}, {"late", NULL, true, false}};
    cm_job jobs[2] = {{run_spec, &specs[0], false, NULL}, {run_spec, &specs[1], true, NULL}};
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_run_jobs(jobs, 2, 2, NULL, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.message, "job early failed");
}
END_TEST

/* With SIGCHLD ignored the kernel reaps the children itself: a failed job is still
 * reported, from what it left in its pipe. */
/* With SIGCHLD ignored the kernel reaps the jobs, and their reports still decide:
 * with the blocking wait (_i = 0) and with the progress line's wait (poll, then
 * waitpid; _i = 1). */
START_TEST(failures_survive_an_ignored_sigchld)
{
    bool with_progress = _i == 1;
    signal(SIGCHLD, SIG_IGN);
    job_spec specs[] = {{"fine", NULL, false, false}, {"broken", NULL, true, false}};
    cm_job jobs[2] = {{run_spec, &specs[0], false, NULL}, {run_spec, &specs[1], false, NULL}};
    cm_progress progress;
    FILE *out = ts_progress_into(&progress, true, 0);
    cm_progress_begin(&progress, "drawing maps", 2);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_run_jobs(jobs, 2, 2, with_progress ? &progress : NULL, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.message, "job broken failed");
    ck_assert_uint_eq(progress.done, with_progress ? 2 : 0);
    signal(SIGCHLD, SIG_DFL);
    cm_progress_stage_end(&progress);
    fclose(out);
}
END_TEST

/* One worker runs the jobs here, in order, and stops at the first failure. */
START_TEST(one_worker_runs_in_process_in_order)
{
    job_spec specs[] = {
        {"one", NULL, false, false}, {"two", NULL, true, false}, {"three", NULL, false, false}};
    cm_job jobs[3] = {{run_spec, &specs[0], false, NULL},
                      {run_spec, &specs[1], true, NULL},
                      {run_spec, &specs[2], false, NULL}};
    int priority = getpriority(PRIO_PROCESS, 0);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_run_jobs(jobs, 3, 1, NULL, &err), CM_ERR_INPUT);
    ck_assert_str_eq(err.message, "job two failed");
    ck_assert_int_eq(getpriority(PRIO_PROCESS, 0), priority); /* nothing lowered here */
    ck_assert(ts_file_exists(ts_in_temp("one")));
    ck_assert(!ts_file_exists(ts_in_temp("three")));
}
END_TEST

static int starts_seen;

static cm_status sleep_a_little(void *arg, cm_error *err)
{
    (void)err;
    struct timespec pause = {0, *(const long *)arg};
    nanosleep(&pause, NULL);
    return CM_OK;
}

/* A job's value: 1 in the process that runs it. */
static cm_status mark_ran(void *arg, cm_error *err)
{
    (void)err;
    *(int *)arg = 1;
    return CM_OK;
}

static void count_start(void *arg)
{
    (void)arg;
    starts_seen++;
}

/* The started hook runs in the parent, once per job forked, and never for jobs run
 * in this process; what a forked job writes stays in its own process. */
START_TEST(started_hook_runs_in_the_parent_for_forked_jobs)
{
    int ran[2] = {0, 0};
    cm_job jobs[2] = {{mark_ran, &ran[0], false, count_start}, {mark_ran, &ran[1], false, NULL}};
    cm_error err;
    cm_error_clear(&err);
    starts_seen = 0;
    ck_assert_int_eq(cm_run_jobs(jobs, 2, 2, NULL, &err), CM_OK);
    ck_assert_int_eq(starts_seen, 1);
    ck_assert_int_eq(ran[0] + ran[1], 0); /* they ran in their own processes */
    ck_assert_int_eq(cm_run_jobs(jobs, 2, 1, NULL, &err), CM_OK);
    ck_assert_int_eq(starts_seen, 1);
    ck_assert_int_eq(ran[0] + ran[1], 2);
}
END_TEST

/* On a terminal, a stage of jobs that lasts over a second shows how many have
 * ended, drawn again while the parent waits, and leaves a clean line. */
START_TEST(jobs_show_their_progress)
{
    long pause_ns[3] = {350 * 1000 * 1000, 600 * 1000 * 1000, 850 * 1000 * 1000};
    cm_job jobs[3];
    for (size_t i = 0; i < 3; i++)
        jobs[i] = (cm_job){sleep_a_little, &pause_ns[i], false, NULL};
    cm_progress progress;
    FILE *out = ts_progress_into(&progress, true, 2); /* a stage already two seconds long */
    cm_progress_begin(&progress, "drawing maps", 3);
    cm_error err;
    cm_error_clear(&err);
    ck_assert_msg(cm_run_jobs(jobs, 3, 3, &progress, &err) == CM_OK, "%s", err.message);
    ck_assert_uint_eq(progress.done, 3);
    cm_progress_end(&progress);
    char *text = ts_read_stream(out);
    /* Drawn while none had ended (the wait is cut into tenths of a second). */
    ck_assert_msg(strstr(text, "covermap: drawing maps 0/3 (0%)"), "%s", text);
    ck_assert_msg(strstr(text, "covermap: drawing maps 1/3 (33%)"), "%s", text);
    size_t length = strlen(text);
    ck_assert_uint_ge(length, 4);
    ck_assert_str_eq(text + length - 4, "\r\033[K"); /* the line is cleared */
    free(text);
    fclose(out);

    /* Not a terminal: nothing at all. */
    out = ts_progress_into(&progress, false, 2);
    cm_progress_begin(&progress, "drawing maps", 3);
    ck_assert_msg(cm_run_jobs(jobs, 3, 3, &progress, &err) == CM_OK, "%s", err.message);
    cm_progress_stage_end(&progress);
    text = ts_read_stream(out);
    ck_assert_str_eq(text, "");
    free(text);
    fclose(out);

    /* A terminal, but a stage under a second (two jobs, 0.6 s): nothing. */
    out = ts_progress_into(&progress, true, 0);
    cm_progress_begin(&progress, "drawing maps", 2);
    ck_assert_msg(cm_run_jobs(jobs, 2, 2, &progress, &err) == CM_OK, "%s", err.message);
    ck_assert_uint_eq(progress.done, 2);
    cm_progress_stage_end(&progress);
    text = ts_read_stream(out);
    ck_assert_str_eq(text, "");
    free(text);
    fclose(out);
}
END_TEST

static Suite *jobs_suite(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, ts_temp_setup, ts_temp_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_job_runs_once_in_its_own_process);
    tcase_add_test(tc, background_jobs_take_no_worker_place);
    tcase_add_test(tc, first_failure_in_job_order_wins);
    tcase_add_loop_test(tc, failures_survive_an_ignored_sigchld, 0, 2);
    tcase_add_test(tc, one_worker_runs_in_process_in_order);
    tcase_add_test(tc, jobs_show_their_progress);
    tcase_add_test(tc, started_hook_runs_in_the_parent_for_forked_jobs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ts_run_suite(jobs_suite());
}
