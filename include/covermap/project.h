/* The project file (YAML), as SPEC.md's contract defines it. */
#ifndef COVERMAP_PROJECT_H
#define COVERMAP_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "covermap/calendar.h"
#include "covermap/error.h"

typedef enum { CM_ROLE_INDICATORS, CM_ROLE_PARTNERS, CM_ROLE_FUNDING } cm_table_role;
typedef enum { CM_LOCALE_FR_CA, CM_LOCALE_EN_CA } cm_locale;

/* One `columns:` entry: covermap's name -> the table's own column name. */
typedef struct {
    char *canonical; /* e.g. "children_0_5" */
    char *source;    /* e.g. "enfants 0-5 ans" */
} cm_column_map;

typedef struct {
    char *source; /* as written in the project file (used in messages and the join report) */
    const char *project_file; /* the project file that names it (borrowed from cm_project.path) */
    char *path;               /* resolved against the project file's folder */
    char *layer;              /* NULL unless given */
    char *key;                /* key field */
    char *name;               /* name field (territories, districts) */
    char *encoding;           /* NULL: autodetect */
    char *srs;                /* territories: CRS override, NULL if none */
    char *sheet;              /* tables: sheet of an .xlsx/.ods, NULL for the first */
    cm_table_role role;       /* tables */
    cm_column_map *columns;
    size_t column_count;
    long line; /* line of this entry in the project file */
} cm_source;

typedef enum {
    CM_CLASS_DEFAULT = 0, /* fisher-jenks for numbers, categories for text */
    CM_CLASS_QUANTILE,
    CM_CLASS_EQUAL_INTERVAL,
    CM_CLASS_FISHER_JENKS,
    CM_CLASS_STDDEV,
    CM_CLASS_MANUAL,
    CM_CLASS_CATEGORICAL
} cm_class_method;

/* A style is a flat set of settings (`key: value` pairs, as strings) read from
 * a styles/ YAML file and overridden by the map entry's own `style_overrides:`; the
 * renderer interprets them (see docs/styles.md). Nested mappings become dotted
 * keys (`legend: {position: x}` -> "legend.position"), lists are joined with
 * commas ("#eff3ff,#bdd7e7"), an empty or null value is "". */
typedef struct {
    char *key;
    char *value;
} cm_setting;

typedef struct {
    char *name;     /* file name stem; validated: no '/', '\\', "..", leading '.' */
    char *title;    /* defaults to the name */
    char *subtitle; /* NULL if none */
    char *value;    /* a column or an SQL expression over the joined columns */
    cm_class_method method;
    int class_count; /* 1..20; 0: style default (5) */
    double *breaks;  /* manual breaks (upper bounds, strictly increasing); `breaks:`
                        without `method:` means CM_CLASS_MANUAL */
    size_t break_count;
    char *style_path;     /* resolved path, NULL: built-in default */
    cm_setting *settings; /* style file, then overrides: read with cm_map_setting */
    size_t setting_count;
    char *srs;                               /* NULL: territories' CRS or a local projection */
    bool format_png, format_svg, format_pdf; /* default: all three */
    long line;                               /* line of this entry in the project file */
    long value_line;                         /* line of its `value:` */
} cm_map_spec;

typedef struct {
    char *path; /* the project file, as given */
    char *dir;  /* its folder, for resolving relative paths */
    char *title;
    cm_day as_of;
    int horizon_months;       /* default 12 */
    double coordination_cost; /* default 65000 */
    cm_locale locale;         /* default fr-CA */
    char *source_line;        /* credit line for maps and reports; NULL: derived */
    /* Paths (cm_source.path, cm_map_spec.style_path) are resolved against dir;
     * optional text given as null, ~ or nothing is NULL. */

    cm_source territories;
    cm_source *tables;
    size_t table_count;
    bool has_districts;
    cm_source districts;

    cm_map_spec *maps;
    size_t map_count;

    bool report_csv, report_md, report_html, report_pdf; /* default: all four */
    bool export_geopackage;                              /* default: true */
} cm_project;

/* Reads and validates a project file, and each map's style file. On success *out
 * is a new project that the caller releases with cm_project_free; on failure *out
 * is NULL and err names the file, line, column and field. Unknown keys are errors
 * naming the line and the closest valid key; invalid YAML reports the parser's
 * line and column; a missing project or style file is CM_ERR_IO (a missing style
 * file is reported at the map's `style:` line); anything else is CM_ERR_PROJECT. */
cm_status cm_project_load(const char *path, cm_project **out, cm_error *err);
void cm_project_free(cm_project *project); /* NULL-safe */

/* Looks a setting up in a map's settings (the last one wins, so overrides beat
 * the style file); NULL if absent. */
const char *cm_map_setting(const cm_map_spec *map, const char *key);

const char *cm_table_role_name(cm_table_role role);

#endif
