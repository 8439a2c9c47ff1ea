#!/usr/bin/python3
"""Generates tests/data/: small fixtures for covermap's end-to-end tests, each a folder
with its project file(s) and its inputs, small enough that every expected value can be
computed by hand (see basic/EXPECTED.md, bad/README.md and tests/data/README.md).

Usage: /usr/bin/python3 scripts/make_fixtures.py   (from anywhere; needs python3-gdal)

Deterministic: rerunning it gives the same bytes.
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from osgeo import gdal, ogr  # noqa: E402

import geodata_common as gc  # noqa: E402
from geodata_common import NBSP, NNBSP  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
MTM8 = gc.srs_from_epsg(32188)
AS_OF = datetime.date(2026, 4, 1)

# Origin of the fixtures' little grids, inside MTM zone 8 around Montréal.
OX, OY = 295000, 5040000


def folder(name):
    path = os.path.join(DATA, name)
    gc.fresh_dir(path)
    return path


def text_file(path, text):
    gc.write_text(path, text, newline="\n")


def grid_squares(count, columns=3, size=1000):
    """count squares of `size` metres sharing edges, `columns` a row, north to south."""
    squares = []
    for k in range(count):
        col, row = k % columns, k // columns
        x0, y0 = OX + col * size, OY - row * size
        squares.append(gc.rectangle(x0, y0, x0 + size, y0 + size))
    return squares


def territories(codes_names, path, driver="GeoJSON", **kwargs):
    features = [(geom, {"code": code, "nom": name})
                for geom, (code, name) in zip(grid_squares(len(codes_names)), codes_names)]
    if driver == "GeoJSON":
        gc.write_geojson(path, features, ["code", "nom"], MTM8, ogr.wkbPolygon)
    else:
        gc.write_shapefile(path, features, ["code", "nom"], MTM8, **kwargs)


def project(title, territories_block, data_block, extra=""):
    return (f'title: "{title}"\nas_of: 2026-04-01\nhorizon_months: 12\n'
            f"coordination_cost: 65000\nlocale: fr-CA\n\n"
            f"territories:\n{territories_block}\n"
            f"data:\n{data_block}\n"
            f"{extra}"
            "report: { formats: [csv] }\nexport: { geopackage: true }\n")


def territories_yaml(source, key="nom", name="nom", **more):
    lines = [f"  source: {source}", f"  key: {key}", f"  name: {name}"]
    lines += [f"  {k}: {v}" for k, v in more.items()]
    return "\n".join(lines) + "\n"


INDICATOR_COLUMNS = ("    columns: { children_0_5: enfants_0_5, families_reached: familles_rejointes,\n"
                     "               children_reached: enfants_rejoints, coordinator_fte: etp_coordination }\n")
FUNDING_COLUMNS = ("    columns: { funder: bailleur, amount: montant_annuel, start: debut, end: fin,\n"
                   "               kind: type, coordination: coordination }\n")


def indicators_entry(source, extra=""):
    return f"  - source: {source}\n    key: territoire\n    role: indicators\n{extra}{INDICATOR_COLUMNS}"


def partners_entry(source, extra=""):
    return (f"  - source: {source}\n    key: territoire\n    role: partners\n{extra}"
            "    columns: { name: organisme, sector: secteur }\n")


def funding_entry(source, extra=""):
    return f"  - source: {source}\n    key: territoire\n    role: funding\n{extra}{FUNDING_COLUMNS}"


INDICATOR_HEADER = ["territoire", "enfants_0_5", "familles_rejointes", "enfants_rejoints",
                    "etp_coordination"]
FUNDING_HEADER = ["territoire", "bailleur", "montant_annuel", "debut", "fin", "type",
                  "coordination"]


# ---------------------------------------------------------------- basic/

BASIC_TERRITORIES = [
    ("B01", "Saint-Michel"),
    ("B02", "Côte-des-Neiges–Notre-Dame-de-Grâce"),
    ("B03", "L'Île-Bizard"),
    ("B04", "Pierrefonds-Roxboro"),
    ("B05", "Verdun"),
]

# What basic/ must give (as_of 2026-04-01, 12 months = 365 days, cost 65 000):
# (risk_level, funded_until, months_funded, shortfall); None = empty.
BASIC_EXPECTED_FUNDING = {
    "B01": ("stable", None, None, 0),
    "B02": ("fragile", datetime.date(2027, 6, 30), 15, 0),
    "B03": ("at-risk", datetime.date(2026, 9, 30), 6, 32411),
    "B04": ("at-risk", datetime.date(2026, 6, 30), 3, 178),
    "B05": ("no-coordination", None, 0, 10863),
}


def make_basic():
    out = folder("basic")
    territories(BASIC_TERRITORIES, os.path.join(out, "territoires.geojson"))
    gc.write_csv(os.path.join(out, "indicateurs.csv"), INDICATOR_HEADER, [
        ["Saint-Michel", "2 400", "360", "410", "1,0"],                         # line 2
        ["Cote-des-Neiges-Notre-Dame-de-Grace", "5 000", "1 250", "1 300", "1,5"],  # line 3
        ["L'Île-Bizard", "800", "96", "100", "0,5"],                             # line 4
        ["Pierrefond-Roxboro", "1 200", "150", "160", "0,8"],                    # line 5
        ["Total", "9 400", "1 856", "1 970", "3,8"],                             # line 6
    ], sep=";")
    gc.write_csv(os.path.join(out, "partenaires.csv"), ["territoire", "organisme", "secteur"], [
        ["Saint-Michel", "CLSC de Saint-Michel", "santé"],
        ["Saint-Michel", "École Bienville", "scolaire"],
        ["Saint-Michel", "École Louis-Joseph-Papineau", "scolaire"],
        ["Saint-Michel", "CPE Les Petits Pas", "service de garde"],
        ["Saint-Michel", "Bibliothèque de Saint-Michel", "bibliothèque"],
        ["Saint-Michel", "Maison de la famille de Saint-Michel", "communautaire"],
        ["Côte-des-Neiges–Notre-Dame-de-Grâce", "CLSC de Côte-des-Neiges", "santé"],
        ["Côte-des-Neiges–Notre-Dame-de-Grâce", "CPE Le Jardin de Grâce", "service de garde"],
        ["Côte-des-Neiges–Notre-Dame-de-Grâce", "Carrefour familial NDG", "communautaire"],
        ["L\u2019Île-Bizard", "CLSC de l'Ouest-de-l'Île", "santé"],
        ["L\u2019Île-Bizard", "Clinique de pédiatrie sociale de l'Île", "santé"],
        ["Pierrefonds-Roxboro", "Arrondissement — Culture et loisirs", "municipal"],
    ], sep=";")
    gc.write_csv(os.path.join(out, "financement.csv"), FUNDING_HEADER, [
        ["Saint-Michel", "Fondation A", "65 000,00 $", "2024-04-01", "", "récurrent", "oui"],
        ["Côte-des-Neiges–Notre-Dame-de-Grâce", "Ville", "$40,000", "01/01/2025", "31/12/2028",
         "recurrent", "yes"],
        ["Côte-des-Neiges–Notre-Dame-de-Grâce", "Fondation B", "30000", "2025-07-01",
         "30/06/2027", "projet", "1"],
        ["L'Île-Bizard", "Fondation B", "65 000 $", "01/10/2025", "2026-09-30", "project", "oui"],
        ["Pierrefonds-Roxboro", "Ministère", "65000", "2024-01-01", "2026-06-30", "récurrent",
         "oui"],
        ["Pierrefonds-Roxboro", "Ministère", "65000", "2026-07-02", "", "récurrent", "oui"],
        ["Verdun", "Fondation C", "80000", "2024-04-01", "", "recurrent", "non"],
        ["Verdun", "Ville", "65000", "01/06/2026", "", "récurrent", "oui"],
    ], sep=",")
    maps = ("maps:\n"
            "  - name: couverture\n"
            '    title: "Familles rejointes pour 100 enfants de 0 à 5 ans"\n'
            "    value: coverage_rate\n"
            "    classes: { method: quantile, count: 3 }\n"
            "    formats: [svg]\n"
            "  - name: risque\n"
            '    title: "Quartiers à risque de perdre leur coordination"\n'
            "    value: risk_level\n"
            "    formats: [svg]\n\n")
    text_file(os.path.join(out, "project.yaml"), project(
        "Fixture basic",
        territories_yaml("territoires.geojson"),
        indicators_entry("indicateurs.csv") + partners_entry("partenaires.csv")
        + funding_entry("financement.csv"),
        maps))
    check_basic_funding()
    names = [n for _, n in BASIC_TERRITORIES]
    statuses = [gc.join_status(k, names) for k in
                ["Saint-Michel", "Cote-des-Neiges-Notre-Dame-de-Grace", "L'Île-Bizard",
                 "Pierrefond-Roxboro", "Total", "L\u2019Île-Bizard"]]
    assert statuses == ["matched", "normalised", "matched", "unmatched", "unmatched",
                        "normalised"], statuses
    text_file(os.path.join(out, "EXPECTED.md"), BASIC_EXPECTED_MD)


def check_basic_funding():
    """The hand-computed outcomes above agree with the day-by-day reference."""
    def g(amount, start, end, kind, coordination=True):
        return {"amount": amount, "start": datetime.date.fromisoformat(start),
                "end": datetime.date.fromisoformat(end) if end else None, "kind": kind,
                "coordination": coordination}
    grants = {
        "B01": [g(65000, "2024-04-01", None, "recurrent")],
        "B02": [g(40000, "2025-01-01", "2028-12-31", "recurrent"),
                g(30000, "2025-07-01", "2027-06-30", "project")],
        "B03": [g(65000, "2025-10-01", "2026-09-30", "project")],
        "B04": [g(65000, "2024-01-01", "2026-06-30", "recurrent"),
                g(65000, "2026-07-02", None, "recurrent")],
        "B05": [g(80000, "2024-04-01", None, "recurrent", False),
                g(65000, "2026-06-01", None, "recurrent")],
    }
    for code, expected in BASIC_EXPECTED_FUNDING.items():
        got = gc.assess_funding(grants[code], AS_OF)
        assert (got["risk_level"], got["funded_until"], got["months_funded"],
                got["shortfall"]) == expected, (code, got)


BASIC_EXPECTED_MD = """\
# basic/: expected results (computed by hand)

Project: `project.yaml`; as_of 2026-04-01, horizon 12 months (2026-04-01 to 2027-03-31
inclusive: 365 days, no 29 February), coordination_cost 65 000. Territories
(`territoires.geojson`, EPSG:32188, five 1 km squares, key `code`, name `nom`):
B01 Saint-Michel, B02 Côte-des-Neiges–Notre-Dame-de-Grâce, B03 L'Île-Bizard,
B04 Pierrefonds-Roxboro, B05 Verdun.

The tables are keyed by territory **name**, so the project says `key: nom` (the field
`code` is carried along as an attribute): `territory_key` in the join report and `key` in
gap-report.csv are names. Below, B01..B05 are shorthand for the territories.

## join-report.csv

| table | source_key | status | territory_key | note |
|---|---|---|---|---|
| indicateurs.csv | Saint-Michel | matched | Saint-Michel | |
| indicateurs.csv | Cote-des-Neiges-Notre-Dame-de-Grace | normalised | Côte-des-Neiges–Notre-Dame-de-Grâce | accents and dash (en dash vs hyphen) differ |
| indicateurs.csv | L'Île-Bizard | matched | L'Île-Bizard | |
| indicateurs.csv | Pierrefond-Roxboro | unmatched | | suggests Pierrefonds-Roxboro, edit distance 1 |
| indicateurs.csv | Total | unmatched | | (no useful suggestion expected; do not assert the note) |
| indicateurs.csv | | no-data | Pierrefonds-Roxboro | |
| indicateurs.csv | | no-data | Verdun | |
| partenaires.csv | Saint-Michel | matched | Saint-Michel | 6 rows |
| partenaires.csv | Côte-des-Neiges–Notre-Dame-de-Grâce | matched | Côte-des-Neiges–Notre-Dame-de-Grâce | 3 rows |
| partenaires.csv | L’Île-Bizard | normalised | L'Île-Bizard | typographic apostrophe U+2019 |
| partenaires.csv | Pierrefonds-Roxboro | matched | Pierrefonds-Roxboro | |
| partenaires.csv | | no-data | Verdun | |
| financement.csv | (each of the 5 names) | matched | (the same name) | 8 rows, no no-data |

Counts: indicators 2 matched, 1 normalised, 2 unmatched, 2 no-data; partners 3 matched,
1 normalised, 1 no-data; funding 5 matched. (Indicators lines: header = line 1;
Saint-Michel 2, Cote-des-Neiges… 3, L'Île-Bizard 4, Pierrefond-Roxboro 5, Total 6.)

## Indicators

| key | children_0_5 | families_reached | coverage_rate | partners | sectors | partners_per_1000_children |
|---|---|---|---|---|---|---|
| B01 | 2400 | 360 | 15.0 | 6 | 5 | 2.5 |
| B02 | 5000 | 1250 | 25.0 | 3 | 3 | 0.6 |
| B03 | 800 | 96 | 12.0 | 2 | 1 | 2.5 |
| B04 | (null) | (null) | (null) | 1 | 1 | (null) |
| B05 | (null) | (null) | (null) | (null) | (null) | (null) |

(B01 sectors: santé, scolaire, service de garde, bibliothèque, communautaire; B03's two
partners are both `santé`.)

## Funding (money `65 000,00 $`, `$40,000`, `65 000 $`, `30000`; dates ISO and dd/mm/yyyy)

| key | grants (coordination unless said) | risk_level | coordination_funded_until | months_funded | shortfall |
|---|---|---|---|---|---|
| B01 | 65 000 recurrent from 2024-04-01, open-ended | stable | (empty: never stops) | (empty) | 0 |
| B02 | 40 000 recurrent 2025-01-01..2028-12-31 + 30 000 project 2025-07-01..2027-06-30 | fragile | 2027-06-30 | 15 | 0 |
| B03 | 65 000 project 2025-10-01..2026-09-30 | at-risk | 2026-09-30 | 6 | 32411 |
| B04 | 65 000 recurrent ..2026-06-30, then from 2026-07-02 (one-day gap on 2026-07-01) | at-risk | 2026-06-30 | 3 | 178 |
| B05 | 80 000 recurrent NOT coordination; 65 000 recurrent from 2026-06-01 | no-coordination | (empty) | 0 | 10863 |

Shortfalls: B03 lacks 65 000 on the 182 days 2026-10-01..2027-03-31 (31+30+31+31+28+31):
182 × 65 000 / 365 = 32 410.96 → 32411. B04 lacks one day: 65 000 / 365 = 178.08 → 178.
B05 lacks April and May 2026, 61 days: 61 × 65 000 / 365 = 10 863.01 → 10863.
B02 is fragile: 40 000 recurrent alone is below the cost on every day; with the project
grant, 70 000 until 2027-06-30. months_funded: as_of + 15 months = 2027-07-01 = D + 1.

## gap-report.csv order and headline

Rows, most at risk first: B05 (no-coordination), B03 (at-risk, shortfall 32411), B04 (at-risk,
178), B02 (fragile), B01 (stable).

Headline: **3** quarters at risk or without coordination (B03, B04, B05); families reached
there: **96** (only B03 has a joined indicator row); missing in all: 32411 + 178 + 10863 =
**43452 $** (unrounded: 244 × 65 000 / 365 = 43 452.05).
"""


# ---------------------------------------------------------------- cp1252_shp/

CP1252_TERRITORIES = [
    ("C1", "Île-Bizard–Sainte-Geneviève"),
    ("C2", "L'Île-Dorval"),
    ("C3", "Pierrefonds-Roxboro"),
    ("C4", "Sainte-Anne-de-Bellevue"),
]


def simple_indicators(path, names, sep=";"):
    """One row per name: children 1000 × k, families 100 × k (coverage 10.0)."""
    rows = [[name, f"{1000 * k}", f"{100 * k}", f"{110 * k}", "1,0"]
            for k, name in enumerate(names, start=1)]
    gc.write_csv(path, INDICATOR_HEADER, rows, sep=sep)


def make_cp1252_shp():
    out = folder("cp1252_shp")
    territories(CP1252_TERRITORIES, os.path.join(out, "quartiers.shp"), driver="shp",
                encoding="CP1252", cpg=False)
    with open(os.path.join(out, "quartiers.dbf"), "rb") as dbf:
        raw = dbf.read()
    assert "Île-Bizard–Sainte-Geneviève".encode("cp1252") in raw and b"\x96" in raw
    simple_indicators(os.path.join(out, "indicateurs.csv"), [n for _, n in CP1252_TERRITORIES])
    text_file(os.path.join(out, "project.yaml"), project(
        "Fixture cp1252_shp",
        territories_yaml("quartiers.shp", encoding="CP1252"),
        indicators_entry("indicateurs.csv")))


# ---------------------------------------------------------------- lonlat/

LONLAT_NAMES = ["Ahuntsic-Cartierville", "Villeray–Saint-Michel–Parc-Extension",
                "Rosemont–La Petite-Patrie", "Le Plateau-Mont-Royal"]


def make_lonlat():
    out = folder("lonlat")
    features = []
    lon0, lat0, step = -73.64, 45.56, 0.02
    for k, name in enumerate(LONLAT_NAMES):
        x0, y0 = lon0 + (k % 2) * step, lat0 - (k // 2) * step
        geom = gc.rectangle(round(x0, 4), round(y0, 4), round(x0 + step, 4), round(y0 + step, 4))
        features.append((geom, {"CODEID": k + 1, "NOM": name}))
    gc.write_geojson(os.path.join(out, "arrondissements.geojson"), features, ["CODEID", "NOM"],
                     gc.srs_from_epsg(4326), ogr.wkbPolygon, precision=6)
    # Keyed by name; one key written with hyphens instead of en dashes (normalised).
    names = list(LONLAT_NAMES)
    names[1] = "Villeray-Saint-Michel-Parc-Extension"
    assert gc.join_status(names[1], LONLAT_NAMES) == "normalised"
    simple_indicators(os.path.join(out, "indicateurs.csv"), names)
    text_file(os.path.join(out, "project.yaml"), project(
        "Fixture lonlat",
        territories_yaml("arrondissements.geojson", key="NOM", name="NOM"),
        indicators_entry("indicateurs.csv")))


# ---------------------------------------------------------------- nocrs/

def make_nocrs():
    out = folder("nocrs")
    codes_names = [("N1", "Anjou"), ("N2", "Lachine"), ("N3", "LaSalle"), ("N4", "Outremont")]
    territories(codes_names, os.path.join(out, "quartiers.shp"), driver="shp", prj=False)
    simple_indicators(os.path.join(out, "indicateurs.csv"), [n for _, n in codes_names])
    text_file(os.path.join(out, "project.yaml"), project(
        "Fixture nocrs (no CRS anywhere: must be an error)",
        territories_yaml("quartiers.shp"), indicators_entry("indicateurs.csv")))
    text_file(os.path.join(out, "project-srs.yaml"), project(
        "Fixture nocrs with an srs override",
        territories_yaml("quartiers.shp", srs="EPSG:32188"), indicators_entry("indicateurs.csv")))


# ---------------------------------------------------------------- invalid_geom/

def make_invalid_geom():
    out = folder("invalid_geom")

    def at(points, dx):
        return [(OX + dx + x, OY + y) for x, y in points]

    square = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    bowtie = gc.polygon([at([(0, 0), (1000, 1000), (1000, 0), (0, 1000)], 0)])
    # Counter-clockwise shell; at (1000,1000) a clockwise loop comes back to the vertex.
    touching = gc.polygon([at([(0, 0), (1000, 0), (1000, 1000), (800, 600), (600, 800),
                               (1000, 1000), (0, 1000)], 1500)])
    holed = gc.polygon([at(square, 3000), at([(300, 300), (300, 700), (700, 700), (700, 300)], 3000)])
    multipart = gc.multipolygon([gc.polygon([at(square, 4500)]),
                                 gc.polygon([at([(1200, 400), (1400, 400), (1400, 600), (1200, 600)],
                                                4500)])])
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS reports the (wanted) invalidity
    assert not bowtie.IsValid() and not touching.IsValid()
    gdal.PopErrorHandler()
    assert holed.IsValid() and multipart.IsValid()
    assert abs(bowtie.MakeValid().GetArea() - 500000) < 1e-6
    assert abs(touching.MakeValid().GetArea() - 940000) < 1e-6
    features = [(bowtie, {"code": "G1", "nom": "Papillon"}),
                (touching, {"code": "G2", "nom": "Boucle"}),
                (holed, {"code": "G3", "nom": "Trouée"}),
                (multipart, {"code": "G4", "nom": "Archipel"})]
    gc.write_geojson(os.path.join(out, "territoires.geojson"), features, ["code", "nom"], MTM8,
                     ogr.wkbUnknown)
    simple_indicators(os.path.join(out, "indicateurs.csv"), ["Papillon", "Boucle", "Trouée", "Archipel"])
    text_file(os.path.join(out, "project.yaml"), project(
        "Fixture invalid_geom", territories_yaml("territoires.geojson"),
        indicators_entry("indicateurs.csv")))


# ---------------------------------------------------------------- points/

def make_points():
    out = folder("points")
    points, lines = [], []
    for k, name in enumerate(["Anjou", "Lachine", "LaSalle", "Outremont"]):
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(OX + 500 + 1000 * k, OY + 500)
        points.append((point, {"code": f"P{k + 1}", "nom": name}))
        line = ogr.Geometry(ogr.wkbLineString)
        line.AddPoint_2D(OX + 1000 * k, OY)
        line.AddPoint_2D(OX + 1000 * k + 900, OY + 900)
        lines.append((line, {"code": f"L{k + 1}", "nom": name}))
    gc.write_geojson(os.path.join(out, "points.geojson"), points, ["code", "nom"], MTM8, ogr.wkbPoint)
    gc.write_geojson(os.path.join(out, "lignes.geojson"), lines, ["code", "nom"], MTM8,
                     ogr.wkbLineString)
    simple_indicators(os.path.join(out, "indicateurs.csv"), ["Anjou", "Lachine", "LaSalle", "Outremont"])
    text_file(os.path.join(out, "project.yaml"), project(
        "Fixture points (a layer of points: must be an error)",
        territories_yaml("points.geojson"), indicators_entry("indicateurs.csv")))
    text_file(os.path.join(out, "project-lines.yaml"), project(
        "Fixture lines (a layer of lines: must be an error)",
        territories_yaml("lignes.geojson"), indicators_entry("indicateurs.csv")))


# ---------------------------------------------------------------- gpkg_layer/

def make_gpkg_layer():
    out = folder("gpkg_layer")
    path = os.path.join(out, "limites.gpkg")
    sectors = [(gc.rectangle(OX, OY - 1000, OX + 2000, OY + 1000), {"code": "S1", "nom": "Secteur Ouest"}),
               (gc.rectangle(OX + 2000, OY - 1000, OX + 4000, OY + 1000), {"code": "S2", "nom": "Secteur Est"})]
    names = [("Q1", "Rosemont"), ("Q2", "Petite-Patrie"), ("Q3", "Mile End"), ("Q4", "Villeray")]
    quarters = [(geom, {"code": c, "nom": n}) for geom, (c, n) in zip(grid_squares(4, columns=2), names)]
    # Small pages keep the file at ~40 kB instead of ~115 kB.
    gdal.SetConfigOption("OGR_SQLITE_PRAGMA", "page_size=1024")
    # The first layer is NOT the one the project wants.
    gc.write_vector(path, "GPKG", "secteurs", sectors, ["code", "nom"], MTM8, ogr.wkbPolygon)
    gc.write_vector(path, "GPKG", "quartiers", quarters, ["code", "nom"], MTM8, ogr.wkbPolygon,
                    append=True)
    gdal.SetConfigOption("OGR_SQLITE_PRAGMA", None)
    simple_indicators(os.path.join(out, "indicateurs.csv"), [n for _, n in names])
    text_file(os.path.join(out, "project.yaml"), project(
        "Fixture gpkg_layer", territories_yaml("limites.gpkg", layer="quartiers"),
        indicators_entry("indicateurs.csv")))


# ---------------------------------------------------------------- tables_formats/

FORMAT_TERRITORIES = [("F1", "Île-Bizard–Sainte-Geneviève"), ("F2", "Côte-Saint-Luc"),
                      ("F3", "Montréal-Nord"), ("F4", "Lachine")]
FORMAT_HEADER = ["Territoire", "Enfants 0-5 ans", "Familles rejointes", "Enfants rejoints",
                 "ETP coordination"]
FORMAT_VALUES = [  # children, families, children reached, FTE
    (1250, 200, 230, 0.5), (2000, 500, 540, 1.0), (4800, 1200, 1320, 1.5), (1000, 150, 180, 0.8)]


def make_tables_formats():
    out = folder("tables_formats")
    territories(FORMAT_TERRITORIES, os.path.join(out, "territoires.geojson"))
    names = [n for _, n in FORMAT_TERRITORIES]
    # Tab-separated, UTF-8 without BOM: thousands with U+202F, U+00A0 and an ASCII space.
    tsv_rows = [
        [names[0], f"1{NNBSP}250", "200", "230", "0,5"],
        [names[1], f"2{NBSP}000", "500", "540", "1,0"],
        [names[2], "4 800", f"1{NNBSP}200", f"1{NBSP}320", "1,5"],
        [names[3], "1000", "150", "180", "0,8"],
    ]
    gc.write_csv(os.path.join(out, "indicateurs.tsv"), FORMAT_HEADER, tsv_rows, sep="\t")
    typed_rows = [[name, *values] for name, values in zip(names, FORMAT_VALUES)]
    notes = ("Notes", ["Note"], [["Indicateurs fictifs pour les tests de covermap."]])
    gc.write_sheets(os.path.join(out, "indicateurs.xlsx"), "XLSX",
                    [notes, ("Indicateurs 2025", FORMAT_HEADER, typed_rows)])
    gc.write_sheets(os.path.join(out, "indicateurs.ods"), "ODS",
                    [notes, ("Indicateurs", FORMAT_HEADER, typed_rows)])
    # CP1252, `;`, no declared encoding: must be detected (0x96 en dash, 0xE9 é...).
    gc.write_csv(os.path.join(out, "partenaires.csv"), ["territoire", "organisme", "secteur"], [
        [names[0], "CLSC de l'Ouest-de-l'Île", "santé"],
        [names[0], "École Île-Bizard–Sainte-Geneviève", "scolaire"],
        [names[1], "CLSC René-Cassin", "santé"],
        [names[1], "CPE Les Écureuils", "service de garde"],
        [names[1], "Bibliothèque Éleanor-London", "bibliothèque"],
        [names[2], "Maison de la famille de Montréal-Nord", "communautaire"],
        [names[3], "Arrondissement de Lachine — Loisirs", "municipal"],
        [names[3], "Arrondissement de Lachine — Développement social", "municipal"],
    ], sep=";", encoding="cp1252")
    # UTF-8 with BOM, `,`, quoted money, dates both ways, booleans French and English.
    gc.write_csv(os.path.join(out, "financement.csv"), FUNDING_HEADER, [
        [names[0], "Fondation A", f"65{NNBSP}000,00 $", "2025-04-01", "31/03/2028", "récurrent", "vrai"],
        [names[0], "Fondation B", "$12,500", "01/01/2026", "2026-12-31", "project", "faux"],
        [names[1], "Fondation B", "$65,000", "01/04/2025", "2026-09-30", "project", "yes"],
        [names[2], "Ville", f"70{NBSP}000 $", "2025-01-01", "31/12/2027", "projet", "oui"],
        [names[2], "Ville", "15000", "2026-01-01", "", "recurrent", "no"],
        [names[3], "Ministère", "65000", "01/05/2026", "", "récurrent", "1"],
        [names[3], "Fondation C", f"5{NBSP}000 $", "2025-01-01", "", "récurrent", "0"],
        [names[3], "Fondation D", "12000", "2025-01-01", "2025-12-31", "projet", "non"],
    ], sep=",", bom=True)
    columns = ('    columns: { children_0_5: "Enfants 0-5 ans", families_reached: "Familles rejointes",\n'
               '               children_reached: "Enfants rejoints", coordinator_fte: "ETP coordination" }\n')
    for filename, source, sheet in [("project.yaml", "indicateurs.tsv", None),
                                    ("project-xlsx.yaml", "indicateurs.xlsx", "Indicateurs 2025"),
                                    ("project-ods.yaml", "indicateurs.ods", "Indicateurs")]:
        entry = f"  - source: {source}\n    key: Territoire\n    role: indicators\n"
        if sheet:
            entry += f'    sheet: "{sheet}"\n'
        text_file(os.path.join(out, filename), project(
            f"Fixture tables_formats ({source})", territories_yaml("territoires.geojson"),
            entry + columns + partners_entry("partenaires.csv") + funding_entry("financement.csv")))


# ---------------------------------------------------------------- bad/

BAD_TERRITORIES = [("T1", "Saint-Michel"), ("T2", "Villeray"), ("T3", "Parc-Extension"),
                   ("T4", "Ahuntsic")]


def bad_project(comment, territories_block=None, data_block=None, top=""):
    return (f"# {comment}\n"
            f'title: "Fixture bad"\nas_of: 2026-04-01\n{top}'
            "territories:\n" + (territories_block or territories_yaml("territoires.geojson"))
            + "data:\n" + (data_block or indicators_entry("indicateurs.csv")))


def make_bad():
    out = folder("bad")
    territories(BAD_TERRITORIES, os.path.join(out, "territoires.geojson"))
    names = [n for _, n in BAD_TERRITORIES]

    def indicators(filename, rows):
        gc.write_csv(os.path.join(out, filename), INDICATOR_HEADER, rows, sep=";")

    def funding(filename, rows):
        gc.write_csv(os.path.join(out, filename), FUNDING_HEADER, rows, sep=",")

    good_rows = [[n, "1 000", "100", "110", "1,0"] for n in names]
    indicators("indicateurs.csv", good_rows)
    good_funding = [[n, "Ville", "65 000 $", "2025-01-01", "2027-12-31", "récurrent", "oui"]
                    for n in names]

    files = {}
    files["yaml_syntax.yaml"] = (
        "# invalid YAML: an unquoted colon in the title (line 2, column 22)\n"
        "title: Petite enfance: état des lieux\n"
        "as_of: 2026-04-01\n"
        "territories:\n" + territories_yaml("territoires.geojson")
        + "data:\n" + indicators_entry("indicateurs.csv"))
    files["unknown_key.yaml"] = bad_project(
        "unknown key on line 4: horizon_month (closest valid key: horizon_months)",
        top="horizon_month: 12\n")
    files["missing_source.yaml"] = bad_project(
        "data source indicateurs_2024.csv does not exist",
        data_block=indicators_entry("indicateurs_2024.csv"))

    rows = [list(r) for r in good_rows]
    rows[2][1] = "12 4OO"  # letter O for zero, line 4 (header is line 1)
    indicators("indicateurs_bad_number.csv", rows)
    files["bad_number.yaml"] = bad_project(
        "indicateurs_bad_number.csv line 4, column enfants_0_5: \"12 4OO\" is not a number",
        data_block=indicators_entry("indicateurs_bad_number.csv"))

    rows = [list(r) for r in good_rows]
    rows[1][2] = "-12"
    indicators("indicateurs_negative_count.csv", rows)
    files["negative_count.yaml"] = bad_project(
        "indicateurs_negative_count.csv line 3, column familles_rejointes: -12 is negative",
        data_block=indicators_entry("indicateurs_negative_count.csv"))

    rows = [list(r) for r in good_funding]
    rows[1][4] = "31/02/2026"
    funding("financement_bad_date.csv", rows)
    files["bad_date.yaml"] = bad_project(
        "financement_bad_date.csv line 3, column fin: 31/02/2026 is not a date",
        data_block=funding_entry("financement_bad_date.csv"))

    rows = [list(r) for r in good_funding]
    rows[0][6] = "peut-être"
    funding("financement_bad_bool.csv", rows)
    files["bad_bool.yaml"] = bad_project(
        "financement_bad_bool.csv line 2, column coordination: \"peut-être\" is not a boolean",
        data_block=funding_entry("financement_bad_bool.csv"))

    files["missing_column.yaml"] = bad_project(
        "columns: maps children_0_5 to enfants_0_5_ans, which indicateurs.csv lacks",
        data_block=("  - source: indicateurs.csv\n    key: territoire\n    role: indicators\n"
                    "    columns: { children_0_5: enfants_0_5_ans, families_reached: familles_rejointes }\n"))

    rows = [list(r) for r in good_rows] + [["Villeray", "2 000", "300", "310", "1,0"]]
    indicators("indicateurs_duplicate_key.csv", rows)
    files["duplicate_key.yaml"] = bad_project(
        "indicateurs_duplicate_key.csv: Villeray on line 3 and again on line 6",
        data_block=indicators_entry("indicateurs_duplicate_key.csv"))

    files["missing_key_field.yaml"] = bad_project(
        "territories key field code_quartier is not in territoires.geojson (fields: code, nom)",
        territories_block=territories_yaml("territoires.geojson", key="code_quartier"))

    for filename, text in files.items():
        text_file(os.path.join(out, filename), text)
    text_file(os.path.join(out, "README.md"), BAD_README)


BAD_README = """\
# bad/: one project per kind of broken input

Each `*.yaml` here is minimal and wrong in exactly one way; all share `territoires.geojson`
(EPSG:32188; fields `code` T1..T4 and `nom`: Saint-Michel, Villeray, Parc-Extension,
Ahuntsic; the projects say `key: nom`) and, unless said, `indicateurs.csv` (valid). Line numbers count from 1 and a
table's header is its line 1. `covermap check` and `covermap run` must each exit non-zero
with one clear line on stderr naming the file (and line, and field), write nothing, and not
crash or leak.

| project | what is wrong | the error must name |
|---|---|---|
| `yaml_syntax.yaml` | `title: Petite enfance: état des lieux` (an unquoted `: `) | `yaml_syntax.yaml`, line 2, column 22 (1-based; libyaml's 0-based mark is line 1, column 21) |
| `unknown_key.yaml` | `horizon_month: 12` | `unknown_key.yaml`, line 4, key `horizon_month`, suggests `horizon_months` |
| `missing_source.yaml` | data source `indicateurs_2024.csv` does not exist | `indicateurs_2024.csv` (not found), and the project line of the entry (line 9) |
| `bad_number.yaml` | `12 4OO` (letter O) in `enfants_0_5` | `indicateurs_bad_number.csv`, line 4, column `enfants_0_5`, the value `12 4OO` |
| `negative_count.yaml` | `-12` in `familles_rejointes` | `indicateurs_negative_count.csv`, line 3, column `familles_rejointes` |
| `bad_date.yaml` | end date `31/02/2026` | `financement_bad_date.csv`, line 3, column `fin`, the value `31/02/2026` |
| `bad_bool.yaml` | coordination `peut-être` | `financement_bad_bool.csv`, line 2, column `coordination` |
| `missing_column.yaml` | `columns:` maps `children_0_5` to `enfants_0_5_ans`, absent from the CSV | `indicateurs.csv` and the column `enfants_0_5_ans` (hint: the columns it has, e.g. `enfants_0_5`) |
| `duplicate_key.yaml` | `Villeray` twice in the indicators | `indicateurs_duplicate_key.csv`, lines 3 and 6 |
| `missing_key_field.yaml` | territories `key: code_quartier`, absent from the layer | `territoires.geojson`, field `code_quartier` (hint: fields `code`, `nom`) |

Other broken inputs live in their own folders: `../nocrs/project.yaml` (no CRS and no
`srs:`), `../points/project.yaml` and `../points/project-lines.yaml` (not polygons).
"""


# ---------------------------------------------------------------- README

README = """\
# tests/data: fixtures for the end-to-end tests

Generated by `scripts/make_fixtures.py` (`/usr/bin/python3 scripts/make_fixtures.py`):
edit the script, not the files. All names are real Montréal place names or invented; all
numbers are invented. Every folder holds its project file(s) and inputs; tables are keyed
by territory name, so the projects say `key: nom` (`key: NOM` in `lonlat/`) and carry the
`code` field along. as_of is 2026-04-01, cost 65 000, horizon 12 months everywhere.

| folder | what it exercises | expected |
|---|---|---|
| `basic/` | GeoJSON (EPSG:32188, `code`/`nom`), `;` CSV with decimal commas, partners, funding in every money/date/boolean style | see `basic/EXPECTED.md` (join statuses, indicators, risk, shortfall, order, headline) |
| `cp1252_shp/` | Shapefile, DBF in CP1252, **no .cpg**, `encoding: CP1252` | names read back exactly: `Île-Bizard–Sainte-Geneviève` (en dash = byte 0x96), `L'Île-Dorval`; all four indicator keys `matched` |
| `lonlat/` | GeoJSON in EPSG:4326 (lon/lat, Montréal), `key: NOM` | 3 `matched`, `Villeray-Saint-Michel-Parc-Extension` `normalised` (hyphens for en dashes); maps drawn in a local projection |
| `nocrs/` | Shapefile without .prj | `project.yaml`: error (no CRS, hint: `srs:`); `project-srs.yaml` (`srs: EPSG:32188`): runs, 4 `matched` |
| `invalid_geom/` | G1 `Papillon` bowtie, G2 `Boucle` ring touching itself (inverted hole), G3 `Trouée` hole, G4 `Archipel` multipart | all 4 kept; G1 and G2 reported as repaired; areas after repair: G1 500 000 m² (both lobes kept: buffer(0) would lose one), G2 940 000, G3 840 000, G4 1 040 000 |
| `points/` | `project.yaml` a layer of points, `project-lines.yaml` a layer of lines | error naming the file: not polygons |
| `gpkg_layer/` | GeoPackage with layers `secteurs` (first, 2 features) and `quartiers` (4), `layer: quartiers` | 4 territories (Rosemont, Petite-Patrie, Mile End, Villeray), all indicator keys `matched` |
| `tables_formats/` | same tables as `.tsv` (`project.yaml`), `.xlsx` sheet `Indicateurs 2025` (`project-xlsx.yaml`), `.ods` sheet `Indicateurs` (`project-ods.yaml`), each after a first sheet `Notes`; CP1252 `partenaires.csv` with no declared encoding; UTF-8 BOM `financement.csv` | see below; the three projects give identical results |
| `bad/` | one project per kind of broken input | see `bad/README.md` |

The indicator tables of `cp1252_shp/`, `lonlat/`, `nocrs/`, `invalid_geom/`, `points/` and
`gpkg_layer/` give the k-th territory (file order) children_0_5 = 1000 k and families_reached
= 100 k: coverage_rate 10.0 everywhere.

## tables_formats/ expected

Column names hold spaces and accents (`Enfants 0-5 ans`, `ETP coordination`); the TSV writes
thousands with U+202F, U+00A0 and an ASCII space and decimals with a comma.

| code | name (= key) | children_0_5 | families | coverage_rate | partners | sectors | risk_level | funded_until | months_funded | shortfall |
|---|---|---|---|---|---|---|---|---|---|---|
| F1 | Île-Bizard–Sainte-Geneviève | 1250 | 200 | 16.0 | 2 | 2 | stable | 2028-03-31 | 24 | 0 |
| F2 | Côte-Saint-Luc | 2000 | 500 | 25.0 | 3 | 3 | at-risk | 2026-09-30 | 6 | 32411 |
| F3 | Montréal-Nord | 4800 | 1200 | 25.0 | 1 | 1 | fragile | 2027-12-31 | 21 | 0 |
| F4 | Lachine | 1000 | 150 | 15.0 | 2 | 1 | no-coordination | (empty) | 0 | 5342 |

Funding: F1 `65 000,00 $` (U+202F) recurrent to `31/03/2028`, `vrai`, plus a `faux` project
(ignored); F2 `$65,000` project to 2026-09-30, `yes`; F3 `70 000 $` (U+00A0) project to
`31/12/2027`, `oui`, plus a `no` recurrent (ignored); F4 `65000` recurrent from `01/05/2026`,
`1` (starts after as_of: 30 days short, 30 × 65 000 / 365 = 5 342.47), plus `0` and `non`
grants (ignored). All partner and funding keys `matched`; all four indicator keys `matched`.
"""


def check_tables_formats_funding():
    def g(amount, start, end, kind, coordination=True):
        return {"amount": amount, "start": datetime.date.fromisoformat(start),
                "end": datetime.date.fromisoformat(end) if end else None, "kind": kind,
                "coordination": coordination}
    cases = {
        "F1": ([g(65000, "2025-04-01", "2028-03-31", "recurrent"),
                g(12500, "2026-01-01", "2026-12-31", "project", False)],
               ("stable", datetime.date(2028, 3, 31), 24, 0)),
        "F2": ([g(65000, "2025-04-01", "2026-09-30", "project")],
               ("at-risk", datetime.date(2026, 9, 30), 6, 32411)),
        "F3": ([g(70000, "2025-01-01", "2027-12-31", "project"),
                g(15000, "2026-01-01", None, "recurrent", False)],
               ("fragile", datetime.date(2027, 12, 31), 21, 0)),
        "F4": ([g(65000, "2026-05-01", None, "recurrent"),
                g(5000, "2025-01-01", None, "recurrent", False),
                g(12000, "2025-01-01", "2025-12-31", "project", False)],
               ("no-coordination", None, 0, 5342)),
    }
    for code, (grants, expected) in cases.items():
        got = gc.assess_funding(grants, AS_OF)
        assert (got["risk_level"], got["funded_until"], got["months_funded"],
                got["shortfall"]) == expected, (code, got)


def main():
    os.makedirs(DATA, exist_ok=True)
    make_basic()
    make_cp1252_shp()
    make_lonlat()
    make_nocrs()
    make_invalid_geom()
    make_points()
    make_gpkg_layer()
    make_tables_formats()
    check_tables_formats_funding()
    make_bad()
    text_file(os.path.join(DATA, "README.md"), README)
    print(f"wrote {DATA}")


if __name__ == "__main__":
    main()
