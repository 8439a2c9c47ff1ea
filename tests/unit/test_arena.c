/* The arena: aligned zeroed blocks that stay put, strings copied whole, blocks
 * larger than a chunk, and everything released at once (leaks show under LSan). */
#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "test_support.h"

START_TEST(blocks_are_aligned_zeroed_and_stay_put)
{
    cm_arena arena = {0};
    enum { COUNT = 50000 }; /* several chunks of 2 MiB */
    static unsigned char *blocks[COUNT];
    for (size_t i = 0; i < COUNT; i++) {
        size_t size = 1 + i % 97;
        blocks[i] = cm_arena_alloc(&arena, size);
        ck_assert_ptr_nonnull(blocks[i]);
        ck_assert_int_eq((uintptr_t)blocks[i] % alignof(max_align_t), 0);
        for (size_t j = 0; j < size; j++)
            ck_assert_int_eq(blocks[i][j], 0);
        memset(blocks[i], (int)(i & 0xFF), size);
    }
    /* Later blocks never overlap earlier ones. */
    for (size_t i = 0; i < COUNT; i++)
        for (size_t j = 0; j < 1 + i % 97; j++)
            ck_assert_int_eq(blocks[i][j], (unsigned char)(i & 0xFF));
    cm_arena_free(&arena);
    ck_assert_ptr_null(arena.chunks);
    cm_arena_free(&arena); /* an empty arena frees nothing */
}
END_TEST

START_TEST(large_blocks_get_their_own_chunk)
{
    cm_arena arena = {0};
    char *small = cm_arena_alloc(&arena, 10);
    size_t big_size = 5u * 1024 * 1024;
    unsigned char *big = cm_arena_alloc(&arena, big_size);
    ck_assert_ptr_nonnull(small);
    ck_assert_ptr_nonnull(big);
    ck_assert_int_eq(big[0], 0);
    ck_assert_int_eq(big[big_size - 1], 0);
    memset(big, 0xAB, big_size);
    /* The small block's chunk keeps its room: the next small block follows it. */
    char *next = cm_arena_alloc(&arena, 10);
    ck_assert_ptr_eq(next, small + alignof(max_align_t));
    ck_assert_ptr_null(cm_arena_alloc(&arena, SIZE_MAX - 8)); /* refused, not wrapped */
    cm_arena_free(&arena);
}
END_TEST

START_TEST(strings_are_copied)
{
    cm_arena arena = {0};
    ck_assert_ptr_null(cm_arena_strdup(&arena, NULL));
    char *copy = cm_arena_strdup(&arena, "Côte-des-Neiges");
    ck_assert_str_eq(copy, "Côte-des-Neiges");
    char *empty = cm_arena_strdup(&arena, "");
    ck_assert_str_eq(empty, "");
    ck_assert_ptr_ne(copy, empty);
    cm_arena_free(&arena);
}
END_TEST

static Suite *arena_suite(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, blocks_are_aligned_zeroed_and_stay_put);
    tcase_add_test(tc, large_blocks_get_their_own_chunk);
    tcase_add_test(tc, strings_are_copied);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ts_run_suite(arena_suite());
}
