/* The covermap command: a thin layer over the library. */
#include <gdal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/cli.h"
#include "covermap/error.h"
#include "covermap/pipeline.h"
#include "covermap/progress.h"
#include "covermap/store.h"
#include "core/sanitizers.h"

enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

static const char main_usage[] =
    "usage: covermap COMMAND [OPTIONS]\n"
    "\n"
    "Which neighbourhoods risk losing their early-childhood coordination, how many\n"
    "families that touches, and what it would cost to keep it.\n"
    "\n"
    "commands:\n"
    "  run PROJECT.yaml [-o OUTDIR]   run a project: maps, reports, GeoPackage\n"
    "  check PROJECT.yaml             validate a project, print the join report, write nothing\n"
    "  classify -m METHOD -k K [FILE] print class upper bounds for numbers, one a line\n"
    "\n"
    "options:\n"
    "  -h, --help      this help (also: covermap COMMAND --help)\n"
    "  -V, --version   print the version\n"
    "\n"
    "exit status: 0 success, 1 bad input data or a failed output, 2 bad usage\n";

static const char run_usage[] =
    "usage: covermap run PROJECT.yaml [-o OUTDIR] [--as-of YYYY-MM-DD] [--timings] [-q]\n"
    "\n"
    "Reads the project, joins its tables to the territories, computes the indicators\n"
    "and the risk of losing coordination, and writes under OUTDIR (default: covermap-out):\n"
    "  covermap.sqlite, covermap.gpkg, maps/NAME.{png,pgw,svg,pdf},\n"
    "  report/join-report.csv, report/gap-report.{csv,md,html,pdf}\n"
    "A run that fails leaves OUTDIR as it was.\n"
    "\n"
    "  -o, --out OUTDIR       output folder\n"
    "      --as-of DATE       override the project's as_of date\n"
    "      --timings          print the time of each stage\n"
    "  -q, --quiet            print nothing but errors\n";

static const char check_usage[] =
    "usage: covermap check PROJECT.yaml\n"
    "\n"
    "Validates the project file, its boundaries and tables (every value of every mapped\n"
    "column), joins the tables and prints how every key matched. Writes nothing.\n"
    "Exit status 1 names the first problem found.\n";

static int report_error(const cm_error *err)
{
    char line[2048];
    cm_error_format(err, line, sizeof line);
    fprintf(stderr, "covermap: %s\n", line);
    return err->status == CM_ERR_USAGE ? EXIT_USAGE : EXIT_DATA;
}

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "covermap: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

static int is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int command_run(int argc, char **argv)
{
    cm_run_options options = {0};
    options.log = stderr;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (is_help(arg)) {
            fputs(run_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--out") == 0) {
            if (++i >= argc)
                return usage_error(run_usage, "%s needs a folder", arg);
            options.out_dir = argv[i];
        } else if (strcmp(arg, "--as-of") == 0) {
            if (++i >= argc || !cm_day_parse_iso(argv[i], &options.as_of))
                return usage_error(run_usage, "--as-of needs a date such as 2026-04-01%s", "");
            options.override_as_of = true;
        } else if (strcmp(arg, "--timings") == 0) {
            options.timings = true;
        } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
            options.log = NULL;
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error(run_usage, "unknown option %s", arg);
        } else if (!options.project_path) {
            options.project_path = arg;
        } else {
            return usage_error(run_usage, "unexpected argument %s", arg);
        }
    }
    if (!options.project_path)
        return usage_error(run_usage, "run needs a project file%s", "");
    cm_error err;
    cm_error_clear(&err);
    if (cm_run(&options, &err) != CM_OK)
        return report_error(&err);
    return EXIT_OK;
}

static int command_check(int argc, char **argv)
{
    const char *project = NULL;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(check_usage, stdout);
            return EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error(check_usage, "unknown option %s", argv[i]);
        } else if (!project) {
            project = argv[i];
        } else {
            return usage_error(check_usage, "unexpected argument %s", argv[i]);
        }
    }
    if (!project)
        return usage_error(check_usage, "check needs a project file%s", "");
    cm_error err;
    cm_error_clear(&err);
    if (cm_check(project, stdout, &err) != CM_OK) {
        fflush(stdout);
        return report_error(&err);
    }
    return EXIT_OK;
}

/* Ends the process once the command is done. The libraries' exit handlers (GDAL,
 * PROJ, GEOS, fontconfig) free their caches block by block, on pages still shared
 * with the finished jobs, each write a copy-on-write fault: 23 ms of a 1.2 s run
 * at 20 000 territories, for memory the kernel takes back at once. Every output
 * is written, closed and renamed by then; stdio's buffers are flushed here, and a
 * failed flush is a failed command. Under AddressSanitizer the program ends
 * through exit(), where the leak check runs. */
static int leave(int status)
{
    if (fflush(stdout) != 0 && status == EXIT_OK) {
        fprintf(stderr, "covermap: cannot write the standard output\n");
        status = EXIT_DATA;
    }
    fflush(stderr);
    if (!COVERMAP_ADDRESS_SANITIZER)
        _Exit(status);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return leave(usage_error(main_usage, "no command given%s", ""));
    const char *command = argv[1];
    if (is_help(command)) {
        fputs(main_usage, stdout);
        return leave(EXIT_OK);
    }
    if (strcmp(command, "-V") == 0 || strcmp(command, "--version") == 0) {
        printf("covermap %s (GDAL %s)\n", COVERMAP_VERSION, GDALVersionInfo("RELEASE_NAME"));
        return leave(EXIT_OK);
    }
    /* GDAL's messages are kept and put into covermap's own errors, never printed raw. */
    cm_trace_mark("main: started");
    cm_store_configure_sqlite(); /* before GDAL or anything else starts SQLite */
    cm_gdal_install_error_handler();
    GDALAllRegister();
    cm_trace_mark("main: GDAL registered");
    int status;
    if (strcmp(command, "run") == 0)
        status = command_run(argc - 1, argv + 1);
    else if (strcmp(command, "check") == 0)
        status = command_check(argc - 1, argv + 1);
    else if (strcmp(command, "classify") == 0)
        status = cm_cli_classify(argc - 1, argv + 1);
    else
        status = usage_error(main_usage, "unknown command '%s'", command);
    GDALDestroy();
    cm_trace_mark("main: GDAL destroyed");
    return leave(status);
}
