/* Checks whether this machine's cairo can draw with CAIRO_ANTIALIAS_FAST safely.
 *
 *   cc bench/cairo_fast_overflow.c $(pkg-config --cflags --libs cairo) -o /tmp/cairo-fast
 *   valgrind -q /tmp/cairo-fast
 *
 * cairo 1.16's 4 x 4 scan converter (used for CAIRO_ANTIALIAS_FAST) sizes its span
 * buffer for one span fewer than a row can produce when the coverage changes at every
 * pixel: valgrind reports an invalid write just past a heap block on Debian 12
 * (libcairo2 1.16.0-7). Later cairo allocates the extra span. covermap keeps cairo's
 * default antialiasing until the cairo it builds on passes this check (see
 * bench/README.md). Not part of the build or the tests. */
#include <cairo.h>
#include <stdio.h>

int main(void)
{
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 400, 20);
    cairo_t *cr = cairo_create(surface);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_FAST);
    /* A comb whose teeth are alternately a quarter and three quarters of a pixel wide,
     * slightly slanted (a rectilinear path would be drawn as boxes): the coverage of
     * every pixel of a row differs from its neighbour's. Wider than the converter's
     * 64 embedded spans, so the buffer is a heap block valgrind can watch. */
    for (int width = 70; width < 300; width += 37) {
        cairo_new_path(cr);
        cairo_move_to(cr, 0.0, 2.0);
        for (int i = 0; i < width; i++) {
            double tooth = (i % 2) ? 0.75 : 0.25;
            cairo_line_to(cr, i, 5.0);
            cairo_line_to(cr, i + tooth, 5.0);
            cairo_line_to(cr, i + tooth + 0.01, 2.0);
            cairo_line_to(cr, i + 1, 2.0);
        }
        cairo_close_path(cr);
        cairo_fill(cr);
    }
    cairo_status_t status = cairo_status(cr);
    printf("cairo %s: %s\n", cairo_version_string(), cairo_status_to_string(status));
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    return status == CAIRO_STATUS_SUCCESS ? 0 : 1;
}
