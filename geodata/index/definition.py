"""The definition of a composite need index ("Chancenindex") and its JSON file format.

`IndexDefinition` is what a Bildungsbüro decides: indicators, directions, weights, standardisation,
minimum size, outlier limit and classes. `load_definition`/`save_definition` read and write
the file; every key is validated with German messages (`DefinitionError`). Where the files
live is `geodata.index.files`; how the index is computed is `geodata.index.compute`.

Definition file (JSON, UTF-8, in ``geodata/indizes/``)
-------------------------------------------------------
Keys are German like the URL parameters; every key is checked, unknown keys are errors::

    {
      "format": "bildungsatlas-index", "formatversion": 1,
      "name": "Chancenindex Frankfurter Stadtteile",   # text, required
      "autor": "Bildungsbüro",                          # text, required
      "datum": "2025-01-15",                            # ISO date, required
      "version": "1.0",                                 # text (or whole number), required
      "beschreibung": "",                               # text, optional
      "gebiet": "06412000",   # parent area id ("" = whole atlas); the areas rated are its
      "ebene": null,          # children, or with a level id all its areas of that level
      "jahr": 2023,           # index year
      "basisjahr": null,      # year whose mean/SD etc. are frozen (null: the index year)
      "indikatoren": [{"id": "sgb2_quote_u15", "richtung": 1, "gewicht": 1}, ...],
      "standardisierung": "z",          # "z" | "perzentil" | "minmax"
      "mindest_einwohner": 300,         # areas with fewer residents are not rated (0: off)
      "einwohner_indikator": "einwohner",
      "winsorisieren": 3,               # clip at |z| > 3 (null: off)
      "klassen": {"methode": "stdabw", "grenzen": [-1, 1, 1.5]}
                 # or {"methode": "quantile", "anzahl": 5}
                 # or {"methode": "anteil", "anteil": 0.2}
    }

``richtung`` is +1 if a higher value means more need, −1 if a higher value means less need
(preset from the catalogue by `preset_direction`: ``higher_worse`` → +1, ``higher_better`` →
−1, ``neutral`` → must be chosen). ``gewicht`` is a number ≥ 0 (default 1: equal weights).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

FORMAT = "bildungsatlas-index"
FORMAT_VERSION = 1
STANDARDISATIONS = {
    "z": "z-Werte (Abweichung vom Mittel in Standardabweichungen)",
    "perzentil": "Perzentilränge (0 bis 1)",
    "minmax": "Min-Max-Skalierung (0 bis 1)",
}
CLASSINGS = {
    "stdabw": "Standardabweichungen",
    "quantile": "Quantile",
    "anteil": "fester Anteil in der obersten Klasse",
}


MAX_CUTOFFS = 6  # at most 7 classes: the colour scales have 3 to 7 colours
MIN_QUANTILES, MAX_QUANTILES = 2, 7


class DefinitionError(ValueError):
    """An invalid index definition; ``errors`` lists every problem in German."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


# --- definition -------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndexIndicator:
    """One indicator of an index: its direction towards more need (+1/−1) and raw weight."""

    id: str
    direction: int
    weight: float = 1.0


@dataclass(frozen=True)
class Classing:
    """How index values are cut into classes; only the fields of ``method`` matter."""

    method: str = "stdabw"  # stdabw | quantile | anteil
    cutoffs: tuple[float, ...] = (-1.0, 1.0, 1.5)  # stdabw: in standard deviations
    k: int = 5  # quantile: number of classes
    share: float = 0.2  # anteil: share of the rated areas in the top class

    def __post_init__(self) -> None:
        if isinstance(self.cutoffs, list):
            object.__setattr__(self, "cutoffs", tuple(self.cutoffs))


@dataclass(frozen=True)
class IndexDefinition:
    """A saved index (see the module docstring for the file format and the formulas)."""

    name: str
    author: str
    date: str  # ISO date
    version: str
    gebiet: str  # parent area id, "" for the whole atlas
    year: int
    indicators: tuple[IndexIndicator, ...]
    ebene: str | None = None
    base_year: int | None = None
    standardisation: str = "z"
    min_population: float = 300.0
    population_indicator: str = "einwohner"
    winsorize: float | None = 3.0
    classing: Classing = Classing()
    description: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.indicators, list):  # accept a list from callers; store a tuple
            object.__setattr__(self, "indicators", tuple(self.indicators))
        errors = _validate(self)
        if errors:
            raise DefinitionError(errors)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the definition file (German keys)."""
        cls = self.classing
        if cls.method == "stdabw":
            klassen: dict[str, Any] = {"methode": "stdabw", "grenzen": [_num(c) for c in cls.cutoffs]}
        elif cls.method == "quantile":
            klassen = {"methode": "quantile", "anzahl": cls.k}
        else:
            klassen = {"methode": "anteil", "anteil": _num(cls.share)}
        return {
            "format": FORMAT,
            "formatversion": FORMAT_VERSION,
            "name": self.name,
            "autor": self.author,
            "datum": self.date,
            "version": self.version,
            "beschreibung": self.description,
            "gebiet": self.gebiet,
            "ebene": self.ebene,
            "jahr": self.year,
            "basisjahr": self.base_year,
            "indikatoren": [
                {"id": i.id, "richtung": i.direction, "gewicht": _num(i.weight)}
                for i in self.indicators
            ],
            "standardisierung": self.standardisation,
            "mindest_einwohner": _num(self.min_population),
            "einwohner_indikator": self.population_indicator,
            "winsorisieren": None if self.winsorize is None else _num(self.winsorize),
            "klassen": klassen,
        }

    def to_json(self) -> str:
        """Readable JSON text (indented, umlauts kept), ending with a newline."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, raw: Any) -> IndexDefinition:
        """Parse and validate a definition object; raises `DefinitionError` (German)."""
        return _parse(raw)

    @classmethod
    def from_json(cls, text: str | bytes) -> IndexDefinition:
        """Parse and validate definition JSON; raises `DefinitionError` (German)."""
        try:
            raw = json.loads(text)
        except (ValueError, UnicodeDecodeError) as err:
            raise DefinitionError([f"Die Indexdefinition ist kein gültiges JSON: {err}"]) from err
        return _parse(raw)


def _num(x: float) -> float | int:
    """Whole numbers as ints, so the file reads ``1`` rather than ``1.0``."""
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _validate(d: IndexDefinition) -> list[str]:
    """Every problem of a definition, in German, naming the field."""
    errs: list[str] = []
    for label, value in (("Name", d.name), ("Autor", d.author), ("Version", d.version)):
        if not isinstance(value, str) or not value.strip():
            errs.append(f"Feld „{label.lower()}“: {label} fehlt oder ist kein Text.")
        elif value.strip()[0] in "=+-@":
            # Spreadsheets would read such a text in an export as a formula.
            errs.append(f"Feld „{label.lower()}“: {label} darf nicht mit „{value.strip()[0]}“ "
                        "beginnen.")
    if not isinstance(d.description, str):
        errs.append("Feld „beschreibung“ ist kein Text.")
    try:
        date.fromisoformat(d.date)
    except (TypeError, ValueError):
        errs.append(f"Feld „datum“: „{d.date}“ ist kein Datum der Form JJJJ-MM-TT.")
    if not isinstance(d.gebiet, str):
        errs.append("Feld „gebiet“ ist kein Text (Gebiets-ID, leer für den ganzen Atlas).")
    if d.ebene is not None and (not isinstance(d.ebene, str) or not d.ebene):
        errs.append("Feld „ebene“ muss eine Ebenen-ID oder leer (null) sein.")
    for label, value, optional in (("jahr", d.year, False), ("basisjahr", d.base_year, True)):
        if value is None and optional:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1900 <= value <= 2200:
            errs.append(f"Feld „{label}“: „{value}“ ist keine Jahreszahl.")
    if not isinstance(d.indicators, tuple) or not d.indicators:
        errs.append("Feld „indikatoren“: Der Index braucht mindestens einen Indikator.")
    else:
        seen: set[str] = set()
        for ind in d.indicators:
            if not isinstance(ind, IndexIndicator):
                errs.append("Feld „indikatoren“ enthält einen ungültigen Eintrag.")
                continue
            if not isinstance(ind.id, str) or not ind.id:
                errs.append("Feld „indikatoren“: Ein Indikator hat keine ID.")
                continue
            if ind.id in seen:
                errs.append(f"Der Indikator „{ind.id}“ steht doppelt in „indikatoren“.")
            seen.add(ind.id)
            if ind.direction not in (1, -1) or isinstance(ind.direction, bool):
                errs.append(f"Richtung für „{ind.id}“ muss 1 (hoher Wert = mehr Bedarf) oder "
                            f"-1 (hoher Wert = weniger Bedarf) sein, nicht „{ind.direction}“.")
            if not _is_number(ind.weight):
                errs.append(f"Gewicht für „{ind.id}“ ist keine Zahl.")
            elif ind.weight < 0:
                errs.append(f"Gewicht für „{ind.id}“ ist negativ.")
        weights = [i.weight for i in d.indicators
                   if isinstance(i, IndexIndicator) and _is_number(i.weight)]
        if weights and len(weights) == len(d.indicators) and sum(weights) <= 0:
            errs.append("Feld „indikatoren“: Mindestens ein Gewicht muss größer als 0 sein.")
    if d.standardisation not in STANDARDISATIONS:
        errs.append(f"Feld „standardisierung“: „{d.standardisation}“ gibt es nicht; möglich: "
                    f"{', '.join(STANDARDISATIONS)}.")
    if not _is_number(d.min_population) or d.min_population < 0:
        errs.append("Feld „mindest_einwohner“ ist keine Zahl ≥ 0.")
    if not isinstance(d.population_indicator, str) or not d.population_indicator:
        errs.append("Feld „einwohner_indikator“ ist keine Indikator-ID.")
    if d.winsorize is not None and (not _is_number(d.winsorize) or d.winsorize <= 0):
        errs.append("Feld „winsorisieren“ muss eine Zahl > 0 (Grenze in "
                    "Standardabweichungen) oder leer (null) sein.")
    errs += _validate_classing(d.classing)
    return errs


def _validate_classing(c: Classing) -> list[str]:
    if not isinstance(c, Classing):
        return ["Feld „klassen“ ist ungültig."]
    if c.method not in CLASSINGS:
        return [f"Feld „klassen.methode“: „{c.method}“ gibt es nicht; möglich: "
                f"{', '.join(CLASSINGS)}."]
    if c.method == "stdabw":
        cut = c.cutoffs
        if not isinstance(cut, tuple) or not 1 <= len(cut) <= MAX_CUTOFFS:
            return [f"Feld „klassen.grenzen“: 1 bis {MAX_CUTOFFS} Grenzen angeben."]
        for x in cut:
            if not _is_number(x):
                return [f"Feld „klassen.grenzen“: „{x}“ ist keine Zahl."]
        if any(b <= a for a, b in zip(cut, cut[1:], strict=False)):
            return ["Feld „klassen.grenzen“: Die Grenzen müssen streng aufsteigend sein."]
    elif c.method == "quantile":
        if not isinstance(c.k, int) or isinstance(c.k, bool) or not (
                MIN_QUANTILES <= c.k <= MAX_QUANTILES):
            return [f"Feld „klassen.anzahl“: {MIN_QUANTILES} bis {MAX_QUANTILES} Klassen, "
                    f"nicht „{c.k}“."]
    elif not _is_number(c.share) or not 0 < c.share < 1:
        return ["Feld „klassen.anteil“ muss eine Zahl zwischen 0 und 1 sein (z. B. 0.2)."]
    return []


_KEYS = {"format", "formatversion", "name", "autor", "datum", "version", "beschreibung",
         "gebiet", "ebene", "jahr", "basisjahr", "indikatoren", "standardisierung",
         "mindest_einwohner", "einwohner_indikator", "winsorisieren", "klassen"}
_REQUIRED = ("name", "autor", "datum", "version", "gebiet", "jahr", "indikatoren")


def _parse(raw: Any) -> IndexDefinition:
    """Turn a JSON object into a definition, collecting every error (German)."""
    if not isinstance(raw, dict):
        raise DefinitionError(["Die Indexdefinition muss ein JSON-Objekt sein."])
    errs = [f"Unbekanntes Feld „{k}“." for k in raw if k not in _KEYS]
    errs += [f"Feld „{k}“ fehlt." for k in _REQUIRED if k not in raw]
    if raw.get("format", FORMAT) != FORMAT:
        errs.append(f"Feld „format“ muss „{FORMAT}“ sein.")
    if raw.get("formatversion", FORMAT_VERSION) != FORMAT_VERSION:
        errs.append(f"Feld „formatversion“: nur Version {FORMAT_VERSION} wird gelesen.")
    version = raw.get("version", "")
    if isinstance(version, int) and not isinstance(version, bool):
        version = str(version)
    indicators: list[IndexIndicator] = []
    raw_inds = raw.get("indikatoren", [])
    if not isinstance(raw_inds, list):
        errs.append("Feld „indikatoren“ muss eine Liste sein.")
        raw_inds = []
    for n, item in enumerate(raw_inds, 1):
        if not isinstance(item, dict):
            errs.append(f"Indikator Nr. {n} in „indikatoren“ ist kein Objekt.")
            continue
        bad = [k for k in item if k not in ("id", "richtung", "gewicht")]
        errs += [f"Indikator Nr. {n}: unbekanntes Feld „{k}“." for k in bad]
        ind_id = item.get("id")
        if not isinstance(ind_id, str) or not ind_id:
            errs.append(f"Indikator Nr. {n} hat keine ID (Feld „id“).")
            continue
        if "richtung" not in item:
            errs.append(f"Richtung für „{ind_id}“ fehlt (1: hoher Wert = mehr Bedarf, "
                        "-1: hoher Wert = weniger Bedarf).")
            continue
        indicators.append(IndexIndicator(ind_id, item["richtung"], item.get("gewicht", 1.0)))
    kl = raw.get("klassen", {"methode": "stdabw"})
    classing: Classing | None = None
    if not isinstance(kl, dict):
        errs.append("Feld „klassen“ muss ein Objekt sein.")
    else:
        errs += [f"Feld „klassen“: unbekanntes Feld „{k}“." for k in kl
                 if k not in ("methode", "grenzen", "anzahl", "anteil")]
        cutoffs = kl.get("grenzen", [-1, 1, 1.5])
        if not isinstance(cutoffs, list):
            errs.append("Feld „klassen.grenzen“ muss eine Liste von Zahlen sein.")
            cutoffs = [-1, 1, 1.5]
        classing = Classing(
            method=kl.get("methode", "stdabw"),
            cutoffs=tuple(float(c) if _is_number(c) else c for c in cutoffs),
            k=kl.get("anzahl", 5),
            share=kl.get("anteil", 0.2),
        )
    if errs:
        raise DefinitionError(errs)
    min_pop = raw.get("mindest_einwohner", 300)
    wins = raw.get("winsorisieren", 3)
    wins = None if wins is False else wins  # false: off, like null
    return IndexDefinition(
        name=raw["name"],
        author=raw["autor"],
        date=raw["datum"],
        version=version,
        gebiet=raw["gebiet"],
        year=raw["jahr"],
        indicators=tuple(indicators),
        ebene=raw.get("ebene"),
        base_year=raw.get("basisjahr"),
        standardisation=raw.get("standardisierung", "z"),
        min_population=float(min_pop) if _is_number(min_pop) else min_pop,
        population_indicator=raw.get("einwohner_indikator", "einwohner"),
        winsorize=float(wins) if _is_number(wins) else wins,
        classing=classing or Classing(),
        description=raw.get("beschreibung", ""),
    )


def load_definition(path: Path) -> IndexDefinition:
    """Read a definition file; raises `DefinitionError` naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise DefinitionError([f"Die Indexdefinition {path} ist nicht lesbar: {err}"]) from err
    try:
        return IndexDefinition.from_json(text)
    except DefinitionError as err:
        raise DefinitionError([f"{Path(path).name}: {e}" for e in err.errors]) from err


def save_definition(definition: IndexDefinition, path: Path) -> None:
    """Write a definition file (UTF-8 JSON) atomically: a reader sees the old or the new
    file, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(definition.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def preset_direction(direction: str) -> int | None:
    """Catalogue direction → index direction: ``higher_worse`` +1, ``higher_better`` −1,
    ``neutral`` None (the user must choose)."""
    return {"higher_worse": 1, "higher_better": -1}.get(direction)


def default_definition() -> IndexDefinition:
    """The example: a Chancenindex of the Frankfurt Stadtteile from three indicators."""
    return IndexDefinition(
        name="Chancenindex Frankfurter Stadtteile (Beispiel)",
        author="Bildungsatlas (Beispieldefinition)",
        date="2025-01-15",
        version="1.0",
        description=("Beispiel mit synthetischen Werten: Kinderarmut (SGB-II-Quote unter 15), "
                     "Sprachförderbedarf bei der Einschulung und Schulabgänger ohne "
                     "Abschluss, gleich gewichtet, als z-Werte; Klassen an den Grenzen "
                     "−1, +1 und +1,5 Standardabweichungen."),
        gebiet="06412000",
        year=2023,
        indicators=(
            IndexIndicator("sgb2_quote_u15", 1, 1.0),
            IndexIndicator("sprachfoerderbedarf", 1, 1.0),
            IndexIndicator("quote_ohne_abschluss", 1, 1.0),
        ),
    )
