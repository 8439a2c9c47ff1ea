#include <cpl_string.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "covermap/ingest.h"

static char *copy_cpl_string(char *cpl_text)
{
    if (!cpl_text)
        return NULL;
    char *copy = strdup(cpl_text);
    CPLFree(cpl_text);
    return copy;
}

bool cm_encoding_is_utf8(const char *encoding)
{
    return encoding && (g_ascii_strcasecmp(encoding, "UTF-8") == 0 ||
                        g_ascii_strcasecmp(encoding, "UTF8") == 0);
}

char *cm_text_to_utf8(const char *raw, const char *encoding)
{
    if (!raw)
        return NULL;
    if (!encoding || !encoding[0]) {
        /* SPEC: bytes that are valid UTF-8 are UTF-8, anything else is CP1252. */
        if (g_utf8_validate(raw, -1, NULL))
            return strdup(raw);
        return copy_cpl_string(CPLRecode(raw, "CP1252", CPL_ENC_UTF8));
    }
    if (cm_encoding_is_utf8(encoding)) {
        if (!g_utf8_validate(raw, -1, NULL))
            return NULL;
        return strdup(raw);
    }
    char *converted = copy_cpl_string(CPLRecode(raw, encoding, CPL_ENC_UTF8));
    if (converted && !g_utf8_validate(converted, -1, NULL)) {
        free(converted);
        return NULL;
    }
    return converted;
}
