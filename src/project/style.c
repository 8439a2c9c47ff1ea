#include "project/style.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Styles are short; the limits only stop a runaway (alias loops, huge files). */
#define CM_STYLE_MAX_DEPTH 8
#define CM_STYLE_MAX_SETTINGS 2000
#define CM_STYLE_MAX_NODES 20000

typedef struct {
    cm_yaml_doc *yd;
    cm_map_spec *map;
    size_t first; /* settings from this index on come from the current node */
    const char *field;
    cm_error *err;
    size_t visited; /* nodes walked: aliases can make a small file a huge tree */
} flattener;

static cm_status nomem(cm_error *err)
{
    return cm_error_set(err, CM_ERR_NOMEM, "out of memory reading a style");
}

static cm_status add_setting(flattener *f, const yaml_node_t *at, const char *key, char *value)
{
    cm_map_spec *map = f->map;
    for (size_t i = f->first; i < map->setting_count; i++) {
        if (strcmp(map->settings[i].key, key) == 0) {
            free(value);
            return cm_yaml_error(f->yd, at, f->field, f->err, "style setting '%s' is given twice",
                                 key);
        }
    }
    if (map->setting_count >= CM_STYLE_MAX_SETTINGS) {
        free(value);
        return cm_yaml_error(f->yd, at, f->field, f->err, "too many style settings (more than %d)",
                             CM_STYLE_MAX_SETTINGS);
    }
    cm_setting *grown = realloc(map->settings, (map->setting_count + 1) * sizeof *grown);
    if (!grown) {
        free(value);
        return nomem(f->err);
    }
    map->settings = grown;
    char *key_copy = strdup(key);
    if (!key_copy) {
        free(value);
        return nomem(f->err);
    }
    map->settings[map->setting_count].key = key_copy;
    map->settings[map->setting_count].value = value;
    map->setting_count++;
    return CM_OK;
}

/* Joins a list of plain values with commas ("#fee5d9,#fcae91,#fb6a4a"). */
static cm_status join_list(flattener *f, yaml_node_t *seq, const char *key, char **out)
{
    size_t total = 1;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *item = cm_yaml_node(f->yd, *it);
        if (!item || item->type != YAML_SCALAR_NODE)
            return cm_yaml_error(f->yd, item ? item : seq, f->field, f->err,
                                 "style setting '%s': expected a list of values, found %s in it",
                                 key, cm_yaml_kind_name(item));
        total += item->data.scalar.length + 1;
    }
    char *joined = malloc(total);
    if (!joined)
        return nomem(f->err);
    size_t used = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *item = cm_yaml_node(f->yd, *it);
        const char *text = cm_yaml_is_null(item) ? "" : cm_yaml_text(item);
        size_t len = strlen(text);
        if (used > 0)
            joined[used++] = ',';
        memcpy(joined + used, text, len);
        used += len;
    }
    joined[used] = '\0';
    *out = joined;
    return CM_OK;
}

static cm_status flatten(flattener *f, yaml_node_t *node, const char *prefix, int depth);

static cm_status flatten_mapping(flattener *f, yaml_node_t *node, const char *prefix, int depth)
{
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = cm_yaml_node(f->yd, pair->key);
        yaml_node_t *value = cm_yaml_node(f->yd, pair->value);
        if (!key || key->type != YAML_SCALAR_NODE || cm_yaml_is_null(key))
            return cm_yaml_error(f->yd, key ? key : node, f->field, f->err,
                                 "a style setting needs a plain name before ':'");
        const char *name = cm_yaml_text(key);
        if (strlen(name) != key->data.scalar.length)
            return cm_yaml_error(f->yd, key, f->field, f->err,
                                 "a style setting name contains a NUL character");
        size_t len = (prefix ? strlen(prefix) + 1 : 0) + strlen(name) + 1;
        char *full = malloc(len);
        if (!full)
            return nomem(f->err);
        if (prefix)
            snprintf(full, len, "%s.%s", prefix, name);
        else
            snprintf(full, len, "%s", name);
        cm_status st = flatten(f, value, full, depth + 1);
        free(full);
        if (st != CM_OK)
            return st;
    }
    return CM_OK;
}

static cm_status flatten(flattener *f, yaml_node_t *node, const char *prefix, int depth)
{
    if (depth > CM_STYLE_MAX_DEPTH)
        return cm_yaml_error(f->yd, node, f->field, f->err,
                             "style settings are nested too deeply (more than %d levels)",
                             CM_STYLE_MAX_DEPTH);
    if (!node)
        return cm_error_set(f->err, CM_ERR_INTERNAL, "style: dangling YAML node");
    if (++f->visited > CM_STYLE_MAX_NODES)
        return cm_yaml_error(f->yd, node, f->field, f->err,
                             "style is too large (more than %d values once aliases are expanded)",
                             CM_STYLE_MAX_NODES);
    if (node->type == YAML_MAPPING_NODE)
        return flatten_mapping(f, node, prefix, depth);
    if (!prefix) {
        if (cm_yaml_is_null(node))
            return CM_OK;
        return cm_yaml_error(f->yd, node, f->field, f->err,
                             "expected a mapping of style settings (name: value lines), found %s",
                             cm_yaml_kind_name(node));
    }
    char *value = NULL;
    if (node->type == YAML_SEQUENCE_NODE) {
        cm_status st = join_list(f, node, prefix, &value);
        if (st != CM_OK)
            return st;
    } else {
        const char *text = cm_yaml_is_null(node) ? "" : cm_yaml_text(node);
        if (!cm_yaml_is_null(node) && strlen(text) != node->data.scalar.length)
            return cm_yaml_error(f->yd, node, f->field, f->err,
                                 "style setting '%s' contains a NUL character", prefix);
        value = strdup(text);
        if (!value)
            return nomem(f->err);
    }
    return add_setting(f, node, prefix, value);
}

cm_status cm_style_append(cm_yaml_doc *yd, yaml_node_t *node, const char *field, cm_map_spec *map,
                          cm_error *err)
{
    flattener f = {yd, map, map->setting_count, field, err, 0};
    return flatten(&f, node, NULL, 0);
}

cm_status cm_style_load(const char *path, const char *display, cm_map_spec *map, cm_error *err)
{
    cm_yaml_doc yd;
    cm_status st = cm_yaml_load(path, display, &yd, err);
    if (st != CM_OK)
        return st;
    yaml_node_t *root = cm_yaml_root(&yd);
    if (root)
        st = cm_style_append(&yd, root, NULL, map, err);
    cm_yaml_free(&yd);
    return st;
}
