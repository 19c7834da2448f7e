"""Where a value comes from: its sources, how it came about, and whether it is synthetic.

Every stored value carries a source id (the ``sources`` table) and a status (see
`geodata.model.values.STATUS`); `provenance_of` turns them into a `Provenance`. What a value
*is* follows the value, not its indicator: a real figure imported into an indicator whose
demo values are synthetic is "amtlich" (or "eigene Daten"), the synthetic values beside it
stay "synthetisch". A value without a recorded source (an atlas written before sources were
kept per value) falls back to its indicator's source text and ``synthetic`` flag.

Kinds of source (``Source.kind``) and how the UI names them:

``amtlich``
    official statistics, published as they are;
``abgeleitet``
    computed from official figures only (e.g. a numerator as official rate × official
    population);
``daten``
    real data of another publisher (e.g. a school directory);
``import``
    a Bildungsbüro's own data, imported without a declared kind;
``synthetisch``
    invented example values;
``kalibriert``
    synthetic values below an official figure that add up exactly to it;
``geometrie``
    boundaries (never a value's source).

A value summed from children of several sources has all of them; it is synthetic if any of
them is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from geodata.model.entities import Indicator, Source

KIND_LABELS = {
    "amtlich": "amtlich",
    "abgeleitet": "amtlich (abgeleitet)",
    "daten": "Daten",
    "import": "eigene Daten",
    "synthetisch": "synthetisch",
    "kalibriert": "synthetisch, auf den amtlichen Kreiswert abgestimmt",
    "geometrie": "Geometrie",
}
SYNTHETIC_KINDS = frozenset({"synthetisch", "kalibriert"})
OFFICIAL_KINDS = frozenset({"amtlich", "abgeleitet"})
STATUS_LABELS = {
    "": "",
    "gesperrt": "in der Quelle gesperrt",
    "unvollstaendig": "Gebietsstand unvollständig (nicht summiert)",
    "summe": "Summe der Teilgebiete",
    "quote": "berechnet aus Zähler und Nenner",
    "gesperrt-teil": "gesperrt, weil Zähler oder Nenner gesperrt ist",
}
JOIN = "+"  # source ids of a sum over children of several sources


def source_text(src: Source) -> str:
    """The attribution a source's licence requires: its text and, if not in it, the licence."""
    lic = src.licence.strip()
    return f"{src.text} ({lic})" if lic and lic not in src.text else src.text


@dataclass(frozen=True)
class Provenance:
    """Sources and status of one value (see module docstring)."""

    sources: tuple[Source, ...]
    status: str = ""
    fallback: str = ""  # the indicator's source text, used when no source is recorded
    fallback_synthetic: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        """The distinct kinds of the value's sources, in order."""
        return tuple(dict.fromkeys(s.kind or "import" for s in self.sources))

    @property
    def synthetic(self) -> bool:
        """True if the value is (partly) synthetic."""
        if not self.sources:
            return self.fallback_synthetic
        return any(k in SYNTHETIC_KINDS for k in self.kinds)

    @property
    def official(self) -> bool:
        """True if the value comes from official figures only."""
        return bool(self.sources) and all(k in OFFICIAL_KINDS for k in self.kinds)

    @property
    def label(self) -> str:
        """A short German label: "amtlich", "synthetisch", "eigene Daten", … ("" unknown)."""
        if not self.sources:
            return KIND_LABELS["synthetisch"] if self.fallback_synthetic else ""
        labels = [KIND_LABELS.get(k, k) for k in self.kinds]
        if len(labels) == 1:
            return labels[0]
        return "gemischt: " + " und ".join(labels)

    def texts(self) -> list[str]:
        """The attribution texts of its sources (the indicator's source text if none)."""
        if not self.sources:
            return [self.fallback] if self.fallback else []
        return list(dict.fromkeys(source_text(s) for s in self.sources))

    def describe(self, year: int | None = None) -> str:
        """One German line, e.g. "amtlich, 2024 – Quelle: © Statistische Ämter …"."""
        head = self.label or "Quelle"
        if year is not None and self.label and not self.synthetic:
            head += f", {year}"
        how = STATUS_LABELS.get(self.status, "")
        if how:
            head += f" ({how})"
        files = [s.file for s in self.sources if s.file]
        text = "; ".join(self.texts())
        if files:
            text += (" – Datei " if len(files) == 1 else " – Dateien ") + ", ".join(
                dict.fromkeys(files))
        return f"{head} – Quelle: {text}" if text else head


def provenance_of(source_id: str, status: str, sources: Mapping[str, Source],
                  indicator: Indicator | None) -> Provenance:
    """The `Provenance` of a stored (source id, status); unknown ids are left out."""
    found = tuple(sources[s] for s in source_id.split(JOIN) if s and s in sources)
    return Provenance(found, status, indicator.source if indicator else "",
                      bool(indicator and indicator.synthetic))
