/* Typed access to a map's style settings (flat `key: value` strings). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "covermap/palette.h"
#include "render_internal.h"

const char *cm_render_setting(const cm_map_spec *map, const char *key, const char *fallback)
{
    const char *value = cm_map_setting(map, key);
    return value && value[0] ? value : fallback;
}

double cm_render_setting_number(const cm_map_spec *map, const char *key, double fallback)
{
    const char *value = cm_map_setting(map, key);
    if (!value)
        return fallback;
    char *end = NULL;
    double number = strtod(value, &end);
    if (end == value)
        return fallback;
    while (*end && isspace((unsigned char)*end))
        end++;
    return *end ? fallback : number;
}

bool cm_render_setting_bool(const cm_map_spec *map, const char *key, bool fallback)
{
    const char *value = cm_map_setting(map, key);
    if (!value)
        return fallback;
    if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcasecmp(value, "oui") ||
        !strcmp(value, "1") || !strcasecmp(value, "on"))
        return true;
    if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcasecmp(value, "non") ||
        !strcmp(value, "0") || !strcasecmp(value, "off"))
        return false;
    return fallback;
}

bool cm_parse_hex_color(const char *text, cm_color *out)
{
    cm_rgb rgb;
    if (!text || !cm_rgb_parse_hex(text, &rgb))
        return false;
    *out = cm_color_from_rgb(rgb);
    return true;
}

cm_color cm_color_from_rgb(cm_rgb rgb)
{
    return (cm_color){rgb.r / 255.0, rgb.g / 255.0, rgb.b / 255.0};
}

cm_color cm_render_setting_color(const cm_map_spec *map, const char *key, cm_color fallback)
{
    cm_color color;
    if (cm_parse_hex_color(cm_map_setting(map, key), &color))
        return color;
    return fallback;
}

cm_boundary_style cm_boundary_style_of(const cm_map_spec *map)
{
    return (cm_boundary_style){
        cm_render_setting_color(map, "boundary.color", (cm_color){.39, .39, .39}),
        cm_render_setting_number(map, "boundary.width", 0.5)};
}

cm_emphasis_settings cm_emphasis_settings_of(const cm_map_spec *map)
{
    const char *mode = cm_render_setting(map, "emphasis", "outline");
    return (cm_emphasis_settings){
        !strcasecmp(mode, "none")    ? CM_EMPHASIS_NONE
        : !strcasecmp(mode, "hatch") ? CM_EMPHASIS_HATCH
                                     : CM_EMPHASIS_OUTLINE,
        cm_render_setting_color(map, "outline.color", (cm_color){0, 0, 0}),
        cm_render_setting_number(map, "outline.width", 2.0)};
}
