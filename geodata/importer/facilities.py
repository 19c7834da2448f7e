"""Institutions (schools, Kitas, …) from CSV/XLSX: coordinates as lon/lat, UTM or
Gauß-Krüger (detected by value range), or no coordinates and an area key instead; the type is
mapped to the catalogue ``geodata/einrichtungsarten.csv``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.importer.keys import AreaIndex, fold
from geodata.importer.report import Report
from geodata.importer.report import sentence as _sentence
from geodata.importer.tabular import RawTable, parse_number
from geodata.model.entities import METRIC_CRS
from geodata.model.institutions import institution_types

_X = ("lon", "laenge", "lng", "longitude", "x", "rechtswert", "ostwert", "easting", "xkoordinate",
      "utmx", "utmost", "gkrechts")
_Y = ("lat", "breite", "latitude", "y", "hochwert", "nordwert", "northing", "ykoordinate",
      "utmy", "utmnord", "gkhoch")
_ID = ("id", "nr", "nummer", "schulnummer", "einrichtungsnummer", "kennung", "instid")
_NAME = ("name", "bezeichnung", "einrichtung", "schulname", "kitaname", "titel")
_TYPE = ("art", "typ", "type", "einrichtungsart", "kategorie", "schulart", "traeger_art")
_AREA = ("gebietsschluessel", "schluessel", "ags", "areaid", "gebiet", "stadtteilnr",
         "quartier")
_ATTRS = ("strasse", "adresse", "plz", "ort", "telefon", "traeger", "plaetze", "schueler",
          "kinder", "gruppen", "email", "www", "internet")
SYNONYMS = {
    "kindertagesstaette": "kita", "kindertageseinrichtung": "kita", "kindergarten": "kita",
    "krippe": "kita", "kinderkrippe": "kita", "kinderhaus": "kita", "kitas": "kita",
    "grundschule": "schule", "gymnasium": "schule", "realschule": "schule",
    "hauptschule": "schule", "gesamtschule": "schule", "foerderschule": "schule",
    "gemeinschaftsschule": "schule", "werkrealschule": "schule", "berufsschule": "schule",
    "schulen": "schule", "jugendhaus": "jugendzentrum", "jugendtreff": "jugendzentrum",
    "jugendclub": "jugendzentrum", "stadtbibliothek": "bibliothek",
    "stadtbuecherei": "bibliothek", "buecherei": "bibliothek", "vhs": "volkshochschule",
    "familienbildungsstaette": "familienzentrum",
}


@dataclass
class InstitutionOptions:
    type: str | None = None  # type of every row when the file has no type column
    level: str | None = None  # level of the area key column


def _col(header: list[str], names: tuple[str, ...]) -> str | None:
    folded = {fold(h): h for h in header}
    return next((folded[fold(n)] for n in names if fold(n) in folded), None)


def type_lookup() -> dict[str, str]:
    out = dict(SYNONYMS)
    for t in institution_types().values():
        for word in (t.id, t.name, t.plural):
            out[fold(word)] = t.id
    return out


def detect_crs(xs: np.ndarray, ys: np.ndarray) -> tuple[str | None, str, np.ndarray]:
    """(EPSG code, German description, x with a UTM zone prefix removed) from value ranges."""
    x0, x1, y0, y1 = np.nanmin(xs), np.nanmax(xs), np.nanmin(ys), np.nanmax(ys)
    if x0 >= 5 and x1 <= 16 and y0 >= 47 and y1 <= 56:
        return "EPSG:4326", "Längen-/Breitengrade (WGS84, EPSG:4326)", xs
    if x0 >= 47 and x1 <= 56 and y0 >= 5 and y1 <= 16:
        return None, ("Längen- und Breitengrad scheinen vertauscht (Rechtswert zwischen 47 und "
                      "56); bitte die Spalten tauschen"), xs
    if x0 >= 32_200_000 and x1 <= 32_950_000 and y0 >= 5_200_000 and y1 <= 6_150_000:
        return "EPSG:25832", "UTM Zone 32 mit Zonenangabe (EPSG:25832)", xs - 32_000_000
    if x0 >= 200_000 and x1 <= 950_000 and y0 >= 5_200_000 and y1 <= 6_150_000:
        return "EPSG:25832", "UTM Zone 32 (ETRS89, EPSG:25832)", xs
    zone = int(x0 // 1_000_000)
    if 2 <= zone <= 5 and x1 < (zone + 1) * 1_000_000 and y0 >= 5_200_000 and y1 <= 6_150_000:
        return f"EPSG:{31464 + zone}", f"Gauß-Krüger Streifen {zone} (EPSG:{31464 + zone})", xs
    return None, (f"Koordinaten im Bereich x {x0:g}–{x1:g}, y {y0:g}–{y1:g} passen zu keinem "
                  "bekannten System (WGS84, UTM 32, Gauß-Krüger)"), xs


def import_institutions(table: RawTable, idx: AreaIndex, areas: gpd.GeoDataFrame,
                        report: Report, options: InstitutionOptions | None = None
                        ) -> gpd.GeoDataFrame:
    """Rows of the ``institutions`` table (EPSG:25832) from a table of institutions."""
    options = options or InstitutionOptions()
    f = table.file
    counts = report.file(f)
    h = table.header
    c_id, c_name, c_type = _col(h, _ID), _col(h, _NAME), _col(h, _TYPE)
    c_x, c_y, c_area = _col(h, _X), _col(h, _Y), _col(h, _AREA)
    report.summary.append(
        f"{f}: gelesen als {table.description or 'Tabelle'}; Name aus „{c_name}“, Art aus "
        f"„{c_type or options.type}“, Koordinaten aus „{c_x}“/„{c_y}“, Gebiet aus „{c_area}“")
    if c_name is None:
        report.error(f, "Keine Namensspalte gefunden (erwartet z. B. „Name“).")
    if c_type is None and not options.type:
        report.error(f, "Keine Spalte mit der Art der Einrichtung und keine Art angegeben.")
    if (c_x is None or c_y is None) and c_area is None:
        report.error(f, "Weder Koordinaten (Rechtswert/Hochwert oder lon/lat) noch eine "
                     "Gebietsschlüssel-Spalte gefunden.")
    if report.errors and any(i.file == f for i in report.errors):
        counts.read += len(table.rows)
        counts.rejected += len(table.rows)
        return _empty()
    col_i = {c: i for i, c in enumerate(h)}
    xs = np.full(len(table.rows), np.nan)
    ys = np.full(len(table.rows), np.nan)
    if c_x and c_y:
        for i, (_line, cells) in enumerate(table.rows):
            kx, vx = parse_number(cells[col_i[c_x]], table.decimal)
            ky, vy = parse_number(cells[col_i[c_y]], table.decimal)
            if kx == "zahl" and ky == "zahl":
                xs[i], ys[i] = float(vx), float(vy)  # type: ignore[arg-type]
    crs = None
    has_xy = ~np.isnan(xs)
    if has_xy.any():
        crs, what, xs_fixed = detect_crs(xs[has_xy], ys[has_xy])
        xs[has_xy] = xs_fixed
        if crs is None:
            report.error(f, what + ".", column=c_x or "")
            counts.read += len(table.rows)
            counts.rejected += len(table.rows)
            return _empty()
        report.note(f, f"Koordinaten erkannt als {what}.")
        pts = gpd.GeoSeries(shapely.points(xs[has_xy], ys[has_xy]), crs=crs).to_crs(METRIC_CRS)
    geoms = np.full(len(table.rows), None, dtype=object)
    if has_xy.any():
        geoms[has_xy] = pts.values
    types = type_lookup()
    levels = [lvl.id for lvl in idx.levels]
    depth = {lvl.id: i for i, lvl in enumerate(idx.levels)}
    tree = shapely.STRtree(areas.geometry.values)
    area_ids = areas["area_id"].astype(str).to_numpy()
    area_levels = areas["level"].astype(str).to_numpy()
    out = []
    seen: dict[str, int] = {}
    for i, (line, cells) in enumerate(table.rows):
        counts.read += 1
        problems: list[tuple[str, str]] = []

        def get(col: str | None, cells: list = cells) -> str:
            v = cells[col_i[col]] if col else None
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            return "" if v is None else str(v).strip()

        name = get(c_name)
        if not name:
            problems.append((c_name or "", "kein Name"))
        raw_type = get(c_type) or (options.type or "")
        type_id = types.get(fold(raw_type))
        if type_id is None:
            problems.append((c_type or "", f"Die Art „{raw_type}“ ist unbekannt; bekannt sind: "
                             + ", ".join(t.name for t in institution_types().values())))
        area_id = None
        if c_area and get(c_area):
            area_id = idx.find_key(get(c_area), [options.level] if options.level else levels)
            if area_id is None:
                problems.append((c_area, f"Gebietsschlüssel „{get(c_area)}“ ist unbekannt"))
        geom = geoms[i]
        if c_x and not has_xy[i] and (get(c_x) or get(c_y)):
            problems.append((c_x, f"Koordinaten „{get(c_x)}“/„{get(c_y)}“ sind keine Zahlen"))
        if geom is not None:
            hits = tree.query(geom, predicate="intersects")
            if len(hits) == 0:
                problems.append((c_x or "", "Der Punkt liegt außerhalb aller Gebiete des Atlas"))
            else:
                best = max(hits, key=lambda k: (depth.get(area_levels[k], -1), -ord(area_ids[k][-1])))
                point_area = str(area_ids[best])
                if area_id and point_area != area_id and not idx.is_below(point_area, area_id):
                    report.warning(f, f"„{name}“ liegt in {idx.names.get(point_area)} "
                                   f"({point_area}), nicht im angegebenen Gebiet {area_id}; "
                                   "übernommen wird die Lage des Punktes.", line)
                area_id = point_area
        elif area_id is None and not problems:
            problems.append(("", "weder Koordinaten noch Gebietsschlüssel"))
        inst_id = get(c_id) or "IMP-" + hashlib.blake2b(
            f"{name}|{raw_type}|{get(c_x)}|{get(c_y)}|{get(c_area)}".encode(),
            digest_size=5).hexdigest()
        if inst_id in seen:
            problems.append((c_id or "", f"Kennung „{inst_id}“ doppelt (auch Zeile {seen[inst_id]})"))
        if problems:
            counts.rejected += 1
            for col, why in problems:
                report.error(f, _sentence(why) + " Zeile abgelehnt.", line, col)
            continue
        seen[inst_id] = line
        attrs = {fold(c): get(c) for c in h if fold(c) in {fold(a) for a in _ATTRS} and get(c)}
        if raw_type and fold(raw_type) != type_id:
            attrs["art_original"] = raw_type
        counts.imported += 1
        out.append({"inst_id": inst_id, "name": name, "type": type_id, "area_id": area_id,
                    "attrs": json.dumps(attrs, ensure_ascii=False), "geometry": geom})
    return gpd.GeoDataFrame(pd.DataFrame(out, columns=["inst_id", "name", "type", "area_id",
                                                       "attrs", "geometry"]),
                            geometry="geometry", crs=METRIC_CRS)


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(columns=["inst_id", "name", "type", "area_id", "attrs",
                                                  "geometry"]), geometry="geometry", crs=METRIC_CRS)
