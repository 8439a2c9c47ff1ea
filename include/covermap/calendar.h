/* Calendar arithmetic, in one tested place: civil dates as day numbers.
 * A cm_day is the number of days since 1970-01-01 (proleptic Gregorian). */
#ifndef COVERMAP_CALENDAR_H
#define COVERMAP_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

typedef int32_t cm_day;

typedef struct {
    int year;
    int month; /* 1..12 */
    int day;   /* 1..31 */
} cm_civil_date;

bool cm_is_leap_year(int year);
int cm_days_in_month(int year, int month);
/* True when y-m-d names a real day (29 February only in leap years). */
bool cm_civil_is_valid(int year, int month, int day);

cm_day cm_day_from_civil(int year, int month, int day);
cm_civil_date cm_civil_from_day(cm_day day);

/* day + months calendar months; a day past the end of the target month is
 * clamped to its last day (31 January + 1 month = 28 or 29 February). */
cm_day cm_add_months(cm_day day, int months);

/* Writes "YYYY-MM-DD" (11 bytes with the terminator). */
void cm_day_format_iso(cm_day day, char out[11]);
/* Parses exactly "YYYY-MM-DD"; false if malformed or not a real day. */
bool cm_day_parse_iso(const char *text, cm_day *out);

#endif
