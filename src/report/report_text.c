/* The report's words, in French (fr-CA) and English (en-CA): table headers and
 * cells, the headline, the join warnings and the method. Writers only lay out. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "covermap/funding.h"
#include "covermap/text.h"
#include "report/report_internal.h"

#ifndef COVERMAP_VERSION
#define COVERMAP_VERSION "dev"
#endif

#define NBSP "\xc2\xa0"

static const char *pick(cm_locale locale, const char *fr, const char *en)
{
    return locale == CM_LOCALE_EN_CA ? en : fr;
}

const char *report_locale_tag(cm_locale locale)
{
    return pick(locale, "fr-CA", "en-CA");
}

/* ---- the table ------------------------------------------------------------------ */

const char *report_column_header(report_column col, cm_locale locale)
{
    switch (col) {
    case REPORT_COL_NAME: return pick(locale, "Quartier", "Neighbourhood");
    case REPORT_COL_RISK: return pick(locale, "Risque", "Risk");
    case REPORT_COL_MONTHS: return pick(locale, "Mois financés", "Months funded");
    case REPORT_COL_SHORTFALL: return pick(locale, "Montant manquant", "Shortfall");
    case REPORT_COL_FAMILIES: return pick(locale, "Familles rejointes", "Families reached");
    case REPORT_COL_COVERAGE:
        return pick(locale, "Familles pour 100 enfants", "Families per 100 children");
    case REPORT_COL_PARTNERS: return pick(locale, "Partenaires", "Partners");
    case REPORT_COL_SECTORS: return pick(locale, "Secteurs", "Sectors");
    case REPORT_COL_REASONS: return pick(locale, "Raisons", "Reasons");
    case REPORT_COL_COUNT: break;
    }
    return "";
}

bool report_column_is_numeric(report_column col)
{
    return col != REPORT_COL_NAME && col != REPORT_COL_RISK && col != REPORT_COL_REASONS;
}

const char *report_risk_css(cm_risk_level risk)
{
    return cm_risk_level_name(risk);
}

static const char *no_data(cm_locale locale)
{
    return pick(locale, "n.d.", "n/a");
}

static const char *number_cell(bool has, double value, int decimals, cm_locale locale, char *buf,
                               size_t size)
{
    if (!has)
        return no_data(locale);
    cm_format_number(value, decimals, locale, buf, size);
    return buf;
}

const char *report_cell(const cm_report *r, const cm_report_territory *t, report_column col,
                        char *buf, size_t size)
{
    cm_locale loc = r->locale;
    switch (col) {
    case REPORT_COL_NAME: return t->name ? t->name : t->key;
    case REPORT_COL_RISK: return cm_risk_level_label(t->risk, loc);
    case REPORT_COL_MONTHS:
        if (!t->has_months_funded && t->never_stops)
            return pick(loc, "sans échéance", "no end date");
        return number_cell(t->has_months_funded, t->months_funded, 0, loc, buf, size);
    case REPORT_COL_SHORTFALL:
        if (!t->has_shortfall)
            return no_data(loc);
        cm_format_money(t->shortfall, loc, buf, size);
        return buf;
    case REPORT_COL_FAMILIES:
        return number_cell(t->has_families_reached, t->families_reached, 0, loc, buf, size);
    case REPORT_COL_COVERAGE:
        return number_cell(t->has_coverage_rate, t->coverage_rate, 1, loc, buf, size);
    case REPORT_COL_PARTNERS:
        return number_cell(t->has_partners, (double)t->partners, 0, loc, buf, size);
    case REPORT_COL_SECTORS:
        return number_cell(t->has_sectors, (double)t->sectors, 0, loc, buf, size);
    case REPORT_COL_REASONS: return t->risk_reasons ? t->risk_reasons : "";
    case REPORT_COL_COUNT: break;
    }
    return "";
}

const char *report_text_get(report_text which, cm_locale locale)
{
    switch (which) {
    case REPORT_TEXT_TABLE_TITLE:
        return pick(locale, "Les quartiers, du plus à risque au plus stable",
                    "Neighbourhoods, most at risk first");
    case REPORT_TEXT_TABLE_CAPTION:
        return pick(locale,
                    "Quartiers classés par risque, puis par montant manquant, puis par "
                    "familles rejointes",
                    "Neighbourhoods ranked by risk, then shortfall, then families reached");
    case REPORT_TEXT_NO_DATA_LEGEND:
        return pick(locale, "n.d. : aucune donnée (jamais comptée comme zéro).",
                    "n/a: no data (never counted as zero).");
    case REPORT_TEXT_WARNINGS_TITLE:
        return pick(locale, "Jointure des données : à vérifier", "Data matching: to check");
    case REPORT_TEXT_NO_WARNINGS:
        return pick(locale, "Toutes les clés ont été jointes exactement.",
                    "Every key was matched exactly.");
    case REPORT_TEXT_METHOD_TITLE: return pick(locale, "Méthode", "Method");
    case REPORT_TEXT_MAPS_TITLE: return pick(locale, "Cartes", "Maps");
    case REPORT_TEXT_DISTRICTS_TITLE:
        return pick(locale, "Par circonscription", "By electoral district");
    case REPORT_TEXT_PAGE: return pick(locale, "Page", "Page");
    case REPORT_TEXT_DEFAULT_TITLE:
        return pick(locale, "Financement de la coordination en petite enfance",
                    "Early-childhood coordination funding");
    }
    return "";
}

/* ---- the headline ------------------------------------------------------------ */

static void headline_fr(const cm_report *r, const char *date, const char *families,
                        const char *money, char *first, char *second, char *third, size_t size)
{
    const cm_report_headline *h = &r->headline;
    int n = h->territories_at_risk;
    if (n == 0)
        snprintf(first, size, "Aucun quartier ne risque de perdre sa coordination d'ici le %s.",
                 date);
    else if (n == 1)
        snprintf(first, size, "1 quartier risque de perdre sa coordination d'ici le %s.", date);
    else
        snprintf(first, size, "%d quartiers risquent de perdre leur coordination d'ici le %s.", n,
                 date);

    /* French counts 0 and 1 in the singular. */
    bool one_family = h->families_reached < 1.5;
    if (n == 0)
        second[0] = '\0';
    else if (h->families_unknown == n)
        snprintf(second, size, "Le nombre de familles rejointes %s n'est pas connu.",
                 n == 1 ? "dans ce quartier" : "dans ces quartiers");
    else if (h->families_unknown > 0)
        snprintf(second, size, "%s %s (sans compter %d quartier%s sans données).", families,
                 one_family ? "famille y est rejointe" : "familles y sont rejointes",
                 h->families_unknown, h->families_unknown > 1 ? "s" : "");
    else
        snprintf(second, size, "%s %s.", families,
                 one_family ? "famille y est rejointe" : "familles y sont rejointes");

    if (h->total_shortfall > 0)
        snprintf(third, size,
                 "Il manque %s pour maintenir la coordination de tous les quartiers "
                 "jusqu'au %s.",
                 money, date);
    else
        snprintf(third, size,
                 "Il ne manque rien pour maintenir la coordination de tous les quartiers "
                 "jusqu'au %s.",
                 date);
}

static void headline_en(const cm_report *r, const char *date, const char *families,
                        const char *money, char *first, char *second, char *third, size_t size)
{
    const cm_report_headline *h = &r->headline;
    int n = h->territories_at_risk;
    if (n == 0)
        snprintf(first, size, "No neighbourhood risks losing its coordination by %s.", date);
    else if (n == 1)
        snprintf(first, size, "1 neighbourhood risks losing its coordination by %s.", date);
    else
        snprintf(first, size, "%d neighbourhoods risk losing their coordination by %s.", n, date);

    bool one_family = fabs(h->families_reached - 1) < 0.5;
    if (n == 0)
        second[0] = '\0';
    else if (h->families_unknown == n)
        snprintf(second, size, "The number of families reached there is unknown.");
    else if (h->families_unknown > 0)
        snprintf(second, size, "%s %s (not counting %d neighbourhood%s without data).", families,
                 one_family ? "family is reached there" : "families are reached there",
                 h->families_unknown, h->families_unknown > 1 ? "s" : "");
    else
        snprintf(second, size, "%s %s.", families,
                 one_family ? "family is reached there" : "families are reached there");

    if (h->total_shortfall > 0)
        snprintf(third, size, "%s is missing to keep coordination everywhere until %s.", money,
                 date);
    else
        snprintf(third, size, "Coordination is fully funded everywhere until %s.", date);
}

void report_headline_sentences(const cm_report *r, char *first, char *second, char *third,
                               size_t size)
{
    char date[64], families[64], money[64];
    cm_format_date(r->headline.by_date, r->locale, date, sizeof date);
    cm_format_number(r->headline.families_reached, 0, r->locale, families, sizeof families);
    cm_format_money(r->headline.total_shortfall, r->locale, money, sizeof money);
    if (r->locale == CM_LOCALE_EN_CA)
        headline_en(r, date, families, money, first, second, third, size);
    else
        headline_fr(r, date, families, money, first, second, third, size);
}

/* ---- sections ------------------------------------------------------------------ */

static void section_add(GArray *sections, char *heading, GPtrArray *items)
{
    report_section s;
    s.heading = heading;
    s.count = items->len;
    s.items = (char **)g_ptr_array_free(items, FALSE);
    g_array_append_val(sections, s);
}

static report_section *sections_finish(GArray *sections, size_t *count)
{
    *count = sections->len;
    return (report_section *)g_array_free(sections, FALSE);
}

void report_sections_free(report_section *sections, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        g_free(sections[i].heading);
        for (size_t j = 0; j < sections[i].count; j++)
            g_free(sections[i].items[j]);
        g_free(sections[i].items);
    }
    g_free(sections);
}

/* « key » in French, “key” in English. */
static char *quoted(cm_locale loc, const char *text)
{
    return loc == CM_LOCALE_EN_CA ? g_strdup_printf("“%s”", text ? text : "")
                                  : g_strdup_printf("«" NBSP "%s" NBSP "»", text ? text : "");
}

static const char *territory_name(const cm_report *r, const char *key)
{
    for (size_t i = 0; key && i < r->territory_count; i++)
        if (strcmp(r->territories[i].key, key) == 0 && r->territories[i].name)
            return r->territories[i].name;
    return key ? key : "";
}

/* "file, ligne 14 : « key » — note" (line and note only when known). */
static char *keyed_item(cm_locale loc, const cm_report_join_row *row, const char *arrow_to)
{
    GString *s = g_string_new(row->table_name ? row->table_name : "");
    if (row->line > 0)
        g_string_append_printf(s, pick(loc, ", ligne %ld", ", line %ld"), row->line);
    char *key = quoted(loc, row->source_key);
    g_string_append_printf(s, "%s%s", pick(loc, NBSP ": ", ": "), key);
    g_free(key);
    if (arrow_to)
        g_string_append_printf(s, " → %s", arrow_to);
    if (row->note && row->note[0])
        g_string_append_printf(s, " — %s", row->note);
    return g_string_free(s, FALSE);
}

static void add_join_kind(GArray *sections, const cm_report *r, const char *status,
                          const char *heading)
{
    GPtrArray *items = g_ptr_array_new();
    for (size_t i = 0; i < r->join_row_count; i++) {
        const cm_report_join_row *row = &r->join_rows[i];
        if (!row->status || strcmp(row->status, status) != 0)
            continue;
        bool normalised = strcmp(status, "normalised") == 0;
        g_ptr_array_add(items, keyed_item(r->locale, row, normalised ? row->territory_key : NULL));
    }
    if (items->len > 0)
        section_add(sections, g_strdup(heading), items);
    else
        g_ptr_array_free(items, TRUE);
}

/* One item per table: "indicateurs.csv : Ahuntsic, Saint-Laurent". */
static void add_no_data(GArray *sections, const cm_report *r)
{
    GPtrArray *items = g_ptr_array_new();
    for (size_t i = 0; i < r->join_row_count; i++) {
        const cm_report_join_row *row = &r->join_rows[i];
        if (!row->status || strcmp(row->status, "no-data") != 0 || !row->table_name)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = r->join_rows[j].status && strcmp(r->join_rows[j].status, "no-data") == 0 &&
                   r->join_rows[j].table_name &&
                   strcmp(r->join_rows[j].table_name, row->table_name) == 0;
        if (seen)
            continue;
        GString *s = g_string_new(row->table_name);
        g_string_append(s, pick(r->locale, NBSP ": ", ": "));
        const char *sep = "";
        for (size_t j = i; j < r->join_row_count; j++) {
            const cm_report_join_row *other = &r->join_rows[j];
            if (other->status && strcmp(other->status, "no-data") == 0 && other->table_name &&
                strcmp(other->table_name, row->table_name) == 0) {
                g_string_append_printf(s, "%s%s", sep, territory_name(r, other->territory_key));
                sep = ", ";
            }
        }
        g_ptr_array_add(items, g_string_free(s, FALSE));
    }
    if (items->len > 0)
        section_add(sections,
                    g_strdup(pick(r->locale, "Quartiers sans données dans un tableau",
                                  "Neighbourhoods without data in a table")),
                    items);
    else
        g_ptr_array_free(items, TRUE);
}

static void add_repairs(GArray *sections, const cm_report *r)
{
    if (r->repair_count == 0)
        return;
    GPtrArray *items = g_ptr_array_new();
    for (size_t i = 0; i < r->repair_count; i++) {
        const cm_report_repair *rep = &r->repairs[i];
        g_ptr_array_add(items, g_strdup_printf("%s%s%s", territory_name(r, rep->key),
                                               pick(r->locale, NBSP ": ", ": "),
                                               rep->note ? rep->note : ""));
    }
    section_add(sections, g_strdup(pick(r->locale, "Géométries réparées", "Repaired boundaries")),
                items);
}

static size_t count_status(const cm_report *r, const char *table, const char *status)
{
    size_t n = 0;
    for (size_t i = 0; i < r->join_row_count; i++) {
        const cm_report_join_row *row = &r->join_rows[i];
        if (row->status && row->table_name && strcmp(row->status, status) == 0 &&
            strcmp(row->table_name, table) == 0)
            n++;
    }
    return n;
}

/* One line of counts per table, in the order tables first appear. */
static void add_summary(GArray *sections, const cm_report *r)
{
    GPtrArray *items = g_ptr_array_new();
    for (size_t i = 0; i < r->join_row_count; i++) {
        const char *table = r->join_rows[i].table_name;
        bool seen = false;
        for (size_t j = 0; j < i && !seen && table; j++)
            seen = r->join_rows[j].table_name && strcmp(r->join_rows[j].table_name, table) == 0;
        if (!table || seen)
            continue;
        g_ptr_array_add(
            items, g_strdup_printf(
                       pick(r->locale,
                            "%s" NBSP ": clés jointes" NBSP ": %zu; après normalisation" NBSP
                            ": %zu; non jointes" NBSP ": %zu; en double" NBSP
                            ": %zu; quartiers sans données" NBSP ": %zu",
                            "%s: keys matched: %zu; normalised: %zu; unmatched: %zu; duplicates: "
                            "%zu; neighbourhoods without data: %zu"),
                       table, count_status(r, table, "matched"),
                       count_status(r, table, "normalised"), count_status(r, table, "unmatched"),
                       count_status(r, table, "duplicate"), count_status(r, table, "no-data")));
    }
    if (items->len > 0)
        section_add(sections, g_strdup(pick(r->locale, "Résumé", "Summary")), items);
    else
        g_ptr_array_free(items, TRUE);
}

report_section *report_warning_sections(const cm_report *r, size_t *count)
{
    GArray *sections = g_array_new(FALSE, FALSE, sizeof(report_section));
    cm_locale loc = r->locale;
    add_summary(sections, r);
    add_join_kind(sections, r, "unmatched",
                  pick(loc, "Clés sans quartier correspondant (non jointes)",
                       "Keys with no matching neighbourhood (unmatched)"));
    add_join_kind(sections, r, "duplicate",
                  pick(loc, "Lignes en double pour un même quartier",
                       "Duplicate rows for the same neighbourhood"));
    add_join_kind(sections, r, "normalised",
                  pick(loc, "Clés jointes après normalisation (accents, casse, tirets, espaces)",
                       "Keys matched after normalising (accents, case, dashes, spaces)"));
    add_no_data(sections, r);
    add_repairs(sections, r);
    return sections_finish(sections, count);
}

/* ---- districts --------------------------------------------------------------------- */

static bool loses_coordination(const cm_report_territory *t)
{
    return t->risk == CM_RISK_NO_COORDINATION || t->risk == CM_RISK_AT_RISK;
}

static char *district_heading(const cm_report *r, const cm_report_district *d)
{
    cm_locale loc = r->locale;
    size_t at_risk = 0;
    double families = 0, shortfall = 0;
    for (size_t i = 0; i < d->count; i++) {
        const cm_report_territory *t = &r->territories[d->territories[i]];
        if (!loses_coordination(t))
            continue;
        at_risk++;
        families += t->has_families_reached ? t->families_reached : 0;
        shortfall += t->has_shortfall ? t->shortfall : 0;
    }
    char fam[64], money[64];
    cm_format_number(families, 0, loc, fam, sizeof fam);
    cm_format_money(shortfall, loc, money, sizeof money);
    const char *name = d->name ? d->name : d->key;
    if (loc == CM_LOCALE_EN_CA)
        return g_strdup_printf("%s: %zu of %zu neighbourhood%s at risk of losing coordination "
                               "(%s families reached, %s missing)",
                               name, at_risk, d->count, d->count > 1 ? "s" : "", fam, money);
    if (at_risk > 1)
        return g_strdup_printf("%s" NBSP ": %zu quartiers sur %zu risquent de perdre leur "
                               "coordination (%s familles rejointes, %s manquants)",
                               name, at_risk, d->count, fam, money);
    return g_strdup_printf("%s" NBSP ": %zu quartier sur %zu risque de perdre sa coordination "
                           "(%s familles rejointes, %s manquants)",
                           name, at_risk, d->count, fam, money);
}

static char *district_item(const cm_report *r, const cm_report_territory *t, double share)
{
    cm_locale loc = r->locale;
    char money[64], part[64] = "";
    cm_format_money(t->has_shortfall ? t->shortfall : 0, loc, money, sizeof money);
    if (share < 0.95) {
        char percent[32];
        cm_format_percent(share * 100, 0, loc, percent, sizeof percent);
        snprintf(part, sizeof part, pick(loc, " (%s du quartier)", " (%s of it)"), percent);
    }
    if (!t->has_shortfall || t->shortfall <= 0)
        return g_strdup_printf("%s%s — %s", t->name ? t->name : t->key, part,
                               cm_risk_level_label(t->risk, loc));
    return g_strdup_printf(pick(loc, "%s%s — %s, manque %s", "%s%s — %s, %s missing"),
                           t->name ? t->name : t->key, part, cm_risk_level_label(t->risk, loc),
                           money);
}

report_section *report_district_sections(const cm_report *r, size_t *count)
{
    GArray *sections = g_array_new(FALSE, FALSE, sizeof(report_section));
    for (size_t i = 0; i < r->district_count; i++) {
        const cm_report_district *d = &r->districts[i];
        GPtrArray *items = g_ptr_array_new();
        for (size_t j = 0; j < d->count; j++)
            g_ptr_array_add(items,
                            district_item(r, &r->territories[d->territories[j]], d->shares[j]));
        section_add(sections, district_heading(r, d), items);
    }
    return sections_finish(sections, count);
}

/* ---- the method ------------------------------------------------------------------- */

static const char *role_label(const char *role, cm_locale loc)
{
    if (role && strcmp(role, "partners") == 0)
        return pick(loc, "partenaires", "partners");
    if (role && strcmp(role, "funding") == 0)
        return pick(loc, "financement", "funding");
    return pick(loc, "indicateurs", "indicators");
}

static void add_parameters(GArray *sections, const cm_report *r)
{
    cm_locale loc = r->locale;
    char as_of[64], last[64], cost[64];
    cm_format_date(r->as_of, loc, as_of, sizeof as_of);
    cm_format_date(r->horizon_end - 1, loc, last, sizeof last);
    cm_format_money(r->coordination_cost, loc, cost, sizeof cost);
    GPtrArray *items = g_ptr_array_new();
    g_ptr_array_add(
        items,
        g_strdup_printf(pick(loc, "Date de référence" NBSP ": %s", "Reference date: %s"), as_of));
    g_ptr_array_add(items, g_strdup_printf(pick(loc, "Horizon" NBSP ": %d mois, du %s au %s inclus",
                                                "Horizon: %d months, from %s to %s inclusive"),
                                           r->horizon_months, as_of, last));
    g_ptr_array_add(items, g_strdup_printf(pick(loc, "Coût annuel d'une coordination" NBSP ": %s",
                                                "Yearly cost of a coordinator: %s"),
                                           cost));
    section_add(sections, g_strdup(pick(loc, "Paramètres", "Settings")), items);
}

static void add_rules(GArray *sections, const cm_report *r)
{
    cm_locale loc = r->locale;
    char as_of[64];
    cm_format_date(r->as_of, loc, as_of, sizeof as_of);
    GPtrArray *items = g_ptr_array_new();
    g_ptr_array_add(
        items,
        g_strdup(pick(
            loc,
            "Le taux de coordination d'un jour est la somme des montants annuels des subventions "
            "de coordination actives ce jour-là (du début à la fin inclusivement; sans date de "
            "fin, la subvention ne s'arrête pas).",
            "The coordination rate of a day is the sum of the yearly amounts of the coordination "
            "grants active that day (from start to end inclusive; a grant without an end date "
            "does not stop).")));
    g_ptr_array_add(
        items,
        g_strdup_printf(
            pick(
                loc,
                "Mois financés" NBSP ": nombre de mois civils entiers, à partir du %s, pendant "
                "lesquels chaque jour a un taux au moins égal au coût; 0 si le %s n'est pas "
                "couvert; "
                "« sans échéance » si le financement ne s'arrête jamais.",
                "Months funded: the number of whole calendar months from %s during which every day "
                "has a rate at least equal to the cost; 0 when %s is not covered; \"no end date\" "
                "when funding never stops."),
            as_of, as_of));
    g_ptr_array_add(
        items,
        g_strdup(pick(
            loc,
            "Montant manquant" NBSP ": pour chaque jour de l'horizon, l'écart entre le coût et le "
            "taux quand le taux est plus bas, divisé par 365; la somme est arrondie au dollar.",
            "Shortfall: for each day of the horizon, the gap between the cost and the rate when "
            "the rate is lower, divided by 365; the sum is rounded to the dollar.")));
    g_ptr_array_add(
        items,
        g_strdup_printf(
            pick(
                loc,
                "Risque, le premier qui s'applique" NBSP
                ": Sans coordination, aucune subvention de "
                "coordination active le %s; À risque, au moins un jour de l'horizon a un taux "
                "inférieur au coût; Fragile, l'horizon est couvert, mais certains jours seulement "
                "grâce à des subventions par projet; Stable, chaque jour de l'horizon, les "
                "subventions récurrentes suffisent à elles seules.",
                "Risk, the first that applies: No coordination, no coordination grant is active on "
                "%s; At risk, some day of the horizon has a rate below the cost; Fragile, the "
                "horizon "
                "is covered, but on some days only with the help of project grants; Stable, on "
                "every "
                "day of the horizon the recurrent grants alone reach the cost."),
            as_of));
    g_ptr_array_add(
        items,
        g_strdup(pick(
            loc,
            "Familles pour 100 enfants" NBSP ": familles rejointes pour 100 enfants de 0 à 5 ans. "
            "Partenaires" NBSP ": organismes partenaires; secteurs" NBSP ": secteurs distincts "
            "parmi eux.",
            "Families per 100 children: families reached per 100 children aged 0 to 5. "
            "Partners: partner organisations; sectors: distinct sectors among them.")));
    g_ptr_array_add(
        items,
        g_strdup(
            pick(loc,
                 "Un quartier absent d'un tableau n'a pas de valeur pour ce tableau (n.d.), jamais "
                 "zéro; il reste dans la liste. Un quartier sans subvention est sans coordination.",
                 "A neighbourhood missing from a table has no value for it (n/a), never zero; it "
                 "stays in the list. A neighbourhood without grants has no coordination.")));
    g_ptr_array_add(
        items,
        g_strdup(
            pick(loc,
                 "Le titre compte les quartiers sans coordination ou à risque et leurs familles "
                 "rejointes; le montant manquant y est la somme pour tous les quartiers.",
                 "The headline counts the neighbourhoods with no coordination or at risk and their "
                 "families reached; its shortfall is the sum over all neighbourhoods.")));
    section_add(sections, g_strdup(pick(loc, "Règles", "Rules")), items);
}

static void add_sources(GArray *sections, const cm_report *r)
{
    cm_locale loc = r->locale;
    GPtrArray *items = g_ptr_array_new();
    if (r->territories_source)
        g_ptr_array_add(items,
                        g_strdup_printf(pick(loc, "Territoires" NBSP ": %s", "Boundaries: %s"),
                                        r->territories_source));
    for (size_t i = 0; i < r->source_count; i++)
        g_ptr_array_add(items,
                        g_strdup_printf("%s (%s)", r->sources[i].source ? r->sources[i].source : "",
                                        role_label(r->sources[i].role, loc)));
    if (r->source_line && r->source_line[0])
        g_ptr_array_add(items, g_strdup(r->source_line));
    if (r->project)
        g_ptr_array_add(
            items, g_strdup_printf(pick(loc, "Projet" NBSP ": %s", "Project: %s"), r->project));
    char as_of[64];
    cm_format_date(r->as_of, loc, as_of, sizeof as_of);
    g_ptr_array_add(items, g_strdup_printf(pick(loc, "Produit par covermap %s, données au %s.",
                                                "Produced by covermap %s, data as of %s."),
                                           COVERMAP_VERSION, as_of));
    section_add(sections, g_strdup(pick(loc, "Sources", "Sources")), items);
}

report_section *report_method_sections(const cm_report *r, size_t *count)
{
    GArray *sections = g_array_new(FALSE, FALSE, sizeof(report_section));
    add_parameters(sections, r);
    add_rules(sections, r);
    add_sources(sections, r);
    return sections_finish(sections, count);
}
