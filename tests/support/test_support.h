/* Helpers shared by the Check suites: temp folders, running the CLI, reading files. */
#ifndef COVERMAP_TEST_SUPPORT_H
#define COVERMAP_TEST_SUPPORT_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "covermap/progress.h"

/* The running test's temporary folder, as a Check fixture: ts_temp_setup makes it,
 * ts_temp_teardown removes it (kept when KEEP_TEST_OUTPUT is set, to look at). */
extern char *ts_temp_dir;
void ts_temp_setup(void);
void ts_temp_teardown(void);
/* ts_temp_dir/name in one of four static buffers (so that a few may be used in one
 * call), overwritten by later calls. */
const char *ts_in_temp(const char *name);
/* dir/name, malloc'd (caller frees with free()). */
char *ts_path_in(const char *dir, const char *name);
/* Writes bytes to ts_temp_dir/name, failing the test when it cannot. */
void ts_write_in_temp(const char *name, const char *bytes);

/* Creates a fresh temporary folder; returns a malloc'd path (caller frees). */
char *ts_make_temp_dir(void);
/* rm -rf path (best effort). */
void ts_remove_tree(const char *path);
/* Runs a shell command; returns its exit status (or -1). Captures stdout and
 * stderr into malloc'd strings when the pointers are not NULL (caller frees). */
int ts_run(const char *command, char **out, char **err);
/* Runs the covermap binary with the given argument string (already quoted). */
int ts_run_covermap(const char *args, char **out, char **err);
/* What was written to a stream so far (a tmpfile()), NUL-terminated and
 * malloc'd; the stream is left at its start. */
char *ts_read_stream(FILE *stream);
/* Reads a whole file; malloc'd, NUL-terminated; NULL if unreadable. */
char *ts_read_file(const char *path, size_t *size);
bool ts_file_exists(const char *path);
/* Writes the bytes exactly as given (no newline translation, no recoding); false when
 * the file cannot be written whole. */
bool ts_write_file(const char *path, const char *bytes);
/* Path under tests/data; returns a static buffer overwritten by the next call. */
const char *ts_data_path(const char *relative);
/* Path of ../shared/geodata/montreal/...; NULL when the shared folder is absent. */
const char *ts_montreal_path(void);
/* Counts entries in a folder (excluding . and ..); -1 if it does not exist. */
int ts_count_entries(const char *dir);

/* A progress reporter writing into a fresh tmpfile() (returned; fclose it), enabled as
 * on a terminal when `terminal`, inside a stage that started `stage_age` seconds ago. */
FILE *ts_progress_into(cm_progress *progress, bool terminal, double stage_age);

/* Runs a Check suite (every test of it) and gives main's exit status. */
int ts_run_suite(Suite *suite);

#endif
