/* The progress line: nothing off a terminal or in the first second of a stage;
 * counts, or the time for steps that have nothing to count (SQL, through the
 * store's progress handler); a clean line at the end. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "covermap/progress.h"
#include "covermap/store.h"
#include "test_support.h"

static void pause_seconds(double seconds)
{
    struct timespec pause = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&pause, NULL);
}

START_TEST(test_counts_once_the_stage_lasts_a_second)
{
    cm_progress progress;
    FILE *out = ts_progress_into(&progress, true, 0);
    cm_progress_begin(&progress, "rows", 512);
    cm_progress_advance(&progress, 256); /* the stage is young: nothing */
    progress.stage_started -= 2;
    progress.started -= 0.2;
    cm_progress_advance(&progress, 256);
    cm_progress_stage_end(&progress);
    char *text = ts_read_stream(out);
    ck_assert_str_eq(text, "\r\033[Kcovermap: rows 512/512 (100%)\r\033[K");
    ck_assert(progress.stage_started == 0);
    free(text);
    fclose(out);
}
END_TEST

START_TEST(test_short_steps_and_pipes_draw_nothing)
{
    cm_progress progress;
    FILE *out = ts_progress_into(&progress, true, 5);
    cm_progress_begin(&progress, "quick", 3);
    cm_progress_advance(&progress, 3); /* a step of a few microseconds */
    cm_progress_end(&progress);
    char *text = ts_read_stream(out);
    ck_assert_str_eq(text, "");
    free(text);
    fclose(out);

    out = ts_progress_into(&progress, false, 5); /* not a terminal */
    cm_progress_begin(&progress, "rows", 2);
    progress.started -= 1;
    cm_progress_advance(&progress, 2);
    cm_progress_refresh(&progress);
    cm_progress_stage_end(&progress);
    text = ts_read_stream(out);
    ck_assert_str_eq(text, "");
    free(text);
    fclose(out);
}
END_TEST

/* A few million virtual-machine steps. */
static const char long_sql[] = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                               "WHERE i < 300000) SELECT sum(i) FROM n;";

/* Long SQL shows the step and the stage's time through the store's handler, and
 * stops when the handler is removed. */
START_TEST(test_long_sql_shows_the_time)
{
    cm_progress progress;
    FILE *out = ts_progress_into(&progress, true, 2);
    cm_store *store = NULL;
    cm_error err = {0};
    ck_assert_int_eq(cm_store_create(":memory:", &store, &err), CM_OK);
    cm_progress_begin(&progress, "joining the tables", 0);
    pause_seconds(0.15);
    cm_store_watch_progress(store, &progress);
    ck_assert_int_eq(cm_store_exec(store, long_sql, &err), CM_OK);
    cm_store_watch_progress(store, NULL);
    char *text = ts_read_stream(out);
    const char *expected = "\r\033[Kcovermap: joining the tables… 2.";
    ck_assert_msg(strncmp(text, expected, strlen(expected)) == 0, "%s", text);
    ck_assert(strstr(text, " s") != NULL);
    free(text);

    /* Without the handler, the same SQL draws nothing more. */
    long before = ftell(out);
    progress.last_drawn = 0;
    ck_assert_int_eq(cm_store_exec(store, long_sql, &err), CM_OK);
    ck_assert_int_eq(ftell(out), before);
    cm_store_close(store);
    fclose(out);
}
END_TEST

static Suite *progress_suite(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_counts_once_the_stage_lasts_a_second);
    tcase_add_test(tc, test_short_steps_and_pipes_draw_nothing);
    tcase_add_test(tc, test_long_sql_shows_the_time);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ts_run_suite(progress_suite());
}
