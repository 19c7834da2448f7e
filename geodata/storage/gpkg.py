"""The atlas as one GeoPackage file: read its tables, write a new one.

Layers ``areas`` and ``institutions`` (EPSG:25832), tables ``indicators``, ``values``,
``sources`` and ``meta`` (see the data model in the documentation). The version of a file is a
short hash of its content, so a new import gives new geometry URLs.

The ``values`` table of a national atlas has about two million rows. Read plainly, each of its
texts would become a Python object (seconds and hundreds of megabytes); instead one SQL query
turns area and indicator ids into integer codes inside SQLite, and the table arrives as a
`pandas.DataFrame` with categorical ``area_id`` and ``indicator_id`` columns.
Its columns are also kept on disk per data version, like the display geometry
(``values-*.npz`` in the cache directory of `geodata.storage.display.cache_dir`), so that a
restart reads them in a fraction of a second. The cache holds only derived numbers, is written
atomically and may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geodata.model.errors import DataFileError
from geodata.model.repository import Repository
from geodata.model.settings import DEFAULT_CONFIG, PACKAGE_DIR, load_settings
from geodata.model.values import STATUS, ValueTable
from geodata.storage.display import cache_dir, touch_used
from geodata.storage.tables import RETIRED_COLUMNS, AtlasTables, Lazy, build_repository

DEFAULT_GPKG = PACKAGE_DIR / "atlas.gpkg"
VALUE_CACHE_FORMAT = 2


# --- loading ---------------------------------------------------------------------------------
def _read_table(path: Path, layer: str) -> pd.DataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(
            f"Die Tabelle „{layer}“ in {path.name} ist nicht lesbar: {err}"
        ) from err


def _value_frame(area_ids: list[str], ind_ids: list[str], area: np.ndarray, ind: np.ndarray,
                 year: np.ndarray, value: np.ndarray, numerator: np.ndarray,
                 denominator: np.ndarray) -> pd.DataFrame:
    """The long value table from coded columns (``area_id``, ``indicator_id`` categorical)."""
    return pd.DataFrame({
        "area_id": pd.Categorical.from_codes(area, categories=area_ids),
        "indicator_id": pd.Categorical.from_codes(ind, categories=ind_ids),
        "year": year.astype(np.int64), "value": value, "numerator": numerator,
        "denominator": denominator,
    })


def _sql_values(path: Path) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """The ``values`` table with its ids coded inside one SQL query (see module docstring):
    the area ids, the indicator ids, the source ids (all sorted) and one row per stored row,
    in file order, of area code, indicator code, year, value, numerator, denominator (NULL =
    NaN), source code and status code (into `geodata.model.values.STATUS`; an atlas written
    before sources were kept per value has neither column: source "" and status "" then).

    GDAL runs the query in C (pyogrio), so no Python object is made per row and the
    interpreter lock is not taken per row: Python's own sqlite3 module takes it for every row,
    which lets busy request threads starve a background load for minutes.
    """
    try:
        info = pyogrio.read_info(path, layer="values")
        columns = set(info["fields"])
        missing = {"area_id", "indicator_id", "year", "value"} - columns
        if missing:
            raise DataFileError(f"Die Tabelle „values“ in {path.name} ist nicht lesbar: es "
                                f"fehlen die Spalten {', '.join(sorted(missing))}.")
        coded = ["area_id", "indicator_id"] + (["source"] if "source" in columns else [])
        ids = {col: pyogrio.read_dataframe(
            path, sql=f'SELECT DISTINCT COALESCE({col}, \'\') AS id FROM "values" ORDER BY 1',
            read_geometry=False)["id"].astype(str).tolist() for col in coded}
        num = "v.numerator" if "numerator" in columns else "NULL"
        den = "v.denominator" if "denominator" in columns else "NULL"
        src_sel, src_join = "0", ""
        if "source" in columns:
            src_sel = "s.code"
            src_join = f"JOIN {_coded('source')} s ON s.id = COALESCE(v.source, '') "
        status = "0"
        if "status" in columns:
            status = "CASE COALESCE(v.status, '') " + " ".join(
                f"WHEN '{name}' THEN {code}" for code, name in enumerate(STATUS) if name
            ) + " ELSE 0 END"
        df = pyogrio.read_dataframe(path, read_geometry=False, sql=(
            f"SELECT a.code AS a, i.code AS i, v.year AS y, v.value AS v, {num} AS n, {den} AS d, "
            f"{src_sel} AS s, {status} AS t "
            f'FROM "values" v JOIN {_coded("area_id")} a ON a.id = COALESCE(v.area_id, \'\') '
            f"JOIN {_coded('indicator_id')} i ON i.id = COALESCE(v.indicator_id, '') "
            f"{src_join}ORDER BY v.fid"))
    except DataFileError:
        raise
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(f"Die Tabelle „values“ in {path.name} ist nicht lesbar: {err}") from err
    rows = np.empty((len(df), 8), dtype=np.float64)
    for j, col in enumerate(("a", "i", "y", "v", "n", "d", "s", "t")):
        rows[:, j] = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64,
                                                                      na_value=np.nan)
    if np.isnan(rows[:, :3]).any():
        raise DataFileError(f"Die Tabelle „values“ in {path.name} hat Zeilen ohne Jahr "
                            "oder mit einem Text, wo eine Zahl stehen muss.")
    return ids["area_id"], ids["indicator_id"], ids.get("source", [""]), rows


def _coded(col: str) -> str:
    """A subquery numbering the distinct values of ``col`` from 0, in sorted order."""
    return (f"(SELECT id, row_number() OVER (ORDER BY id) - 1 AS code FROM "
            f"(SELECT DISTINCT COALESCE({col}, '') AS id FROM \"values\"))")


_CACHED = ("area", "indicator", "year", "value", "numerator", "denominator", "source",
           "status", "w_key", "w_source", "w_status")


def _read_values(path: Path) -> pd.DataFrame:
    """The stored value table, every row as it is in the file (codes as categoricals)."""
    area_ids, ind_ids, src_ids, rows = _sql_values(path)
    df = _value_frame(area_ids, ind_ids, rows[:, 0].astype(np.int32),
                      rows[:, 1].astype(np.int32), rows[:, 2].astype(np.int64), rows[:, 3],
                      rows[:, 4], rows[:, 5])
    df["source"] = pd.Categorical.from_codes(rows[:, 6].astype(np.int32), categories=src_ids)
    df["status"] = np.asarray(STATUS, dtype=object)[rows[:, 7].astype(np.int64)]
    return df


def _read_value_table(path: Path, version: str) -> ValueTable:
    """The `ValueTable` of one data version: from the disk cache, else read and cached."""
    folder = cache_dir()
    cached = folder / f"values-{VALUE_CACHE_FORMAT}-{version}.npz" if folder else None
    if cached is not None and cached.exists():
        try:
            with np.load(cached, allow_pickle=False) as z:
                arrays = {c: z[c] for c in _CACHED}
                table = ValueTable.from_sorted(z["area_ids"].tolist(),
                                               z["indicator_ids"].tolist(),
                                               source_ids=z["source_ids"].tolist(), **arrays)
            touch_used(cached)
            return table
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    area_ids, ind_ids, src_ids, rows = _sql_values(path)
    table = ValueTable(area_ids, ind_ids, *(rows[:, i] for i in range(6)),
                       source=rows[:, 6].astype(np.int16), status=rows[:, 7].astype(np.int8),
                       source_ids=src_ids)
    del rows
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=cached.parent, delete=False,
                                             suffix=".tmp") as fh:
                np.savez(fh, area_ids=np.array(table.area_ids, dtype=str),
                         indicator_ids=np.array(table.indicator_ids, dtype=str),
                         source_ids=np.array(table.source_ids, dtype=str),
                         **{c: getattr(table, c) for c in _CACHED})
            os.chmod(fh.name, 0o644)  # readable by the other workers' users
            os.replace(fh.name, cached)
        except OSError:
            pass  # a read-only cache directory only costs the next start some time
    return table


def _file_hash(path: Path) -> str:
    """Short content hash of a file (a new import gives new geometry URLs)."""
    digest = hashlib.blake2b(digest_size=6)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _areas_without_geometry(gpkg: Path) -> gpd.GeoDataFrame:
    """The ``areas`` layer's attributes, with an empty geometry column in the layer's CRS."""
    info = pyogrio.read_info(gpkg, layer="areas")
    df = pyogrio.read_dataframe(gpkg, layer="areas", read_geometry=False)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([None] * len(df), index=df.index),
                            crs=info["crs"])


def read_atlas_tables(gpkg: Path = DEFAULT_GPKG) -> AtlasTables:
    """Read the atlas tables from a GeoPackage (German `DataFileError` on failure).

    The small tables and the areas' attributes are read now (a broken file fails here); the
    areas' geometry and the values only when asked for (see `AtlasTables`): a repository
    takes the values as a `ValueTable` from the disk cache and needs the geometry only if the
    display geometry is not cached.
    """
    if not gpkg.exists():
        raise DataFileError(
            f"Die Atlas-Datei {gpkg} fehlt. Erzeugen mit: python -m geodata.demo.build"
        )
    try:
        attributes = _areas_without_geometry(gpkg)
        inst_gdf = pyogrio.read_dataframe(gpkg, layer="institutions")
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(f"Die Geometrien in {gpkg.name} sind nicht lesbar: {err}") from err
    version = _file_hash(gpkg)
    return AtlasTables(
        areas=Lazy(lambda: _read_areas(gpkg)),
        indicators=_read_table(gpkg, "indicators"),
        values=Lazy(lambda: _read_values(gpkg)),
        institutions=inst_gdf,
        sources=_read_table(gpkg, "sources"),
        version=version,
        retired=_read_retired(gpkg),
        area_attributes_loader=lambda: attributes,
        value_table_loader=lambda: _read_value_table(gpkg, version),
    )


def _read_areas(gpkg: Path) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(gpkg, layer="areas")
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(f"Die Geometrien in {gpkg.name} sind nicht lesbar: {err}") from err


def load_repository(
    gpkg: Path = DEFAULT_GPKG, config: Path = DEFAULT_CONFIG
) -> Repository:
    """Load the GeoPackage into an immutable `Repository` (see `build_repository`)."""
    return build_repository(read_atlas_tables(gpkg), load_settings(config))


def write_gpkg(path: Path, areas, institutions, catalogue, values, sources, meta,
               retired: pd.DataFrame | None = None) -> None:
    """Write the atlas layers and tables to ``path`` (a new GeoPackage; also used by imports).
    ``retired``: keys of removed areas (never given to a new area), written as the table
    ``retired`` when given."""
    pyogrio.write_dataframe(areas, path, layer="areas", driver="GPKG", promote_to_multi=True)
    pyogrio.write_dataframe(institutions, path, layer="institutions", driver="GPKG",
                            geometry_type="Point")
    pyogrio.write_dataframe(catalogue, path, layer="indicators", driver="GPKG")
    text = {c: str for c in ("area_id", "indicator_id", "source")
            if c in values.columns and isinstance(values[c].dtype, pd.CategoricalDtype)}
    out = values.astype(text) if text else values
    for c in ("source", "status"):
        if c in out.columns:  # "" is stored as NULL: no bytes for the common case
            text = out[c].astype(object).where(out[c].notna(), "").astype(str)
            out = out.assign(**{c: text.where(text != "", None)})
    pyogrio.write_dataframe(out, path, layer="values", driver="GPKG")
    pyogrio.write_dataframe(sources, path, layer="sources", driver="GPKG")
    pyogrio.write_dataframe(meta, path, layer="meta", driver="GPKG")
    if retired is not None and len(retired):
        pyogrio.write_dataframe(retired.astype(str), path, layer="retired", driver="GPKG")


def _read_retired(gpkg: Path) -> pd.DataFrame:
    """The keys of removed areas (empty for an atlas without the table)."""
    if "retired" not in {name for name, _ in pyogrio.list_layers(gpkg)}:
        return pd.DataFrame(columns=list(RETIRED_COLUMNS))
    return _read_table(gpkg, "retired")
