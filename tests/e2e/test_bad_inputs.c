/* Broken inputs end to end: `covermap run` and `covermap check` on every project of
 * tests/data/bad (and the no-CRS, points and lines projects) exit 1 with one line on
 * stderr naming the file, line and field, and write nothing; a failed run leaves a
 * previous run's outputs byte for byte as they were. Also the usage errors (exit 2),
 * --help and --version, and a standard output that cannot be written (exit 1). */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_support.h"

/* Runs covermap with cwd = dir, so that anything it might write beside itself lands
 * where the test looks. Returns the exit status; out/err as ts_run. */
static int run_in(const char *dir, const char *args, char **out, char **err)
{
    size_t len = strlen(dir) + strlen(COVERMAP_BINARY) + strlen(args) + 32;
    char *cmd = malloc(len);
    ck_assert_ptr_nonnull(cmd);
    snprintf(cmd, len, "cd '%s' && '%s' %s", dir, COVERMAP_BINARY, args);
    int status = ts_run(cmd, out, err);
    free(cmd);
    return status;
}

/* stderr must be exactly one line "covermap: ...\n". */
static void assert_one_error_line(const char *err)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strncmp(err, "covermap: ", 10) == 0,
                  "stderr does not start with 'covermap: ': %s", err);
    size_t len = strlen(err);
    ck_assert_msg(len > 10 && err[len - 1] == '\n', "stderr is not one terminated line: %s", err);
    ck_assert_msg(strchr(err, '\n') == err + len - 1, "stderr holds more than one line: %s", err);
}

static void assert_mentions(const char *err, const char *const *needles)
{
    for (size_t i = 0; needles[i]; i++)
        ck_assert_msg(strstr(err, needles[i]) != NULL, "stderr lacks \"%s\": %s", needles[i], err);
}

/* `run` into a folder that does not exist yet, then `check`: both exit 1 with one
 * line naming everything in needles, and the temp dir is still empty afterwards. */
static void expect_failure_of(const char *project, const char *const *needles)
{
    ck_assert_msg(ts_file_exists(project), "fixture missing: %s", project);

    char out_dir[1024], args[2400];
    snprintf(out_dir, sizeof out_dir, "%s/out", ts_temp_dir);
    snprintf(args, sizeof args, "run '%s' -o '%s'", project, out_dir);
    char *out = NULL, *err = NULL;
    int status = run_in(ts_temp_dir, args, &out, &err);
    ck_assert_msg(status == 1, "run %s: exit %d (stderr: %s)", project, status, err ? err : "");
    assert_one_error_line(err);
    assert_mentions(err, needles);
    ck_assert_msg(!ts_file_exists(out_dir), "run %s left %s behind", project, out_dir);
    ck_assert_int_eq(ts_count_entries(ts_temp_dir), 0);
    free(out);
    free(err);

    snprintf(args, sizeof args, "check '%s'", project);
    out = NULL;
    err = NULL;
    status = run_in(ts_temp_dir, args, &out, &err);
    ck_assert_msg(status == 1, "check %s: exit %d (stderr: %s)", project, status, err ? err : "");
    assert_one_error_line(err);
    assert_mentions(err, needles);
    ck_assert_int_eq(ts_count_entries(ts_temp_dir), 0);
    free(out);
    free(err);
}

static void expect_failure(const char *project_relative, const char *const *needles)
{
    char project[1024];
    snprintf(project, sizeof project, "%s", ts_data_path(project_relative));
    expect_failure_of(project, needles);
}

START_TEST(test_yaml_syntax)
{
    /* libyaml's 0-based mark (1, 21) is line 2, column 22 */
    const char *const needles[] = {"yaml_syntax.yaml:2:22:", NULL};
    expect_failure("bad/yaml_syntax.yaml", needles);
}
END_TEST

START_TEST(test_unknown_key)
{
    const char *const needles[] = {"unknown_key.yaml:4:", "'horizon_month'", "horizon_months",
                                   NULL};
    expect_failure("bad/unknown_key.yaml", needles);
}
END_TEST

START_TEST(test_missing_source)
{
    /* the project file's line that names the missing file, and the file itself */
    const char *const needles[] = {"missing_source.yaml:9", "indicateurs_2024.csv", "not found",
                                   NULL};
    expect_failure("bad/missing_source.yaml", needles);
}
END_TEST

START_TEST(test_bad_number)
{
    const char *const needles[] = {"indicateurs_bad_number.csv:4", "enfants_0_5", "\"12 4OO\"",
                                   NULL};
    expect_failure("bad/bad_number.yaml", needles);
}
END_TEST

START_TEST(test_negative_count)
{
    const char *const needles[] = {"indicateurs_negative_count.csv:3", "familles_rejointes", "-12",
                                   NULL};
    expect_failure("bad/negative_count.yaml", needles);
}
END_TEST

START_TEST(test_bad_date)
{
    const char *const needles[] = {"financement_bad_date.csv:3", "'fin'", "31/02/2026", NULL};
    expect_failure("bad/bad_date.yaml", needles);
}
END_TEST

START_TEST(test_bad_bool)
{
    const char *const needles[] = {"financement_bad_bool.csv:2", "coordination", "peut-être", NULL};
    expect_failure("bad/bad_bool.yaml", needles);
}
END_TEST

START_TEST(test_missing_column)
{
    /* the hint lists the columns the file has, among them the intended one */
    const char *const needles[] = {"indicateurs.csv", "'enfants_0_5_ans'", "enfants_0_5,", NULL};
    expect_failure("bad/missing_column.yaml", needles);
}
END_TEST

START_TEST(test_duplicate_key)
{
    const char *const needles[] = {"indicateurs_duplicate_key.csv", "lines 3 and 6", "Villeray",
                                   NULL};
    expect_failure("bad/duplicate_key.yaml", needles);
}
END_TEST

START_TEST(test_missing_key_field)
{
    const char *const needles[] = {"territoires.geojson", "'code_quartier'", "code, nom", NULL};
    expect_failure("bad/missing_key_field.yaml", needles);
}
END_TEST

START_TEST(test_no_crs)
{
    const char *const needles[] = {"quartiers.shp", "srs:", NULL};
    expect_failure("nocrs/project.yaml", needles);
}
END_TEST

START_TEST(test_points_layer)
{
    const char *const needles[] = {"points.geojson", "polygon", NULL};
    expect_failure("points/project.yaml", needles);
}
END_TEST

START_TEST(test_lines_layer)
{
    const char *const needles[] = {"lignes.geojson", "polygon", NULL};
    expect_failure("points/project-lines.yaml", needles);
}
END_TEST

/* The files a good run of basic/ leaves in OUTDIR, relative to it. */
static const char *const basic_outputs[] = {"covermap.sqlite",
                                            "covermap.gpkg",
                                            "report/gap-report.csv",
                                            "report/join-report.csv",
                                            "maps/couverture.svg",
                                            "maps/risque.svg",
                                            NULL};

static bool has_staging_folder(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    bool found = false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, ".covermap-staging-", 18) == 0)
            found = true;
    closedir(d);
    return found;
}

/* A project like basic/ whose second map's value names no column: it fails late,
 * after the inputs were read and joined. Returns its path (static buffer). */
static const char *write_late_failing_project(const char *dir)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/late.yaml", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    char basic[1024];
    snprintf(basic, sizeof basic, "%s", ts_data_path("basic"));
    fprintf(f,
            "title: \"Late failure\"\n"
            "as_of: 2026-04-01\n"
            "territories: { source: '%s/territoires.geojson', key: nom, name: nom }\n"
            "data:\n"
            "  - source: '%s/indicateurs.csv'\n"
            "    key: territoire\n"
            "    columns: { children_0_5: enfants_0_5, families_reached: familles_rejointes }\n"
            "maps:\n"
            "  - name: couverture\n"
            "    title: \"Couverture\"\n"
            "    value: coverage_rate\n"
            "    formats: [svg]\n"
            "  - name: absente\n"
            "    title: \"Absente\"\n"
            "    value: no_such_column_anywhere * 2\n"
            "    formats: [svg]\n"
            "report: { formats: [csv] }\n",
            basic, basic);
    fclose(f);
    return path;
}

/* A map value over no column is only found once the inputs are joined: the error must
 * still name the project file and the line of that `value:` (line 15 above). */
START_TEST(test_bad_map_value)
{
    /* not in ts_temp_dir, which expect_failure_of wants to find empty */
    char *project_dir = ts_make_temp_dir();
    ck_assert_ptr_nonnull(project_dir);
    char project[1024];
    snprintf(project, sizeof project, "%s", write_late_failing_project(project_dir));
    const char *const needles[] = {"late.yaml:15", "no_such_column_anywhere", NULL};
    expect_failure_of(project, needles);
    ts_remove_tree(project_dir);
    free(project_dir);
}
END_TEST

START_TEST(test_failed_run_keeps_previous_outputs)
{
    char out_dir[1024], args[2400];
    snprintf(out_dir, sizeof out_dir, "%s/out", ts_temp_dir);
    snprintf(args, sizeof args, "run '%s' -o '%s' -q", ts_data_path("basic/project.yaml"), out_dir);
    ck_assert_int_eq(ts_run_covermap(args, NULL, NULL), 0);

    char *before[8] = {0};
    size_t before_size[8] = {0};
    char path[1200];
    for (int i = 0; basic_outputs[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", out_dir, basic_outputs[i]);
        before[i] = ts_read_file(path, &before_size[i]);
        ck_assert_msg(before[i] != NULL, "the good run did not write %s", basic_outputs[i]);
    }
    int entries_before = ts_count_entries(out_dir);

    /* early (project file), middle (a table value, the join) and late (a map) failures */
    const char *broken[5];
    broken[0] = "bad/yaml_syntax.yaml";
    broken[1] = "bad/bad_number.yaml";
    broken[2] = "bad/duplicate_key.yaml";
    broken[3] = "points/project.yaml";
    broken[4] = NULL;
    char project[1024];
    for (int b = 0; b < 5; b++) {
        if (broken[b])
            snprintf(project, sizeof project, "%s", ts_data_path(broken[b]));
        else
            snprintf(project, sizeof project, "%s", write_late_failing_project(ts_temp_dir));
        snprintf(args, sizeof args, "run '%s' -o '%s'", project, out_dir);
        char *err = NULL;
        int status = ts_run_covermap(args, NULL, &err);
        ck_assert_msg(status == 1, "%s: exit %d (stderr: %s)", project, status, err ? err : "");
        assert_one_error_line(err);
        free(err);

        ck_assert_msg(!has_staging_folder(out_dir), "%s left a staging folder", project);
        ck_assert_int_eq(ts_count_entries(out_dir), entries_before);
        for (int i = 0; basic_outputs[i]; i++) {
            snprintf(path, sizeof path, "%s/%s", out_dir, basic_outputs[i]);
            size_t size = 0;
            char *after = ts_read_file(path, &size);
            ck_assert_msg(after != NULL, "%s removed %s", project, basic_outputs[i]);
            ck_assert_msg(size == before_size[i] && memcmp(after, before[i], size) == 0,
                          "%s changed %s", project, basic_outputs[i]);
            free(after);
        }
    }
    for (int i = 0; basic_outputs[i]; i++)
        free(before[i]);
}
END_TEST

/* Starts `covermap run project -o out_dir --as-of 2026-10-01`, sends SIGTERM after
 * delay_ms (as Ctrl-C or a scheduler would), and returns the wait status. */
static int run_and_terminate(const char *project, const char *out_dir, int delay_ms)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        execl(COVERMAP_BINARY, COVERMAP_BINARY, "run", project, "-o", out_dir, "--as-of",
              "2026-10-01", (char *)NULL);
        _exit(127);
    }
    struct timespec delay = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
    nanosleep(&delay, NULL);
    kill(pid, SIGTERM);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* The bytes of every basic_outputs file under dir (free with free_outputs). */
struct outputs {
    char *bytes[8];
    size_t size[8];
};

static void read_outputs(const char *dir, struct outputs *o)
{
    char path[1200];
    for (int i = 0; basic_outputs[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, basic_outputs[i]);
        o->bytes[i] = ts_read_file(path, &o->size[i]);
        ck_assert_msg(o->bytes[i] != NULL, "%s missing", path);
    }
}

static void free_outputs(struct outputs *o)
{
    for (int i = 0; basic_outputs[i]; i++)
        free(o->bytes[i]);
}

static bool same_output(const struct outputs *a, const struct outputs *b, int i)
{
    return a->size[i] == b->size[i] && memcmp(a->bytes[i], b->bytes[i], a->size[i]) == 0;
}

/* A run stopped midway leaves the previous outputs as they were (or, stopped after it
 * published, all the new ones: never a mix), and no staging folder outlives it (at the
 * latest, the next run clears it). */
START_TEST(test_interrupted_run_keeps_previous_outputs)
{
    char out_dir[1024], reference_dir[1024], args[2400], project[1024];
    snprintf(project, sizeof project, "%s", ts_data_path("basic/project.yaml"));
    snprintf(out_dir, sizeof out_dir, "%s/out", ts_temp_dir);
    snprintf(reference_dir, sizeof reference_dir, "%s/reference", ts_temp_dir);
    /* what the interrupted run would write if it finished */
    snprintf(args, sizeof args, "run '%s' -o '%s' -q --as-of 2026-10-01", project, reference_dir);
    ck_assert_int_eq(ts_run_covermap(args, NULL, NULL), 0);
    struct outputs reference;
    read_outputs(reference_dir, &reference);
    snprintf(args, sizeof args, "run '%s' -o '%s' -q", project, out_dir);

    static const int delays_ms[] = {20, 60, 120};
    int stopped_before_publishing = 0;
    for (int d = 0; d < 3; d++) {
        ck_assert_int_eq(ts_run_covermap(args, NULL, NULL), 0);
        struct outputs before, after;
        read_outputs(out_dir, &before);
        int status = run_and_terminate(project, out_dir, delays_ms[d]);
        read_outputs(out_dir, &after);
        if (WIFSIGNALED(status)) {
            bool all_old = true, all_new = true;
            for (int i = 0; basic_outputs[i]; i++) {
                bool old = same_output(&after, &before, i);
                /* the databases hold timestamps: new means replaced */
                bool new = i < 2 ? !old : same_output(&after, &reference, i);
                all_old = all_old && old;
                all_new = all_new && new;
            }
            char changed[512] = "";
            for (int i = 0; basic_outputs[i]; i++)
                if (!same_output(&after, &before, i))
                    snprintf(changed + strlen(changed), sizeof changed - strlen(changed), " %s",
                             basic_outputs[i]);
            ck_assert_msg(all_old || all_new,
                          "a run stopped after %d ms left old and new outputs mixed (replaced:%s)",
                          delays_ms[d], changed);
            if (all_old)
                stopped_before_publishing++;
        }
        free_outputs(&before);
        free_outputs(&after);
    }
    free_outputs(&reference);
    ck_assert_msg(stopped_before_publishing > 0,
                  "no run was stopped before publishing: the test proved nothing");

    ck_assert_int_eq(ts_run_covermap(args, NULL, NULL), 0);
    ck_assert_msg(!has_staging_folder(out_dir),
                  "staging folders of interrupted runs remain in %s after the next run", out_dir);
}
END_TEST

/* Publishing that fails halfway (here: a folder stands where maps/risque.svg goes, so
 * that rename fails; a full disk or a permission would do the same) is a failed run:
 * OUTDIR must be as it was, not half old and half new. */
START_TEST(test_failed_publish_keeps_previous_outputs)
{
    const int blocked = 5; /* basic_outputs[5] is maps/risque.svg, the last one */
    char out_dir[1024], args[2400], project[1024], blocker[1200];
    snprintf(project, sizeof project, "%s", ts_data_path("basic/project.yaml"));
    snprintf(out_dir, sizeof out_dir, "%s/out", ts_temp_dir);
    snprintf(args, sizeof args, "run '%s' -o '%s' -q", project, out_dir);
    ck_assert_int_eq(ts_run_covermap(args, NULL, NULL), 0);
    snprintf(blocker, sizeof blocker, "%s/maps/risque.svg", out_dir);
    ck_assert_int_eq(remove(blocker), 0);
    ck_assert_int_eq(mkdir(blocker, 0755), 0);
    struct outputs before;
    char path[1200];
    for (int i = 0; basic_outputs[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", out_dir, basic_outputs[i]);
        before.bytes[i] = i == blocked ? NULL : ts_read_file(path, &before.size[i]);
    }

    /* --as-of changes the gap report, the maps and the databases */
    snprintf(args, sizeof args, "run '%s' -o '%s' --as-of 2026-10-01", project, out_dir);
    char *err = NULL;
    int status = ts_run_covermap(args, NULL, &err);
    ck_assert_msg(status == 1, "exit %d: %s", status, err ? err : "");
    assert_one_error_line(err);
    ck_assert_msg(strstr(err, "risque.svg") != NULL, "the error does not name the file: %s", err);
    free(err);

    ck_assert(!has_staging_folder(out_dir));
    for (int i = 0; i < blocked; i++) { /* every output but the blocked one */
        snprintf(path, sizeof path, "%s/%s", out_dir, basic_outputs[i]);
        size_t size = 0;
        char *after = ts_read_file(path, &size);
        ck_assert_msg(after != NULL, "the failed run removed %s", basic_outputs[i]);
        ck_assert_msg(size == before.size[i] && memcmp(after, before.bytes[i], size) == 0,
                      "a run that failed while publishing replaced %s", basic_outputs[i]);
        free(after);
        free(before.bytes[i]);
    }
}
END_TEST

/* Usage errors: exit 2, nothing on stdout, "covermap: ..." then the usage on stderr. */
static void expect_usage_error(const char *args)
{
    char *out = NULL, *err = NULL;
    int status = run_in(ts_temp_dir, args, &out, &err);
    ck_assert_msg(status == 2, "covermap %s: exit %d", args, status);
    ck_assert_str_eq(out, "");
    ck_assert_msg(strncmp(err, "covermap: ", 10) == 0, "covermap %s: stderr %s", args, err);
    ck_assert_msg(strstr(err, "usage: covermap") != NULL, "covermap %s: no usage: %s", args, err);
    ck_assert_int_eq(ts_count_entries(ts_temp_dir), 0);
    free(out);
    free(err);
}

START_TEST(test_usage_errors_exit_2)
{
    expect_usage_error("");
    expect_usage_error("frobnicate");
    expect_usage_error("run");
    expect_usage_error("check");
    expect_usage_error("run x.yaml --bogus");
    expect_usage_error("run x.yaml -o");
    expect_usage_error("run x.yaml --as-of");
}
END_TEST

static void expect_help(const char *args, const char *usage_start)
{
    char *out = NULL, *err = NULL;
    int status = ts_run_covermap(args, &out, &err);
    ck_assert_msg(status == 0, "covermap %s: exit %d", args, status);
    ck_assert_msg(strncmp(out, usage_start, strlen(usage_start)) == 0,
                  "covermap %s: stdout does not start with '%s': %s", args, usage_start, out);
    ck_assert_str_eq(err, "");
    free(out);
    free(err);
}

START_TEST(test_help)
{
    expect_help("--help", "usage: covermap COMMAND");
    expect_help("-h", "usage: covermap COMMAND");
    expect_help("run --help", "usage: covermap run PROJECT.yaml");
    expect_help("check --help", "usage: covermap check PROJECT.yaml");
    expect_help("classify --help", "usage: covermap classify");
}
END_TEST

START_TEST(test_version)
{
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(ts_run_covermap("--version", &out, &err), 0);
    ck_assert_msg(strncmp(out, "covermap ", 9) == 0 && out[9] >= '0' && out[9] <= '9',
                  "unexpected version line: %s", out);
    ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "version is not one line: %s", out);
    ck_assert_str_eq(err, "");
    free(out);
    free(err);
}
END_TEST

/* Output that cannot be written is a failed command, not a silent success. */
START_TEST(test_unwritable_stdout_fails)
{
    const char *const commands[] = {"--version", "--help", "check --help"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char cmd[1024], *out = NULL, *err = NULL;
        /* Braces: ts_run's own redirection of stdout applies around this one. */
        snprintf(cmd, sizeof cmd, "{ '%s' %s > /dev/full; }", COVERMAP_BINARY, commands[i]);
        int status = ts_run(cmd, &out, &err);
        ck_assert_msg(status == 1, "covermap %s > /dev/full: exit %d", commands[i], status);
        assert_one_error_line(err);
        ck_assert_msg(strstr(err, "standard output") != NULL, "covermap %s: %s", commands[i], err);
        free(out);
        free(err);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bad_inputs");
    TCase *tc = tcase_create("bad_inputs");
    tcase_add_checked_fixture(tc, ts_temp_setup, ts_temp_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_yaml_syntax);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_missing_source);
    tcase_add_test(tc, test_bad_number);
    tcase_add_test(tc, test_negative_count);
    tcase_add_test(tc, test_bad_date);
    tcase_add_test(tc, test_bad_bool);
    tcase_add_test(tc, test_missing_column);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_missing_key_field);
    tcase_add_test(tc, test_no_crs);
    tcase_add_test(tc, test_points_layer);
    tcase_add_test(tc, test_lines_layer);
    tcase_add_test(tc, test_bad_map_value);
    tcase_add_test(tc, test_failed_run_keeps_previous_outputs);
    tcase_add_test(tc, test_interrupted_run_keeps_previous_outputs);
    tcase_add_test(tc, test_failed_publish_keeps_previous_outputs);
    tcase_add_test(tc, test_usage_errors_exit_2);
    tcase_add_test(tc, test_help);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_unwritable_stdout_fails);
    suite_add_tcase(s, tc);
    return ts_run_suite(s);
}
