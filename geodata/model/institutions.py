"""The catalogue of institution types (``geodata/einrichtungsarten.csv``).

The demo atlas has schools only; the model takes any type (Kitas, youth centres, libraries,
...): a type in the data that the catalogue does not know is shown under its own id.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geodata.model.repository import Repository

CATALOGUE = Path(__file__).resolve().parents[1] / "einrichtungsarten.csv"


@dataclass(frozen=True)
class InstitutionType:
    """One type of institution: German name, plural and map colour."""

    id: str
    name: str
    plural: str
    color: str


@lru_cache(maxsize=1)
def institution_types() -> dict[str, InstitutionType]:
    """The catalogue, in file order."""
    with CATALOGUE.open(encoding="utf-8") as fh:
        return {r["id"]: InstitutionType(r["id"], r["name"], r["plural"], r["farbe"])
                for r in csv.DictReader(fh)}


def type_of(type_id: str) -> InstitutionType:
    """The catalogue entry of a type; unknown types get a neutral entry named by their id."""
    return institution_types().get(type_id) or InstitutionType(type_id, type_id, type_id,
                                                               "#555555")


def types_in(repo: Repository, area_id: str) -> list[tuple[InstitutionType, int]]:
    """Types with institutions in or below ``area_id`` and their counts, in catalogue order."""
    counts = Counter(inst.type for inst in repo.institutions_in(area_id))
    order = list(institution_types())
    ranked = sorted(counts, key=lambda t: (order.index(t) if t in order else len(order), t))
    return [(type_of(t), counts[t]) for t in ranked]
