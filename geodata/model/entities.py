"""The atlas's domain objects: areas, indicators, values, institutions and sources.

All are frozen dataclasses. Keys are strings (AGS keep their leading zero). ``ROOT`` (``""``)
is the virtual parent of the top level, i.e. the whole atlas. Geometry is held in EPSG:25832
(`METRIC_CRS`) for computing and converted once to EPSG:4326 (`DISPLAY_CRS`) for the web
map.

An indicator's ``kind`` says how it aggregates: a ``count`` is summed up the hierarchy; a
``rate`` or ``mean`` is ``factor · numerator / denominator`` of two count indicators, always
recomputed from the summed counts, never averaged. ``direction`` is ``higher_better``,
``higher_worse`` or ``neutral``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ROOT = ""


DISPLAY_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:25832"


@dataclass(frozen=True)
class Area:
    """An area: Kreis, Gemeinde, Quartier or any configured level."""

    area_id: str
    name: str
    level: str
    parent_id: str
    kind: str
    source: str = ""  # id of the ``sources`` row of its geometry ("" = none recorded)


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry (see ``geodata/indikatoren.csv``)."""

    id: str
    name: str
    unit: str
    topic: str
    description: str
    source: str
    direction: str  # higher_better | higher_worse | neutral
    decimals: int
    kind: str  # count | rate | mean
    numerator: str
    denominator: str
    factor: float
    synthetic: bool
    # Statistical confidentiality applies (catalogue column ``geheimhaltung``: ja/nein). Figures
    # from public registers (e.g. the number of schools, whose addresses the map shows) say
    # "nein": they are never suppressed and protect nothing.
    confidential: bool = True
    # Who may see it (catalogue column ``sichtbarkeit``): ``oeffentlich``, or ``intern`` on
    # every level (``internal_levels`` empty) or only on some (``intern:quartier``).
    visibility: str = "oeffentlich"
    internal_levels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Value:
    """One indicator value; rates and means carry their numerator and denominator."""

    value: float
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Institution:
    """A school, Kita or other institution; ``lon``/``lat`` are None without coordinates."""

    inst_id: str
    name: str
    type: str
    area_id: str
    lon: float | None
    lat: float | None
    attrs: Mapping[str, Any]


@dataclass(frozen=True)
class Source:
    """A data source with the attribution text its licence requires.

    ``kind`` says what its values are (see `geodata.model.provenance.KIND_LABELS`):
    ``amtlich`` (official statistics), ``abgeleitet`` (computed from official figures),
    ``daten`` (real data of another publisher), ``import`` (a Bildungsbüro's own data),
    ``synthetisch``, ``kalibriert`` (synthetic, calibrated to an official figure),
    ``geometrie`` (boundaries). ``file`` is the imported file's name, ``imported`` the date
    of the import, ``import_id`` the import run (one run may read several files), ``note``
    anything the user should know (Gebietsstand, edition).
    """

    id: str
    text: str
    licence: str
    url: str
    kind: str = ""
    file: str = ""
    imported: str = ""
    import_id: str = ""
    note: str = ""
