"""Versioned storage of the atlas tables.

An import never changes the data in place: it writes a complete new version and then switches
a small pointer file atomically (write a temporary file, fsync, ``os.replace``). Until the
switch, readers see the previous version; a crash during writing leaves at most an unused
temporary file. Every previous version stays and can be restored.

`GpkgStore` keeps one GeoPackage per version in a data directory (``BILDUNGSATLAS_DATA``,
default ``daten/`` in the project folder, ignored by git). Without any version the committed
demo atlas ``geodata/atlas.gpkg`` is the base version ``basis`` (it is never modified).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from pathlib import Path

import pandas as pd

from geodata.model.errors import DataFileError
from geodata.storage import gpkg
from geodata.storage.display import clean_cache_leftovers
from geodata.storage.gpkg import DEFAULT_GPKG, read_atlas_tables
from geodata.storage.tables import AtlasTables, retired_of
from geodata.storage.versions import AtlasStore, StaleVersionError, StoreVersion

BASE_VERSION = "basis"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "daten"
POINTER = "AKTUELL"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class GpkgStore:
    """Versioned GeoPackages in ``data_dir/versionen/`` and the pointer ``data_dir/AKTUELL``."""

    def __init__(self, data_dir: Path | None = None, base: Path = DEFAULT_GPKG) -> None:
        env = os.environ.get("BILDUNGSATLAS_DATA")
        self.data_dir = Path(data_dir or env or DEFAULT_DATA_DIR)
        self.base = base
        self.dir = self.data_dir / "versionen"

    # --- paths -------------------------------------------------------------------------------
    def path_of(self, version_id: str) -> Path:
        """The GeoPackage of a version (``basis`` = the committed demo atlas)."""
        if version_id == BASE_VERSION:
            return self.base
        if not version_id or "/" in version_id or "\\" in version_id or version_id.startswith("."):
            raise DataFileError(f"Die Version „{version_id[:40]}“ gibt es nicht.")
        return self.dir / f"{version_id}.gpkg"

    def current_version(self) -> str:
        """Id of the version served now (reads one small file; cheap enough to poll)."""
        try:
            return (self.data_dir / POINTER).read_text(encoding="utf-8").strip() or BASE_VERSION
        except FileNotFoundError:
            return BASE_VERSION

    def read(self, version: str | None = None) -> AtlasTables:
        """The current version's tables, or those of ``version`` (read on demand, see
        `geodata.storage.gpkg.read_atlas_tables`)."""
        return read_atlas_tables(self.path_of(version or self.current_version()))

    def write(self, tables: AtlasTables, note: str, base: str | None = None) -> str:
        """Write ``tables`` as a new version, then switch to it; returns the version id.

        With ``base`` (the version the import was checked against), the switch happens only if
        that is still the current version, else `StaleVersionError`: two imports at the same
        time never silently overwrite each other. Writers are serialised by a file lock.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / ".schreibsperre").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if base is not None and self.current_version() != base:
                    raise StaleVersionError(base, self.current_version())
                return self._write(tables, note)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, tables: AtlasTables, note: str) -> str:
        vid = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)
        final = self.path_of(vid)
        tmp = self.dir / f".{vid}.tmp.gpkg"
        meta = pd.DataFrame([("version", vid), ("note", note), ("builder", "geodata.importer"),
                             ("created", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
                             ("crs", "EPSG:25832")], columns=["key", "value"])
        try:
            gpkg.write_gpkg(tmp, tables.areas, tables.institutions, tables.indicators,
                            tables.values, tables.sources, meta, retired_of(tables))
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
            _fsync_dir(self.dir)
            _atomic_write_text(self.dir / f"{vid}.json", json.dumps(
                {"id": vid, "created": meta["value"][3], "note": note}, ensure_ascii=False))
        finally:
            if tmp.exists():
                tmp.unlink()
        self._switch(vid)
        return vid

    def _switch(self, version_id: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(self.data_dir / POINTER, version_id + "\n")

    def versions(self) -> list[StoreVersion]:
        """All versions, newest first; the base version last."""
        cur = self.current_version()
        out = []
        for meta in sorted(self.dir.glob("*.json"), reverse=True) if self.dir.exists() else []:
            try:
                info = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if self.path_of(str(info["id"])).exists():
                out.append(StoreVersion(str(info["id"]), str(info.get("created", "")),
                                        str(info.get("note", "")), info["id"] == cur))
        out.append(StoreVersion(BASE_VERSION, "", "Ausgangsdaten (Demo-Atlas)",
                                cur == BASE_VERSION))
        return out

    def restore(self, version_id: str) -> None:
        """Serve an earlier version again (the newer ones stay and can be restored too)."""
        if not self.path_of(version_id).exists():
            raise DataFileError(f"Die Version „{version_id[:40]}“ gibt es nicht.")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # under the write lock, so `cleanup` never takes the pointer's temporary file for a
        # leftover while it is being written
        with (self.data_dir / ".schreibsperre").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._switch(version_id)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def cleanup(self) -> list[str]:
        """Remove what killed imports left behind and say so (German lines, empty if
        nothing): temporary files of an unfinished write and *orphan* versions (a GeoPackage
        moved into place but never registered, so no list shows it and nothing switches to
        it). Runs only while no import writes (it takes the write lock without waiting), so a
        running import's temporary file is never touched. Called at every start and import.
        """
        if not self.dir.exists():
            return []
        lines: list[str] = []
        with (self.data_dir / ".schreibsperre").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return []  # an import is writing right now
            try:
                current = self.current_version()
                leftovers = [*self.dir.glob(".*.tmp.gpkg*"), *self.dir.glob(".*.tmp"),
                             *self.data_dir.glob(f".{POINTER}.*.tmp")]
                for path in sorted(leftovers):
                    path.unlink(missing_ok=True)
                    lines.append("Temporäre Datei eines abgebrochenen Imports entfernt: "
                                 f"{path.name}.")
                for path in sorted(self.dir.glob("*.gpkg")):
                    vid = path.stem
                    if vid == current or (self.dir / f"{vid}.json").exists():
                        continue
                    path.unlink(missing_ok=True)
                    lines.append(f"Unvollständige Version {vid} eines abgebrochenen Imports "
                                 "entfernt (sie war nie aktiv und in keiner Liste).")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        lines += clean_cache_leftovers()
        return lines


def default_store(data_dir: Path | None = None) -> AtlasStore:
    """Where the atlas lives: PostGIS if ``BILDUNGSATLAS_DATABASE_URL`` is set (imports are
    written there in one transaction), else the versioned GeoPackages in ``data_dir``
    (default ``$BILDUNGSATLAS_DATA`` or ``daten/``; first version: the demo atlas)."""
    url = os.environ.get("BILDUNGSATLAS_DATABASE_URL")
    if url and data_dir is None:
        from geodata.storage.postgis import PostgisStore  # psycopg only when configured

        return PostgisStore(url)
    return GpkgStore(data_dir)
