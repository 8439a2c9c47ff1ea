/* Colour palettes for choropleths: ColorBrewer's published schemes (Cynthia
 * Brewer, colorbrewer2.org: sequential, diverging, qualitative, one list per
 * class count, never interpolated) and matplotlib's viridis and cividis.
 * Pure data, no drawing. */
#ifndef COVERMAP_PALETTE_H
#define COVERMAP_PALETTE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int r, g, b; /* 0-255 */
} cm_rgb;

typedef enum {
    CM_PALETTE_SEQUENTIAL,
    CM_PALETTE_DIVERGING,
    CM_PALETTE_QUALITATIVE
} cm_palette_kind;

/* Longest palette: viridis and cividis can be sampled at up to 256 points. */
#define CM_PALETTE_MAX_COLOURS 256

/* Names: the ColorBrewer names as published ("Blues", "YlOrRd", "RdBu", "Set2",
 * ...; matched without regard to case), "viridis", "cividis"; a "_r" suffix
 * reverses the order ("Blues_r": darkest first).
 *
 * Fills out_colours[0..k-1] with the published colours of the scheme for k
 * classes, lightest (or first) first. ColorBrewer publishes 3 to 9 classes for
 * sequential schemes, 3 to 11 for diverging ones and 3 to 8, 9 or 12 for the
 * qualitative ones; viridis and cividis take any k from 1 to 256 and are
 * sampled as matplotlib's colormaps[name].resampled(k) (k evenly spaced points
 * of the published 256-entry tables). Returns false (out untouched) for an
 * unknown name or a k the scheme does not publish. */
bool cm_palette_get(const char *name, int k, cm_rgb *out_colours);

/* As cm_palette_get, but for any 1 <= k <= the scheme's maximum: with k = 1 or
 * 2, ColorBrewer schemes (published from 3) give the 3-class list's middle
 * colour, or its two ends (the first two colours for qualitative schemes), as
 * maps need a colour even for one or two classes. */
bool cm_palette_get_for_classes(const char *name, int k, cm_rgb *out_colours);

/* ColorBrewer's colour-blind-safe rating for k classes ("blind" = 1 on
 * colorbrewer2.org; "maybe" counts as not safe). viridis and cividis are
 * safe for every k. False for unknown names or unpublished k (k = 1 or 2 use
 * the 3-class rating, as cm_palette_get_for_classes uses the 3-class colours). */
bool cm_palette_is_colorblind_safe(const char *name, int k);

/* The class counts a scheme publishes (1..256 for viridis/cividis) and its kind.
 * False for an unknown name. Either out pointer may be NULL. */
bool cm_palette_info(const char *name, int *min_k, int *max_k, cm_palette_kind *kind);

/* The built-in schemes, for listings and documentation: names 0..count-1. */
size_t cm_palette_count(void);
const char *cm_palette_name(size_t index);

/* "#rrggbb" (lower case) into out, which holds at least 8 bytes. */
void cm_rgb_format_hex(cm_rgb colour, char out[8]);

/* Reads "#rrggbb", "rrggbb" or "#rgb" (any case). False if malformed. */
bool cm_rgb_parse_hex(const char *text, cm_rgb *out);

#endif
