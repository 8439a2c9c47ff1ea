"""Helpers shared by make_demo.py and make_fixtures.py.

Everything here writes bytes deterministically: fixed DBF dates, fixed GeoPackage
timestamps, tables written byte by byte so that encodings and separators are exactly
the ones we mean to test.
"""

import datetime
import os
import shutil

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

# GeoPackage writes "last_change" timestamps; pin them so that reruns give the same bytes.
gdal.SetConfigOption("OGR_CURRENT_DATE", "2026-01-15T00:00:00.000Z")

DBF_DATE = "2026-01-15"

NBSP = "\u00a0"   # no-break space, as French Excel writes thousands
NNBSP = "\u202f"  # narrow no-break space (not encodable in CP1252)


def srs_from_epsg(code):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(code)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # x/lon first
    return srs


def fresh_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def remove_dataset(path):
    """Removes a file and, for a Shapefile, its sidecars."""
    stem, ext = os.path.splitext(path)
    sidecars = [".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix"] if ext == ".shp" else [ext]
    for side in sidecars:
        if os.path.exists(stem + side):
            os.remove(stem + side)


def write_text(path, text, encoding="utf-8", bom=False, newline="\r\n"):
    """Writes text with the given encoding and line ending (Excel writes CRLF)."""
    data = text.replace("\n", newline).encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(path, "wb") as out:
        out.write(data)


def csv_line(values, sep):
    """One CSV line; quotes a field only when it holds the separator or a quote."""
    cells = []
    for value in values:
        text = "" if value is None else str(value)
        if sep in text or '"' in text or "\n" in text:
            text = '"' + text.replace('"', '""') + '"'
        cells.append(text)
    return sep.join(cells)


def write_csv(path, header, rows, sep=";", encoding="utf-8", bom=False):
    lines = [csv_line(header, sep)] + [csv_line(row, sep) for row in rows]
    write_text(path, "\n".join(lines) + "\n", encoding=encoding, bom=bom)


def french_number(value, decimals=0, thousands=" "):
    """12400.5 -> '12 400,5' with the given thousands separator."""
    text = f"{value:,.{decimals}f}"  # 12,400.50
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", thousands)
    return text


def _field_type(values):
    if all(isinstance(v, int) or v is None for v in values):
        return ogr.OFTInteger
    if all(isinstance(v, (int, float)) or v is None for v in values):
        return ogr.OFTReal
    return ogr.OFTString


def write_vector(path, driver, layer_name, features, fields, srs, geom_type,
                 layer_options=None, append=False):
    """Writes features [(geometry or None, {field: value})] to a vector source.

    fields: ordered list of field names; types are inferred from the values.
    append: add a layer to an existing source (GeoPackage) instead of recreating it.
    """
    drv = ogr.GetDriverByName(driver)
    if append and os.path.exists(path):
        ds = ogr.Open(path, 1)
    else:
        remove_dataset(path)
        ds = drv.CreateDataSource(path)
    layer = ds.CreateLayer(layer_name, srs, geom_type, options=layer_options or [])
    for name in fields:
        ftype = _field_type([attrs.get(name) for _, attrs in features])
        defn = ogr.FieldDefn(name, ftype)
        if ftype == ogr.OFTString and driver == "ESRI Shapefile":
            defn.SetWidth(80)
        layer.CreateField(defn)
    for geometry, attrs in features:
        feature = ogr.Feature(layer.GetLayerDefn())
        for name in fields:
            if attrs.get(name) is not None:
                feature.SetField(name, attrs[name])
        if geometry is not None:
            feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
        feature = None
    layer = None
    ds = None


def write_shapefile(path, features, fields, srs, geom_type=ogr.wkbPolygon,
                    encoding="UTF-8", cpg=True, prj=True):
    """Writes a Shapefile with its DBF text in `encoding`; cpg=False removes the .cpg
    (the DBF language byte stays 0, so nothing in the files says the encoding)."""
    options = [f"ENCODING={encoding}", f"DBF_DATE_LAST_UPDATE={DBF_DATE}"]
    write_vector(path, "ESRI Shapefile", os.path.splitext(os.path.basename(path))[0],
                 features, fields, srs, geom_type, layer_options=options)
    stem = os.path.splitext(path)[0]
    if not cpg and os.path.exists(stem + ".cpg"):
        os.remove(stem + ".cpg")
    if not prj and os.path.exists(stem + ".prj"):
        os.remove(stem + ".prj")


def write_geojson(path, features, fields, srs, geom_type=ogr.wkbUnknown, precision=2):
    options = ["RFC7946=NO", f"COORDINATE_PRECISION={precision}", "WRITE_BBOX=NO"]
    write_vector(path, "GeoJSON", os.path.splitext(os.path.basename(path))[0],
                 features, fields, srs, geom_type, layer_options=options)


def write_sheets(path, driver, sheets):
    """Writes an .xlsx ("XLSX") or .ods ("ODS") through OGR, one sheet per
    (name, header, rows), in order; typed cells (numbers stay numbers, as in a
    real spreadsheet). Both drivers write fixed zip dates: reruns give the same bytes."""
    for index, (sheet, header, rows) in enumerate(sheets):
        features = [(None, dict(zip(header, row))) for row in rows]
        write_vector(path, driver, sheet, features, header, None, ogr.wkbNone,
                     append=index > 0)


def polygon(rings):
    """rings: [[(x, y), ...], ...], first the shell, then holes; closed for you."""
    geom = ogr.Geometry(ogr.wkbPolygon)
    for ring_points in rings:
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in ring_points:
            ring.AddPoint_2D(float(x), float(y))
        if ring_points[0] != ring_points[-1]:
            ring.AddPoint_2D(float(ring_points[0][0]), float(ring_points[0][1]))
        geom.AddGeometry(ring)
    return geom


def rectangle(x0, y0, x1, y1):
    return polygon([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]])


def multipolygon(polygons):
    geom = ogr.Geometry(ogr.wkbMultiPolygon)
    for part in polygons:
        geom.AddGeometry(part)
    return geom


# ---- the funding model of SPEC.md, day by day, to document expected outcomes ----
# A deliberately naive reference (one loop per day) so that it is easy to check by eye;
# the C code must agree with it, not copy it.

def add_months(day, months):
    month0 = day.month - 1 + months
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    last = (datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def assess_funding(grants, as_of, horizon_months=12, cost=65000.0):
    """grants: dicts with start, end (date or None), amount, kind ('recurrent'/'project'),
    coordination (bool). Returns risk_level, funded_until, months_funded, shortfall."""
    coord = [g for g in grants if g["coordination"]]

    def rate(day, kinds=("recurrent", "project")):
        return sum(g["amount"] for g in coord
                   if g["kind"] in kinds and g["start"] <= day
                   and (g["end"] is None or day <= g["end"]))

    horizon_end = add_months(as_of, horizon_months)
    days = [as_of + datetime.timedelta(days=i) for i in range((horizon_end - as_of).days)]
    shortfall = round(sum(max(0.0, cost - rate(d)) for d in days) / 365.0)
    if not any(g["start"] <= as_of and (g["end"] is None or as_of <= g["end"]) for g in coord):
        risk = "no-coordination"
    elif any(rate(d) < cost for d in days):
        risk = "at-risk"
    elif any(rate(d, ("recurrent",)) < cost for d in days):
        risk = "fragile"
    else:
        risk = "stable"

    funded_until, months_funded = None, 0
    if rate(as_of) >= cost:
        bounds = [g["end"] for g in coord if g["end"] is not None] + [g["start"] for g in coord]
        last_change = max(bounds) + datetime.timedelta(days=1)
        day = as_of
        while rate(day) >= cost and day <= last_change:
            day += datetime.timedelta(days=1)
        if day > last_change:
            funded_until, months_funded = None, None  # coverage never stops
        else:
            funded_until = day - datetime.timedelta(days=1)
            months_funded = 0
            while add_months(as_of, months_funded + 1) <= day:
                months_funded += 1
    return {"risk_level": risk, "funded_until": funded_until,
            "months_funded": months_funded, "shortfall": shortfall}


# ---- key folding, to check that each table key gets the join status we designed ----

def fold(text):
    """Case, accents, spaces, dashes and apostrophes folded away (as SPEC.md's join)."""
    import unicodedata
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.lower() if c.isalnum())


def join_status(source_key, territory_names):
    """'matched', 'normalised' or 'unmatched' against a list of names (or keys)."""
    if source_key in territory_names:
        return "matched"
    if any(fold(source_key) == fold(name) for name in territory_names):
        return "normalised"
    return "unmatched"
