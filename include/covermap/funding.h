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
    double shortfall;         /* dollars over the horizon, rounded to the dollar */
    double rate_on_as_of;     /* coordination rate on as_of, dollars a year */
    int grants_active_on_as_of; /* coordination grants active on as_of */
    bool project_needed;      /* some horizon day is covered only with project grants */
    cm_day first_short_day;   /* first horizon day below cost (valid when risk == AT_RISK) */
    cm_day horizon_end;       /* first day after the horizon */
} cm_funding_result;

/* Assesses one territory's grants (any order; non-coordination grants ignored).
 * Runs in O(n log n) over the grants, not per day. Fails only on invalid input
 * (a grant that ends before it starts, a negative amount) with the grant's index
 * in err->line (1-based). */
cm_status cm_funding_assess(const cm_grant *grants, size_t count,
                            const cm_funding_params *params, cm_funding_result *out,
                            cm_error *err);

/* Machine name used in CSV and the database: "no-coordination", "at-risk",
 * "fragile", "stable". */
const char *cm_risk_level_name(cm_risk_level risk);
/* Label in the output language: "Sans coordination", "À risque", "Fragile",
 * "Stable" / "No coordination", "At risk", "Fragile", "Stable". */
const char *cm_risk_level_label(cm_risk_level risk, cm_locale locale);
bool cm_risk_level_parse(const char *name, cm_risk_level *out);

/* The human-readable why, in the output language, e.g. "financement de
 * coordination jusqu'au 30 septembre 2026", "financée seulement par projets",
 * "aucune subvention de coordination active le 1er avril 2026",
 * "manque 12 345 $ sur 12 mois"; several reasons joined by "; ". */
void cm_funding_reasons(const cm_funding_result *result, const cm_funding_params *params,
                        cm_locale locale, char *buf, size_t size);

#endif
