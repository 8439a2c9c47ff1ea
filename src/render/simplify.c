/* Sub-pixel simplification of the page outlines that keeps shared edges shared.
 *
 * At province scale most vertices are closer together than a pixel: they cost
 * cairo's rasteriser and the SVG/PDF writers without changing what is seen. A
 * vertex is dropped when it lies within the tolerance of the chord joining its
 * neighbours, Visvalingam-style, least important first.
 *
 * Neighbouring territories store their common boundary twice, in opposite
 * directions; simplifying each ring on its own would open slivers between them.
 * So every decision depends on the point alone: a point seen at a junction (three
 * or more territories, or neighbours that differ between its two rings) is a
 * node and is kept; a point on a shared chain has the same two neighbours in both
 * rings, hence the same importance, and rounds remove only strict local minima
 * of (importance, x, y), so both copies of a chain lose exactly the same points. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/large_buffer.h"
#include "render_internal.h"

/* 16 bytes, so that the table (tens of megabytes at province scale, fresh memory
 * for the kernel to clear) is a fifth smaller than with whole fields. A slot whose
 * count is 0 is empty: the table starts as the zeroed memory it is given. */
typedef struct {
    int32_t x, y;
    uint32_t first_at : 31; /* index of its first occurrence in the shapes' points */
    uint32_t node : 1;      /* kept whatever its importance */
    uint32_t first_ring : 30;
    uint32_t count : 2; /* occurrences, saturating at 3; 0: an empty slot */
} point_info;

/* What the packed fields can hold. */
enum { MAX_POINTS = 0x7FFFFFFF, MAX_RINGS = 0x3FFFFFFF };

typedef struct {
    point_info *slots;
    size_t size;
} point_table;

static uint64_t point_hash(int32_t x, int32_t y)
{
    uint64_t h = ((uint64_t)(uint32_t)x << 32) | (uint32_t)y;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

/* Where linear probing for a point starts: the hash scaled to the table's size,
 * which is under 2^32 (at most MAX_POINTS points, one and a half slots each) and need not be a
 * power of two: rounding up to one could double the table. */
static size_t point_home(const point_table *table, int32_t x, int32_t y)
{
    return (size_t)(((point_hash(x, y) >> 32) * (uint64_t)table->size) >> 32);
}

static point_info *point_slot(point_table *table, int32_t x, int32_t y)
{
    for (size_t i = point_home(table, x, y);; i = i + 1 == table->size ? 0 : i + 1) {
        point_info *slot = &table->slots[i];
        if (slot->count == 0 || (slot->x == x && slot->y == y))
            return slot;
    }
}

/* The table is tens of megabytes, read at random, and half the time here was
 * loads of slots waiting for memory: each point's slot is asked for a few points
 * ahead of its turn, so that the waits overlap (a tenth less time at 20 000
 * territories: 70 -> 63 ms). */
enum { PREFETCH_AHEAD = 24 };

static void prefetch(const void *address)
{
    __builtin_prefetch(address);
}

static bool same_point(const int32_t *a, const int32_t *b)
{
    return a[0] == b[0] && a[1] == b[1];
}

/* Whether the first occurrence of p has {prev, next} as its neighbours. */
static bool same_neighbours(const cm_page_shapes *s, const point_info *p, const int32_t *prev,
                            const int32_t *next)
{
    size_t start = s->ring_start[p->first_ring], n = s->ring_start[p->first_ring + 1] - start;
    size_t i = p->first_at - start;
    const int32_t *first_prev = s->xy + 2 * (start + (i + n - 1) % n);
    const int32_t *first_next = s->xy + 2 * (start + (i + 1) % n);
    return (same_point(first_prev, prev) && same_point(first_next, next)) ||
           (same_point(first_prev, next) && same_point(first_next, prev));
}

/* Records every occurrence of every point (slot_of: its table slot); marks the
 * nodes. */
static void find_nodes(const cm_page_shapes *s, point_table *table, uint32_t *slot_of)
{
    for (size_t r = 0; r < s->ring_count; r++) {
        size_t start = s->ring_start[r], n = s->ring_start[r + 1] - start;
        for (size_t i = 0; i < n; i++) {
            size_t ahead = start + i + PREFETCH_AHEAD;
            if (ahead < s->point_count)
                prefetch(&table->slots[point_home(table, s->xy[2 * ahead], s->xy[2 * ahead + 1])]);
            const int32_t *p = s->xy + 2 * (start + i);
            const int32_t *prev = s->xy + 2 * (start + (i + n - 1) % n);
            const int32_t *next = s->xy + 2 * (start + (i + 1) % n);
            point_info *slot = point_slot(table, p[0], p[1]);
            slot_of[start + i] = (uint32_t)(slot - table->slots);
            if (slot->count == 0) {
                *slot = (point_info){.x = p[0],
                                     .y = p[1],
                                     .first_at = (uint32_t)(start + i),
                                     .first_ring = (uint32_t)r,
                                     .count = 1};
                continue;
            }
            slot->node = slot->node || slot->count >= 2 || slot->first_ring == (uint32_t)r ||
                         !same_neighbours(s, slot, prev, next);
            if (slot->count < 3)
                slot->count++;
        }
    }
}

/* A ring with fewer than three nodes (an island, an enclave and the hole around
 * it) has no anchor that both its copies agree on: all its points are kept. */
static void anchor_small_rings(const cm_page_shapes *s, point_table *table, const uint32_t *slot_of)
{
    for (size_t r = 0; r < s->ring_count; r++) {
        size_t start = s->ring_start[r], end = s->ring_start[r + 1], nodes = 0;
        for (size_t i = start; i < end && nodes < 3; i++) {
            if (i + PREFETCH_AHEAD < end)
                prefetch(&table->slots[slot_of[i + PREFETCH_AHEAD]]);
            nodes += table->slots[slot_of[i]].node;
        }
        if (nodes >= 3)
            continue;
        for (size_t i = start; i < end; i++)
            table->slots[slot_of[i]].node = true;
    }
}

typedef struct {
    const int32_t *xy;
    uint32_t *prev, *next; /* ring neighbours among the kept points */
    bool *fixed, *removed;
    double tolerance; /* grid steps */
} chain_state;

/* Distance from point i to the chord of its neighbours, in grid steps; exact
 * integer arithmetic up to the final division, so both copies of a shared point
 * get the very same value. Fixed points are infinitely important. */
static double importance(const chain_state *c, size_t i)
{
    if (c->fixed[i])
        return INFINITY;
    const int32_t *p = c->xy + 2 * c->prev[i], *v = c->xy + 2 * i, *n = c->xy + 2 * c->next[i];
    int64_t dx = (int64_t)n[0] - p[0], dy = (int64_t)n[1] - p[1];
    int64_t vx = (int64_t)v[0] - p[0], vy = (int64_t)v[1] - p[1];
    if (dx == 0 && dy == 0)
        return sqrt((double)(vx * vx + vy * vy));
    double cross = fabs((double)(dx * vy - dy * vx));
    return cross / sqrt((double)(dx * dx + dy * dy));
}

/* True when i ranks below j by (importance, x, y): a total order on points that
 * does not depend on which ring is looked at. */
static bool ranks_below(const chain_state *c, size_t i, double wi, size_t j, double wj)
{
    if (wi != wj)
        return wi < wj;
    const int32_t *a = c->xy + 2 * i, *b = c->xy + 2 * j;
    return a[0] != b[0] ? a[0] < b[0] : a[1] < b[1];
}

static bool removable(const chain_state *c, size_t i)
{
    if (c->removed[i] || c->fixed[i])
        return false;
    double w = importance(c, i);
    if (w > c->tolerance)
        return false;
    size_t p = c->prev[i], n = c->next[i];
    return ranks_below(c, i, w, p, importance(c, p)) && ranks_below(c, i, w, n, importance(c, n));
}

/* Rounds of removals; each round drops every removable point at once (they are
 * never adjacent), then looks again only at the neighbours of what was dropped. */
static void remove_rounds(chain_state *c, uint32_t *work, size_t work_count, uint32_t *dropped,
                          uint32_t *stamp)
{
    uint32_t round = 0;
    while (work_count > 0) {
        round++;
        size_t drop_count = 0;
        for (size_t k = 0; k < work_count; k++)
            if (removable(c, work[k]))
                dropped[drop_count++] = work[k];
        work_count = 0;
        for (size_t k = 0; k < drop_count; k++) {
            uint32_t i = dropped[k], p = c->prev[i], n = c->next[i];
            c->removed[i] = true;
            c->next[p] = n;
            c->prev[n] = p;
        }
        for (size_t k = 0; k < drop_count; k++) {
            uint32_t around[2] = {c->prev[dropped[k]], c->next[dropped[k]]};
            for (int a = 0; a < 2; a++) {
                uint32_t q = around[a];
                if (!c->removed[q] && stamp[q] != round) {
                    stamp[q] = round;
                    work[work_count++] = q;
                }
            }
        }
    }
}

/* Rewrites the shapes without the removed points. */
static void compact(cm_page_shapes *s, const bool *removed)
{
    size_t out = 0;
    size_t ring_begin = 0;
    for (size_t r = 0; r < s->ring_count; r++) {
        size_t start = s->ring_start[r], end = s->ring_start[r + 1];
        for (size_t i = start; i < end; i++) {
            if (removed[i])
                continue;
            s->xy[2 * out] = s->xy[2 * i];
            s->xy[2 * out + 1] = s->xy[2 * i + 1];
            out++;
        }
        s->ring_start[r] = ring_begin;
        ring_begin = out;
    }
    s->ring_start[s->ring_count] = out;
    s->point_count = out;
}

bool cm_page_shapes_simplify(cm_page_shapes *s, double tolerance)
{
    size_t n = s->point_count;
    /* Beyond what the table's fields hold (billions of points), the outlines are
     * drawn as they are. */
    if (n == 0 || tolerance <= 0 || n > MAX_POINTS || s->ring_count > MAX_RINGS)
        return true;
    /* At least one and a half slots a point: the load stays under two thirds even
     * when no point is shared (shared boundaries make it a third). Twice as many
     * only meant more fresh memory for the kernel to clear. */
    size_t slots = n + n / 2 + 16;
    /* Tens of megabytes at province scale, written once: large buffers, since
     * fresh memory is most of their cost. The per-point arrays share one, whose
     * huge pages they fill (each on its own left most of a last huge page
     * unused, to be cleared all the same): five of 32-bit indices, two of flags. */
    point_table table = {cm_large_calloc(slots, sizeof *table.slots), slots};
    uint32_t *indices = cm_large_calloc(n, 5 * sizeof *indices + 2 * sizeof(bool));
    if (!table.slots || !indices) {
        cm_large_free(table.slots);
        cm_large_free(indices);
        return false;
    }
    bool *flags = (bool *)(indices + 5 * n);
    chain_state c = {s->xy, indices, indices + n, flags, flags + n, tolerance};
    uint32_t *work = indices + 2 * n;
    uint32_t *dropped = indices + 3 * n;
    uint32_t *stamp = indices + 4 * n;
    /* stamp doubles as slot_of until the rounds start. */
    uint32_t *slot_of = stamp;
    find_nodes(s, &table, slot_of);
    anchor_small_rings(s, &table, slot_of);
    for (size_t r = 0; r < s->ring_count; r++) {
        size_t start = s->ring_start[r], len = s->ring_start[r + 1] - start;
        for (size_t i = 0; i < len; i++) {
            size_t at = start + i;
            if (at + PREFETCH_AHEAD < n)
                prefetch(&table.slots[slot_of[at + PREFETCH_AHEAD]]);
            c.prev[at] = (uint32_t)(start + (i + len - 1) % len);
            c.next[at] = (uint32_t)(start + (i + 1) % len);
            c.fixed[at] = table.slots[slot_of[at]].node;
            work[at] = (uint32_t)at;
        }
    }
    memset(stamp, 0, n * sizeof *stamp);
    remove_rounds(&c, work, n, dropped, stamp);
    compact(s, c.removed);
    cm_large_free(table.slots);
    cm_large_free(indices);
    return true;
}
