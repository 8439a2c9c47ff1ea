/* From values to colours: classes for numbers (through cm_classify), categories
 * for text (risk levels in their fixed order), and the legend's labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/classify.h"
#include "covermap/funding.h"
#include "covermap/text.h"
#include "render_internal.h"

/* Risk reads as risk: RdYlBu's dark red, orange, yellow and blue (colour-blind safe). */
static const char *const default_risk_colors = "#a50026,#f46d43,#fee090,#4575b4";
#define RISK_LEVELS 4

int cm_risk_from_text(const char *text)
{
    cm_risk_level risk;
    if (text && cm_risk_level_parse(text, &risk))
        return (int)risk;
    return -1;
}

void cm_symbology_free(cm_symbology *sym)
{
    for (size_t i = 0; i < sym->class_count; i++) {
        if (sym->labels)
            free(sym->labels[i]);
        if (sym->categories)
            free(sym->categories[i]);
    }
    free(sym->labels);
    free(sym->categories);
    free(sym->colors);
    free(sym->counts);
    free(sym->lower);
    free(sym->upper);
    memset(sym, 0, sizeof *sym);
}

static cm_status allocate_classes(cm_symbology *sym, size_t count, bool categorical, cm_error *err)
{
    sym->class_count = count;
    sym->categorical = categorical;
    size_t n = count ? count : 1;
    sym->colors = calloc(n, sizeof *sym->colors);
    sym->labels = calloc(n, sizeof *sym->labels);
    sym->counts = calloc(n, sizeof *sym->counts);
    if (categorical)
        sym->categories = calloc(n, sizeof *sym->categories);
    else {
        sym->lower = calloc(n, sizeof *sym->lower);
        sym->upper = calloc(n, sizeof *sym->upper);
    }
    if (!sym->colors || !sym->labels || !sym->counts ||
        (categorical ? !sym->categories : !sym->lower || !sym->upper))
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    return CM_OK;
}

static cm_status palette_colors(const cm_map_spec *map, const char *palette, size_t k,
                                cm_color *out, cm_error *err)
{
    if (k == 0)
        return CM_OK;
    cm_rgb rgb[CM_PALETTE_MAX_COLOURS];
    if (k > CM_PALETTE_MAX_COLOURS || !cm_palette_get_for_classes(palette, (int)k, rgb)) {
        cm_error_set(err, CM_ERR_PROJECT, "map '%s': palette '%s' has no %zu-class version",
                     map->name, palette, k);
        cm_error_set_field(err, "palette");
        cm_error_set_hint(err, "ColorBrewer sequential palettes go up to 9 classes, diverging "
                               "ones to 11; viridis and cividis take any count");
        return CM_ERR_PROJECT;
    }
    for (size_t i = 0; i < k; i++)
        out[i] = cm_color_from_rgb(rgb[i]);
    return CM_OK;
}

static int auto_decimals(const cm_classes *classes)
{
    bool integers = fabs(classes->min - round(classes->min)) < 1e-9;
    for (size_t i = 0; i < classes->class_count; i++)
        integers = integers && fabs(classes->upper[i] - round(classes->upper[i])) < 1e-9;
    if (integers)
        return 0;
    double range = classes->upper[classes->class_count - 1] - classes->min;
    return range >= 1000 ? 0 : range >= 1 ? 1 : range >= 0.1 ? 2 : 3;
}

static char *range_label(double lower, double upper, int decimals, cm_locale locale)
{
    char a[64], b[64], text[160];
    cm_format_number(lower, decimals, locale, a, sizeof a);
    cm_format_number(upper, decimals, locale, b, sizeof b);
    if (!strcmp(a, b))
        snprintf(text, sizeof text, "%s", a);
    else
        snprintf(text, sizeof text, "%s – %s", a, b);
    return strdup(text);
}

static cm_status numeric_symbology(const cm_map_spec *map, cm_locale locale, cm_feature_set *set,
                                   cm_symbology *sym, cm_error *err)
{
    cm_class_method method = map->method;
    if (method == CM_CLASS_DEFAULT &&
        !cm_class_method_parse(cm_render_setting(map, "classes.method", "fisher-jenks"), &method))
        method = CM_CLASS_FISHER_JENKS;
    size_t k = map->class_count > 0 ? (size_t)map->class_count
                                    : (size_t)cm_render_setting_number(map, "classes.count", 5);
    k = k < 1 ? 1 : k;
    double *values = malloc(sizeof(double) * (set->count ? set->count : 1));
    if (!values)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < set->count; i++)
        values[i] = set->items[i].value_null ? NAN : set->items[i].value;
    cm_classes classes;
    cm_status st =
        cm_classify(values, set->count, method, k, map->breaks, map->break_count, &classes, err);
    free(values);
    if (st != CM_OK) {
        cm_error_prefix(err, "map '%s'", map->name);
        return st;
    }
    st = allocate_classes(sym, classes.class_count, false, err);
    if (st == CM_OK)
        st = palette_colors(map, cm_render_setting(map, "palette", "YlGnBu"), classes.class_count,
                            sym->colors, err);
    sym->null_count = classes.null_count;
    if (st == CM_OK && classes.class_count) {
        const char *fixed = cm_map_setting(map, "legend.decimals");
        sym->value_decimals = fixed ? atoi(fixed) : auto_decimals(&classes);
    }
    for (size_t i = 0; st == CM_OK && i < classes.class_count; i++) {
        sym->lower[i] = i == 0 ? classes.min : classes.upper[i - 1];
        sym->upper[i] = classes.upper[i];
        sym->counts[i] = classes.counts[i];
        sym->labels[i] = range_label(sym->lower[i], sym->upper[i], sym->value_decimals, locale);
        if (!sym->labels[i])
            st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; st == CM_OK && i < set->count; i++)
        set->items[i].class_index =
            set->items[i].value_null ? -1 : cm_classes_find(&classes, set->items[i].value);
    cm_classes_free(&classes);
    return st;
}

static bool values_are_risk_levels(const cm_feature_set *set)
{
    size_t seen = 0;
    for (size_t i = 0; i < set->count; i++) {
        if (set->items[i].value_null)
            continue;
        if (cm_risk_from_text(set->items[i].text) < 0)
            return false;
        seen++;
    }
    return seen > 0;
}

static cm_status risk_symbology(const cm_map_spec *map, cm_locale locale, cm_feature_set *set,
                                cm_symbology *sym, cm_error *err)
{
    cm_status st = allocate_classes(sym, RISK_LEVELS, true, err);
    if (st != CM_OK)
        return st;
    char colors[256];
    snprintf(colors, sizeof colors, "%s",
             cm_render_setting(map, "risk.colors", default_risk_colors));
    char *save = NULL, *item = strtok_r(colors, ", ", &save);
    for (int r = 0; r < RISK_LEVELS; r++) {
        cm_color fallback;
        char defaults[64];
        snprintf(defaults, sizeof defaults, "%s", default_risk_colors + 8 * r);
        defaults[7] = '\0';
        cm_parse_hex_color(defaults, &fallback);
        if (!item || !cm_parse_hex_color(item, &sym->colors[r]))
            sym->colors[r] = fallback;
        item = item ? strtok_r(NULL, ", ", &save) : NULL;
        sym->categories[r] = strdup(cm_risk_level_name((cm_risk_level)r));
        sym->labels[r] = strdup(cm_risk_level_label((cm_risk_level)r, locale));
        if (!sym->categories[r] || !sym->labels[r])
            return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < set->count; i++) {
        cm_feature *f = &set->items[i];
        f->class_index = f->value_null ? -1 : cm_risk_from_text(f->text);
        if (f->class_index < 0)
            sym->null_count++;
        else
            sym->counts[f->class_index]++;
    }
    return CM_OK;
}

static const cm_feature_set *category_set; /* qsort has no context argument */

static int compare_categories(const void *a, const void *b)
{
    const cm_feature *fa = &category_set->items[*(const size_t *)a];
    const cm_feature *fb = &category_set->items[*(const size_t *)b];
    if (category_set->numeric_values && fa->value != fb->value)
        return fa->value < fb->value ? -1 : 1;
    return strcmp(fa->text, fb->text);
}

static cm_status text_symbology(const cm_map_spec *map, cm_feature_set *set, cm_symbology *sym,
                                cm_error *err)
{
    size_t *order = malloc(sizeof(size_t) * (set->count ? set->count : 1));
    if (!order)
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < set->count; i++)
        if (!set->items[i].value_null)
            order[n++] = i;
    category_set = set;
    qsort(order, n, sizeof *order, compare_categories);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(set->items[order[i]].text, set->items[order[i - 1]].text))
            distinct++;
    cm_status st = allocate_classes(sym, distinct, true, err);
    size_t c = 0;
    for (size_t i = 0; st == CM_OK && i < n; i++) {
        cm_feature *f = &set->items[order[i]];
        if (i > 0 && strcmp(f->text, set->items[order[i - 1]].text))
            c++;
        if (!sym->categories[c]) {
            sym->categories[c] = strdup(f->text);
            sym->labels[c] = strdup(f->text);
            if (!sym->categories[c] || !sym->labels[c])
                st = cm_error_set(err, CM_ERR_NOMEM, "out of memory");
        }
        f->class_index = (int)c;
        sym->counts[c]++;
    }
    free(order);
    sym->null_count = set->count - n;
    if (st != CM_OK || distinct == 0)
        return st;
    const char *palette = cm_render_setting(map, "palette.categorical", "Set2");
    int max_k = 0;
    if (!cm_palette_info(palette, NULL, &max_k, NULL))
        return palette_colors(map, palette, 1, sym->colors, err); /* reports the bad name */
    size_t coloured = distinct < (size_t)max_k ? distinct : (size_t)max_k;
    st = palette_colors(map, palette, coloured, sym->colors, err);
    for (size_t i = coloured; i < distinct; i++)
        sym->colors[i] = (cm_color){0.74, 0.74, 0.74}; /* beyond the palette: grey */
    return st;
}

cm_status cm_build_symbology(const cm_map_spec *map, cm_locale locale, cm_feature_set *features,
                             cm_symbology *out, cm_error *err)
{
    memset(out, 0, sizeof *out);
    cm_status st;
    if (values_are_risk_levels(features))
        st = risk_symbology(map, locale, features, out, err);
    else if (map->method == CM_CLASS_CATEGORICAL || !features->numeric_values)
        st = cm_value_texts(features) ? text_symbology(map, features, out, err)
                                      : cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    else
        st = numeric_symbology(map, locale, features, out, err);
    if (st != CM_OK)
        cm_symbology_free(out);
    return st;
}
