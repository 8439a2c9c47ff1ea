/* The sub-pixel simplification of page outlines: points within the tolerance go,
 * junctions stay, and a boundary shared by two territories stays identical on
 * both sides (no sliver can open between them). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/render_internal.h"
#include "core/large_buffer.h"
#include "test_support.h"

/* Builds shapes from rings given as point lists (one ring per feature). */
static void shapes_from(cm_page_shapes *s, const int32_t *const *rings, const size_t *counts,
                        size_t ring_count)
{
    memset(s, 0, sizeof *s);
    s->grid = 1.0;
    size_t total = 0;
    for (size_t r = 0; r < ring_count; r++)
        total += counts[r];
    s->xy = cm_large_calloc(2 * total, sizeof *s->xy); /* as cm_page_shapes_build's */
    s->ring_start = malloc((ring_count + 1) * sizeof *s->ring_start);
    s->feature_ring = malloc((ring_count + 1) * sizeof *s->feature_ring);
    ck_assert_ptr_nonnull(s->xy);
    size_t at = 0;
    for (size_t r = 0; r < ring_count; r++) {
        s->ring_start[r] = at;
        s->feature_ring[r] = r;
        memcpy(s->xy + 2 * at, rings[r], 2 * counts[r] * sizeof *s->xy);
        at += counts[r];
    }
    s->ring_start[ring_count] = at;
    s->feature_ring[ring_count] = ring_count;
    s->point_count = total;
    s->ring_count = ring_count;
    s->feature_count = ring_count;
}

static size_t ring_size(const cm_page_shapes *s, size_t r)
{
    return s->ring_start[r + 1] - s->ring_start[r];
}

static bool ring_has(const cm_page_shapes *s, size_t r, int32_t x, int32_t y)
{
    for (size_t i = s->ring_start[r]; i < s->ring_start[r + 1]; i++)
        if (s->xy[2 * i] == x && s->xy[2 * i + 1] == y)
            return true;
    return false;
}

/* The points of ring r strictly between (ax, ay) and (bx, by) going forward. */
static size_t chain_between(const cm_page_shapes *s, size_t r, int32_t ax, int32_t ay, int32_t bx,
                            int32_t by, int32_t *out)
{
    size_t n = ring_size(s, r), start = s->ring_start[r], from = n;
    for (size_t i = 0; i < n; i++)
        if (s->xy[2 * (start + i)] == ax && s->xy[2 * (start + i) + 1] == ay)
            from = i;
    ck_assert_uint_lt(from, n);
    size_t count = 0;
    for (size_t k = 1; k < n; k++) {
        const int32_t *p = s->xy + 2 * (start + (from + k) % n);
        if (p[0] == bx && p[1] == by)
            return count;
        out[2 * count] = p[0];
        out[2 * count + 1] = p[1];
        count++;
    }
    ck_abort_msg("end of chain not found");
    return 0;
}

/* Two squares side by side, the shared edge x = 100 wiggling by less than the
 * tolerance; a third square below both makes (0,100), (100,100), (200,100) nodes. */
START_TEST(test_shared_edge_stays_shared)
{
    /* Left square: down the shared edge from (100,0) to (100,100). */
    static const int32_t left[] = {0,   0,  100, 0,  101, 10, 100, 20, 99,  30, 100, 40,
                                   101, 50, 100, 60, 99,  70, 100, 80, 101, 90, 100, 100,
                                   50,  100, 0,   100};
    /* Right square: the same edge, the other way round. */
    static const int32_t right[] = {100, 0,   200, 0,   200, 100, 150, 100, 100, 100,
                                    101, 90,  100, 80,  99,  70,  100, 60,  101, 50,
                                    100, 40,  99,  30,  100, 20,  101, 10};
    static const int32_t below[] = {0, 100, 50, 100, 100, 100, 150, 100, 200, 100, 200, 200, 0, 200};
    const int32_t *rings[] = {left, right, below};
    size_t counts[] = {sizeof left / 8, sizeof right / 8, sizeof below / 8};
    cm_page_shapes s;
    shapes_from(&s, rings, counts, 3);
    ck_assert(cm_page_shapes_simplify(&s, 2.0));

    int32_t down[64], up[64];
    size_t n_down = chain_between(&s, 0, 100, 0, 100, 100, down);
    size_t n_up = chain_between(&s, 1, 100, 100, 100, 0, up);
    ck_assert_uint_eq(n_down, n_up);
    for (size_t i = 0; i < n_down; i++) {
        ck_assert_int_eq(down[2 * i], up[2 * (n_up - 1 - i)]);
        ck_assert_int_eq(down[2 * i + 1], up[2 * (n_up - 1 - i) + 1]);
    }
    /* The wiggle is within the tolerance: the edge becomes straight. */
    ck_assert_uint_eq(n_down, 0);
    /* Junctions are kept. */
    ck_assert(ring_has(&s, 0, 100, 0));
    ck_assert(ring_has(&s, 0, 100, 100));
    ck_assert(ring_has(&s, 1, 100, 100));
    ck_assert(ring_has(&s, 2, 100, 100));
    ck_assert(ring_has(&s, 0, 0, 0));
    cm_page_shapes_free(&s);
}
END_TEST

/* A point well off the chord survives; points within the tolerance go. */
START_TEST(test_tolerance_respected)
{
    static const int32_t ring[] = {0, 0, 50, 1, 100, 0, 100, 100, 50, 130, 0, 100};
    const int32_t *rings[] = {ring};
    size_t counts[] = {sizeof ring / 8};
    cm_page_shapes s;
    shapes_from(&s, rings, counts, 1);
    /* An island has no junctions: its ring is kept whole rather than guessed at. */
    ck_assert(cm_page_shapes_simplify(&s, 2.0));
    ck_assert_uint_eq(ring_size(&s, 0), 6);
    cm_page_shapes_free(&s);

    /* With neighbours pinning its corners, the same ring loses (50,1) only. */
    static const int32_t under[] = {0, 100, 100, 100, 100, 200, 0, 200};
    static const int32_t side[] = {100, 0, 200, 0, 200, 100, 100, 100};
    static const int32_t top[] = {0, 0, 0, -100, 100, -100, 100, 0};
    const int32_t *four[] = {ring, under, side, top};
    size_t four_counts[] = {6, 4, 4, 4};
    shapes_from(&s, four, four_counts, 4);
    ck_assert(cm_page_shapes_simplify(&s, 2.0));
    ck_assert(!ring_has(&s, 0, 50, 1));
    ck_assert(ring_has(&s, 0, 50, 130));
    ck_assert(ring_has(&s, 0, 0, 0) && ring_has(&s, 0, 100, 0) && ring_has(&s, 0, 100, 100) &&
              ring_has(&s, 0, 0, 100));
    cm_page_shapes_free(&s);
}
END_TEST

/* Random wiggly shared edges on a grid of cells: every shared chain comes out
 * identical from both sides, and each dropped point stays close to the result. */
START_TEST(test_random_lattice_has_no_slivers)
{
    enum { CELLS = 6, STEP = 60, WIGGLES = 9 };
    srand(7);
    /* Wiggles of the vertical edge between cell (c, r) and (c + 1, r), and of the
     * horizontal edge between (c, r) and (c, r + 1). */
    int32_t vertical[CELLS][CELLS][WIGGLES], horizontal[CELLS][CELLS][WIGGLES];
    for (int c = 0; c < CELLS; c++)
        for (int r = 0; r < CELLS; r++)
            for (int k = 0; k < WIGGLES; k++) {
                vertical[c][r][k] = rand() % 5 - 2;
                horizontal[c][r][k] = rand() % 5 - 2;
            }
    int32_t *rings[CELLS * CELLS];
    size_t counts[CELLS * CELLS];
    for (int c = 0; c < CELLS; c++)
        for (int r = 0; r < CELLS; r++) {
            int32_t *p = malloc(4 * (WIGGLES + 1) * 2 * sizeof *p);
            size_t n = 0;
            int32_t x0 = c * STEP, y0 = r * STEP, x1 = x0 + STEP, y1 = y0 + STEP;
            int spacing = STEP / (WIGGLES + 1);
            /* top edge, left to right: wiggles of horizontal[c][r - 1] */
            for (int k = 0; k <= WIGGLES; k++) {
                p[2 * n] = x0 + k * spacing;
                p[2 * n + 1] = y0 + (k && r ? horizontal[c][r - 1][k - 1] : 0);
                n++;
            }
            /* right edge, top to bottom: vertical[c][r] */
            for (int k = 0; k <= WIGGLES; k++) {
                p[2 * n] = x1 + (k && c < CELLS - 1 ? vertical[c][r][k - 1] : 0);
                p[2 * n + 1] = y0 + k * spacing;
                n++;
            }
            /* bottom edge, right to left: horizontal[c][r] */
            for (int k = 0; k <= WIGGLES; k++) {
                int j = WIGGLES + 1 - k;
                p[2 * n] = x0 + j * spacing;
                p[2 * n + 1] = y1 + (k && r < CELLS - 1 ? horizontal[c][r][j - 1] : 0);
                n++;
            }
            /* left edge, bottom to top: vertical[c - 1][r] */
            for (int k = 0; k <= WIGGLES; k++) {
                int j = WIGGLES + 1 - k;
                p[2 * n] = x0 + (k && c ? vertical[c - 1][r][j - 1] : 0);
                p[2 * n + 1] = y0 + j * spacing;
                n++;
            }
            rings[c * CELLS + r] = p;
            counts[c * CELLS + r] = n;
        }
    cm_page_shapes s;
    shapes_from(&s, (const int32_t *const *)rings, counts, CELLS * CELLS);
    size_t before = s.point_count;
    ck_assert(cm_page_shapes_simplify(&s, 1.5));
    ck_assert_uint_lt(s.point_count, before);
    /* Every vertical shared edge reads the same from both cells. */
    for (int c = 0; c + 1 < CELLS; c++)
        for (int r = 0; r < CELLS; r++) {
            int32_t a[128], b[128];
            int32_t x = (c + 1) * STEP, ya = r * STEP, yb = ya + STEP;
            size_t na = chain_between(&s, (size_t)(c * CELLS + r), x, ya, x, yb, a);
            size_t nb = chain_between(&s, (size_t)((c + 1) * CELLS + r), x, yb, x, ya, b);
            ck_assert_uint_eq(na, nb);
            for (size_t i = 0; i < na; i++) {
                ck_assert_int_eq(a[2 * i], b[2 * (nb - 1 - i)]);
                ck_assert_int_eq(a[2 * i + 1], b[2 * (nb - 1 - i) + 1]);
            }
        }
    cm_page_shapes_free(&s);
    for (int i = 0; i < CELLS * CELLS; i++)
        free(rings[i]);
}
END_TEST

/* An enclave and the hole around it have no junction at all: both keep every
 * point, so they still match. */
START_TEST(test_enclave_kept_whole)
{
    static const int32_t inner[] = {10, 10, 20, 11, 30, 10, 30, 30, 10, 30};
    static const int32_t hole[] = {10, 10, 10, 30, 30, 30, 30, 10, 20, 11};
    const int32_t *rings[] = {inner, hole};
    size_t counts[] = {5, 5};
    cm_page_shapes s;
    shapes_from(&s, rings, counts, 2);
    ck_assert(cm_page_shapes_simplify(&s, 5.0));
    ck_assert_uint_eq(ring_size(&s, 0), 5);
    ck_assert_uint_eq(ring_size(&s, 1), 5);
    cm_page_shapes_free(&s);
}
END_TEST

static int64_t twice_signed_area(const cm_page_shapes *s, size_t r)
{
    int64_t sum = 0;
    size_t start = s->ring_start[r], n = ring_size(s, r);
    for (size_t i = 0; i < n; i++) {
        const int32_t *a = s->xy + 2 * (start + i), *b = s->xy + 2 * (start + (i + 1) % n);
        sum += (int64_t)a[0] * b[1] - (int64_t)b[0] * a[1];
    }
    return sum;
}

/* A territory whose hole turns the same way as its outline (as some sources have
 * it) comes out with the hole turning the other way: under the nonzero rule the
 * hole is then outside, as under even-odd. */
START_TEST(test_rings_oriented)
{
    double outer[] = {0, 0, 100, 0, 100, 100, 0, 100, 0, 0};
    double hole[] = {40, 40, 60, 40, 60, 60, 40, 60, 40, 40};
    double island[] = {200, 0, 200, 50, 250, 50, 250, 0, 200, 0}; /* the other way round */
    cm_ring rings[] = {{outer, 5, true}, {hole, 5, false}};
    cm_ring island_ring[] = {{island, 5, true}};
    cm_feature features[2];
    memset(features, 0, sizeof features);
    features[0].rings = rings;
    features[0].ring_count = 2;
    features[1].rings = island_ring;
    features[1].ring_count = 1;
    cm_feature_set set;
    memset(&set, 0, sizeof set);
    set.items = features;
    set.count = 2;
    cm_layout layout;
    memset(&layout, 0, sizeof layout);
    layout.scale = 1;
    layout.map_y0 = 300;
    cm_page_shapes s;
    cm_error err;
    cm_error_clear(&err);
    ck_assert_int_eq(cm_page_shapes_build(&s, &set, &layout, 1.0, &err), CM_OK);
    ck_assert_uint_eq(s.ring_count, 3);
    int64_t exterior = twice_signed_area(&s, 0), inner = twice_signed_area(&s, 1),
            other = twice_signed_area(&s, 2);
    ck_assert(exterior != 0 && inner != 0 && other != 0);
    ck_assert((exterior > 0) != (inner > 0));
    ck_assert((exterior > 0) == (other > 0));
    cm_page_shapes_free(&s);
}
END_TEST

static Suite *simplify_suite(void)
{
    Suite *suite = suite_create("simplify");
    TCase *tc = tcase_create("simplify");
    tcase_add_test(tc, test_shared_edge_stays_shared);
    tcase_add_test(tc, test_tolerance_respected);
    tcase_add_test(tc, test_random_lattice_has_no_slivers);
    tcase_add_test(tc, test_enclave_kept_whole);
    tcase_add_test(tc, test_rings_oriented);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    return ts_run_suite(simplify_suite());
}
