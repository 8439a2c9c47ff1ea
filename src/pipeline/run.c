/* The run, top to bottom: ingest -> store -> join -> indicators -> maps -> reports and
 * GeoPackage, all written in a staging folder (staging.c) and published at the end, so
 * that a failed run changes nothing. */
#include "covermap/progress.h"
#include "covermap/pipeline.h"

#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "covermap/export.h"
#include "covermap/indicators.h"
#include "covermap/ingest.h"
#include "covermap/join.h"
#include "covermap/project.h"
#include "covermap/render.h"
#include "covermap/report.h"
#include "covermap/store.h"
#include "pipeline/jobs.h"
#include "pipeline/pipeline_internal.h"
#include "pipeline/preload.h"
#include "pipeline/staging.h"

typedef struct {
    const cm_run_options *options;
    cm_project *project;
    cm_staging staging;
    cm_progress progress;        /* also times the stages (--timings) */
    cm_geometry_preload preload; /* the maps' outlines, read while the store is built */
    GString *notes; /* printed when the run succeeds; a failure prints only its error */
    int workers;    /* cm_job_workers(), read once */
} run_state;

static void stage_begin(run_state *s)
{
    cm_progress_stage(&s->progress);
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
    double seconds = cm_progress_stage_seconds(&s->progress);
    cm_progress_stage_end(&s->progress);
    if (s->options->timings)
        note(s, "%-12s %8.3f s", name, seconds);
}

static char *staged(const run_state *s, const char *relative)
{
    return cm_staged_path(&s->staging, relative);
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

/* Whether the tables' reading thread is done (cm_boundaries_share_core's question). */
static bool tables_are_read(const void *tables)
{
    return cm_tables_read_finished(tables);
}

/* ingest -> store -> join -> indicators, into staging/covermap.sqlite. */
static cm_status build_store(run_state *s, cm_error *err)
{
    char *db_path = staged(s, "covermap.sqlite");
    cm_store *store = NULL;
    stage_begin(s);
    cm_trace_mark("store: start");
    /* The boundary file is opened (its CRS identified: tens of milliseconds in
     * PROJ's database) on the other core while this one creates the store. */
    cm_boundaries_opening *boundaries = NULL;
    cm_status st = cm_boundaries_open_start(s->project, s->workers > 1, &boundaries, err);
    if (st == CM_OK)
        st = cm_store_create(db_path, &store, err);
    cm_trace_mark("store: created");
    free(db_path);
    if (st != CM_OK) {
        cm_boundaries_opening_free(boundaries);
        return st;
    }
    /* The tables are read and checked on the other core while this one stores the
     * boundaries; cm_tables_read_free below joins the thread on every path. */
    cm_table_read *tables = NULL;
    st = cm_tables_read_start(s->project, s->workers > 1, &tables, err);
    /* Once they are read, that core checks half of the boundaries' geometries. */
    if (st == CM_OK && s->workers > 1)
        cm_boundaries_share_core(boundaries, tables_are_read, tables);
    cm_territory_summary territories;
    if (st == CM_OK)
        st = cm_ingest_opened_territories(store, boundaries, &territories, &s->progress, err);
    else
        cm_boundaries_opening_free(boundaries);
    if (st == CM_OK && territories.repaired_count)
        note(s, "%zu territor%s repaired (kept; see the reports)", territories.repaired_count,
             territories.repaired_count == 1 ? "y" : "ies");
    if (st == CM_OK) {
        cm_territory_summary districts;
        st = cm_ingest_districts(store, s->project, &districts, err);
    }
    /* The boundaries are committed: the maps' outlines can be read on the other
     * core while this one goes on (COVERMAP_JOBS=1 keeps one thread of work). */
    if (st == CM_OK && s->workers > 1) {
        char *path = staged(s, "covermap.sqlite");
        cm_preload_start(&s->preload, path, s->project);
        free(path);
    }
    cm_trace_mark("store: territories");
    if (st == CM_OK)
        st = cm_ingest_read_tables(store, tables, &s->progress, err);
    cm_tables_read_free(tables);
    cm_trace_mark("store: tables");
    stage_end(s, "ingest");
    /* Long SQL keeps the step's progress line up to date (between steps there is no
     * line to draw). */
    cm_store_watch_progress(store, &s->progress);
    if (st == CM_OK) {
        stage_begin(s);
        cm_join_counts counts;
        cm_progress_begin(&s->progress, "joining the tables", 0);
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
        cm_progress_begin(&s->progress, "computing the indicators", 0);
        if (st == CM_OK)
            st = cm_indicators_compute(store, s->project, err);
        cm_trace_mark("store: indicators");
        char as_of[11];
        cm_day_format_iso(s->project->as_of, as_of);
        if (st == CM_OK)
            st = cm_store_fix_timestamps(store, as_of, err);
        stage_end(s, "indicators");
    }
    cm_store_watch_progress(store, NULL);
    cm_store_close(store);
    return st;
}

void cm_locate_map_error(const cm_project *project, const cm_map_spec *map, cm_error *err)
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
    bool last_layer_user; /* the last map whose PNG starts from its preloaded boundaries */
} map_job;

static cm_status render_one_map(void *arg, cm_error *err)
{
    map_job *job = arg;
    char *db_path = staged(job->state, "covermap.sqlite");
    char *maps_dir = staged(job->state, "maps");
    cm_map_geometry *geometry = cm_preload_for(&job->state->preload, job->map);
    cm_status st = job->last_layer_user ? cm_render_map_last_with(db_path, job->state->project,
                                                                  job->map, geometry, maps_dir, err)
                                        : cm_render_map_with(db_path, job->state->project, job->map,
                                                             geometry, maps_dir, err);
    if (st != CM_OK)
        cm_locate_map_error(job->state->project, job->map, err);
    free(db_path);
    free(maps_dir);
    return st;
}

/* The territories' spatial index serves whoever opens the store afterwards, not
 * the run: it is built last, beside the maps or beside the reports. */
static cm_status index_territories(void *arg, cm_error *err)
{
    run_state *s = arg;
    char *db_path = staged(s, "covermap.sqlite");
    cm_store *store = NULL;
    cm_status st = cm_store_open_plain_writer(db_path, &store, err);
    free(db_path);
    cm_trace_mark("index: store opened");
    if (st == CM_OK)
        st = cm_store_begin(store, err);
    if (st == CM_OK)
        st = cm_store_fill_spatial_index(store, "territories", err);
    cm_trace_mark("index: filled");
    if (st == CM_OK)
        st = cm_store_commit(store, err);
    else if (store)
        cm_store_rollback(store);
    cm_store_close(store);
    cm_trace_mark("index: done");
    return st;
}

static cm_status write_reports(void *arg, cm_error *err);
static cm_status export_geopackage(void *arg, cm_error *err);
enum { OUTPUT_JOBS = 3 }; /* reports, GeoPackage, spatial index */

/* The jobs after the store other than the maps: the reports, the GeoPackage and the
 * spatial index. When the maps leave a core free, those that need no map start with
 * them, in the background, on whatever CPU the maps leave (the GeoPackage reads the
 * maps' style files if they are written by then); the others run after
 * the maps, side by side (with every core taken by maps, starting early only made the
 * run longer). Without maps there is nothing to start beside. */
static size_t output_jobs(run_state *s, bool beside_maps, cm_job *jobs)
{
    const cm_project *p = s->project;
    bool maps_leave_a_core = p->map_count > 0 && p->map_count < (size_t)s->workers;
    struct {
        cm_job_fn run;
        bool wanted, needs_maps;
    } candidates[] = {
        {write_reports, true, p->report_html}, /* the HTML report shows the maps */
        {export_geopackage, p->export_geopackage, false},
        {index_territories, true, false},
    };
    size_t count = 0;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        bool early = maps_leave_a_core && !candidates[i].needs_maps;
        if (candidates[i].wanted && early == beside_maps)
            jobs[count++] = (cm_job){candidates[i].run, s, beside_maps, NULL};
    }
    return count;
}

/* Once the last map drawing on a preloaded boundary layer runs in its own process,
 * this one lets the layer go: that job then draws on pages of its own instead of
 * copies of this process's (34 MB at 300 dpi). */
static void release_layer_after_start(void *arg)
{
    map_job *job = arg;
    cm_map_geometry_release_boundary_layer(cm_preload_for(&job->state->preload, job->map));
}

/* Marks, for each preloaded boundary layer, the last map whose PNG starts from it:
 * maps are started in order, so every other user has started (and copies it) before.
 * Walking from the end, a layer already given its last user is taken. */
static void mark_last_layer_users(run_state *s, map_job *args, size_t count)
{
    for (size_t i = count; i-- > 0;) {
        cm_map_geometry *geometry = cm_preload_for(&s->preload, args[i].map);
        if (!cm_map_geometry_serves_png(geometry, args[i].map))
            continue;
        bool taken = false;
        for (size_t j = i + 1; j < count && !taken; j++)
            taken = args[j].last_layer_user && cm_preload_for(&s->preload, args[j].map) == geometry;
        args[i].last_layer_user = !taken;
    }
}

/* Each map is drawn by its own job; with several cores they run side by side. */
static cm_status render_maps(run_state *s, cm_error *err)
{
    size_t count = s->project->map_count;
    map_job *args = calloc(count + 1, sizeof *args);
    cm_job *jobs = calloc(count + OUTPUT_JOBS, sizeof *jobs);
    cm_status st = args && jobs ? CM_OK : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    size_t total = 0;
    for (size_t i = 0; i < count && st == CM_OK; i++) {
        args[i] = (map_job){s, &s->project->maps[i], false};
        jobs[total++] = (cm_job){render_one_map, &args[i], false, NULL};
    }
    if (st == CM_OK)
        total += output_jobs(s, true, jobs + total);

    stage_begin(s);
    cm_trace_mark("store: closed");
    cm_preload_finish(&s->preload);
    cm_trace_mark("maps: outline preload joined");
    if (st == CM_OK) {
        cm_preload_share_emphasis(&s->preload); /* from the store it preloaded from */
        cm_trace_mark("maps: shared emphasis");
        mark_last_layer_users(s, args, count);
        for (size_t i = 0; i < count; i++)
            if (args[i].last_layer_user)
                jobs[i].started = release_layer_after_start;
    }
    if (st == CM_OK) {
        cm_progress_begin(&s->progress,
                          total > count ? "drawing maps, writing outputs" : "drawing maps", total);
        st = cm_run_jobs(jobs, total, s->workers, &s->progress, err);
    }
    cm_trace_mark("maps: done");
    stage_end(s, "maps"); /* and what ran beside them */
    cm_preload_free(&s->preload);
    free(args);
    free(jobs);
    return st;
}

static unsigned report_formats(const cm_project *p)
{
    return (p->report_csv ? CM_REPORT_CSV : 0) | (p->report_md ? CM_REPORT_MD : 0) |
           (p->report_html ? CM_REPORT_HTML : 0) | (p->report_pdf ? CM_REPORT_PDF : 0);
}

/* The file the HTML report embeds for a map: its SVG, unless the SVG is too heavy for
 * a page that must open on a phone (province-wide maps) and a PNG exists. */
static char *embedded_map(const run_state *s, const cm_map_spec *map)
{
    enum { LARGEST_EMBEDDED_SVG = 4 * 1024 * 1024 };
    char *svg = NULL, *png = NULL;
    if (map->format_svg) {
        char *file = g_strdup_printf("maps/%s.svg", map->name);
        svg = staged(s, file);
        g_free(file);
    }
    if (map->format_png) {
        char *file = g_strdup_printf("maps/%s.png", map->name);
        png = staged(s, file);
        g_free(file);
    }
    struct stat st;
    bool svg_too_big = svg && png && stat(svg, &st) == 0 && st.st_size > LARGEST_EMBEDDED_SVG;
    if (svg && !svg_too_big) {
        free(png);
        return svg;
    }
    free(svg);
    return png;
}

static cm_status attach_maps(run_state *s, cm_report *report, cm_error *err)
{
    size_t count = 0;
    char **paths = calloc(s->project->map_count + 1, sizeof *paths);
    const char **titles = calloc(s->project->map_count + 1, sizeof *titles);
    cm_status st = paths && titles ? CM_OK : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->project->map_count && st == CM_OK; i++) {
        const cm_map_spec *map = &s->project->maps[i];
        char *path = embedded_map(s, map);
        if (!path)
            continue;
        paths[count] = path;
        titles[count] = map->title;
        count++;
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
    unsigned formats = report_formats(s->project);
    cm_status st = CM_OK;
    if (formats == 0) {
        /* The join report alone: written from the store as it is read. */
        char *path = staged(s, "report/join-report.csv");
        st = cm_report_write_join_csv_from_store(db_path, path, err);
        free(path);
    } else {
        cm_report *report = NULL;
        st = cm_report_load(db_path, &report, err);
        if (st == CM_OK)
            st = attach_maps(s, report, err);
        if (st == CM_OK)
            st = cm_report_write_all(report, report_dir, formats, err);
        cm_report_free(report);
    }
    free(db_path);
    free(report_dir);
    return st;
}

static cm_status export_geopackage(void *arg, cm_error *err)
{
    run_state *s = arg;
    char *db_path = staged(s, "covermap.sqlite");
    char *gpkg = staged(s, "covermap.gpkg");
    /* The maps' style files are read where they are already written (map jobs write
     * them first, each file whole or not at all); beside a map that has not written
     * them yet they are built from the values, which gives the same bytes. */
    char *maps_dir = staged(s, "maps");
    cm_status st = cm_export_geopackage(db_path, s->project, maps_dir, gpkg, err);
    free(maps_dir);
    free(db_path);
    free(gpkg);
    return st;
}

/* What did not run beside the maps. */
static cm_status write_outputs(run_state *s, cm_error *err)
{
    cm_job jobs[OUTPUT_JOBS];
    size_t count = output_jobs(s, false, jobs);
    if (count == 0)
        return CM_OK;
    stage_begin(s);
    cm_progress_begin(&s->progress, "writing reports and exports", count);
    cm_status st = cm_run_jobs(jobs, count, s->workers, &s->progress, err);
    stage_end(s, "outputs"); /* reports, GeoPackage, spatial index */
    return st;
}

static void run_state_free(run_state *s)
{
    cm_project_free(s->project);
    g_string_free(s->notes, TRUE);
}

static void log_outputs(const run_state *s, const char *out_dir)
{
    if (!s->options->log)
        return;
    fputs(s->notes->str, s->options->log);
    fprintf(s->options->log, "covermap: wrote %s/ (covermap.sqlite%s, %zu map%s, report/)\n",
            out_dir, s->project->export_geopackage ? ", covermap.gpkg" : "", s->project->map_count,
            s->project->map_count == 1 ? "" : "s");
}

cm_status cm_run(const cm_run_options *options, cm_error *err)
{
    run_state s = {0};
    s.options = options;
    s.workers = cm_job_workers();
    cm_progress_init(&s.progress, options->log);
    s.notes = g_string_new(NULL);
    const char *out_dir =
        options->out_dir && options->out_dir[0] ? options->out_dir : "covermap-out";
    cm_status st = cm_project_load(options->project_path, &s.project, err);
    if (st == CM_OK && options->override_as_of)
        s.project->as_of = options->as_of;
    if (st == CM_OK)
        st = cm_staging_open(&s.staging, out_dir, err);
    if (st == CM_OK)
        st = build_store(&s, err);
    if (st == CM_OK)
        st = render_maps(&s, err);
    if (st == CM_OK)
        st = write_outputs(&s, err);
    cm_trace_mark("outputs: done");
    /* Before the staging folder may be removed, and the project freed: the preload
     * thread reads both. */
    cm_preload_free(&s.preload);
    if (st == CM_OK)
        st = cm_staging_publish(&s.staging, err);
    else
        cm_staging_close(&s.staging, true); /* nothing to do if it was never opened */
    cm_trace_mark("run: published");
    if (st == CM_OK)
        log_outputs(&s, out_dir);
    else if (err && !err->file[0])
        cm_error_set_file(err, options->project_path); /* every error names a file */
    run_state_free(&s);
    cm_trace_mark("run: freed");
    return st;
}
