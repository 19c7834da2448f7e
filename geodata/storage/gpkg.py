"""The atlas as one GeoPackage file: read its tables, write a new one.

Layers ``areas`` and ``institutions`` (EPSG:25832), tables ``indicators``, ``values``,
``sources`` and ``meta`` (see the data model in the documentation). The version of a file is a
short hash of its content, so a new import gives new geometry URLs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyogrio

from geodata.model.errors import DataFileError
from geodata.model.repository import Repository
from geodata.model.settings import DEFAULT_CONFIG, PACKAGE_DIR, load_settings
from geodata.storage.tables import AtlasTables, build_repository

DEFAULT_GPKG = PACKAGE_DIR / "atlas.gpkg"


# --- loading ---------------------------------------------------------------------------------
def _read_table(path: Path, layer: str) -> pd.DataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(
            f"Die Tabelle „{layer}“ in {path.name} ist nicht lesbar: {err}"
        ) from err


def _file_hash(path: Path) -> str:
    """Short content hash of a file (a new import gives new geometry URLs)."""
    digest = hashlib.blake2b(digest_size=6)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_atlas_tables(gpkg: Path = DEFAULT_GPKG) -> AtlasTables:
    """Read the five atlas tables from a GeoPackage (German `DataFileError` on failure)."""
    if not gpkg.exists():
        raise DataFileError(
            f"Die Atlas-Datei {gpkg} fehlt. Erzeugen mit: python -m geodata.demo.build"
        )
    try:
        areas_gdf = pyogrio.read_dataframe(gpkg, layer="areas")
        inst_gdf = pyogrio.read_dataframe(gpkg, layer="institutions")
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(f"Die Geometrien in {gpkg.name} sind nicht lesbar: {err}") from err
    return AtlasTables(
        areas=areas_gdf,
        indicators=_read_table(gpkg, "indicators"),
        values=_read_table(gpkg, "values"),
        institutions=inst_gdf,
        sources=_read_table(gpkg, "sources"),
        version=_file_hash(gpkg),
    )


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
    pyogrio.write_dataframe(values, path, layer="values", driver="GPKG")
    pyogrio.write_dataframe(sources, path, layer="sources", driver="GPKG")
    pyogrio.write_dataframe(meta, path, layer="meta", driver="GPKG")
