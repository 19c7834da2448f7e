"""The German Länder as the atlas uses them for references and sums: the first two digits of
an AGS name the Land; ``land:06`` is the node of Hessen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geodata.model.entities import ROOT

LAND_PREFIX = "land:"
LAENDER = {"01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
           "05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz",
           "08": "Baden-Württemberg", "09": "Bayern", "10": "Saarland", "11": "Berlin",
           "12": "Brandenburg", "13": "Mecklenburg-Vorpommern", "14": "Sachsen",
           "15": "Sachsen-Anhalt", "16": "Thüringen"}


def lands(repo: Any) -> Mapping[str, tuple[str, ...]]:
    """``{"land:06": (top-level area ids…), …}`` when the top-level keys span several Länder
    (the first two digits of an AGS name the Land); empty otherwise."""
    def build() -> dict[str, tuple[str, ...]]:
        top = repo.children_of(ROOT)
        codes = {a[:2] for a in top}
        if len(codes) < 2 or not all(a[:2] in LAENDER for a in top):
            return {}
        return {LAND_PREFIX + c: tuple(a for a in top if a[:2] == c) for c in sorted(codes)}
    return repo.memo("disclosure-lands", build)


def land_name(node: str) -> str:
    """``"land:06"`` → ``"Hessen"``."""
    return LAENDER.get(node.removeprefix(LAND_PREFIX), node)
