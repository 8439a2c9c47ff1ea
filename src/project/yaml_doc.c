#include "project/yaml_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Project and style files are hand-written; anything this large is a mistake. */
#define CM_YAML_MAX_BYTES (1L * 1024 * 1024)

static cm_status io_error(const char *display, const char *what, int code, cm_error *err)
{
    cm_error_set(err, CM_ERR_IO, "cannot %s this file: %s", what, strerror(code));
    return cm_error_at(err, display, 0, NULL);
}

/* Reads the whole file; *out is malloc'd and NUL-terminated. */
static cm_status read_file(const char *path, const char *display, unsigned char **out, size_t *size,
                           cm_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return io_error(display, "read", errno, err);
    if (S_ISDIR(st.st_mode))
        return io_error(display, "read", EISDIR, err);
    if (!S_ISREG(st.st_mode)) {
        /* A device or a pipe could block or never end. */
        cm_error_set(err, CM_ERR_IO, "'%s' is not a regular file", path);
        return cm_error_at(err, display, 0, NULL);
    }
    if (st.st_size > CM_YAML_MAX_BYTES) {
        cm_error_set(err, CM_ERR_IO, "'%s' is too large for a YAML settings file (%lld bytes)",
                     path, (long long)st.st_size);
        return cm_error_at(err, display, 0, NULL);
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return io_error(display, "open", errno, err);
    unsigned char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return io_error(display, "read", EIO, err);
    }
    buf[n] = '\0';
    *out = buf;
    *size = n;
    return CM_OK;
}

/* Reader errors (bad UTF-8) carry a byte offset, not a mark: count lines. */
static void offset_to_mark(const unsigned char *buf, size_t size, size_t offset, long *line,
                           long *column)
{
    long l = 1, c = 1;
    for (size_t i = 0; i < offset && i < size; i++) {
        if (buf[i] == '\n') {
            l++;
            c = 1;
        } else if ((buf[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

static cm_status parser_error(const yaml_parser_t *parser, const unsigned char *buf, size_t size,
                              const char *display, cm_error *err)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory parsing YAML");
    long line, column;
    if (parser->error == YAML_READER_ERROR) {
        offset_to_mark(buf, size, parser->problem_offset, &line, &column);
    } else {
        line = (long)parser->problem_mark.line + 1;
        column = (long)parser->problem_mark.column + 1;
    }
    const char *problem = parser->problem ? parser->problem : "unreadable YAML";
    if (parser->context)
        cm_error_set(err, CM_ERR_PROJECT, "invalid YAML: %s %s", parser->context, problem);
    else
        cm_error_set(err, CM_ERR_PROJECT, "invalid YAML: %s", problem);
    cm_error_at(err, display, 0, NULL);
    cm_error_set_line(err, line, column);
    if (parser->context && parser->context_mark.line != parser->problem_mark.line)
        cm_error_set_hint(err, "the construct started at line %ld",
                          (long)parser->context_mark.line + 1);
    else if (strstr(problem, "cannot start any token"))
        cm_error_set_hint(err, "indent with spaces, not tabs, and quote values that start "
                               "with '@', '`' or '%%'");
    return CM_ERR_PROJECT;
}

cm_status cm_yaml_load(const char *path, const char *display, cm_yaml_doc *out, cm_error *err)
{
    memset(out, 0, sizeof *out);
    if (!display)
        display = path;
    unsigned char *buf = NULL;
    size_t size = 0;
    cm_status st = read_file(path, display, &buf, &size, err);
    if (st != CM_OK)
        return st;

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(buf);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory starting the YAML parser");
    }
    yaml_parser_set_input_string(&parser, buf, size);
    if (!yaml_parser_load(&parser, &out->doc)) {
        st = parser_error(&parser, buf, size, display, err);
        yaml_parser_delete(&parser);
        free(buf);
        return st;
    }
    yaml_parser_delete(&parser);
    free(buf);
    out->loaded = true;
    out->file = strdup(display);
    if (!out->file) {
        cm_yaml_free(out);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    return CM_OK;
}

void cm_yaml_free(cm_yaml_doc *yd)
{
    if (!yd)
        return;
    if (yd->loaded)
        yaml_document_delete(&yd->doc);
    free(yd->file);
    memset(yd, 0, sizeof *yd);
}

yaml_node_t *cm_yaml_root(cm_yaml_doc *yd)
{
    return yd->loaded ? yaml_document_get_root_node(&yd->doc) : NULL;
}

yaml_node_t *cm_yaml_node(cm_yaml_doc *yd, int index)
{
    return yaml_document_get_node(&yd->doc, index);
}

long cm_yaml_line(const yaml_node_t *node)
{
    return node ? (long)node->start_mark.line + 1 : 0;
}

long cm_yaml_column(const yaml_node_t *node)
{
    return node ? (long)node->start_mark.column + 1 : 0;
}

bool cm_yaml_is_null(const yaml_node_t *node)
{
    if (!node || node->type != YAML_SCALAR_NODE)
        return false;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *t = (const char *)node->data.scalar.value;
    return t[0] == '\0' || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 ||
           strcmp(t, "Null") == 0 || strcmp(t, "NULL") == 0;
}

const char *cm_yaml_text(const yaml_node_t *node)
{
    if (!node || node->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)node->data.scalar.value;
}

const char *cm_yaml_kind_name(const yaml_node_t *node)
{
    if (!node)
        return "nothing";
    switch (node->type) {
    case YAML_SCALAR_NODE: return cm_yaml_is_null(node) ? "an empty value" : "text";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

cm_status cm_yaml_verror(const cm_yaml_doc *yd, const yaml_node_t *node, const char *field,
                         cm_error *err, const char *fmt, va_list ap)
{
    if (!err)
        return CM_ERR_PROJECT;
    cm_error_vset(err, CM_ERR_PROJECT, fmt, ap);
    cm_error_at(err, yd->file, 0, NULL);
    cm_error_set_field(err, field ? field : "");
    cm_error_set_line(err, cm_yaml_line(node), cm_yaml_column(node));
    err->hint[0] = '\0';
    return CM_ERR_PROJECT;
}

cm_status cm_yaml_error(const cm_yaml_doc *yd, const yaml_node_t *node, const char *field,
                        cm_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cm_status st = cm_yaml_verror(yd, node, field, err, fmt, ap);
    va_end(ap);
    return st;
}
