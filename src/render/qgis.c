/* QGIS styles for a map: a QML document (graduated renderer for numbers,
 * categorized for text) and an SLD with one rule per class, with the same
 * classes and colours as the rendered page. */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/render.h"
#include "render_internal.h"

static const char *const outline_rgba = "99,99,99,255";

static void append_escaped(GString *out, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&': g_string_append(out, "&amp;"); break;
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        case '\'': g_string_append(out, "&apos;"); break;
        default: g_string_append_c(out, *p); break;
        }
    }
}

static int channel(double v)
{
    return (int)lround(v * 255);
}

static void append_rgba(GString *out, cm_color c)
{
    g_string_append_printf(out, "%d,%d,%d,255", channel(c.r), channel(c.g), channel(c.b));
}

static void append_hex(GString *out, cm_color c)
{
    g_string_append_printf(out, "#%02x%02x%02x", channel(c.r), channel(c.g), channel(c.b));
}

static const char *nodata_label(cm_locale locale)
{
    return locale == CM_LOCALE_FR_CA ? "Données manquantes" : "No data";
}

/* One QGIS fill symbol; hatched draws the no-data diagonal pattern. */
static void qml_symbol(GString *out, size_t index, cm_color fill, bool hatched)
{
    g_string_append_printf(out,
                           "      <symbol type=\"fill\" name=\"%zu\" alpha=\"1\" "
                           "clip_to_extent=\"1\" force_rhr=\"0\">\n"
                           "        <layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" "
                           "pass=\"0\">\n          <Option type=\"Map\">\n",
                           index);
    g_string_append(out, "            <Option name=\"color\" type=\"QString\" value=\"");
    append_rgba(out, fill);
    g_string_append_printf(out,
                           "\"/>\n"
                           "            <Option name=\"outline_color\" type=\"QString\" "
                           "value=\"%s\"/>\n"
                           "            <Option name=\"outline_style\" type=\"QString\" "
                           "value=\"solid\"/>\n"
                           "            <Option name=\"outline_width\" type=\"QString\" "
                           "value=\"0.18\"/>\n"
                           "            <Option name=\"outline_width_unit\" type=\"QString\" "
                           "value=\"MM\"/>\n"
                           "            <Option name=\"style\" type=\"QString\" "
                           "value=\"%s\"/>\n          </Option>\n",
                           outline_rgba, hatched ? "b_diagonal" : "solid");
    g_string_append(out, "          <prop k=\"color\" v=\"");
    append_rgba(out, fill);
    g_string_append_printf(out,
                           "\"/>\n          <prop k=\"outline_color\" v=\"%s\"/>\n"
                           "          <prop k=\"outline_width\" v=\"0.18\"/>\n"
                           "          <prop k=\"style\" v=\"%s\"/>\n"
                           "        </layer>\n      </symbol>\n",
                           outline_rgba, hatched ? "b_diagonal" : "solid");
}

static const char *qgis_method_id(cm_class_method method)
{
    switch (method) {
    case CM_CLASS_QUANTILE: return "Quantile";
    case CM_CLASS_EQUAL_INTERVAL: return "EqualInterval";
    case CM_CLASS_STDDEV: return "StdDev";
    case CM_CLASS_MANUAL: return "Fixed";
    default: return "Jenks";
    }
}

static char *build_qml(const cm_map_spec *map, const cm_symbology *sym, cm_locale locale)
{
    GString *out = g_string_new("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
                                "<qgis version=\"3.22.0\" styleCategories=\"Symbology\">\n");
    const cm_color hatch = {0.45, 0.45, 0.45};
    if (sym->categorical) {
        g_string_append(out, "  <renderer-v2 type=\"categorizedSymbol\" attr=\"");
        append_escaped(out, map->value);
        g_string_append(out, "\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\">\n"
                             "    <categories>\n");
        for (size_t i = 0; i < sym->class_count; i++) {
            g_string_append(out, "      <category value=\"");
            append_escaped(out, sym->categories[i]);
            g_string_append_printf(out, "\" symbol=\"%zu\" label=\"", i);
            append_escaped(out, sym->labels[i]);
            g_string_append(out, "\" render=\"true\"/>\n");
        }
        /* An empty value catches NULL: the no-data category. */
        g_string_append_printf(out, "      <category value=\"\" symbol=\"%zu\" label=\"",
                               sym->class_count);
        append_escaped(out, nodata_label(locale));
        g_string_append(out, "\" render=\"true\"/>\n    </categories>\n");
    } else {
        g_string_append(out, "  <renderer-v2 type=\"graduatedSymbol\" attr=\"");
        append_escaped(out, map->value);
        g_string_append(out, "\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" "
                             "enableorderby=\"0\" forceraster=\"0\">\n    <ranges>\n");
        for (size_t i = 0; i < sym->class_count; i++) {
            g_string_append_printf(out,
                                   "      <range lower=\"%.15g\" upper=\"%.15g\" "
                                   "symbol=\"%zu\" label=\"",
                                   sym->lower[i], sym->upper[i], i);
            append_escaped(out, sym->labels[i]);
            g_string_append(out, "\" render=\"true\"/>\n");
        }
        g_string_append(out, "    </ranges>\n");
    }
    g_string_append(out, "    <symbols>\n");
    for (size_t i = 0; i < sym->class_count; i++)
        qml_symbol(out, i, sym->colors[i], false);
    if (sym->categorical)
        qml_symbol(out, sym->class_count, hatch, true);
    g_string_append(out, "    </symbols>\n");
    if (!sym->categorical)
        g_string_append_printf(out, "    <classificationMethod id=\"%s\"/>\n",
                               qgis_method_id(map->method));
    g_string_append(out, "  </renderer-v2>\n</qgis>\n");
    char *text = strdup(out->str);
    g_string_free(out, TRUE);
    return text;
}

static void sld_comparison(GString *out, const char *op, const char *attr, const char *literal)
{
    g_string_append_printf(out, "            <ogc:%s><ogc:PropertyName>", op);
    append_escaped(out, attr);
    g_string_append(out, "</ogc:PropertyName><ogc:Literal>");
    append_escaped(out, literal);
    g_string_append_printf(out, "</ogc:Literal></ogc:%s>\n", op);
}

static void sld_rule_start(GString *out, const char *label)
{
    g_string_append(out, "        <se:Rule>\n          <se:Name>");
    append_escaped(out, label);
    g_string_append(out, "</se:Name>\n          <se:Description><se:Title>");
    append_escaped(out, label);
    g_string_append(out, "</se:Title></se:Description>\n          <ogc:Filter>\n");
}

static void sld_rule_end(GString *out, cm_color fill, bool hatched)
{
    g_string_append(out, "          </ogc:Filter>\n          <se:PolygonSymbolizer>\n"
                         "            <se:Fill>");
    if (hatched) {
        g_string_append(out, "<se:GraphicFill><se:Graphic><se:Mark><se:WellKnownName>horline"
                             "</se:WellKnownName><se:Stroke><se:SvgParameter name=\"stroke\">");
        append_hex(out, fill);
        g_string_append(out, "</se:SvgParameter></se:Stroke></se:Mark><se:Size>6</se:Size>"
                             "<se:Rotation>45</se:Rotation></se:Graphic></se:GraphicFill>");
    } else {
        g_string_append(out, "<se:SvgParameter name=\"fill\">");
        append_hex(out, fill);
        g_string_append(out, "</se:SvgParameter>");
    }
    g_string_append(out, "</se:Fill>\n            <se:Stroke><se:SvgParameter name=\"stroke\">"
                         "#636363</se:SvgParameter><se:SvgParameter name=\"stroke-width\">0.5"
                         "</se:SvgParameter></se:Stroke>\n"
                         "          </se:PolygonSymbolizer>\n        </se:Rule>\n");
}

static char *build_sld(const cm_map_spec *map, const cm_symbology *sym, cm_locale locale)
{
    const char *attr = cm_map_value_attribute(map);
    GString *out = g_string_new(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<StyledLayerDescriptor xmlns=\"http://www.opengis.net/sld\" "
        "xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:se=\"http://www.opengis.net/se\" "
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"1.1.0\" "
        "xsi:schemaLocation=\"http://www.opengis.net/sld "
        "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n"
        "  <NamedLayer>\n    <se:Name>territories</se:Name>\n    <UserStyle>\n      <se:Name>");
    append_escaped(out, map->name);
    g_string_append(out, "</se:Name>\n      <se:FeatureTypeStyle>\n");
    for (size_t i = 0; i < sym->class_count; i++) {
        sld_rule_start(out, sym->labels[i]);
        if (sym->categorical) {
            sld_comparison(out, "PropertyIsEqualTo", attr, sym->categories[i]);
        } else {
            char lower[64], upper[64];
            snprintf(lower, sizeof lower, "%.15g", sym->lower[i]);
            snprintf(upper, sizeof upper, "%.15g", sym->upper[i]);
            g_string_append(out, "           <ogc:And>\n");
            sld_comparison(out, i == 0 ? "PropertyIsGreaterThanOrEqualTo" : "PropertyIsGreaterThan",
                           attr, lower);
            sld_comparison(out, "PropertyIsLessThanOrEqualTo", attr, upper);
            g_string_append(out, "           </ogc:And>\n");
        }
        sld_rule_end(out, sym->colors[i], false);
    }
    sld_rule_start(out, nodata_label(locale));
    g_string_append(out, "            <ogc:PropertyIsNull><ogc:PropertyName>");
    append_escaped(out, attr);
    g_string_append(out, "</ogc:PropertyName></ogc:PropertyIsNull>\n");
    sld_rule_end(out, (cm_color){0.45, 0.45, 0.45}, true);
    g_string_append(out, "      </se:FeatureTypeStyle>\n    </UserStyle>\n  </NamedLayer>\n"
                         "</StyledLayerDescriptor>\n");
    char *text = strdup(out->str);
    g_string_free(out, TRUE);
    return text;
}

cm_status cm_map_qgis_styles_from(const cm_map_spec *map, const cm_symbology *symbology,
                                  cm_locale locale, char **qml, char **sld, cm_error *err)
{
    *qml = build_qml(map, symbology, locale);
    *sld = build_sld(map, symbology, locale);
    if (!*qml || !*sld) {
        free(*qml);
        free(*sld);
        *qml = *sld = NULL;
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory");
    }
    return CM_OK;
}

cm_status cm_map_qgis_styles(const char *db_path, const cm_project *project, const cm_map_spec *map,
                             char **qml, char **sld, cm_error *err)
{
    *qml = NULL;
    *sld = NULL;
    cm_run_facts facts;
    cm_feature_set features;
    cm_symbology symbology;
    /* The classes need the values only: no geometry is read. */
    cm_status st = cm_prepare_map_values(db_path, project, map, &facts, &features, &symbology, err);
    if (st != CM_OK)
        return st; /* released already */
    st = cm_map_qgis_styles_from(map, &symbology, facts.locale, qml, sld, err);
    cm_prepared_map_free(&facts, &features, &symbology);
    return st;
}
