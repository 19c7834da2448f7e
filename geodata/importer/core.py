"""One import path for the command line and the upload page.

`check_import` reads the uploaded files, merges them into a complete new set of atlas tables
and validates it fully (including that `build_repository` accepts it) without writing
anything. `run_import` then writes that set as a new version through an `AtlasStore`; a check
with errors never writes. Every outcome comes with a German `Report`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geodata.importer.boundaries import import_boundaries
from geodata.importer.facilities import InstitutionOptions, import_institutions
from geodata.importer.geofile import BoundaryError, BoundaryOptions, read_geofile
from geodata.importer.keys import AreaIndex
from geodata.importer.report import Report, count
from geodata.importer.tabular import RawTable, TableError, read_table
from geodata.importer.values import ValueOptions, import_values, read_metadata
from geodata.model.entities import METRIC_CRS
from geodata.model.errors import AtlasError
from geodata.model.repository import Repository
from geodata.model.settings import Settings
from geodata.statistics.aggregate import aggregate_values
from geodata.statistics.numfmt import format_number
from geodata.storage.tables import AtlasTables, build_repository

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


@dataclass
class ImportResult:
    report: Report
    tables: AtlasTables | None = None  # the complete validated new atlas (None: blocked)
    repository: Repository | None = None
    version: str | None = None  # id of the written version
    new_indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)


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


def _table_of(up: Upload, report: Report) -> RawTable | None:
    """The upload read as a table, or None (the reason is in the report)."""
    if _too_big(up, report):
        return None
    try:
        return read_table(up.data, up.name, report)
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
        if row.get("kind") in {"rate", "mean"}:
            for ref in ("numerator", "denominator"):
                if row.get(ref, "") not in known | set(meta):
                    report.error(file, where + f"{'Zähler' if ref == 'numerator' else 'Nenner'} "
                                 f"„{row.get(ref, '')}“ ist kein bekannter Indikator.")
        try:
            int(float(row.get("decimals") or 0))
            float(row.get("factor") or 1)
        except ValueError:
            report.error(file, where + "„decimals“ und „factor“ müssen Zahlen sein.")


def check_import(current: AtlasTables, settings: Settings, request: ImportRequest) -> ImportResult:
    """Validate an import completely; nothing is written. ``result.tables`` is the complete
    new atlas when the report has no errors (or only rejected rows and ``allow_partial``)."""
    report = Report()
    result = ImportResult(report)
    areas = current.areas.to_crs(METRIC_CRS) if current.areas.crs is not None else current.areas
    catalogue = current.indicators.copy()
    levels = settings.levels
    fatal = False

    # --- boundaries -----------------------------------------------------------------------
    new_areas: list[gpd.GeoDataFrame] = []
    for up, opts in request.boundaries:
        if _too_big(up, report):
            fatal = True
            continue
        idx = AreaIndex.of(areas.drop(columns="geometry"), levels)
        try:
            gdf = read_geofile(up.data, up.name, opts, report)
            got = import_boundaries(gdf, up.name, opts, idx, areas, report)
            if not got.empty:
                merged = _merge_areas(areas, got, levels, report, up.name)
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
            areas = merged
    removed_ids = set(current.areas["area_id"].astype(str)) - set(areas["area_id"].astype(str))

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
        if (table := _table_of(up, report)) is None:
            fatal = True
            continue
        try:
            res = import_values(table, idx, catalogue, report, opts, metadata)
        except Exception as err:  # noqa: BLE001  (safety net: see _unexpected)
            _unexpected(up.name, err, report)
            fatal = True
            continue
        result.mappings[up.name] = res.mapping
        imported_values.append(res.values)
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
    values = _merge_values(current.values, imported_values, removed_ids, areas, catalogue, report)
    institutions = _merge_institutions(current.institutions, new_insts, areas, current.areas,
                                       removed_ids,
                                       new_areas, report)
    sources = current.sources
    if request.source_text.strip():
        sources = pd.concat([sources, pd.DataFrame([{
            "id": f"import-{time.strftime('%Y%m%d-%H%M%S')}", "text": request.source_text.strip(),
            "licence": "", "url": ""}])], ignore_index=True)
    tables = AtlasTables(areas=areas, indicators=catalogue, values=values,
                         institutions=institutions, sources=sources, version="pruefung")
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


def _merge_areas(areas: gpd.GeoDataFrame, got: gpd.GeoDataFrame, levels, report: Report,
                 file: str) -> gpd.GeoDataFrame:
    """Imported areas replace the existing areas of their level under the same parents."""
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
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=areas.crs)


def _merge_values(old: pd.DataFrame, new: list[pd.DataFrame], removed: set[str],
                  areas: gpd.GeoDataFrame, catalogue: pd.DataFrame, report: Report) -> pd.DataFrame:
    keys = ["area_id", "indicator_id", "year"]
    kept = old[~old["area_id"].isin(removed)]
    if len(kept) < len(old):
        n = len(old) - len(kept)
        report.summary.append(f"{count(n, 'Wert', 'Werte')} entfallener Gebiete "
                              f"{'wird' if n == 1 else 'werden'} entfernt.")
    add = pd.concat([v for v in new if not v.empty], ignore_index=True) if any(
        not v.empty for v in new) else None
    if add is not None:
        add = add.drop_duplicates(keys, keep="last")
        overlap = kept.merge(add[keys], on=keys, how="inner")
        kept = kept.merge(add[keys].assign(_n=1), on=keys, how="left")
        kept = kept[kept["_n"].isna()].drop(columns="_n")
        report.summary.append(f"{count(len(add), 'Wert', 'Werte')} importiert, davon "
                              + ("ersetzt 1 einen bestehenden Wert." if len(overlap) == 1 else
                                 f"ersetzen {len(overlap)} bestehende Werte."))
        merged = pd.concat([kept, add], ignore_index=True)
    else:
        merged = kept
    merged = merged.astype({"area_id": str, "indicator_id": str, "year": "int64",
                            "value": float, "numerator": float, "denominator": float})
    completed = aggregate_values(merged, areas[["area_id", "parent_id"]], catalogue)
    # Rates and means given directly (without their counts) are kept as imported.
    derived = set(catalogue.loc[catalogue["kind"].isin(["rate", "mean"]), "id"].astype(str))
    direct = merged[merged["indicator_id"].isin(derived)]
    missing = direct.merge(completed[keys].assign(_n=1), on=keys, how="left")
    missing = missing[missing["_n"].isna()].drop(columns="_n")
    out = pd.concat([completed, missing], ignore_index=True)
    fresh = out[keys].merge(merged[keys].assign(_n=1), on=keys, how="left")
    fresh = fresh[fresh["_n"].isna()]
    n_rates = int(fresh["indicator_id"].isin(derived).sum())
    n_sums = len(fresh) - n_rates
    if n_sums:
        report.summary.append(f"{count(n_sums, 'Anzahl', 'Anzahlen')} übergeordneter Gebiete "
                              "aus ihren Teilgebieten summiert.")
    if n_rates:
        report.summary.append(f"{count(n_rates, 'Quote oder Mittelwert', 'Quoten und Mittelwerte')}"
                              " neu aus Zähler und Nenner berechnet.")
    return out.sort_values(["indicator_id", "year", "area_id"], kind="stable").reset_index(drop=True)


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
    base = store.current_version()  # the version this import is checked against
    current = store.read()
    result = check_import(current, settings, request)
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
