/* The funding model: how long a territory's coordination is paid for, what is
 * missing over the horizon, and its risk level, exactly as SPEC.md defines them.
 * Pure computation over one territory's grants; no I/O. */
#ifndef COVERMAP_FUNDING_H
#define COVERMAP_FUNDING_H

#include <stdbool.h>
#include <stddef.h>

#include "covermap/calendar.h"
#include "covermap/error.h"
#include "covermap/project.h"
#include "covermap/text.h"

typedef struct {
    cm_day start;
    bool open_ended; /* empty end date */
    cm_day end;      /* inclusive; ignored when open_ended */
    double amount;   /* dollars per year */
    cm_grant_kind kind;
    bool coordination; /* pays coordination; other grants are ignored by the model */
} cm_grant;

typedef struct {
    cm_day as_of;
    int horizon_months;       /* horizon = [as_of, add_months(as_of, horizon_months)) */
    double coordination_cost; /* dollars per year */
} cm_funding_params;

typedef enum {
    CM_RISK_NO_COORDINATION = 0, /* most at risk first: the enum order is the report order */
    CM_RISK_AT_RISK = 1,
    CM_RISK_FRAGILE = 2,
    CM_RISK_STABLE = 3
} cm_risk_level;

typedef struct {
    cm_risk_level risk;
    /* coordination_funded_until: last day D such that every day of [as_of, D] has a
     * rate >= cost. has_funded_until is false when as_of itself falls short, and
     * false when coverage never stops (never_stops is then true). */
    bool has_funded_until;
    cm_day funded_until;
    bool never_stops;
    /* months_funded: whole months m with add_months(as_of, m) <= D + 1; 0 when as_of
     * falls short; has_months_funded false when coverage never stops. */
    bool has_months_funded;
    int months_funded;
    double shortfall;           /* dollars over the horizon, rounded to the dollar */
    double rate_on_as_of;       /* coordination rate on as_of, dollars a year */
    int grants_active_on_as_of; /* coordination grants active on as_of */
    bool project_needed;        /* some horizon day is covered only with project grants */
    /* project_needed, and the recurrent coordination rate is 0 on every horizon day */
    bool projects_only;
    /* Some horizon day is below cost: always so when risk == AT_RISK; also for a
     * NO_COORDINATION territory whenever the cost is above 0. */
    bool has_first_short_day;
    cm_day first_short_day;         /* first horizon day below cost (when has_first_short_day) */
    double rate_on_first_short_day; /* its coordination rate, dollars a year */
    cm_day horizon_end;             /* first day after the horizon */
} cm_funding_result;

/* Assesses one territory's grants (any order; non-coordination grants ignored,
 * not even validated). Runs in O(n log n) over the grants, not per day.
 *
 * Money is compared in whole cents: every amount and the cost are first rounded
 * to the nearest cent, then rates are summed and compared exactly. This is the
 * half-cent tolerance: 3 x 21 666,67 $ covers 65 000 $, floating-point noise from
 * parsing never flips a day, and rate == cost counts as covered.
 *
 * A cost of 0 is covered by any rate (amounts are never negative), so coverage
 * never stops (never_stops, no funded_until, no months_funded), the shortfall is
 * 0, and the risk is STABLE, or NO_COORDINATION when no coordination grant is
 * active on as_of. A grant of amount 0 active on as_of still counts as active.
 *
 * Fails only on invalid input, with CM_ERR_INPUT: horizon_months outside 1..1200,
 * as_of outside years 1..9999, a cost that is negative, not finite or above
 * 1e12 $; a coordination grant dated outside years 1..9999, that ends before it
 * starts, or whose amount is negative, not finite or above 1e12 $ (err->line is
 * then its 0-based index + 1). */
cm_status cm_funding_assess(const cm_grant *grants, size_t count, const cm_funding_params *params,
                            cm_funding_result *out, cm_error *err);

/* Machine name used in CSV and the database: "no-coordination", "at-risk",
 * "fragile", "stable". */
const char *cm_risk_level_name(cm_risk_level risk);
/* Label in the output language: "Sans coordination", "À risque", "Fragile",
 * "Stable" / "No coordination", "At risk", "Fragile", "Stable". */
const char *cm_risk_level_label(cm_risk_level risk, cm_locale locale);
bool cm_risk_level_parse(const char *name, cm_risk_level *out);

/* The human-readable why, in the output language; several reasons joined by
 * "; ", always in this order (each only when it applies):
 *  1. coverage: "aucune subvention de coordination active le 1er avril 2026"
 *     (NO_COORDINATION), or "financement insuffisant dès le 1er avril 2026
 *     (45 000 $ par an pour 65 000 $)" (as_of itself falls short), or
 *     "financement de coordination jusqu'au 30 septembre 2026", or
 *     "financement de coordination sans date de fin" (never_stops, cost > 0);
 *  2. projects: "financée seulement par projets" (projects_only) or
 *     "dépend de subventions de projet" (project_needed);
 *  3. money: "manque 12 345 $ d'ici le 31 mars 2027" (shortfall > 0; the date
 *     is the last day of the horizon, horizon_end - 1).
 * en-CA: "no coordination grant active on April 1, 2026", "insufficient funding
 * from April 1, 2026 ($45,000 a year for $65,000)", "coordination funded until
 * September 30, 2026", "coordination funded with no end date", "funded by
 * projects only", "depends on project grants", "$12,345 missing by March 31, 2027".
 * Always NUL-terminates buf (when size > 0), truncating if it is too small. */
void cm_funding_reasons(const cm_funding_result *result, const cm_funding_params *params,
                        cm_locale locale, char *buf, size_t size);

#endif
