/* The project file reader: SPEC.md's YAML contract, its defaults, and one test
 * per kind of mistake (each names the file, the line and the likely fix). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "covermap/project.h"
#include "test_support.h"

static cm_status load(const char *yaml, cm_project **project, cm_error *err)
{
    ts_write_in_temp("projet.yaml", yaml);
    return cm_project_load(ts_in_temp("projet.yaml"), project, err);
}

/* Loads yaml, expects failure with status at line, and the formatted message
 * (without the temp folder) equal to `expected`. */
static void expect_error(const char *yaml, cm_status status, long line, const char *expected)
{
    cm_project *project = (cm_project *)1;
    cm_error err;
    ck_assert_int_eq(load(yaml, &project, &err), status);
    ck_assert_ptr_null(project);
    ck_assert_int_eq(err.status, status);
    ck_assert_int_eq(err.line, line);
    char text[2048];
    cm_error_format(&err, text, sizeof text);
    const char *prefix = ts_in_temp("");
    ck_assert_msg(strncmp(text, prefix, strlen(prefix)) == 0, "no file in: %s", text);
    ck_assert_str_eq(text + strlen(prefix), expected);
}

#define MINIMAL_HEAD                                                                               \
    "title: Test\n"                                                                                \
    "as_of: 2026-04-01\n"                                                                          \
    "territories: { source: q.shp, key: code }\n"

/* ---- a full, valid project ---------------------------------------------------- */

static const char *FULL =
    "title: \"Concertations en petite enfance — Montréal\"\n" /* 1 */
    "as_of: 2026-04-01\n"                                     /* 2 */
    "horizon_months: 18\n"                                    /* 3 */
    "coordination_cost: 70000.5\n"                            /* 4 */
    "locale: en-CA\n"                                         /* 5 */
    "source_line: \"Source : Ville fictive, 2026\"\n"         /* 6 */
    "territories:\n"                                          /* 7 */
    "  source: geo/quartiers.gpkg\n"                          /* 8 */
    "  layer: quartiers\n"                                    /* 9 */
    "  key: code\n"                                           /* 10 */
    "  name: nom\n"                                           /* 11 */
    "  encoding: CP1252\n"                                    /* 12 */
    "  srs: EPSG:32188\n"                                     /* 13 */
    "data:\n"                                                 /* 14 */
    "  - source: indicateurs.csv\n"                           /* 15 */
    "    key: territoire\n"                                   /* 16 */
    "    columns: { children_0_5: \"enfants 0-5 ans\", families_reached: familles }\n"
    "  - source: partenaires.xlsx\n"                      /* 18 */
    "    key: territoire\n"                               /* 19 */
    "    role: partners\n"                                /* 20 */
    "    sheet: Feuil1\n"                                 /* 21 */
    "    columns: { name: organisme, sector: secteur }\n" /* 22 */
    "  - source: /abs/financement.csv\n"                  /* 23 */
    "    key: territoire\n"                               /* 24 */
    "    role: funding\n"                                 /* 25 */
    "    encoding: CP1252\n"                              /* 26 */
    "    columns: { funder: bailleur, amount: montant_annuel, start: debut, end: fin,\n"
    "               kind: type, coordination: coordination }\n" /* 28 */
    "districts:\n"                                              /* 29 */
    "  source: circonscriptions.gpkg\n"                         /* 30 */
    "  key: code\n"                                             /* 31 */
    "maps:\n"                                                   /* 32 */
    "  - name: couverture\n"                                    /* 33 */
    "    title: \"Familles rejointes pour 100 enfants de 0 à 5 ans\"\n"
    "    subtitle: Automne 2026\n"                      /* 35 */
    "    value: coverage_rate\n"                        /* 36 */
    "    classes: { method: fisher-jenks, count: 5 }\n" /* 37 */
    "    style: styles/sequential.yaml\n"               /* 38 */
    "    style_overrides: { palette: Greens, legend: { position: top-right } }\n"
    "    srs: EPSG:2950\n"                                 /* 40 */
    "    formats: [png, pdf]\n"                            /* 41 */
    "  - name: seuils\n"                                   /* 42 */
    "    value: families_reached * 100.0 / children_0_5\n" /* 43 */
    "    classes: { breaks: [10, 25.5, 50] }\n"            /* 44 */
    "  - name: risque\n"                                   /* 45 */
    "    title: Quartiers à risque\n"                      /* 46 */
    "    value: risk_level\n"                              /* 47 */
    "    classes: { method: categorical }\n"               /* 48 */
    "report: { formats: [csv, html] }\n"                   /* 49 */
    "export: { geopackage: false }\n";                     /* 50 */

static const char *SEQUENTIAL_STYLE = "palette: Blues\n"
                                      "page: { size: letter, orientation: landscape }\n"
                                      "legend:\n"
                                      "  position: bottom-left\n"
                                      "  title: null\n"
                                      "colours: ['#eff3ff', '#bdd7e7', '#6baed6']\n"
                                      "dpi: 300\n";

START_TEST(test_full_project)
{
    ck_assert_int_eq(mkdir(ts_in_temp("styles"), 0755), 0);
    ts_write_in_temp("styles/sequential.yaml", SEQUENTIAL_STYLE);
    cm_project *p = NULL;
    cm_error err;
    ck_assert_msg(load(FULL, &p, &err) == CM_OK, "%s:%ld: %s", err.file, err.line, err.message);
    ck_assert_ptr_nonnull(p);

    ck_assert_str_eq(p->path, ts_in_temp("projet.yaml"));
    ck_assert_str_eq(p->dir, ts_temp_dir);
    ck_assert_str_eq(p->title, "Concertations en petite enfance \xe2\x80\x94 Montr\xc3\xa9"
                               "al");
    char iso[11];
    cm_day_format_iso(p->as_of, iso);
    ck_assert_str_eq(iso, "2026-04-01");
    ck_assert_int_eq(p->horizon_months, 18);
    ck_assert_double_eq(p->coordination_cost, 70000.5);
    ck_assert_int_eq(p->locale, CM_LOCALE_EN_CA);
    ck_assert_str_eq(p->source_line, "Source : Ville fictive, 2026");

    ck_assert_str_eq(p->territories.source, "geo/quartiers.gpkg");
    ck_assert_str_eq(p->territories.path, ts_in_temp("geo/quartiers.gpkg"));
    ck_assert_str_eq(p->territories.layer, "quartiers");
    ck_assert_str_eq(p->territories.key, "code");
    ck_assert_str_eq(p->territories.name, "nom");
    ck_assert_str_eq(p->territories.encoding, "CP1252");
    ck_assert_str_eq(p->territories.srs, "EPSG:32188");
    ck_assert_int_eq(p->territories.line, 8);

    ck_assert_uint_eq(p->table_count, 3);
    const cm_source *ind = &p->tables[0];
    ck_assert_int_eq(ind->role, CM_ROLE_INDICATORS);
    ck_assert_str_eq(ind->path, ts_in_temp("indicateurs.csv"));
    ck_assert_str_eq(ind->key, "territoire");
    ck_assert_int_eq(ind->line, 15);
    ck_assert_uint_eq(ind->column_count, 2);
    ck_assert_str_eq(ind->columns[0].canonical, "children_0_5");
    ck_assert_str_eq(ind->columns[0].source, "enfants 0-5 ans");
    ck_assert_str_eq(ind->columns[1].canonical, "families_reached");
    ck_assert_str_eq(ind->columns[1].source, "familles");
    ck_assert_ptr_null(ind->sheet);
    ck_assert_ptr_null(ind->encoding);

    const cm_source *partners = &p->tables[1];
    ck_assert_int_eq(partners->role, CM_ROLE_PARTNERS);
    ck_assert_str_eq(partners->sheet, "Feuil1");
    ck_assert_uint_eq(partners->column_count, 2);
    ck_assert_str_eq(partners->columns[1].canonical, "sector");
    ck_assert_str_eq(partners->columns[1].source, "secteur");

    const cm_source *funding = &p->tables[2];
    ck_assert_int_eq(funding->role, CM_ROLE_FUNDING);
    ck_assert_str_eq(funding->source, "/abs/financement.csv");
    ck_assert_str_eq(funding->path, "/abs/financement.csv");
    ck_assert_str_eq(funding->encoding, "CP1252");
    ck_assert_uint_eq(funding->column_count, 6);
    ck_assert_str_eq(funding->columns[5].canonical, "coordination");
    ck_assert_str_eq(funding->columns[2].source, "debut");

    ck_assert(p->has_districts);
    ck_assert_str_eq(p->districts.path, ts_in_temp("circonscriptions.gpkg"));
    ck_assert_str_eq(p->districts.name, "code"); /* name defaults to the key */

    ck_assert_uint_eq(p->map_count, 3);
    const cm_map_spec *m = &p->maps[0];
    ck_assert_str_eq(m->name, "couverture");
    ck_assert_str_eq(m->title, "Familles rejointes pour 100 enfants de 0 \xc3\xa0 5 ans");
    ck_assert_str_eq(m->subtitle, "Automne 2026");
    ck_assert_str_eq(m->value, "coverage_rate");
    ck_assert_int_eq(m->method, CM_CLASS_FISHER_JENKS);
    ck_assert_int_eq(m->class_count, 5);
    ck_assert_str_eq(m->style_path, ts_in_temp("styles/sequential.yaml"));
    ck_assert_str_eq(m->srs, "EPSG:2950");
    ck_assert(m->format_png && !m->format_svg && m->format_pdf);
    ck_assert_int_eq(m->line, 33);

    const cm_map_spec *s = &p->maps[1];
    ck_assert_str_eq(s->title, "seuils"); /* title defaults to the name */
    ck_assert_ptr_null(s->subtitle);
    ck_assert_int_eq(s->method, CM_CLASS_MANUAL); /* breaks alone mean manual */
    ck_assert_uint_eq(s->break_count, 3);
    ck_assert_double_eq(s->breaks[0], 10);
    ck_assert_double_eq(s->breaks[1], 25.5);
    ck_assert_double_eq(s->breaks[2], 50);
    ck_assert(s->format_png && s->format_svg && s->format_pdf);
    ck_assert_ptr_null(s->style_path);
    ck_assert_uint_eq(s->setting_count, 0);

    ck_assert_int_eq(p->maps[2].method, CM_CLASS_CATEGORICAL);
    ck_assert_int_eq(p->maps[2].class_count, 0);
    ck_assert_str_eq(p->maps[2].title, "Quartiers \xc3\xa0 risque");

    ck_assert(p->report_csv && !p->report_md && p->report_html && !p->report_pdf);
    ck_assert(!p->export_geopackage);
    cm_project_free(p);
}
END_TEST

START_TEST(test_style_file_and_overrides)
{
    ck_assert_int_eq(mkdir(ts_in_temp("styles"), 0755), 0);
    ts_write_in_temp("styles/sequential.yaml", SEQUENTIAL_STYLE);
    cm_project *p = NULL;
    cm_error err;
    ck_assert_int_eq(load(FULL, &p, &err), CM_OK);
    const cm_map_spec *m = &p->maps[0];
    /* 7 settings from the file, 2 overrides after them */
    ck_assert_uint_eq(m->setting_count, 9);
    ck_assert_str_eq(m->settings[0].key, "palette");
    ck_assert_str_eq(m->settings[1].key, "page.size");
    ck_assert_str_eq(m->settings[3].key, "legend.position");
    ck_assert_str_eq(m->settings[7].key, "palette");
    ck_assert_str_eq(cm_map_setting(m, "palette"), "Greens");
    ck_assert_str_eq(cm_map_setting(m, "legend.position"), "top-right");
    ck_assert_str_eq(cm_map_setting(m, "page.size"), "letter");
    ck_assert_str_eq(cm_map_setting(m, "page.orientation"), "landscape");
    ck_assert_str_eq(cm_map_setting(m, "legend.title"), "");
    ck_assert_str_eq(cm_map_setting(m, "colours"), "#eff3ff,#bdd7e7,#6baed6");
    ck_assert_str_eq(cm_map_setting(m, "dpi"), "300");
    ck_assert_ptr_null(cm_map_setting(m, "legend"));
    ck_assert_ptr_null(cm_map_setting(m, "missing"));
    ck_assert_ptr_null(cm_map_setting(NULL, "palette"));
    cm_project_free(p);
}
END_TEST

START_TEST(test_defaults)
{
    cm_project *p = NULL;
    cm_error err;
    ck_assert_int_eq(load(MINIMAL_HEAD, &p, &err), CM_OK);
    ck_assert_int_eq(p->horizon_months, 12);
    ck_assert_double_eq(p->coordination_cost, 65000);
    ck_assert_int_eq(p->locale, CM_LOCALE_FR_CA);
    ck_assert_ptr_null(p->source_line);
    ck_assert(p->report_csv && p->report_md && p->report_html && p->report_pdf);
    ck_assert(p->export_geopackage);
    ck_assert(!p->has_districts);
    ck_assert_uint_eq(p->table_count, 0);
    ck_assert_uint_eq(p->map_count, 0);
    ck_assert_str_eq(p->territories.name, "code");
    ck_assert_ptr_null(p->territories.layer);
    ck_assert_ptr_null(p->territories.encoding);
    ck_assert_ptr_null(p->territories.srs);
    ck_assert_int_eq(p->territories.line, 3);
    cm_project_free(p);
}
END_TEST

START_TEST(test_defaults_of_a_map_and_a_table)
{
    cm_project *p = NULL;
    cm_error err;
    ck_assert_int_eq(load(MINIMAL_HEAD "data:\n"
                                       "  - { source: t.csv, key: k }\n"
                                       "maps:\n"
                                       "  - { name: m, value: v }\n"
                                       "report: { formats: [] }\n",
                          &p, &err),
                     CM_OK);
    ck_assert_int_eq(p->tables[0].role, CM_ROLE_INDICATORS);
    ck_assert_uint_eq(p->tables[0].column_count, 0);
    ck_assert_int_eq(p->tables[0].line, 5);
    const cm_map_spec *m = &p->maps[0];
    ck_assert_int_eq(m->method, CM_CLASS_DEFAULT);
    ck_assert_int_eq(m->class_count, 0);
    ck_assert(m->format_png && m->format_svg && m->format_pdf);
    ck_assert(!p->report_csv && !p->report_md && !p->report_html && !p->report_pdf);
    cm_project_free(p);
}
END_TEST

START_TEST(test_project_in_current_folder)
{
    /* A bare file name: its folder is ".", and paths stay as written. */
    ts_write_in_temp("projet.yaml", MINIMAL_HEAD);
    char *cwd = getcwd(NULL, 0);
    ck_assert_int_eq(chdir(ts_temp_dir), 0);
    cm_project *p = NULL;
    cm_error err;
    cm_status st = cm_project_load("projet.yaml", &p, &err);
    ck_assert_int_eq(chdir(cwd), 0);
    free(cwd);
    ck_assert_int_eq(st, CM_OK);
    ck_assert_str_eq(p->dir, ".");
    ck_assert_str_eq(p->territories.path, "q.shp");
    cm_project_free(p);
}
END_TEST

START_TEST(test_project_in_relative_subfolder)
{
    ck_assert_int_eq(mkdir(ts_in_temp("sub"), 0755), 0);
    ts_write_in_temp("sub/projet.yaml",
                     MINIMAL_HEAD "maps:\n  - { name: m, value: v, style: s.yaml }\n");
    ts_write_in_temp("sub/s.yaml", "palette: Purples\n");
    char *cwd = getcwd(NULL, 0);
    ck_assert_int_eq(chdir(ts_temp_dir), 0);
    cm_project *p = NULL;
    cm_error err;
    cm_status st = cm_project_load("sub/projet.yaml", &p, &err);
    ck_assert_int_eq(chdir(cwd), 0);
    free(cwd);
    ck_assert_int_eq(st, CM_OK);
    ck_assert_str_eq(p->path, "sub/projet.yaml");
    ck_assert_str_eq(p->dir, "sub");
    ck_assert_str_eq(p->territories.source, "q.shp");
    ck_assert_str_eq(p->territories.path, "sub/q.shp");
    ck_assert_str_eq(p->maps[0].style_path, "sub/s.yaml");
    ck_assert_str_eq(cm_map_setting(&p->maps[0], "palette"), "Purples");
    cm_project_free(p);
}
END_TEST

/* ---- unknown and misspelled keys --------------------------------------------- */

START_TEST(test_unknown_top_level_key)
{
    expect_error("title: T\nas_of: 2026-04-01\nhorizon_month: 12\n"
                 "territories: { source: q.shp, key: code }\n",
                 CM_ERR_PROJECT, 3,
                 "projet.yaml:3:1: unknown key 'horizon_month' "
                 "(hint: did you mean 'horizon_months'?)");
}
END_TEST

START_TEST(test_unknown_nested_key)
{
    expect_error("title: T\nas_of: 2026-04-01\nterritories:\n  sourc: q.shp\n  key: code\n",
                 CM_ERR_PROJECT, 4,
                 "projet.yaml:4:3: 'territories': unknown key 'sourc' "
                 "(hint: did you mean 'source'?)");
    expect_error(MINIMAL_HEAD "maps:\n  - name: m\n    value: v\n"
                              "    classes: { metod: quantile }\n",
                 CM_ERR_PROJECT, 7,
                 "projet.yaml:7:16: 'maps[1].classes': unknown key 'metod' "
                 "(hint: did you mean 'method'?)");
    expect_error(MINIMAL_HEAD "export: { gpkg: true }\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:11: 'export': unknown key 'gpkg' "
                 "(hint: valid keys here are: geopackage)");
}
END_TEST

START_TEST(test_unknown_key_without_close_match)
{
    expect_error(MINIMAL_HEAD "palette: Blues\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:1: unknown key 'palette' (hint: valid keys here are: title, as_of, "
                 "horizon_months, coordination_cost, locale, source_line, territories, data, "
                 "districts, maps, report, export)");
}
END_TEST

START_TEST(test_duplicate_key)
{
    expect_error("title: A\nas_of: 2026-04-01\ntitle: B\n", CM_ERR_PROJECT, 3,
                 "projet.yaml:3:1: key 'title' is given twice (first at line 1)");
}
END_TEST

START_TEST(test_unknown_column_names)
{
    expect_error(MINIMAL_HEAD "data:\n  - source: t.csv\n    key: k\n"
                              "    columns: { childrn_0_5: enfants }\n",
                 CM_ERR_PROJECT, 7,
                 "projet.yaml:7:16: 'data[1].columns': 'childrn_0_5' is not a covermap column of "
                 "indicators tables (hint: did you mean 'children_0_5'?)");
    /* A partners column in a table whose role was left to the default. */
    expect_error(MINIMAL_HEAD "data:\n  - source: p.csv\n    key: k\n"
                              "    columns: { name: organisme, sector: secteur }\n",
                 CM_ERR_PROJECT, 7,
                 "projet.yaml:7:16: 'data[1].columns': 'name' is not a covermap column of "
                 "indicators tables (hint: 'name' is a column of partners tables; add 'role: "
                 "partners' to this entry)");
    expect_error(MINIMAL_HEAD "data:\n  - source: p.csv\n    key: k\n    role: funding\n"
                              "    columns:\n      amount: montant\n      amount: total\n",
                 CM_ERR_PROJECT, 10,
                 "projet.yaml:10:7: 'data[1].columns': column 'amount' is mapped twice");
    expect_error(MINIMAL_HEAD "data:\n  - source: p.csv\n    key: k\n    role: partenrs\n",
                 CM_ERR_PROJECT, 7,
                 "projet.yaml:7:11: 'data[1].role': unknown table role 'partenrs' "
                 "(hint: did you mean 'partners'?)");
}
END_TEST

/* ---- missing values and wrong types ------------------------------------------ */

START_TEST(test_missing_required)
{
    expect_error("as_of: 2026-04-01\nterritories: { source: q.shp, key: code }\n", CM_ERR_PROJECT,
                 1, "projet.yaml:1:1: missing required key 'title'");
    expect_error("title: T\nterritories: { source: q.shp, key: code }\n", CM_ERR_PROJECT, 1,
                 "projet.yaml:1:1: missing required key 'as_of'");
    expect_error("title: T\nas_of: 2026-04-01\n", CM_ERR_PROJECT, 1,
                 "projet.yaml:1:1: missing required key 'territories'");
    expect_error("title: T\nas_of: 2026-04-01\nterritories:\n  source: q.shp\n  key:\n",
                 CM_ERR_PROJECT, 5, "projet.yaml:5:3: 'territories': key 'key' needs a value");
    expect_error(MINIMAL_HEAD "maps:\n  - name: m\n    title: t\n", CM_ERR_PROJECT, 5,
                 "projet.yaml:5:5: 'maps[1]': missing required key 'value'");
    expect_error("title: \"  \"\nas_of: 2026-04-01\n", CM_ERR_PROJECT, 1,
                 "projet.yaml:1:8: 'title': must not be empty");
}
END_TEST

START_TEST(test_wrong_types)
{
    expect_error(MINIMAL_HEAD "horizon_months: douze\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:17: 'horizon_months': expected a whole number of months from 1 to "
                 "1200, found \"douze\"");
    expect_error(MINIMAL_HEAD "horizon_months: 0\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:17: 'horizon_months': expected a whole number of months from 1 to "
                 "1200, found \"0\"");
    expect_error(MINIMAL_HEAD "horizon_months: 12.5\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:17: 'horizon_months': expected a whole number of months from 1 to "
                 "1200, found \"12.5\"");
    expect_error(MINIMAL_HEAD "coordination_cost: -65000\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:20: 'coordination_cost': expected a positive amount in dollars per "
                 "year, found \"-65000\" (hint: write the number alone, e.g. coordination_cost: "
                 "65000)");
    expect_error(MINIMAL_HEAD "data:\n  source: t.csv\n  key: k\n", CM_ERR_PROJECT, 5,
                 "projet.yaml:5:3: 'data': expected a list of tables (each entry starting with '- "
                 "source:'), found a mapping");
    expect_error("title: T\nas_of: 2026-04-01\nterritories: [q.shp, code]\n", CM_ERR_PROJECT, 3,
                 "projet.yaml:3:14: 'territories': expected a mapping (source: FILE, key: FIELD, "
                 "...), found a list");
    expect_error("title: [a, b]\n", CM_ERR_PROJECT, 1,
                 "projet.yaml:1:8: 'title': expected text, found a list");
    expect_error(MINIMAL_HEAD "export: { geopackage: peut-être }\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:23: 'export.geopackage': expected true or false, found "
                 "\"peut-\xc3\xaatre\"");
    expect_error("- title\n", CM_ERR_PROJECT, 1,
                 "projet.yaml:1:1: expected a mapping of settings (key: value lines) at the top of "
                 "the file, found a list");
}
END_TEST

START_TEST(test_bad_dates)
{
    expect_error("title: T\nas_of: 2026-02-30\n", CM_ERR_PROJECT, 2,
                 "projet.yaml:2:8: 'as_of': expected a date written YYYY-MM-DD, found "
                 "\"2026-02-30\" (hint: for example as_of: 2026-04-01)");
    expect_error("title: T\nas_of: 01/04/2026\n", CM_ERR_PROJECT, 2,
                 "projet.yaml:2:8: 'as_of': expected a date written YYYY-MM-DD, found "
                 "\"01/04/2026\" (hint: for example as_of: 2026-04-01)");
}
END_TEST

/* ---- YAML itself -------------------------------------------------------------- */

START_TEST(test_invalid_yaml)
{
    /* The indented line continues the plain scalar "T", then ':' is illegal. */
    expect_error("title: T\n  as_of: 2026-04-01\n", CM_ERR_PROJECT, 2,
                 "projet.yaml:2:8: invalid YAML: mapping values are not allowed in this context");
    expect_error("title: \"T\nas_of: 2026-04-01\n", CM_ERR_PROJECT, 3,
                 "projet.yaml:3:1: invalid YAML: while scanning a quoted scalar found unexpected "
                 "end of stream (hint: the construct started at line 1)");
    expect_error("title: T\n\tas_of: 2026-04-01\n", CM_ERR_PROJECT, 2,
                 "projet.yaml:2:1: invalid YAML: while scanning a plain scalar found a tab "
                 "character that violates indentation (hint: the construct started at line 1)");
}
END_TEST

START_TEST(test_invalid_utf8)
{
    expect_error("title: T\nas_of: 2026-04-01\nsource_line: Montr\xe9"
                 "al\n",
                 CM_ERR_PROJECT, 3, "projet.yaml:3:20: invalid YAML: invalid trailing UTF-8 octet");
}
END_TEST

START_TEST(test_missing_file)
{
    cm_project *p = (cm_project *)1;
    cm_error err;
    ck_assert_int_eq(cm_project_load(ts_in_temp("absent.yaml"), &p, &err), CM_ERR_IO);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(err.file, ts_in_temp("absent.yaml"));
    ck_assert_ptr_nonnull(strstr(err.message, "No such file"));
    /* A folder is not a project file either. */
    ck_assert_int_eq(cm_project_load(ts_temp_dir, &p, &err), CM_ERR_IO);
    ck_assert_str_eq(err.file, ts_temp_dir);
}
END_TEST

START_TEST(test_empty_file)
{
    expect_error("", CM_ERR_PROJECT, 0,
                 "projet.yaml: the project file is empty (hint: start from the example in docs/ "
                 "(title, as_of, territories))");
    expect_error("# only a comment\n", CM_ERR_PROJECT, 0,
                 "projet.yaml: the project file is empty (hint: start from the example in docs/ "
                 "(title, as_of, territories))");
}
END_TEST

START_TEST(test_null_values)
{
    cm_project *p = NULL;
    cm_error err;
    ck_assert_int_eq(load("title: \"null\"\n"
                          "as_of: 2026-04-01\n"
                          "source_line: ~\n"
                          "territories:\n"
                          "  source: q.shp\n"
                          "  key: code\n"
                          "  layer: null\n"
                          "  encoding: ~\n"
                          "  srs:\n"
                          "  name: NULL\n"
                          "districts: null\n"
                          "data: ~\n"
                          "maps:\n"
                          "report:\n"
                          "export: { geopackage: ~ }\n",
                          &p, &err),
                     CM_OK);
    ck_assert_str_eq(p->title, "null"); /* quoted: text, not null */
    ck_assert_ptr_null(p->source_line);
    ck_assert_ptr_null(p->territories.layer);
    ck_assert_ptr_null(p->territories.encoding);
    ck_assert_ptr_null(p->territories.srs);
    ck_assert_str_eq(p->territories.name, "code");
    ck_assert(!p->has_districts);
    ck_assert_uint_eq(p->table_count, 0);
    ck_assert_uint_eq(p->map_count, 0);
    ck_assert(p->report_pdf);
    ck_assert(p->export_geopackage);
    cm_project_free(p);
}
END_TEST

START_TEST(test_locales)
{
    static const struct {
        const char *text;
        cm_locale locale;
    } cases[] = {{"fr-CA", CM_LOCALE_FR_CA}, {"en-CA", CM_LOCALE_EN_CA}, {"fr_CA", CM_LOCALE_FR_CA},
                 {"EN-ca", CM_LOCALE_EN_CA}, {"en", CM_LOCALE_EN_CA},    {"fr", CM_LOCALE_FR_CA}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, MINIMAL_HEAD "locale: %s\n", cases[i].text);
        cm_project *p = NULL;
        cm_error err;
        ck_assert_int_eq(load(yaml, &p, &err), CM_OK);
        ck_assert_int_eq(p->locale, cases[i].locale);
        cm_project_free(p);
    }
    expect_error(MINIMAL_HEAD "locale: fr-FR\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:9: 'locale': unsupported locale \"fr-FR\" "
                 "(hint: did you mean 'fr-CA'?)");
    expect_error(MINIMAL_HEAD "locale: de\n", CM_ERR_PROJECT, 4,
                 "projet.yaml:4:9: 'locale': unsupported locale \"de\" "
                 "(hint: supported locales are: fr-CA, en-CA)");
}
END_TEST

START_TEST(test_utf8_text_kept_intact)
{
    cm_project *p = NULL;
    cm_error err;
    ck_assert_int_eq(load("title: Île-Bizard–Sainte-Geneviève\n"
                          "as_of: 2026-04-01\n"
                          "territories: { source: \"données/quartiers été.shp\", key: clé }\n"
                          "data:\n"
                          "  - source: financement.csv\n"
                          "    key: territoire\n"
                          "    role: financement\n"
                          "    columns: { amount: \"Montant annuel ($)\", start: Début }\n"
                          "maps:\n"
                          "  - name: carte-été_2026\n"
                          "    value: v\n",
                          &p, &err),
                     CM_OK);
    ck_assert_str_eq(p->title, "\xc3\x8e"
                               "le-Bizard\xe2\x80\x93Sainte-Genevi\xc3\xa8ve");
    ck_assert_str_eq(p->territories.path, ts_in_temp("donn\xc3\xa9"
                                                     "es/quartiers \xc3\xa9t\xc3\xa9.shp"));
    ck_assert_str_eq(p->territories.key, "cl\xc3\xa9");
    ck_assert_int_eq(p->tables[0].role, CM_ROLE_FUNDING);
    ck_assert_str_eq(p->tables[0].columns[0].source, "Montant annuel ($)");
    ck_assert_str_eq(p->tables[0].columns[1].source, "D\xc3\xa9"
                                                     "but");
    ck_assert_str_eq(p->maps[0].name, "carte-\xc3\xa9t\xc3\xa9_2026");
    cm_project_free(p);
}
END_TEST

/* ---- maps ------------------------------------------------------------------------ */

static void expect_bad_map_name(const char *quoted_name, const char *why)
{
    char yaml[512], expected[512];
    snprintf(yaml, sizeof yaml, MINIMAL_HEAD "maps:\n  - value: v\n    name: %s\n", quoted_name);
    snprintf(expected, sizeof expected, "projet.yaml:6:11: 'maps[1].name': %s", why);
    expect_error(yaml, CM_ERR_PROJECT, 6, expected);
}

START_TEST(test_map_names_are_file_names)
{
    static const char *hint = " (hint: use letters, digits, '-' and '_', e.g. couverture-2026)";
    char why[256];
    snprintf(why, sizeof why,
             "map name '../etc/x' cannot be used as a file name: it starts with '.'%s", hint);
    expect_bad_map_name("../etc/x", why);
    snprintf(why, sizeof why,
             "map name 'a/b' cannot be used as a file name: it contains '/': a map name is a file "
             "name, not a path%s",
             hint);
    expect_bad_map_name("a/b", why);
    snprintf(why, sizeof why,
             "map name 'a\\b' cannot be used as a file name: it contains '\\': a map name is a "
             "file name, not a path%s",
             hint);
    expect_bad_map_name("'a\\b'", why);
    snprintf(why, sizeof why, "map name 'a..b' cannot be used as a file name: it contains '..'%s",
             hint);
    expect_bad_map_name("a..b", why);
    snprintf(why, sizeof why,
             "map name '.cache' cannot be used as a file name: it starts with '.'%s", hint);
    expect_bad_map_name(".cache", why);
    snprintf(why, sizeof why, "map name '' cannot be used as a file name: it is empty%s", hint);
    expect_bad_map_name("\"\"", why);
    snprintf(why, sizeof why,
             "map name 'a\tb' cannot be used as a file name: it contains a control character%s",
             hint);
    expect_bad_map_name("\"a\\tb\"", why);
    snprintf(why, sizeof why,
             "map name 'carte risque' cannot be used as a file name: it contains ' '%s", hint);
    expect_bad_map_name("carte risque", why);
    expect_error(MINIMAL_HEAD "maps:\n  - value: v\n    title: t\n", CM_ERR_PROJECT, 5,
                 "projet.yaml:5:5: 'maps[1]': map 1 has no name (hint: add 'name: NAME'; the map "
                 "is written to maps/NAME.png)");
}
END_TEST

START_TEST(test_duplicate_map_names)
{
    expect_error(MINIMAL_HEAD "maps:\n"
                              "  - { name: risque, value: risk_level }\n"
                              "  - { name: Risque, value: coverage_rate }\n",
                 CM_ERR_PROJECT, 6,
                 "projet.yaml:6:13: 'maps[2].name': map name 'Risque' is used twice (first by the "
                 "map at line 5)");
}
END_TEST

START_TEST(test_class_methods)
{
    static const struct {
        const char *text;
        cm_class_method method;
    } cases[] = {
        {"quantile", CM_CLASS_QUANTILE},
        {"equal-interval", CM_CLASS_EQUAL_INTERVAL},
        {"equal_interval", CM_CLASS_EQUAL_INTERVAL},
        {"fisher-jenks", CM_CLASS_FISHER_JENKS},
        {"jenks", CM_CLASS_FISHER_JENKS},
        {"Natural-Breaks", CM_CLASS_FISHER_JENKS},
        {"natural_breaks", CM_CLASS_FISHER_JENKS},
        {"stddev", CM_CLASS_STDDEV},
        {"std-dev", CM_CLASS_STDDEV},
        {"standard-deviation", CM_CLASS_STDDEV},
        {"categorical", CM_CLASS_CATEGORICAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 MINIMAL_HEAD
                 "maps:\n  - { name: m, value: v, classes: { method: %s, count: 4 } }\n",
                 cases[i].text);
        cm_project *p = NULL;
        cm_error err;
        ck_assert_msg(load(yaml, &p, &err) == CM_OK, "%s: %s", cases[i].text, err.message);
        ck_assert_int_eq(p->maps[0].method, cases[i].method);
        ck_assert_int_eq(p->maps[0].class_count, 4);
        cm_project_free(p);
    }
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, classes: { method: jenk } }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:45: 'maps[1].classes.method': unknown classification method "
                 "'jenk' (hint: did you mean 'jenks'?)");
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, classes: { method: kmeans } }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:45: 'maps[1].classes.method': unknown classification method "
                 "'kmeans' (hint: methods are: quantile, equal-interval, fisher-jenks, stddev, "
                 "manual, categorical)");
}
END_TEST

START_TEST(test_class_errors)
{
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, classes: { method: manual } }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:45: 'maps[1].classes.method': method manual needs 'breaks' "
                 "(hint: list the class upper bounds, e.g. breaks: [10, 25, 50])");
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, classes: { breaks: [10, 5] } }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:50: 'maps[1].classes.breaks': breaks must increase: 5 comes after "
                 "10");
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, classes: { breaks: [10, dix] } }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:50: 'maps[1].classes.breaks': expected a number, found \"dix\"");
    expect_error(MINIMAL_HEAD
                 "maps:\n  - { name: m, value: v, classes: { method: quantile, breaks: [1] } }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:63: 'maps[1].classes.breaks': breaks are only used with method: "
                 "manual");
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, classes: { count: 0 } }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:44: 'maps[1].classes.count': expected a whole number of classes "
                 "from 1 to 20, found \"0\"");
}
END_TEST

START_TEST(test_formats)
{
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, formats: [png, jpg] }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:41: 'maps[1].formats': unknown format 'jpg' "
                 "(hint: did you mean 'png'?)");
    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, formats: [] }\n", CM_ERR_PROJECT, 5,
                 "projet.yaml:5:35: 'maps[1].formats': expected at least one format");
    cm_project *p = NULL;
    cm_error err;
    ck_assert_int_eq(load(MINIMAL_HEAD "maps:\n  - { name: m, value: v, formats: SVG }\n"
                                       "report: { formats: [markdown, PDF] }\n",
                          &p, &err),
                     CM_OK);
    ck_assert(!p->maps[0].format_png && p->maps[0].format_svg && !p->maps[0].format_pdf);
    ck_assert(!p->report_csv && p->report_md && !p->report_html && p->report_pdf);
    cm_project_free(p);
}
END_TEST

START_TEST(test_style_errors)
{
    /* A missing style file names the project file and the map's style line. */
    cm_project *p = (cm_project *)1;
    cm_error err;
    ck_assert_int_eq(load(MINIMAL_HEAD "maps:\n  - name: m\n    value: v\n"
                                       "    style: styles/absent.yaml\n",
                          &p, &err),
                     CM_ERR_IO);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(err.file, ts_in_temp("projet.yaml"));
    ck_assert_int_eq(err.line, 7);
    ck_assert_str_eq(err.field, "maps[1].style");
    ck_assert_str_eq(err.message, "map 'm': style file 'styles/absent.yaml': cannot read this "
                                  "file: No such file or directory");

    /* An error inside the style file names the style file and its line. */
    ts_write_in_temp("bad.yaml", "palette: Blues\nlegend:\n  position: [a, { b: c }]\n");
    ck_assert_int_eq(
        load(MINIMAL_HEAD "maps:\n  - { name: m, value: v, style: bad.yaml }\n", &p, &err),
        CM_ERR_PROJECT);
    ck_assert_str_eq(err.file, ts_in_temp("bad.yaml"));
    ck_assert_int_eq(err.line, 3);
    ck_assert_str_eq(err.message, "style of map 'm': style setting 'legend.position': expected a "
                                  "list of values, found a mapping in it");

    ts_write_in_temp("dup.yaml", "legend.position: top\nlegend:\n  position: bottom\n");
    ck_assert_int_eq(
        load(MINIMAL_HEAD "maps:\n  - { name: m, value: v, style: dup.yaml }\n", &p, &err),
        CM_ERR_PROJECT);
    ck_assert_int_eq(err.line, 3);
    ck_assert_str_eq(err.message, "style of map 'm': style setting 'legend.position' is given "
                                  "twice");

    ts_write_in_temp("list.yaml", "- a\n- b\n");
    ck_assert_int_eq(
        load(MINIMAL_HEAD "maps:\n  - { name: m, value: v, style: list.yaml }\n", &p, &err),
        CM_ERR_PROJECT);
    ck_assert_int_eq(err.line, 1);
    ck_assert_str_eq(err.message, "style of map 'm': expected a mapping of style settings (name: "
                                  "value lines), found a list");

    expect_error(MINIMAL_HEAD "maps:\n  - { name: m, value: v, style_overrides: Blues }\n",
                 CM_ERR_PROJECT, 5,
                 "projet.yaml:5:43: 'maps[1].style_overrides': expected a mapping of style "
                 "settings (name: value lines), found text");
}
END_TEST

START_TEST(test_overrides_without_style_file_and_empty_style)
{
    ts_write_in_temp("empty.yaml", "# nothing yet\n");
    cm_project *p = NULL;
    cm_error err;
    ck_assert_int_eq(load(MINIMAL_HEAD "maps:\n"
                                       "  - name: a\n"
                                       "    value: v\n"
                                       "    style_overrides:\n"
                                       "      palette: Reds\n"
                                       "      labels: { halo: 1.5, leader: true }\n"
                                       "  - { name: b, value: v, style: empty.yaml }\n",
                          &p, &err),
                     CM_OK);
    ck_assert_uint_eq(p->maps[0].setting_count, 3);
    ck_assert_str_eq(cm_map_setting(&p->maps[0], "palette"), "Reds");
    ck_assert_str_eq(cm_map_setting(&p->maps[0], "labels.halo"), "1.5");
    ck_assert_str_eq(cm_map_setting(&p->maps[0], "labels.leader"), "true");
    ck_assert_uint_eq(p->maps[1].setting_count, 0);
    ck_assert_str_eq(p->maps[1].style_path, ts_in_temp("empty.yaml"));
    cm_project_free(p);
}
END_TEST

START_TEST(test_alias_loop_is_refused)
{
    /* A style that refers to itself must end in an error, not a loop. */
    ts_write_in_temp("loop.yaml", "a: &x { b: *x }\n");
    cm_project *p = NULL;
    cm_error err;
    cm_status st =
        load(MINIMAL_HEAD "maps:\n  - { name: m, value: v, style: loop.yaml }\n", &p, &err);
    ck_assert_int_eq(st, CM_ERR_PROJECT);
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_free_null_and_role_names)
{
    cm_project_free(NULL);
    ck_assert_str_eq(cm_table_role_name(CM_ROLE_INDICATORS), "indicators");
    ck_assert_str_eq(cm_table_role_name(CM_ROLE_PARTNERS), "partners");
    ck_assert_str_eq(cm_table_role_name(CM_ROLE_FUNDING), "funding");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("project");
    TCase *valid = tcase_create("valid");
    tcase_add_checked_fixture(valid, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(valid, test_full_project);
    tcase_add_test(valid, test_style_file_and_overrides);
    tcase_add_test(valid, test_defaults);
    tcase_add_test(valid, test_defaults_of_a_map_and_a_table);
    tcase_add_test(valid, test_project_in_current_folder);
    tcase_add_test(valid, test_project_in_relative_subfolder);
    tcase_add_test(valid, test_null_values);
    tcase_add_test(valid, test_locales);
    tcase_add_test(valid, test_utf8_text_kept_intact);
    tcase_add_test(valid, test_class_methods);
    tcase_add_test(valid, test_overrides_without_style_file_and_empty_style);
    tcase_add_test(valid, test_free_null_and_role_names);
    suite_add_tcase(s, valid);

    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(errors, test_unknown_top_level_key);
    tcase_add_test(errors, test_unknown_nested_key);
    tcase_add_test(errors, test_unknown_key_without_close_match);
    tcase_add_test(errors, test_duplicate_key);
    tcase_add_test(errors, test_unknown_column_names);
    tcase_add_test(errors, test_missing_required);
    tcase_add_test(errors, test_wrong_types);
    tcase_add_test(errors, test_bad_dates);
    tcase_add_test(errors, test_invalid_yaml);
    tcase_add_test(errors, test_invalid_utf8);
    tcase_add_test(errors, test_missing_file);
    tcase_add_test(errors, test_empty_file);
    tcase_add_test(errors, test_map_names_are_file_names);
    tcase_add_test(errors, test_duplicate_map_names);
    tcase_add_test(errors, test_class_errors);
    tcase_add_test(errors, test_formats);
    tcase_add_test(errors, test_style_errors);
    tcase_add_test(errors, test_alias_loop_is_refused);
    suite_add_tcase(s, errors);

    return ts_run_suite(s);
}
