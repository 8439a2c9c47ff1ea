/* Large buffers in transparent huge pages.
 *
 * A 3300 x 2550 page image is 34 MB: faulted in 4 KiB at a time it costs 8 300 page
 * faults, which at 20 000 territories made a sixth of the run's CPU time kernel
 * time. Mapped on its own and marked MADV_HUGEPAGE (Debian's kernels give huge
 * pages to marked memory only), the same buffer takes a few dozen faults. Below
 * a huge page, or where the kernel refuses, it is ordinary memory. Under
 * AddressSanitizer everything comes from calloc, so that leaks stay visible. */
#define _DEFAULT_SOURCE /* madvise, MAP_ANONYMOUS */
#include "core/large_buffer.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

enum { HUGE_PAGE = 2 * 1024 * 1024, HEADER = 64 /* keeps the data 64-byte aligned */ };

#if defined(__SANITIZE_ADDRESS__)
#define COVERMAP_LARGE_BUFFER_MMAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COVERMAP_LARGE_BUFFER_MMAP 0
#endif
#endif
#ifndef COVERMAP_LARGE_BUFFER_MMAP
#define COVERMAP_LARGE_BUFFER_MMAP 1
#endif

/* The header before the data: the mapping's length, or 0 when it came from calloc. */
typedef struct {
    size_t mapped;
} large_header;

void *cm_large_calloc(size_t count, size_t size)
{
    if (size && count > (SIZE_MAX - HEADER) / size)
        return NULL;
    size_t total = count * size + HEADER;
    large_header *header = NULL;
#if COVERMAP_LARGE_BUFFER_MMAP
    if (total >= HUGE_PAGE) {
        void *mapping =
            mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapping != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
            (void)madvise(mapping, total, MADV_HUGEPAGE); /* a hint: refused is fine */
#endif
            header = mapping;
            header->mapped = total;
            return (char *)header + HEADER;
        }
    }
#endif
    header = calloc(1, total);
    if (!header)
        return NULL;
    header->mapped = 0;
    return (char *)header + HEADER;
}

void cm_large_free(void *buffer)
{
    if (!buffer)
        return;
    large_header *header = (large_header *)((char *)buffer - HEADER);
    if (header->mapped)
        munmap(header, header->mapped);
    else
        free(header);
}
