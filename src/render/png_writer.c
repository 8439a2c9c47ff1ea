/* PNG encoding of a rendered page through libpng, the library cairo itself uses.
 * cairo_surface_write_to_png offers no say over compression, and its default
 * zlib level and its per-row filter search took longer on a 3300 × 2550 map than
 * drawing it. A map is large flat areas of a few colours, which zlib's level 2
 * without row filters compresses best of the settings measured (bench/README.md):
 * 2.3 MB in 0.08 s where cairo wrote 3.0 MB in 0.29 s. */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "render_internal.h"

typedef struct {
    char message[200];
} png_failure;

static void on_png_error(png_structp png, png_const_charp message)
{
    png_failure *failure = png_get_error_ptr(png);
    snprintf(failure->message, sizeof failure->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message; /* warnings do not stop the write */
}

/* cairo's RGB24 pixels are native-endian 32-bit 0x00RRGGBB words. */
static bool host_is_little_endian(void)
{
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

static cm_status encode(cairo_surface_t *surface, FILE *file, png_failure *failure)
{
    int width = cairo_image_surface_get_width(surface);
    int height = cairo_image_surface_get_height(surface);
    int stride = cairo_image_surface_get_stride(surface);
    unsigned char *data = cairo_image_surface_get_data(surface);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, failure, on_png_error,
                                              on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(failure->message, sizeof failure->message, "out of memory");
        return CM_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return CM_ERR_RENDER;
    }
    png_init_io(png, file);
    png_set_compression_level(png, 2);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, info);
    /* Drop the unused byte of each 32-bit pixel, wherever the host puts it. */
    if (host_is_little_endian()) {
        png_set_bgr(png);
        png_set_filler(png, 0, PNG_FILLER_AFTER);
    } else {
        png_set_filler(png, 0, PNG_FILLER_BEFORE);
    }
    for (int y = 0; y < height; y++)
        png_write_row(png, data + (size_t)y * (size_t)stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return CM_OK;
}

cm_status cm_write_png_file(cairo_surface_t *surface, const char *path, cm_error *err)
{
    cairo_surface_flush(surface);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS ||
        cairo_image_surface_get_format(surface) != CAIRO_FORMAT_RGB24)
        return cm_error_set(err, CM_ERR_RENDER, "cannot encode the PNG: not an RGB image");
    FILE *file = fopen(path, "wb");
    if (!file) {
        cm_error_set(err, CM_ERR_IO, "cannot write the PNG");
        cm_error_set_file(err, path);
        return CM_ERR_IO;
    }
    png_failure failure = {""};
    cm_status st = encode(surface, file, &failure);
    if (fclose(file) != 0 && st == CM_OK) {
        st = CM_ERR_IO;
        snprintf(failure.message, sizeof failure.message, "the disk refused the last bytes");
    }
    if (st != CM_OK) {
        cm_error_set(err, st, "cannot write the PNG: %s", failure.message);
        cm_error_set_file(err, path);
    }
    return st;
}
