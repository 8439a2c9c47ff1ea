/* libFuzzer target: the readers of table values and keys (text.h, ingest.h) on
 * one NUL-terminated copy of the input, with the invariants their contracts
 * promise. Violations trap so libFuzzer reports them with the input. */
#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/calendar.h"
#include "covermap/ingest.h"
#include "covermap/text.h"

/* A key with every kind of foldable difference, to compare the input against. */
static const char reference_key[] = "Côte-des-Neiges–Notre-Dame-de-Grâce L’Île";

/* Edit distance is O(n*m): keep the self-comparison to inputs of a sane size. */
enum { SELF_DISTANCE_MAX_BYTES = 1024 };

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

static void fuzz_numbers(const char *text)
{
    for (int comma_is_decimal = 0; comma_is_decimal <= 1; comma_is_decimal++) {
        double value = 12345.0;
        bool parsed = cm_parse_number(text, comma_is_decimal, &value);
        check(!parsed || isfinite(value));
        if (!parsed)
            check(value == 12345.0); /* a failure leaves *out alone */
        char buf[64];
        if (parsed) {
            cm_format_number(value, 2, CM_LOCALE_FR_CA, buf, sizeof buf);
            cm_format_money(value, CM_LOCALE_EN_CA, buf, sizeof buf);
        }
        long long whole;
        if (cm_parse_integer(text, comma_is_decimal, &whole)) {
            /* An integer is a number, the same one. */
            check(parsed && value == (double)whole && value == floor(value));
        }
    }
}

static void fuzz_date(const char *text)
{
    cm_day day = 0;
    if (!cm_parse_date(text, &day))
        return;
    char iso[11];
    cm_day_format_iso(day, iso);
    cm_civil_date civil = cm_civil_from_day(day);
    check(cm_civil_is_valid(civil.year, civil.month, civil.day));
    check(cm_day_from_civil(civil.year, civil.month, civil.day) == day);
    cm_day again;
    check(cm_day_parse_iso(iso, &again) && again == day);
    char words[64];
    cm_format_date(day, CM_LOCALE_FR_CA, words, sizeof words);
    cm_format_date(day, CM_LOCALE_EN_CA, words, sizeof words);
    check(g_utf8_validate(words, -1, NULL));
}

static void fuzz_words(const char *text)
{
    bool flag;
    (void)cm_parse_bool(text, &flag);
    cm_grant_kind kind = CM_GRANT_RECURRENT;
    if (cm_parse_grant_kind(text, &kind))
        check(kind == CM_GRANT_RECURRENT || kind == CM_GRANT_PROJECT);
    (void)cm_text_is_blank(text);
}

static void fuzz_keys(const char *text, bool valid_utf8)
{
    char *folded = cm_fold_key(text);
    check((folded != NULL) == valid_utf8);
    if (folded) {
        char *folded_twice = cm_fold_key(folded);
        check(folded_twice && strcmp(folded, folded_twice) == 0);
        free(folded_twice);
    }
    free(folded);

    const unsigned all_bits = CM_FOLD_CASE | CM_FOLD_ACCENTS | CM_FOLD_SPACES | CM_FOLD_DASHES |
                              CM_FOLD_APOSTROPHES;
    unsigned bits = cm_fold_differences(text, reference_key);
    check((bits & ~all_bits) == 0);
    check(cm_fold_differences(text, text) == 0);
    char note[128];
    cm_fold_describe(bits, note, sizeof note);
    check(g_utf8_validate(note, -1, NULL));

    size_t distance = cm_edit_distance(text, reference_key);
    check(distance == cm_edit_distance(reference_key, text));
    size_t longest = strlen(text) > strlen(reference_key) ? strlen(text) : strlen(reference_key);
    check(distance <= longest);
    if (strlen(text) <= SELF_DISTANCE_MAX_BYTES)
        check(cm_edit_distance(text, text) == 0);
}

static void fuzz_encodings(const char *text, bool valid_utf8)
{
    static const char *const encodings[] = {NULL, "", "UTF-8", "CP1252", "ISO-8859-1"};
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
        char *utf8 = cm_text_to_utf8(text, encodings[i]);
        if (utf8)
            check(g_utf8_validate(utf8, -1, NULL));
        bool utf8_named = encodings[i] && strcmp(encodings[i], "UTF-8") == 0;
        bool autodetect = !encodings[i] || !encodings[i][0];
        if (utf8_named || (autodetect && valid_utf8))
            check(utf8 ? strcmp(utf8, text) == 0 : !valid_utf8);
        free(utf8);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    bool valid_utf8 = g_utf8_validate(text, -1, NULL);

    fuzz_numbers(text);
    fuzz_date(text);
    fuzz_words(text);
    fuzz_keys(text, valid_utf8);
    fuzz_encodings(text, valid_utf8);

    free(text);
    return 0;
}
