/* Map styles: YAML mappings flattened into `key = value` settings. Private to
 * src/project; the renderer reads the result through cm_map_setting. */
#ifndef COVERMAP_PROJECT_STYLE_H
#define COVERMAP_PROJECT_STYLE_H

#include "covermap/project.h"
#include "project/yaml_doc.h"

/* Appends the settings of a mapping node to map->settings: nested mappings
 * become dotted keys (`legend: {position: x}` -> "legend.position"), lists of
 * values are joined with commas, an empty value is "". A key given twice in
 * the same node (after flattening) is an error. field names the node in
 * messages (may be NULL). A null node adds nothing. */
cm_status cm_style_append(cm_yaml_doc *yd, yaml_node_t *node, const char *field, cm_map_spec *map,
                          cm_error *err);

/* Loads a style file (a mapping, or empty) and appends its settings. Errors
 * inside it name `display`; a missing file is CM_ERR_IO. */
cm_status cm_style_load(const char *path, const char *display, cm_map_spec *map, cm_error *err);

#endif
