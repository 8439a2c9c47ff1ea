/* Colour palettes: ColorBrewer's published schemes and matplotlib's viridis and
 * cividis (see palette.h).
 *
 * This product includes color specifications and designs developed by Cynthia
 * Brewer (http://colorbrewer.org/), under the Apache License, Version 2.0. The
 * colours below are ColorBrewer's published lists, one per class count; the
 * colour-blind flags are its "blind" ratings. viridis and cividis are the
 * 256-entry tables of matplotlib (CC0), each channel rounded to 0-255 as
 * matplotlib.colors.to_hex does. */
#include "covermap/palette.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *name;
    cm_palette_kind kind;
    int min_k, max_k;
    int safe_up_to;        /* colour-blind safe ("blind" = 1) for k <= this; 0: never */
    const char *lists[10]; /* lists[k - min_k]: k colours, "rrggbb rrggbb ..." */
} brewer_scheme;

static const brewer_scheme brewer_schemes[] = {
    /* sequential */
    {"Blues",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"deebf7 9ecae1 3182bd", "eff3ff bdd7e7 6baed6 2171b5", "eff3ff bdd7e7 6baed6 3182bd 08519c",
      "eff3ff c6dbef 9ecae1 6baed6 3182bd 08519c",
      "eff3ff c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
      "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
      "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 08519c 08306b"}},
    {"BuGn",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"e5f5f9 99d8c9 2ca25f", "edf8fb b2e2e2 66c2a4 238b45", "edf8fb b2e2e2 66c2a4 2ca25f 006d2c",
      "edf8fb ccece6 99d8c9 66c2a4 2ca25f 006d2c",
      "edf8fb ccece6 99d8c9 66c2a4 41ae76 238b45 005824",
      "f7fcfd e5f5f9 ccece6 99d8c9 66c2a4 41ae76 238b45 005824",
      "f7fcfd e5f5f9 ccece6 99d8c9 66c2a4 41ae76 238b45 006d2c 00441b"}},
    {"BuPu",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"e0ecf4 9ebcda 8856a7", "edf8fb b3cde3 8c96c6 88419d", "edf8fb b3cde3 8c96c6 8856a7 810f7c",
      "edf8fb bfd3e6 9ebcda 8c96c6 8856a7 810f7c",
      "edf8fb bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 6e016b",
      "f7fcfd e0ecf4 bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 6e016b",
      "f7fcfd e0ecf4 bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 810f7c 4d004b"}},
    {"GnBu",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"e0f3db a8ddb5 43a2ca", "f0f9e8 bae4bc 7bccc4 2b8cbe", "f0f9e8 bae4bc 7bccc4 43a2ca 0868ac",
      "f0f9e8 ccebc5 a8ddb5 7bccc4 43a2ca 0868ac",
      "f0f9e8 ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 08589e",
      "f7fcf0 e0f3db ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 08589e",
      "f7fcf0 e0f3db ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 0868ac 084081"}},
    {"Greens",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"e5f5e0 a1d99b 31a354", "edf8e9 bae4b3 74c476 238b45", "edf8e9 bae4b3 74c476 31a354 006d2c",
      "edf8e9 c7e9c0 a1d99b 74c476 31a354 006d2c",
      "edf8e9 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
      "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
      "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 006d2c 00441b"}},
    {"Greys",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"f0f0f0 bdbdbd 636363", "f7f7f7 cccccc 969696 525252", "f7f7f7 cccccc 969696 636363 252525",
      "f7f7f7 d9d9d9 bdbdbd 969696 636363 252525",
      "f7f7f7 d9d9d9 bdbdbd 969696 737373 525252 252525",
      "ffffff f0f0f0 d9d9d9 bdbdbd 969696 737373 525252 252525",
      "ffffff f0f0f0 d9d9d9 bdbdbd 969696 737373 525252 252525 000000"}},
    {"OrRd",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"fee8c8 fdbb84 e34a33", "fef0d9 fdcc8a fc8d59 d7301f", "fef0d9 fdcc8a fc8d59 e34a33 b30000",
      "fef0d9 fdd49e fdbb84 fc8d59 e34a33 b30000",
      "fef0d9 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000",
      "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000",
      "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f b30000 7f0000"}},
    {"Oranges",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"fee6ce fdae6b e6550d", "feedde fdbe85 fd8d3c d94701", "feedde fdbe85 fd8d3c e6550d a63603",
      "feedde fdd0a2 fdae6b fd8d3c e6550d a63603",
      "feedde fdd0a2 fdae6b fd8d3c f16913 d94801 8c2d04",
      "fff5eb fee6ce fdd0a2 fdae6b fd8d3c f16913 d94801 8c2d04",
      "fff5eb fee6ce fdd0a2 fdae6b fd8d3c f16913 d94801 a63603 7f2704"}},
    {"PuBu",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"ece7f2 a6bddb 2b8cbe", "f1eef6 bdc9e1 74a9cf 0570b0", "f1eef6 bdc9e1 74a9cf 2b8cbe 045a8d",
      "f1eef6 d0d1e6 a6bddb 74a9cf 2b8cbe 045a8d",
      "f1eef6 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b",
      "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b",
      "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 045a8d 023858"}},
    {"PuBuGn",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"ece2f0 a6bddb 1c9099", "f6eff7 bdc9e1 67a9cf 02818a", "f6eff7 bdc9e1 67a9cf 1c9099 016c59",
      "f6eff7 d0d1e6 a6bddb 67a9cf 1c9099 016c59",
      "f6eff7 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016450",
      "fff7fb ece2f0 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016450",
      "fff7fb ece2f0 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016c59 014636"}},
    {"PuRd",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"e7e1ef c994c7 dd1c77", "f1eef6 d7b5d8 df65b0 ce1256", "f1eef6 d7b5d8 df65b0 dd1c77 980043",
      "f1eef6 d4b9da c994c7 df65b0 dd1c77 980043",
      "f1eef6 d4b9da c994c7 df65b0 e7298a ce1256 91003f",
      "f7f4f9 e7e1ef d4b9da c994c7 df65b0 e7298a ce1256 91003f",
      "f7f4f9 e7e1ef d4b9da c994c7 df65b0 e7298a ce1256 980043 67001f"}},
    {"Purples",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"efedf5 bcbddc 756bb1", "f2f0f7 cbc9e2 9e9ac8 6a51a3", "f2f0f7 cbc9e2 9e9ac8 756bb1 54278f",
      "f2f0f7 dadaeb bcbddc 9e9ac8 756bb1 54278f",
      "f2f0f7 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
      "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
      "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 54278f 3f007d"}},
    {"RdPu",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"fde0dd fa9fb5 c51b8a", "feebe2 fbb4b9 f768a1 ae017e", "feebe2 fbb4b9 f768a1 c51b8a 7a0177",
      "feebe2 fcc5c0 fa9fb5 f768a1 c51b8a 7a0177",
      "feebe2 fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177",
      "fff7f3 fde0dd fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177",
      "fff7f3 fde0dd fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177 49006a"}},
    {"Reds",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"fee0d2 fc9272 de2d26", "fee5d9 fcae91 fb6a4a cb181d", "fee5d9 fcae91 fb6a4a de2d26 a50f15",
      "fee5d9 fcbba1 fc9272 fb6a4a de2d26 a50f15",
      "fee5d9 fcbba1 fc9272 fb6a4a ef3b2c cb181d 99000d",
      "fff5f0 fee0d2 fcbba1 fc9272 fb6a4a ef3b2c cb181d 99000d",
      "fff5f0 fee0d2 fcbba1 fc9272 fb6a4a ef3b2c cb181d a50f15 67000d"}},
    {"YlGn",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"f7fcb9 addd8e 31a354", "ffffcc c2e699 78c679 238443", "ffffcc c2e699 78c679 31a354 006837",
      "ffffcc d9f0a3 addd8e 78c679 31a354 006837",
      "ffffcc d9f0a3 addd8e 78c679 41ab5d 238443 005a32",
      "ffffe5 f7fcb9 d9f0a3 addd8e 78c679 41ab5d 238443 005a32",
      "ffffe5 f7fcb9 d9f0a3 addd8e 78c679 41ab5d 238443 006837 004529"}},
    {"YlGnBu",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"edf8b1 7fcdbb 2c7fb8", "ffffcc a1dab4 41b6c4 225ea8", "ffffcc a1dab4 41b6c4 2c7fb8 253494",
      "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494",
      "ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
      "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
      "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58"}},
    {"YlOrBr",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"fff7bc fec44f d95f0e", "ffffd4 fed98e fe9929 cc4c02", "ffffd4 fed98e fe9929 d95f0e 993404",
      "ffffd4 fee391 fec44f fe9929 d95f0e 993404",
      "ffffd4 fee391 fec44f fe9929 ec7014 cc4c02 8c2d04",
      "ffffe5 fff7bc fee391 fec44f fe9929 ec7014 cc4c02 8c2d04",
      "ffffe5 fff7bc fee391 fec44f fe9929 ec7014 cc4c02 993404 662506"}},
    {"YlOrRd",
     CM_PALETTE_SEQUENTIAL,
     3,
     9,
     9,
     {"ffeda0 feb24c f03b20", "ffffb2 fecc5c fd8d3c e31a1c", "ffffb2 fecc5c fd8d3c f03b20 bd0026",
      "ffffb2 fed976 feb24c fd8d3c f03b20 bd0026",
      "ffffb2 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
      "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
      "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c bd0026 800026"}},
    /* diverging */
    {"BrBG",
     CM_PALETTE_DIVERGING,
     3,
     11,
     11,
     {"d8b365 f5f5f5 5ab4ac", "a6611a dfc27d 80cdc1 018571", "a6611a dfc27d f5f5f5 80cdc1 018571",
      "8c510a d8b365 f6e8c3 c7eae5 5ab4ac 01665e",
      "8c510a d8b365 f6e8c3 f5f5f5 c7eae5 5ab4ac 01665e",
      "8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e",
      "8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e",
      "543005 8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e 003c30",
      "543005 8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e 003c30"}},
    {"PiYG",
     CM_PALETTE_DIVERGING,
     3,
     11,
     11,
     {"e9a3c9 f7f7f7 a1d76a", "d01c8b f1b6da b8e186 4dac26", "d01c8b f1b6da f7f7f7 b8e186 4dac26",
      "c51b7d e9a3c9 fde0ef e6f5d0 a1d76a 4d9221",
      "c51b7d e9a3c9 fde0ef f7f7f7 e6f5d0 a1d76a 4d9221",
      "c51b7d de77ae f1b6da fde0ef e6f5d0 b8e186 7fbc41 4d9221",
      "c51b7d de77ae f1b6da fde0ef f7f7f7 e6f5d0 b8e186 7fbc41 4d9221",
      "8e0152 c51b7d de77ae f1b6da fde0ef e6f5d0 b8e186 7fbc41 4d9221 276419",
      "8e0152 c51b7d de77ae f1b6da fde0ef f7f7f7 e6f5d0 b8e186 7fbc41 4d9221 276419"}},
    {"PRGn",
     CM_PALETTE_DIVERGING,
     3,
     11,
     11,
     {"af8dc3 f7f7f7 7fbf7b", "7b3294 c2a5cf a6dba0 008837", "7b3294 c2a5cf f7f7f7 a6dba0 008837",
      "762a83 af8dc3 e7d4e8 d9f0d3 7fbf7b 1b7837",
      "762a83 af8dc3 e7d4e8 f7f7f7 d9f0d3 7fbf7b 1b7837",
      "762a83 9970ab c2a5cf e7d4e8 d9f0d3 a6dba0 5aae61 1b7837",
      "762a83 9970ab c2a5cf e7d4e8 f7f7f7 d9f0d3 a6dba0 5aae61 1b7837",
      "40004b 762a83 9970ab c2a5cf e7d4e8 d9f0d3 a6dba0 5aae61 1b7837 00441b",
      "40004b 762a83 9970ab c2a5cf e7d4e8 f7f7f7 d9f0d3 a6dba0 5aae61 1b7837 00441b"}},
    {"PuOr",
     CM_PALETTE_DIVERGING,
     3,
     11,
     11,
     {"f1a340 f7f7f7 998ec3", "e66101 fdb863 b2abd2 5e3c99", "e66101 fdb863 f7f7f7 b2abd2 5e3c99",
      "b35806 f1a340 fee0b6 d8daeb 998ec3 542788",
      "b35806 f1a340 fee0b6 f7f7f7 d8daeb 998ec3 542788",
      "b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788",
      "b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788",
      "7f3b08 b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788 2d004b",
      "7f3b08 b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788 2d004b"}},
    {"RdBu",
     CM_PALETTE_DIVERGING,
     3,
     11,
     11,
     {"ef8a62 f7f7f7 67a9cf", "ca0020 f4a582 92c5de 0571b0", "ca0020 f4a582 f7f7f7 92c5de 0571b0",
      "b2182b ef8a62 fddbc7 d1e5f0 67a9cf 2166ac",
      "b2182b ef8a62 fddbc7 f7f7f7 d1e5f0 67a9cf 2166ac",
      "b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac",
      "b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac",
      "67001f b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac 053061",
      "67001f b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac 053061"}},
    {"RdGy",
     CM_PALETTE_DIVERGING,
     3,
     11,
     0,
     {"ef8a62 ffffff 999999", "ca0020 f4a582 bababa 404040", "ca0020 f4a582 ffffff bababa 404040",
      "b2182b ef8a62 fddbc7 e0e0e0 999999 4d4d4d",
      "b2182b ef8a62 fddbc7 ffffff e0e0e0 999999 4d4d4d",
      "b2182b d6604d f4a582 fddbc7 e0e0e0 bababa 878787 4d4d4d",
      "b2182b d6604d f4a582 fddbc7 ffffff e0e0e0 bababa 878787 4d4d4d",
      "67001f b2182b d6604d f4a582 fddbc7 e0e0e0 bababa 878787 4d4d4d 1a1a1a",
      "67001f b2182b d6604d f4a582 fddbc7 ffffff e0e0e0 bababa 878787 4d4d4d 1a1a1a"}},
    {"RdYlBu",
     CM_PALETTE_DIVERGING,
     3,
     11,
     11,
     {"fc8d59 ffffbf 91bfdb", "d7191c fdae61 abd9e9 2c7bb6", "d7191c fdae61 ffffbf abd9e9 2c7bb6",
      "d73027 fc8d59 fee090 e0f3f8 91bfdb 4575b4",
      "d73027 fc8d59 fee090 ffffbf e0f3f8 91bfdb 4575b4",
      "d73027 f46d43 fdae61 fee090 e0f3f8 abd9e9 74add1 4575b4",
      "d73027 f46d43 fdae61 fee090 ffffbf e0f3f8 abd9e9 74add1 4575b4",
      "a50026 d73027 f46d43 fdae61 fee090 e0f3f8 abd9e9 74add1 4575b4 313695",
      "a50026 d73027 f46d43 fdae61 fee090 ffffbf e0f3f8 abd9e9 74add1 4575b4 313695"}},
    {"RdYlGn",
     CM_PALETTE_DIVERGING,
     3,
     11,
     0,
     {"fc8d59 ffffbf 91cf60", "d7191c fdae61 a6d96a 1a9641", "d7191c fdae61 ffffbf a6d96a 1a9641",
      "d73027 fc8d59 fee08b d9ef8b 91cf60 1a9850",
      "d73027 fc8d59 fee08b ffffbf d9ef8b 91cf60 1a9850",
      "d73027 f46d43 fdae61 fee08b d9ef8b a6d96a 66bd63 1a9850",
      "d73027 f46d43 fdae61 fee08b ffffbf d9ef8b a6d96a 66bd63 1a9850",
      "a50026 d73027 f46d43 fdae61 fee08b d9ef8b a6d96a 66bd63 1a9850 006837",
      "a50026 d73027 f46d43 fdae61 fee08b ffffbf d9ef8b a6d96a 66bd63 1a9850 006837"}},
    {"Spectral",
     CM_PALETTE_DIVERGING,
     3,
     11,
     0,
     {"fc8d59 ffffbf 99d594", "d7191c fdae61 abdda4 2b83ba", "d7191c fdae61 ffffbf abdda4 2b83ba",
      "d53e4f fc8d59 fee08b e6f598 99d594 3288bd",
      "d53e4f fc8d59 fee08b ffffbf e6f598 99d594 3288bd",
      "d53e4f f46d43 fdae61 fee08b e6f598 abdda4 66c2a5 3288bd",
      "d53e4f f46d43 fdae61 fee08b ffffbf e6f598 abdda4 66c2a5 3288bd",
      "9e0142 d53e4f f46d43 fdae61 fee08b e6f598 abdda4 66c2a5 3288bd 5e4fa2",
      "9e0142 d53e4f f46d43 fdae61 fee08b ffffbf e6f598 abdda4 66c2a5 3288bd 5e4fa2"}},
    /* qualitative */
    {"Accent",
     CM_PALETTE_QUALITATIVE,
     3,
     8,
     0,
     {"7fc97f beaed4 fdc086", "7fc97f beaed4 fdc086 ffff99", "7fc97f beaed4 fdc086 ffff99 386cb0",
      "7fc97f beaed4 fdc086 ffff99 386cb0 f0027f",
      "7fc97f beaed4 fdc086 ffff99 386cb0 f0027f bf5b17",
      "7fc97f beaed4 fdc086 ffff99 386cb0 f0027f bf5b17 666666"}},
    {"Dark2",
     CM_PALETTE_QUALITATIVE,
     3,
     8,
     3,
     {"1b9e77 d95f02 7570b3", "1b9e77 d95f02 7570b3 e7298a", "1b9e77 d95f02 7570b3 e7298a 66a61e",
      "1b9e77 d95f02 7570b3 e7298a 66a61e e6ab02",
      "1b9e77 d95f02 7570b3 e7298a 66a61e e6ab02 a6761d",
      "1b9e77 d95f02 7570b3 e7298a 66a61e e6ab02 a6761d 666666"}},
    {"Paired",
     CM_PALETTE_QUALITATIVE,
     3,
     12,
     4,
     {"a6cee3 1f78b4 b2df8a", "a6cee3 1f78b4 b2df8a 33a02c", "a6cee3 1f78b4 b2df8a 33a02c fb9a99",
      "a6cee3 1f78b4 b2df8a 33a02c fb9a99 e31a1c",
      "a6cee3 1f78b4 b2df8a 33a02c fb9a99 e31a1c fdbf6f",
      "a6cee3 1f78b4 b2df8a 33a02c fb9a99 e31a1c fdbf6f ff7f00",
      "a6cee3 1f78b4 b2df8a 33a02c fb9a99 e31a1c fdbf6f ff7f00 cab2d6",
      "a6cee3 1f78b4 b2df8a 33a02c fb9a99 e31a1c fdbf6f ff7f00 cab2d6 6a3d9a",
      "a6cee3 1f78b4 b2df8a 33a02c fb9a99 e31a1c fdbf6f ff7f00 cab2d6 6a3d9a ffff99",
      "a6cee3 1f78b4 b2df8a 33a02c fb9a99 e31a1c fdbf6f ff7f00 cab2d6 6a3d9a ffff99 b15928"}},
    {"Pastel1",
     CM_PALETTE_QUALITATIVE,
     3,
     9,
     0,
     {"fbb4ae b3cde3 ccebc5", "fbb4ae b3cde3 ccebc5 decbe4", "fbb4ae b3cde3 ccebc5 decbe4 fed9a6",
      "fbb4ae b3cde3 ccebc5 decbe4 fed9a6 ffffcc",
      "fbb4ae b3cde3 ccebc5 decbe4 fed9a6 ffffcc e5d8bd",
      "fbb4ae b3cde3 ccebc5 decbe4 fed9a6 ffffcc e5d8bd fddaec",
      "fbb4ae b3cde3 ccebc5 decbe4 fed9a6 ffffcc e5d8bd fddaec f2f2f2"}},
    {"Pastel2",
     CM_PALETTE_QUALITATIVE,
     3,
     8,
     0,
     {"b3e2cd fdcdac cbd5e8", "b3e2cd fdcdac cbd5e8 f4cae4", "b3e2cd fdcdac cbd5e8 f4cae4 e6f5c9",
      "b3e2cd fdcdac cbd5e8 f4cae4 e6f5c9 fff2ae",
      "b3e2cd fdcdac cbd5e8 f4cae4 e6f5c9 fff2ae f1e2cc",
      "b3e2cd fdcdac cbd5e8 f4cae4 e6f5c9 fff2ae f1e2cc cccccc"}},
    {"Set1",
     CM_PALETTE_QUALITATIVE,
     3,
     9,
     0,
     {"e41a1c 377eb8 4daf4a", "e41a1c 377eb8 4daf4a 984ea3", "e41a1c 377eb8 4daf4a 984ea3 ff7f00",
      "e41a1c 377eb8 4daf4a 984ea3 ff7f00 ffff33",
      "e41a1c 377eb8 4daf4a 984ea3 ff7f00 ffff33 a65628",
      "e41a1c 377eb8 4daf4a 984ea3 ff7f00 ffff33 a65628 f781bf",
      "e41a1c 377eb8 4daf4a 984ea3 ff7f00 ffff33 a65628 f781bf 999999"}},
    {"Set2",
     CM_PALETTE_QUALITATIVE,
     3,
     8,
     3,
     {"66c2a5 fc8d62 8da0cb", "66c2a5 fc8d62 8da0cb e78ac3", "66c2a5 fc8d62 8da0cb e78ac3 a6d854",
      "66c2a5 fc8d62 8da0cb e78ac3 a6d854 ffd92f",
      "66c2a5 fc8d62 8da0cb e78ac3 a6d854 ffd92f e5c494",
      "66c2a5 fc8d62 8da0cb e78ac3 a6d854 ffd92f e5c494 b3b3b3"}},
    {"Set3",
     CM_PALETTE_QUALITATIVE,
     3,
     12,
     0,
     {"8dd3c7 ffffb3 bebada", "8dd3c7 ffffb3 bebada fb8072", "8dd3c7 ffffb3 bebada fb8072 80b1d3",
      "8dd3c7 ffffb3 bebada fb8072 80b1d3 fdb462",
      "8dd3c7 ffffb3 bebada fb8072 80b1d3 fdb462 b3de69",
      "8dd3c7 ffffb3 bebada fb8072 80b1d3 fdb462 b3de69 fccde5",
      "8dd3c7 ffffb3 bebada fb8072 80b1d3 fdb462 b3de69 fccde5 d9d9d9",
      "8dd3c7 ffffb3 bebada fb8072 80b1d3 fdb462 b3de69 fccde5 d9d9d9 bc80bd",
      "8dd3c7 ffffb3 bebada fb8072 80b1d3 fdb462 b3de69 fccde5 d9d9d9 bc80bd ccebc5",
      "8dd3c7 ffffb3 bebada fb8072 80b1d3 fdb462 b3de69 fccde5 d9d9d9 bc80bd ccebc5 ffed6f"}},
};

enum { BREWER_COUNT = sizeof brewer_schemes / sizeof brewer_schemes[0] };

static const char viridis_256[] = "440154 440256 450457 450559 46075a 46085c 460a5d 460b5e "
                                  "470d60 470e61 471063 471164 471365 481467 481668 481769 "
                                  "48186a 481a6c 481b6d 481c6e 481d6f 481f70 482071 482173 "
                                  "482374 482475 482576 482677 482878 482979 472a7a 472c7a "
                                  "472d7b 472e7c 472f7d 46307e 46327e 46337f 463480 453581 "
                                  "453781 453882 443983 443a83 443b84 433d84 433e85 423f85 "
                                  "424086 424186 414287 414487 404588 404688 3f4788 3f4889 "
                                  "3e4989 3e4a89 3e4c8a 3d4d8a 3d4e8a 3c4f8a 3c508b 3b518b "
                                  "3b528b 3a538b 3a548c 39558c 39568c 38588c 38598c 375a8c "
                                  "375b8d 365c8d 365d8d 355e8d 355f8d 34608d 34618d 33628d "
                                  "33638d 32648e 32658e 31668e 31678e 31688e 30698e 306a8e "
                                  "2f6b8e 2f6c8e 2e6d8e 2e6e8e 2e6f8e 2d708e 2d718e 2c718e "
                                  "2c728e 2c738e 2b748e 2b758e 2a768e 2a778e 2a788e 29798e "
                                  "297a8e 297b8e 287c8e 287d8e 277e8e 277f8e 27808e 26818e "
                                  "26828e 26828e 25838e 25848e 25858e 24868e 24878e 23888e "
                                  "23898e 238a8d 228b8d 228c8d 228d8d 218e8d 218f8d 21908d "
                                  "21918c 20928c 20928c 20938c 1f948c 1f958b 1f968b 1f978b "
                                  "1f988b 1f998a 1f9a8a 1e9b8a 1e9c89 1e9d89 1f9e89 1f9f88 "
                                  "1fa088 1fa188 1fa187 1fa287 20a386 20a486 21a585 21a685 "
                                  "22a785 22a884 23a983 24aa83 25ab82 25ac82 26ad81 27ad81 "
                                  "28ae80 29af7f 2ab07f 2cb17e 2db27d 2eb37c 2fb47c 31b57b "
                                  "32b67a 34b679 35b779 37b878 38b977 3aba76 3bbb75 3dbc74 "
                                  "3fbc73 40bd72 42be71 44bf70 46c06f 48c16e 4ac16d 4cc26c "
                                  "4ec36b 50c46a 52c569 54c568 56c667 58c765 5ac864 5cc863 "
                                  "5ec962 60ca60 63cb5f 65cb5e 67cc5c 69cd5b 6ccd5a 6ece58 "
                                  "70cf57 73d056 75d054 77d153 7ad151 7cd250 7fd34e 81d34d "
                                  "84d44b 86d549 89d548 8bd646 8ed645 90d743 93d741 95d840 "
                                  "98d83e 9bd93c 9dd93b a0da39 a2da37 a5db36 a8db34 aadc32 "
                                  "addc30 b0dd2f b2dd2d b5de2b b8de29 bade28 bddf26 c0df25 "
                                  "c2df23 c5e021 c8e020 cae11f cde11d d0e11c d2e21b d5e21a "
                                  "d8e219 dae319 dde318 dfe318 e2e418 e5e419 e7e419 eae51a "
                                  "ece51b efe51c f1e51d f4e61e f6e620 f8e621 fbe723 fde725";

static const char cividis_256[] = "00224e 00234f 002451 002553 002554 002656 002758 002859 "
                                  "00285b 00295d 002a5f 002a61 002b62 002c64 002c66 002d68 "
                                  "002e6a 002e6c 002f6d 00306f 003070 003170 003171 013271 "
                                  "053371 083370 0c3470 0f3570 123570 143670 163770 18376f "
                                  "1a386f 1c396f 1e3a6f 203a6f 213b6e 233c6e 243c6e 263d6e "
                                  "273e6e 293f6e 2a3f6d 2b406d 2d416d 2e416d 2f426d 31436d "
                                  "32436d 33446d 34456c 35456c 36466c 38476c 39486c 3a486c "
                                  "3b496c 3c4a6c 3d4a6c 3e4b6c 3f4c6c 404c6c 414d6c 424e6c "
                                  "434e6c 444f6c 45506c 46516c 47516c 48526c 49536c 4a536c "
                                  "4b546c 4c556c 4d556c 4e566c 4f576c 50576c 51586d 52596d "
                                  "535a6d 545a6d 555b6d 555c6d 565c6d 575d6d 585e6d 595e6e "
                                  "5a5f6e 5b606e 5c616e 5d616e 5e626e 5e636f 5f636f 60646f "
                                  "61656f 62656f 636670 646770 656870 656870 666970 676a71 "
                                  "686a71 696b71 6a6c71 6b6d72 6c6d72 6c6e72 6d6f72 6e6f73 "
                                  "6f7073 707173 717274 727274 727374 737475 747475 757575 "
                                  "767676 777776 777777 787877 797977 7a7a78 7b7a78 7c7b78 "
                                  "7d7c78 7e7c78 7e7d78 7f7e78 807f78 817f78 828079 838179 "
                                  "848279 858279 868379 878478 888578 898578 8a8678 8b8778 "
                                  "8c8878 8d8878 8e8978 8f8a78 908b78 918b78 928c78 928d78 "
                                  "938e78 948e77 958f77 969077 979177 989277 999277 9a9376 "
                                  "9b9476 9c9576 9d9576 9e9676 9f9775 a09875 a19975 a29975 "
                                  "a39a74 a49b74 a59c74 a69c74 a79d73 a89e73 a99f73 aaa073 "
                                  "aba072 aca172 ada272 aea371 afa471 b0a571 b1a570 b3a670 "
                                  "b4a76f b5a86f b6a96f b7a96e b8aa6e b9ab6d baac6d bbad6d "
                                  "bcae6c bdae6c beaf6b bfb06b c0b16a c1b26a c2b369 c3b369 "
                                  "c4b468 c5b568 c6b667 c7b767 c8b866 c9b965 cbb965 ccba64 "
                                  "cdbb63 cebc63 cfbd62 d0be62 d1bf61 d2c060 d3c05f d4c15f "
                                  "d5c25e d6c35d d7c45c d9c55c dac65b dbc75a dcc859 ddc858 "
                                  "dec958 dfca57 e0cb56 e1cc55 e2cd54 e4ce53 e5cf52 e6d051 "
                                  "e7d150 e8d24f e9d34e ead34c ebd44b edd54a eed649 efd748 "
                                  "f0d846 f1d945 f2da44 f3db42 f5dc41 f6dd3f f7de3e f8df3c "
                                  "f9e03a fbe138 fce236 fde334 fee434 fee535 fee636 fee838";

/* A palette named by the user: a ColorBrewer scheme or a 256-entry table. */
typedef struct {
    const brewer_scheme *brewer; /* NULL for a sampled table */
    const char *table;           /* 256 colours, "rrggbb " each */
    bool reversed;
} palette_ref;

static const struct {
    const char *name;
    const char *table;
} sampled_tables[] = {{"viridis", viridis_256}, {"cividis", cividis_256}};

enum { SAMPLED_COUNT = sizeof sampled_tables / sizeof sampled_tables[0] };

static bool lookup(const char *name, palette_ref *ref)
{
    char base[64];
    if (!name)
        return false;
    size_t len = strlen(name);
    if (len == 0 || len >= sizeof base)
        return false;
    memcpy(base, name, len + 1);
    ref->reversed = len > 2 && strcasecmp(base + len - 2, "_r") == 0;
    if (ref->reversed)
        base[len - 2] = '\0';
    ref->brewer = NULL;
    ref->table = NULL;
    for (size_t i = 0; i < BREWER_COUNT; i++)
        if (strcasecmp(base, brewer_schemes[i].name) == 0)
            ref->brewer = &brewer_schemes[i];
    for (size_t i = 0; i < SAMPLED_COUNT; i++)
        if (strcasecmp(base, sampled_tables[i].name) == 0)
            ref->table = sampled_tables[i].table;
    return ref->brewer || ref->table;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Colour number index of a "rrggbb rrggbb ..." list (checked data). */
static cm_rgb list_colour(const char *list, int index)
{
    const char *p = list + (size_t)index * 7;
    cm_rgb c = {hex_digit(p[0]) * 16 + hex_digit(p[1]), hex_digit(p[2]) * 16 + hex_digit(p[3]),
                hex_digit(p[4]) * 16 + hex_digit(p[5])};
    return c;
}

/* matplotlib's resampled(k): x = linspace(0, 1, k), index = int(x * 256),
 * with x = 1 mapped to the last entry. */
static void sample_table(const char *table, int k, cm_rgb *out)
{
    double step = k > 1 ? 1.0 / (double)(k - 1) : 0.0;
    for (int i = 0; i < k; i++) {
        double x = (k > 1 && i == k - 1) ? 1.0 : (double)i * step;
        double scaled = x * 256.0;
        int index = scaled >= 256.0 ? 255 : (int)scaled;
        out[i] = list_colour(table, index);
    }
}

static void reverse(cm_rgb *colours, int k)
{
    for (int i = 0, j = k - 1; i < j; i++, j--) {
        cm_rgb t = colours[i];
        colours[i] = colours[j];
        colours[j] = t;
    }
}

static bool fill(const palette_ref *ref, int k, bool allow_small, cm_rgb *out)
{
    if (!out || k < 1)
        return false;
    if (ref->table) {
        if (k > CM_PALETTE_MAX_COLOURS)
            return false;
        sample_table(ref->table, k, out);
    } else {
        const brewer_scheme *s = ref->brewer;
        if (k > s->max_k || (k < s->min_k && !allow_small))
            return false;
        if (k >= s->min_k) {
            for (int i = 0; i < k; i++)
                out[i] = list_colour(s->lists[k - s->min_k], i);
        } else {
            /* One or two classes: taken from the 3-class list. */
            const char *three = s->lists[0];
            bool qualitative = s->kind == CM_PALETTE_QUALITATIVE;
            if (k == 1) {
                out[0] = list_colour(three, qualitative ? 0 : 1);
            } else {
                out[0] = list_colour(three, 0);
                out[1] = list_colour(three, qualitative ? 1 : 2);
            }
        }
    }
    if (ref->reversed)
        reverse(out, k);
    return true;
}

bool cm_palette_get(const char *name, int k, cm_rgb *out_colours)
{
    palette_ref ref;
    return lookup(name, &ref) && fill(&ref, k, false, out_colours);
}

bool cm_palette_get_for_classes(const char *name, int k, cm_rgb *out_colours)
{
    palette_ref ref;
    return lookup(name, &ref) && fill(&ref, k, true, out_colours);
}

bool cm_palette_is_colorblind_safe(const char *name, int k)
{
    palette_ref ref;
    if (!lookup(name, &ref) || k < 1)
        return false;
    if (ref.table)
        return k <= CM_PALETTE_MAX_COLOURS;
    return k <= ref.brewer->max_k && k <= ref.brewer->safe_up_to;
}

bool cm_palette_info(const char *name, int *min_k, int *max_k, cm_palette_kind *kind)
{
    palette_ref ref;
    if (!lookup(name, &ref))
        return false;
    if (min_k)
        *min_k = ref.table ? 1 : ref.brewer->min_k;
    if (max_k)
        *max_k = ref.table ? CM_PALETTE_MAX_COLOURS : ref.brewer->max_k;
    if (kind)
        *kind = ref.table ? CM_PALETTE_SEQUENTIAL : ref.brewer->kind;
    return true;
}

size_t cm_palette_count(void)
{
    return BREWER_COUNT + SAMPLED_COUNT;
}

const char *cm_palette_name(size_t index)
{
    if (index < BREWER_COUNT)
        return brewer_schemes[index].name;
    if (index < BREWER_COUNT + SAMPLED_COUNT)
        return sampled_tables[index - BREWER_COUNT].name;
    return NULL;
}

void cm_rgb_format_hex(cm_rgb colour, char out[8])
{
    static const char digits[] = "0123456789abcdef";
    int channels[3] = {colour.r, colour.g, colour.b};
    out[0] = '#';
    for (int i = 0; i < 3; i++) {
        int v = channels[i] < 0 ? 0 : channels[i] > 255 ? 255 : channels[i];
        out[1 + 2 * i] = digits[v / 16];
        out[2 + 2 * i] = digits[v % 16];
    }
    out[7] = '\0';
}

bool cm_rgb_parse_hex(const char *text, cm_rgb *out)
{
    if (!text || !out)
        return false;
    if (*text == '#')
        text++;
    size_t len = strlen(text);
    if (len != 6 && len != 3)
        return false;
    int v[6];
    for (size_t i = 0; i < len; i++)
        if ((v[i] = hex_digit(text[i])) < 0)
            return false;
    if (len == 3) {
        out->r = v[0] * 17;
        out->g = v[1] * 17;
        out->b = v[2] * 17;
    } else {
        out->r = v[0] * 16 + v[1];
        out->g = v[2] * 16 + v[3];
        out->b = v[4] * 16 + v[5];
    }
    return true;
}
