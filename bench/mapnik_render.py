#!/usr/bin/python3
"""Mapnik peer job: render the pre-joined territories to a PNG choropleth.

Usage: mapnik_render.py DATADIR OUT.png [WIDTH HEIGHT]

Reads DATADIR/prejoined.shp (the coverage value already joined) and DATADIR/breaks.txt
(5 class upper bounds), draws every territory filled with its YlGnBu class colour and a
grey 0.5 pt boundary (2.08 px at 300 dpi, as covermap's sequential style), zoomed on the
layer, at 3300 x 2550 by default (US letter landscape at 300 dpi, covermap's PNG size).
Prints the time spent in mapnik.render and in writing the PNG on stderr.
"""
import os
import sys
import time

import mapnik

YLGNBU_5 = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]


def style_xml(shapefile, breaks):
    rules = []
    lower = None
    for bound, colour in zip(breaks, YLGNBU_5):
        cond = "[coverage] &lt;= %r" % bound
        if lower is not None:
            cond = "[coverage] &gt; %r and %s" % (lower, cond)
        rules.append('<Rule><Filter>%s</Filter><PolygonSymbolizer fill="%s"/></Rule>'
                     % (cond, colour))
        lower = bound
    rules.append('<Rule><ElseFilter/><PolygonSymbolizer fill="#ffffff"/></Rule>')
    rules.append('<Rule><LineSymbolizer stroke="#636363" stroke-width="2.08" '
                 'stroke-linejoin="round"/></Rule>')
    return ('<Map srs="epsg:32188" background-color="#ffffff">'
            '<Style name="choropleth">%s</Style>'
            '<Layer name="territories" srs="epsg:32188"><StyleName>choropleth</StyleName>'
            '<Datasource><Parameter name="type">shape</Parameter>'
            '<Parameter name="file">%s</Parameter></Datasource></Layer></Map>'
            % ("".join(rules), shapefile))


def main(argv):
    if len(argv) not in (3, 5):
        sys.stderr.write(__doc__)
        return 2
    data, out = argv[1], argv[2]
    width, height = (int(argv[3]), int(argv[4])) if len(argv) == 5 else (3300, 2550)
    with open(os.path.join(data, "breaks.txt")) as f:
        breaks = [float(line) for line in f if line.strip()]
    started = time.monotonic()
    m = mapnik.Map(width, height)
    mapnik.load_map_from_string(m, style_xml(os.path.abspath(os.path.join(data, "prejoined.shp")),
                                             breaks))
    m.zoom_all()
    image = mapnik.Image(width, height)
    loaded = time.monotonic()
    mapnik.render(m, image)
    rendered = time.monotonic()
    image.save(out, "png")
    saved = time.monotonic()
    sys.stderr.write("mapnik: load %.3f s, render %.3f s, png %.3f s\n"
                     % (loaded - started, rendered - loaded, saved - rendered))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
