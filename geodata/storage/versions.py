"""What a versioned store is: `AtlasStore`, its `StoreVersion` entries, and the error of a
write checked against an old version (`StaleVersionError`). Implemented by
`geodata.storage.store.GpkgStore` and `geodata.storage.postgis.PostgisStore`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from geodata.model.errors import AtlasError
from geodata.storage.tables import AtlasTables


@dataclass(frozen=True)
class StoreVersion:
    """One stored version: id, creation time (ISO, UTC), note, whether it is served now."""

    id: str
    created: str
    note: str
    current: bool


class StaleVersionError(AtlasError):
    """Another import switched the version after this one was checked."""

    def __init__(self, base: str, current: str) -> None:
        super().__init__(
            f"Inzwischen wurde ein anderer Import gespeichert (Version {current} statt {base}). "
            "Nichts wurde geschrieben: bitte die Dateien noch einmal prüfen und importieren.")


class AtlasStore(Protocol):
    """Where the atlas tables live (GeoPackage files here; PostGIS in another backend)."""

    def read(self, version: str | None = None) -> AtlasTables: ...
    def write(self, tables: AtlasTables, note: str, base: str | None = None) -> str: ...
    def versions(self) -> list[StoreVersion]: ...
    def restore(self, version_id: str) -> None: ...
    def current_version(self) -> str: ...
    def cleanup(self) -> list[str]: ...
