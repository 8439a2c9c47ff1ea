/* The life of a run's outputs: a staging folder inside OUTDIR, then all or
 * nothing moved into place, and nothing left behind. */
#include "pipeline/staging.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cm_remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                cm_remove_tree(child);
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
        cm_remove_tree(path);
        g_free(path);
    }
    g_dir_close(dir);
}

/* Creates out_dir (and missing parents), remembering the topmost folder created
 * so that a failed run can remove exactly what it made. */
cm_status cm_staging_open(cm_staging *s, const char *out_dir, cm_error *err)
{
    memset(s, 0, sizeof *s);
    s->out_dir = strdup(out_dir);
    if (!s->out_dir)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
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

cm_status cm_staging_publish(cm_staging *s, cm_error *err)
{
    /* An interrupt while moving outputs into place would leave OUTDIR half old, half
     * new: interrupts wait until the moves and the clean-up are done. */
    sigset_t interrupts, previous;
    sigemptyset(&interrupts);
    sigaddset(&interrupts, SIGINT);
    sigaddset(&interrupts, SIGTERM);
    sigaddset(&interrupts, SIGHUP);
    sigprocmask(SIG_BLOCK, &interrupts, &previous);
    cm_status st = publish_folder(s->staging, s->out_dir, err);
    cm_staging_close(s, st != CM_OK);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    return st;
}

void cm_staging_close(cm_staging *s, bool failed)
{
    if (s->staging)
        cm_remove_tree(s->staging);
    if (failed && s->created_root)
        cm_remove_tree(s->created_root);
    free(s->out_dir);
    free(s->staging);
    free(s->created_root);
    memset(s, 0, sizeof *s);
}

char *cm_staged_path(const cm_staging *s, const char *relative)
{
    char *joined = g_build_filename(s->staging, relative, NULL);
    char *result = strdup(joined);
    g_free(joined);
    return result;
}
