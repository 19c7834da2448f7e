"""Boundaries of any level from GeoPackage, GeoJSON or a zipped Shapefile.

The file's declared CRS is used (EPSG:25832, 31467, 4326, …); a file without one is rejected
unless the caller names the CRS. Key, name and parent columns are found by their headers as
city GIS exports write them (``STT_NAME``, ``Stadtteilname``, ``BEZ_NAME``, ``PLR_ID``, …; a
GIS row id such as ``OBJECTID`` is never a key) and checked against their content
(`find_columns`); the caller may name them. The parent of each area comes from a key column,
from the key itself (a quarter key starts with its Gemeinde key) or spatially (largest
overlap, reported with the share).

Areas that only have names are matched to the existing areas under the same parent, first by
geometry (intersection over union at least `MATCH_IOU`), then by folded name: a match keeps
its key (and with it every value and link); a match by geometry with a different name is a
rename, reported; a name that differs only in case or umlaut spelling is the same name (the
stored spelling stays). Unmatched areas get new keys, never one of an existing or a removed
(``retired``) area. Invalid geometries are repaired and reported; gaps and overlaps within the
level and children sticking out of their parent are measured in % of area and reported as a
warning or, above the error threshold, an error.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.importer.geofile import (
    ERROR_PERCENT,
    GEOM_NAMES,
    WARN_PERCENT,
    BoundaryError,
    BoundaryOptions,
)
from geodata.importer.keys import AreaIndex, fold, key_shape, restore_key
from geodata.importer.report import Report
from geodata.importer.report import sentence as _sentence
from geodata.model.entities import METRIC_CRS
from geodata.model.settings import Level
from geodata.statistics.numfmt import format_number as fmt_number

_KEY_COLS = ("area_id", "schluessel", "schlüssel", "key", "ags", "id", "quarter_id", "nr",
             "gebietsschluessel", "kennziffer", "code")
_NAME_COLS = ("name", "gebietsname", "bezeichnung", "quarter_name", "stadtteil", "gen",
              "gemeinde", "quartier", "sozialraum", "bezirk")
_PARENT_COLS = ("parent_id", "eltern_id", "elternschluessel", "city_ags", "gemeinde_ags",
                "kreis_ags", "ags_gemeinde", "uebergeordnet")
# Header words (after splitting at "_", "-", spaces and case changes) of each role.
_KEY_WORDS = {"schluessel", "schl", "key", "ags", "ars", "id", "nr", "nummer", "kennziffer",
              "kennz", "code", "gkz", "no", "num"}
_NAME_WORDS = {"name", "namen", "bez", "bezeichnung", "bezeich", "gen", "label", "titel"}
_AREA_WORDS = {"stadtteil", "stt", "quartier", "bezirk", "sozialraum", "ortsteil", "ot",
               "planungsraum", "plr", "gebiet", "viertel", "stadtbezirk", "sbz", "bzr", "stb"}
_PARENT_WORDS = {"gemeinde", "gem", "stadt", "city", "kreis", "krs", "eltern", "parent",
                 "uebergeordnet", "ober"}
_GIS_IDS = {"objectid", "fid", "gid", "ogcfid", "shapeleng", "shapelength", "shapearea",
            "shapelen", "area", "perimeter", "flaeche", "umfang", "laenge"}
MATCH_IOU = 0.9


def _words(col: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-zäöü])(?=[A-ZÄÖÜ])", " ", col)
    return [fold(w) for w in re.split(r"[^0-9A-Za-zÄÖÜäöüß]+", spaced) if w]


def _share(values, test) -> float:
    vals = [v for v in values if v not in (None, "") and not (isinstance(v, float) and v != v)]
    return sum(1 for v in vals if test(v)) / len(vals) if vals else 0.0


def find_columns(gdf: gpd.GeoDataFrame, level: Level, parent_level: Level | None,
                 parent_keys: set[str], given: dict[str, str | None]
                 ) -> dict[str, str | None]:
    """Key, name and parent columns (``{"key": …, "name": …, "parent": …}``): the ones the
    caller named (spelt loosely), else found by header words and confirmed by content."""
    cols = [c for c in gdf.columns if c != "geometry"]
    out: dict[str, str | None] = {}
    what = {"key": "Schlüssel", "name": "Name", "parent": "übergeordnetes Gebiet"}
    for role in ("key", "name", "parent"):
        name = given.get(role)
        if name:
            hit = name if name in cols else {fold(c): c for c in cols}.get(fold(name))
            if hit is None:
                raise BoundaryError(f"Die Spalte „{name}“ ({what[role]}) gibt es nicht; "
                                    "vorhanden: " + ", ".join(cols) + ".")
            out[role] = hit
    level_words = {fold(level.id), fold(level.name), fold(level.plural)}
    parent_words = _PARENT_WORDS | ({fold(parent_level.id), fold(parent_level.name)}
                                    if parent_level else set())

    def is_text(v) -> bool:
        return isinstance(v, str) and not re.fullmatch(r"[\d\s.,-]+", v)

    def score(col: str, role: str) -> float:
        w = set(_words(col))
        f = fold(col)
        if f in _GIS_IDS:
            return 0.0
        vals = gdf[col].tolist()
        if role == "name":
            exact = f in {fold(c) for c in _NAME_COLS}
            hint = bool(w & _NAME_WORDS) or bool(w & (_AREA_WORDS | level_words))
            if not (exact or hint) or w & _KEY_WORDS - {"bez"}:
                return 0.0
            text = _share(vals, is_text)
            return (3 if exact else 2 if w & _NAME_WORDS else 1) * text if text >= 0.8 else 0.0
        if role == "key":
            exact = f in {fold(c) for c in _KEY_COLS}
            if not (exact or w & _KEY_WORDS) or (w & parent_words and not w & level_words):
                return 0.0
            shape = key_shape(level)
            ok = _share(vals, lambda v: restore_key(v, level) is not None or (
                shape is not None and len(shape) == 2 and str(v).strip().split(".")[0].isdigit()))
            return (3 if exact else 2) * ok if ok >= 0.8 else 0.0
        if parent_level is None:
            return 0.0
        exact = f in {fold(c) for c in _PARENT_COLS}
        if not (exact or (w & parent_words and w & (_KEY_WORDS | {"ags", "ars"}))):
            return 0.0
        ok = _share(vals, lambda v: (restore_key(v, parent_level) or "") in parent_keys)
        return (3 if exact else 2) * ok if ok >= 0.8 else 0.0

    for role in ("parent", "key", "name"):
        if role in out:
            continue
        taken = {c for c in out.values() if c}
        scored = [(score(c, role), -i, c) for i, c in enumerate(cols) if c not in taken]
        best = max(scored, default=(0.0, 0, None))
        out[role] = best[2] if best[0] > 0 else None
    return out


def thresholds(config: Path) -> tuple[float, float]:
    """(warning %, error %) for gaps, overlaps and overhangs from ``[import]`` in atlas.toml
    (``warnung_prozent``, ``fehler_prozent``); defaults 1 and 10."""
    import tomllib

    try:
        raw = tomllib.loads(config.read_text(encoding="utf-8")).get("import", {})
        return float(raw.get("warnung_prozent", WARN_PERCENT)), float(
            raw.get("fehler_prozent", ERROR_PERCENT))
    except (OSError, ValueError, TypeError, tomllib.TOMLDecodeError):
        return WARN_PERCENT, ERROR_PERCENT


GEOS_REASONS = {
    "Self-intersection": "Selbstüberschneidung", "Ring Self-intersection": "Ring schneidet sich",
    "Nested shells": "verschachtelte Außenringe", "Nested holes": "verschachtelte Löcher",
    "Hole lies outside shell": "Loch außerhalb der Fläche", "Too few points": "zu wenige Punkte",
    "Interior is disconnected": "Fläche zerfällt", "Duplicate Rings": "doppelte Ringe",
    "Invalid Coordinate": "ungültige Koordinate", "Ring not closed": "Ring nicht geschlossen",
}


def _reason(text: str) -> str:
    """GEOS' reason in German with the place in whole metres (EPSG:25832)."""
    m = re.match(r"([^\[]+)\[([-\d.e+]+) ([-\d.e+]+)\]", text)
    if not m:
        return GEOS_REASONS.get(text, text)
    what = GEOS_REASONS.get(m.group(1).strip(), m.group(1).strip())
    return f"{what} bei {float(m.group(2)):.0f}, {float(m.group(3)):.0f}"


def _polygonal(geom):
    if geom is None or geom.is_empty or geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _pct(x: float) -> str:
    return fmt_number(x, 2) + " %"


def import_boundaries(gdf: gpd.GeoDataFrame, filename: str, options: BoundaryOptions,
                      idx: AreaIndex, current: gpd.GeoDataFrame,
                      report: Report, retired: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Turn a polygon layer into rows of the ``areas`` table (EPSG:25832).

    ``current`` is the atlas' ``areas`` table (EPSG:25832), used for parents and existing keys;
    ``retired`` the keys of removed areas (never given again). Rows with errors are rejected
    and reported; the result holds the accepted areas.
    """
    counts = report.file(filename)
    levels = list(idx.levels)
    try:
        li = next(i for i, lvl in enumerate(levels) if lvl.id == options.level)
    except StopIteration:
        raise BoundaryError(f"Die Ebene „{options.level}“ ist nicht konfiguriert; möglich: "
                            + ", ".join(lvl.id for lvl in levels) + ".") from None
    level: Level = levels[li]
    parent_level: Level | None = levels[li - 1] if li > 0 else None
    cols = [c for c in gdf.columns if c != "geometry"]
    parents = current[current["level"] == parent_level.id] if parent_level else current.iloc[0:0]
    found = find_columns(gdf, level, parent_level, set(parents["area_id"].astype(str)),
                         {"key": options.key_column, "name": options.name_column,
                          "parent": options.parent_column})
    key_col, name_col, parent_col = found["key"], found["name"], found["parent"]
    if key_col and not options.key_column and not any(
            restore_key(v, level) for v in gdf[key_col] if v not in (None, "")) and not (
            parent_col or options.parent):
        report.note(filename, f"Die Spalte „{key_col}“ enthält keine Schlüssel der Ebene "
                    f"{level.name} und wird nicht als Schlüssel verwendet.")
        key_col = None
    if name_col is None:
        raise BoundaryError("Keine Namensspalte gefunden (erwartet z. B. „name“, „Stadtteil“ "
                            "oder „STT_NAME“); vorhanden: " + ", ".join(cols)
                            + ". Bitte die Spalte angeben (--name-spalte bzw. Auswahl "
                            "„Namensspalte“).")
    parent_geoms = dict(zip(parents["area_id"].astype(str), parents.geometry.values, strict=True))
    given_parent = _given_parent(options.parent, parent_level, parent_geoms, level)
    report.summary.append(
        f"{filename}: Ebene {level.name}; Schlüssel "
        + (f"aus „{key_col}“" if key_col else "von bestehenden Gebieten übernommen oder neu "
           "erzeugt") + ", Name aus "
        f"„{name_col}“, übergeordnetes Gebiet aus "
        + (f"„{parent_col}“" if parent_col else given_parent or "dem Schlüssel oder räumlich"))
    tree = shapely.STRtree(parents.geometry.values) if len(parents) else None
    parent_ids = parents["area_id"].astype(str).to_numpy()
    shape = key_shape(level)
    parent_shape = key_shape(parent_level) if parent_level else None

    rows: list[dict] = []
    seen_keys: dict[str, int] = {}
    for i, rec in enumerate(gdf.drop(columns="geometry").to_dict("records")):
        line = i + 1  # feature number
        counts.read += 1
        problems: list[tuple[str, str]] = []
        name = str(rec.get(name_col) or "").strip()
        geom = gdf.geometry.values[i]
        if not name:
            problems.append((name_col, "kein Name"))
        if geom is not None and geom.geom_type == "GeometryCollection":
            geom = _polygonal(geom)  # stray points or lines are dropped
        if geom is None or geom.is_empty:
            problems.append(("", "keine Geometrie (oder keine Fläche darin)"))
        elif geom.geom_type not in {"Polygon", "MultiPolygon"}:
            problems.append(("", f"Geometrie ist {GEOM_NAMES.get(geom.geom_type, geom.geom_type)}"
                             ", keine Fläche"))
        elif not geom.is_valid:
            reason = _reason(shapely.is_valid_reason(geom))
            geom = _polygonal(shapely.make_valid(geom))
            report.warning(filename, f"Geometrie von „{name}“ war ungültig ({reason}) und wurde "
                           "repariert.", line)
        # parent
        parent = given_parent
        if parent_level and parent_col and rec.get(parent_col) not in (None, ""):
            parent = restore_key(rec.get(parent_col), parent_level) or ""
            if parent not in parent_geoms:
                problems.append((parent_col, f"übergeordnetes Gebiet „{rec.get(parent_col)}“ "
                                 f"ist als {parent_level.name} unbekannt"))
        key = None
        if key_col and rec.get(key_col) not in (None, ""):
            key = restore_key(rec.get(key_col), level)
            if key is None and parent and shape and len(shape) == 2 and \
                    str(rec.get(key_col)).strip().isdigit():
                key = f"{parent}-{str(rec.get(key_col)).strip().zfill(shape[1])}"
            if key is None:
                problems.append((key_col, f"„{rec.get(key_col)}“ ist kein Schlüssel der Ebene "
                                 f"{level.name} ({level.key_pattern})"))
            elif not parent and parent_shape and shape and shape[0] == sum(parent_shape) \
                    and key[:parent_shape[0]] in parent_geoms and len(parent_shape) == 1:
                parent = key[:parent_shape[0]]
            elif not parent and parent_level and parent_shape == [5] and shape == [8] \
                    and key[:5] in parent_geoms:
                parent = key[:5]
        share = None
        has_area = geom is not None and not geom.is_empty and geom.area > 0
        if parent_level and not parent and has_area and tree:
            hits = tree.query(geom, predicate="intersects")
            best, best_area = None, 0.0
            for h in hits:
                a = shapely.intersection(geom, parents.geometry.values[h]).area
                if a > best_area:
                    best, best_area = parent_ids[h], a
            if best is None:
                problems.append(("", f"liegt in keinem Gebiet der Ebene {parent_level.name}"))
            else:
                parent, share = str(best), 100 * best_area / geom.area
        if parent_level and parent and share is None and has_area and parent in parent_geoms:
            share = 100 * shapely.intersection(geom, parent_geoms[parent]).area / geom.area
        if not parent_level:
            parent = ""
        if problems:
            counts.rejected += 1
            for col, why in problems:
                report.error(filename, _sentence(why) + " Fläche abgelehnt.", line, col)
            continue
        rows.append({"line": line, "key": key, "name": name, "parent_id": parent,
                     "geometry": geom, "share": share,
                     "spatial": parent_level is not None and not parent_col
                     and not given_parent and key is None})

    _assign_keys(rows, level, current, filename, report, retired)
    out = []
    for r in rows:
        if r["key"] is None:
            counts.rejected += 1
            continue
        if r["key"] in seen_keys:
            report.error(filename, f"Schlüssel {r['key']} kommt doppelt vor (auch Fläche "
                         f"{seen_keys[r['key']]}). Fläche abgelehnt.", r["line"])
            counts.rejected += 1
            continue
        seen_keys[r["key"]] = r["line"]
        if r["share"] is not None and parent_level:
            pname = idx.names.get(r["parent_id"], r["parent_id"])
            msg = (f"„{r['name']}“ ({r['key']}) liegt zu {_pct(r['share'])} in {parent_level.name} "
                   f"{r['parent_id']} {pname}")
            outside = 100 - r["share"]
            if outside >= options.error_percent:
                report.error(filename, msg + f"; {_pct(outside)} ragen hinaus (Fehlergrenze "
                             f"{_pct(options.error_percent)}). Fläche abgelehnt.", r["line"])
                counts.rejected += 1
                continue
            if outside >= options.warn_percent:
                report.warning(filename, msg + f"; {_pct(outside)} ragen hinaus.", r["line"])
            elif r["spatial"]:
                report.note(filename, msg + " (räumlich zugeordnet).", r["line"])
        counts.imported += 1
        out.append({"area_id": r["key"], "name": r["name"], "level": level.id,
                    "parent_id": r["parent_id"], "kind": options.kind or level.name,
                    "geometry": r["geometry"]})
    result = gpd.GeoDataFrame(pd.DataFrame(out, columns=["area_id", "name", "level", "parent_id",
                                                         "kind", "geometry"]),
                              geometry="geometry", crs=METRIC_CRS)
    _coverage_checks(result, parent_geoms, idx, level, filename, options, report)
    return result


def _given_parent(raw: str | None, parent_level: Level | None, parent_geoms: dict,
                  level: Level) -> str:
    """The parent named by the user (``--innerhalb``) in its key form ("8212000" →
    "08212000"); a German `BoundaryError` when there is no such area on the parent level."""
    if not raw or not str(raw).strip():
        return ""
    if parent_level is None:
        raise BoundaryError(f"Die Ebene {level.name} ist die oberste; ein übergeordnetes Gebiet "
                            f"(„{raw}“) gibt es für sie nicht.")
    key = restore_key(str(raw).strip(), parent_level)
    if key is None or key not in parent_geoms:
        raise BoundaryError(f"Das übergeordnete Gebiet „{raw}“ ist als {parent_level.name} im "
                            "Atlas unbekannt; bitte den Schlüssel prüfen.")
    return key


def _retired_numbers(retired: pd.DataFrame | None, parent: str) -> set[int]:
    if retired is None or not len(retired):
        return set()
    ids = retired.loc[retired["parent_id"].astype(str) == parent, "area_id"].astype(str)
    return {int(k.rsplit("-", 1)[1]) for k in ids if "-" in k and k.rsplit("-", 1)[1].isdigit()}


def _iou(a, b) -> float:
    inter = shapely.intersection(a, b).area
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0


def _assign_keys(rows: list[dict], level: Level, current: gpd.GeoDataFrame, filename: str,
                 report: Report, retired: pd.DataFrame | None = None) -> None:
    """Keys for areas that only have names: an existing area's by geometry or name, else a
    new ``<parent>-NNN`` (see module docstring)."""
    shape = key_shape(level)
    need = [r for r in rows if r["key"] is None]
    if not need:
        return
    if not shape or len(shape) != 2:
        for r in need:
            report.error(filename, f"„{r['name']}“ hat keinen Schlüssel; für die Ebene "
                         f"{level.name} muss die Datei Schlüssel enthalten. Fläche abgelehnt.",
                         r["line"])
        return
    existing = current[current["level"] == level.id]
    for parent in sorted({r["parent_id"] for r in need}):
        mine = existing[existing["parent_id"] == parent]
        by_name = {fold(n): k for n, k in zip(mine["name"], mine["area_id"], strict=True)}
        name_of = dict(zip(mine["area_id"], mine["name"].astype(str), strict=True))
        geom_of = dict(zip(mine["area_id"], mine.geometry.values, strict=True))
        used = {int(k.rsplit("-", 1)[1]) for k in mine["area_id"]}
        used |= _retired_numbers(retired, parent)
        used |= {int(r["key"].rsplit("-", 1)[1]) for r in rows
                 if r["key"] and r["parent_id"] == parent}
        taken = {r["key"] for r in rows if r["key"] and r["parent_id"] == parent}
        todo = sorted((r for r in need if r["parent_id"] == parent), key=lambda r: fold(r["name"]))
        # 1. by geometry: the existing area this polygon covers almost exactly
        tree = shapely.STRtree(list(geom_of.values())) if geom_of else None
        keys = list(geom_of)
        pairs = []
        for r in todo:
            if tree is None or r["geometry"] is None:
                continue
            for h in tree.query(r["geometry"], predicate="intersects"):
                iou = _iou(r["geometry"], geom_of[keys[h]])
                if iou >= MATCH_IOU:
                    pairs.append((iou, keys[h], id(r), r))
        for iou, key, _rid, r in sorted(pairs, key=lambda t: (-t[0], t[1])):
            if r["key"] is not None or key in taken:
                continue
            r["key"], r["iou"] = key, iou
            taken.add(key)
            old = name_of[key]
            pct = fmt_number(100 * iou, 1)
            if old != r["name"] and fold(old) == fold(r["name"]):
                # the same name written differently ("weststadt"): not a rename; the stored
                # spelling stays (a GIS export's lower case must not replace it)
                report.note(filename, f"„{r['name']}“ ist „{old}“ in anderer Schreibweise; "
                            f"Schlüssel {key} und der bisherige Name bleiben (Fläche zu {pct} % "
                            "deckungsgleich).", r["line"])
                r["name"] = old
            elif old == r["name"]:
                report.note(filename, f"Schlüssel {key} für „{r['name']}“ vom bestehenden "
                            f"Gebiet übernommen (Fläche zu {pct} % deckungsgleich).", r["line"])
            else:
                report.warning(filename, f"„{r['name']}“ ist das bisherige Gebiet „{old}“ "
                               f"({key}; Fläche zu {pct} % deckungsgleich): umbenannt, Schlüssel "
                               "und Werte bleiben. Falls der neue Name ein Tippfehler ist: in "
                               "der Datei korrigieren und erneut importieren.", r["line"])
        # 2. by name
        imported_names = {fold(x["name"]) for x in rows}
        for r in todo:
            if r["key"] is not None:
                continue
            key = by_name.get(fold(r["name"]))
            if key is not None and key not in taken:
                r["key"] = key
                taken.add(key)
                how = "vom gleichnamigen bestehenden Gebiet übernommen"
                if name_of[key] != r["name"]:
                    how += f" (bisherige Schreibweise „{name_of[key]}“ bleibt)"
                    r["name"] = name_of[key]
                if r["geometry"] is not None and key in geom_of:
                    iou = _iou(r["geometry"], geom_of[key])
                    if iou < MATCH_IOU:
                        how += (f" (die Fläche weicht ab: nur zu {fmt_number(100 * iou, 1)} % "
                                "deckungsgleich)")
                report.note(filename, f"Schlüssel {key} für „{r['name']}“ {how}.", r["line"])
                continue
            # 3. a new key, never one of an existing or removed area
            n = next(n for n in range(1, 10 ** shape[1]) if n not in used)
            key = f"{parent}-{n:0{shape[1]}d}"
            used.add(n)
            r["key"] = key
            report.note(filename, f"Schlüssel {key} für „{r['name']}“ neu erzeugt.", r["line"])
            close = difflib.get_close_matches(
                fold(r["name"]), [x for x in by_name if x not in imported_names
                                  and by_name[x] not in taken], n=1, cutoff=0.75)
            if close:
                old_key = by_name[close[0]]
                report.warning(filename, f"„{r['name']}“ passt zu keinem bisherigen Namen; "
                               f"gemeint ist vielleicht „{name_of[old_key]}“ ({old_key}). Bei "
                               "gleicher Schreibweise bliebe der Schlüssel erhalten.", r["line"])


def _coverage_checks(areas: gpd.GeoDataFrame, parent_geoms: dict, idx: AreaIndex, level: Level,
                     filename: str, options: BoundaryOptions, report: Report) -> None:
    """Overlaps within the level and gaps in each parent, in % of area."""
    if areas.empty:
        return
    geoms = areas.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        inter = shapely.intersection(geoms[a], geoms[b]).area
        if inter <= 0:
            continue
        pct = 100 * inter / min(geoms[a].area, geoms[b].area)
        msg = (f"„{areas['name'].iloc[a]}“ und „{areas['name'].iloc[b]}“ überlappen sich auf "
               f"{fmt_number(inter / 1e4, 2)} ha ({_pct(pct)} der kleineren Fläche)")
        if pct >= options.error_percent:
            report.error(filename, msg + ".")
        elif pct >= options.warn_percent:
            report.warning(filename, msg + ".")
        else:
            report.note(filename, msg + ".")
    for parent, group in areas.groupby("parent_id"):
        pgeom = parent_geoms.get(parent)
        if pgeom is None:
            continue
        covered = shapely.intersection(shapely.union_all(group.geometry.values), pgeom).area
        gap = 100 * (1 - covered / pgeom.area)
        msg = (f"{_pct(gap)} der Fläche von {idx.names.get(parent, parent)} ({parent}) sind "
               f"von keinem {level.name} bedeckt")
        if gap >= options.error_percent:
            report.error(filename, msg + f" (Fehlergrenze {_pct(options.error_percent)}).")
        elif gap >= options.warn_percent:
            report.warning(filename, msg + ".")
        else:
            report.note(filename, msg + ".")
