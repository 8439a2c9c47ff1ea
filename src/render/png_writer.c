/* PNG encoding of a rendered page through libpng and zlib, the libraries cairo
 * itself uses. cairo_surface_write_to_png offers no say over compression, and its
 * default zlib level and its per-row filter search took longer on a 3300 × 2550
 * map than drawing it. A map is large flat areas of a few colours, which zlib's
 * level 2 without row filters compresses best of the settings measured
 * (bench/README.md); the deflating is then shared by two cores (below). */
#include <limits.h>
#include <png.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

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

/* ---- the image data, deflated in two parts at once ----------------------- */

/* Deflate is most of a PNG's encoding time (0.09 s for a letter page at 300 dpi)
 * and zlib runs it on one core. As pigz does, the rows are cut in two halves
 * deflated at once: the first half's stream (with zlib's header) ends on a byte
 * boundary without a final block (Z_SYNC_FLUSH), the second is raw deflate that
 * ends the data; one after the other, followed by the Adler-32 of the whole
 * (zlib's adler32_combine), they are one zlib stream, which libpng writes as
 * IDAT chunks. The cut depends on the pixels alone (balanced_split), so the
 * bytes never depend on whether a thread could be started. */

enum { PNG_LEVEL = 2, IDAT_CHUNK = 1 << 20 };

/* The one failure that is not the compressor's (told apart by its address). */
static const char no_memory[] = "out of memory";

typedef struct {
    const unsigned char *pixels; /* cairo RGB24 rows (or opaque ARGB32: the same bytes) */
    int width, stride, first_row, end_row;
    bool zlib_header;   /* the first part; the last has none and ends the stream */
    unsigned char *out; /* malloc'd */
    size_t out_length, out_capacity;
    uLong adler;         /* of this part's uncompressed bytes */
    const char *failure; /* NULL when the part is complete */
    z_stream z;
    bool z_started;     /* deflateInit2 succeeded: deflateEnd is due */
    unsigned char *row; /* one packed scanline, malloc'd */
} deflate_part;

/* One scanline as PNG wants it: filter byte 0 (none), then R, G, B. */
static void pack_row(const unsigned char *pixels, int width, unsigned char *row)
{
    const uint32_t *in = (const uint32_t *)pixels;
    row[0] = 0;
    unsigned char *rgb = row + 1;
    for (int x = 0; x < width; x++) {
        uint32_t p = in[x];
        rgb[3 * x] = (unsigned char)(p >> 16);
        rgb[3 * x + 1] = (unsigned char)(p >> 8);
        rgb[3 * x + 2] = (unsigned char)p;
    }
}

/* Gives zlib room to write: the rest of the buffer, doubled when full (zlib counts
 * room in uInt: a part is at most half of cairo's largest image, far below). */
static bool make_room(z_stream *z, deflate_part *part)
{
    part->out_length = (size_t)(z->next_out - part->out);
    if (part->out_length == part->out_capacity) {
        unsigned char *grown = realloc(part->out, 2 * part->out_capacity);
        if (!grown)
            return false;
        part->out = grown;
        part->out_capacity *= 2;
    }
    size_t room = part->out_capacity - part->out_length;
    z->next_out = part->out + part->out_length;
    z->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
    return true;
}

/* Deflates the input given to z; with Z_SYNC_FLUSH, up to a byte boundary; with
 * Z_FINISH, to the end of the stream. NULL, or what went wrong. */
static const char *deflate_all(z_stream *z, deflate_part *part, int flush)
{
    for (;;) {
        if (z->avail_out == 0 && !make_room(z, part))
            return no_memory;
        int rc = deflate(z, flush);
        if (rc == Z_STREAM_END)
            return NULL;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return "the compressor failed";
        /* Done with this input (Z_FINISH is done only at Z_STREAM_END). */
        if (flush != Z_FINISH && z->avail_in == 0 && z->avail_out != 0)
            return NULL;
    }
}

/* Allocates the part's buffers and starts its compressor, in the calling thread:
 * from the heap this thread has used already, rather than from a fresh arena of
 * the helper thread's, whose pages would all be new to the kernel (the second
 * part took 7 ms longer than the first). */
static void start_part(deflate_part *part)
{
    part->row = malloc(1 + 3 * (size_t)part->width);
    part->out_capacity = (size_t)1 << 20;
    part->out = malloc(part->out_capacity);
    if (!part->row || !part->out) {
        part->failure = no_memory;
        return;
    }
    /* Window bits: 15 writes zlib's header (and keeps the Adler-32), -15 is raw. */
    if (deflateInit2(&part->z, PNG_LEVEL, Z_DEFLATED, part->zlib_header ? 15 : -15, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        part->failure = "the compressor could not start";
        return;
    }
    part->z_started = true;
    part->z.next_out = part->out;
    part->z.avail_out = (uInt)part->out_capacity;
}

/* Deflates a started part (start_part) and stops its compressor. */
static void *deflate_rows(void *arg)
{
    deflate_part *part = arg;
    size_t row_length = 1 + 3 * (size_t)part->width;
    z_stream *z = &part->z;
    part->adler = adler32(0L, Z_NULL, 0);
    for (int y = part->first_row; !part->failure && y < part->end_row; y++) {
        pack_row(part->pixels + (size_t)y * (size_t)part->stride, part->width, part->row);
        if (!part->zlib_header)
            part->adler = adler32(part->adler, part->row, (uInt)row_length);
        z->next_in = part->row;
        z->avail_in = (uInt)row_length;
        part->failure = deflate_all(z, part, Z_NO_FLUSH);
    }
    if (!part->failure)
        part->failure = deflate_all(z, part, part->zlib_header ? Z_SYNC_FLUSH : Z_FINISH);
    if (!part->failure) {
        part->out_length = (size_t)(z->next_out - part->out);
        if (part->zlib_header)
            part->adler = z->adler;
    }
    /* The first part is left unfinished on purpose: deflateEnd then reports
     * Z_DATA_ERROR, which says only that. */
    if (part->z_started)
        deflateEnd(z);
    part->z_started = false;
    free(part->row);
    part->row = NULL;
    return NULL;
}

static void write_idat(png_structp png, const unsigned char *data, size_t length)
{
    for (size_t at = 0; at < length; at += IDAT_CHUNK) {
        size_t part = length - at < IDAT_CHUNK ? length - at : IDAT_CHUNK;
        png_write_chunk(png, (png_const_bytep) "IDAT", data + at, part);
    }
}

/* Sampled rows between which the split is chosen (balanced_split). */
enum { SPLIT_SAMPLE = 8 };

/* The row that shares the deflating evenly: zlib's time follows what it has to
 * code, which the colour changes along the rows measure (a map's middle holds
 * most of them, its margins few), plus a little for every byte. Counted on every
 * eighth row; the cut depends on the pixels alone, and so do the bytes. */
static int balanced_split(const unsigned char *pixels, int width, int height, int stride)
{
    if (height < 2 * SPLIT_SAMPLE)
        return height / 2;
    size_t samples = (size_t)(height + SPLIT_SAMPLE - 1) / SPLIT_SAMPLE;
    size_t *cost = malloc(samples * sizeof *cost);
    if (!cost)
        return height / 2;
    size_t total = 0;
    for (size_t s = 0; s < samples; s++) {
        const uint32_t *row = (const uint32_t *)(pixels + s * SPLIT_SAMPLE * (size_t)stride);
        size_t changes = (size_t)width / 64;
        for (int x = 1; x < width; x++)
            changes += row[x] != row[x - 1];
        cost[s] = changes;
        total += changes;
    }
    size_t seen = 0, s = 0;
    while (s < samples && 2 * (seen + cost[s]) <= total)
        seen += cost[s++];
    free(cost);
    int split = (int)(s * SPLIT_SAMPLE);
    return split < 1 ? 1 : split > height - 1 ? height - 1 : split;
}

/* The two parts; NULL, or what went wrong. */
static const char *deflate_image(const unsigned char *pixels, int width, int height, int stride,
                                 deflate_part parts[2])
{
    int split = balanced_split(pixels, width, height, stride);
    parts[0] = (deflate_part){.pixels = pixels,
                              .width = width,
                              .stride = stride,
                              .first_row = 0,
                              .end_row = split,
                              .zlib_header = true};
    parts[1] = (deflate_part){.pixels = pixels,
                              .width = width,
                              .stride = stride,
                              .first_row = split,
                              .end_row = height,
                              .zlib_header = false};
    start_part(&parts[0]);
    start_part(&parts[1]);
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, deflate_rows, &parts[1]) == 0;
    deflate_rows(&parts[0]);
    if (threaded)
        pthread_join(thread, NULL);
    else
        deflate_rows(&parts[1]);
    if (parts[0].failure || parts[1].failure)
        return parts[0].failure ? parts[0].failure : parts[1].failure;
    /* The stream's end: the Adler-32 of all the rows, after the second part. */
    unsigned char *grown = realloc(parts[1].out, parts[1].out_length + 4);
    if (!grown)
        return no_memory;
    parts[1].out = grown;
    size_t second_length = (size_t)(height - split) * (1 + 3 * (size_t)width);
    png_save_uint_32(grown + parts[1].out_length,
                     adler32_combine(parts[0].adler, parts[1].adler, (z_off_t)second_length));
    parts[1].out_length += 4;
    return NULL;
}

static cm_status encode(cairo_surface_t *surface, FILE *file, png_failure *failure)
{
    int width = cairo_image_surface_get_width(surface);
    int height = cairo_image_surface_get_height(surface);
    deflate_part parts[2];
    const char *deflate_failure =
        deflate_image(cairo_image_surface_get_data(surface), width, height,
                      cairo_image_surface_get_stride(surface), parts);
    if (deflate_failure) {
        free(parts[0].out);
        free(parts[1].out);
        snprintf(failure->message, sizeof failure->message, "%s", deflate_failure);
        return deflate_failure == no_memory ? CM_ERR_NOMEM : CM_ERR_RENDER;
    }

    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, failure, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    cm_status st = CM_OK;
    if (!info) {
        snprintf(failure->message, sizeof failure->message, "out of memory");
        st = CM_ERR_NOMEM;
    } else if (setjmp(png_jmpbuf(png))) {
        st = CM_ERR_RENDER;
    } else {
        png_init_io(png, file);
        png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
        png_write_info(png, info);
        write_idat(png, parts[0].out, parts[0].out_length);
        write_idat(png, parts[1].out, parts[1].out_length);
        png_write_chunk(png, (png_const_bytep) "IEND", NULL, 0);
    }
    png_destroy_write_struct(&png, &info);
    free(parts[0].out);
    free(parts[1].out);
    return st;
}

cm_status cm_write_png_file(cairo_surface_t *surface, const char *path, cm_error *err)
{
    cairo_surface_flush(surface);
    cairo_format_t format = cairo_image_surface_get_format(surface);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS ||
        (format != CAIRO_FORMAT_RGB24 && format != CAIRO_FORMAT_ARGB32))
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
