"""One import path for the command line and the upload page.

`check_import` reads the uploaded files, merges them into a complete new set of atlas tables
and validates it fully (including that `build_repository` accepts it) without writing
anything. `run_import` then writes that set as a new version through an `AtlasStore`; a check
with errors never writes. Every outcome comes with a German `Report`.

Each file of an import becomes a row of the ``sources`` table (its text: the ``--quelle``
given, else the attribution found in the file, e.g. a GENESIS footer; its licence, kind,
file name, date and the import run), and every value and area it brings carries that id:
the provenance the app shows per value. Areas an import would remove while they still have
values need ``remove_confirmed`` (``--entfernen``); removed keys are kept in ``retired``
and never given to a new area.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geodata.importer.boundaries import import_boundaries
from geodata.importer.facilities import InstitutionOptions, import_institutions
from geodata.importer.geofile import BoundaryError, BoundaryOptions, read_geofile
from geodata.importer.keys import AreaIndex
from geodata.importer.merge import merge_values
from geodata.importer.official import Attribution
from geodata.importer.report import CellChange, Report, count
from geodata.importer.tabular import RawTable, TableError, read_table
from geodata.importer.values import ValueOptions, import_values, read_metadata
from geodata.model.entities import METRIC_CRS
from geodata.model.errors import AtlasError
from geodata.model.provenance import KIND_LABELS
from geodata.model.repository import Repository
from geodata.model.settings import Settings
from geodata.statistics.numfmt import format_number
from geodata.storage.tables import (
    RETIRED_COLUMNS,
    SOURCE_COLUMNS,
    AtlasTables,
    build_repository,
    retired_of,
)

LOG = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CATALOGUE_COLUMNS = ["id", "name", "unit", "topic", "description", "source", "direction",
                     "decimals", "kind", "numerator", "denominator", "factor", "synthetic"]
DIRECTIONS = {"higher_better", "higher_worse", "neutral"}
KINDS = {"count", "rate", "mean"}


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as given by the user and its bytes."""

    name: str
    data: bytes


@dataclass
class ImportRequest:
    """What to import. Files of each kind are processed in this order: boundaries, metadata,
    indicator tables, institutions."""

    boundaries: list[tuple[Upload, BoundaryOptions]] = field(default_factory=list)
    tables: list[tuple[Upload, ValueOptions]] = field(default_factory=list)
    institutions: list[tuple[Upload, InstitutionOptions]] = field(default_factory=list)
    metadata: list[Upload] = field(default_factory=list)
    # New indicators' catalogue entries from the form: id → {column: text}
    indicator_meta: dict[str, dict[str, str]] = field(default_factory=dict)
    allow_partial: bool = False  # import the good rows even when some rows were rejected
    source_text: str = ""  # attribution of the imported data (sources table)
    source_licence: str = ""  # its licence (e.g. "dl-de/by-2-0"); default: found in the file
    source_kind: str = ""  # "amtlich", "import", …; default: amtlich if the file says so
    remove_confirmed: bool = False  # areas with values may be removed (--entfernen)


@dataclass
class ImportResult:
    report: Report
    tables: AtlasTables | None = None  # the complete validated new atlas (None: blocked)
    repository: Repository | None = None
    version: str | None = None  # id of the written version
    new_indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    # Areas the import would remove: (id, name, number of stored values)
    removals: list[tuple[str, str, int]] = field(default_factory=list)


def _too_big(up: Upload, report: Report) -> bool:
    if len(up.data) > MAX_UPLOAD_BYTES:
        report.error(up.name, f"Die Datei ist {format_number(len(up.data) / 2**20, 1)} MB "
                     f"groß; erlaubt sind höchstens {MAX_UPLOAD_BYTES // 2**20} MB.")
        return True
    return False


def _unexpected(name: str, err: Exception, report: Report) -> None:
    """Safety net: an error no check foresaw becomes a German report line, not a traceback."""
    LOG.exception("Import of %s failed unexpectedly", name)
    text = str(err).splitlines()[0][:200] if str(err) else ""
    report.error(name, f"Die Datei „{name}“ konnte nicht gelesen werden: unerwarteter Fehler "
                 f"({type(err).__name__}" + (f": „{text}“" if text else "") + "). Bitte die "
                 "Datei prüfen; nichts wurde übernommen.")


def _table_of(up: Upload, report: Report, sheet: str | None = None,
              idx: AreaIndex | None = None) -> RawTable | None:
    """The upload read as a table, or None (the reason is in the report)."""
    if _too_big(up, report):
        return None
    try:
        return read_table(up.data, up.name, report, sheet=sheet,
                          key_score=idx.recognises if idx is not None else None)
    except TableError as err:
        report.error(up.name, str(err))
        return None
    except Exception as err:  # noqa: BLE001  (safety net: see _unexpected)
        _unexpected(up.name, err, report)
        return None


def _check_meta(meta: dict[str, dict[str, str]], known: set[str], report: Report,
                file: str) -> None:
    for ind_id, row in meta.items():
        where = f"Indikator „{ind_id}“: "
        if row.get("direction", "neutral") not in DIRECTIONS:
            report.error(file, where + f"Richtung „{row.get('direction')}“ ist unbekannt "
                         f"(möglich: {', '.join(sorted(DIRECTIONS))}).")
        if row.get("kind", "count") not in KINDS:
            report.error(file, where + f"Art „{row.get('kind')}“ ist unbekannt "
                         f"(möglich: {', '.join(sorted(KINDS))}).")
        if row.get("kind") in {"rate", "mean"} and (row.get("numerator") or row.get("denominator")):
            # without either it is a published figure only (never computed, never summed)
            for ref in ("numerator", "denominator"):
                if row.get(ref, "") not in known | set(meta):
                    report.error(file, where + f"{'Zähler' if ref == 'numerator' else 'Nenner'} "
                                 f"„{row.get(ref, '')}“ ist kein bekannter Indikator.")
        try:
            int(float(row.get("decimals") or 0))
            float(row.get("factor") or 1)
        except ValueError:
            report.error(file, where + "„decimals“ und „factor“ müssen Zahlen sein.")


def _source_row(request: ImportRequest, run: str, n: int, file: str, kind: str,
                found: Attribution | None = None) -> dict[str, str]:
    """The ``sources`` row of one imported file (see module docstring)."""
    found = found or Attribution()
    text = request.source_text.strip() or found.text
    if not text:
        text = f"Gebietsgrenzen aus {file}" if kind == "geometrie" else f"Eigene Daten aus {file}"
    if kind != "geometrie":
        kind = request.source_kind or ("amtlich" if found.official else "import")
    return {"id": f"imp-{run}-{n}", "text": text,
            "licence": request.source_licence.strip() or found.licence, "url": "",
            "kind": kind, "file": file, "imported": time.strftime("%Y-%m-%d"),
            "import_id": f"imp-{run}", "note": found.note}


def check_import(current: AtlasTables, settings: Settings, request: ImportRequest) -> ImportResult:
    """Validate an import completely; nothing is written. ``result.tables`` is the complete
    new atlas when the report has no errors (or only rejected rows and ``allow_partial``)."""
    report = Report()
    result = ImportResult(report)
    areas = current.areas.to_crs(METRIC_CRS) if current.areas.crs is not None else current.areas
    if "source" not in areas.columns:
        areas = areas.assign(source="")
    catalogue = current.indicators.copy()
    levels = settings.levels
    fatal = False
    run = time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
    new_sources: list[dict[str, str]] = []
    retired = retired_of(current)
    values_of = _value_counts(current.values)

    # --- boundaries -----------------------------------------------------------------------
    new_areas: list[gpd.GeoDataFrame] = []
    for up, opts in request.boundaries:
        if _too_big(up, report):
            fatal = True
            continue
        idx = AreaIndex.of(areas.drop(columns="geometry"), levels)
        try:
            gdf = read_geofile(up.data, up.name, opts, report)
            got = import_boundaries(gdf, up.name, opts, idx, areas, report, retired)
            if not got.empty:
                src = _source_row(request, run, len(new_sources) + 1, up.name, "geometrie")
                got = got.assign(source=src["id"])
                merged, gone = _merge_areas(areas, got, levels, report, up.name)
                result.removals += [(a, idx.names.get(a, a), values_of.get(a, 0))
                                    for a in sorted(gone)]
        except BoundaryError as err:
            report.error(up.name, str(err))
            fatal = True
            continue
        except Exception as err:  # noqa: BLE001  (safety net: see _unexpected)
            _unexpected(up.name, err, report)
            fatal = True
            continue
        if not got.empty:
            new_areas.append(got)
            new_sources.append(src)
            areas = merged
    removed_ids = set(current.areas["area_id"].astype(str)) - set(areas["area_id"].astype(str))
    with_values = [r for r in result.removals if r[2]]
    if with_values and not request.remove_confirmed:
        shown = ", ".join(f"{name} ({aid}, {count(n, 'Wert', 'Werte')})"
                          for aid, name, n in with_values[:20])
        report.error("", f"Die neuen Grenzen ersetzen {count(len(with_values), 'bisheriges Gebiet', 'bisherige Gebiete')} "
                     f"mit gespeicherten Werten: {shown}" + (" …" if len(with_values) > 20 else "")
                     + ". Diese Gebiete und ihre Werte würden entfallen. Zum Bestätigen "
                     "--entfernen angeben (Import-Seite: Häkchen „Gebiete mit Werten "
                     "entfernen“); sonst bleibt alles, wie es ist.")
        fatal = True
    elif result.removals:
        for aid, name, n in result.removals:
            report.changes.append(CellChange("entfernt", f"{name} ({aid})", "",
                                             count(n, "Wert", "Werte") if n else "ohne Werte",
                                             "entfernt"))
        retired = _retire(retired, current.areas, removed_ids)

    # --- metadata and indicator tables ------------------------------------------------------
    metadata: dict[str, dict[str, str]] = {}
    for up in request.metadata:
        if (table := _table_of(up, report)) is None:
            fatal = True
            continue
        try:
            metadata.update(read_metadata(table, report))
        except Exception as err:  # noqa: BLE001  (safety net: see _unexpected)
            _unexpected(up.name, err, report)
            fatal = True
    for ind_id, row in request.indicator_meta.items():
        metadata[ind_id] = {**metadata.get(ind_id, {}), **row, "id": ind_id}
    idx = AreaIndex.of(areas.drop(columns="geometry"), levels)
    imported_values: list[pd.DataFrame] = []
    new_inds: dict[str, dict[str, str]] = {}
    for up, opts in request.tables:
        if (table := _table_of(up, report, opts.sheet, idx)) is None:
            fatal = True
            continue
        try:
            res = import_values(table, idx, catalogue, report, opts, metadata)
        except Exception as err:  # noqa: BLE001  (safety net: see _unexpected)
            _unexpected(up.name, err, report)
            fatal = True
            continue
        result.mappings[up.name] = res.mapping
        src = _source_row(request, run, len(new_sources) + 1, up.name, "", res.attribution)
        if table.title and (m := re.search(r"GENESIS-Tabelle:?\s*([\w-]+)", table.title)):
            src["note"] = "; ".join(x for x in (f"GENESIS-Tabelle {m.group(1)}", src["note"]) if x)
        if table.sheet and len(table.sheets) > 1:
            src["note"] = "; ".join(x for x in (f"Blatt {table.sheet}", src["note"]) if x)
        new_sources.append(src)
        report.summary.append(f"{up.name}: Quelle der Werte „{src['text']}“"
                              + (f" ({src['licence']})" if src["licence"] else "")
                              + f", {KIND_LABELS.get(src['kind'], src['kind'])}"
                              + (" (aus der Datei erkannt)" if not request.source_text.strip()
                                 and res.attribution.text else "") + ".")
        imported_values.append(res.values.assign(source=src["id"]))
        for ind_id, meta in res.new_indicators.items():
            new_inds.setdefault(ind_id, {c: str(meta.get(c, "")) for c in CATALOGUE_COLUMNS})
    known_ids = set(catalogue["id"].astype(str))
    for ind_id, row in metadata.items():
        if ind_id not in known_ids and ind_id not in new_inds:
            new_inds[ind_id] = {c: str(row.get(c, "")) for c in CATALOGUE_COLUMNS}
            report.note("Metadaten", f"Neuer Indikator „{ind_id}“ („{row.get('name', '')}“) ohne "
                        "eigene Werte: "
                        + ("wird aus Zähler und Nenner berechnet." if row.get("kind") in
                           {"rate", "mean"} else "noch keine Werte."))
    if new_inds:
        _check_meta(new_inds, set(catalogue["id"].astype(str)), report, "Metadaten")
        catalogue = pd.concat([catalogue, pd.DataFrame(list(new_inds.values()))[CATALOGUE_COLUMNS]],
                              ignore_index=True).fillna("")
    result.new_indicators = new_inds

    # --- institutions -----------------------------------------------------------------------
    new_insts: list[gpd.GeoDataFrame] = []
    for up, opts in request.institutions:
        if (table := _table_of(up, report)) is None:
            fatal = True
            continue
        try:
            new_insts.append(import_institutions(table, idx, areas, report, opts))
        except Exception as err:  # noqa: BLE001  (safety net: see _unexpected)
            _unexpected(up.name, err, report)
            fatal = True

    rejected_rows = any(i.line for i in report.errors)
    file_errors = fatal or any(not i.line for i in report.errors)
    if file_errors or (rejected_rows and not request.allow_partial):
        if rejected_rows and not file_errors:
            report.summary.append("Abgelehnte Zeilen verhindern den Import. Korrigieren Sie die "
                                  "Datei oder wählen Sie „fehlerhafte Zeilen auslassen“.")
        return result
    if rejected_rows:
        report.partial = True
        report.summary.append("Die abgelehnten Zeilen werden ausgelassen (so gewählt); alle "
                              "anderen werden importiert.")

    # --- merge ------------------------------------------------------------------------------
    sources = pd.concat([current.sources.reindex(columns=list(SOURCE_COLUMNS)).astype(object),
                         pd.DataFrame(new_sources, columns=list(SOURCE_COLUMNS), dtype=object)],
                        ignore_index=True)
    sources = sources.where(sources.notna(), "").astype(str)
    import_of = {str(r["id"]): str(r["import_id"] or r["id"])
                 for r in sources.to_dict("records")}
    try:
        values = merge_values(current.values, imported_values, removed_ids, areas, catalogue,
                              report, import_of, dict(idx.names))
    except ValueError as err:
        report.error("", f"Die Werte lassen sich nicht zusammenführen: {err}")
        return result
    institutions = _merge_institutions(current.institutions, new_insts, areas, current.areas,
                                       removed_ids,
                                       new_areas, report)
    tables = AtlasTables(areas=areas, indicators=catalogue, values=values,
                         institutions=institutions, sources=sources, version="pruefung",
                         retired=retired)
    try:
        # A check neither writes cache files nor reuses geometry cached for other data.
        result.repository = build_repository(tables, settings, display_cache=False)
    except (AtlasError, ValueError, KeyError) as err:
        report.error("", f"Der neue Datenstand wäre nicht konsistent: {err}")
        return result
    if not report.ok:
        return result
    result.tables = tables
    return result


def _value_counts(values: pd.DataFrame) -> dict[str, int]:
    """Stored given values per area (what an area's removal would lose)."""
    given = values
    if "status" in values.columns:
        given = values[values["status"].fillna("").isin(["", "gesperrt", "unvollstaendig"])]
    return given["area_id"].astype(str).value_counts().to_dict()


def _retire(retired: pd.DataFrame, areas: pd.DataFrame, removed: set[str]) -> pd.DataFrame:
    """The retired keys with the removed areas added."""
    rows = areas[areas["area_id"].astype(str).isin(removed)]
    add = pd.DataFrame({"area_id": rows["area_id"].astype(str), "name": rows["name"].astype(str),
                        "level": rows["level"].astype(str),
                        "parent_id": rows["parent_id"].fillna("").astype(str),
                        "removed": time.strftime("%Y-%m-%d"), "version": ""})
    return pd.concat([retired, add], ignore_index=True)[list(RETIRED_COLUMNS)]


def _merge_areas(areas: gpd.GeoDataFrame, got: gpd.GeoDataFrame, levels, report: Report,
                 file: str) -> tuple[gpd.GeoDataFrame, set[str]]:
    """Imported areas replace the existing areas of their level under the same parents; the
    merged areas and the ids of those that go (with their descendants)."""
    order = {lvl.id: i for i, lvl in enumerate(levels)}
    level = str(got["level"].iloc[0])
    parents = set(got["parent_id"].astype(str))
    keys = set(got["area_id"].astype(str))
    old = areas[(areas["level"] == level) & areas["parent_id"].isin(parents)]
    gone = set(old["area_id"]) - keys
    # descendants of removed areas go too
    frontier = set(gone)
    while frontier:
        kids = set(areas.loc[areas["parent_id"].isin(frontier), "area_id"])
        frontier = kids - gone
        gone |= kids
    updated = keys & set(areas["area_id"])
    added = keys - set(areas["area_id"])
    old_names = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str), strict=True))
    for aid, name in zip(got["area_id"].astype(str), got["name"].astype(str), strict=True):
        if aid in old_names and old_names[aid] != name:
            report.changes.append(CellChange("umbenannt", aid, "", f"„{old_names[aid]}“",
                                             f"„{name}“"))
    if gone:
        names = areas.loc[areas["area_id"].isin(gone), "name"].astype(str).tolist()
        report.warning(file, f"Durch die neuen Gebiete entfallen bisherige samt ihren Werten "
                       f"({len(gone)}): " + ", ".join(sorted(names)[:20])
                       + (" …" if len(names) > 20 else "") + ".")
    report.summary.append(f"{file}: {count(len(added), 'Gebiet', 'Gebiete')} neu, "
                          f"{len(updated)} aktualisiert, {len(gone)} "
                          f"{'entfällt' if len(gone) == 1 else 'entfallen'}.")
    keep = areas[~areas["area_id"].isin(gone | keys)]
    merged = pd.concat([keep, got.to_crs(areas.crs)], ignore_index=True)
    merged["_o"] = merged["level"].map(order)
    merged = merged.sort_values(["_o", "area_id"]).drop(columns="_o").reset_index(drop=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=areas.crs), gone


def _merge_institutions(old: gpd.GeoDataFrame, new: list[gpd.GeoDataFrame],
                        areas: gpd.GeoDataFrame, old_areas: pd.DataFrame, removed: set[str],
                        new_areas: list[gpd.GeoDataFrame], report: Report) -> gpd.GeoDataFrame:
    """Old and imported institutions; those in removed or newly subdivided areas are placed
    again by their point, else in the nearest remaining ancestor of their former area."""
    inst = old.to_crs(METRIC_CRS) if old.crs is not None else old
    add = [g for g in new if not g.empty]
    if add:
        fresh = pd.concat(add, ignore_index=True)
        replaced = inst["inst_id"].isin(fresh["inst_id"])
        if replaced.any():
            n = int(replaced.sum())
            report.summary.append("1 bestehende Einrichtung wird durch die importierte ersetzt."
                                  if n == 1 else f"{n} bestehende Einrichtungen werden durch "
                                  "die importierten ersetzt.")
        inst = pd.concat([inst[~replaced], fresh], ignore_index=True)
    # Institutions in areas that changed: assign again by their point (else to the parent).
    touched = set(removed)
    for g in new_areas:
        touched |= set(g["parent_id"].astype(str)) | set(g["area_id"].astype(str))
    if touched:
        parent_of = dict(zip(areas["area_id"].astype(str), areas["parent_id"].astype(str),
                             strict=True))
        old_parent = dict(zip(old_areas["area_id"].astype(str),
                              old_areas["parent_id"].fillna("").astype(str), strict=True))

        def surviving(area_id: str) -> str:
            while area_id and area_id not in parent_of:
                area_id = old_parent.get(area_id, "")
            return area_id

        lowest = areas[areas["parent_id"].isin(touched) | areas["area_id"].isin(touched)]
        moved = 0
        geoms = lowest.geometry.values
        ids = lowest["area_id"].astype(str).to_numpy()
        for i in inst.index[inst["area_id"].astype(str).isin(touched)]:
            pt = inst.geometry[i]
            cur = str(inst.at[i, "area_id"])
            target = surviving(cur)
            if pt is not None and not pt.is_empty:
                hits = [ids[k] for k in range(len(ids)) if geoms[k].intersects(pt)
                        and parent_of.get(ids[k]) in touched]
                if hits:
                    target = sorted(hits)[0]
            if target and target != cur:
                inst.at[i, "area_id"] = target
                moved += 1
        if moved:
            report.summary.append("1 Einrichtung liegt jetzt in einem neuen Gebiet." if moved == 1
                                  else f"{moved} Einrichtungen liegen jetzt in einem neuen "
                                  "Gebiet.")
    out = gpd.GeoDataFrame(inst, geometry="geometry", crs=METRIC_CRS)
    return out.sort_values("inst_id", kind="stable").reset_index(drop=True)


def run_import(store, settings: Settings, request: ImportRequest, note: str = "",
               write: bool = True, who: str = "") -> ImportResult:
    """Check the import against the store's current version and, if it passes and ``write``
    is set, write it as a new version (switched atomically) and note it in the audit log
    (``who``: the signed-in user; default the operating-system user, for the command)."""
    cleanup = getattr(store, "cleanup", None)
    cleaned = cleanup() if cleanup is not None and write else []
    base = store.current_version()  # the version this import is checked against
    current = store.read()
    result = check_import(current, settings, request)
    for line in cleaned:
        result.report.note("", line)
    if result.tables is None or not write:
        return result
    try:
        # Written only if no other import switched the version meanwhile (no lost update).
        result.version = store.write(result.tables, note or "Import", base=base)
    except OSError as err:  # the operating system's text is English: quote it
        result.report.error("", "Schreiben fehlgeschlagen, der bisherige Datenstand bleibt "
                            f"(Meldung des Betriebssystems: „{err.strerror or err}“).")
        return result
    except AtlasError as err:
        result.report.error("", f"Nicht gespeichert, der bisherige Datenstand bleibt: {err}")
        return result
    result.report.summary.insert(0, f"Importiert als Version {result.version}.")
    _audit(store, "import", who, f"Version {result.version}: {note or 'Import'}")
    return result


def _audit(store, action: str, who: str, what: str) -> None:
    """An audit-log entry; a failing log never undoes the import (it is reported)."""
    import getpass

    from geodata.storage.audit import write_entry

    try:
        write_entry(store, action, who or f"{getpass.getuser()} (Kommandozeile)", what)
    except Exception as err:  # noqa: BLE001 (sqlite3/psycopg errors alike; logged, not lost)
        import logging

        logging.getLogger("bildungsatlas.protokoll").error("Protokoll nicht geschrieben: %s",
                                                             err)
