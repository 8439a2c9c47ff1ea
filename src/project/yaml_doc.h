/* A YAML file loaded as libyaml's node tree, with the helpers the project and
 * style readers share: node kinds, marks (line/column), null scalars, errors
 * that name the file and the line. Private to src/project. */
#ifndef COVERMAP_PROJECT_YAML_DOC_H
#define COVERMAP_PROJECT_YAML_DOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <yaml.h>

#include "covermap/error.h"

typedef struct {
    yaml_document_t doc;
    bool loaded;
    char *file; /* the name used in messages (owned) */
} cm_yaml_doc;

/* Reads and parses path. `display` is the name errors use (NULL: path).
 * A missing or unreadable file is CM_ERR_IO; invalid YAML is CM_ERR_PROJECT
 * with the parser's problem, line and column. On success release with
 * cm_yaml_free; on failure nothing needs releasing. */
cm_status cm_yaml_load(const char *path, const char *display, cm_yaml_doc *out, cm_error *err);
void cm_yaml_free(cm_yaml_doc *yd);

/* The document's root node; NULL for an empty file. */
yaml_node_t *cm_yaml_root(cm_yaml_doc *yd);
yaml_node_t *cm_yaml_node(cm_yaml_doc *yd, int index);

long cm_yaml_line(const yaml_node_t *node);
long cm_yaml_column(const yaml_node_t *node);

/* A plain scalar written as nothing, `~` or `null` (a quoted "null" is text). */
bool cm_yaml_is_null(const yaml_node_t *node);
/* The scalar's text (NUL-terminated by libyaml); NULL if not a scalar. */
const char *cm_yaml_text(const yaml_node_t *node);
/* "text", "a mapping", "a list": for "expected X, found Y" messages. */
const char *cm_yaml_kind_name(const yaml_node_t *node);

/* Fills err with CM_ERR_PROJECT at node's line and column in this file, with
 * field (may be NULL) and the formatted message; returns CM_ERR_PROJECT. */
cm_status cm_yaml_error(const cm_yaml_doc *yd, const yaml_node_t *node, const char *field,
                        cm_error *err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
cm_status cm_yaml_verror(const cm_yaml_doc *yd, const yaml_node_t *node, const char *field,
                         cm_error *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

#endif
