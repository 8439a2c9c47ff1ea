#!/usr/bin/python3
"""Generates geodata/demo/: the fictional city of Ville-Fleuve, its 30 quarters and the
three tables (indicators, partners, funding) in the messy formats real offices produce.

Usage: /usr/bin/python3 scripts/make_demo.py   (from anywhere; needs python3-gdal)

Deterministic: a fixed seed, fixed dates in the files; running it twice changes nothing.
Every name and number is invented.
"""

import datetime
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from osgeo import gdal, ogr  # noqa: E402

import geodata_common as gc  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "geodata", "demo")
SEED = 20260401
AS_OF = datetime.date(2026, 4, 1)
COST = 65000.0

COLS, ROWS = 6, 5
X0, X1, Y0, Y1 = 290000.0, 310000.0, 5030000.0, 5050000.0
RIVER_ROW = 2          # the river follows the grid line between rows 1 and 2
RIVER_HALF_WIDTH = 220.0

# Cells (column, row), row 0 in the south, that carry a deliberate oddity.
ISLAND_CELL = (2, 2)       # multipart: its island lies in the river
HOLE_CELL = (3, 3)         # a lake makes a hole
SELF_TOUCH_CELL = (1, 0)   # its ring touches itself at a vertex (invalid, to repair)

SPECIAL_NAMES = {
    ISLAND_CELL: "L'Île-aux-Hérons",
    HOLE_CELL: "Côte-des-Érables",
    SELF_TOUCH_CELL: "Bas-Saint-Rémi",
    (4, 1): "Saint-Éloi–Bord-de-l'Eau",
}
OTHER_NAMES = [
    "Vieux-Moulin", "Les Quatre-Chemins", "Sainte-Cécile-des-Prés", "Plateau-Fontaine",
    "Notre-Dame-du-Rivage", "Petite-Acadie", "Bois-Joli–Les Tanneries", "Val-d'Aulnay",
    "Haut-Fleuve", "Pointe-à-l'Orme", "Saint-Amable-Nord", "Faubourg-des-Tisserands",
    "Mont-Éveil", "La Prairie-Basse", "Rive-Ouest", "Cité-Jardin-Laverdure", "Les Écluses",
    "Sault-Carillon", "Grand-Marais", "Saint-Germain-d'Orée", "Îlot-Perreault",
    "Sainte-Agathe–Les Vergers", "Marché-Central", "Champ-de-l'Église", "Rosière",
    "Rapides-Beaulac",
]

# How the offices' tables write some names (each folds to the boundary name).
INDICATOR_SPELLING = {
    "Côte-des-Érables": "COTE-DES-ERABLES",
    "Saint-Éloi–Bord-de-l'Eau": "Saint-Eloi-Bord-de-l\u2019Eau",
    "L'Île-aux-Hérons": "L\u2019Île aux Hérons",
    "Les Quatre-Chemins": "les quatre chemins",
    "Val-d'Aulnay": "Val-d'Aunay",  # a typo: stays unmatched, suggests Val-d'Aulnay
}
MISSING_FROM_INDICATORS = "Rosière"
PARTNER_SPELLING = {
    "Sainte-Cécile-des-Prés": "sainte-cecile-des-pres",
    "Pointe-à-l'Orme": "Pointe-à-l\u2019Orme",
}
WITHOUT_PARTNERS = ["Îlot-Perreault", "Rapides-Beaulac"]
FUNDING_SPELLING = {
    "Bois-Joli–Les Tanneries": "Bois-Joli-Les Tanneries",
    "Îlot-Perreault": "ILOT-PERREAULT",
}


def jitter(rng, amount):
    return rng.uniform(-amount, amount)


def build_grid(rng):
    """Jittered grid: shared vertices and shared (jittered) edge midpoints, so that
    neighbouring cells have exactly the same edges."""
    dx, dy = (X1 - X0) / COLS, (Y1 - Y0) / ROWS
    vertex = {}
    for i in range(COLS + 1):
        for j in range(ROWS + 1):
            vertex[i, j] = (X0 + i * dx + jitter(rng, 0.22 * dx),
                            Y0 + j * dy + jitter(rng, 0.22 * dy))
    horizontal, vertical = {}, {}
    for i in range(COLS):
        for j in range(ROWS + 1):
            (ax, ay), (bx, by) = vertex[i, j], vertex[i + 1, j]
            horizontal[i, j] = ((ax + bx) / 2, (ay + by) / 2 + jitter(rng, 0.10 * dy))
    for i in range(COLS + 1):
        for j in range(ROWS):
            (ax, ay), (bx, by) = vertex[i, j], vertex[i, j + 1]
            vertical[i, j] = ((ax + bx) / 2 + jitter(rng, 0.10 * dx), (ay + by) / 2)
    cells = {}
    for i in range(COLS):
        for j in range(ROWS):
            ring = [vertex[i, j], horizontal[i, j], vertex[i + 1, j], vertical[i + 1, j],
                    vertex[i + 1, j + 1], horizontal[i, j + 1], vertex[i, j + 1], vertical[i, j]]
            cells[i, j] = gc.polygon([[(round(x, 1), round(y, 1)) for x, y in ring]])
    river_line = []
    for i in range(COLS):
        river_line += [vertex[i, RIVER_ROW], horizontal[i, RIVER_ROW]]
    river_line.append(vertex[COLS, RIVER_ROW])
    return cells, vertex, horizontal, river_line


def river_polygon(line_points):
    line = ogr.Geometry(ogr.wkbLineString)
    (fx, fy), (lx, ly) = line_points[0], line_points[-1]
    line.AddPoint_2D(fx - 1500, fy)  # run past the city on both sides
    for x, y in line_points:
        line.AddPoint_2D(x, y)
    line.AddPoint_2D(lx + 1500, ly)
    return line.Buffer(RIVER_HALF_WIDTH, 4)


def _round(geom):
    """Rounds coordinates to the decimetre, keeping the geometry's structure."""
    name = geom.GetGeometryName()
    out = ogr.Geometry(ogr.wkbLinearRing if name == "LINEARRING" else geom.GetGeometryType())
    if geom.GetGeometryCount() == 0:
        for k in range(geom.GetPointCount()):
            out.AddPoint_2D(round(geom.GetX(k), 1), round(geom.GetY(k), 1))
        return out
    for k in range(geom.GetGeometryCount()):
        out.AddGeometry(_round(geom.GetGeometryRef(k)))
    return out


def island_in_river(start, end):
    """An elongated island along one river segment."""
    (ax, ay), (bx, by) = start, end
    cx, cy = (ax + bx) / 2, (ay + by) / 2
    length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
    ux, uy = (bx - ax) / length, (by - ay) / length
    points = []
    for k in range(16):
        t = 2 * math.pi * k / 16
        a, b = 420 * math.cos(t), 80 * math.sin(t)
        points.append((round(cx + a * ux - b * uy, 1), round(cy + a * uy + b * ux, 1)))
    return gc.polygon([points])


def lake(center, radius):
    cx, cy = center
    return [(round(cx + radius * math.cos(2 * math.pi * k / 12), 1),
             round(cy + radius * math.sin(2 * math.pi * k / 12), 1)) for k in range(12)]


def signed_area(points):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1])) / 2


def self_touching(cell_polygon, corner):
    """Inserts at `corner` a small loop that comes back to the same vertex: an inverted
    hole, as digitising produces, which OGC calls invalid (ring self-intersection)."""
    ring = cell_polygon.GetGeometryRef(0)
    points = [(ring.GetX(k), ring.GetY(k)) for k in range(ring.GetPointCount() - 1)]
    index = min(range(len(points)),
                key=lambda k: (points[k][0] - corner[0]) ** 2 + (points[k][1] - corner[1]) ** 2)
    vx, vy = points[index]
    centroid = cell_polygon.Centroid()
    cx, cy = centroid.GetX(), centroid.GetY()
    dist = ((cx - vx) ** 2 + (cy - vy) ** 2) ** 0.5
    ux, uy = (cx - vx) / dist, (cy - vy) / dist
    p1 = (round(vx + 600 * ux - 200 * uy, 1), round(vy + 600 * uy + 200 * ux, 1))
    p2 = (round(vx + 600 * ux + 200 * uy, 1), round(vy + 600 * uy - 200 * ux, 1))
    loop = [(vx, vy), p1, p2]
    if (signed_area(loop) > 0) == (signed_area(points) > 0):
        p1, p2 = p2, p1  # the loop must turn against the shell to cut a hole
    new_points = points[:index + 1] + [p1, p2, (vx, vy)] + points[index + 1:]
    return gc.polygon([new_points]), gc.polygon([[(vx, vy), p1, p2]])


def build_quarters(rng):
    cells, vertex, horizontal, river_line = build_grid(rng)
    river = river_polygon(river_line)
    geoms = {}
    for key, cell in cells.items():
        cut = _round(cell.Difference(river))
        assert cut.GetGeometryName() == "POLYGON" and cut.IsValid(), key
        geoms[key] = cut

    i, j = ISLAND_CELL
    island = island_in_river(vertex[i, RIVER_ROW], horizontal[i, RIVER_ROW])
    assert island.Buffer(40).Within(river), "the island must sit inside the river"
    geoms[ISLAND_CELL] = gc.multipolygon([geoms[ISLAND_CELL], island])

    cell = geoms[HOLE_CELL]
    centroid = cell.Centroid()
    water = lake((centroid.GetX(), centroid.GetY()), 380)
    shell = cell.GetGeometryRef(0)
    shell_points = [(shell.GetX(k), shell.GetY(k)) for k in range(shell.GetPointCount())]
    holed = gc.polygon([shell_points, water])
    assert holed.IsValid() and gc.polygon([water]).Buffer(100).Within(cell)
    geoms[HOLE_CELL] = holed

    i, j = SELF_TOUCH_CELL
    broken, notch = self_touching(geoms[SELF_TOUCH_CELL], vertex[i + 1, j + 1])
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS reports the (wanted) self-intersection
    assert not broken.IsValid()
    gdal.PopErrorHandler()
    assert notch.Within(geoms[SELF_TOUCH_CELL])
    repaired = broken.MakeValid()
    assert abs(repaired.GetArea() - (geoms[SELF_TOUCH_CELL].GetArea() - notch.GetArea())) < 1
    geoms[SELF_TOUCH_CELL] = broken

    check_planar(geoms)
    return geoms


def check_planar(geoms):
    """No two quarters overlap (after repair): the quarters tessellate the city."""
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    valid = {k: (g if g.IsValid() else g.MakeValid()) for k, g in geoms.items()}
    gdal.PopErrorHandler()
    keys = sorted(valid)
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            inter = valid[keys[a]].Intersection(valid[keys[b]])
            overlap = inter.GetArea() if inter is not None and inter.GetDimension() == 2 else 0
            assert overlap < 1e-3, (keys[a], keys[b])


def name_cells():
    """Codes Q01..Q30 from the north-west corner, row by row; names fixed per cell."""
    names = iter(OTHER_NAMES)
    quarters = []
    for row in reversed(range(ROWS)):
        for col in range(COLS):
            cell = (col, row)
            name = SPECIAL_NAMES.get(cell) or next(names)
            quarters.append({"cell": cell, "code": f"Q{len(quarters) + 1:02d}", "nom": name})
    return quarters


def write_boundaries(quarters, geoms):
    features = [(geoms[q["cell"]], {"code": q["code"], "nom": q["nom"]}) for q in quarters]
    path = os.path.join(OUT, "quartiers.shp")
    gc.write_shapefile(path, features, ["code", "nom"], gc.srs_from_epsg(32188),
                       encoding="CP1252", cpg=False)


DISTRICTS = [("C1", "Fleuve-Ouest", X0 - 1000.0, 296500.0),
             ("C2", "Centre-de-la-Rivière", 296500.0, 303500.0),
             ("C3", "Fleuve-Est", 303500.0, X1 + 1000.0)]


def write_districts():
    """Three fictional electoral districts, vertical bands that cut through some
    quarters (so the report shows shares)."""
    features = [(gc.rectangle(x0, Y0 - 1000.0, x1, Y1 + 1000.0), {"code": code, "nom": name})
                for code, name, x0, x1 in DISTRICTS]
    gc.write_vector(os.path.join(OUT, "circonscriptions.gpkg"), "GPKG", "circonscriptions",
                    features, ["code", "nom"], gc.srs_from_epsg(32188), ogr.wkbPolygon)


def thousands(rng, value):
    """French Excel thousands: a space or a no-break space, sometimes none at all."""
    if value < 1000:
        return str(value)
    return gc.french_number(value, 0, rng.choice([" ", gc.NBSP, " ", ""]))


def write_indicators(rng, quarters):
    header = ["Territoire", "Enfants 0-5 ans", "Familles rejointes", "Enfants rejoints",
              "ETP coordination", "Remarque"]
    notes = {"Vieux-Moulin": "Données 2024; à valider", "Haut-Fleuve": "Recensement 2021",
             "Marché-Central": "Hausse des naissances"}
    rows, totals = [], [0, 0, 0, 0.0]
    values = {}
    for q in quarters:
        children = rng.randrange(650, 4800, 5)
        families = round(children * rng.uniform(0.08, 0.38))
        reached = round(families * rng.uniform(1.15, 1.35))
        fte = rng.choice([0.5, 0.6, 0.8, 1.0, 1.0, 1.5, 2.0])
        values[q["nom"]] = (children, families, reached, fte)
        if q["nom"] == MISSING_FROM_INDICATORS:
            continue
        for k, v in enumerate((children, families, reached, fte)):
            totals[k] += v
        rows.append([INDICATOR_SPELLING.get(q["nom"], q["nom"]), thousands(rng, children),
                     thousands(rng, families), thousands(rng, reached),
                     gc.french_number(fte, 1, ""), notes.get(q["nom"], "")])
    rows.append(["Total", gc.french_number(totals[0]), gc.french_number(totals[1]),
                 gc.french_number(totals[2]), gc.french_number(totals[3], 1, ""), ""])
    gc.write_csv(os.path.join(OUT, "indicateurs.csv"), header, rows, sep=";",
                 encoding="cp1252")
    return values


PARTNER_TEMPLATES = {
    "santé": ["CLSC {q}", "Clinique de pédiatrie sociale {q}", "Périnatalité {q}"],
    "scolaire": ["École primaire {q}", "École des Trois-Ponts", "Centre de services scolaires du Fleuve"],
    "service de garde": ["CPE Les Petits Hérons", "CPE La Ribambelle {q}", "Garderie Les Lucioles"],
    "bibliothèque": ["Bibliothèque {q}"],
    "communautaire": ["Maison de la famille {q}", "Carrefour familial {q}",
                      "Halte-garderie Le Nid", "Cuisines collectives {q}"],
    "municipal": ["Ville-Fleuve — Loisirs {q}", "Ville-Fleuve — Développement social"],
    "philanthropique": ["Fondation des Hérons"],
}


def write_partners(rng, quarters):
    header = ["Territoire", "Organisme", "Secteur", "Membre depuis"]
    rows = []
    sectors = sorted(PARTNER_TEMPLATES)
    counts = {}
    for q in quarters:
        if q["nom"] in WITHOUT_PARTNERS:
            continue
        count = rng.randint(2, 9)
        chosen = set()
        while len(chosen) < count:
            sector = rng.choice(sectors)
            chosen.add((PARTNER_TEMPLATES[sector][rng.randrange(len(PARTNER_TEMPLATES[sector]))]
                        .format(q=q["nom"]), sector))
        key = PARTNER_SPELLING.get(q["nom"], q["nom"])
        for organisme, sector in sorted(chosen):
            rows.append([key, organisme, sector, rng.randint(2008, 2025)])
        counts[q["nom"]] = (len(chosen), len({s for _, s in chosen}))
    readme = [["Partenaires des concertations de Ville-Fleuve (données fictives)."],
              ["Une ligne par organisme membre ; voir la feuille Partenaires."]]
    gc.write_sheets(os.path.join(OUT, "partenaires.xlsx"), "XLSX",
                    [("Lisez-moi", ["Note"], readme), ("Partenaires", header, rows)])
    return counts


def d(text):
    return datetime.date.fromisoformat(text)


# Funding scenarios: (intended risk, grants). A grant is (funder, amount, start, end,
# kind, coordination); end None is open-ended.
SCENARIOS = {
    "stable-open": ("stable", [("Fonds régional petite enfance", 65000, "2021-04-01", None, "recurrent", True),
                               ("Fondation des Hérons", 12000, "2025-09-01", "2026-08-31", "project", False)]),
    "stable-long": ("stable", [("Ville-Fleuve — Développement social", 70000, "2023-04-01", "2028-03-31", "recurrent", True)]),
    "stable-two": ("stable", [("Fonds régional petite enfance", 40000, "2022-01-01", None, "recurrent", True),
                              ("Ville-Fleuve — Développement social", 25000, "2024-04-01", None, "recurrent", True)]),
    "fragile-project": ("fragile", [("Fondation des Hérons", 65000, "2025-04-01", "2027-06-30", "project", True)]),
    "fragile-mixed": ("fragile", [("Fonds régional petite enfance", 45000, "2023-04-01", None, "recurrent", True),
                                  ("Programme Enfance-Famille", 20000, "2025-09-01", "2027-08-31", "project", True)]),
    "ends-jun": ("at-risk", [("Programme Enfance-Famille", 65000, "2025-07-01", "2026-06-30", "project", True)]),
    "ends-sep": ("at-risk", [("Fondation des Hérons", 68000, "2024-10-01", "2026-09-30", "project", True)]),
    "ends-dec": ("at-risk", [("Fonds régional petite enfance", 65000, "2024-01-01", "2026-12-31", "recurrent", True)]),
    "one-day-gap": ("at-risk", [("Fonds régional petite enfance", 65000, "2024-10-15", "2026-10-14", "recurrent", True),
                                ("Fonds régional petite enfance", 65000, "2026-10-16", None, "recurrent", True)]),
    "two-partial": ("at-risk", [("Programme Enfance-Famille", 65000, "2026-01-01", "2026-08-31", "project", True),
                                ("Fondation des Hérons", 65000, "2026-12-01", "2027-11-30", "project", True)]),
    "short-sum": ("at-risk", [("Ville-Fleuve — Développement social", 35000, "2024-04-01", None, "recurrent", True),
                              ("Programme Enfance-Famille", 20000, "2025-04-01", "2027-03-31", "project", True)]),
    "no-rows": ("no-coordination", []),
    "not-coordination": ("no-coordination", [("Fondation des Hérons", 80000, "2024-04-01", None, "recurrent", False),
                                             ("Programme Enfance-Famille", 15000, "2025-04-01", "2027-03-31", "project", False)]),
    "starts-later": ("no-coordination", [("Fonds régional petite enfance", 65000, "2026-07-01", None, "recurrent", True)]),
    "ended": ("no-coordination", [("Programme Enfance-Famille", 65000, "2024-04-01", "2026-03-31", "project", True)]),
}
SCENARIO_ORDER = [
    "stable-open", "fragile-project", "ends-sep", "not-coordination", "stable-long",
    "one-day-gap", "fragile-mixed", "stable-two", "two-partial", "starts-later",
    "stable-open", "ends-jun", "short-sum", "fragile-project", "ended",
    "stable-long", "ends-dec", "no-rows", "fragile-mixed", "stable-open",
    "starts-later", "ends-sep", "stable-two", "two-partial", "not-coordination",
    "fragile-project", "one-day-gap", "stable-long", "ended", "short-sum",
]


def money(style, amount):
    if style == 0:
        return gc.french_number(amount, 2, gc.NNBSP) + " $"
    if style == 1:
        return f"${amount:,.0f}"
    if style == 2:
        return gc.french_number(amount, 0, gc.NBSP) + " $"
    return str(amount)


def date_text(style, text):
    if text is None:
        return ""
    day = d(text)
    return text if style % 2 == 0 else day.strftime("%d/%m/%Y")


def write_funding(quarters):
    header = ["Territoire", "Bailleur", "Montant annuel", "Début", "Fin", "Type",
              "Coordination", "Dossier"]
    kinds = {"recurrent": ["récurrent", "recurrent"], "project": ["projet", "project"]}
    booleans = {True: ["oui", "yes", "1", "Oui"], False: ["non", "0", "no"]}
    rows, expected = [], {}
    counter = 0
    for q, scenario in zip(quarters, SCENARIO_ORDER):
        intended, grants = SCENARIOS[scenario]
        parsed = []
        for funder, amount, start, end, kind, coordination in grants:
            counter += 1
            rows.append([FUNDING_SPELLING.get(q["nom"], q["nom"]), funder,
                         money(counter % 4, amount), date_text(counter, start),
                         date_text(counter // 2, end), kinds[kind][counter % 2],
                         booleans[coordination][counter % len(booleans[coordination])],
                         f"VF-{2020 + counter % 6}-{counter:03d}"])
            parsed.append({"amount": float(amount), "start": d(start),
                           "end": d(end) if end else None, "kind": kind,
                           "coordination": coordination})
        outcome = gc.assess_funding(parsed, AS_OF, 12, COST)
        assert outcome["risk_level"] == intended, (q["nom"], scenario, outcome)
        expected[q["nom"]] = outcome
    gc.write_csv(os.path.join(OUT, "financement.csv"), header, rows, sep=",",
                 encoding="utf-8", bom=True)
    return expected


PROJECT_YAML = """\
# Démo covermap : Ville-Fleuve est une ville FICTIVE ; tous les chiffres sont inventés.
# Généré par scripts/make_demo.py.
title: "Concertations en petite enfance — Ville-Fleuve (données fictives)"
as_of: 2026-04-01
horizon_months: 12
coordination_cost: 65000
locale: fr-CA

territories:
  source: quartiers.shp
  key: nom                  # the tables are keyed by name; `code` is carried along
  name: nom
  encoding: CP1252          # the .dbf has no .cpg

data:
  - source: indicateurs.csv
    key: Territoire
    role: indicators
    columns:
      children_0_5: "Enfants 0-5 ans"
      families_reached: "Familles rejointes"
      children_reached: "Enfants rejoints"
      coordinator_fte: "ETP coordination"
  - source: partenaires.xlsx
    sheet: Partenaires
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

districts:                  # fictional electoral districts
  source: circonscriptions.gpkg
  key: code
  name: nom

maps:
  - name: couverture
    title: "Familles rejointes pour 100 enfants de 0 à 5 ans"
    value: coverage_rate
    classes: { method: fisher-jenks, count: 5 }
    style: ../../styles/sequential.yaml
    formats: [png, svg, pdf]
  - name: risque
    title: "Quartiers à risque de perdre leur coordination"
    value: risk_level
    style: ../../styles/risk.yaml
    formats: [png, svg, pdf]

report: { formats: [csv, md, html, pdf] }
export: { geopackage: true }
"""


def write_readme(quarters, indicators, partners, funding):
    lines = []
    for q in quarters:
        name = q["nom"]
        outcome = funding[name]
        children, families, _, _ = indicators[name]
        has_row = name != MISSING_FROM_INDICATORS and name not in (
            n for n, s in INDICATOR_SPELLING.items() if s == "Val-d'Aunay")
        until = outcome["funded_until"].isoformat() if outcome["funded_until"] else ""
        months = "" if outcome["months_funded"] is None else str(outcome["months_funded"])
        part = partners.get(name)
        lines.append(f"| {q['code']} | {name} | {outcome['risk_level']} | {until} | {months} | "
                     f"{outcome['shortfall']} | {families if has_row else ''} | "
                     f"{part[0] if part else ''} | {part[1] if part else ''} |")
    at_risk = [q["nom"] for q in quarters
               if funding[q["nom"]]["risk_level"] in ("at-risk", "no-coordination")]
    families_at_risk = sum(indicators[n][1] for n in at_risk
                           if n != MISSING_FROM_INDICATORS and n != "Val-d'Aulnay")
    total_shortfall = sum(o["shortfall"] for o in funding.values())
    codes = {q["cell"]: q["code"][1:] for q in quarters}
    text = README_TEMPLATE.format(
        table="\n".join(lines), n_at_risk=len(at_risk), families=families_at_risk,
        shortfall=total_shortfall, island=codes[ISLAND_CELL], hole=codes[HOLE_CELL],
        touch=codes[SELF_TOUCH_CELL])
    gc.write_text(os.path.join(OUT, "README.md"), text, newline="\n")


README_TEMPLATE = """\
# Ville-Fleuve: the covermap demo (fictional)

**Ville-Fleuve is a fictional city. Every quarter, name, organisation, grant and number
here is invented.** Everything in this folder is generated by `scripts/make_demo.py`
(fixed seed; rerunning it gives the same bytes): edit the script, not the files.

    /usr/bin/python3 scripts/make_demo.py

## Files

| file | what it is |
|---|---|
| `quartiers.shp` (+ `.shx`, `.dbf`, `.prj`) | 30 quarters, fields `code` (`Q01`..`Q30`) and `nom`; NAD83 / MTM zone 8 (EPSG:32188); DBF text in CP1252 **without a `.cpg`** (the project says `encoding: CP1252`) |
| `indicateurs.csv` | indicators, one row per quarter: `;` separator, CP1252, CRLF, decimal commas, thousands with a space, a no-break space (U+00A0) or nothing; a quoted field holding a `;` |
| `partenaires.xlsx` | partner organisations, sheet `Partenaires` (the first sheet, `Lisez-moi`, is a note) |
| `financement.csv` | grants: UTF-8 with a BOM, `,` separator, money as `65 000,00 $` (narrow no-break space U+202F), `$65,000`, `65 000 $` (U+00A0) or `65000`; dates ISO or dd/mm/yyyy; kinds `récurrent`/`recurrent`/`projet`/`project`; coordination `oui`/`Oui`/`yes`/`1`/`non`/`no`/`0` |
| `circonscriptions.gpkg` | three fictional electoral districts (vertical bands; some quarters straddle two) |
| `projet.yaml` | the project file (`covermap run geodata/demo/projet.yaml -o OUTDIR`) |

The tables are keyed by quarter **name** (column `Territoire`), not by code, as offices do;
so the project's territory key is `nom` (and `code` is carried along as an attribute).

## Deliberate oddities

- A river (the *rivière des Hérons*) runs east–west through the city: quarters on either bank
  do not touch; elsewhere the quarters share their edges exactly.
- `L'Île-aux-Hérons` (Q{island}) is multipart: its island lies in the river.
- `Côte-des-Érables` (Q{hole}) has a hole (a lake).
- `Bas-Saint-Rémi` (Q{touch}) has an invalid ring that touches itself at one vertex (an
  inverted hole, as digitising produces): covermap must repair it and say so.
- Names differ between the boundaries and the tables, and must join as `normalised`:
  `COTE-DES-ERABLES`, `Saint-Eloi-Bord-de-l’Eau`, `L’Île aux Hérons`, `les quatre chemins`
  (indicators); `sainte-cecile-des-pres`, `Pointe-à-l’Orme` (partners);
  `Bois-Joli-Les Tanneries`, `ILOT-PERREAULT` (funding).
- `Val-d'Aunay` in the indicators is a typo: `unmatched`, the note should suggest
  `Val-d'Aulnay` (which then has no indicator row).
- The indicators end with a `Total` row: `unmatched`.
- `Rosière` has no indicator row: `no-data` (its coverage rate is *no data*, not 0).
- `Îlot-Perreault` and `Rapides-Beaulac` have no partner rows: `partners` and `sectors` empty.
- One quarter has no funding row at all (`no-coordination`); the grants are designed so that
  every risk level occurs: recurrent grants that reach the cost (stable), coverage only with
  project grants (fragile), grants ending within the horizon, a one-day gap (15 October 2026),
  two partial grants with a gap between them, grants that add up to less than the cost
  (at-risk), only non-coordination grants, a grant starting after `as_of`, a grant that ended
  the day before `as_of` (no-coordination).

## Expected outcomes (as_of 2026-04-01, horizon 12 months, cost 65 000 $)

Computed by the day-by-day reference in `scripts/geodata_common.py` (`assess_funding`);
families reached are empty where the quarter has no joined indicator row; partners and
sectors empty where it has no partner row.

| code | name | risk_level | funded until | months_funded | shortfall | families_reached | partners | sectors |
|---|---|---|---|---|---|---|---|---|
{table}

Headline: **{n_at_risk} quartiers** at risk or without coordination, **{families} families**
reached there (known values only), **{shortfall} $** missing in all.
"""


def check_join_statuses(quarters):
    """Every spelling above joins as designed: normalised, or unmatched for the typo."""
    names = [q["nom"] for q in quarters]
    for spelling in (INDICATOR_SPELLING, PARTNER_SPELLING, FUNDING_SPELLING):
        for name, written in spelling.items():
            wanted = "unmatched" if written == "Val-d'Aunay" else "normalised"
            assert gc.join_status(written, names) == wanted, (written, wanted)
    assert gc.join_status("Total", names) == "unmatched"


def main():
    rng = random.Random(SEED)
    gc.fresh_dir(OUT)
    geoms = build_quarters(rng)
    quarters = name_cells()
    write_boundaries(quarters, geoms)
    write_districts()
    indicators = write_indicators(rng, quarters)
    partners = write_partners(rng, quarters)
    funding = write_funding(quarters)
    gc.write_text(os.path.join(OUT, "projet.yaml"), PROJECT_YAML, newline="\n")
    check_join_statuses(quarters)
    write_readme(quarters, indicators, partners, funding)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
