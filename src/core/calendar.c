#include "covermap/calendar.h"

#include <stdio.h>
#include <string.h>

bool cm_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int cm_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && cm_is_leap_year(year))
        return 29;
    return days[month - 1];
}

bool cm_civil_is_valid(int year, int month, int day)
{
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= cm_days_in_month(year, month);
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
cm_day cm_day_from_civil(int year, int month, int day)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int mp = (month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (cm_day)(era * 146097 + doe - 719468);
}

cm_civil_date cm_civil_from_day(cm_day z_in)
{
    long z = (long)z_in + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    cm_civil_date out = {(int)(y + (m <= 2)), (int)m, (int)d};
    return out;
}

cm_day cm_add_months(cm_day day, int months)
{
    cm_civil_date c = cm_civil_from_day(day);
    long total = (long)c.year * 12 + (c.month - 1) + months;
    int year = (int)(total >= 0 ? total / 12 : (total - 11) / 12);
    int month = (int)(total - (long)year * 12) + 1;
    int last = cm_days_in_month(year, month);
    return cm_day_from_civil(year, month, c.day > last ? last : c.day);
}

/* Writes value as exactly width decimal digits. */
static void put_digits(char *out, int value, int width)
{
    for (int i = width - 1; i >= 0; i--, value /= 10)
        out[i] = (char)('0' + value % 10);
}

void cm_day_format_iso(cm_day day, char out[11])
{
    cm_civil_date c = cm_civil_from_day(day);
    /* Without snprintf: every date of every funding row goes through here. */
    if (c.year >= 0 && c.year <= 9999) {
        put_digits(out, c.year, 4);
        out[4] = '-';
        put_digits(out + 5, c.month, 2);
        out[7] = '-';
        put_digits(out + 8, c.day, 2);
        out[10] = '\0';
        return;
    }
    char text[48];
    snprintf(text, sizeof text, "%04d-%02d-%02d", c.year, c.month, c.day);
    memcpy(out, text, 10);
    out[10] = '\0';
}

/* Whether text[from..to) are all ASCII digits. */
static bool all_digits(const char *text, int from, int to)
{
    for (int i = from; i < to; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

static int digits_value(const char *text, int from, int to)
{
    int value = 0;
    for (int i = from; i < to; i++)
        value = value * 10 + (text[i] - '0');
    return value;
}

bool cm_day_parse_iso(const char *text, cm_day *out)
{
    int y, m, d, consumed = 0;
    if (!text || strlen(text) != 10)
        return false;
    /* The stored dates are plain YYYY-MM-DD: read them without sscanf, which
     * still decides every other spelling below. */
    if (text[4] == '-' && text[7] == '-' && all_digits(text, 0, 4) && all_digits(text, 5, 7) &&
        all_digits(text, 8, 10)) {
        y = digits_value(text, 0, 4);
        m = digits_value(text, 5, 7);
        d = digits_value(text, 8, 10);
        if (!cm_civil_is_valid(y, m, d))
            return false;
        *out = cm_day_from_civil(y, m, d);
        return true;
    }
    if (sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &consumed) != 3 || consumed != 10)
        return false;
    if (text[4] != '-' || text[7] != '-' || !cm_civil_is_valid(y, m, d))
        return false;
    *out = cm_day_from_civil(y, m, d);
    return true;
}
