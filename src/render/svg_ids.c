/* cairo names the SVG page group "surfaceN" from a process-wide counter, so the
 * same map drawn twice in one process would differ; renumber those ids in
 * order of first appearance. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"

#define MAX_SURFACE_IDS 64

static char *read_all(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    char *data = NULL;
    if (fseek(file, 0, SEEK_END) == 0) {
        long length = ftell(file);
        if (length >= 0 && fseek(file, 0, SEEK_SET) == 0) {
            data = malloc((size_t)length + 1);
            if (data && fread(data, 1, (size_t)length, file) != (size_t)length) {
                free(data);
                data = NULL;
            } else if (data) {
                data[length] = '\0';
                *size = (size_t)length;
            }
        }
    }
    fclose(file);
    return data;
}

/* Writes data with every "surface<digits>" renumbered; false on an I/O error. */
static bool write_renumbered(FILE *file, const char *data, size_t size)
{
    static const char prefix[] = "surface";
    const size_t prefix_len = sizeof prefix - 1;
    long seen[MAX_SURFACE_IDS];
    size_t seen_count = 0;
    size_t i = 0;
    while (i < size) {
        const char *hit = strstr(data + i, prefix);
        if (!hit || !isdigit((unsigned char)hit[prefix_len])) {
            size_t end = hit ? (size_t)(hit - data) + prefix_len : size;
            if (fwrite(data + i, 1, end - i, file) != end - i)
                return false;
            i = end;
            continue;
        }
        char *after = NULL;
        long id = strtol(hit + prefix_len, &after, 10);
        size_t k = 0;
        while (k < seen_count && seen[k] != id)
            k++;
        if (k == seen_count && seen_count < MAX_SURFACE_IDS)
            seen[seen_count++] = id;
        size_t start = (size_t)(hit - data);
        if (fwrite(data + i, 1, start - i, file) != start - i ||
            fprintf(file, "surface%zu", k + 1) < 0)
            return false;
        i = (size_t)(after - data);
    }
    return true;
}

cm_status cm_svg_normalise_ids(const char *path, cm_error *err)
{
    size_t size = 0;
    char *data = read_all(path, &size);
    if (!data)
        return cm_error_set(err, CM_ERR_IO, "cannot read back %s: %s", path, strerror(errno));
    FILE *file = fopen(path, "wb");
    bool ok = file && write_renumbered(file, data, size);
    if (file && fclose(file) != 0)
        ok = false;
    free(data);
    if (!ok)
        return cm_error_set(err, CM_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return CM_OK;
}
