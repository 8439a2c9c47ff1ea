#include "test_support.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *ts_make_temp_dir(void)
{
    char templ[] = "/tmp/covermap-test-XXXXXX";
    if (!mkdtemp(templ))
        return NULL;
    return strdup(templ);
}

char *ts_temp_dir;

void ts_temp_setup(void)
{
    ts_temp_dir = ts_make_temp_dir();
    ck_assert_ptr_nonnull(ts_temp_dir);
}

void ts_temp_teardown(void)
{
    if (!getenv("KEEP_TEST_OUTPUT"))
        ts_remove_tree(ts_temp_dir);
    free(ts_temp_dir);
    ts_temp_dir = NULL;
}

const char *ts_in_temp(const char *name)
{
    static char path[4][1024];
    static int next;
    next = (next + 1) % 4;
    snprintf(path[next], sizeof path[next], "%s/%s", ts_temp_dir, name);
    return path[next];
}

char *ts_path_in(const char *dir, const char *name)
{
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    ck_assert_ptr_nonnull(path);
    snprintf(path, size, "%s/%s", dir, name);
    return path;
}

void ts_write_in_temp(const char *name, const char *bytes)
{
    ck_assert_msg(ts_write_file(ts_in_temp(name), bytes), "cannot write %s", name);
}

void ts_remove_tree(const char *path)
{
    if (!path || !path[0] || strcmp(path, "/") == 0)
        return;
    char *cmd = malloc(strlen(path) + 32);
    if (!cmd)
        return;
    sprintf(cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) {
        /* best effort */
    }
    free(cmd);
}

char *ts_read_stream(FILE *stream)
{
    fflush(stream);
    long size = ftell(stream);
    ck_assert_int_ge(size, 0);
    char *text = calloc((size_t)size + 1, 1);
    ck_assert_ptr_nonnull(text);
    rewind(stream);
    ck_assert_uint_eq(fread(text, 1, (size_t)size, stream), (size_t)size);
    return text;
}

char *ts_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[len] = '\0';
    if (size)
        *size = len;
    return buf;
}

bool ts_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool ts_write_file(const char *path, const char *bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    size_t length = strlen(bytes);
    bool written = fwrite(bytes, 1, length, f) == length;
    return fclose(f) == 0 && written;
}

int ts_run(const char *command, char **out, char **err)
{
    char *tmp = ts_make_temp_dir();
    if (!tmp)
        return -1;
    size_t len = strlen(command) + 2 * strlen(tmp) + 64;
    char *full = malloc(len);
    snprintf(full, len, "%s >'%s/out' 2>'%s/err'", command, tmp, tmp);
    int status = system(full);
    free(full);
    char path[512];
    if (out) {
        snprintf(path, sizeof path, "%s/out", tmp);
        *out = ts_read_file(path, NULL);
    }
    if (err) {
        snprintf(path, sizeof path, "%s/err", tmp);
        *err = ts_read_file(path, NULL);
    }
    ts_remove_tree(tmp);
    free(tmp);
    if (status == -1 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

int ts_run_covermap(const char *args, char **out, char **err)
{
    size_t len = strlen(COVERMAP_BINARY) + strlen(args) + 8;
    char *cmd = malloc(len);
    snprintf(cmd, len, "'%s' %s", COVERMAP_BINARY, args);
    int status = ts_run(cmd, out, err);
    free(cmd);
    return status;
}

const char *ts_data_path(const char *relative)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", COVERMAP_TEST_DATA, relative);
    return path;
}

const char *ts_montreal_path(void)
{
    static char path[1024];
    snprintf(path, sizeof path,
             "%s/../shared/geodata/montreal/limites-administratives-agglomeration-nad83.geojson",
             COVERMAP_SOURCE_DIR);
    return ts_file_exists(path) ? path : NULL;
}

int ts_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            count++;
    closedir(d);
    return count;
}

FILE *ts_progress_into(cm_progress *progress, bool terminal, double stage_age)
{
    FILE *out = tmpfile();
    ck_assert_ptr_nonnull(out);
    cm_progress_init(progress, out);
    ck_assert(!progress->enabled); /* a file is no terminal */
    progress->enabled = terminal;
    cm_progress_stage(progress);
    progress->stage_started -= stage_age;
    return out;
}

int ts_run_suite(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
