/* Report files appear whole or not at all: each is written to a hidden temporary
 * file beside its destination and renamed into place once complete. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_internal.h"

static void outfile_release(report_outfile *out)
{
    free(out->path);
    free(out->tmp_path);
    out->path = NULL;
    out->tmp_path = NULL;
    out->fp = NULL;
}

/* DIR/.BASE.tmp-XXXXXX, in the destination's folder so rename() stays atomic. */
static char *temp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dir_len;
    size_t size = strlen(path) + 16;
    char *templ = malloc(size);
    if (!templ)
        return NULL;
    snprintf(templ, size, "%.*s.%s.tmp-XXXXXX", (int)dir_len, path, base);
    return templ;
}

cm_status report_outfile_open(report_outfile *out, const char *path, cm_error *err)
{
    memset(out, 0, sizeof *out);
    out->path = strdup(path);
    out->tmp_path = temp_template(path);
    if (!out->path || !out->tmp_path) {
        outfile_release(out);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    int fd = mkstemp(out->tmp_path);
    if (fd < 0) {
        cm_error_set(err, CM_ERR_IO, "cannot create a file beside '%s': %s", path, strerror(errno));
        cm_error_set_file(err, path);
        outfile_release(out);
        return CM_ERR_IO;
    }
    /* mkstemp makes 0600; a report is meant to be shared. */
    if (fchmod(fd, 0644) != 0) {
        /* not fatal: the file is still ours and readable by us */
    }
    out->fp = fdopen(fd, "wb");
    if (!out->fp) {
        close(fd);
        unlink(out->tmp_path);
        outfile_release(out);
        return cm_error_set(err, CM_ERR_IO, "cannot open '%s' for writing", path);
    }
    return CM_OK;
}

void report_outfile_abort(report_outfile *out)
{
    if (out->fp)
        fclose(out->fp);
    if (out->tmp_path)
        unlink(out->tmp_path);
    outfile_release(out);
}

cm_status report_outfile_commit(report_outfile *out, cm_error *err)
{
    bool failed = ferror(out->fp) != 0;
    int saved = errno;
    if (fclose(out->fp) != 0 && !failed) {
        failed = true;
        saved = errno;
    }
    out->fp = NULL;
    if (!failed && rename(out->tmp_path, out->path) != 0) {
        failed = true;
        saved = errno;
    }
    if (failed) {
        cm_error_set(err, CM_ERR_IO, "cannot write '%s': %s", out->path, strerror(saved));
        cm_error_set_file(err, out->path);
        report_outfile_abort(out);
        return CM_ERR_IO;
    }
    outfile_release(out);
    return CM_OK;
}
