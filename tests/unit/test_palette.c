#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/palette.h"
#include "test_support.h"

/* Checks a palette against a published list: "#rrggbb #rrggbb ...". */
static void assert_palette(const char *name, int k, const char *expected)
{
    cm_rgb colours[CM_PALETTE_MAX_COLOURS];
    ck_assert_msg(cm_palette_get(name, k, colours), "%s %d not found", name, k);
    char got[CM_PALETTE_MAX_COLOURS * 8 + 1] = "";
    for (int i = 0; i < k; i++) {
        char hex[8];
        cm_rgb_format_hex(colours[i], hex);
        if (i > 0)
            strcat(got, " ");
        strcat(got, hex);
    }
    ck_assert_str_eq(got, expected);
}

START_TEST(test_published_colorbrewer)
{
    /* colorbrewer2.org */
    assert_palette("Blues", 5, "#eff3ff #bdd7e7 #6baed6 #3182bd #08519c");
    assert_palette("YlOrRd", 5, "#ffffb2 #fecc5c #fd8d3c #f03b20 #bd0026");
    assert_palette("Blues", 3, "#deebf7 #9ecae1 #3182bd");
    assert_palette("Blues", 9,
                   "#f7fbff #deebf7 #c6dbef #9ecae1 #6baed6 #4292c6 #2171b5 #08519c #08306b");
    assert_palette("YlGn", 4, "#ffffcc #c2e699 #78c679 #238443");
    assert_palette("Greys", 3, "#f0f0f0 #bdbdbd #636363");
    assert_palette("RdBu", 11, "#67001f #b2182b #d6604d #f4a582 #fddbc7 #f7f7f7 #d1e5f0 "
                               "#92c5de #4393c3 #2166ac #053061");
    assert_palette("Spectral", 3, "#fc8d59 #ffffbf #99d594");
    assert_palette("PuOr", 4, "#e66101 #fdb863 #b2abd2 #5e3c99");
    assert_palette("Set2", 3, "#66c2a5 #fc8d62 #8da0cb");
    assert_palette("Set3", 12, "#8dd3c7 #ffffb3 #bebada #fb8072 #80b1d3 #fdb462 #b3de69 "
                               "#fccde5 #d9d9d9 #bc80bd #ccebc5 #ffed6f");
    assert_palette("Paired", 12, "#a6cee3 #1f78b4 #b2df8a #33a02c #fb9a99 #e31a1c #fdbf6f "
                                 "#ff7f00 #cab2d6 #6a3d9a #ffff99 #b15928");
    assert_palette("Set1", 9, "#e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #ffff33 #a65628 "
                              "#f781bf #999999");
    assert_palette("Dark2", 8, "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666");
}
END_TEST

START_TEST(test_viridis_cividis_sampled_like_matplotlib)
{
    /* matplotlib: [to_hex(c) for c in colormaps['viridis'].resampled(5)(range(5))] */
    assert_palette("viridis", 5, "#440154 #3b528b #21918c #5ec962 #fde725");
    assert_palette("viridis", 3, "#440154 #21918c #fde725");
    assert_palette("viridis", 1, "#440154");
    assert_palette("cividis", 5, "#00224e #434e6c #7d7c78 #bcae6c #fee838");
    cm_rgb all[256];
    ck_assert(cm_palette_get("viridis", 256, all));
    char hex[8];
    cm_rgb_format_hex(all[128], hex);
    ck_assert_str_eq(hex, "#21918c");
    ck_assert(!cm_palette_get("viridis", 257, all));
    ck_assert(!cm_palette_get("viridis", 0, all));
}
END_TEST

START_TEST(test_published_class_counts)
{
    static const struct {
        const char *name;
        int max_k;
        cm_palette_kind kind;
    } expected[] = {
        {"Blues", 9, CM_PALETTE_SEQUENTIAL},     {"BuGn", 9, CM_PALETTE_SEQUENTIAL},
        {"BuPu", 9, CM_PALETTE_SEQUENTIAL},      {"GnBu", 9, CM_PALETTE_SEQUENTIAL},
        {"Greens", 9, CM_PALETTE_SEQUENTIAL},    {"Greys", 9, CM_PALETTE_SEQUENTIAL},
        {"OrRd", 9, CM_PALETTE_SEQUENTIAL},      {"Oranges", 9, CM_PALETTE_SEQUENTIAL},
        {"PuBu", 9, CM_PALETTE_SEQUENTIAL},      {"PuBuGn", 9, CM_PALETTE_SEQUENTIAL},
        {"PuRd", 9, CM_PALETTE_SEQUENTIAL},      {"Purples", 9, CM_PALETTE_SEQUENTIAL},
        {"RdPu", 9, CM_PALETTE_SEQUENTIAL},      {"Reds", 9, CM_PALETTE_SEQUENTIAL},
        {"YlGn", 9, CM_PALETTE_SEQUENTIAL},      {"YlGnBu", 9, CM_PALETTE_SEQUENTIAL},
        {"YlOrBr", 9, CM_PALETTE_SEQUENTIAL},    {"YlOrRd", 9, CM_PALETTE_SEQUENTIAL},
        {"BrBG", 11, CM_PALETTE_DIVERGING},      {"PiYG", 11, CM_PALETTE_DIVERGING},
        {"PRGn", 11, CM_PALETTE_DIVERGING},      {"PuOr", 11, CM_PALETTE_DIVERGING},
        {"RdBu", 11, CM_PALETTE_DIVERGING},      {"RdGy", 11, CM_PALETTE_DIVERGING},
        {"RdYlBu", 11, CM_PALETTE_DIVERGING},    {"RdYlGn", 11, CM_PALETTE_DIVERGING},
        {"Spectral", 11, CM_PALETTE_DIVERGING},  {"Accent", 8, CM_PALETTE_QUALITATIVE},
        {"Dark2", 8, CM_PALETTE_QUALITATIVE},    {"Paired", 12, CM_PALETTE_QUALITATIVE},
        {"Pastel1", 9, CM_PALETTE_QUALITATIVE},  {"Pastel2", 8, CM_PALETTE_QUALITATIVE},
        {"Set1", 9, CM_PALETTE_QUALITATIVE},     {"Set2", 8, CM_PALETTE_QUALITATIVE},
        {"Set3", 12, CM_PALETTE_QUALITATIVE},
    };
    size_t n = sizeof expected / sizeof expected[0];
    ck_assert_uint_eq(cm_palette_count(), n + 2);
    cm_rgb colours[16];
    for (size_t i = 0; i < n; i++) {
        int min_k = 0, max_k = 0;
        cm_palette_kind kind;
        ck_assert(cm_palette_info(expected[i].name, &min_k, &max_k, &kind));
        ck_assert_int_eq(min_k, 3);
        ck_assert_int_eq(max_k, expected[i].max_k);
        ck_assert_int_eq(kind, expected[i].kind);
        for (int k = 3; k <= max_k; k++)
            ck_assert_msg(cm_palette_get(expected[i].name, k, colours), "%s %d",
                          expected[i].name, k);
        ck_assert(!cm_palette_get(expected[i].name, 2, colours));
        ck_assert(!cm_palette_get(expected[i].name, max_k + 1, colours));
    }
    for (size_t i = 0; i < cm_palette_count(); i++)
        ck_assert_ptr_nonnull(cm_palette_name(i));
    ck_assert_ptr_null(cm_palette_name(cm_palette_count()));
}
END_TEST

static double luma(cm_rgb c)
{
    return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

START_TEST(test_sequential_lists_go_light_to_dark)
{
    /* A check on the transcribed data: every published sequential list darkens. */
    cm_rgb colours[16];
    for (size_t i = 0; i < cm_palette_count(); i++) {
        const char *name = cm_palette_name(i);
        cm_palette_kind kind;
        int min_k, max_k;
        ck_assert(cm_palette_info(name, &min_k, &max_k, &kind));
        if (kind != CM_PALETTE_SEQUENTIAL || max_k > 16)
            continue;
        for (int k = min_k; k <= max_k; k++) {
            ck_assert(cm_palette_get(name, k, colours));
            for (int j = 1; j < k; j++)
                ck_assert_msg(luma(colours[j]) < luma(colours[j - 1]), "%s %d: colour %d", name,
                              k, j);
        }
    }
}
END_TEST

START_TEST(test_colorblind_flags)
{
    ck_assert(cm_palette_is_colorblind_safe("Blues", 9));
    ck_assert(cm_palette_is_colorblind_safe("YlOrRd", 5));
    ck_assert(cm_palette_is_colorblind_safe("RdBu", 11));
    ck_assert(cm_palette_is_colorblind_safe("PuOr", 5));
    ck_assert(!cm_palette_is_colorblind_safe("Spectral", 5));
    ck_assert(!cm_palette_is_colorblind_safe("RdYlGn", 3));
    ck_assert(!cm_palette_is_colorblind_safe("RdGy", 5));
    ck_assert(cm_palette_is_colorblind_safe("Set2", 3));
    ck_assert(!cm_palette_is_colorblind_safe("Set2", 4));
    ck_assert(cm_palette_is_colorblind_safe("Paired", 4));
    ck_assert(!cm_palette_is_colorblind_safe("Paired", 5));
    ck_assert(cm_palette_is_colorblind_safe("Dark2", 3));
    ck_assert(!cm_palette_is_colorblind_safe("Set1", 3));
    ck_assert(cm_palette_is_colorblind_safe("viridis", 7));
    ck_assert(cm_palette_is_colorblind_safe("cividis_r", 5));
    ck_assert(!cm_palette_is_colorblind_safe("Blues", 10));
    ck_assert(!cm_palette_is_colorblind_safe("nope", 5));
}
END_TEST

START_TEST(test_reverse_case_and_unknown)
{
    assert_palette("Blues_r", 5, "#08519c #3182bd #6baed6 #bdd7e7 #eff3ff");
    assert_palette("blues", 3, "#deebf7 #9ecae1 #3182bd");
    assert_palette("viridis_r", 3, "#fde725 #21918c #440154");
    cm_rgb colours[16] = {{1, 2, 3}};
    ck_assert(!cm_palette_get("Bluez", 5, colours));
    ck_assert(!cm_palette_get("", 5, colours));
    ck_assert(!cm_palette_get(NULL, 5, colours));
    ck_assert(!cm_palette_get("_r", 5, colours));
    ck_assert(!cm_palette_info("Bluez", NULL, NULL, NULL));
    ck_assert_int_eq(colours[0].r, 1); /* untouched on failure */
}
END_TEST

START_TEST(test_one_or_two_classes)
{
    cm_rgb c[3];
    char hex[8];
    ck_assert(cm_palette_get_for_classes("Blues", 1, c));
    cm_rgb_format_hex(c[0], hex);
    ck_assert_str_eq(hex, "#9ecae1");
    ck_assert(cm_palette_get_for_classes("Blues", 2, c));
    cm_rgb_format_hex(c[1], hex);
    ck_assert_str_eq(hex, "#3182bd");
    ck_assert(cm_palette_get_for_classes("Set2_r", 2, c));
    cm_rgb_format_hex(c[0], hex);
    ck_assert_str_eq(hex, "#fc8d62");
    ck_assert(cm_palette_get_for_classes("Blues", 3, c));
    ck_assert(!cm_palette_get_for_classes("Blues", 0, c));
    ck_assert(!cm_palette_get_for_classes("Blues", 10, c));
    ck_assert(cm_palette_is_colorblind_safe("Blues", 2));
}
END_TEST

START_TEST(test_hex)
{
    cm_rgb c;
    char hex[8];
    ck_assert(cm_rgb_parse_hex("#08519C", &c));
    ck_assert_int_eq(c.r, 8);
    ck_assert_int_eq(c.g, 81);
    ck_assert_int_eq(c.b, 156);
    cm_rgb_format_hex(c, hex);
    ck_assert_str_eq(hex, "#08519c");
    ck_assert(cm_rgb_parse_hex("fff", &c));
    ck_assert_int_eq(c.r + c.g + c.b, 765);
    ck_assert(!cm_rgb_parse_hex("#12345", &c));
    ck_assert(!cm_rgb_parse_hex("#gg0000", &c));
    ck_assert(!cm_rgb_parse_hex(NULL, &c));
    cm_rgb_format_hex((cm_rgb){300, -4, 16}, hex);
    ck_assert_str_eq(hex, "#ff0010");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("palette");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_published_colorbrewer);
    tcase_add_test(tc, test_viridis_cividis_sampled_like_matplotlib);
    tcase_add_test(tc, test_published_class_counts);
    tcase_add_test(tc, test_sequential_lists_go_light_to_dark);
    tcase_add_test(tc, test_colorblind_flags);
    tcase_add_test(tc, test_reverse_case_and_unknown);
    tcase_add_test(tc, test_one_or_two_classes);
    tcase_add_test(tc, test_hex);
    suite_add_tcase(s, tc);
    return ts_run_suite(s);
}
