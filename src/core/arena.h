/* Many small blocks (keys, names, rings of a map's territories) that live and die
 * together. See arena.c. */
#ifndef COVERMAP_CORE_ARENA_H
#define COVERMAP_CORE_ARENA_H

#include <stddef.h>

typedef struct cm_arena_chunk cm_arena_chunk;

/* A zeroed cm_arena is empty and ready for use. */
typedef struct {
    cm_arena_chunk *chunks; /* newest first; owned */
} cm_arena;

/* size bytes aligned for any scalar, zeroed, valid until cm_arena_free; NULL when
 * out of memory. */
void *cm_arena_alloc(cm_arena *arena, size_t size);
/* A copy of text in the arena; NULL for NULL or when out of memory. */
char *cm_arena_strdup(cm_arena *arena, const char *text);
/* Releases every block at once and leaves the arena empty. */
void cm_arena_free(cm_arena *arena);

#endif
