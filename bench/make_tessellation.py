#!/usr/bin/python3
"""Generate a benchmark project for covermap: N territories tiling a plane.

The territories are the cells of a brick-bond (hexagonal-topology) lattice whose
nodes are jittered, in EPSG:32188 metres. Every shared edge is subdivided into
about V interior vertices displaced by a smooth noise computed from the edge's
own two end nodes only, so both neighbours store exactly the same vertices (in
opposite order) - like real administrative boundaries. A cell has 6 edges, so a
ring holds on average 7 + 6*V points: N = 20 000 and V = 4.8 give about 716 000.

Written into OUTDIR:
  territories.shp      code (key), nom; UTF-8 (.cpg), EPSG:32188 (.prj)
  prejoined.shp        the same polygons with the coverage value already joined
                       (what the Mapnik job renders)
  indicateurs.csv      ';' separated, decimal commas (ETP), a few keys differing in case/accents,
                       a few territories without a row, a 'Total' row
  partenaires.csv      0-5 partners per territory
  financement.csv      1-4 grants per territory, recurrent and project, coordination yes/no
  projet.yaml          full run as issue 6 sets it: the fisher-jenks map (png+svg), report csv,
                       GeoPackage
  projet-2maps.yaml    the same with the risk map (png+svg) as well
  projet-png.yaml      PNG-only: the fisher-jenks map as PNG, no report, no GeoPackage
  breaks.txt           the coverage class upper bounds used by the Mapnik style
  stats.txt            counts (territories, vertices) for the bench script

Usage: make_tessellation.py N V OUTDIR [--seed S] [--styles DIR] [--projects-only]
Only the Python standard library and GDAL's bindings (python3-gdal) are needed.
"""
import argparse
import math
import os
import struct
import sys
import time

from osgeo import gdal, ogr, osr

gdal.UseExceptions()

CELL = 500.0                 # metres: a cell is about 500 m x 500 m
ORIGIN_X = 250000.0          # inside MTM zone 8 (EPSG:32188), around Montréal
ORIGIN_Y = 5000000.0
NODE_JITTER_X = 0.12         # in cell units; small enough that no two edges cross
NODE_JITTER_Y = 0.18
EDGE_NOISE = 0.07            # largest perpendicular offset of an edge vertex, cell units
MASK64 = (1 << 64) - 1


def mix(*values):
    """A 64-bit hash of integers (splitmix64 steps): deterministic across runs and platforms."""
    h = 0x9E3779B97F4A7C15
    for v in values:
        h = (h ^ (v & MASK64)) & MASK64
        h = (h + 0x9E3779B97F4A7C15) & MASK64
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & MASK64
        h ^= h >> 31
    return h


def unit(*values):
    """A deterministic number in [0, 1) from integers."""
    return (mix(*values) >> 11) / float(1 << 53)


class Lattice:
    """Nodes (k, r): k counts half cells along x (0..2*cols+1), r counts rows (0..rows).
    Cell (i, r) has bottom nodes k = 2i+o, 2i+o+1, 2i+o+2 on row r and the same k on row
    r+1, with o = r % 2: a brick bond, so nodes have degree 3 like real boundaries."""

    def __init__(self, n, v, seed):
        self.n = n
        self.v = v
        self.seed = seed
        self.cols = max(1, int(math.ceil(math.sqrt(n))))
        self.rows = (n + self.cols - 1) // self.cols
        self.width = 2 * self.cols + 2          # nodes per row
        self._node_cache = {}

    def node_id(self, k, r):
        return r * self.width + k

    def node_xy(self, k, r):
        key = (k, r)
        xy = self._node_cache.get(key)
        if xy is None:
            jx = (unit(self.seed, 1, k, r) - 0.5) * 2.0 * NODE_JITTER_X
            jy = (unit(self.seed, 2, k, r) - 0.5) * 2.0 * NODE_JITTER_Y
            xy = (0.5 * k + jx, r + jy)
            self._node_cache[key] = xy
        return xy

    def edge_points(self, a, b):
        """Interior points of the edge a -> b (a, b are (k, r) nodes), in cell units.
        Computed from the canonical direction (lower node id first) and reversed when
        needed, so both cells sharing the edge get identical coordinates."""
        ida, idb = self.node_id(*a), self.node_id(*b)
        if ida > idb:
            pts = self.edge_points(b, a)
            pts.reverse()
            return pts
        # Number of interior vertices: floor(V) or ceil(V) so that the mean is V.
        base = int(math.floor(self.v))
        count = base + (1 if unit(self.seed, 3, ida, idb) < self.v - base else 0)
        (x0, y0), (x1, y1) = self.node_xy(*a), self.node_xy(*b)
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        # A sum of two sines with edge-specific phases and amplitudes plus a little
        # per-vertex jitter: wiggly, but tapered to zero at both nodes so edges never cross.
        p1 = unit(self.seed, 4, ida, idb) * 2.0 * math.pi
        p2 = unit(self.seed, 5, ida, idb) * 2.0 * math.pi
        a1 = (unit(self.seed, 6, ida, idb) - 0.5) * 2.0
        amp = EDGE_NOISE * length
        pts = []
        for j in range(1, count + 1):
            t = j / (count + 1.0)
            taper = math.sin(math.pi * t)
            wiggle = 0.6 * a1 * math.sin(math.pi * t + p1) + 0.3 * math.sin(3.0 * math.pi * t + p2)
            wiggle += 0.2 * (unit(self.seed, 7, ida, idb, j) - 0.5)
            off = amp * taper * wiggle
            pts.append((x0 + dx * t + nx * off, y0 + dy * t + ny * off))
        return pts

    def cell_ring(self, i, r):
        """Closed ring of cell (i, r) in metres, counter-clockwise."""
        o = r % 2
        k0 = 2 * i + o
        corners = [(k0, r), (k0 + 1, r), (k0 + 2, r), (k0 + 2, r + 1), (k0 + 1, r + 1), (k0, r + 1)]
        ring = []
        for c in range(6):
            a, b = corners[c], corners[(c + 1) % 6]
            ring.append(self.node_xy(*a))
            ring.extend(self.edge_points(a, b))
        ring.append(ring[0])
        return [(ORIGIN_X + x * CELL, ORIGIN_Y + y * CELL) for (x, y) in ring]

    def release_row(self, r):
        """Forget cached nodes of rows below r (they are no longer needed)."""
        for key in [key for key in self._node_cache if key[1] < r]:
            del self._node_cache[key]


def polygon_wkb(ring):
    """WKB of a one-ring polygon (little endian)."""
    head = struct.pack("<BIII", 1, 3, 1, len(ring))
    flat = [c for xy in ring for c in xy]
    return head + struct.pack("<%dd" % len(flat), *flat)


def territory_code(index):
    return "T%06d" % (index + 1)


SAINTS = ["Sainte-Cécile", "Saint-Éloi", "Notre-Dame", "Côte-des-Érables", "Pointe-aux-Hérons",
          "Bois-Francs", "Val-des-Prés", "Rivière-Noire", "Mont-Joli", "Îlot-Fleuri"]


def territory_name(index):
    return "%s %d" % (SAINTS[index % len(SAINTS)], index // len(SAINTS) + 1)


def indicators_for(index, seed, lat):
    """Children, families reached, children reached, coordinator FTE for a territory.
    Coverage varies smoothly across the plane (so the map has structure) plus noise."""
    i = index % lat.cols
    r = index // lat.cols
    u = i / max(1, lat.cols - 1)
    w = r / max(1, lat.rows - 1)
    children = 200 + int(unit(seed, 10, index) * 2800)
    smooth = 0.5 + 0.25 * math.sin(5.0 * u + 1.0) * math.cos(4.0 * w) + 0.15 * math.sin(13.0 * u * w)
    rate = max(0.02, min(0.95, smooth + 0.15 * (unit(seed, 11, index) - 0.5)))
    families = int(children * rate * 0.8)
    reached = int(children * rate)
    fte = [0.0, 0.5, 1.0, 1.0, 1.5, 2.0][int(unit(seed, 12, index) * 6)]
    return children, families, reached, fte


def write_layer(path, lat, srs, with_coverage, seed):
    driver = ogr.GetDriverByName("ESRI Shapefile")
    if os.path.exists(path):
        driver.DeleteDataSource(path)
    ds = driver.CreateDataSource(path)
    layer = ds.CreateLayer(os.path.splitext(os.path.basename(path))[0], srs, ogr.wkbPolygon,
                           options=["ENCODING=UTF-8"])
    field = ogr.FieldDefn("code", ogr.OFTString)
    field.SetWidth(12)
    layer.CreateField(field)
    field = ogr.FieldDefn("nom", ogr.OFTString)
    field.SetWidth(40)
    layer.CreateField(field)
    if with_coverage:
        field = ogr.FieldDefn("coverage", ogr.OFTReal)
        field.SetWidth(12)
        field.SetPrecision(4)
        layer.CreateField(field)
    defn = layer.GetLayerDefn()
    vertices = 0
    layer.StartTransaction()
    for index in range(lat.n):
        i, r = index % lat.cols, index // lat.cols
        if i == 0 and r >= 2:
            lat.release_row(r - 1)
        ring = lat.cell_ring(i, r)
        vertices += len(ring)
        feature = ogr.Feature(defn)
        feature.SetField("code", territory_code(index))
        feature.SetField("nom", territory_name(index))
        if with_coverage:
            children, families, _, _ = indicators_for(index, seed, lat)
            feature.SetField("coverage", 100.0 * families / children)
        feature.SetGeometryDirectly(ogr.CreateGeometryFromWkb(polygon_wkb(ring)))
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    ds = None
    return vertices


def decimal_comma(x):
    return ("%.1f" % x).replace(".", ",")


def key_as_written(index, seed):
    """Most rows carry the exact key; one in 500 differs by case (a normalised match)."""
    code = territory_code(index)
    return code.lower() if unit(seed, 20, index) < 0.002 else code


def write_tables(outdir, lat, seed):
    with open(os.path.join(outdir, "indicateurs.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("Territoire;Enfants 0-5 ans;Familles rejointes;Enfants rejoints;ETP coordination;Remarque\n")
        for index in range(lat.n):
            if unit(seed, 21, index) < 0.003:
                continue                          # no row: a no-data territory
            children, families, reached, fte = indicators_for(index, seed, lat)
            note = "à valider" if unit(seed, 22, index) < 0.05 else ""
            f.write("%s;%d;%d;%d;%s;%s\n" % (key_as_written(index, seed), children, families,
                                             reached, decimal_comma(fte), note))
        f.write("Total;;;;;\n")
    sectors = ["Santé", "Éducation", "Communautaire", "Municipal", "Famille", "Emploi"]
    with open(os.path.join(outdir, "partenaires.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("Territoire;Organisme;Secteur\n")
        for index in range(lat.n):
            for p in range(int(unit(seed, 30, index) * 6)):
                f.write("%s;Organisme %d-%d;%s\n" % (territory_code(index), index + 1, p + 1,
                                                    sectors[int(unit(seed, 31, index, p) * len(sectors))]))
    funders = ["Fonds régional petite enfance", "Fondation des Hérons", "Ministère de la Famille",
               "Centraide", "Ville"]
    with open(os.path.join(outdir, "financement.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("Territoire;Bailleur;Montant annuel;Début;Fin;Type;Coordination\n")
        for index in range(lat.n):
            for g, grant in enumerate(grants_for(index, seed)):
                funder = funders[int(unit(seed, 48, index, g) * len(funders))]
                f.write("%s;%s;%s;%s;%s;%s;%s\n" % ((territory_code(index), funder) + grant))


def grants_for(index, seed):
    """(amount, start, end, kind, coordination) tuples for a territory, as written in the
    CSV. The coordination grant decides the risk level (docs/method.md, cost 65 000 $):
    about 55 % stable, 15 % fragile, 20 % at risk, 10 % without coordination on 2026-04-01;
    0 to 2 project grants that do not pay coordination come on top."""
    def money(low, high, salt):
        return "%d,00" % (low + int(unit(seed, salt, index) * (high - low) / 1000) * 1000)
    year = 2019 + int(unit(seed, 42, index) * 6)
    u = unit(seed, 41, index)
    if u < 0.55:
        grants = [(money(65000, 90000, 43), "%d-04-01" % year, "", "récurrent", "oui")]
    elif u < 0.70:
        grants = [(money(30000, 45000, 43), "%d-04-01" % year, "", "récurrent", "oui"),
                  (money(25000, 40000, 44), "2025-04-01", "2028-03-31", "projet", "oui")]
    elif u < 0.90:
        end = "2026-%02d-%02d" % (5 + int(unit(seed, 45, index) * 7), 28)
        grants = [(money(65000, 80000, 43), "2024-04-01", end, "projet", "oui")]
    else:
        grants = [(money(50000, 70000, 43), "2022-04-01", "2025-12-31", "projet", "oui")]
    for g in range(int(unit(seed, 40, index) * 3)):
        start = "%d-%02d-01" % (2024 + g, 1 + int(unit(seed, 46, index, g) * 12))
        end = "" if unit(seed, 47, index, g) < 0.3 else "%d-03-31" % (2027 + g)
        grants.append(("%d,00" % (5000 + int(unit(seed, 49, index, g) * 25) * 1000), start, end,
                       "projet", "non"))
    return grants


def write_breaks(outdir, lat, seed):
    """Quantile upper bounds of the coverage (5 classes) for the Mapnik style; the
    classification itself is not part of the Mapnik job."""
    values = []
    for index in range(lat.n):
        children, families, _, _ = indicators_for(index, seed, lat)
        values.append(100.0 * families / children)
    values.sort()
    bounds = [values[min(len(values) - 1, int(len(values) * q / 5.0))] for q in range(1, 5)]
    bounds.append(values[-1])
    with open(os.path.join(outdir, "breaks.txt"), "w") as f:
        for b in bounds:
            f.write("%.4f\n" % b)


TABLES = """data:
  - source: indicateurs.csv
    key: Territoire
    role: indicators
    columns:
      children_0_5: "Enfants 0-5 ans"
      families_reached: "Familles rejointes"
      children_reached: "Enfants rejoints"
      coordinator_fte: "ETP coordination"
  - source: partenaires.csv
    key: Territoire
    role: partners
    columns: { name: Organisme, sector: Secteur }
  - source: financement.csv
    key: Territoire
    role: funding
    columns:
      funder: Bailleur
      amount: "Montant annuel"
      start: "Début"
      end: Fin
      kind: Type
      coordination: Coordination
"""


def style_line(styles, name):
    """`style:` line for a map, or nothing when the style file does not exist."""
    if not styles:
        return ""
    path = os.path.join(styles, name + ".yaml")
    if not os.path.exists(path):
        return ""
    return "    style: %s\n" % os.path.abspath(path)


def write_projects(outdir, n, styles):
    head = ("# Generated by bench/make_tessellation.py: %d fictional territories.\n"
            "title: \"Banc d'essai covermap — %d territoires (données fictives)\"\n"
            "as_of: 2026-04-01\nhorizon_months: 12\ncoordination_cost: 65000\nlocale: fr-CA\n\n"
            "territories:\n  source: territories.shp\n  key: code\n  name: nom\n\n" % (n, n))
    coverage = ("  - name: couverture\n"
                "    title: \"Familles rejointes pour 100 enfants de 0 à 5 ans\"\n"
                "    value: coverage_rate\n"
                "    classes: { method: fisher-jenks, count: 5 }\n"
                + style_line(styles, "sequential") + "    formats: [%s]\n")
    risk = ("  - name: risque\n"
            "    title: \"Territoires à risque de perdre leur coordination\"\n"
            "    value: risk_level\n"
            + style_line(styles, "risk") + "    formats: [png, svg]\n")
    outputs = "\nreport: { formats: [csv] }\nexport: { geopackage: true }\n"
    with open(os.path.join(outdir, "projet.yaml"), "w", encoding="utf-8") as f:
        f.write(head + TABLES + "\nmaps:\n" + coverage % "png, svg" + outputs)
    with open(os.path.join(outdir, "projet-2maps.yaml"), "w", encoding="utf-8") as f:
        f.write(head + TABLES + "\nmaps:\n" + coverage % "png, svg" + risk + outputs)
    with open(os.path.join(outdir, "projet-png.yaml"), "w", encoding="utf-8") as f:
        f.write(head + TABLES + "\nmaps:\n" + coverage % "png"
                + "\nreport: { formats: [] }\nexport: { geopackage: false }\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of territories")
    parser.add_argument("v", type=float, help="mean interior vertices per shared edge (e.g. 4.8)")
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--styles", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                          "..", "styles"),
                        help="folder of covermap styles (sequential.yaml, risk.yaml)")
    parser.add_argument("--projects-only", action="store_true",
                        help="write the project files only (the data is already there)")
    args = parser.parse_args()
    if args.n < 1 or args.v < 0:
        parser.error("N must be >= 1 and V >= 0")
    os.makedirs(args.outdir, exist_ok=True)
    if args.projects_only:
        write_projects(args.outdir, args.n, args.styles)
        return
    started = time.monotonic()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32188)
    lat = Lattice(args.n, args.v, args.seed)
    vertices = write_layer(os.path.join(args.outdir, "territories.shp"), lat, srs, False, args.seed)
    lat = Lattice(args.n, args.v, args.seed)
    write_layer(os.path.join(args.outdir, "prejoined.shp"), lat, srs, True, args.seed)
    write_tables(args.outdir, lat, args.seed)
    write_breaks(args.outdir, lat, args.seed)
    write_projects(args.outdir, args.n, args.styles)
    with open(os.path.join(args.outdir, "stats.txt"), "w") as f:
        f.write("territories %d\nvertices %d\nmean_edge_vertices %g\nseed %d\n"
                % (args.n, vertices, args.v, args.seed))
    print("%d territories, %d vertices (%.1f per ring) in %s (%.1f s)"
          % (args.n, vertices, vertices / float(args.n), args.outdir, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
