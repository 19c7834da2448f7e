"""The atlas as one GeoPackage file: read its tables, write a new one.

Layers ``areas`` and ``institutions`` (EPSG:25832), tables ``indicators``, ``values``,
``sources`` and ``meta`` (see the data model in the documentation). The version of a file is a
short hash of its content, so a new import gives new geometry URLs.

The ``values`` table of a national atlas has about two million rows. GDAL would hand each of
its texts to Python as an object (seconds and hundreds of megabytes); instead it is read with
SQLite directly, area and indicator ids turned into integer codes inside the query, and
arrives as a `pandas.DataFrame` with categorical ``area_id`` and ``indicator_id`` columns.
Its columns are also kept on disk per data version, like the display geometry
(``values-*.npz`` in the cache directory of `geodata.storage.display.cache_dir`), so that a
restart reads them in a fraction of a second. The cache holds only derived numbers, is written
atomically and may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geodata.model.errors import DataFileError
from geodata.model.repository import Repository
from geodata.model.settings import DEFAULT_CONFIG, PACKAGE_DIR, load_settings
from geodata.model.values import ValueTable
from geodata.storage.display import cache_dir
from geodata.storage.tables import AtlasTables, Lazy, build_repository

DEFAULT_GPKG = PACKAGE_DIR / "atlas.gpkg"
VALUE_CACHE_FORMAT = 1
_FETCH_ROWS = 100_000


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


def _sql_values(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """The ``values`` table read with SQLite, ids coded in the query (see module docstring):
    the area ids, the indicator ids and one row per stored row (in file order) of area code,
    indicator code, year, value, numerator, denominator (NULL = NaN)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        columns = {row[1] for row in con.execute('PRAGMA table_info("values")')}
        missing = {"area_id", "indicator_id", "year", "value"} - columns
        if missing:
            raise DataFileError(f"Die Tabelle „values“ in {path.name} ist nicht lesbar: es "
                                f"fehlen die Spalten {', '.join(sorted(missing))}.")
        num = "v.numerator" if "numerator" in columns else "NULL"
        den = "v.denominator" if "denominator" in columns else "NULL"
        area_ids = [r[0] for r in con.execute(
            "SELECT DISTINCT COALESCE(area_id, '') FROM \"values\" ORDER BY 1")]
        ind_ids = [r[0] for r in con.execute(
            "SELECT DISTINCT COALESCE(indicator_id, '') FROM \"values\" ORDER BY 1")]
        con.execute("CREATE TEMP TABLE ba_area(id TEXT PRIMARY KEY, code INTEGER)")
        con.execute("CREATE TEMP TABLE ba_ind(id TEXT PRIMARY KEY, code INTEGER)")
        con.executemany("INSERT INTO ba_area VALUES (?, ?)",
                        [(a, i) for i, a in enumerate(area_ids)])
        con.executemany("INSERT INTO ba_ind VALUES (?, ?)", [(a, i) for i, a in enumerate(ind_ids)])
        n = con.execute('SELECT count(*) FROM "values"').fetchone()[0]
        cur = con.execute(
            f"SELECT a.code, i.code, v.year, v.value, {num}, {den} FROM \"values\" v "
            "JOIN ba_area a ON a.id = COALESCE(v.area_id, '') "
            "JOIN ba_ind i ON i.id = COALESCE(v.indicator_id, '') ORDER BY v.rowid")
        rows = np.empty((n, 6), dtype=np.float64)
        filled = 0
        while chunk := cur.fetchmany(_FETCH_ROWS):  # a few MB at a time, never all rows
            block = np.array(chunk, dtype=np.float64)  # NULL becomes NaN
            rows[filled:filled + len(block)] = block
            filled += len(block)
    except (sqlite3.Error, ValueError, TypeError) as err:  # ValueError: text for a number
        raise DataFileError(f"Die Tabelle „values“ in {path.name} ist nicht lesbar: {err}") from err
    finally:
        con.close()
    if np.isnan(rows[:filled, 2]).any():
        raise DataFileError(f"Die Tabelle „values“ in {path.name} hat Zeilen ohne Jahr.")
    return area_ids, ind_ids, rows[:filled]


_CACHED = ("area", "indicator", "year", "value", "numerator", "denominator")


def _read_values(path: Path) -> pd.DataFrame:
    """The stored value table, every row as it is in the file (codes as categoricals)."""
    area_ids, ind_ids, rows = _sql_values(path)
    return _value_frame(area_ids, ind_ids, rows[:, 0].astype(np.int32),
                        rows[:, 1].astype(np.int32), rows[:, 2].astype(np.int64), rows[:, 3],
                        rows[:, 4], rows[:, 5])


def _read_value_table(path: Path, version: str) -> ValueTable:
    """The `ValueTable` of one data version: from the disk cache, else read and cached."""
    folder = cache_dir()
    cached = folder / f"values-{VALUE_CACHE_FORMAT}-{version}.npz" if folder else None
    if cached is not None and cached.exists():
        try:
            with np.load(cached, allow_pickle=False) as z:
                return ValueTable.from_sorted(z["area_ids"].tolist(),
                                              z["indicator_ids"].tolist(),
                                              *(z[c] for c in _CACHED))
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    area_ids, ind_ids, rows = _sql_values(path)
    table = ValueTable(area_ids, ind_ids, *(rows[:, i] for i in range(6)))
    del rows
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=cached.parent, delete=False,
                                             suffix=".tmp") as fh:
                np.savez(fh, area_ids=np.array(table.area_ids, dtype=str),
                         indicator_ids=np.array(table.indicator_ids, dtype=str),
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


def write_gpkg(path: Path, areas, institutions, catalogue, values, sources, meta) -> None:
    """Write the atlas layers and tables to ``path`` (a new GeoPackage; also used by imports)."""
    pyogrio.write_dataframe(areas, path, layer="areas", driver="GPKG", promote_to_multi=True)
    pyogrio.write_dataframe(institutions, path, layer="institutions", driver="GPKG",
                            geometry_type="Point")
    pyogrio.write_dataframe(catalogue, path, layer="indicators", driver="GPKG")
    text = {c: str for c in ("area_id", "indicator_id")
            if isinstance(values[c].dtype, pd.CategoricalDtype)}
    pyogrio.write_dataframe(values.astype(text) if text else values, path, layer="values",
                            driver="GPKG")
    pyogrio.write_dataframe(sources, path, layer="sources", driver="GPKG")
    pyogrio.write_dataframe(meta, path, layer="meta", driver="GPKG")
