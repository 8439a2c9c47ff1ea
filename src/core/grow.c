/* Arrays that grow by doubling: a few reallocs for any count, amortised constant
 * time per item. */
#include "core/grow.h"

#include <stdint.h>
#include <stdlib.h>

bool cm_grow(void **items, size_t *capacity, size_t needed, size_t item_size)
{
    if (needed <= *capacity)
        return true;
    size_t grown = *capacity ? *capacity : 16;
    while (grown < needed) {
        if (grown > SIZE_MAX / 2)
            return false;
        grown *= 2;
    }
    if (item_size && grown > SIZE_MAX / item_size)
        return false;
    void *bigger = realloc(*items, grown * item_size);
    if (!bigger)
        return false;
    *items = bigger;
    *capacity = grown;
    return true;
}
