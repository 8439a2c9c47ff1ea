/* Buffers of megabytes (page images, point tables) that are filled once and read
 * many times. See large_buffer.c. */
#ifndef COVERMAP_CORE_LARGE_BUFFER_H
#define COVERMAP_CORE_LARGE_BUFFER_H

#include <stddef.h>

/* count * size zeroed bytes; NULL when out of memory (or on overflow). The caller
 * owns the buffer and releases it with cm_large_free. */
void *cm_large_calloc(size_t count, size_t size);
void cm_large_free(void *buffer);

#endif
