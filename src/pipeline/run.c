/* The run, top to bottom. Everything is written under a staging folder inside
 * OUTDIR and moved into place at the end, so a failed run changes nothing. */
#include "covermap/pipeline.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "covermap/export.h"
#include "covermap/indicators.h"
#include "covermap/ingest.h"
#include "covermap/join.h"
#include "covermap/project.h"
#include "covermap/render.h"
#include "covermap/report.h"
#include "covermap/store.h"
#include "pipeline/jobs.h"

typedef struct {
    const cm_run_options *options;
    cm_project *project;
    char *out_dir;
    char *staging;      /* OUTDIR/.covermap-staging-XXXXXX */
    char *created_root; /* the topmost folder this run created, removed on failure */
    double stage_start;
    cm_progress progress;
    GString *notes; /* printed when the run succeeds; a failure prints only its error */
} run_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stage_begin(run_state *s)
{
    s->stage_start = now_seconds();
}

static void note(run_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(run_state *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_string_append(s->notes, "covermap: ");
    g_string_append_vprintf(s->notes, fmt, ap);
    g_string_append_c(s->notes, '\n');
    va_end(ap);
}

static void stage_end(run_state *s, const char *name)
{
    if (s->options->timings)
        note(s, "%-12s %8.3f s", name, now_seconds() - s->stage_start);
}

static void remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                remove_tree(child);
            else
                g_unlink(child);
            g_free(child);
        }
        g_dir_close(dir);
    }
    g_rmdir(path);
}

/* A run that was killed leaves its staging folder behind; it is removed by the
 * next run, once the process that made it is gone (its pid is in the name). */
static void remove_stale_staging(const char *out_dir)
{
    static const char prefix[] = ".covermap-staging-";
    GDir *dir = g_dir_open(out_dir, 0, NULL);
    if (!dir)
        return;
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (strncmp(name, prefix, sizeof prefix - 1) != 0)
            continue;
        long pid = strtol(name + sizeof prefix - 1, NULL, 10);
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue; /* another run is writing there now */
        char *path = g_build_filename(out_dir, name, NULL);
        remove_tree(path);
        g_free(path);
    }
    g_dir_close(dir);
}

/* Creates out_dir (and missing parents), remembering the topmost folder created
 * so that a failed run can remove exactly what it made. */
static cm_status prepare_out_dir(run_state *s, cm_error *err)
{
    char *probe = g_strdup(s->out_dir);
    char *topmost_missing = NULL;
    while (probe[0] && !g_file_test(probe, G_FILE_TEST_EXISTS)) {
        g_free(topmost_missing);
        topmost_missing = g_strdup(probe);
        char *parent = g_path_get_dirname(probe);
        g_free(probe);
        probe = parent;
        if (strcmp(probe, ".") == 0 || strcmp(probe, "/") == 0)
            break;
    }
    g_free(probe);
    if (g_mkdir_with_parents(s->out_dir, 0755) != 0 ||
        !g_file_test(s->out_dir, G_FILE_TEST_IS_DIR)) {
        g_free(topmost_missing);
        cm_error_set(err, CM_ERR_IO, "cannot create the output folder: %s", strerror(errno));
        cm_error_set_file(err, s->out_dir);
        return CM_ERR_IO;
    }
    s->created_root = topmost_missing ? strdup(topmost_missing) : NULL;
    g_free(topmost_missing);
    remove_stale_staging(s->out_dir);
    char *stem = g_strdup_printf(".covermap-staging-%ld-XXXXXX", (long)getpid());
    char *templ = g_build_filename(s->out_dir, stem, NULL);
    g_free(stem);
    if (!g_mkdtemp(templ)) {
        g_free(templ);
        cm_error_set(err, CM_ERR_IO, "cannot write in the output folder: %s", strerror(errno));
        cm_error_set_file(err, s->out_dir);
        return CM_ERR_IO;
    }
    s->staging = strdup(templ);
    g_free(templ);
    char *maps = g_build_filename(s->staging, "maps", NULL);
    char *report = g_build_filename(s->staging, "report", NULL);
    int failed = g_mkdir(maps, 0755) != 0 || g_mkdir(report, 0755) != 0;
    g_free(maps);
    g_free(report);
    if (failed)
        return cm_error_set(err, CM_ERR_IO, "cannot create folders in %s", s->staging);
    return CM_OK;
}

static char *staged(const run_state *s, const char *relative)
{
    char *joined = g_build_filename(s->staging, relative, NULL);
    char *result = strdup(joined);
    g_free(joined);
    return result;
}

/* The credit line of maps and reports: the project's, or the files it read. */
static char *source_line(const cm_project *p)
{
    if (p->source_line && p->source_line[0])
        return strdup(p->source_line);
    GString *line = g_string_new(p->territories.source);
    for (size_t i = 0; i < p->table_count; i++)
        g_string_append_printf(line, ", %s", p->tables[i].source);
    char *result = strdup(line->str);
    g_string_free(line, TRUE);
    return result;
}

/* ingest -> store -> join -> indicators, into staging/covermap.sqlite. */
static cm_status build_store(run_state *s, cm_error *err)
{
    char *db_path = staged(s, "covermap.sqlite");
    cm_store *store = NULL;
    stage_begin(s);
    cm_status st = cm_store_create(db_path, &store, err);
    free(db_path);
    if (st != CM_OK)
        return st;
    cm_territory_summary territories;
    st = cm_ingest_territories(store, s->project, &territories, &s->progress, err);
    if (st == CM_OK && territories.repaired_count)
        note(s, "%zu territor%s repaired (kept; see the reports)", territories.repaired_count,
             territories.repaired_count == 1 ? "y" : "ies");
    if (st == CM_OK) {
        cm_territory_summary districts;
        st = cm_ingest_districts(store, s->project, &districts, err);
    }
    if (st == CM_OK)
        st = cm_ingest_tables(store, s->project, &s->progress, err);
    stage_end(s, "ingest");
    if (st == CM_OK) {
        stage_begin(s);
        cm_join_counts counts;
        st = cm_join_tables(store, s->project, &counts, err);
        if (st == CM_OK)
            st = cm_join_districts(store, s->project, err);
        stage_end(s, "join");
        if (st == CM_OK && (counts.unmatched || counts.normalised))
            note(s,
                 "join: %zu keys normalised, %zu unmatched, %zu no-data "
                 "(see report/join-report.csv)",
                 counts.normalised, counts.unmatched, counts.no_data);
    }
    if (st == CM_OK) {
        stage_begin(s);
        st = cm_store_set_info(store, "title", s->project->title, err);
        if (st == CM_OK)
            st = cm_store_set_info(store, "locale",
                                   s->project->locale == CM_LOCALE_EN_CA ? "en-CA" : "fr-CA", err);
        if (st == CM_OK)
            st = cm_store_set_info(store, "project", s->project->path, err);
        if (st == CM_OK) {
            char *credit = source_line(s->project);
            st = cm_store_set_info(store, "source_line", credit, err);
            free(credit);
        }
        if (st == CM_OK)
            st = cm_indicators_compute(store, s->project, err);
        stage_end(s, "indicators");
    }
    cm_store_close(store);
    return st;
}

/* A map's error without a file of its own belongs to the map's entry in the project. */
static void locate_map_error(const cm_project *project, const cm_map_spec *map, cm_error *err)
{
    if (!err)
        return;
    int about_project = !err->file[0] || strcmp(err->file, project->path) == 0;
    if (!about_project)
        return;
    cm_error_set_file(err, project->path);
    if (strcmp(err->field, "value") == 0)
        err->line = map->value_line;
    else if (err->line == 0)
        err->line = map->line;
}

typedef struct {
    run_state *state;
    const cm_map_spec *map;
} map_job;

static cm_status render_one_map(void *arg, cm_error *err)
{
    map_job *job = arg;
    char *db_path = staged(job->state, "covermap.sqlite");
    char *maps_dir = staged(job->state, "maps");
    cm_status st = cm_render_map(db_path, job->state->project, job->map, maps_dir, err);
    if (st != CM_OK)
        locate_map_error(job->state->project, job->map, err);
    free(db_path);
    free(maps_dir);
    return st;
}

/* Each map is drawn by its own job; with several cores they run side by side. */
static cm_status render_maps(run_state *s, cm_error *err)
{
    size_t count = s->project->map_count;
    map_job *args = calloc(count + 1, sizeof *args);
    cm_job *jobs = calloc(count + 1, sizeof *jobs);
    cm_status st = args && jobs ? CM_OK : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count && st == CM_OK; i++) {
        args[i] = (map_job){s, &s->project->maps[i]};
        jobs[i] = (cm_job){render_one_map, &args[i]};
    }
    stage_begin(s);
    if (st == CM_OK)
        st = cm_run_jobs(jobs, count, cm_job_workers(), err);
    stage_end(s, "maps");
    free(args);
    free(jobs);
    return st;
}

static unsigned report_formats(const cm_project *p)
{
    return (p->report_csv ? CM_REPORT_CSV : 0) | (p->report_md ? CM_REPORT_MD : 0) |
           (p->report_html ? CM_REPORT_HTML : 0) | (p->report_pdf ? CM_REPORT_PDF : 0);
}

/* The HTML report embeds each map once: its SVG when drawn, else its PNG. */
static cm_status attach_maps(run_state *s, cm_report *report, cm_error *err)
{
    size_t count = 0;
    char **paths = calloc(s->project->map_count + 1, sizeof *paths);
    const char **titles = calloc(s->project->map_count + 1, sizeof *titles);
    cm_status st = paths && titles ? CM_OK : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->project->map_count && st == CM_OK; i++) {
        const cm_map_spec *map = &s->project->maps[i];
        const char *ext = map->format_svg ? "svg" : map->format_png ? "png" : NULL;
        if (!ext)
            continue;
        char *file = g_strdup_printf("maps/%s.%s", map->name, ext);
        paths[count] = staged(s, file);
        titles[count] = map->title;
        count++;
        g_free(file);
    }
    if (st == CM_OK && count)
        st = cm_report_set_maps(report, (const char *const *)paths, titles, count, err);
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
    free(titles);
    return st;
}

static cm_status write_reports(void *arg, cm_error *err)
{
    run_state *s = arg;
    char *db_path = staged(s, "covermap.sqlite");
    char *report_dir = staged(s, "report");
    cm_report *report = NULL;
    cm_status st = cm_report_load(db_path, &report, err);
    if (st == CM_OK)
        st = attach_maps(s, report, err);
    if (st == CM_OK)
        st = cm_report_write_all(report, report_dir, report_formats(s->project), err);
    cm_report_free(report);
    free(db_path);
    free(report_dir);
    return st;
}

static cm_status export_geopackage(void *arg, cm_error *err)
{
    run_state *s = arg;
    char *db_path = staged(s, "covermap.sqlite");
    char *gpkg = staged(s, "covermap.gpkg");
    char *maps_dir = staged(s, "maps");
    cm_status st = cm_export_geopackage(db_path, s->project, maps_dir, gpkg, err);
    free(maps_dir);
    free(db_path);
    free(gpkg);
    return st;
}

/* The reports (which embed the maps) and the GeoPackage (which stores their
 * styles) come after the maps, side by side. */
static cm_status write_outputs(run_state *s, cm_error *err)
{
    cm_job jobs[2] = {{write_reports, s}, {export_geopackage, s}};
    stage_begin(s);
    cm_status st = cm_run_jobs(jobs, s->project->export_geopackage ? 2 : 1, cm_job_workers(), err);
    stage_end(s, "outputs"); /* reports and GeoPackage */
    return st;
}

/* Publishing: every staged file replaces its counterpart in OUTDIR, all or none.
 * The previous files are first moved aside into the staging folder, then the new
 * ones are moved in; a failure at any step puts everything back. */
typedef struct {
    GPtrArray *sources; /* staged files */
    GPtrArray *targets; /* their places in OUTDIR */
    GPtrArray *backups; /* where the previous file was moved, or NULL if none */
} publication;

static void collect_files(const char *from, const char *to, publication *pub)
{
    GDir *dir = g_dir_open(from, 0, NULL);
    if (!dir)
        return;
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
        char *source = g_build_filename(from, name, NULL);
        char *target = g_build_filename(to, name, NULL);
        if (g_file_test(source, G_FILE_TEST_IS_DIR)) {
            collect_files(source, target, pub);
            g_free(source);
            g_free(target);
        } else {
            g_ptr_array_add(pub->sources, source);
            g_ptr_array_add(pub->targets, target);
        }
    }
    g_dir_close(dir);
}

/* Nothing is moved unless every target can be replaced: a folder standing where a
 * file goes is the user's, never removed. */
static cm_status check_targets(const publication *pub, cm_error *err)
{
    for (guint i = 0; i < pub->targets->len; i++) {
        const char *target = g_ptr_array_index(pub->targets, i);
        if (g_file_test(target, G_FILE_TEST_IS_DIR)) {
            cm_error_set(err, CM_ERR_IO, "a folder stands where an output goes");
            cm_error_set_file(err, target);
            cm_error_set_hint(err, "move or rename that folder, or choose another -o");
            return CM_ERR_IO;
        }
        char *parent = g_path_get_dirname(target);
        int made =
            g_mkdir_with_parents(parent, 0755) == 0 && g_file_test(parent, G_FILE_TEST_IS_DIR);
        g_free(parent);
        if (!made) {
            cm_error_set(err, CM_ERR_IO, "cannot create the folder of an output: %s",
                         strerror(errno));
            cm_error_set_file(err, target);
            return CM_ERR_IO;
        }
    }
    return CM_OK;
}

static void roll_back(const publication *pub, guint moved_in, guint moved_aside)
{
    for (guint i = 0; i < moved_in; i++)
        g_rename(g_ptr_array_index(pub->targets, i), g_ptr_array_index(pub->sources, i));
    for (guint i = 0; i < moved_aside; i++) {
        const char *backup = g_ptr_array_index(pub->backups, i);
        if (backup)
            g_rename(backup, g_ptr_array_index(pub->targets, i));
    }
}

static cm_status publish_all(const publication *pub, const char *staging, cm_error *err)
{
    guint count = pub->targets->len, aside = 0, in = 0;
    cm_status st = CM_OK;
    for (; aside < count && st == CM_OK; aside++) {
        const char *target = g_ptr_array_index(pub->targets, aside);
        char *backup = NULL;
        if (g_file_test(target, G_FILE_TEST_EXISTS)) {
            backup = g_strdup_printf("%s/.previous-%u", staging, aside);
            if (g_rename(target, backup) != 0) {
                st = cm_error_set(err, CM_ERR_IO, "cannot replace the previous output: %s",
                                  strerror(errno));
                cm_error_set_file(err, target);
                g_free(backup);
                backup = NULL;
            }
        }
        g_ptr_array_add(pub->backups, backup);
    }
    if (st != CM_OK) {
        roll_back(pub, 0, aside - 1);
        return st;
    }
    for (; in < count && st == CM_OK; in++) {
        const char *target = g_ptr_array_index(pub->targets, in);
        if (g_rename(g_ptr_array_index(pub->sources, in), target) != 0) {
            st = cm_error_set(err, CM_ERR_IO, "cannot move the output into place: %s",
                              strerror(errno));
            cm_error_set_file(err, target);
        }
    }
    if (st != CM_OK)
        roll_back(pub, in - 1, count);
    return st;
}

static cm_status publish_folder(const char *staging, const char *out_dir, cm_error *err)
{
    publication pub = {g_ptr_array_new_with_free_func(g_free),
                       g_ptr_array_new_with_free_func(g_free),
                       g_ptr_array_new_with_free_func(g_free)};
    collect_files(staging, out_dir, &pub);
    cm_status st = check_targets(&pub, err);
    if (st == CM_OK)
        st = publish_all(&pub, staging, err);
    g_ptr_array_free(pub.sources, TRUE);
    g_ptr_array_free(pub.targets, TRUE);
    g_ptr_array_free(pub.backups, TRUE);
    return st;
}

static void run_state_free(run_state *s)
{
    cm_project_free(s->project);
    free(s->out_dir);
    free(s->staging);
    free(s->created_root);
    g_string_free(s->notes, TRUE);
}

static void log_outputs(const run_state *s)
{
    if (!s->options->log)
        return;
    fputs(s->notes->str, s->options->log);
    fprintf(s->options->log, "covermap: wrote %s/ (covermap.sqlite%s, %zu map%s, report/)\n",
            s->out_dir, s->project->export_geopackage ? ", covermap.gpkg" : "",
            s->project->map_count, s->project->map_count == 1 ? "" : "s");
}

cm_status cm_run(const cm_run_options *options, cm_error *err)
{
    run_state s = {0};
    s.options = options;
    cm_progress_init(&s.progress, options->log);
    s.notes = g_string_new(NULL);
    s.out_dir = strdup(options->out_dir && options->out_dir[0] ? options->out_dir : "covermap-out");
    cm_status st = cm_project_load(options->project_path, &s.project, err);
    if (st == CM_OK && options->override_as_of)
        s.project->as_of = options->as_of;
    if (st == CM_OK)
        st = prepare_out_dir(&s, err);
    if (st == CM_OK)
        st = build_store(&s, err);
    if (st == CM_OK)
        st = render_maps(&s, err);
    if (st == CM_OK)
        st = write_outputs(&s, err);
    /* An interrupt while moving outputs into place would leave OUTDIR half old, half
     * new: interrupts wait until the moves and the clean-up are done. */
    sigset_t interrupts, previous;
    sigemptyset(&interrupts);
    sigaddset(&interrupts, SIGINT);
    sigaddset(&interrupts, SIGTERM);
    sigaddset(&interrupts, SIGHUP);
    sigprocmask(SIG_BLOCK, &interrupts, &previous);
    if (st == CM_OK)
        st = publish_folder(s.staging, s.out_dir, err);
    if (s.staging)
        remove_tree(s.staging);
    if (st != CM_OK && s.created_root)
        remove_tree(s.created_root);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    if (st == CM_OK)
        log_outputs(&s);
    else if (err && !err->file[0])
        cm_error_set_file(err, options->project_path); /* every error names a file */
    run_state_free(&s);
    return st;
}

static void print_repairs(cm_store *store, FILE *out)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(cm_store_db(store),
                           "SELECT key, note FROM territory_repairs ORDER BY key", -1, &stmt,
                           NULL) == SQLITE_OK)
        while (sqlite3_step(stmt) == SQLITE_ROW)
            fprintf(out, "  territory \"%s\": %s\n", (const char *)sqlite3_column_text(stmt, 0),
                    (const char *)sqlite3_column_text(stmt, 1));
    sqlite3_finalize(stmt);
}

cm_status cm_check(const char *project_path, FILE *out, cm_error *err)
{
    cm_project *project = NULL;
    cm_status st = cm_project_load(project_path, &project, err);
    if (st != CM_OK)
        return st;
    cm_store *store = NULL;
    /* An in-memory store: check validates everything a run would and writes nothing. */
    st = cm_store_create(":memory:", &store, err);
    cm_territory_summary territories = {0};
    if (st == CM_OK)
        st = cm_ingest_territories(store, project, &territories, NULL, err);
    if (st == CM_OK) {
        fprintf(out, "%s: %zu territories (%s)", project->territories.source,
                territories.territory_count, territories.srs_name);
        if (territories.repaired_count)
            fprintf(out, ", %zu geometries repaired", territories.repaired_count);
        fputc('\n', out);
        print_repairs(store, out);
        cm_territory_summary districts;
        st = cm_ingest_districts(store, project, &districts, err);
        if (st == CM_OK && project->has_districts)
            fprintf(out, "%s: %zu districts\n", project->districts.source,
                    districts.territory_count);
        if (st == CM_OK)
            st = cm_ingest_tables(store, project, NULL, err);
    }
    if (st == CM_OK) {
        cm_join_counts counts;
        cm_status join_status = cm_join_tables(store, project, &counts, err);
        cm_error describe_err;
        cm_error_clear(&describe_err);
        if (join_status == CM_OK || join_status == CM_ERR_INPUT)
            cm_join_describe(store, out, &describe_err);
        st = join_status;
        if (st == CM_OK)
            st = cm_join_districts(store, project, err);
    }
    if (st == CM_OK)
        st = cm_indicators_compute(store, project, err);
    for (size_t i = 0; i < project->map_count && st == CM_OK; i++) {
        st = cm_map_validate_value_db(cm_store_db(store), &project->maps[i], err);
        if (st != CM_OK)
            locate_map_error(project, &project->maps[i], err);
    }
    if (st == CM_OK)
        fprintf(out, "%s: ok\n", project_path);
    cm_store_close(store);
    cm_project_free(project);
    return st;
}
