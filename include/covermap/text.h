/* Reading the values that real offices type, and writing them the way fr-CA and
 * en-CA readers expect. Pure functions; no I/O. All strings are UTF-8. */
#ifndef COVERMAP_TEXT_H
#define COVERMAP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "covermap/calendar.h"
#include "covermap/project.h"

/* ---- parsing (input) ---------------------------------------------------- */

/* Parses a number as French or English Excel writes it: "12,5", "12.5",
 * "12 400" (space, U+00A0 or U+202F as thousands separator), "12 400,50",
 * "65 000,00 $", "$65,000", "65 000 $", "1,234.5", "-3", surrounding blanks.
 * A lone comma followed by exactly 3 digits and no other separator ("12,400") is
 * read as a thousands separator only when `comma_is_decimal` is false.
 * Returns false (and leaves *out alone) for anything else, including "", "12 4OO",
 * "1.2.3", "abc". */
bool cm_parse_number(const char *text, bool comma_is_decimal, double *out);

/* Like cm_parse_number, but the value must be a whole number. */
bool cm_parse_integer(const char *text, bool comma_is_decimal, long long *out);

/* "2025-03-31", "31/03/2025" (day first, as in Québec), "2025/03/31",
 * "31-03-2025"; also an Excel/OGR datetime "2025-03-31 00:00:00" or
 * "2025/03/31 00:00:00". False for anything else or a day that does not exist. */
bool cm_parse_date(const char *text, cm_day *out);

/* oui/non, yes/no, vrai/faux, true/false, o/n, y/n, 1/0, x/"" is NOT accepted;
 * case and accents ignored. False when not a boolean. */
bool cm_parse_bool(const char *text, bool *out);

typedef enum { CM_GRANT_RECURRENT, CM_GRANT_PROJECT } cm_grant_kind;
/* recurrent/récurrent/recurrente/récurrente/récurrent(e), project/projet/ponctuel;
 * case and accents ignored. */
bool cm_parse_grant_kind(const char *text, cm_grant_kind *out);

/* True when text is empty or only blanks (the cell is "no data"). */
bool cm_text_is_blank(const char *text);

/* ---- keys ----------------------------------------------------------------- */

/* Folding differences, as bits, for the join report's note. */
enum {
    CM_FOLD_CASE = 1 << 0,
    CM_FOLD_ACCENTS = 1 << 1,
    CM_FOLD_SPACES = 1 << 2,     /* extra, missing, or different blanks */
    CM_FOLD_DASHES = 1 << 3,     /* hyphen vs en/em dash, or dash vs space */
    CM_FOLD_APOSTROPHES = 1 << 4 /* ' vs ’ */
};

/* Returns a newly allocated folded key (caller frees with free()): lower case,
 * accents removed (NFD, combining marks dropped), every dash (- ‐ ‑ ‒ – — ―),
 * apostrophe (' ’ ‘ ʼ `) and run of blanks or underscores removed, so that
 * "Côte-des-Neiges–Notre-Dame-de-Grâce" and "cote des neiges notre dame de grace"
 * fold alike. NULL on invalid UTF-8. */
char *cm_fold_key(const char *key);

/* Which kinds of difference separate two keys that fold alike (CM_FOLD_* bits);
 * 0 when they are byte-identical. */
unsigned cm_fold_differences(const char *a, const char *b);

/* Writes a human note for the bits, e.g. "differs in case, accents and dashes". */
void cm_fold_describe(unsigned bits, char *buf, size_t size);

/* Levenshtein distance between two UTF-8 strings, counted in code points. */
size_t cm_edit_distance(const char *a, const char *b);

/* ---- formatting (output) ---------------------------------------------------- */

/* Integers and decimals: fr-CA "12 400" / "12,5" (thousands separator U+202F
 * narrow no-break space... see below), en-CA "12,400" / "12.5". decimals: digits
 * after the separator. fr-CA uses U+00A0 (no-break space) between thousands. */
void cm_format_number(double value, int decimals, cm_locale locale, char *buf, size_t size);
/* fr-CA "65 000 $", en-CA "$65,000" (rounded to the dollar). */
void cm_format_money(double value, cm_locale locale, char *buf, size_t size);
/* fr-CA "12,5 %", en-CA "12.5%". */
void cm_format_percent(double value, int decimals, cm_locale locale, char *buf, size_t size);
/* fr-CA "31 mars 2026" (and "1er avril 2026"), en-CA "March 31, 2026". */
void cm_format_date(cm_day day, cm_locale locale, char *buf, size_t size);

#endif
