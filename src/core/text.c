/* Reading what offices type into spreadsheets, folding keys for the join, and
 * writing numbers and dates for fr-CA and en-CA readers. */
#include "covermap/text.h"

#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- characters ------------------------------------------------------------ */

/* Byte length of a blank at p (ASCII white space, no-break, narrow no-break,
 * thin or figure space), 0 when p does not start with one. */
static size_t blank_at(const char *p)
{
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f')
        return 1;
    if (strncmp(p, "\xC2\xA0", 2) == 0)
        return 2;
    if (strncmp(p, "\xE2\x80\xAF", 3) == 0 || strncmp(p, "\xE2\x80\x89", 3) == 0 ||
        strncmp(p, "\xE2\x80\x87", 3) == 0)
        return 3;
    return 0;
}

/* A blank that Excel or a typist puts between groups of thousands. */
static size_t group_space_at(const char *p)
{
    if (*p == ' ')
        return 1;
    size_t n = blank_at(p);
    return n > 1 ? n : 0;
}

/* Byte length of a blank that ends at end (and starts at or after start), or 0. */
static size_t blank_before(const char *start, const char *end)
{
    for (size_t n = 1; n <= 3 && (size_t)(end - start) >= n; n++) {
        if (blank_at(end - n) == n)
            return n;
    }
    return 0;
}

/* Sets *end to the end of text without its trailing blanks; returns text
 * without its leading blanks. */
static const char *trim_blanks(const char *text, const char **end)
{
    while (blank_at(text))
        text += blank_at(text);
    const char *last = text;
    for (const char *p = text; *p;) {
        size_t n = blank_at(p);
        if (n) {
            p += n;
        } else {
            p++;
            last = p;
        }
    }
    *end = last;
    return text;
}

static bool is_dash(gunichar c)
{
    return c == 0x2D || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x00AD || c == 0xFE58 ||
           c == 0xFE63 || c == 0xFF0D;
}

static bool is_apostrophe(gunichar c)
{
    return c == 0x27 || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == 0x60 || c == 0xB4;
}

/* Blanks, underscores and the invisible characters that ride along with them. */
static bool is_key_blank(gunichar c)
{
    return g_unichar_isspace(c) || c == '_' || c == 0x200B || c == 0xFEFF;
}

static bool is_key_separator(gunichar c)
{
    return is_dash(c) || is_apostrophe(c) || is_key_blank(c);
}

/* Accents after NFD; spacing marks stay, since they carry meaning in other scripts. */
static bool is_accent_mark(gunichar c)
{
    GUnicodeType type = g_unichar_type(c);
    return type == G_UNICODE_NON_SPACING_MARK || type == G_UNICODE_ENCLOSING_MARK;
}

void cm_join_text(char *buf, size_t size, const char *const *pieces)
{
    if (!buf || size == 0)
        return;
    size_t used = 0;
    for (; *pieces; pieces++) {
        size_t n = strlen(*pieces);
        if (used + n < size) {
            memcpy(buf + used, *pieces, n);
            used += n;
            continue;
        }
        /* Cut: never inside a UTF-8 character (c: the first byte left out). */
        n = size - 1 - used;
        memcpy(buf + used, *pieces, n);
        used += n;
        unsigned char c = (unsigned char)(*pieces)[n];
        while (used > 0 && (c & 0xC0) == 0x80)
            c = (unsigned char)buf[--used];
        break;
    }
    buf[used] = '\0';
}

/* Copies text into buf, cutting at a code point boundary when it does not fit. */
static void write_truncated(char *buf, size_t size, const char *text)
{
    cm_join_text(buf, size, (const char *const[]){text, NULL});
}

/* ---- numbers ------------------------------------------------------------------ */

enum { MAX_NUMBER_BYTES = 400, MAX_DIGIT_RUNS = 64 };

typedef enum { SEP_SPACE, SEP_COMMA, SEP_DOT } separator_kind;

/* The body of a number cut into runs of digits and the single separators between. */
typedef struct {
    const char *run_start[MAX_DIGIT_RUNS];
    size_t run_length[MAX_DIGIT_RUNS];
    separator_kind separator[MAX_DIGIT_RUNS]; /* separator[i] follows run i */
    size_t runs;
} digit_runs;

static bool split_digit_runs(const char *p, const char *end, digit_runs *out)
{
    out->runs = 0;
    while (p < end) {
        if (out->runs == MAX_DIGIT_RUNS)
            return false;
        const char *start = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == start)
            return false; /* empty run: leading, trailing or doubled separator */
        out->run_start[out->runs] = start;
        out->run_length[out->runs] = (size_t)(p - start);
        out->runs++;
        if (p == end)
            return true;
        size_t space = group_space_at(p);
        if (space) {
            out->separator[out->runs - 1] = SEP_SPACE;
            p += space;
        } else if (*p == ',' || *p == '.') {
            out->separator[out->runs - 1] = *p == ',' ? SEP_COMMA : SEP_DOT;
            p++;
        } else {
            return false;
        }
        if (p == end)
            return false;
    }
    return out->runs > 0;
}

/* A lone comma: a thousands separator only when comma_is_decimal is false and
 * the text could not be anything else ("12,400", not "0,125" or "1234,567"). */
static bool lone_comma_is_thousands(const digit_runs *r, bool comma_is_decimal)
{
    return !comma_is_decimal && r->runs == 2 && r->run_length[1] == 3 && r->run_length[0] <= 3 &&
           r->run_start[0][0] != '0';
}

/* Index of the run that follows the decimal separator, r->runs when there is
 * none, or -1 when the separators make no sense. */
static long find_fraction_run(const digit_runs *r, bool comma_is_decimal)
{
    size_t separators = r->runs - 1, dots = 0, commas = 0, spaces = 0;
    for (size_t i = 0; i < separators; i++) {
        dots += r->separator[i] == SEP_DOT;
        commas += r->separator[i] == SEP_COMMA;
        spaces += r->separator[i] == SEP_SPACE;
    }
    if (separators == 0)
        return (long)r->runs;
    separator_kind last = r->separator[separators - 1];
    if (dots > 1 || (dots == 1 && last != SEP_DOT))
        return -1;
    if (dots == 1)
        return (long)separators;
    if (commas == 1 && last == SEP_COMMA &&
        (spaces > 0 || !lone_comma_is_thousands(r, comma_is_decimal)))
        return (long)separators;
    return (long)r->runs;
}

/* Groups of thousands: one kind of separator, 1-3 digits first, then exactly 3. */
static bool thousands_are_valid(const digit_runs *r, size_t integer_runs)
{
    for (size_t i = 1; i < integer_runs; i++) {
        if (r->run_length[i] != 3 || r->separator[i - 1] != r->separator[0])
            return false;
    }
    return integer_runs == 1 || r->run_length[0] <= 3;
}

/* Strips the sign and a leading or trailing dollar sign; false if malformed. */
static bool split_sign_and_currency(const char **start, const char **end, bool *negative)
{
    const char *p = *start, *e = *end;
    bool has_sign = false, has_dollar = false;
    *negative = false;
    for (int token = 0; token < 2; token++) {
        if (!has_sign && (*p == '-' || *p == '+')) {
            *negative = *p == '-';
            has_sign = true;
            p++;
        } else if (!has_sign && strncmp(p, "\xE2\x88\x92", 3) == 0) { /* U+2212 minus */
            *negative = true;
            has_sign = true;
            p += 3;
        } else if (!has_dollar && *p == '$') {
            has_dollar = true;
            p++;
            while (blank_at(p))
                p += blank_at(p);
        }
    }
    if (!has_dollar && e > p && e[-1] == '$') {
        e--;
        while (blank_before(p, e))
            e -= blank_before(p, e);
    }
    *start = p;
    *end = e;
    return p < e;
}

bool cm_parse_number(const char *text, bool comma_is_decimal, double *out)
{
    if (!text || !out)
        return false;
    const char *end;
    const char *start = trim_blanks(text, &end);
    bool negative;
    if (!split_sign_and_currency(&start, &end, &negative) || end - start > MAX_NUMBER_BYTES)
        return false;
    digit_runs runs;
    if (!split_digit_runs(start, end, &runs))
        return false;
    long fraction = find_fraction_run(&runs, comma_is_decimal);
    if (fraction < 0 || !thousands_are_valid(&runs, (size_t)fraction))
        return false;

    /* A plain ASCII copy for g_ascii_strtod, which ignores the C locale. */
    char ascii[MAX_NUMBER_BYTES + 4];
    size_t n = 0;
    if (negative)
        ascii[n++] = '-';
    for (size_t i = 0; i < runs.runs; i++) {
        if ((long)i == fraction)
            ascii[n++] = '.';
        memcpy(ascii + n, runs.run_start[i], runs.run_length[i]);
        n += runs.run_length[i];
    }
    ascii[n] = '\0';
    char *parsed_end;
    double value = g_ascii_strtod(ascii, &parsed_end);
    if (*parsed_end != '\0' || !isfinite(value))
        return false;
    *out = value;
    return true;
}

bool cm_parse_integer(const char *text, bool comma_is_decimal, long long *out)
{
    double value;
    if (!out || !cm_parse_number(text, comma_is_decimal, &value))
        return false;
    /* 2^63 is exact as a double; anything at or beyond it does not fit. */
    if (value != floor(value) || value < -9223372036854775808.0 || value >= 9223372036854775808.0)
        return false;
    *out = (long long)value;
    return true;
}

/* ---- dates -------------------------------------------------------------------- */

/* Reads 1..max_digits digits; returns the end, or NULL if there are none or too many. */
static const char *read_field(const char *p, int max_digits, int *value, int *digits)
{
    *value = 0;
    *digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++*digits > max_digits)
            return NULL;
        *value = *value * 10 + (*p - '0');
        p++;
    }
    return *digits > 0 ? p : NULL;
}

/* Reads exactly two digits no greater than max. */
static const char *read_two_digits(const char *p, int max, int *value)
{
    int digits;
    const char *end = read_field(p, 2, value, &digits);
    return end && digits == 2 && *value <= max ? end : NULL;
}

/* "+05", "-0500", "+05:00" or "Z" after a time. */
static const char *skip_time_zone(const char *p)
{
    int value;
    if (*p == 'Z')
        return p + 1;
    if (*p != '+' && *p != '-')
        return p;
    p = read_two_digits(p + 1, 14, &value);
    if (!p)
        return NULL;
    if (*p == ':')
        return read_two_digits(p + 1, 59, &value);
    if (*p >= '0' && *p <= '9')
        return read_two_digits(p, 59, &value);
    return p;
}

/* The time part of a datetime (" 00:00:00", "T13:45", " 00:00:00.000+00"); the
 * day is what matters, but the time must still be a time. */
static const char *skip_time(const char *p)
{
    int hour, minute, second, digits;
    if (*p != ' ' && *p != 'T')
        return p;
    p = read_field(p + 1, 2, &hour, &digits);
    if (!p || hour > 23 || *p != ':')
        return NULL;
    p = read_two_digits(p + 1, 59, &minute);
    if (p && *p == ':')
        p = read_two_digits(p + 1, 60, &second);
    if (p && *p == '.' && p[1] >= '0' && p[1] <= '9') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p ? skip_time_zone(p) : NULL;
}

bool cm_parse_date(const char *text, cm_day *out)
{
    if (!text || !out)
        return false;
    const char *end;
    const char *p = trim_blanks(text, &end);
    int first, second, third, first_digits, second_digits, third_digits;
    p = read_field(p, 4, &first, &first_digits);
    if (!p || (*p != '-' && *p != '/'))
        return false;
    char separator = *p;
    p = read_field(p + 1, 2, &second, &second_digits);
    if (!p || *p != separator)
        return false;
    p = read_field(p + 1, 4, &third, &third_digits);
    if (!p)
        return false;
    if (p < end)
        p = skip_time(p);
    if (p != end)
        return false;

    int year, day;
    if (first_digits == 4 && third_digits <= 2) {
        year = first;
        day = third;
    } else if (first_digits <= 2 && third_digits == 4) {
        year = third;
        day = first;
    } else {
        return false; /* two-digit years are guesses */
    }
    if (!cm_civil_is_valid(year, second, day))
        return false;
    *out = cm_day_from_civil(year, second, day);
    return true;
}

/* Whether the first length bytes of text (all of it when length < 0) are ASCII. */
static bool is_ascii(const char *text, gssize length)
{
    const unsigned char *p = (const unsigned char *)text;
    for (gssize i = 0; length < 0 ? p[i] != '\0' : i < length; i++)
        if (p[i] >= 0x80)
            return false;
    return true;
}

/* Case-folded (or plain) NFD copy of an ASCII span, which is its own NFD and whose
 * case fold is its ASCII lower case: the keys of real tables, without glib's tables. */
static gchar *ascii_decompose(const char *text, gssize length, bool fold_case)
{
    return fold_case ? g_ascii_strdown(text, length) : g_strndup(text, (gsize)length);
}

/* ---- folding ----------------------------------------------------------------- */

/* Removes from NFD text, in place, its accent marks and its key separators, each when
 * asked; returns text. */
static gchar *drop_code_points(gchar *nfd, bool accents, bool separators)
{
    char *w = nfd;
    const char *next;
    for (const char *r = nfd; *r; r = next) {
        gunichar c = g_utf8_get_char(r);
        next = g_utf8_next_char(r); /* read before memmove may overwrite r */
        if ((accents && is_accent_mark(c)) || (separators && is_key_separator(c)))
            continue;
        memmove(w, r, (size_t)(next - r));
        w += next - r;
    }
    *w = '\0';
    return nfd;
}

/* Case fold, NFD, then accents dropped (and separators, when asked) of a valid UTF-8
 * span, through glib (g_free); NULL when glib fails. */
static gchar *fold_slowly(const char *text, gssize length, bool drop_separators)
{
    gchar *folded = g_utf8_casefold(text, length);
    gchar *nfd = folded ? g_utf8_normalize(folded, -1, G_NORMALIZE_NFD) : NULL;
    g_free(folded);
    if (!nfd)
        return NULL;
    return drop_code_points(nfd, true, drop_separators);
}

/* Folding Latin text by table. Through glib (case fold, NFD, then dropping accents
 * and, for keys, separators) it costs a few thousand instructions a string: at
 * 20 000 territories, 3 % of a run's instructions for the tables' keys, the names
 * and the sectors. Over the
 * code points below FOLD_TABLE_END (ASCII, Latin-1, Latin Extended-A and -B, IPA,
 * spacing modifiers and the combining accents: every letter of French and of the
 * other Latin-script languages of Québec) folding is one code point at a time:
 * case folding maps each code point on its own, NFD never composes, and the only
 * code points there that canonical ordering moves are combining marks, which
 * folding drops. So the fold of a string is the folds of its code points end to
 * end, and each code point's fold is taken from glib once, by the slow path
 * itself. A string with anything else goes the slow way. */
enum { FOLD_TABLE_END = 0x370, FOLDED_MAX = 7 };

typedef struct {
    unsigned char length; /* FOLDED_MAX + 1: longer, fold this string the slow way */
    char bytes[FOLDED_MAX];
} folded_code_point;

/* [1]: separators dropped too (keys); [0]: kept (words). */
static folded_code_point fold_table[2][FOLD_TABLE_END];
static pthread_once_t fold_table_once = PTHREAD_ONCE_INIT;

static void build_fold_table(void)
{
    for (gunichar c = 1; c < FOLD_TABLE_END; c++) {
        char utf8[8];
        gint n = g_unichar_to_utf8(c, utf8);
        for (int drop = 0; drop < 2; drop++) {
            gchar *folded = fold_slowly(utf8, n, drop);
            size_t length = folded ? strlen(folded) : FOLDED_MAX + 1;
            folded_code_point *entry = &fold_table[drop][c];
            entry->length = (unsigned char)(length <= FOLDED_MAX ? length : FOLDED_MAX + 1);
            if (length <= FOLDED_MAX)
                memcpy(entry->bytes, folded, length);
            g_free(folded);
        }
    }
}

/* The code point at p (of the table's range, in UTF-8 of one or two bytes) and its
 * length in bytes; 0 for anything else (further code points, invalid UTF-8). */
static size_t table_code_point(const unsigned char *p, const unsigned char *end, gunichar *c)
{
    if (p[0] < 0x80) {
        *c = p[0];
        return 1;
    }
    if (end - p < 2 || p[0] < 0xC2 || (p[1] & 0xC0) != 0x80)
        return 0;
    *c = ((gunichar)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    return *c < FOLD_TABLE_END ? 2 : 0;
}

/* The fold of text's first length bytes by table, allocated with allocate (malloc
 * or g_malloc: the callers' own), or NULL when the table cannot fold it (or out
 * of memory: the slow path then decides). */
static char *fold_latin(const char *text, size_t length, bool drop_separators,
                        void *(*allocate)(size_t))
{
    pthread_once(&fold_table_once, build_fold_table);
    const folded_code_point *table = fold_table[drop_separators];
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    size_t out_length = 0;
    for (const unsigned char *q = p; q < end;) {
        gunichar c = 0;
        size_t step = table_code_point(q, end, &c);
        if (step == 0 || c == 0 || table[c].length > FOLDED_MAX)
            return NULL;
        out_length += table[c].length;
        q += step;
    }
    char *out = allocate(out_length + 1);
    if (!out)
        return NULL;
    char *w = out;
    for (const unsigned char *q = p; q < end;) {
        gunichar c = 0;
        q += table_code_point(q, end, &c);
        memcpy(w, table[c].bytes, table[c].length);
        w += table[c].length;
    }
    *w = '\0';
    return out;
}

/* ---- words -------------------------------------------------------------------- */

/* Trimmed, case-folded, accent-free copy (g_free), NULL on invalid UTF-8. */
static char *fold_word(const char *text)
{
    if (!text)
        return NULL;
    const char *end;
    const char *start = trim_blanks(text, &end);
    char *quick = fold_latin(start, (size_t)(end - start), false, g_malloc);
    if (quick)
        return quick;
    if (!g_utf8_validate(text, -1, NULL))
        return NULL;
    return fold_slowly(start, end - start, false);
}

/* Index of word in the NULL-terminated list, or -1. */
static int word_index(const char *word, const char *const *list)
{
    for (int i = 0; list[i]; i++) {
        if (strcmp(word, list[i]) == 0)
            return i;
    }
    return -1;
}

bool cm_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"oui", "yes", "vrai", "true", "o", "y", "1", NULL};
    static const char *const no[] = {"non", "no", "faux", "false", "n", "0", NULL};
    char *word = fold_word(text);
    if (!word || !out) {
        g_free(word);
        return false;
    }
    bool found = true;
    if (word_index(word, yes) >= 0)
        *out = true;
    else if (word_index(word, no) >= 0)
        *out = false;
    else
        found = false;
    g_free(word);
    return found;
}

bool cm_parse_grant_kind(const char *text, cm_grant_kind *out)
{
    static const char *const recurrent[] = {"recurrent", "recurrente", "recurrent(e)", "recurring",
                                            NULL};
    static const char *const project[] = {"project", "projet", "ponctuel", "ponctuelle", NULL};
    char *word = fold_word(text);
    if (!word || !out) {
        g_free(word);
        return false;
    }
    bool found = true;
    if (word_index(word, recurrent) >= 0)
        *out = CM_GRANT_RECURRENT;
    else if (word_index(word, project) >= 0)
        *out = CM_GRANT_PROJECT;
    else
        found = false;
    g_free(word);
    return found;
}

bool cm_text_is_blank(const char *text)
{
    if (!text)
        return true;
    while (blank_at(text))
        text += blank_at(text);
    return *text == '\0';
}

/* ---- keys --------------------------------------------------------------------- */

/* NFD of text, case-folded when fold_case; NULL on invalid UTF-8 (g_free). */
static gchar *decompose(const char *text, bool fold_case)
{
    if (text && is_ascii(text, -1))
        return ascii_decompose(text, (gssize)strlen(text), fold_case);
    if (!text || !g_utf8_validate(text, -1, NULL))
        return NULL;
    if (!fold_case)
        return g_utf8_normalize(text, -1, G_NORMALIZE_NFD);
    gchar *folded = g_utf8_casefold(text, -1);
    gchar *nfd = g_utf8_normalize(folded, -1, G_NORMALIZE_NFD);
    g_free(folded);
    return nfd;
}

/* The letters of text: separators dropped, accents dropped unless keep_accents. */
static gchar *key_letters(const char *text, bool fold_case, bool keep_accents)
{
    gchar *nfd = decompose(text, fold_case);
    return nfd ? drop_code_points(nfd, !keep_accents, true) : NULL;
}

char *cm_fold_key(const char *key)
{
    char *quick = key ? fold_latin(key, strlen(key), true, malloc) : NULL;
    if (quick || !key)
        return quick;
    gchar *letters = g_utf8_validate(key, -1, NULL) ? fold_slowly(key, -1, true) : NULL;
    if (!letters)
        return NULL;
    char *out = strdup(letters); /* the caller frees with free(), not g_free() */
    g_free(letters);
    return out;
}

/* The separators of a key, each run filed under the position in the folded key
 * where it stands, so that two keys' separators can be compared place by place. */
typedef struct {
    size_t *position;
    GString **run;
    size_t count;
} separator_runs;

static void separator_runs_free(separator_runs *s)
{
    for (size_t i = 0; i < s->count; i++)
        g_string_free(s->run[i], TRUE);
    g_free(s->position);
    g_free(s->run);
}

static void separator_runs_push(separator_runs *s, size_t position, GString *run)
{
    s->position = g_renew(size_t, s->position, s->count + 1);
    s->run = g_renew(GString *, s->run, s->count + 1);
    s->position[s->count] = position;
    s->run[s->count] = run;
    s->count++;
}

static bool collect_separators(const char *key, separator_runs *out)
{
    memset(out, 0, sizeof *out);
    gchar *nfd = decompose(key, true);
    if (!nfd)
        return false;
    size_t letters = 0;
    GString *run = NULL;
    for (const char *r = nfd; *r; r = g_utf8_next_char(r)) {
        gunichar c = g_utf8_get_char(r);
        if (is_accent_mark(c))
            continue;
        if (is_key_separator(c)) {
            if (!run)
                run = g_string_new(NULL);
            g_string_append_len(run, r, g_utf8_next_char(r) - r);
            continue;
        }
        if (run)
            separator_runs_push(out, letters, run);
        run = NULL;
        letters++;
    }
    if (run)
        separator_runs_push(out, letters, run);
    g_free(nfd);
    return true;
}

/* The dashes, apostrophes and blanks of one run, each kept in order. */
typedef struct {
    GString *dashes, *apostrophes, *blanks;
} run_parts;

static run_parts split_run(const char *run)
{
    run_parts parts = {g_string_new(NULL), g_string_new(NULL), g_string_new(NULL)};
    for (const char *r = run; *r; r = g_utf8_next_char(r)) {
        gunichar c = g_utf8_get_char(r);
        GString *into = is_dash(c)         ? parts.dashes
                        : is_apostrophe(c) ? parts.apostrophes
                                           : parts.blanks;
        g_string_append_len(into, r, g_utf8_next_char(r) - r);
    }
    return parts;
}

static void run_parts_free(run_parts *parts)
{
    g_string_free(parts->dashes, TRUE);
    g_string_free(parts->apostrophes, TRUE);
    g_string_free(parts->blanks, TRUE);
}

static bool has_punctuation(const run_parts *p)
{
    return p->dashes->len > 0 || p->apostrophes->len > 0;
}

/* Blanks standing where the other key has a dash or apostrophe ("Saint-Laurent"
 * vs "Saint Laurent") are that dash or apostrophe written differently, not a
 * difference in spaces. */
static bool blanks_replace_punctuation(const run_parts *a, const run_parts *b)
{
    return a->blanks->len > 0 && !has_punctuation(a) && b->blanks->len == 0 && has_punctuation(b);
}

static unsigned compare_runs(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 0;
    run_parts pa = split_run(a), pb = split_run(b);
    unsigned bits = 0;
    if (!g_string_equal(pa.dashes, pb.dashes))
        bits |= CM_FOLD_DASHES;
    if (!g_string_equal(pa.apostrophes, pb.apostrophes))
        bits |= CM_FOLD_APOSTROPHES;
    if (!g_string_equal(pa.blanks, pb.blanks) && !blanks_replace_punctuation(&pa, &pb) &&
        !blanks_replace_punctuation(&pb, &pa))
        bits |= CM_FOLD_SPACES;
    if (bits == 0)
        bits = CM_FOLD_SPACES; /* same marks in another order: " -" vs "- " */
    run_parts_free(&pa);
    run_parts_free(&pb);
    return bits;
}

static unsigned separator_differences(const char *a, const char *b)
{
    separator_runs sa, sb;
    if (!collect_separators(a, &sa))
        return 0;
    if (!collect_separators(b, &sb)) {
        separator_runs_free(&sa);
        return 0;
    }
    unsigned bits = 0;
    size_t i = 0, j = 0;
    while (i < sa.count || j < sb.count) {
        size_t pos_a = i < sa.count ? sa.position[i] : SIZE_MAX;
        size_t pos_b = j < sb.count ? sb.position[j] : SIZE_MAX;
        const char *run_a = pos_a <= pos_b ? sa.run[i]->str : "";
        const char *run_b = pos_b <= pos_a ? sb.run[j]->str : "";
        bits |= compare_runs(run_a, run_b);
        i += pos_a <= pos_b;
        j += pos_b <= pos_a;
    }
    separator_runs_free(&sa);
    separator_runs_free(&sb);
    return bits;
}

/* True when the two keys' letters differ once shaped by fold_case/keep_accents. */
static bool letters_differ(const char *a, const char *b, bool fold_case, bool keep_accents)
{
    gchar *la = key_letters(a, fold_case, keep_accents);
    gchar *lb = key_letters(b, fold_case, keep_accents);
    bool differ = la && lb && strcmp(la, lb) != 0;
    g_free(la);
    g_free(lb);
    return differ;
}

unsigned cm_fold_differences(const char *a, const char *b)
{
    if (!a || !b || strcmp(a, b) == 0)
        return 0;
    if (!g_utf8_validate(a, -1, NULL) || !g_utf8_validate(b, -1, NULL))
        return 0;
    unsigned bits = separator_differences(a, b);
    if (letters_differ(a, b, false, false))
        bits |= CM_FOLD_CASE;
    if (letters_differ(a, b, true, true))
        bits |= CM_FOLD_ACCENTS;
    return bits;
}

void cm_fold_describe(unsigned bits, char *buf, size_t size)
{
    static const struct {
        unsigned bit;
        const char *word;
    } kinds[] = {{CM_FOLD_CASE, "case"},
                 {CM_FOLD_ACCENTS, "accents"},
                 {CM_FOLD_SPACES, "spaces"},
                 {CM_FOLD_DASHES, "dashes"},
                 {CM_FOLD_APOSTROPHES, "apostrophes"}};
    enum { KINDS = sizeof kinds / sizeof kinds[0] };
    size_t total = 0, seen = 0;
    for (size_t i = 0; i < KINDS; i++)
        total += (bits & kinds[i].bit) != 0;
    if (total == 0) {
        write_truncated(buf, size, "identical");
        return;
    }
    char note[128] = "differs in ";
    for (size_t i = 0; i < KINDS; i++) {
        if (!(bits & kinds[i].bit))
            continue;
        seen++;
        if (seen > 1)
            strcat(note, seen == total ? " and " : ", ");
        strcat(note, kinds[i].word);
    }
    write_truncated(buf, size, note);
}

/* Code points of text; bytes one by one when it is not valid UTF-8 (g_free). */
static gunichar *code_points(const char *text, size_t *count)
{
    if (!text)
        text = "";
    if (g_utf8_validate(text, -1, NULL)) {
        glong n;
        gunichar *points = g_utf8_to_ucs4_fast(text, -1, &n);
        *count = (size_t)n;
        return points;
    }
    size_t n = strlen(text);
    gunichar *points = g_new(gunichar, n + 1);
    for (size_t i = 0; i < n; i++)
        points[i] = (unsigned char)text[i];
    *count = n;
    return points;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t cm_edit_distance(const char *a, const char *b)
{
    size_t n, m;
    gunichar *s = code_points(a, &n);
    gunichar *t = code_points(b, &m);
    if (n < m) { /* keep the row as short as the shorter string */
        gunichar *swap = s;
        s = t;
        t = swap;
        size_t count = n;
        n = m;
        m = count;
    }
    size_t *row = g_new(size_t, m + 1);
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t above = row[j];
            row[j] = min3(above + 1, row[j - 1] + 1, diagonal + (s[i - 1] != t[j - 1]));
            diagonal = above;
        }
    }
    size_t distance = row[m];
    g_free(row);
    g_free(s);
    g_free(t);
    return distance;
}

/* ---- formatting --------------------------------------------------------------- */

#define NBSP "\xC2\xA0"

enum { MAX_DECIMALS = 12, SIGNIFICANT_DIGITS = 15, FORMAT_BYTES = 1024 };

/* |value| x 10^decimals rounded half away from zero, as decimal digits. The value
 * is first taken to 15 significant digits, as spreadsheets do, so that 1.005
 * rounds to 1.01 the way its reader expects rather than to its binary neighbour. */
static void rounded_digits(double value, int decimals, char *digits, size_t size)
{
    char scientific[64];
    char mantissa[SIGNIFICANT_DIGITS + 1];
    size_t m = 0;
    snprintf(scientific, sizeof scientific, "%.*e", SIGNIFICANT_DIGITS - 1, fabs(value));
    const char *p = scientific;
    /* The decimal point depends on LC_NUMERIC, so keep only the digits. */
    for (; *p && *p != 'e' && m < SIGNIFICANT_DIGITS; p++) {
        if (*p >= '0' && *p <= '9')
            mantissa[m++] = *p;
    }
    mantissa[m] = '\0';
    const char *e = strchr(p, 'e');
    long exponent = e ? strtol(e + 1, NULL, 10) : 0;
    long keep = exponent + 1 + decimals;

    /* A leading zero takes a carry; more pad the result to decimals + 1 digits. */
    long kept = keep > 0 ? keep : 0;
    long zeros = 1 + (decimals + 1 > kept ? decimals + 1 - kept : 0);
    size_t n = 0;
    for (long i = 0; i < zeros && n + 1 < size; i++)
        digits[n++] = '0';
    for (long i = 0; i < kept && n + 1 < size; i++)
        digits[n++] = i < (long)m ? mantissa[i] : '0';
    digits[n] = '\0';
    if (keep >= 0 && keep < (long)m && mantissa[keep] >= '5') {
        size_t i = n - 1;
        while (digits[i] == '9')
            digits[i--] = '0';
        digits[i]++;
    }
}

static bool digits_are_zero(const char *digits)
{
    for (; *digits; digits++) {
        if (*digits != '0')
            return false;
    }
    return true;
}

/* Writes the rounded value with the locale's separators into out. */
static void format_decimal(double value, int decimals, cm_locale locale, char *out, size_t size)
{
    if (!isfinite(value)) {
        write_truncated(out, size, locale == CM_LOCALE_FR_CA ? "n/d" : "n/a");
        return;
    }
    decimals = decimals < 0 ? 0 : decimals > MAX_DECIMALS ? MAX_DECIMALS : decimals;
    char digits[FORMAT_BYTES / 2];
    rounded_digits(value, decimals, digits, sizeof digits);

    const char *start = digits;
    size_t length = strlen(digits);
    while (*start == '0' && length > (size_t)decimals + 1) {
        start++;
        length--;
    }
    size_t integer_length = length - (size_t)decimals;
    const char *thousands = locale == CM_LOCALE_FR_CA ? NBSP : ",";
    char text[FORMAT_BYTES];
    size_t n = 0;
    if (value < 0 && !digits_are_zero(start))
        text[n++] = '-';
    for (size_t i = 0; i < integer_length; i++) {
        if (i > 0 && (integer_length - i) % 3 == 0) {
            memcpy(text + n, thousands, strlen(thousands));
            n += strlen(thousands);
        }
        text[n++] = start[i];
    }
    if (decimals > 0) {
        text[n++] = locale == CM_LOCALE_FR_CA ? ',' : '.';
        memcpy(text + n, start + integer_length, (size_t)decimals);
        n += (size_t)decimals;
    }
    text[n] = '\0';
    write_truncated(out, size, text);
}

void cm_format_number(double value, int decimals, cm_locale locale, char *buf, size_t size)
{
    format_decimal(value, decimals, locale, buf, size);
}

/* value in decimal, written at the end of digits (24 bytes); returns where it starts. */
static const char *unsigned_text(unsigned long value, char digits[24])
{
    char *p = digits + 23;
    *p = '\0';
    do {
        *--p = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    return p;
}

void cm_format_money(double value, cm_locale locale, char *buf, size_t size)
{
    char number[FORMAT_BYTES];
    format_decimal(value, 0, locale, number, sizeof number);
    bool negative = number[0] == '-';
    if (!isfinite(value))
        write_truncated(buf, size, number);
    else if (locale == CM_LOCALE_FR_CA)
        cm_join_text(buf, size, (const char *const[]){number, NBSP "$", NULL});
    else
        cm_join_text(buf, size,
                     (const char *const[]){negative ? "-$" : "$", number + negative, NULL});
}

void cm_format_percent(double value, int decimals, cm_locale locale, char *buf, size_t size)
{
    char number[FORMAT_BYTES];
    char text[FORMAT_BYTES + 8];
    format_decimal(value, decimals, locale, number, sizeof number);
    if (!isfinite(value))
        snprintf(text, sizeof text, "%s", number);
    else
        snprintf(text, sizeof text, locale == CM_LOCALE_FR_CA ? "%s" NBSP "%%" : "%s%%", number);
    write_truncated(buf, size, text);
}

void cm_format_date(cm_day day, cm_locale locale, char *buf, size_t size)
{
    static const char *const mois[12] = {"janvier",   "février", "mars",     "avril",
                                         "mai",       "juin",    "juillet",  "août",
                                         "septembre", "octobre", "novembre", "décembre"};
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    cm_civil_date c = cm_civil_from_day(day);
    char day_digits[24], year_digits[24];
    const char *day_text = unsigned_text((unsigned long)c.day, day_digits);
    bool negative_year = c.year < 0; /* outside what the calendar module is used for */
    const char *year_text = unsigned_text(
        negative_year ? 0UL - (unsigned long)c.year : (unsigned long)c.year, year_digits);
    if (locale == CM_LOCALE_FR_CA)
        cm_join_text(buf, size,
                     (const char *const[]){day_text, c.day == 1 ? "er " : " ", mois[c.month - 1],
                                           negative_year ? " -" : " ", year_text, NULL});
    else
        cm_join_text(buf, size,
                     (const char *const[]){months[c.month - 1], " ", day_text,
                                           negative_year ? ", -" : ", ", year_text, NULL});
}
