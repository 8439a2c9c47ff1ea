/* The whole run, top to bottom: ingest -> store -> join -> indicators ->
 * render / report / export. The CLI is a thin layer over these two calls. */
#ifndef COVERMAP_PIPELINE_H
#define COVERMAP_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "covermap/calendar.h"
#include "covermap/error.h"

typedef struct {
    const char *project_path;
    const char *out_dir; /* NULL: "covermap-out" in the current folder */
    bool override_as_of; /* --as-of */
    cm_day as_of;
    bool timings; /* print each stage's time to `log` */
    FILE *log;    /* progress and warnings; NULL for silence */
} cm_run_options;

/* Runs a project and writes every output under out_dir. Outputs are built in a
 * staging folder inside out_dir and moved into place only when all succeeded: a
 * run that fails leaves out_dir as it found it (and removes it if it created it). */
cm_status cm_run(const cm_run_options *options, cm_error *err);

/* Validates a project (files, fields, values, keys, map values) and prints the
 * join report in words to `out`. Writes no file. */
cm_status cm_check(const char *project_path, FILE *out, cm_error *err);

#endif
