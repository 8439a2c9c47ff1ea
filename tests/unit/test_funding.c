/* The funding model against SPEC.md's rules: one test per rule and edge case,
 * with the expected numbers worked out by hand in the comments, then a per-day
 * brute-force reference compared with the sweep on thousands of random grant
 * sets. Unless a test says otherwise: as_of 2026-04-01, horizon 12 months
 * (2026-04-01 .. 2027-03-31, 365 days, horizon_end 2027-04-01), cost 65 000 $. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/funding.h"
#include "test_support.h"

static cm_day day_of(int y, int m, int d)
{
    return cm_day_from_civil(y, m, d);
}

static cm_grant grant(double amount, cm_day start, cm_day end, cm_grant_kind kind)
{
    cm_grant g = {.start = start, .open_ended = false, .end = end, .amount = amount,
                  .kind = kind, .coordination = true};
    return g;
}

static cm_grant open_grant(double amount, cm_day start, cm_grant_kind kind)
{
    cm_grant g = {.start = start, .open_ended = true, .end = 0, .amount = amount, .kind = kind,
                  .coordination = true};
    return g;
}

static cm_funding_params default_params(void)
{
    cm_funding_params p = {.as_of = day_of(2026, 4, 1), .horizon_months = 12,
                           .coordination_cost = 65000};
    return p;
}

static cm_funding_result assess(const cm_grant *grants, size_t count, cm_funding_params p)
{
    cm_funding_result r;
    cm_error err;
    ck_assert_int_eq(cm_funding_assess(grants, count, &p, &r, &err), CM_OK);
    return r;
}

static void assert_day(cm_day actual, int y, int m, int d)
{
    char a[11], e[11];
    cm_day_format_iso(actual, a);
    cm_day_format_iso(day_of(y, m, d), e);
    ck_assert_str_eq(a, e);
}

static void assert_funded_until(const cm_funding_result *r, int y, int m, int d, int months)
{
    ck_assert(r->has_funded_until);
    ck_assert(!r->never_stops);
    assert_day(r->funded_until, y, m, d);
    ck_assert(r->has_months_funded);
    ck_assert_int_eq(r->months_funded, months);
}

/* as_of itself falls short: no D, 0 months, coverage stops. */
static void assert_short_from_as_of(const cm_funding_result *r)
{
    ck_assert(!r->has_funded_until);
    ck_assert(!r->never_stops);
    ck_assert(r->has_months_funded);
    ck_assert_int_eq(r->months_funded, 0);
}

static void assert_never_stops(const cm_funding_result *r)
{
    ck_assert(r->never_stops);
    ck_assert(!r->has_funded_until);
    ck_assert(!r->has_months_funded);
}

static void assert_same_result(const cm_funding_result *a, const cm_funding_result *b,
                               int set);

/* ---- horizon --------------------------------------------------------------- */

START_TEST(test_horizon_is_add_months_exclusive)
{
    /* as_of 2026-01-31 + 1 month = 2026-02-28 (clamped): horizon 2026-01-31 ..
     * 2026-02-27 = 1 + 27 = 28 days. No grant, cost 36 500 $ a year = 100 $ a day:
     * shortfall = 28 x 100 = 2 800 $. */
    cm_funding_params p = {.as_of = day_of(2026, 1, 31), .horizon_months = 1,
                           .coordination_cost = 36500};
    cm_funding_result r = assess(NULL, 0, p);
    assert_day(r.horizon_end, 2026, 2, 28);
    ck_assert_double_eq(r.shortfall, 2800);
    ck_assert_int_eq(r.risk, CM_RISK_NO_COORDINATION);
    assert_short_from_as_of(&r);
    ck_assert(r.has_first_short_day);
    assert_day(r.first_short_day, 2026, 1, 31);
    ck_assert_double_eq(r.rate_on_first_short_day, 0);

    /* Default horizon: 2026-04-01 .. 2027-03-31 = 365 days, 178 850 $ = 490 $ a day
     * short every day: 365 x 490 = 178 850 $. */
    p = default_params();
    p.coordination_cost = 178850;
    r = assess(NULL, 0, p);
    assert_day(r.horizon_end, 2027, 4, 1);
    ck_assert_double_eq(r.shortfall, 178850);
}
END_TEST

/* ---- the SPEC's worked example -------------------------------------------------- */

START_TEST(test_grant_ending_mid_horizon)
{
    /* One recurrent 65 000 $ grant ending 2026-09-30: D = 2026-09-30; D + 1 =
     * 2026-10-01 = as_of + 6 months, so 6 months. Short days 2026-10-01 ..
     * 2027-03-31 = 31+30+31+31+28+31 = 182; shortfall = 65 000 x 182 / 365 =
     * 32 410,96 -> 32 411 $. */
    cm_grant g = grant(65000, day_of(2025, 10, 1), day_of(2026, 9, 30), CM_GRANT_RECURRENT);
    cm_funding_result r = assess(&g, 1, default_params());
    assert_funded_until(&r, 2026, 9, 30, 6);
    ck_assert_double_eq(r.shortfall, 32411);
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    ck_assert_double_eq(r.rate_on_as_of, 65000);
    ck_assert_int_eq(r.grants_active_on_as_of, 1);
    ck_assert(r.has_first_short_day);
    assert_day(r.first_short_day, 2026, 10, 1);
    ck_assert_double_eq(r.rate_on_first_short_day, 0);
    ck_assert(!r.project_needed);
    ck_assert(!r.projects_only);
}
END_TEST

/* ---- day-level edge cases --------------------------------------------------- */

START_TEST(test_overlapping_grants)
{
    /* 65 000 $ to 2026-12-31 and 65 000 $ open-ended from 2026-07-01: July to
     * December at 130 000 $, never below the cost, never ends. */
    cm_grant g[2] = {grant(65000, day_of(2025, 1, 1), day_of(2026, 12, 31), CM_GRANT_RECURRENT),
                     open_grant(65000, day_of(2026, 7, 1), CM_GRANT_RECURRENT)};
    cm_funding_result r = assess(g, 2, default_params());
    assert_never_stops(&r);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    ck_assert_double_eq(r.shortfall, 0);
    ck_assert_double_eq(r.rate_on_as_of, 65000);
    ck_assert_int_eq(r.grants_active_on_as_of, 1);
    ck_assert(!r.has_first_short_day);
}
END_TEST

START_TEST(test_partial_grants_add_up)
{
    /* 40 000 $ (2026-01-01 .. 2026-12-31) + 25 000 $ (2026-03-01 .. 2027-12-31) =
     * 65 000 $ until 2026-12-31, then 25 000 $: D = 2026-12-31, D + 1 = 2027-01-01 =
     * as_of + 9 months -> 9. Short 2027-01-01 .. 2027-03-31 = 31+28+31 = 90 days
     * at 40 000 $ missing: 40 000 x 90 / 365 = 9 863,01 -> 9 863 $. */
    cm_grant g[2] = {grant(40000, day_of(2026, 1, 1), day_of(2026, 12, 31), CM_GRANT_RECURRENT),
                     grant(25000, day_of(2026, 3, 1), day_of(2027, 12, 31), CM_GRANT_RECURRENT)};
    cm_funding_result r = assess(g, 2, default_params());
    assert_funded_until(&r, 2026, 12, 31, 9);
    ck_assert_double_eq(r.shortfall, 9863);
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    ck_assert_int_eq(r.grants_active_on_as_of, 2);
    ck_assert_double_eq(r.rate_on_as_of, 65000);
    assert_day(r.first_short_day, 2027, 1, 1);
    ck_assert_double_eq(r.rate_on_first_short_day, 25000);
}
END_TEST

START_TEST(test_one_day_gap)
{
    /* 65 000 $ to 2026-06-14, then from 2026-06-16 on: 2026-06-15 is uncovered.
     * D = 2026-06-14; D + 1 = 06-15: as_of + 2 months = 06-01 <= 06-15 but + 3 =
     * 07-01 is not -> 2 months. shortfall = 65 000 x 1 / 365 = 178,08 -> 178 $. */
    cm_grant g[2] = {grant(65000, day_of(2025, 4, 1), day_of(2026, 6, 14), CM_GRANT_RECURRENT),
                     open_grant(65000, day_of(2026, 6, 16), CM_GRANT_RECURRENT)};
    cm_funding_result r = assess(g, 2, default_params());
    assert_funded_until(&r, 2026, 6, 14, 2);
    ck_assert_double_eq(r.shortfall, 178);
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    assert_day(r.first_short_day, 2026, 6, 15);
}
END_TEST

START_TEST(test_adjacent_grants_have_no_gap)
{
    /* 2026-06-14 then 2026-06-15: continuous, so the recurrent open-ended grant
     * carries it forever. */
    cm_grant g[2] = {grant(65000, day_of(2025, 4, 1), day_of(2026, 6, 14), CM_GRANT_RECURRENT),
                     open_grant(65000, day_of(2026, 6, 15), CM_GRANT_RECURRENT)};
    cm_funding_result r = assess(g, 2, default_params());
    assert_never_stops(&r);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    ck_assert_double_eq(r.shortfall, 0);
}
END_TEST

START_TEST(test_open_ended_grants)
{
    /* A recurrent open-ended grant at the cost: never stops, stable. */
    cm_grant g = open_grant(65000, day_of(2020, 1, 1), CM_GRANT_RECURRENT);
    cm_funding_result r = assess(&g, 1, default_params());
    assert_never_stops(&r);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    ck_assert(!r.project_needed);

    /* The same as a project: never stops, but only thanks to a project. */
    g.kind = CM_GRANT_PROJECT;
    r = assess(&g, 1, default_params());
    assert_never_stops(&r);
    ck_assert_int_eq(r.risk, CM_RISK_FRAGILE);
    ck_assert(r.project_needed);
    ck_assert(r.projects_only);

    /* Open-ended but too small (50 000 $): short from as_of on, forever:
     * shortfall = 15 000 x 365 / 365 = 15 000 $. */
    g = open_grant(50000, day_of(2020, 1, 1), CM_GRANT_RECURRENT);
    r = assess(&g, 1, default_params());
    assert_short_from_as_of(&r);
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    ck_assert_double_eq(r.shortfall, 15000);
    ck_assert_double_eq(r.rate_on_first_short_day, 50000);
}
END_TEST

START_TEST(test_grant_starting_after_as_of)
{
    /* Open-ended 65 000 $ from 2026-05-01 and nothing on as_of: no-coordination.
     * Short 2026-04-01 .. 04-30 = 30 days: 65 000 x 30 / 365 = 5 342,47 -> 5 342 $. */
    cm_grant g[2] = {open_grant(65000, day_of(2026, 5, 1), CM_GRANT_RECURRENT),
                     open_grant(1000, day_of(2026, 1, 1), CM_GRANT_RECURRENT)};
    cm_funding_result r = assess(g, 1, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_NO_COORDINATION);
    assert_short_from_as_of(&r);
    ck_assert_double_eq(r.shortfall, 5342);
    ck_assert_int_eq(r.grants_active_on_as_of, 0);
    ck_assert_double_eq(r.rate_on_as_of, 0);

    /* Add 1 000 $ active on as_of: a coordination grant is active, so at-risk,
     * not no-coordination. 64 000 x 30 / 365 = 5 260,27 -> 5 260 $. */
    r = assess(g, 2, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    assert_short_from_as_of(&r);
    ck_assert_double_eq(r.shortfall, 5260);
    ck_assert_int_eq(r.grants_active_on_as_of, 1);
    ck_assert_double_eq(r.rate_on_as_of, 1000);
    assert_day(r.first_short_day, 2026, 4, 1);
}
END_TEST

START_TEST(test_grants_entirely_in_the_past)
{
    /* Ended the day before as_of: nothing active, short all 365 days:
     * shortfall = 65 000 $. */
    cm_grant g = grant(65000, day_of(2024, 1, 1), day_of(2026, 3, 31), CM_GRANT_RECURRENT);
    cm_funding_result r = assess(&g, 1, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_NO_COORDINATION);
    assert_short_from_as_of(&r);
    ck_assert_double_eq(r.shortfall, 65000);
    ck_assert_int_eq(r.grants_active_on_as_of, 0);

    /* Ending on as_of itself: active that one day. D = as_of, D + 1 = 04-02 <
     * as_of + 1 month -> 0 months, yet funded_until is present. Short 364 days:
     * 65 000 x 364 / 365 = 64 821,92 -> 64 822 $. */
    g.end = day_of(2026, 4, 1);
    r = assess(&g, 1, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    assert_funded_until(&r, 2026, 4, 1, 0);
    ck_assert_double_eq(r.shortfall, 64822);
}
END_TEST

START_TEST(test_amount_zero_counts_as_active)
{
    /* A 0 $ coordination grant is still a coordination grant active on as_of:
     * at-risk, short every day: shortfall = 65 000 $. */
    cm_grant g = open_grant(0, day_of(2026, 1, 1), CM_GRANT_RECURRENT);
    cm_funding_result r = assess(&g, 1, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    ck_assert_int_eq(r.grants_active_on_as_of, 1);
    assert_short_from_as_of(&r);
    ck_assert_double_eq(r.shortfall, 65000);
}
END_TEST

START_TEST(test_cost_zero)
{
    /* Every rate reaches 0 $: coverage never stops, nothing is missing. Without
     * any grant on as_of the territory is still no-coordination (the first rule);
     * with one, even a project, the recurrent rate (0) reaches the cost: stable. */
    cm_funding_params p = default_params();
    p.coordination_cost = 0;
    cm_funding_result r = assess(NULL, 0, p);
    ck_assert_int_eq(r.risk, CM_RISK_NO_COORDINATION);
    assert_never_stops(&r);
    ck_assert_double_eq(r.shortfall, 0);
    ck_assert(!r.has_first_short_day);

    cm_grant g = grant(10000, day_of(2026, 1, 1), day_of(2026, 6, 30), CM_GRANT_PROJECT);
    r = assess(&g, 1, p);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    assert_never_stops(&r);
    ck_assert(!r.project_needed);
}
END_TEST

START_TEST(test_equal_to_cost_and_half_cent_tolerance)
{
    /* 32 500 $ recurrent + 32 500 $ project = exactly the cost: covered; fragile. */
    cm_grant g[3] = {open_grant(32500, day_of(2026, 1, 1), CM_GRANT_RECURRENT),
                     open_grant(32500, day_of(2026, 1, 1), CM_GRANT_PROJECT)};
    cm_funding_result r = assess(g, 2, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_FRAGILE);
    assert_never_stops(&r);
    ck_assert(!r.projects_only);

    /* 3 x 21 666,67 $ = 65 000,01 $: covered. */
    for (int i = 0; i < 3; i++)
        g[i] = open_grant(21666.67, day_of(2026, 1, 1), CM_GRANT_RECURRENT);
    r = assess(g, 3, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);

    /* Cost 0,30 $ paid by 0,10 $ + 0,20 $ (0.1 + 0.2 != 0.3 in binary): covered. */
    cm_funding_params p = default_params();
    p.coordination_cost = 0.3;
    g[0] = open_grant(0.1, day_of(2026, 1, 1), CM_GRANT_RECURRENT);
    g[1] = open_grant(0.2, day_of(2026, 1, 1), CM_GRANT_RECURRENT);
    r = assess(g, 2, p);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    p.coordination_cost = 0.7;
    g[0] = open_grant(0.3, day_of(2026, 1, 1), CM_GRANT_RECURRENT);
    g[1] = open_grant(0.4, day_of(2026, 1, 1), CM_GRANT_RECURRENT);
    r = assess(g, 2, p);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);

    /* One cent short is short: 64 999,99 $ -> at-risk; shortfall 0,01 x 365 / 365 =
     * 0,01 $ -> rounds to 0 $. */
    g[0] = open_grant(64999.99, day_of(2026, 1, 1), CM_GRANT_RECURRENT);
    r = assess(g, 1, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    ck_assert_double_eq(r.shortfall, 0);
}
END_TEST

START_TEST(test_shortfall_rounds_half_away_from_zero)
{
    /* 182,5 $ missing per year for 365 days: exactly 182,5 $ -> 183 $.
     * 182,49 $: 182 $. */
    cm_funding_params p = default_params();
    p.coordination_cost = 182.5;
    cm_funding_result r = assess(NULL, 0, p);
    ck_assert_double_eq(r.shortfall, 183);
    p.coordination_cost = 182.49;
    r = assess(NULL, 0, p);
    ck_assert_double_eq(r.shortfall, 182);
    /* 73 days (2026-04-01 .. 06-12) short by 2,50 $ a year: 2,5 x 73 / 365 = 0,5 ->
     * 1 $ (one division at the end, not a per-day rounding). */
    p.coordination_cost = 2.5;
    cm_grant g = open_grant(2.5, day_of(2026, 6, 13), CM_GRANT_RECURRENT);
    r = assess(&g, 1, p);
    ck_assert_double_eq(r.shortfall, 1);
}
END_TEST

START_TEST(test_leap_year)
{
    /* as_of 2028-02-01 + 1 month: horizon 2028-02-01 .. 02-29 (29 days). A grant to
     * 2028-02-28 leaves 2028-02-29 short: 65 000 / 365 = 178,08 -> 178 $. D = 02-28,
     * D + 1 = 02-29 < 03-01 -> 0 months. */
    cm_funding_params p = {.as_of = day_of(2028, 2, 1), .horizon_months = 1,
                           .coordination_cost = 65000};
    cm_grant g = grant(65000, day_of(2027, 1, 1), day_of(2028, 2, 28), CM_GRANT_RECURRENT);
    cm_funding_result r = assess(&g, 1, p);
    assert_day(r.horizon_end, 2028, 3, 1);
    assert_funded_until(&r, 2028, 2, 28, 0);
    ck_assert_double_eq(r.shortfall, 178);
    assert_day(r.first_short_day, 2028, 2, 29);
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);

    /* 2028 has 366 days: no grant, cost 36 600 $, shortfall = 36 600 x 366 / 365 =
     * 36 700,27 -> 36 700 $. */
    p.as_of = day_of(2028, 1, 1);
    p.horizon_months = 12;
    p.coordination_cost = 36600;
    r = assess(NULL, 0, p);
    ck_assert_double_eq(r.shortfall, 36700);
}
END_TEST

START_TEST(test_month_ends)
{
    cm_funding_params p = default_params();
    p.as_of = day_of(2026, 1, 31);
    cm_grant g = grant(65000, day_of(2025, 1, 1), day_of(2026, 2, 27), CM_GRANT_RECURRENT);
    /* D + 1 = 2026-02-28 = 01-31 + 1 month (clamped) -> 1 month. */
    cm_funding_result r = assess(&g, 1, p);
    assert_funded_until(&r, 2026, 2, 27, 1);
    /* D + 1 = 02-27 < 02-28 -> 0 months. */
    g.end = day_of(2026, 2, 26);
    r = assess(&g, 1, p);
    assert_funded_until(&r, 2026, 2, 26, 0);
    /* D + 1 = 03-31 = 01-31 + 2 months -> 2. */
    g.end = day_of(2026, 3, 30);
    r = assess(&g, 1, p);
    assert_funded_until(&r, 2026, 3, 30, 2);
    /* D + 1 = 03-30 < 03-31 -> 1 (02-28 <= 03-30). */
    g.end = day_of(2026, 3, 29);
    r = assess(&g, 1, p);
    assert_funded_until(&r, 2026, 3, 29, 1);
    /* Leap year: 2028-01-31 + 1 month = 02-29; D + 1 = 02-29 -> 1 month. */
    p.as_of = day_of(2028, 1, 31);
    g.end = day_of(2028, 2, 28);
    r = assess(&g, 1, p);
    assert_funded_until(&r, 2028, 2, 28, 1);
    /* 2026-03-31 + 1 month = 04-30: D = 04-29 -> 1; D = 04-28 -> 0. */
    p.as_of = day_of(2026, 3, 31);
    g.end = day_of(2026, 4, 29);
    r = assess(&g, 1, p);
    assert_funded_until(&r, 2026, 4, 29, 1);
    g.end = day_of(2026, 4, 28);
    r = assess(&g, 1, p);
    assert_funded_until(&r, 2026, 4, 28, 0);
    /* Funded to the horizon's last day, 2027-01-30 (horizon_end 2027-01-31):
     * horizon covered, stable; D + 1 = 2027-01-31 = as_of + 12 months -> 12. */
    p.as_of = day_of(2026, 1, 31);
    g.end = day_of(2027, 1, 30);
    r = assess(&g, 1, p);
    assert_day(r.horizon_end, 2027, 1, 31);
    assert_funded_until(&r, 2027, 1, 30, 12);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    ck_assert_double_eq(r.shortfall, 0);
    /* One day less: 2027-01-30 is short, at-risk; D + 1 = 2027-01-30: as_of + 11
     * months = 2026-12-31 fits, + 12 = 2027-01-31 does not -> 11 months; shortfall
     * 65 000 / 365 = 178,08 -> 178 $. */
    g.end = day_of(2027, 1, 29);
    r = assess(&g, 1, p);
    assert_funded_until(&r, 2027, 1, 29, 11);
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    ck_assert_double_eq(r.shortfall, 178);
}
END_TEST

/* ---- risk levels ------------------------------------------------------------ */

START_TEST(test_fragile_and_stable)
{
    /* 40 000 $ recurrent open-ended + 25 000 $ project to 2027-12-31: horizon covered,
     * but the recurrent grant alone is short: fragile. D = 2027-12-31, D + 1 =
     * 2028-01-01 = as_of + 21 months -> 21. */
    cm_grant g[2] = {open_grant(40000, day_of(2025, 1, 1), CM_GRANT_RECURRENT),
                     grant(25000, day_of(2026, 1, 1), day_of(2027, 12, 31), CM_GRANT_PROJECT)};
    cm_funding_result r = assess(g, 2, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_FRAGILE);
    assert_funded_until(&r, 2027, 12, 31, 21);
    ck_assert(r.project_needed);
    ck_assert(!r.projects_only);
    ck_assert_double_eq(r.shortfall, 0);
    ck_assert(!r.has_first_short_day);

    /* A project alone to 2027-06-30: fragile, projects only; D + 1 = 2027-07-01 =
     * as_of + 15 months. */
    g[0] = grant(65000, day_of(2026, 1, 1), day_of(2027, 6, 30), CM_GRANT_PROJECT);
    r = assess(g, 1, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_FRAGILE);
    ck_assert(r.projects_only);
    assert_funded_until(&r, 2027, 6, 30, 15);

    /* A recurrent grant to the horizon's last day (2027-03-31): stable, 12 months. */
    g[0] = grant(65000, day_of(2026, 1, 1), day_of(2027, 3, 31), CM_GRANT_RECURRENT);
    r = assess(g, 1, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    assert_funded_until(&r, 2027, 3, 31, 12);

    /* Project help needed only after the horizon does not make it fragile: the
     * recurrent grant covers the horizon, a project carries it to 2027-06-30. */
    g[1] = grant(65000, day_of(2027, 4, 1), day_of(2027, 6, 30), CM_GRANT_PROJECT);
    r = assess(g, 2, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    ck_assert(!r.project_needed);
    assert_funded_until(&r, 2027, 6, 30, 15);
}
END_TEST

START_TEST(test_at_risk_with_projects)
{
    /* A project covers to 2026-09-30, then a 30 000 $ recurrent grant from 10-01:
     * at-risk; project needed (April-September) but not projects only (recurrent
     * money on some horizon day). Short 182 days by 35 000 $: 35 000 x 182 / 365 =
     * 17 452,05 -> 17 452 $. */
    cm_grant g[2] = {grant(65000, day_of(2026, 1, 1), day_of(2026, 9, 30), CM_GRANT_PROJECT),
                     open_grant(30000, day_of(2026, 10, 1), CM_GRANT_RECURRENT)};
    cm_funding_result r = assess(g, 2, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_AT_RISK);
    ck_assert(r.project_needed);
    ck_assert(!r.projects_only);
    ck_assert_double_eq(r.shortfall, 17452);
    ck_assert_double_eq(r.rate_on_first_short_day, 30000);
    assert_funded_until(&r, 2026, 9, 30, 6);
}
END_TEST

START_TEST(test_non_coordination_grants_ignored)
{
    /* A 65 000 $ open-ended grant that does not pay coordination changes nothing;
     * an invalid one (ends before it starts) is not even looked at. */
    cm_grant g[2] = {open_grant(65000, day_of(2020, 1, 1), CM_GRANT_RECURRENT),
                     grant(-5, day_of(2026, 5, 1), day_of(2026, 4, 1), CM_GRANT_RECURRENT)};
    g[0].coordination = false;
    g[1].coordination = false;
    cm_funding_result r = assess(g, 2, default_params());
    ck_assert_int_eq(r.risk, CM_RISK_NO_COORDINATION);
    ck_assert_int_eq(r.grants_active_on_as_of, 0);
    ck_assert_double_eq(r.shortfall, 65000);
}
END_TEST

START_TEST(test_grant_order_does_not_matter)
{
    cm_grant g[3] = {grant(40000, day_of(2026, 1, 1), day_of(2026, 12, 31), CM_GRANT_RECURRENT),
                     grant(25000, day_of(2026, 3, 1), day_of(2027, 12, 31), CM_GRANT_PROJECT),
                     open_grant(40000, day_of(2027, 2, 1), CM_GRANT_RECURRENT)};
    cm_grant h[3] = {g[2], g[0], g[1]};
    cm_funding_result a = assess(g, 3, default_params());
    cm_funding_result b = assess(h, 3, default_params());
    assert_same_result(&a, &b, 0);
    /* January 2027 at 25 000 $ (February on: 65 000 $): short by 40 000 for 31 days:
     * 40 000 x 31 / 365 = 3 397,26 -> 3 397 $. */
    ck_assert_double_eq(a.shortfall, 3397);
}
END_TEST

START_TEST(test_many_grants_sweep)
{
    /* 200 000 grants of 1 $ a year, each on one day of 2026-04-01 + i % 400:
     * every day has 500 (or 0) grants; cost 500 $: covered while days have grants.
     * Days 2026-04-01 + 0..399 all have exactly 500 grants: D = 2026-04-01 + 399 =
     * 2027-05-05. */
    size_t n = 200000;
    cm_grant *g = malloc(n * sizeof *g);
    ck_assert_ptr_nonnull(g);
    cm_day as_of = day_of(2026, 4, 1);
    for (size_t i = 0; i < n; i++)
        g[i] = grant(1, as_of + (cm_day)(i % 400), as_of + (cm_day)(i % 400),
                     CM_GRANT_RECURRENT);
    cm_funding_params p = default_params();
    p.coordination_cost = 500;
    cm_funding_result r = assess(g, n, p);
    free(g);
    assert_funded_until(&r, 2027, 5, 5, 13);
    ck_assert_int_eq(r.risk, CM_RISK_STABLE);
    ck_assert_int_eq(r.grants_active_on_as_of, 500);
}
END_TEST

/* ---- invalid input ---------------------------------------------------------- */

START_TEST(test_invalid_input)
{
    cm_funding_params p = default_params();
    cm_funding_result r;
    cm_error err;
    cm_grant g[2] = {open_grant(65000, day_of(2026, 1, 1), CM_GRANT_RECURRENT),
                     grant(65000, day_of(2026, 5, 1), day_of(2026, 4, 30), CM_GRANT_RECURRENT)};
    ck_assert_int_eq(cm_funding_assess(g, 2, &p, &r, &err), CM_ERR_INPUT);
    ck_assert_int_eq(err.line, 2);
    ck_assert_ptr_nonnull(strstr(err.message, "2026-04-30"));

    g[1] = open_grant(-1, day_of(2026, 1, 1), CM_GRANT_PROJECT);
    ck_assert_int_eq(cm_funding_assess(g, 2, &p, &r, &err), CM_ERR_INPUT);
    ck_assert_int_eq(err.line, 2);
    g[1].amount = NAN;
    ck_assert_int_eq(cm_funding_assess(g, 2, &p, &r, &err), CM_ERR_INPUT);

    p.horizon_months = 0;
    ck_assert_int_eq(cm_funding_assess(g, 1, &p, &r, &err), CM_ERR_INPUT);
    p = default_params();
    p.coordination_cost = -1;
    ck_assert_int_eq(cm_funding_assess(g, 1, &p, &r, &err), CM_ERR_INPUT);
    p.coordination_cost = INFINITY;
    ck_assert_int_eq(cm_funding_assess(g, 1, &p, &r, &err), CM_ERR_INPUT);
    /* A one-day grant (end == start) is valid. */
    p = default_params();
    g[1] = grant(1, day_of(2026, 4, 1), day_of(2026, 4, 1), CM_GRANT_PROJECT);
    ck_assert_int_eq(cm_funding_assess(g, 2, &p, &r, &err), CM_OK);
}
END_TEST

/* ---- names and reasons ------------------------------------------------------- */

START_TEST(test_risk_names)
{
    ck_assert_str_eq(cm_risk_level_name(CM_RISK_NO_COORDINATION), "no-coordination");
    ck_assert_str_eq(cm_risk_level_name(CM_RISK_AT_RISK), "at-risk");
    ck_assert_str_eq(cm_risk_level_name(CM_RISK_FRAGILE), "fragile");
    ck_assert_str_eq(cm_risk_level_name(CM_RISK_STABLE), "stable");
    ck_assert_str_eq(cm_risk_level_label(CM_RISK_NO_COORDINATION, CM_LOCALE_FR_CA),
                     "Sans coordination");
    ck_assert_str_eq(cm_risk_level_label(CM_RISK_AT_RISK, CM_LOCALE_FR_CA), "À risque");
    ck_assert_str_eq(cm_risk_level_label(CM_RISK_AT_RISK, CM_LOCALE_EN_CA), "At risk");
    ck_assert_str_eq(cm_risk_level_label(CM_RISK_NO_COORDINATION, CM_LOCALE_EN_CA),
                     "No coordination");
    ck_assert_str_eq(cm_risk_level_label(CM_RISK_STABLE, CM_LOCALE_FR_CA), "Stable");
    for (int i = CM_RISK_NO_COORDINATION; i <= CM_RISK_STABLE; i++) {
        cm_risk_level parsed = CM_RISK_STABLE;
        ck_assert(cm_risk_level_parse(cm_risk_level_name((cm_risk_level)i), &parsed));
        ck_assert_int_eq(parsed, i);
    }
    cm_risk_level parsed;
    ck_assert(!cm_risk_level_parse("risky", &parsed));
    ck_assert(!cm_risk_level_parse("", &parsed));
    ck_assert(!cm_risk_level_parse(NULL, &parsed));
}
END_TEST

static void money(double value, cm_locale locale, char *buf, size_t size)
{
    cm_format_money(value, locale, buf, size);
}

static void reasons_of(const cm_grant *g, size_t n, cm_funding_params p, cm_locale locale,
                       char *buf, size_t size)
{
    cm_funding_result r = assess(g, n, p);
    cm_funding_reasons(&r, &p, locale, buf, size);
}

START_TEST(test_reasons_french)
{
    char buf[512], expected[512], m1[64], m2[64];
    cm_funding_params p = default_params();
    /* The worked example: to 2026-09-30, 32 411 $ missing by 2027-03-31. */
    cm_grant g = grant(65000, day_of(2025, 10, 1), day_of(2026, 9, 30), CM_GRANT_RECURRENT);
    reasons_of(&g, 1, p, CM_LOCALE_FR_CA, buf, sizeof buf);
    money(32411, CM_LOCALE_FR_CA, m1, sizeof m1);
    snprintf(expected, sizeof expected,
             "financement de coordination jusqu'au 30 septembre 2026; "
             "manque %s d'ici le 31 mars 2027",
             m1);
    ck_assert_str_eq(buf, expected);

    /* Nothing on as_of. */
    reasons_of(NULL, 0, p, CM_LOCALE_FR_CA, buf, sizeof buf);
    money(65000, CM_LOCALE_FR_CA, m1, sizeof m1);
    snprintf(expected, sizeof expected,
             "aucune subvention de coordination active le 1er avril 2026; "
             "manque %s d'ici le 31 mars 2027",
             m1);
    ck_assert_str_eq(buf, expected);

    /* 45 000 $ open-ended for 65 000 $: 20 000 $ missing. */
    g = open_grant(45000, day_of(2025, 1, 1), CM_GRANT_RECURRENT);
    reasons_of(&g, 1, p, CM_LOCALE_FR_CA, buf, sizeof buf);
    money(45000, CM_LOCALE_FR_CA, m1, sizeof m1);
    money(65000, CM_LOCALE_FR_CA, m2, sizeof m2);
    char m3[64];
    money(20000, CM_LOCALE_FR_CA, m3, sizeof m3);
    snprintf(expected, sizeof expected,
             "financement insuffisant dès le 1er avril 2026 (%s par an pour %s); "
             "manque %s d'ici le 31 mars 2027",
             m1, m2, m3);
    ck_assert_str_eq(buf, expected);

    /* Project to 2027-06-30: fragile, projects only. */
    g = grant(65000, day_of(2026, 1, 1), day_of(2027, 6, 30), CM_GRANT_PROJECT);
    reasons_of(&g, 1, p, CM_LOCALE_FR_CA, buf, sizeof buf);
    ck_assert_str_eq(buf, "financement de coordination jusqu'au 30 juin 2027; "
                          "financée seulement par projets");

    /* Recurrent open-ended 40 000 $ + project: depends on projects. */
    cm_grant two[2] = {open_grant(40000, day_of(2025, 1, 1), CM_GRANT_RECURRENT),
                       grant(25000, day_of(2026, 1, 1), day_of(2027, 12, 31), CM_GRANT_PROJECT)};
    reasons_of(two, 2, p, CM_LOCALE_FR_CA, buf, sizeof buf);
    ck_assert_str_eq(buf, "financement de coordination jusqu'au 31 décembre 2027; "
                          "dépend de subventions de projet");

    /* Stable forever. */
    g = open_grant(65000, day_of(2025, 1, 1), CM_GRANT_RECURRENT);
    reasons_of(&g, 1, p, CM_LOCALE_FR_CA, buf, sizeof buf);
    ck_assert_str_eq(buf, "financement de coordination sans date de fin");

    /* A buffer too small keeps whole reasons only. */
    g = grant(65000, day_of(2025, 10, 1), day_of(2026, 9, 30), CM_GRANT_RECURRENT);
    reasons_of(&g, 1, p, CM_LOCALE_FR_CA, buf, 60);
    ck_assert_str_eq(buf, "financement de coordination jusqu'au 30 septembre 2026");
    reasons_of(&g, 1, p, CM_LOCALE_FR_CA, buf, 10);
    ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_reasons_english)
{
    char buf[512], expected[512], m1[64], m2[64], m3[64];
    cm_funding_params p = default_params();
    cm_grant g = grant(65000, day_of(2025, 10, 1), day_of(2026, 9, 30), CM_GRANT_PROJECT);
    reasons_of(&g, 1, p, CM_LOCALE_EN_CA, buf, sizeof buf);
    money(32411, CM_LOCALE_EN_CA, m1, sizeof m1);
    snprintf(expected, sizeof expected,
             "coordination funded until September 30, 2026; funded by projects only; "
             "%s missing by March 31, 2027",
             m1);
    ck_assert_str_eq(buf, expected);

    reasons_of(NULL, 0, p, CM_LOCALE_EN_CA, buf, sizeof buf);
    money(65000, CM_LOCALE_EN_CA, m1, sizeof m1);
    snprintf(expected, sizeof expected,
             "no coordination grant active on April 1, 2026; %s missing by March 31, 2027", m1);
    ck_assert_str_eq(buf, expected);

    g = open_grant(45000, day_of(2025, 1, 1), CM_GRANT_RECURRENT);
    reasons_of(&g, 1, p, CM_LOCALE_EN_CA, buf, sizeof buf);
    money(45000, CM_LOCALE_EN_CA, m1, sizeof m1);
    money(65000, CM_LOCALE_EN_CA, m2, sizeof m2);
    money(20000, CM_LOCALE_EN_CA, m3, sizeof m3);
    snprintf(expected, sizeof expected,
             "insufficient funding from April 1, 2026 (%s a year for %s); "
             "%s missing by March 31, 2027",
             m1, m2, m3);
    ck_assert_str_eq(buf, expected);

    cm_grant two[2] = {open_grant(40000, day_of(2025, 1, 1), CM_GRANT_RECURRENT),
                       open_grant(25000, day_of(2026, 1, 1), CM_GRANT_PROJECT)};
    reasons_of(two, 2, p, CM_LOCALE_EN_CA, buf, sizeof buf);
    ck_assert_str_eq(buf, "coordination funded with no end date; depends on project grants");
}
END_TEST

/* ---- brute force --------------------------------------------------------------- */

/* The rules read literally, one day at a time, in doubles with a half-cent
 * tolerance; nothing shared with the sweep but the calendar. */
typedef struct {
    double total;
    double recurrent;
} day_rate;

static day_rate rate_on(const cm_grant *g, size_t n, cm_day day)
{
    day_rate r = {0, 0};
    for (size_t i = 0; i < n; i++) {
        if (!g[i].coordination || g[i].start > day || (!g[i].open_ended && g[i].end < day))
            continue;
        r.total += g[i].amount;
        if (g[i].kind == CM_GRANT_RECURRENT)
            r.recurrent += g[i].amount;
    }
    return r;
}

static bool below(double rate, double cost)
{
    return rate < cost - 0.005;
}

static cm_funding_result brute_force(const cm_grant *g, size_t n, const cm_funding_params *p)
{
    cm_funding_result r;
    memset(&r, 0, sizeof r);
    cm_day as_of = p->as_of;
    double cost = p->coordination_cost;
    r.horizon_end = cm_add_months(as_of, p->horizon_months);
    /* After the last start or end + 1 the rate no longer changes. */
    cm_day last = r.horizon_end;
    for (size_t i = 0; i < n; i++) {
        if (g[i].start > last)
            last = g[i].start;
        if (!g[i].open_ended && g[i].end + 1 > last)
            last = g[i].end + 1;
        if (g[i].coordination && g[i].start <= as_of && (g[i].open_ended || g[i].end >= as_of))
            r.grants_active_on_as_of++;
    }
    r.rate_on_as_of = rate_on(g, n, as_of).total;
    bool seen_short = false, recurrent_seen = false;
    cm_day first_short = 0;
    long long cent_days = 0;
    for (cm_day d = as_of; d <= last; d++) {
        day_rate rate = rate_on(g, n, d);
        bool is_short = below(rate.total, cost);
        if (is_short && !seen_short) {
            seen_short = true;
            first_short = d;
        }
        if (d >= r.horizon_end)
            continue;
        if (rate.recurrent > 0.005)
            recurrent_seen = true;
        if (is_short) {
            cent_days += llround((cost - rate.total) * 100);
            if (!r.has_first_short_day) {
                r.has_first_short_day = true;
                r.first_short_day = d;
                r.rate_on_first_short_day = rate.total;
            }
        } else if (below(rate.recurrent, cost)) {
            r.project_needed = true;
        }
    }
    r.shortfall = (double)((cent_days + 18250) / 36500);
    r.projects_only = r.project_needed && !recurrent_seen;
    if (!seen_short) {
        r.never_stops = true;
    } else if (first_short == as_of) {
        r.has_months_funded = true;
    } else {
        r.has_funded_until = true;
        r.funded_until = first_short - 1;
        r.has_months_funded = true;
        while (cm_add_months(as_of, r.months_funded + 1) <= first_short)
            r.months_funded++;
    }
    if (r.grants_active_on_as_of == 0)
        r.risk = CM_RISK_NO_COORDINATION;
    else if (r.has_first_short_day)
        r.risk = CM_RISK_AT_RISK;
    else if (r.project_needed)
        r.risk = CM_RISK_FRAGILE;
    else
        r.risk = CM_RISK_STABLE;
    return r;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t next_random(uint32_t bound)
{
    /* xorshift64*: fixed seed, same sets on every run. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717u) >> 32) % bound;
}

/* Amounts chosen so that sums often land exactly on, or a cent around, the cost
 * (never below 0, which the model rejects). */
static double random_amount(double cost)
{
    if (cost < 1)
        return next_random(3) / 100.0;
    switch (next_random(8)) {
    case 0: return 0;
    case 1: return cost;
    case 2: return cost / 2;
    case 3: return round(cost / 3 * 100) / 100;
    case 4: return round(cost / 3 * 100) / 100 - 0.01;
    case 5: return cost - 0.01;
    case 6: return round(cost / 4 * 100) / 100;
    default: return next_random(8000000) / 100.0;
    }
}

static cm_grant random_grant(cm_day window_start, double cost)
{
    cm_grant g;
    g.start = window_start + (cm_day)next_random(1500);
    g.open_ended = next_random(4) == 0;
    g.end = g.open_ended ? 0 : g.start + (cm_day)next_random(next_random(3) == 0 ? 5 : 700);
    g.amount = random_amount(cost);
    g.kind = next_random(2) == 0 ? CM_GRANT_RECURRENT : CM_GRANT_PROJECT;
    g.coordination = next_random(8) != 0;
    return g;
}

static void assert_same_result(const cm_funding_result *a, const cm_funding_result *b, int set)
{
    ck_assert_msg(a->risk == b->risk, "set %d: risk %d vs %d", set, a->risk, b->risk);
    ck_assert_msg(a->has_funded_until == b->has_funded_until, "set %d: has_funded_until", set);
    if (a->has_funded_until)
        ck_assert_msg(a->funded_until == b->funded_until, "set %d: funded_until", set);
    ck_assert_msg(a->never_stops == b->never_stops, "set %d: never_stops", set);
    ck_assert_msg(a->has_months_funded == b->has_months_funded, "set %d: has_months", set);
    ck_assert_msg(a->months_funded == b->months_funded, "set %d: months %d vs %d", set,
                  a->months_funded, b->months_funded);
    ck_assert_msg(a->shortfall == b->shortfall, "set %d: shortfall %.2f vs %.2f", set,
                  a->shortfall, b->shortfall);
    ck_assert_msg(fabs(a->rate_on_as_of - b->rate_on_as_of) < 0.001, "set %d: rate", set);
    ck_assert_msg(a->grants_active_on_as_of == b->grants_active_on_as_of, "set %d: active",
                  set);
    ck_assert_msg(a->project_needed == b->project_needed, "set %d: project_needed", set);
    ck_assert_msg(a->projects_only == b->projects_only, "set %d: projects_only", set);
    ck_assert_msg(a->has_first_short_day == b->has_first_short_day, "set %d: has_short", set);
    if (a->has_first_short_day) {
        ck_assert_msg(a->first_short_day == b->first_short_day, "set %d: first_short", set);
        ck_assert_msg(fabs(a->rate_on_first_short_day - b->rate_on_first_short_day) < 0.001,
                      "set %d: rate on first short day", set);
    }
    ck_assert_msg(a->horizon_end == b->horizon_end, "set %d: horizon_end", set);
}

START_TEST(test_matches_brute_force)
{
    static const double costs[] = {65000, 60000.5, 0, 1, 36500};
    cm_day window_start = day_of(2025, 1, 1);
    int counts[4] = {0, 0, 0, 0};
    for (int set = 0; set < 4000; set++) {
        cm_grant g[8];
        size_t n = next_random(9);
        cm_funding_params p;
        p.coordination_cost = costs[next_random(5)];
        /* as_of often on a month end or around a leap day. */
        p.as_of = next_random(3) == 0
                      ? cm_add_months(day_of(2027, 1, 31), (int)next_random(24)) - 1 +
                            (cm_day)next_random(3)
                      : window_start + (cm_day)next_random(1200);
        p.horizon_months = 1 + (int)next_random(30);
        for (size_t i = 0; i < n; i++)
            g[i] = random_grant(window_start, p.coordination_cost);
        cm_funding_result fast = assess(g, n, p);
        cm_funding_result slow = brute_force(g, n, &p);
        assert_same_result(&fast, &slow, set);
        counts[fast.risk]++;
    }
    /* The random sets must exercise every level, or the comparison proves little. */
    for (int i = 0; i < 4; i++)
        ck_assert_int_gt(counts[i], 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("funding");
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, test_horizon_is_add_months_exclusive);
    tcase_add_test(rules, test_grant_ending_mid_horizon);
    tcase_add_test(rules, test_overlapping_grants);
    tcase_add_test(rules, test_partial_grants_add_up);
    tcase_add_test(rules, test_one_day_gap);
    tcase_add_test(rules, test_adjacent_grants_have_no_gap);
    tcase_add_test(rules, test_open_ended_grants);
    tcase_add_test(rules, test_grant_starting_after_as_of);
    tcase_add_test(rules, test_grants_entirely_in_the_past);
    tcase_add_test(rules, test_amount_zero_counts_as_active);
    tcase_add_test(rules, test_cost_zero);
    tcase_add_test(rules, test_equal_to_cost_and_half_cent_tolerance);
    tcase_add_test(rules, test_shortfall_rounds_half_away_from_zero);
    tcase_add_test(rules, test_leap_year);
    tcase_add_test(rules, test_month_ends);
    tcase_add_test(rules, test_fragile_and_stable);
    tcase_add_test(rules, test_at_risk_with_projects);
    tcase_add_test(rules, test_non_coordination_grants_ignored);
    tcase_add_test(rules, test_grant_order_does_not_matter);
    tcase_add_test(rules, test_many_grants_sweep);
    tcase_add_test(rules, test_invalid_input);
    tcase_add_test(rules, test_risk_names);
    suite_add_tcase(s, rules);
    TCase *reasons = tcase_create("reasons");
    tcase_add_test(reasons, test_reasons_french);
    tcase_add_test(reasons, test_reasons_english);
    suite_add_tcase(s, reasons);
    TCase *reference = tcase_create("reference");
    tcase_set_timeout(reference, 120);
    tcase_add_test(reference, test_matches_brute_force);
    suite_add_tcase(s, reference);
    return ts_run_suite(s);
}
