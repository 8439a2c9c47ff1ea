/* The PNG writer, whose image data is deflated in two parts at once: each file is
 * read back twice, once chunk by chunk (CRCs, header, one zlib stream inflated by
 * zlib itself, which checks the Adler-32) and once through cairo's PNG reader. */
#include <cairo.h>
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "render/render_internal.h"
#include "test_support.h"

/* Flat areas (as on a map) on the left, noise on the right (stored blocks). */
static cairo_surface_t *make_image(int width, int height)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t noise = 12345;
    for (int y = 0; y < height; y++) {
        uint32_t *row = (uint32_t *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < width; x++) {
            noise = noise * 1103515245u + 12345u;
            row[x] = x < width / 2 ? 0x00204060u + (uint32_t)(y / 7) * 0x010203u
                                   : (noise >> 8) & 0x00FFFFFFu;
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

static uint32_t big_endian(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The rows as stored in the file (filter byte, then R, G, B), malloc'd. */
static unsigned char *inflate_png(const unsigned char *file, size_t size, int width, int height)
{
    static const unsigned char signature[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
    ck_assert_uint_ge(size, 8);
    ck_assert_mem_eq(file, signature, 8);
    unsigned char *idat = malloc(size);
    size_t idat_length = 0;
    bool ended = false;
    for (size_t at = 8; at < size;) {
        ck_assert(!ended); /* nothing after IEND */
        ck_assert_uint_ge(size - at, 12);
        uint32_t length = big_endian(file + at);
        ck_assert_uint_le(length, size - at - 12);
        const unsigned char *type = file + at + 4, *body = file + at + 8;
        uLong crc = crc32(crc32(0L, Z_NULL, 0), type, 4 + length);
        ck_assert_uint_eq(crc, big_endian(body + length));
        if (memcmp(type, "IHDR", 4) == 0) {
            ck_assert_uint_eq(length, 13);
            ck_assert_uint_eq(big_endian(body), (uint32_t)width);
            ck_assert_uint_eq(big_endian(body + 4), (uint32_t)height);
            ck_assert_uint_eq(body[8], 8); /* bit depth */
            ck_assert_uint_eq(body[9], 2); /* RGB */
        } else if (memcmp(type, "IDAT", 4) == 0) {
            memcpy(idat + idat_length, body, length);
            idat_length += length;
        } else if (memcmp(type, "IEND", 4) == 0) {
            ended = true;
        }
        at += 12 + (size_t)length;
    }
    ck_assert(ended);
    uLongf raw_length = (uLongf)height * (1 + 3 * (uLongf)width);
    unsigned char *raw = malloc(raw_length + 1);
    uLongf got = raw_length + 1;
    /* Z_OK only for one complete stream whose Adler-32 matches. */
    ck_assert_int_eq(uncompress(raw, &got, idat, idat_length), Z_OK);
    ck_assert_uint_eq(got, raw_length);
    free(idat);
    return raw;
}

/* Writes image to ts_temp_dir/name and reads the file back (malloc'd). */
static unsigned char *write_and_read(cairo_surface_t *image, const char *name, size_t *size)
{
    cm_error err = {0};
    ck_assert_msg(cm_write_png_file(image, ts_in_temp(name), &err) == CM_OK, "%s", err.message);
    unsigned char *file = (unsigned char *)ts_read_file(ts_in_temp(name), size);
    ck_assert_ptr_nonnull(file);
    return file;
}

static void check_round_trip(int width, int height)
{
    cairo_surface_t *image = make_image(width, height);
    size_t size = 0;
    unsigned char *file = write_and_read(image, "image.png", &size);
    char *path = ts_path_in(ts_temp_dir, "image.png");

    const unsigned char *pixels = cairo_image_surface_get_data(image);
    int stride = cairo_image_surface_get_stride(image);
    unsigned char *raw = inflate_png(file, size, width, height);
    cairo_surface_t *decoded = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_surface_status(decoded), CAIRO_STATUS_SUCCESS);
    const unsigned char *back = cairo_image_surface_get_data(decoded);
    int back_stride = cairo_image_surface_get_stride(decoded);
    /* Each row as the file should hold it, and as cairo should read it back. */
    size_t row_length = 1 + 3 * (size_t)width;
    unsigned char *expected = malloc(row_length);
    uint32_t *expected_back = malloc((size_t)width * sizeof *expected_back);
    for (int y = 0; y < height; y++) {
        const uint32_t *source = (const uint32_t *)(pixels + (size_t)y * (size_t)stride);
        expected[0] = 0; /* no row filter */
        for (int x = 0; x < width; x++) {
            expected[1 + 3 * x] = (unsigned char)(source[x] >> 16);
            expected[2 + 3 * x] = (unsigned char)(source[x] >> 8);
            expected[3 + 3 * x] = (unsigned char)source[x];
            expected_back[x] = source[x] | 0xFF000000u; /* opaque */
        }
        ck_assert_mem_eq(raw + (size_t)y * row_length, expected, row_length);
        ck_assert_mem_eq(back + (size_t)y * (size_t)back_stride, expected_back,
                         (size_t)width * sizeof *expected_back);
    }
    free(expected);
    free(expected_back);

    /* Same image, same bytes. */
    size_t again_size = 0;
    unsigned char *again = write_and_read(image, "again.png", &again_size);
    ck_assert_uint_eq(again_size, size);
    ck_assert_mem_eq(again, file, size);

    free(again);
    free(raw);
    free(file);
    free(path);
    cairo_surface_destroy(decoded);
    cairo_surface_destroy(image);
}

START_TEST(test_round_trip_sizes)
{
    /* One row (an empty first part), odd heights, a page-like width, and enough
     * noise (stored blocks) that each half outgrows its first megabyte of output
     * and is written as several IDAT chunks. */
    static const int sizes[][2] = {{1, 1},     {5, 1},      {3, 2},      {17, 5},
                                   {640, 481}, {3300, 161}, {1600, 1401}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_round_trip(sizes[i][0], sizes[i][1]);
}
END_TEST

/* The noisy image's halves each take more than one IDAT chunk. */
START_TEST(test_large_halves_span_several_chunks)
{
    cairo_surface_t *image = make_image(1600, 1401);
    size_t size = 0;
    unsigned char *file = write_and_read(image, "large.png", &size);
    int idat_chunks = 0;
    for (size_t at = 8; at + 12 <= size; at += 12 + (size_t)big_endian(file + at))
        idat_chunks += memcmp(file + at + 4, "IDAT", 4) == 0;
    ck_assert_int_ge(idat_chunks, 4);
    free(file);
    cairo_surface_destroy(image);
}
END_TEST

/* An image without rows is refused (libpng's header check), not written. */
START_TEST(test_empty_image_is_an_error)
{
    cairo_surface_t *image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 4, 0);
    cm_error err = {0};
    ck_assert_int_eq(cm_write_png_file(image, ts_in_temp("empty.png"), &err), CM_ERR_RENDER);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot write the PNG"));
    cairo_surface_destroy(image);
}
END_TEST

START_TEST(test_unwritable_path_is_an_error)
{
    cairo_surface_t *image = make_image(4, 4);
    cm_error err = {0};
    ck_assert_int_eq(cm_write_png_file(image, ts_in_temp("missing/dir/x.png"), &err), CM_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot write the PNG"));
    cairo_surface_destroy(image);
}
END_TEST

static Suite *png_writer_suite(void)
{
    Suite *s = suite_create("png_writer");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, ts_temp_setup, ts_temp_teardown);
    tcase_add_test(tc, test_round_trip_sizes);
    tcase_add_test(tc, test_large_halves_span_several_chunks);
    tcase_add_test(tc, test_empty_image_is_an_error);
    tcase_add_test(tc, test_unwritable_path_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return ts_run_suite(png_writer_suite());
}
