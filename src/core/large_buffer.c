/* Large buffers in transparent huge pages.
 *
 * A 3300 x 2550 page image is 34 MB: faulted in 4 KiB at a time it costs 8 300 page
 * faults, which at 20 000 territories made a sixth of the run's CPU time kernel
 * time. Mapped on its own and marked MADV_HUGEPAGE (Debian's kernels give huge
 * pages to marked memory only), the same buffer takes a few dozen faults. From
 * half a huge page up, a buffer takes a whole one: on this machine a 4 KiB fault
 * costs about 10 us and a huge page that was used before is cleared in a tenth
 * of a millisecond (256 faults of a 1 MiB buffer, 2.5 ms). Below that, or where
 * the kernel refuses, it is ordinary memory. Under
 * AddressSanitizer everything comes from calloc, so that leaks stay visible. */
#define _DEFAULT_SOURCE /* madvise, MAP_ANONYMOUS */
#include "core/large_buffer.h"
#include "core/sanitizers.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* HEADER: room for the header before the data; a multiple of 64, so the data keeps
 * the alignment of what it follows (2 MiB on mappings, malloc's 16 bytes otherwise). */
enum { HUGE_PAGE = 2 * 1024 * 1024, HEADER = 64 };

#define COVERMAP_LARGE_BUFFER_MMAP (!COVERMAP_ADDRESS_SANITIZER)

/* The header just before the data: the whole mapping, or NULL when from calloc. */
typedef struct {
    void *mapping;
    size_t length;
} large_header;

/* Mapped with a huge page of slack, so that the data can start on a huge-page
 * boundary: the kernel only gives huge pages to aligned 2 MiB stretches. */
static void *map_aligned(size_t size)
{
#if COVERMAP_LARGE_BUFFER_MMAP
    if (size < HUGE_PAGE / 2 || size > SIZE_MAX - HEADER - 2 * HUGE_PAGE)
        return NULL;
    /* Whole huge pages: a tail of a few hundred 4 KiB pages, each its own fault,
     * costs more than clearing the rest of one huge page. */
    size_t rounded = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    size_t length = rounded + HEADER + HUGE_PAGE;
    void *mapping = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)mapping + HEADER + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
    (void)madvise((void *)start, rounded, MADV_HUGEPAGE); /* a hint: refused is fine */
#endif
    large_header *header = (large_header *)(start - HEADER);
    header->mapping = mapping;
    header->length = length;
    return (void *)start;
#else
    (void)size;
    return NULL;
#endif
}

void *cm_large_calloc(size_t count, size_t size)
{
    if (size && count > (SIZE_MAX - HEADER) / size)
        return NULL;
    void *data = map_aligned(count * size);
    if (data)
        return data;
    large_header *header = calloc(1, count * size + HEADER);
    if (!header)
        return NULL;
    header->mapping = NULL;
    return (char *)header + HEADER;
}

void cm_large_free(void *buffer)
{
    if (!buffer)
        return;
    large_header *header = (large_header *)((char *)buffer - HEADER);
    if (header->mapping)
        munmap(header->mapping, header->length);
    else
        free(header);
}
