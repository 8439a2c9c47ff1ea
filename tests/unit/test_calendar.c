#include <check.h>
#include <stdlib.h>

#include "covermap/calendar.h"
#include "test_support.h"

START_TEST(test_round_trip)
{
    for (cm_day d = -800000; d < 800000; d += 37) {
        cm_civil_date c = cm_civil_from_day(d);
        ck_assert_int_eq(cm_day_from_civil(c.year, c.month, c.day), d);
    }
    ck_assert_int_eq(cm_day_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(cm_day_from_civil(2000, 3, 1) - cm_day_from_civil(2000, 2, 28), 2);
}
END_TEST

START_TEST(test_add_months_clamps_month_ends)
{
    char iso[11];
    cm_day_format_iso(cm_add_months(cm_day_from_civil(2026, 1, 31), 1), iso);
    ck_assert_str_eq(iso, "2026-02-28");
    cm_day_format_iso(cm_add_months(cm_day_from_civil(2028, 1, 31), 1), iso);
    ck_assert_str_eq(iso, "2028-02-29");
    cm_day_format_iso(cm_add_months(cm_day_from_civil(2026, 4, 1), 12), iso);
    ck_assert_str_eq(iso, "2027-04-01");
    cm_day_format_iso(cm_add_months(cm_day_from_civil(2026, 3, 31), -1), iso);
    ck_assert_str_eq(iso, "2026-02-28");
    cm_day_format_iso(cm_add_months(cm_day_from_civil(2026, 12, 15), 1), iso);
    ck_assert_str_eq(iso, "2027-01-15");
}
END_TEST

START_TEST(test_parse_iso)
{
    cm_day d;
    ck_assert(cm_day_parse_iso("2024-02-29", &d));
    ck_assert(!cm_day_parse_iso("2026-02-29", &d));
    ck_assert(!cm_day_parse_iso("2026-13-01", &d));
    ck_assert(!cm_day_parse_iso("2026-1-01", &d));
    ck_assert(!cm_day_parse_iso("", &d));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_add_months_clamps_month_ends);
    tcase_add_test(tc, test_parse_iso);
    suite_add_tcase(s, tc);
    return ts_run_suite(s);
}
