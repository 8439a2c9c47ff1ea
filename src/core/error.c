#include "covermap/error.h"

#include <cpl_error.h>
#include <stdio.h>
#include <string.h>

void cm_error_clear(cm_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

cm_status cm_error_vset(cm_error *err, cm_status status, const char *fmt, va_list ap)
{
    if (!err)
        return status;
    /* A new error starts afresh: no file, line or hint left from an earlier one. */
    memset(err, 0, sizeof *err);
    err->status = status;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return status;
}

cm_status cm_error_set(cm_error *err, cm_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cm_error_vset(err, status, fmt, ap);
    va_end(ap);
    return status;
}

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

cm_status cm_error_at(cm_error *err, const char *file, long line, const char *field)
{
    if (!err)
        return CM_ERR_INTERNAL;
    if (file)
        copy_text(err->file, sizeof err->file, file);
    if (line > 0)
        err->line = line;
    if (field)
        copy_text(err->field, sizeof err->field, field);
    return err->status;
}

void cm_error_set_file(cm_error *err, const char *file)
{
    if (err && file && !err->file[0])
        copy_text(err->file, sizeof err->file, file);
}

void cm_error_set_line(cm_error *err, long line, long column)
{
    if (!err)
        return;
    err->line = line;
    err->column = column;
}

void cm_error_set_field(cm_error *err, const char *field)
{
    if (err)
        copy_text(err->field, sizeof err->field, field);
}

void cm_error_set_hint(cm_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
}

void cm_error_prefix(cm_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    char old[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    size_t plen = strlen(prefix);
    if (plen + 2 >= sizeof err->message)
        return;
    memcpy(err->message, prefix, plen);
    memcpy(err->message + plen, ": ", 2);
    size_t room = sizeof err->message - plen - 3;
    size_t olen = strnlen(old, room);
    memcpy(err->message + plen + 2, old, olen);
    err->message[plen + 2 + olen] = '\0';
}

static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    if (*used >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

void cm_error_format(const cm_error *err, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    buf[0] = '\0';
    if (!err)
        return;
    size_t used = 0;
    if (err->file[0]) {
        append(buf, size, &used, "%s", err->file);
        if (err->line > 0)
            append(buf, size, &used, ":%ld", err->line);
        if (err->column > 0)
            append(buf, size, &used, ":%ld", err->column);
        append(buf, size, &used, ": ");
    }
    if (err->field[0])
        append(buf, size, &used, "'%s': ", err->field);
    append(buf, size, &used, "%s", err->message[0] ? err->message : cm_status_name(err->status));
    if (err->hint[0])
        append(buf, size, &used, " (hint: %s)", err->hint);
    /* One line, whatever a library put in its message. */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

const char *cm_status_name(cm_status status)
{
    switch (status) {
    case CM_OK: return "ok";
    case CM_ERR_USAGE: return "usage error";
    case CM_ERR_IO: return "input/output error";
    case CM_ERR_PROJECT: return "project file error";
    case CM_ERR_INPUT: return "input data error";
    case CM_ERR_GDAL: return "GDAL error";
    case CM_ERR_SQL: return "SQLite error";
    case CM_ERR_RENDER: return "rendering error";
    case CM_ERR_NOMEM: return "out of memory";
    case CM_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

/* GDAL reports through a global handler; keep the last failure so that the
 * caller can put it in a cm_error with covermap's own context. */
static _Thread_local char gdal_last_error[512];

static void CPL_STDCALL gdal_error_handler(CPLErr level, CPLErrorNum num, const char *msg)
{
    (void)num;
    if (level >= CE_Failure)
        snprintf(gdal_last_error, sizeof gdal_last_error, "%s", msg ? msg : "");
}

void cm_gdal_install_error_handler(void)
{
    CPLSetErrorHandler(gdal_error_handler);
}

const char *cm_gdal_last_error(void)
{
    return gdal_last_error;
}

void cm_gdal_clear_error(void)
{
    gdal_last_error[0] = '\0';
    CPLErrorReset();
}
