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
 * "12 400" (space, U+00A0, U+202F, thin or figure space as thousands separator),
 * "12 400,50", "65 000,00 $", "$65,000", "65 000 $", "65000$", "1,234.5", "-3",
 * "+3", "−3" (U+2212), "-$1,234", surrounding blanks.
 * Rules: a dot is always the decimal point and appears at most once; groups of
 * thousands use one kind of separator, 1 to 3 digits first and exactly 3 after.
 * A lone comma followed by exactly 3 digits and no other separator ("12,400") is
 * read as a thousands separator only when `comma_is_decimal` is false and the
 * digits before it could be a group (1 to 3, not starting with 0: "0,125" and
 * "1234,567" are decimals either way).
 * Returns false (and leaves *out alone) for anything else, including "", "12 4OO",
 * "1.2.3", "12,5,3", "1 2", "1.234,5", "abc", exponents, inf, nan, hex.
 * Independent of the C locale. */
bool cm_parse_number(const char *text, bool comma_is_decimal, double *out);

/* Like cm_parse_number, but the value must be a whole number. */
bool cm_parse_integer(const char *text, bool comma_is_decimal, long long *out);

/* "2025-03-31", "31/03/2025" (day first, as in Québec), "2025/03/31",
 * "31-03-2025", with one- or two-digit day and month ("1/4/2026"); also an
 * Excel/OGR datetime "2025-03-31 00:00:00", "2025-03-31T00:00:00" or
 * "2025/03/31 00:00:00.000+00" (the time must be valid; only the day is kept).
 * False for anything else: two-digit years, month-first dates ("03/31/2025"),
 * mixed separators, a day that does not exist (31/02/2025). */
bool cm_parse_date(const char *text, cm_day *out);

/* oui/non, yes/no, vrai/faux, true/false, o/n, y/n, 1/0; case, accents and
 * surrounding blanks ignored. False when not a boolean (including "", "x"). */
bool cm_parse_bool(const char *text, bool *out);

typedef enum { CM_GRANT_RECURRENT, CM_GRANT_PROJECT } cm_grant_kind;
/* recurrent/récurrent/recurrente/récurrente/récurrent(e)/recurring, and
 * project/projet/ponctuel/ponctuelle; case, accents and surrounding blanks ignored. */
bool cm_parse_grant_kind(const char *text, cm_grant_kind *out);

/* True when text is NULL, empty or only blanks, no-break spaces included (the
 * cell is "no data"). */
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

/* Returns a newly allocated folded key (caller frees with free()): case-folded,
 * accents removed (NFD, non-spacing marks dropped), every dash (- ‐ ‑ ‒ – — ― −,
 * soft hyphen), apostrophe (' ’ ‘ ʼ ` ´), blank (no-break ones included),
 * underscore and zero-width space removed; dots and other punctuation are kept.
 * So "Côte-des-Neiges–Notre-Dame-de-Grâce" and "cote des neiges notre dame de
 * grace" fold alike. NULL on NULL or invalid UTF-8 (e.g. CP1252 bytes). */
char *cm_fold_key(const char *key);

/* Which kinds of difference separate two keys that fold alike (CM_FOLD_* bits);
 * 0 when they are identical (or canonically equivalent), or either is NULL or
 * invalid UTF-8. The separators standing at the same place in both keys are
 * compared: different dashes, or a dash on one side only, is DASHES; likewise
 * APOSTROPHES; different, missing or extra blanks is SPACES, except that blanks
 * standing in for a dash or apostrophe ("Saint-Laurent" vs "SAINT LAURENT") count
 * only as DASHES (or APOSTROPHES). Meaningless for keys that do not fold alike. */
unsigned cm_fold_differences(const char *a, const char *b);

/* Writes an English note for the bits, in a fixed order (case, accents, spaces,
 * dashes, apostrophes): "differs in case, accents and dashes"; "identical" for 0.
 * Truncated to size (at a character boundary), always NUL-terminated. */
void cm_fold_describe(unsigned bits, char *buf, size_t size);

/* Levenshtein distance between two UTF-8 strings, counted in code points (bytes
 * when a string is not valid UTF-8; NULL counts as ""). O(n*m) time, O(min) memory. */
size_t cm_edit_distance(const char *a, const char *b);

/* ---- formatting (output) ---------------------------------------------------- */

/* All formatters write at most size bytes, cut at a character boundary, and
 * always NUL-terminate (nothing is written when size is 0). Values are taken to
 * 15 significant digits, as spreadsheets show them, then rounded half away from
 * zero (1.005 -> "1.01", 2.5 -> "3"); a result that rounds to zero has no sign.
 * NaN and infinities are written "n/d" (fr-CA) or "n/a" (en-CA). */

/* The pieces (a NULL-ended list) one after the other in buf, cut where buf ends but
 * never inside a UTF-8 character; always NUL-terminated when size > 0. What a
 * sentence with a number or a date in it is made of, for a fraction of snprintf's time. */
void cm_join_text(char *buf, size_t size, const char *const *pieces);

/* Integers and decimals: fr-CA "12 400" / "12,5" (U+00A0 no-break space between
 * thousands, decimal comma), en-CA "12,400" / "12.5"; negative "-1 234,5".
 * decimals: digits after the decimal separator, clamped to 0..12. */
void cm_format_number(double value, int decimals, cm_locale locale, char *buf, size_t size);
/* fr-CA "65 000 $" (U+00A0 before $), en-CA "$65,000"; rounded to the dollar;
 * negative "-1 234 $" / "-$1,234". */
void cm_format_money(double value, cm_locale locale, char *buf, size_t size);
/* value is in percent points (12.5 for 12,5 %): fr-CA "12,5 %" (U+00A0 before %),
 * en-CA "12.5%". */
void cm_format_percent(double value, int decimals, cm_locale locale, char *buf, size_t size);
/* fr-CA "31 mars 2026" (and "1er avril 2026"; month names in lower case),
 * en-CA "March 31, 2026". */
void cm_format_date(cm_day day, cm_locale locale, char *buf, size_t size);

#endif
