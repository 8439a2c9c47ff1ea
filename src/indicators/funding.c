/* The funding model of SPEC.md ("What a run computes"): a sweep over the days
 * where a territory's coordination rate changes, so the cost is O(n log n) in
 * grants whatever the dates. Money is handled in whole cents (int64) so that
 * sums, comparisons and the shortfall are exact. */
#include "covermap/funding.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inputs above this are surely typos (a trillion dollars a year); the bound also
 * keeps every cent sum, and cost x days over the longest horizon, inside int64. */
#define MAX_DOLLARS 1e12
#define MAX_HORIZON_MONTHS 1200
#define DAYS_PER_YEAR 365
#define CENTS_PER_DOLLAR 100

/* The rate changes by these deltas (cents a year) from `day` on. */
typedef struct {
    int64_t day;
    int64_t total;
    int64_t recurrent;
} rate_change;

/* What the sweep learns, in exact units, before it becomes a cm_funding_result. */
typedef struct {
    int64_t cost;        /* cents a year */
    int64_t horizon_end; /* first day after the horizon */
    bool seen_short;     /* some day >= as_of is short */
    int64_t first_short; /* first such day, horizon or not */
    int64_t shortfall;   /* sum over short horizon days of (cost - rate), cent-days */
    bool horizon_short;
    int64_t first_short_in_horizon;
    int64_t rate_on_first_short; /* cents a year */
    bool project_needed;
    bool recurrent_in_horizon; /* the recurrent rate is > 0 on some horizon day */
} sweep_state;

static int64_t to_cents(double dollars)
{
    return (int64_t)llround(dollars * CENTS_PER_DOLLAR);
}

static bool dollars_in_range(double dollars)
{
    return isfinite(dollars) && dollars >= 0.0 && dollars <= MAX_DOLLARS;
}

/* Years 1 to 9999, as everywhere in covermap; keeps end + 1 inside a cm_day. */
static bool day_in_range(cm_day day)
{
    return day >= cm_day_from_civil(1, 1, 1) && day <= cm_day_from_civil(9999, 12, 31);
}

static cm_status check_params(const cm_funding_params *params, cm_error *err)
{
    if (params->horizon_months < 1 || params->horizon_months > MAX_HORIZON_MONTHS)
        return cm_error_set(err, CM_ERR_INPUT, "horizon_months must be between 1 and %d, found %d",
                            MAX_HORIZON_MONTHS, params->horizon_months);
    if (!day_in_range(params->as_of))
        return cm_error_set(err, CM_ERR_INPUT, "as_of outside years 1 to 9999");
    if (!dollars_in_range(params->coordination_cost))
        return cm_error_set(err, CM_ERR_INPUT,
                            "coordination_cost must be a number of dollars from 0 to 1e12, "
                            "found %g",
                            params->coordination_cost);
    return CM_OK;
}

static cm_status check_grant(const cm_grant *grant, size_t index, cm_error *err)
{
    cm_status status = CM_OK;
    if (!day_in_range(grant->start) || (!grant->open_ended && !day_in_range(grant->end))) {
        status = cm_error_set(err, CM_ERR_INPUT, "grant date outside years 1 to 9999");
    } else if (!grant->open_ended && grant->end < grant->start) {
        char start[11], end[11];
        cm_day_format_iso(grant->start, start);
        cm_day_format_iso(grant->end, end);
        status =
            cm_error_set(err, CM_ERR_INPUT, "grant ends (%s) before it starts (%s)", end, start);
    } else if (!dollars_in_range(grant->amount)) {
        status = cm_error_set(err, CM_ERR_INPUT,
                              "grant amount must be a number of dollars from 0 to 1e12 a "
                              "year, found %g",
                              grant->amount);
    }
    if (status != CM_OK && err)
        cm_error_set_line(err, (long)index + 1, 0);
    return status;
}

static int compare_changes(const void *a, const void *b)
{
    const rate_change *x = a, *y = b;
    return (x->day > y->day) - (x->day < y->day);
}

static bool is_active(const cm_grant *grant, cm_day day)
{
    return grant->start <= day && (grant->open_ended || day <= grant->end);
}

/* Fills changes (room for 2 per grant) with the coordination grants' rate
 * changes from as_of on; a grant that started earlier starts at as_of, one that
 * ended earlier is dropped. Returns the count. */
static size_t collect_changes(const cm_grant *grants, size_t count, cm_day as_of,
                              rate_change *changes)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const cm_grant *g = &grants[i];
        if (!g->coordination || (!g->open_ended && g->end < as_of))
            continue;
        int64_t cents = to_cents(g->amount);
        int64_t recurrent = g->kind == CM_GRANT_RECURRENT ? cents : 0;
        int64_t start = g->start > as_of ? g->start : as_of;
        changes[n++] = (rate_change){start, cents, recurrent};
        if (!g->open_ended)
            changes[n++] = (rate_change){(int64_t)g->end + 1, -cents, -recurrent};
    }
    if (n > 1)
        qsort(changes, n, sizeof *changes, compare_changes);
    return n;
}

/* Takes in one run of days [day, next) with a constant rate. */
static void visit_segment(sweep_state *s, int64_t day, int64_t next, int64_t total,
                          int64_t recurrent)
{
    bool is_short = total < s->cost;
    if (is_short && !s->seen_short) {
        s->seen_short = true;
        s->first_short = day;
    }
    if (day >= s->horizon_end)
        return;
    int64_t days = (next < s->horizon_end ? next : s->horizon_end) - day;
    if (recurrent > 0)
        s->recurrent_in_horizon = true;
    if (is_short) {
        s->shortfall += (s->cost - total) * days;
        if (!s->horizon_short) {
            s->horizon_short = true;
            s->first_short_in_horizon = day;
            s->rate_on_first_short = total;
        }
    } else if (recurrent < s->cost) {
        s->project_needed = true;
    }
}

/* Walks the runs of constant rate from as_of to the last change and beyond. */
static void sweep(const rate_change *changes, size_t n, cm_day as_of, sweep_state *s,
                  int64_t *rate_on_as_of)
{
    int64_t total = 0, recurrent = 0;
    int64_t day = as_of;
    size_t i = 0;
    for (;;) {
        while (i < n && changes[i].day == day) {
            total += changes[i].total;
            recurrent += changes[i].recurrent;
            i++;
        }
        if (day == as_of)
            *rate_on_as_of = total;
        int64_t next = i < n ? changes[i].day : INT64_MAX;
        visit_segment(s, day, next, total, recurrent);
        if (i == n)
            return;
        day = next;
    }
}

/* Largest m with add_months(as_of, m) <= after (= D + 1 > as_of). The month
 * difference m0 lands add_months(as_of, m0) in after's month, so the answer is
 * m0, or m0 - 1 when the clamped day of month lies past after. */
static int whole_months(cm_day as_of, cm_day after)
{
    cm_civil_date a = cm_civil_from_day(as_of);
    cm_civil_date b = cm_civil_from_day(after);
    int months = (b.year - a.year) * 12 + (b.month - a.month);
    if (cm_add_months(as_of, months) > after)
        months--;
    return months;
}

static cm_risk_level risk_of(const cm_funding_result *out, const sweep_state *s)
{
    if (out->grants_active_on_as_of == 0)
        return CM_RISK_NO_COORDINATION;
    if (s->horizon_short)
        return CM_RISK_AT_RISK;
    if (s->project_needed)
        return CM_RISK_FRAGILE;
    return CM_RISK_STABLE;
}

static double total_dollars(const cm_grant *grants, size_t count)
{
    double sum = 0;
    for (size_t i = 0; i < count; i++)
        if (grants[i].coordination)
            sum += grants[i].amount;
    return sum;
}

static cm_status check_inputs(const cm_grant *grants, size_t count, const cm_funding_params *params,
                              cm_error *err)
{
    cm_status status = check_params(params, err);
    for (size_t i = 0; status == CM_OK && i < count; i++)
        if (grants[i].coordination)
            status = check_grant(&grants[i], i, err);
    /* 1e12 $ each leaves room for ~90 000 grants; refuse rather than overflow. */
    if (status == CM_OK && total_dollars(grants, count) > 4e16)
        status = cm_error_set(err, CM_ERR_INPUT, "grant amounts add up to more than 4e16 $");
    return status;
}

static void fill_result(const sweep_state *s, cm_day as_of, int64_t rate_on_as_of,
                        cm_funding_result *out)
{
    out->rate_on_as_of = (double)rate_on_as_of / CENTS_PER_DOLLAR;
    out->horizon_end = (cm_day)s->horizon_end;
    /* Round half away from zero (the sum is never negative): whole dollars. */
    const int64_t cent_days_per_dollar = (int64_t)DAYS_PER_YEAR * CENTS_PER_DOLLAR;
    out->shortfall = (double)((s->shortfall + cent_days_per_dollar / 2) / cent_days_per_dollar);
    out->project_needed = s->project_needed;
    out->projects_only = s->project_needed && !s->recurrent_in_horizon;
    out->has_first_short_day = s->horizon_short;
    if (s->horizon_short) {
        out->first_short_day = (cm_day)s->first_short_in_horizon;
        out->rate_on_first_short_day = (double)s->rate_on_first_short / CENTS_PER_DOLLAR;
    }
    if (!s->seen_short) {
        out->never_stops = true;
    } else if (s->first_short == as_of) {
        out->has_months_funded = true; /* 0 months: as_of itself falls short */
    } else {
        out->has_funded_until = true;
        out->funded_until = (cm_day)(s->first_short - 1);
        out->has_months_funded = true;
        out->months_funded = whole_months(as_of, (cm_day)s->first_short);
    }
}

cm_status cm_funding_assess(const cm_grant *grants, size_t count, const cm_funding_params *params,
                            cm_funding_result *out, cm_error *err)
{
    cm_error_clear(err);
    if (!params || !out || (count > 0 && !grants))
        return cm_error_set(err, CM_ERR_INTERNAL, "cm_funding_assess: missing argument");
    cm_status status = check_inputs(grants, count, params, err);
    if (status != CM_OK)
        return status;
    rate_change *changes = NULL;
    if (count > 0) {
        changes = malloc(2 * count * sizeof *changes);
        if (!changes)
            return cm_error_set(err, CM_ERR_NOMEM, "out of memory for %zu grants", count);
    }
    cm_day as_of = params->as_of;
    size_t n = collect_changes(grants, count, as_of, changes);
    sweep_state s = {0};
    s.cost = to_cents(params->coordination_cost);
    s.horizon_end = cm_add_months(as_of, params->horizon_months);
    int64_t rate_on_as_of = 0;
    sweep(changes, n, as_of, &s, &rate_on_as_of);
    free(changes);

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < count; i++)
        if (grants[i].coordination && is_active(&grants[i], as_of))
            out->grants_active_on_as_of++;
    fill_result(&s, as_of, rate_on_as_of, out);
    out->risk = risk_of(out, &s);
    return CM_OK;
}

/* ---- names and words ------------------------------------------------------ */

static const char *const RISK_NAMES[] = {"no-coordination", "at-risk", "fragile", "stable"};

static bool risk_is_valid(cm_risk_level risk)
{
    return risk >= CM_RISK_NO_COORDINATION && risk <= CM_RISK_STABLE;
}

const char *cm_risk_level_name(cm_risk_level risk)
{
    return risk_is_valid(risk) ? RISK_NAMES[risk] : "unknown";
}

const char *cm_risk_level_label(cm_risk_level risk, cm_locale locale)
{
    static const char *const fr[] = {"Sans coordination", "À risque", "Fragile", "Stable"};
    static const char *const en[] = {"No coordination", "At risk", "Fragile", "Stable"};
    if (!risk_is_valid(risk))
        return "?";
    return locale == CM_LOCALE_EN_CA ? en[risk] : fr[risk];
}

bool cm_risk_level_parse(const char *name, cm_risk_level *out)
{
    if (!name)
        return false;
    for (int i = CM_RISK_NO_COORDINATION; i <= CM_RISK_STABLE; i++) {
        if (strcmp(name, RISK_NAMES[i]) == 0) {
            if (out)
                *out = (cm_risk_level)i;
            return true;
        }
    }
    return false;
}

/* Appends one reason to buf, after "; " unless it is the first; a reason that
 * does not fit whole is left out rather than cut inside a UTF-8 character. */
static void append_reason(char *buf, size_t size, const char *reason)
{
    size_t used = strlen(buf);
    size_t separator = used > 0 ? 2 : 0, length = strlen(reason);
    if (used + separator + length + 1 > size)
        return;
    memcpy(buf + used, "; ", separator);
    memcpy(buf + used + separator, reason, length + 1);
}

static void coverage_reason(const cm_funding_result *r, const cm_funding_params *p, bool en,
                            char *reason, size_t size)
{
    char date[64], rate[64], cost[64];
    cm_locale locale = en ? CM_LOCALE_EN_CA : CM_LOCALE_FR_CA;
    reason[0] = '\0';
    if (r->risk == CM_RISK_NO_COORDINATION) {
        cm_format_date(p->as_of, locale, date, sizeof date);
        cm_join_text(reason, size,
                     (const char *const[]){en ? "no coordination grant active on "
                                              : "aucune subvention de coordination active le ",
                                           date, NULL});
    } else if (r->has_months_funded && !r->has_funded_until) {
        cm_format_date(p->as_of, locale, date, sizeof date);
        cm_format_money(r->rate_on_as_of, locale, rate, sizeof rate);
        cm_format_money(p->coordination_cost, locale, cost, sizeof cost);
        cm_join_text(reason, size,
                     (const char *const[]){
                         en ? "insufficient funding from " : "financement insuffisant dès le ",
                         date, " (", rate, en ? " a year for " : " par an pour ", cost, ")", NULL});
    } else if (r->has_funded_until) {
        cm_format_date(r->funded_until, locale, date, sizeof date);
        cm_join_text(reason, size,
                     (const char *const[]){en ? "coordination funded until "
                                              : "financement de coordination jusqu'au ",
                                           date, NULL});
    } else if (p->coordination_cost > 0) {
        cm_join_text(reason, size,
                     (const char *const[]){en ? "coordination funded with no end date"
                                              : "financement de coordination sans date de fin",
                                           NULL});
    }
}

void cm_funding_reasons(const cm_funding_result *result, const cm_funding_params *params,
                        cm_locale locale, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    buf[0] = '\0';
    if (!result || !params)
        return;
    bool en = locale == CM_LOCALE_EN_CA;
    char reason[256];
    coverage_reason(result, params, en, reason, sizeof reason);
    if (reason[0])
        append_reason(buf, size, reason);
    if (result->projects_only)
        append_reason(buf, size, en ? "funded by projects only" : "financée seulement par projets");
    else if (result->project_needed)
        append_reason(buf, size,
                      en ? "depends on project grants" : "dépend de subventions de projet");
    if (result->shortfall > 0) {
        char money[64], date[64];
        cm_format_money(result->shortfall, locale, money, sizeof money);
        /* The last day of the horizon, as in the report's headline. */
        cm_format_date(result->horizon_end - 1, locale, date, sizeof date);
        cm_join_text(reason, sizeof reason,
                     en ? (const char *const[]){money, " missing by ", date, NULL}
                        : (const char *const[]){"manque ", money, " d'ici le ", date, NULL});
        append_reason(buf, size, reason);
    }
}
