/* Large buffers: zeroed, writable end to end, refused on overflow, released. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/large_buffer.h"
#include "test_support.h"

static void check_zeroed_and_writable(size_t count, size_t size)
{
    unsigned char *buffer = cm_large_calloc(count, size);
    ck_assert_ptr_nonnull(buffer);
    ck_assert_int_eq((uintptr_t)buffer % 16, 0); /* fit for any scalar and for pixels */
#if !defined(__SANITIZE_ADDRESS__)
    /* Mapped on a huge-page boundary (under AddressSanitizer: calloc). */
    if (count * size >= 2u * 1024 * 1024)
        ck_assert_int_eq((uintptr_t)buffer % (2u * 1024 * 1024), 0);
#endif
    size_t bytes = count * size;
    size_t step = bytes > 4096 ? 4093 : 1; /* every page, at shifting offsets */
    for (size_t i = 0; i < bytes; i += step)
        ck_assert_int_eq(buffer[i], 0);
    ck_assert_int_eq(buffer[bytes - 1], 0);
    for (size_t i = 0; i < bytes; i += step)
        buffer[i] = (unsigned char)(i * 7);
    buffer[bytes - 1] = 0x5A;
    for (size_t i = 0; i + 1 < bytes; i += step)
        ck_assert_int_eq(buffer[i], (unsigned char)(i * 7));
    ck_assert_int_eq(buffer[bytes - 1], 0x5A);
    cm_large_free(buffer);
}

START_TEST(small_and_large_buffers_are_zeroed)
{
    check_zeroed_and_writable(1, 1);
    check_zeroed_and_writable(1000, 8);
    /* A page image: 3300 x 2550 pixels of 4 bytes, far above a huge page. */
    check_zeroed_and_writable(2550, 3300 * 4);
}
END_TEST

START_TEST(overflowing_sizes_are_refused)
{
    ck_assert_ptr_null(cm_large_calloc(SIZE_MAX / 2, 4));
    ck_assert_ptr_null(cm_large_calloc(SIZE_MAX, SIZE_MAX));
    cm_large_free(NULL); /* nothing to release */
}
END_TEST

static Suite *large_buffer_suite(void)
{
    Suite *s = suite_create("large_buffer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, small_and_large_buffers_are_zeroed);
    tcase_add_test(tc, overflowing_sizes_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ts_run_suite(large_buffer_suite());
}
