/* Errors are values: every fallible covermap function returns a cm_status and,
 * on failure, fills a cm_error with the context a user needs to fix the input. */
#ifndef COVERMAP_ERROR_H
#define COVERMAP_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
    CM_OK = 0,
    CM_ERR_USAGE,   /* bad command line */
    CM_ERR_IO,      /* file missing, unreadable, unwritable */
    CM_ERR_PROJECT, /* project file: YAML or contract violation */
    CM_ERR_INPUT,   /* a data value or a boundary file is wrong */
    CM_ERR_GDAL,    /* GDAL/OGR or PROJ failed */
    CM_ERR_SQL,     /* SQLite/SpatiaLite failed */
    CM_ERR_RENDER,  /* cairo/pango failed */
    CM_ERR_NOMEM,
    CM_ERR_INTERNAL
} cm_status;

typedef struct {
    cm_status status;
    char file[512];    /* the file at fault, as the user named it; empty if none */
    long line;         /* 1-based line (or row) in that file; 0 if unknown */
    long column;       /* 1-based column; 0 if unknown */
    char field[128];   /* the field, column or key at fault; empty if none */
    char message[768]; /* what was expected and what was found */
    char hint[384];    /* how to fix it; empty if no useful hint */
} cm_error;

/* Resets err to "no error". Safe on NULL. */
void cm_error_clear(cm_error *err);

/* Resets err (if not NULL) to a new error and returns status, so callers can write
 * `return cm_error_set(err, CM_ERR_INPUT, "bad %s", x);`. */
cm_status cm_error_set(cm_error *err, cm_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
cm_status cm_error_vset(cm_error *err, cm_status status, const char *fmt, va_list ap);

/* Context setters; each returns the error's status for chaining in returns. */
cm_status cm_error_at(cm_error *err, const char *file, long line, const char *field);
void cm_error_set_file(cm_error *err, const char *file);
void cm_error_set_line(cm_error *err, long line, long column);
void cm_error_set_field(cm_error *err, const char *field);
void cm_error_set_hint(cm_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends "prefix: " to the message (adds context on the way up). */
void cm_error_prefix(cm_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line: "file:line: field 'x': message (hint: ...)". Writes at most size bytes. */
void cm_error_format(const cm_error *err, char *buf, size_t size);

const char *cm_status_name(cm_status status);

/* Installs a CPL error handler that keeps GDAL's last failure message instead of
 * printing it; cm_gdal_last_error() returns it ("" if none). Call once at start. */
void cm_gdal_install_error_handler(void);
const char *cm_gdal_last_error(void);
void cm_gdal_clear_error(void);

#endif
