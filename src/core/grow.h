/* Arrays that grow by doubling. See grow.c. */
#ifndef COVERMAP_CORE_GROW_H
#define COVERMAP_CORE_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* Makes *items (realloc'd, of item_size bytes each) hold at least needed items,
 * doubling *capacity (from 16) as often as it takes. False when out of memory,
 * *items and *capacity then unchanged. */
bool cm_grow(void **items, size_t *capacity, size_t needed, size_t item_size);

#endif
