/* A bump allocator over large buffers.
 *
 * A map's territories hold four small blocks each (key, name, ring list, points):
 * 80 000 mallocs at 20 000 territories. In chunks of huge pages they fault a few
 * dozen times instead of thousands, sit side by side for the passes that read
 * them in order, and are released in one munmap each: the run frees its preloaded
 * outlines in the parent after the forked map jobs, where every page written by
 * free() would fault again (copy-on-write). Under AddressSanitizer the chunks come
 * from calloc (large_buffer.c), so a leaked arena is still reported. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "core/large_buffer.h"

enum { CHUNK_SIZE = 2 * 1024 * 1024 }; /* one huge page */

struct cm_arena_chunk {
    cm_arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
};

#define ALIGNMENT alignof(max_align_t)

static size_t round_up(size_t n)
{
    return (n + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
}

/* The chunk's header, rounded so that the blocks after it stay aligned. */
static size_t header_size(void)
{
    return round_up(sizeof(cm_arena_chunk));
}

/* A chunk with room for size bytes (a block larger than a chunk gets its own). */
static cm_arena_chunk *new_chunk(size_t size)
{
    size_t usable = size > CHUNK_SIZE - header_size() ? size : CHUNK_SIZE - header_size();
    cm_arena_chunk *chunk = cm_large_calloc(1, header_size() + usable);
    if (chunk)
        chunk->size = usable;
    return chunk;
}

void *cm_arena_alloc(cm_arena *arena, size_t size)
{
    if (size > SIZE_MAX - ALIGNMENT - CHUNK_SIZE)
        return NULL;
    size = round_up(size ? size : 1);
    cm_arena_chunk *chunk = arena->chunks;
    if (!chunk || chunk->size - chunk->used < size) {
        cm_arena_chunk *fresh = new_chunk(size);
        if (!fresh)
            return NULL;
        /* A block of its own goes behind the current chunk, whose room stays usable. */
        if (chunk && size > CHUNK_SIZE - header_size()) {
            fresh->next = chunk->next;
            chunk->next = fresh;
        } else {
            fresh->next = chunk;
            arena->chunks = fresh;
        }
        chunk = fresh;
    }
    void *block = (char *)chunk + header_size() + chunk->used;
    chunk->used += size;
    return block; /* zeroed: chunks are, and each byte is handed out once */
}

char *cm_arena_strdup(cm_arena *arena, const char *text)
{
    if (!text)
        return NULL;
    size_t length = strlen(text) + 1;
    char *copy = cm_arena_alloc(arena, length);
    if (copy)
        memcpy(copy, text, length);
    return copy;
}

void cm_arena_free(cm_arena *arena)
{
    cm_arena_chunk *chunk = arena->chunks;
    while (chunk) {
        cm_arena_chunk *next = chunk->next;
        cm_large_free(chunk);
        chunk = next;
    }
    arena->chunks = NULL;
}
