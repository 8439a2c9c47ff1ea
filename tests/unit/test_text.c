#include <check.h>
#include <glib.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/text.h"
#include "test_support.h"

#define NBSP "\xC2\xA0"
#define NNBSP "\xE2\x80\xAF"
#define EN_DASH "\xE2\x80\x93"
#define RIGHT_QUOTE "\xE2\x80\x99"

/* Parses text and checks the value; a sentinel shows that failures leave *out alone. */
static void assert_number(const char *text, bool comma_is_decimal, double expected)
{
    double value = -999.0;
    ck_assert_msg(cm_parse_number(text, comma_is_decimal, &value), "rejected \"%s\"", text);
    ck_assert_msg(fabs(value - expected) < 1e-9, "\"%s\" read as %.10g, expected %.10g", text,
                  value, expected);
}

static void assert_not_number(const char *text)
{
    double value = -999.0;
    ck_assert_msg(!cm_parse_number(text, true, &value), "accepted \"%s\"", text);
    ck_assert_msg(!cm_parse_number(text, false, &value), "accepted \"%s\"", text);
    ck_assert(value == -999.0);
}

START_TEST(test_parse_number_accepts_office_formats)
{
    assert_number("12,5", true, 12.5);
    assert_number("12.5", true, 12.5);
    assert_number("12 400", true, 12400);
    assert_number("12" NBSP "400", true, 12400);
    assert_number("12" NNBSP "400", true, 12400);
    assert_number("1 234 567", true, 1234567);
    assert_number("12 400,50", true, 12400.5);
    assert_number("65 000,00 $", true, 65000);
    assert_number("65" NBSP "000,00" NBSP "$", true, 65000);
    assert_number("65 000 $", true, 65000);
    assert_number("$65,000", false, 65000);
    assert_number("$65,000.00", true, 65000);
    assert_number("$ 65,000.00", true, 65000);
    assert_number("65000$", true, 65000);
    assert_number("-3", true, -3);
    assert_number("+3", true, 3);
    assert_number("\xE2\x88\x92" "3", true, -3); /* U+2212 minus sign */
    assert_number("-$1,234", false, -1234);
    assert_number("$-1,234.5", false, -1234.5);
    assert_number("-1 234,5 $", true, -1234.5);
    assert_number("  42 \t", true, 42);
    assert_number(NBSP "7" NBSP, true, 7);
    assert_number("1,234.5", true, 1234.5);
    assert_number("1,234,567", true, 1234567);
    assert_number("1 234.5", true, 1234.5);
    assert_number("0", true, 0);
    assert_number("007", true, 7);
}
END_TEST

START_TEST(test_parse_number_lone_comma)
{
    assert_number("12,400", true, 12.4);
    assert_number("12,400", false, 12400);
    /* Cannot be thousands: the group before is too long or a lone zero. */
    assert_number("1234,567", false, 1234.567);
    assert_number("0,125", false, 0.125);
    /* Not three digits after the comma: always a decimal comma. */
    assert_number("12,5", false, 12.5);
    assert_number("12,4000", false, 12.4);
    /* With a space thousands separator the comma is the decimal one. */
    assert_number("1 200,500", false, 1200.5);
}
END_TEST

START_TEST(test_parse_number_rejects)
{
    assert_not_number("");
    assert_not_number("   ");
    assert_not_number("12 4OO");
    assert_not_number("1.2.3");
    assert_not_number("abc");
    assert_not_number("12,5,3");
    assert_not_number("1 2");
    assert_not_number("1 2345");
    assert_not_number("1234 567");
    assert_not_number("12  400");
    assert_not_number("inf");
    assert_not_number("nan");
    assert_not_number("-inf");
    assert_not_number("0x1A");
    assert_not_number("1e5");
    assert_not_number("12.");
    assert_not_number(",5");
    assert_not_number("-");
    assert_not_number("$");
    assert_not_number("$$5");
    assert_not_number("$5$");
    assert_not_number("--5");
    assert_not_number("1,234 567");
    assert_not_number("1 234,567,890");
    assert_not_number("1.234,5");
    assert_not_number("12%");
    assert_not_number("\xC9" "12");
    double value = -999.0;
    ck_assert(!cm_parse_number(NULL, true, &value));
    ck_assert(value == -999.0);
}
END_TEST

START_TEST(test_parse_number_ignores_c_locale)
{
    /* Where a French numeric locale is installed the C library wants a decimal
     * comma; parsing and formatting must not notice. */
    const char *saved = setlocale(LC_NUMERIC, NULL);
    char *restore = saved ? strdup(saved) : NULL;
    if (!setlocale(LC_NUMERIC, "fr_CA.UTF-8"))
        setlocale(LC_NUMERIC, "fr_FR.UTF-8");
    assert_number("12,5", true, 12.5);
    assert_number("1,234.5", true, 1234.5);
    char buf[32];
    cm_format_number(12.5, 1, CM_LOCALE_EN_CA, buf, sizeof buf);
    ck_assert_str_eq(buf, "12.5");
    setlocale(LC_NUMERIC, restore ? restore : "C");
    free(restore);
}
END_TEST

START_TEST(test_parse_integer)
{
    long long value = -1;
    ck_assert(cm_parse_integer("12 400", true, &value));
    ck_assert_int_eq(value, 12400);
    ck_assert(cm_parse_integer("12,0", true, &value));
    ck_assert_int_eq(value, 12);
    ck_assert(cm_parse_integer("12.00", true, &value));
    ck_assert_int_eq(value, 12);
    ck_assert(cm_parse_integer("-3", true, &value));
    ck_assert_int_eq(value, -3);
    ck_assert(cm_parse_integer("12,400", false, &value));
    ck_assert_int_eq(value, 12400);
    value = -1;
    ck_assert(!cm_parse_integer("12,5", true, &value));
    ck_assert(!cm_parse_integer("12,400", true, &value)); /* 12.4 */
    ck_assert(!cm_parse_integer("abc", true, &value));
    ck_assert(!cm_parse_integer("99999999999999999999", true, &value));
    ck_assert(!cm_parse_integer("", true, &value));
    ck_assert_int_eq(value, -1);
}
END_TEST

static void assert_date(const char *text, int year, int month, int day)
{
    cm_day value = -1;
    ck_assert_msg(cm_parse_date(text, &value), "rejected \"%s\"", text);
    ck_assert_msg(value == cm_day_from_civil(year, month, day), "\"%s\" read wrongly", text);
}

START_TEST(test_parse_date_accepts)
{
    assert_date("2025-03-31", 2025, 3, 31);
    assert_date("31/03/2025", 2025, 3, 31);
    assert_date("2025/03/31", 2025, 3, 31);
    assert_date("31-03-2025", 2025, 3, 31);
    assert_date("1/4/2026", 2026, 4, 1);
    assert_date("2025-3-1", 2025, 3, 1);
    assert_date("2025-03-31 00:00:00", 2025, 3, 31);
    assert_date("2025-03-31T00:00:00", 2025, 3, 31);
    assert_date("2025/03/31 00:00:00", 2025, 3, 31);
    assert_date("2025/03/31 13:45", 2025, 3, 31);
    assert_date("2025/03/31 00:00:00.000+00", 2025, 3, 31);
    assert_date("2025-03-31T12:00:00Z", 2025, 3, 31);
    assert_date("2025-03-31T12:00:00-05:00", 2025, 3, 31);
    assert_date("  2024-02-29 ", 2024, 2, 29);
    assert_date("29/02/2024", 2024, 2, 29);
}
END_TEST

START_TEST(test_parse_date_rejects)
{
    static const char *const bad[] = {
        "",           "31/02/2025", "03/31/2025",          "29/02/2025",
        "2025-13-01", "2025-00-10", "00/01/2025",          "31/03/25",
        "2025-03",    "2025-03-31-", "31/03-2025",         "2025.03.31",
        "abc",        "2025-03-31 24:00:00", "2025-03-31 00:60", "2025-03-31T",
        "2025-03-31 x", "12025-03-31", "2025-003-31",      "31 mars 2025",
        "45000",      "\xC9t\xE9 2025"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cm_day value = -1;
        ck_assert_msg(!cm_parse_date(bad[i], &value), "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(value, -1);
    }
}
END_TEST

START_TEST(test_parse_bool)
{
    static const char *const yes[] = {"oui", "OUI", " Oui ", "yes", "Y", "vrai", "VRAI",
                                      "true", "True", "o", "1"};
    static const char *const no[] = {"non", "NON", "no", "N", "faux", "FAUX", "false", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        bool value = false;
        ck_assert_msg(cm_parse_bool(yes[i], &value) && value, "\"%s\"", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        bool value = true;
        ck_assert_msg(cm_parse_bool(no[i], &value) && !value, "\"%s\"", no[i]);
    }
    static const char *const neither[] = {"", "x", "X", "peut-être", "2", "ouii", "\xC9"};
    for (size_t i = 0; i < sizeof neither / sizeof neither[0]; i++) {
        bool value = true;
        ck_assert_msg(!cm_parse_bool(neither[i], &value), "\"%s\"", neither[i]);
        ck_assert(value);
    }
    bool value = false;
    ck_assert(cm_parse_bool("VRÁI", &value) && value); /* accents ignored */
}
END_TEST

START_TEST(test_parse_grant_kind)
{
    static const char *const recurrent[] = {"recurrent", "récurrent", "Récurrente", "RÉCURRENT",
                                            "récurrent(e)", "recurring", " Recurrent "};
    static const char *const project[] = {"project", "Projet", "PROJET", "ponctuel",
                                          "Ponctuelle"};
    for (size_t i = 0; i < sizeof recurrent / sizeof recurrent[0]; i++) {
        cm_grant_kind kind = CM_GRANT_PROJECT;
        ck_assert_msg(cm_parse_grant_kind(recurrent[i], &kind), "\"%s\"", recurrent[i]);
        ck_assert_int_eq(kind, CM_GRANT_RECURRENT);
    }
    for (size_t i = 0; i < sizeof project / sizeof project[0]; i++) {
        cm_grant_kind kind = CM_GRANT_RECURRENT;
        ck_assert_msg(cm_parse_grant_kind(project[i], &kind), "\"%s\"", project[i]);
        ck_assert_int_eq(kind, CM_GRANT_PROJECT);
    }
    cm_grant_kind kind = CM_GRANT_PROJECT;
    ck_assert(!cm_parse_grant_kind("", &kind));
    ck_assert(!cm_parse_grant_kind("annuel", &kind));
    ck_assert(!cm_parse_grant_kind("r\xE9" "current", &kind)); /* CP1252 é */
    ck_assert_int_eq(kind, CM_GRANT_PROJECT);
}
END_TEST

START_TEST(test_text_is_blank)
{
    ck_assert(cm_text_is_blank(NULL));
    ck_assert(cm_text_is_blank(""));
    ck_assert(cm_text_is_blank(" \t\r\n"));
    ck_assert(cm_text_is_blank(NBSP NNBSP " "));
    ck_assert(!cm_text_is_blank(" 0 "));
    ck_assert(!cm_text_is_blank("-"));
    ck_assert(!cm_text_is_blank("\xC9"));
}
END_TEST

/* True when both keys fold to the same, non-NULL key. */
static bool fold_alike(const char *a, const char *b)
{
    char *fa = cm_fold_key(a);
    char *fb = cm_fold_key(b);
    bool alike = fa && fb && strcmp(fa, fb) == 0;
    free(fa);
    free(fb);
    return alike;
}

static void assert_folds_to(const char *key, const char *expected)
{
    char *folded = cm_fold_key(key);
    ck_assert_ptr_nonnull(folded);
    ck_assert_str_eq(folded, expected);
    free(folded);
}

START_TEST(test_fold_key)
{
    assert_folds_to("Côte-des-Neiges" EN_DASH "Notre-Dame-de-Grâce",
                    "cotedesneigesnotredamedegrace");
    ck_assert(fold_alike("Côte-des-Neiges" EN_DASH "Notre-Dame-de-Grâce",
                         "cote des neiges notre dame de grace"));
    ck_assert(fold_alike("Côte-des-Neiges" EN_DASH "Notre-Dame-de-Grâce",
                         "COTE-DES-NEIGES-NOTRE-DAME-DE-GRACE"));
    ck_assert(fold_alike("L'Île-Bizard", "L" RIGHT_QUOTE "Ile Bizard"));
    ck_assert(fold_alike("Rivière-des-Prairies" EN_DASH "Pointe-aux-Trembles",
                         "RIVIERE DES PRAIRIES - POINTE AUX TREMBLES"));
    ck_assert(fold_alike("L'Île-Dorval", "l" RIGHT_QUOTE "ile_dorval"));
    ck_assert(fold_alike("Baie-D'Urfé", "Baie-d" RIGHT_QUOTE "Urfe"));
    ck_assert(fold_alike("Montréal-Est", "MONTREAL" NBSP "EST"));
    /* Decomposed é (e + U+0301) folds like the precomposed one. */
    ck_assert(fold_alike("Montre\xCC\x81" "al", "Montréal"));
    assert_folds_to("Mont-Royal", "montroyal");
    assert_folds_to("St. Laurent", "st.laurent"); /* dots are kept */
    assert_folds_to("", "");
    ck_assert(!fold_alike("Pierrefond-Roxboro", "Pierrefonds-Roxboro"));
    ck_assert(!fold_alike("Outremont", "Verdun"));
    ck_assert_ptr_null(cm_fold_key("\xC9" "cole"));        /* CP1252 É */
    ck_assert_ptr_null(cm_fold_key("Montr\xE9" "al-Nord")); /* CP1252 é */
    ck_assert_ptr_null(cm_fold_key(NULL));
}
END_TEST

/* cm_fold_key(text) followed by the fold of U+4E00, and the fold of text followed
 * by U+4E00: a code point beyond the Latin ones sends the whole key through glib,
 * so the two are equal when folding by table gives what glib gives. */
static void assert_table_fold_matches_glib(const char *text)
{
    static const char beyond_latin[] = "\xE4\xB8\x80"; /* U+4E00, its own fold */
    size_t length = strlen(text);
    char *extended = malloc(length + sizeof beyond_latin);
    ck_assert_ptr_nonnull(extended);
    memcpy(extended, text, length);
    memcpy(extended + length, beyond_latin, sizeof beyond_latin);
    char *by_table = cm_fold_key(text), *by_glib = cm_fold_key(extended);
    ck_assert_ptr_nonnull(by_table);
    ck_assert_ptr_nonnull(by_glib);
    size_t folded = strlen(by_table);
    ck_assert_msg(strlen(by_glib) == folded + 3 && memcmp(by_table, by_glib, folded) == 0 &&
                      strcmp(by_glib + folded, beyond_latin) == 0,
                  "\"%s\" folds to \"%s\" by table, \"%s\" through glib", text, by_table, by_glib);
    free(by_table);
    free(by_glib);
    free(extended);
}

START_TEST(test_fold_key_by_table_is_glibs)
{
    /* Every code point of the table on its own (U+0001 to U+036F)... */
    for (gunichar c = 1; c < 0x370; c++) {
        char one[8] = {0};
        g_unichar_to_utf8(c, one);
        assert_table_fold_matches_glib(one);
    }
    /* ...and strings of them: letters, accents precomposed and combining, several
     * combining marks in either order (which NFD reorders), separators, ß, ŉ. */
    srand(42);
    for (int n = 0; n < 3000; n++) {
        char text[96] = {0};
        size_t at = 0;
        int count = 1 + rand() % 12;
        for (int i = 0; i < count; i++) {
            gunichar c = rand() % 3 == 0 ? (gunichar)(0x300 + rand() % 0x70)
                                        : (gunichar)(1 + rand() % 0x36F);
            at += (size_t)g_unichar_to_utf8(c, text + at);
        }
        assert_table_fold_matches_glib(text);
    }
    assert_table_fold_matches_glib("Stra\xC3\x9F" "e \xC5\x89"); /* Straße ŉ */
    /* Not UTF-8, or encodings of code points a table never holds: still refused. */
    ck_assert_ptr_null(cm_fold_key("\xC0\xAF"));  /* overlong '/' */
    ck_assert_ptr_null(cm_fold_key("ab\xC3"));     /* cut short */
    ck_assert_ptr_null(cm_fold_key("\xCE\xC2"));  /* no continuation */
}
END_TEST

START_TEST(test_fold_differences)
{
    ck_assert_uint_eq(cm_fold_differences("Verdun", "Verdun"), 0);
    ck_assert_uint_eq(cm_fold_differences("Cote-des-Neiges-Notre-Dame-de-Grace",
                                          "Côte-des-Neiges" EN_DASH "Notre-Dame-de-Grâce"),
                      CM_FOLD_ACCENTS | CM_FOLD_DASHES);
    ck_assert_uint_eq(cm_fold_differences("Saint-Laurent", "SAINT LAURENT"),
                      CM_FOLD_CASE | CM_FOLD_DASHES);
    ck_assert_uint_eq(cm_fold_differences("Saint-Laurent", "Saint - Laurent"), CM_FOLD_SPACES);
    ck_assert_uint_eq(cm_fold_differences("SaintLaurent", "Saint Laurent"), CM_FOLD_SPACES);
    ck_assert_uint_eq(cm_fold_differences("Saint Laurent", "Saint" NBSP "Laurent"),
                      CM_FOLD_SPACES);
    ck_assert_uint_eq(cm_fold_differences("Verdun ", "Verdun"), CM_FOLD_SPACES);
    ck_assert_uint_eq(cm_fold_differences("Baie-D'Urfé", "Baie-d" RIGHT_QUOTE "Urfe"),
                      CM_FOLD_CASE | CM_FOLD_ACCENTS | CM_FOLD_APOSTROPHES);
    ck_assert_uint_eq(cm_fold_differences("L'Île-Bizard", "L" RIGHT_QUOTE "Ile Bizard"),
                      CM_FOLD_ACCENTS | CM_FOLD_DASHES | CM_FOLD_APOSTROPHES);
    ck_assert_uint_eq(cm_fold_differences("L'Île-Dorval", "LÎle-Dorval"), CM_FOLD_APOSTROPHES);
    ck_assert_uint_eq(cm_fold_differences("Rivière-des-Prairies" EN_DASH "Pointe-aux-Trembles",
                                          "Rivière-des-Prairies-Pointe-aux-Trembles"),
                      CM_FOLD_DASHES);
    ck_assert_uint_eq(cm_fold_differences("Anjou", "ANJOU"), CM_FOLD_CASE);
    ck_assert_uint_eq(cm_fold_differences("\xC9" "cole", "École"), 0);
}
END_TEST

START_TEST(test_fold_describe)
{
    char note[80];
    cm_fold_describe(CM_FOLD_CASE | CM_FOLD_ACCENTS | CM_FOLD_DASHES, note, sizeof note);
    ck_assert_str_eq(note, "differs in case, accents and dashes");
    cm_fold_describe(CM_FOLD_ACCENTS | CM_FOLD_DASHES, note, sizeof note);
    ck_assert_str_eq(note, "differs in accents and dashes");
    cm_fold_describe(CM_FOLD_APOSTROPHES, note, sizeof note);
    ck_assert_str_eq(note, "differs in apostrophes");
    cm_fold_describe(CM_FOLD_CASE | CM_FOLD_ACCENTS | CM_FOLD_SPACES | CM_FOLD_DASHES |
                         CM_FOLD_APOSTROPHES,
                     note, sizeof note);
    ck_assert_str_eq(note, "differs in case, accents, spaces, dashes and apostrophes");
    cm_fold_describe(0, note, sizeof note);
    ck_assert_str_eq(note, "identical");
    char small[12];
    cm_fold_describe(CM_FOLD_CASE | CM_FOLD_SPACES, small, sizeof small);
    ck_assert_str_eq(small, "differs in ");
    cm_fold_describe(CM_FOLD_CASE, NULL, 0); /* must not crash */
}
END_TEST

START_TEST(test_edit_distance)
{
    ck_assert_uint_eq(cm_edit_distance("Pierrefond-Roxboro", "Pierrefonds-Roxboro"), 1);
    ck_assert_uint_eq(cm_edit_distance("kitten", "sitting"), 3);
    ck_assert_uint_eq(cm_edit_distance("sitting", "kitten"), 3);
    ck_assert_uint_eq(cm_edit_distance("", "Anjou"), 5);
    ck_assert_uint_eq(cm_edit_distance("Anjou", ""), 5);
    ck_assert_uint_eq(cm_edit_distance("", ""), 0);
    ck_assert_uint_eq(cm_edit_distance("Verdun", "Verdun"), 0);
    /* Code points, not bytes: é vs e is one substitution. */
    ck_assert_uint_eq(cm_edit_distance("Montréal", "Montreal"), 1);
    ck_assert_uint_eq(cm_edit_distance("Lachine", "LaSalle"), 4);
    ck_assert_uint_eq(cm_edit_distance("Île", "ile"), 1);
    /* Invalid UTF-8 is compared byte by byte rather than refused. */
    ck_assert_uint_eq(cm_edit_distance("\xC9" "cole", "Ecole"), 1);
    ck_assert_uint_eq(cm_edit_distance(NULL, "ab"), 2);
}
END_TEST

static void assert_number_text(double value, int decimals, cm_locale locale, const char *expected)
{
    char buf[64];
    cm_format_number(value, decimals, locale, buf, sizeof buf);
    ck_assert_str_eq(buf, expected);
}

START_TEST(test_format_number)
{
    assert_number_text(12400, 0, CM_LOCALE_FR_CA, "12" NBSP "400");
    assert_number_text(12400, 0, CM_LOCALE_EN_CA, "12,400");
    assert_number_text(12.5, 1, CM_LOCALE_FR_CA, "12,5");
    assert_number_text(12.5, 1, CM_LOCALE_EN_CA, "12.5");
    assert_number_text(1234567.891, 2, CM_LOCALE_FR_CA, "1" NBSP "234" NBSP "567,89");
    assert_number_text(1234567.891, 2, CM_LOCALE_EN_CA, "1,234,567.89");
    assert_number_text(999, 0, CM_LOCALE_EN_CA, "999");
    assert_number_text(1000, 0, CM_LOCALE_EN_CA, "1,000");
    assert_number_text(100000, 0, CM_LOCALE_FR_CA, "100" NBSP "000");
    /* Rounding half away from zero, on the decimal value the reader sees. */
    assert_number_text(2.5, 0, CM_LOCALE_EN_CA, "3");
    assert_number_text(-2.5, 0, CM_LOCALE_EN_CA, "-3");
    assert_number_text(0.125, 2, CM_LOCALE_EN_CA, "0.13");
    assert_number_text(1.005, 2, CM_LOCALE_EN_CA, "1.01");
    assert_number_text(2.675, 2, CM_LOCALE_FR_CA, "2,68");
    assert_number_text(999.96, 1, CM_LOCALE_EN_CA, "1,000.0");
    assert_number_text(9999.5, 0, CM_LOCALE_FR_CA, "10" NBSP "000");
    assert_number_text(0.04, 1, CM_LOCALE_EN_CA, "0.0");
    assert_number_text(0.05, 1, CM_LOCALE_EN_CA, "0.1");
    assert_number_text(0.5, 0, CM_LOCALE_EN_CA, "1");
    assert_number_text(0.4, 0, CM_LOCALE_EN_CA, "0");
    assert_number_text(0.0004, 2, CM_LOCALE_EN_CA, "0.00");
    /* Negatives, and no "-0". */
    assert_number_text(-1234.5, 1, CM_LOCALE_FR_CA, "-1" NBSP "234,5");
    assert_number_text(-1234.5, 1, CM_LOCALE_EN_CA, "-1,234.5");
    assert_number_text(-0.04, 1, CM_LOCALE_EN_CA, "0.0");
    assert_number_text(-0.0, 0, CM_LOCALE_FR_CA, "0");
    assert_number_text(-0.4, 0, CM_LOCALE_FR_CA, "0");
    assert_number_text(0, 2, CM_LOCALE_FR_CA, "0,00");
    assert_number_text(0, 0, CM_LOCALE_EN_CA, "0");
    assert_number_text(1e21, 0, CM_LOCALE_EN_CA, "1,000,000,000,000,000,000,000");
    assert_number_text(NAN, 1, CM_LOCALE_FR_CA, "n/d");
    assert_number_text(INFINITY, 1, CM_LOCALE_EN_CA, "n/a");
    assert_number_text(3.14159, -2, CM_LOCALE_EN_CA, "3");
}
END_TEST

START_TEST(test_format_never_overflows)
{
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    cm_format_number(1234567.5, 2, CM_LOCALE_FR_CA, buf, 5);
    ck_assert_str_eq(buf, "1" NBSP "2"); /* 4 bytes fit: "1", NBSP, "2" */
    ck_assert_int_eq(buf[5], 'Z');
    cm_format_number(1234567.5, 2, CM_LOCALE_FR_CA, buf, 2);
    ck_assert_str_eq(buf, "1");
    cm_format_number(1234567.5, 2, CM_LOCALE_FR_CA, buf, 3);
    ck_assert_str_eq(buf, "1"); /* never half a no-break space */
    cm_format_money(65000, CM_LOCALE_FR_CA, buf, 1);
    ck_assert_str_eq(buf, "");
    cm_format_date(cm_day_from_civil(2026, 2, 1), CM_LOCALE_FR_CA, buf, 7);
    ck_assert_str_eq(buf, "1er f"); /* cut before the two bytes of é */
    cm_format_percent(12.5, 1, CM_LOCALE_EN_CA, NULL, 0);
}
END_TEST

static void assert_money_text(double value, cm_locale locale, const char *expected)
{
    char buf[64];
    cm_format_money(value, locale, buf, sizeof buf);
    ck_assert_str_eq(buf, expected);
}

START_TEST(test_format_money)
{
    assert_money_text(65000, CM_LOCALE_FR_CA, "65" NBSP "000" NBSP "$");
    assert_money_text(65000, CM_LOCALE_EN_CA, "$65,000");
    assert_money_text(1234.49, CM_LOCALE_FR_CA, "1" NBSP "234" NBSP "$");
    assert_money_text(1234.5, CM_LOCALE_EN_CA, "$1,235");
    assert_money_text(-1234, CM_LOCALE_FR_CA, "-1" NBSP "234" NBSP "$");
    assert_money_text(-1234, CM_LOCALE_EN_CA, "-$1,234");
    assert_money_text(-0.4, CM_LOCALE_EN_CA, "$0");
    assert_money_text(0, CM_LOCALE_FR_CA, "0" NBSP "$");
    assert_money_text(999.5, CM_LOCALE_EN_CA, "$1,000");
}
END_TEST

static void assert_percent_text(double value, int decimals, cm_locale locale, const char *expected)
{
    char buf[64];
    cm_format_percent(value, decimals, locale, buf, sizeof buf);
    ck_assert_str_eq(buf, expected);
}

START_TEST(test_format_percent)
{
    assert_percent_text(12.5, 1, CM_LOCALE_FR_CA, "12,5" NBSP "%");
    assert_percent_text(12.5, 1, CM_LOCALE_EN_CA, "12.5%");
    assert_percent_text(12.46, 1, CM_LOCALE_EN_CA, "12.5%");
    assert_percent_text(12.5, 0, CM_LOCALE_FR_CA, "13" NBSP "%");
    assert_percent_text(-3.25, 1, CM_LOCALE_EN_CA, "-3.3%");
    assert_percent_text(0, 0, CM_LOCALE_FR_CA, "0" NBSP "%");
    assert_percent_text(1500, 0, CM_LOCALE_FR_CA, "1" NBSP "500" NBSP "%");
}
END_TEST

static void assert_date_text(int year, int month, int day, cm_locale locale, const char *expected)
{
    char buf[64];
    cm_format_date(cm_day_from_civil(year, month, day), locale, buf, sizeof buf);
    ck_assert_str_eq(buf, expected);
}

START_TEST(test_format_date)
{
    assert_date_text(2026, 3, 31, CM_LOCALE_FR_CA, "31 mars 2026");
    assert_date_text(2026, 3, 31, CM_LOCALE_EN_CA, "March 31, 2026");
    assert_date_text(2026, 4, 1, CM_LOCALE_FR_CA, "1er avril 2026");
    assert_date_text(2026, 4, 1, CM_LOCALE_EN_CA, "April 1, 2026");
    assert_date_text(2026, 2, 2, CM_LOCALE_FR_CA, "2 février 2026");
    assert_date_text(2026, 8, 15, CM_LOCALE_FR_CA, "15 août 2026");
    assert_date_text(2025, 12, 1, CM_LOCALE_FR_CA, "1er décembre 2025");
    assert_date_text(2025, 12, 1, CM_LOCALE_EN_CA, "December 1, 2025");
    assert_date_text(2024, 2, 29, CM_LOCALE_EN_CA, "February 29, 2024");
    static const char *const mois[12] = {"janvier", "février", "mars",      "avril",
                                         "mai",     "juin",    "juillet",   "août",
                                         "septembre", "octobre", "novembre", "décembre"};
    for (int month = 1; month <= 12; month++) {
        char buf[64], expected[64];
        cm_format_date(cm_day_from_civil(2027, month, 10), CM_LOCALE_FR_CA, buf, sizeof buf);
        snprintf(expected, sizeof expected, "10 %s 2027", mois[month - 1]);
        ck_assert_str_eq(buf, expected);
    }
}
END_TEST

START_TEST(test_invalid_utf8_does_not_crash)
{
    const char *cp1252 = "\xC9" "cole Saint-Fran\xE7ois \x96 12\xA0" "400";
    double number = -1;
    ck_assert(!cm_parse_number(cp1252, true, &number));
    ck_assert(!cm_parse_number("12\xA0" "400", true, &number)); /* a lone CP1252 NBSP byte */
    cm_day day = -1;
    ck_assert(!cm_parse_date(cp1252, &day));
    bool flag;
    ck_assert(!cm_parse_bool(cp1252, &flag));
    ck_assert_ptr_null(cm_fold_key(cp1252));
    ck_assert_uint_eq(cm_fold_differences(cp1252, "Ecole"), 0);
    ck_assert(!cm_text_is_blank(cp1252));
    ck_assert_uint_gt(cm_edit_distance(cp1252, "École Saint-François"), 0);
    ck_assert(number == -1);
    ck_assert_int_eq(day, -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("text");
    TCase *parsing = tcase_create("parsing");
    tcase_add_test(parsing, test_parse_number_accepts_office_formats);
    tcase_add_test(parsing, test_parse_number_lone_comma);
    tcase_add_test(parsing, test_parse_number_rejects);
    tcase_add_test(parsing, test_parse_number_ignores_c_locale);
    tcase_add_test(parsing, test_parse_integer);
    tcase_add_test(parsing, test_parse_date_accepts);
    tcase_add_test(parsing, test_parse_date_rejects);
    tcase_add_test(parsing, test_parse_bool);
    tcase_add_test(parsing, test_parse_grant_kind);
    tcase_add_test(parsing, test_text_is_blank);
    suite_add_tcase(s, parsing);
    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, test_fold_key);
    tcase_add_test(keys, test_fold_key_by_table_is_glibs);
    tcase_add_test(keys, test_fold_differences);
    tcase_add_test(keys, test_fold_describe);
    tcase_add_test(keys, test_edit_distance);
    tcase_add_test(keys, test_invalid_utf8_does_not_crash);
    suite_add_tcase(s, keys);
    TCase *formatting = tcase_create("formatting");
    tcase_add_test(formatting, test_format_number);
    tcase_add_test(formatting, test_format_never_overflows);
    tcase_add_test(formatting, test_format_money);
    tcase_add_test(formatting, test_format_percent);
    tcase_add_test(formatting, test_format_date);
    suite_add_tcase(s, formatting);
    return ts_run_suite(s);
}
