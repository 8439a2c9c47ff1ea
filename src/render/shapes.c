/* Territory outlines in page space, computed once per map: snapped to a grid
 * finer than a PNG pixel (shared edges snap alike on both sides), with repeated
 * points dropped. Boundaries are then stroked once per shared edge, in batches,
 * so that neither time nor cairo's memory grows with twice the vertex count. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/large_buffer.h"
#include "render_internal.h"

typedef struct {
    int32_t ax, ay, bx, by;
} edge_key;

/* s->xy has room for every source point (cm_page_shapes_build): snapping only
 * drops points. */
static void push_point(cm_page_shapes *s, int32_t x, int32_t y)
{
    s->xy[2 * s->point_count] = x;
    s->xy[2 * s->point_count + 1] = y;
    s->point_count++;
}

static bool push_ring(cm_page_shapes *s, size_t start, size_t length, size_t *capacity)
{
    if (s->ring_count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 1024;
        size_t *starts = realloc(s->ring_start, (grown + 1) * sizeof *starts);
        if (!starts)
            return false;
        s->ring_start = starts;
        *capacity = grown;
    }
    (void)length;
    s->ring_start[s->ring_count++] = start;
    s->ring_start[s->ring_count] = start + length;
    return true;
}

/* Exterior rings one way round, holes the other (whatever the source did), so that
 * a path of several territories encloses the same area under the nonzero rule as
 * under even-odd: cairo's SVG clip paths carry no rule of their own. */
static void orient_ring(int32_t *xy, size_t n, bool exterior)
{
    int64_t twice_area = 0;
    for (size_t i = 0; i < n; i++) {
        const int32_t *a = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
        twice_area += (int64_t)a[0] * b[1] - (int64_t)b[0] * a[1];
    }
    if ((twice_area > 0) == exterior || twice_area == 0)
        return;
    for (size_t i = 0, j = n - 1; i < j; i++, j--) {
        int32_t x = xy[2 * i], y = xy[2 * i + 1];
        xy[2 * i] = xy[2 * j];
        xy[2 * i + 1] = xy[2 * j + 1];
        xy[2 * j] = x;
        xy[2 * j + 1] = y;
    }
}

/* Adds one ring, snapped; a ring that collapses to fewer than 3 points is dropped
 * (it is smaller than the grid and would not show). */
static bool add_ring(cm_page_shapes *s, const cm_layout *layout, const cm_ring *ring,
                     size_t *ring_capacity)
{
    size_t start = s->point_count;
    for (size_t i = 0; i < ring->count; i++) {
        double px, py;
        cm_map_to_page(layout, ring->xy[2 * i], ring->xy[2 * i + 1], &px, &py);
        int32_t x = (int32_t)lround(px / s->grid), y = (int32_t)lround(py / s->grid);
        size_t n = s->point_count - start;
        if (n && s->xy[2 * (s->point_count - 1)] == x && s->xy[2 * (s->point_count - 1) + 1] == y)
            continue;
        push_point(s, x, y);
    }
    size_t n = s->point_count - start;
    /* The ring closes itself: drop a last point equal to the first. */
    if (n > 1 && s->xy[2 * start] == s->xy[2 * (s->point_count - 1)] &&
        s->xy[2 * start + 1] == s->xy[2 * (s->point_count - 1) + 1]) {
        s->point_count--;
        n--;
    }
    if (n < 3) {
        s->point_count = start;
        return true;
    }
    orient_ring(s->xy + 2 * start, n, ring->exterior);
    return push_ring(s, start, n, ring_capacity);
}

cm_status cm_page_shapes_build(cm_page_shapes *s, const cm_feature_set *set,
                               const cm_layout *layout, double grid, cm_error *err)
{
    memset(s, 0, sizeof *s);
    s->grid = grid;
    s->feature_count = set->count;
    s->feature_ring = malloc((set->count + 1) * sizeof *s->feature_ring);
    /* Room for every point at once, in a large buffer: grown by doubling, the
     * points were copied into fresh memory again and again (9 MB of it at 20 000
     * territories for a 5.6 MB result). */
    size_t source_points = 0;
    for (size_t i = 0; i < set->count; i++)
        for (size_t r = 0; r < set->items[i].ring_count; r++)
            source_points += set->items[i].rings[r].count;
    s->xy = cm_large_calloc(source_points ? source_points : 1, 2 * sizeof *s->xy);
    size_t ring_capacity = 0;
    bool ok = s->feature_ring != NULL && s->xy != NULL;
    for (size_t i = 0; ok && i < set->count; i++) {
        s->feature_ring[i] = s->ring_count;
        const cm_feature *f = &set->items[i];
        for (size_t r = 0; ok && r < f->ring_count; r++)
            ok = add_ring(s, layout, &f->rings[r], &ring_capacity);
    }
    if (ok)
        s->feature_ring[set->count] = s->ring_count;
    /* Within one grid step (half a pixel) of the chord, a vertex changes nothing
     * the eye sees; at province scale that is two vertices in three. */
    if (ok)
        ok = cm_page_shapes_simplify(s, 1.0);
    if (!ok) {
        cm_page_shapes_free(s);
        return cm_error_set(err, CM_ERR_NOMEM, "out of memory preparing the map outlines");
    }
    return CM_OK;
}

void cm_page_shapes_free(cm_page_shapes *s)
{
    cm_large_free(s->xy);
    free(s->ring_start);
    free(s->feature_ring);
    memset(s, 0, sizeof *s);
}

void cm_shape_path(cairo_t *cr, const cm_page_shapes *s, size_t feature)
{
    for (size_t r = s->feature_ring[feature]; r < s->feature_ring[feature + 1]; r++) {
        const int32_t *p = s->xy + 2 * s->ring_start[r];
        size_t n = s->ring_start[r + 1] - s->ring_start[r];
        cairo_move_to(cr, p[0] * s->grid, p[1] * s->grid);
        for (size_t i = 1; i < n; i++)
            cairo_line_to(cr, p[2 * i] * s->grid, p[2 * i + 1] * s->grid);
        cairo_close_path(cr);
    }
}

/* ---- boundaries: each shared edge once ------------------------------------ */

typedef struct {
    edge_key *slots;
    size_t mask;
} edge_set;

static const int32_t empty_slot = INT32_MIN;

static uint64_t edge_hash(const edge_key *k)
{
    uint64_t h = (uint64_t)(uint32_t)k->ax * 0x9E3779B97F4A7C15ULL;
    h ^= (uint64_t)(uint32_t)k->ay + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)k->bx * 0xC2B2AE3D27D4EB4FULL + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)k->by + 0x165667B19E3779F9ULL + (h << 6) + (h >> 2);
    h ^= h >> 31;
    return h * 0xD6E8FEB86659FD93ULL;
}

/* True when the edge was not there yet (and is now). */
static bool edge_set_add(edge_set *set, edge_key key)
{
    for (size_t i = edge_hash(&key) & set->mask;; i = (i + 1) & set->mask) {
        edge_key *slot = &set->slots[i];
        if (slot->ax == empty_slot) {
            *slot = key;
            return true;
        }
        if (slot->ax == key.ax && slot->ay == key.ay && slot->bx == key.bx && slot->by == key.by)
            return false;
    }
}

static edge_key make_edge(const int32_t *a, const int32_t *b)
{
    bool a_first = a[0] < b[0] || (a[0] == b[0] && a[1] <= b[1]);
    const int32_t *lo = a_first ? a : b, *hi = a_first ? b : a;
    return (edge_key){lo[0], lo[1], hi[0], hi[1]};
}

/* Points per cairo operation. On a raster surface, strokes in small batches keep
 * cairo's stroker and scan converter on a small area (256 points measured fastest
 * among 64 to 4 096) while fills go faster in larger ones; SVG and PDF surfaces
 * only record paths, and fewer, longer paths make smaller files. */
static size_t batch_limit(cairo_t *cr, bool stroke)
{
    if (cairo_surface_get_type(cairo_get_target(cr)) != CAIRO_SURFACE_TYPE_IMAGE)
        return 65536;
    return stroke ? 256 : 4096;
}

static size_t selected_points(const cm_page_shapes *s, const bool *selected)
{
    if (!selected)
        return s->point_count;
    size_t count = 0;
    for (size_t f = 0; f < s->feature_count; f++)
        if (selected[f])
            count += s->ring_start[s->feature_ring[f + 1]] - s->ring_start[s->feature_ring[f]];
    return count;
}

/* Strokes the rings of one feature, skipping edges already stroked. */
static void stroke_new_edges(cairo_t *cr, const cm_page_shapes *s, size_t f, edge_set *set,
                             size_t limit, size_t *batch)
{
    for (size_t r = s->feature_ring[f]; r < s->feature_ring[f + 1]; r++) {
        const int32_t *p = s->xy + 2 * s->ring_start[r];
        size_t n = s->ring_start[r + 1] - s->ring_start[r];
        const int32_t *pen = NULL;
        for (size_t i = 0; i < n; i++) {
            const int32_t *a = p + 2 * i, *b = p + 2 * ((i + 1) % n);
            if (!edge_set_add(set, make_edge(a, b))) {
                pen = NULL;
                continue;
            }
            if (pen != a)
                cairo_move_to(cr, a[0] * s->grid, a[1] * s->grid);
            cairo_line_to(cr, b[0] * s->grid, b[1] * s->grid);
            pen = b;
            if (++*batch == limit) {
                cairo_stroke(cr);
                *batch = 0;
                pen = NULL;
            }
        }
    }
}

void cm_shapes_stroke_boundaries(cairo_t *cr, const cm_page_shapes *s, const bool *selected)
{
    size_t slots = 16;
    while (slots < 2 * selected_points(s, selected) + 16)
        slots *= 2;
    edge_set set = {cm_large_calloc(slots, sizeof *set.slots), slots - 1};
    if (!set.slots) {
        /* No memory for the set: stroke every ring (shared edges twice). */
        for (size_t f = 0; f < s->feature_count; f++) {
            if (selected && !selected[f])
                continue;
            cm_shape_path(cr, s, f);
            cairo_stroke(cr);
        }
        return;
    }
    for (size_t i = 0; i < slots; i++)
        set.slots[i].ax = empty_slot;
    size_t batch = 0, limit = batch_limit(cr, true);
    cairo_new_path(cr);
    for (size_t f = 0; f < s->feature_count; f++)
        if (!selected || selected[f])
            stroke_new_edges(cr, s, f, &set, limit, &batch);
    if (batch)
        cairo_stroke(cr);
    cairo_new_path(cr);
    cm_large_free(set.slots);
}

static void fill_batch(cairo_t *cr, const cm_color *outline)
{
    if (!outline) {
        cairo_fill(cr);
        return;
    }
    cairo_pattern_t *fill = cairo_pattern_reference(cairo_get_source(cr));
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, outline->r, outline->g, outline->b);
    cairo_stroke(cr);
    cairo_set_source(cr, fill);
    cairo_pattern_destroy(fill);
}

/* Paths of many features, a few thousand points per cairo operation. */
void cm_shapes_fill_features(cairo_t *cr, const cm_page_shapes *s, const bool *selected,
                             const cm_color *outline)
{
    size_t batch = 0, limit = batch_limit(cr, false);
    cairo_new_path(cr);
    for (size_t f = 0; f < s->feature_count; f++) {
        if (!selected[f])
            continue;
        cm_shape_path(cr, s, f);
        batch += s->ring_start[s->feature_ring[f + 1]] - s->ring_start[s->feature_ring[f]];
        if (batch >= limit) {
            fill_batch(cr, outline);
            batch = 0;
        }
    }
    if (batch)
        fill_batch(cr, outline);
    cairo_new_path(cr);
}

void cm_balanced_rows(const cm_page_shapes *s, double scale, int height, int count, int *rows)
{
    /* Fills, boundaries and outlines cost in proportion to the points they draw. */
    for (int band = 0; band <= count; band++)
        rows[band] = (int)((long long)height * band / count);
    size_t *per_row = height > 0 ? calloc((size_t)height, sizeof *per_row) : NULL;
    if (!per_row || s->point_count == 0 || height < count) {
        free(per_row);
        return;
    }
    for (size_t i = 0; i < s->point_count; i++) {
        double y = s->xy[2 * i + 1] * s->grid * scale;
        int row = y <= 0 ? 0 : y >= height - 1 ? height - 1 : (int)y;
        per_row[row]++;
    }
    size_t seen = 0;
    int band = 1;
    for (int row = 0; row < height && band < count; row++) {
        seen += per_row[row];
        while (band < count && (size_t)count * seen >= (size_t)band * s->point_count)
            rows[band++] = row + 1;
    }
    free(per_row);
    /* Every band at least one row high, in order. */
    for (band = 1; band < count; band++) {
        int lowest = rows[band - 1] + 1, highest = height - (count - band);
        rows[band] = rows[band] < lowest ? lowest : rows[band] > highest ? highest : rows[band];
    }
}
