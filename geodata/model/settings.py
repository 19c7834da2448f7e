"""App-wide settings from ``geodata/atlas.toml``: the level hierarchy and its key patterns,
titles, the default indicator, an optional basemap, and the confidentiality thresholds.

Levels are data, not code: a Bildungsbüro adds planning areas or school districts by adding a
``[[levels]]`` entry (id, names, key pattern, display simplification).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from geodata.model.errors import DataFileError

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # geodata/: configuration and data files


DEFAULT_CONFIG = PACKAGE_DIR / "atlas.toml"


@dataclass(frozen=True)
class Level:
    """One level of the area hierarchy (e.g. Kreis)."""

    id: str
    name: str
    plural: str
    key_pattern: str
    display_tolerance_m: float = 0.0
    display_coverage: bool = False


@dataclass(frozen=True)
class Settings:
    """App-wide settings from ``atlas.toml``."""

    title: str
    overview_name: str
    overall_name: str
    default_indicator: str
    tile_url: str
    tile_attribution: str
    levels: tuple[Level, ...]
    suppression_threshold: int = 3
    min_population: float = 0.0


def load_settings(path: Path = DEFAULT_CONFIG) -> Settings:
    """Read the configuration file (levels, default indicator, optional basemap)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        levels = tuple(Level(**lvl) for lvl in raw["levels"])
        return Settings(
            title=raw["title"],
            overview_name=raw["overview_name"],
            overall_name=raw["overall_name"],
            default_indicator=raw["default_indicator"],
            tile_url=raw.get("tile_url", ""),
            tile_attribution=raw.get("tile_attribution", ""),
            levels=levels,
            suppression_threshold=int(raw.get("geheimhaltung", {}).get("schwelle", 3)),
            min_population=float(raw.get("geheimhaltung", {}).get("mindest_einwohner", 0)),
        )
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as err:
        raise DataFileError(f"Die Konfiguration {path} ist nicht lesbar: {err}") from err
