"""Composite need index ("Chancenindex"): definition, computation, explanation, sensitivity.

The core works on plain inputs (`IndexInput`: indicator → area → value), so that every
number can be checked by hand; thin adapters (`index_input`, `compute_index_for`,
`sensitivity_for`) read the values from a `Repository`.

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

Who is rated
------------
An area is rated only if it has an "ok" value (present, not suppressed, not "nicht bewertet"
on the map) for every indicator of the index, and, if ``mindest_einwohner`` > 0, a known
population of at least that many residents (indicator ``einwohner_indikator`` in the index
year, else the nearest earlier year, else the nearest later year). Every other area is listed
in `IndexResult.excluded` with German reasons. On the atlas the map's states decide
what "ok" means, so the atlas-wide minimum (``mindest_einwohner`` in ``atlas.toml``) applies
too, as a floor under the definition's own minimum; a missing value never becomes 0. Reasons
never show a suppressed number (a small population is reported as "weniger als 300").

Formulas (for indicator i, over the rated areas, or over the base year's rated areas when a
base year is frozen)
------------------------------------------------------------------------------------------
- mean μ_i and population standard deviation σ_i (divisor n) of the raw values x.
- Winsorising with limit L (default 3): x' = clip(x, μ_i − L·σ_i, μ_i + L·σ_i), i.e. the z-score
  is clipped to [−L, L]. μ_i and σ_i are not recomputed after clipping.
- Standardised value s:
    - ``z``: s = (x' − μ_i) / σ_i (0 if σ_i = 0);
    - ``perzentil``: s = (#{r < x'} + ½·#{r = x'}) / n over the reference values r (the
      clipped values of the rated areas; mid-rank, so 0 < s < 1);
    - ``minmax``: s = (x' − min r) / (max r − min r) (0.5 if max = min; with a frozen base
      year s may leave [0, 1]).
- Directed value d (higher = more need): for ``z`` d = richtung · s; for ``perzentil`` and
  ``minmax`` d = s if richtung = +1 else 1 − s.
- Normalised weights w_i = gewicht_i / Σ gewicht; contribution c_i = w_i · d_i;
  **index I = Σ c_i** (a weighted mean, so the contributions add up to the index exactly).
- Index mean μ_I and population SD σ_I over the rated areas (or the base year's), and the
  index in SD units t = (I − μ_I) / σ_I (0 if σ_I = 0).

Classes (class 1 = least need, class k = most need, always in that direction)
------------------------------------------------------------------------------
- ``stdabw``: cut-offs c_1 < … < c_m in SD units; class = 1 + #{j : c_j < t}; k = m + 1.
  A value on a cut-off belongs to the lower class (as everywhere in the atlas).
- ``quantile``: breaks b_j = quantile(I of the rated areas, j/k) for j = 1 … k−1 (linear
  interpolation, numpy's default); class = 1 + #{j : b_j < I}.
- ``anteil``: n_top = ⌊share · n + ½⌋ areas with the highest index form class 2, the rest
  class 1; T = the n_top-th highest index, class 2 ⇔ I ≥ T (ties at T all enter class 2).
With a frozen base year the breaks (μ_I, σ_I, quantiles, T) come from the base year too, so a
class means the same index range in every year.

Sensitivity
-----------
Variants: each weight × (1 ± 10 %) (the others unchanged, then renormalised) and, with two or
more indicators, each indicator left out. Every variant rates the same areas as the definition
itself (an area lacking only the left-out indicator's value is not brought in), so only the
weighting differs. For each rated area, the number of variants in which
its class differs from the class of the definition itself; areas that change in at least
``borderline_at`` variants (default: a third of the variants, at least 2) are *borderline*.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from geodata.numfmt import format_number

INDEX_DIR = Path(__file__).resolve().parent / "indizes"
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
STATE_PRECEDENCE = ("keine_daten", "gesperrt", "nicht_bewertet")
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


# --- saved definitions by name ("slug", the ``index`` URL parameter) --------------------------
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def index_dir() -> Path:
    """The folder of saved definitions: ``$BILDUNGSATLAS_INDIZES`` or ``geodata/indizes``."""
    return Path(os.environ.get("BILDUNGSATLAS_INDIZES") or INDEX_DIR)


def slugify(name: str) -> str:
    """File name stem of a definition: ``"Chancenindex Süd 2023"`` → ``chancenindex_sued_2023``."""
    text = name.lower().translate(_TRANSLIT)
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:60].strip("_")
    return text or "index"


def find_definition(slug: str, folder: Path | None = None) -> IndexDefinition:
    """The saved definition ``<slug>.json``; raises `DefinitionError` (German) if the name is
    malformed, unknown or the file invalid. The name never reaches the file system unchecked."""
    folder = index_dir() if folder is None else folder
    if not SLUG_RE.fullmatch(slug):
        raise DefinitionError([f"„{slug[:40]}“ ist kein gültiger Indexname (erlaubt: "
                               "Kleinbuchstaben, Ziffern, _ und -)."])
    path = folder / f"{slug}.json"
    if not path.is_file():
        known = ", ".join(p.stem for p, _d in list_definitions(folder)) or "keine"
        raise DefinitionError([f"Den Index „{slug}“ gibt es nicht; gespeichert: {known}."])
    return load_definition(path)


def store_definition(definition: IndexDefinition, slug: str | None = None,
                     folder: Path | None = None) -> str:
    """Save a definition under ``slug`` (default: from its name) and return the slug."""
    folder = index_dir() if folder is None else folder
    slug = slug or slugify(definition.name)
    if not SLUG_RE.fullmatch(slug):
        raise DefinitionError([f"„{slug[:40]}“ ist kein gültiger Indexname."])
    folder.mkdir(parents=True, exist_ok=True)
    save_definition(definition, folder / f"{slug}.json")
    return slug


def definition_files(folder: Path | None = None,
                     ) -> list[tuple[Path, IndexDefinition | None, list[str]]]:
    """Every definition file of the folder with its definition, or None and the German
    reasons why it cannot be read (so a broken file is shown, never silently left out)."""
    out: list[tuple[Path, IndexDefinition | None, list[str]]] = []
    for path in sorted(Path(index_dir() if folder is None else folder).glob("*.json")):
        if not SLUG_RE.fullmatch(path.stem):
            out.append((path, None, [f"{path.name}: Der Dateiname ist kein gültiger "
                                     "Indexname (Kleinbuchstaben, Ziffern, _ und -)."]))
            continue
        try:
            out.append((path, load_definition(path), []))
        except DefinitionError as err:
            out.append((path, None, err.errors))
    return out


def list_definitions(folder: Path | None = None) -> list[tuple[Path, IndexDefinition]]:
    """The valid definition files of a folder, sorted by file name (invalid files skipped;
    `load_definition` reports why)."""
    out = []
    for path in sorted(Path(index_dir() if folder is None else folder).glob("*.json")):
        try:
            out.append((path, load_definition(path)))
        except DefinitionError:
            continue
    return out


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


# --- computation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndexInput:
    """Plain inputs of one year: the areas, their values and (optionally) states.

    ``values[indicator][area]`` is the value or None (missing); ``states[indicator][area]`` is
    a map state (``ok``, ``keine_daten``, ``gesperrt``, ``nicht_bewertet``; absent = judged by
    the value alone); ``population[area]`` the residents; ``labels[indicator]`` a German name
    for messages.
    """

    area_ids: tuple[str, ...]
    values: Mapping[str, Mapping[str, float | None]]
    population: Mapping[str, float | None] = field(default_factory=dict)
    states: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorStats:
    """What one indicator is standardised with (published with the index)."""

    indicator_id: str
    n: int
    mean: float
    sd: float
    low: float  # smallest (winsorised) reference value
    high: float
    reference: tuple[float, ...]  # sorted winsorised reference values (percentile ranks)


@dataclass(frozen=True)
class Contribution:
    """One indicator's part of an area's index value."""

    indicator_id: str
    direction: int  # +1 or -1
    raw: float
    standardised: float  # s
    directed: float  # d (higher = more need)
    weight: float  # normalised weight w
    value: float  # w * d


@dataclass(frozen=True)
class AreaScore:
    """A rated area: index value, SD units, class (1 = least need), rank (1 = most need)."""

    area_id: str
    value: float
    t: float
    cls: int
    rank: int
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class Exclusion:
    """An area that is not rated, with its state and German reasons."""

    area_id: str
    state: str  # keine_daten | gesperrt | nicht_bewertet
    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        """E.g. "nicht bewertet: keine Daten für „Sprachförderbedarf …“"."""
        return "nicht bewertet: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class IndexLayer:
    """The index as a map layer, in the order of the input areas."""

    area_ids: tuple[str, ...]
    values: tuple[float | None, ...]
    classes: tuple[int | None, ...]
    states: tuple[str, ...]  # "ok" or the exclusion state
    texts: tuple[str, ...]  # German tooltip text


@dataclass(frozen=True)
class IndexResult:
    """A computed index (see module docstring)."""

    definition: IndexDefinition
    area_ids: tuple[str, ...]
    scores: Mapping[str, AreaScore]  # rated areas, in input order
    excluded: Mapping[str, Exclusion]
    stats: Mapping[str, IndicatorStats]
    index_mean: float
    index_sd: float
    k: int
    breaks: tuple[float, ...]  # inner class boundaries in index units
    class_labels: tuple[str, ...]  # German, class 1 first
    frozen: bool  # parameters from a base year
    notes: tuple[str, ...] = ()
    year: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def map_layer(self) -> IndexLayer:
        """Values, classes, states and tooltip texts per area."""
        vals, classes, states, texts = [], [], [], []
        for a in self.area_ids:
            sc = self.scores.get(a)
            if sc is not None:
                vals.append(sc.value)
                classes.append(sc.cls)
                states.append("ok")
                texts.append(f"Index {format_number(sc.value, 2)} · Klasse {sc.cls} von {self.k}")
            else:
                ex = self.excluded[a]
                vals.append(None)
                classes.append(None)
                states.append(ex.state)
                texts.append(f"n. b. {ex.text}")
        return IndexLayer(self.area_ids, tuple(vals), tuple(classes), tuple(states),
                          tuple(texts))


def _clip(x: float, st: IndicatorStats, limit: float | None) -> float:
    if limit is None or st.sd == 0:
        return x
    return min(max(x, st.mean - limit * st.sd), st.mean + limit * st.sd)


def _stats(ind_id: str, xs: Sequence[float], limit: float | None) -> IndicatorStats:
    arr = np.asarray(xs, dtype=float)
    mean = float(arr.mean())
    sd = float(arr.std())  # population SD
    rough = IndicatorStats(ind_id, len(arr), mean, sd, 0.0, 0.0, ())
    ref = sorted(_clip(float(x), rough, limit) for x in arr)
    return replace(rough, low=ref[0], high=ref[-1], reference=tuple(ref))


def _standardise(x: float, st: IndicatorStats, method: str, limit: float | None) -> float:
    x = _clip(x, st, limit)
    if method == "z":
        return 0.0 if st.sd == 0 else (x - st.mean) / st.sd
    if method == "perzentil":
        less = sum(1 for r in st.reference if r < x)
        equal = sum(1 for r in st.reference if r == x)
        return (less + 0.5 * equal) / st.n
    return 0.5 if st.high == st.low else (x - st.low) / (st.high - st.low)


def _directed(s: float, direction: int, method: str) -> float:
    if method == "z":
        return direction * s
    return s if direction == 1 else 1.0 - s


def _exclusions(defn: IndexDefinition, data: IndexInput) -> dict[str, Exclusion]:
    out: dict[str, Exclusion] = {}
    for a in data.area_ids:
        found: list[tuple[str, str]] = []
        for ind in defn.indicators:
            label = data.labels.get(ind.id, ind.id)
            val = data.values.get(ind.id, {}).get(a)
            state = data.states.get(ind.id, {}).get(a)
            if state == "gesperrt":
                found.append(("gesperrt", f"„{label}“ gesperrt (Geheimhaltung)"))
            elif state == "nicht_bewertet":
                found.append(("nicht_bewertet", f"„{label}“ nicht bewertet (zu wenige "
                                                 "Einwohner)"))
            elif state not in (None, "ok") or val is None or not math.isfinite(val):
                found.append(("keine_daten", f"keine Daten für „{label}“"))
        if defn.min_population > 0:
            pop = data.population.get(a)
            if pop is None or not math.isfinite(pop):
                found.append(("keine_daten", "Einwohnerzahl unbekannt"))
            elif pop < defn.min_population:
                found.append(("nicht_bewertet", "weniger als "
                              f"{format_number(defn.min_population)} Einwohner"))
        if found:
            state = min((s for s, _ in found), key=STATE_PRECEDENCE.index)
            out[a] = Exclusion(a, state, tuple(r for _, r in found))
    return out


@dataclass(frozen=True)
class _Params:
    stats: dict[str, IndicatorStats]
    index_mean: float
    index_sd: float
    basis: tuple[float, ...]  # index values the class breaks come from


def _raw_scores(defn: IndexDefinition, data: IndexInput, rated: Sequence[str],
                stats: Mapping[str, IndicatorStats]) -> dict[str, tuple[Contribution, ...]]:
    total = sum(i.weight for i in defn.indicators)
    out = {}
    for a in rated:
        parts = []
        for ind in defn.indicators:
            raw = float(data.values[ind.id][a])  # type: ignore[arg-type]
            s = _standardise(raw, stats[ind.id], defn.standardisation, defn.winsorize)
            d = _directed(s, ind.direction, defn.standardisation)
            w = ind.weight / total
            parts.append(Contribution(ind.id, ind.direction, raw, s, d, w, w * d))
        out[a] = tuple(parts)
    return out


def _params(defn: IndexDefinition, data: IndexInput) -> _Params | None:
    """Standardisation and class parameters from the rated areas of ``data``."""
    excluded = _exclusions(defn, data)
    rated = [a for a in data.area_ids if a not in excluded]
    if len(rated) < 2:
        return None
    stats = {
        ind.id: _stats(ind.id, [float(data.values[ind.id][a]) for a in rated],  # type: ignore[arg-type]
                       defn.winsorize)
        for ind in defn.indicators
    }
    scores = _raw_scores(defn, data, rated, stats)
    vals = np.array([sum(c.value for c in parts) for parts in scores.values()])
    return _Params(stats, float(vals.mean()), float(vals.std()), tuple(float(v) for v in vals))


def _class_rule(defn: IndexDefinition, p: _Params) -> tuple[int, tuple[float, ...], list[str]]:
    """Number of classes, inner breaks in index units, German labels."""
    c = defn.classing
    if c.method == "stdabw":
        cut = c.cutoffs
        breaks = tuple(p.index_mean + x * p.index_sd for x in cut)
        sd = [_signed(x) for x in cut]
        labels = [f"bis {sd[0]} SD"]
        labels += [f"über {a} bis {b} SD" for a, b in zip(sd, sd[1:], strict=False)]
        labels.append(f"über {sd[-1]} SD")
        return len(cut) + 1, breaks, labels
    if c.method == "quantile":
        breaks = tuple(float(np.quantile(p.basis, j / c.k)) for j in range(1, c.k))
        b = [format_number(x, 2) for x in breaks]
        labels = [f"bis {b[0]}"] + [f"über {x} bis {y}" for x, y in zip(b, b[1:], strict=False)]
        labels.append(f"über {b[-1]}")
        return c.k, breaks, [f"{j}. Quantil ({t})" for j, t in enumerate(labels, 1)]
    top = _top_threshold(p.basis, c.share)
    share = format_number(100 * c.share, 1).removesuffix(",0")
    where = "" if math.isinf(top) else f", Indexwert ab {format_number(top, 2)}"
    return 2, (top,), ["übrige Gebiete", f"oberste {share} %{where}"]


def _signed(x: float) -> str:
    text = format_number(x, 2).rstrip("0").rstrip(",")
    return text if x <= 0 or text == "0" else "+" + text


def _top_threshold(basis: Sequence[float], share: float) -> float:
    n_top = math.floor(Fraction(repr(share)) * len(basis) + Fraction(1, 2))
    if n_top == 0:
        return math.inf
    return sorted(basis, reverse=True)[n_top - 1]


def _assign(defn: IndexDefinition, value: float, t: float, breaks: Sequence[float]) -> int:
    c = defn.classing
    if c.method == "stdabw":
        return 1 + sum(1 for x in c.cutoffs if x < t)
    if c.method == "quantile":
        return 1 + sum(1 for b in breaks if b < value)
    return 2 if value >= breaks[0] else 1


def compute_index(
    definition: IndexDefinition, data: IndexInput, base: IndexInput | None = None
) -> IndexResult:
    """The index of ``data`` (see module docstring); with ``base`` (the base year's inputs) the
    standardisation and class parameters are frozen at the base year."""
    excluded = _exclusions(definition, data)
    rated = [a for a in data.area_ids if a not in excluded]
    notes: list[str] = []
    params = _params(definition, base if base is not None else data)
    if params is None or len(rated) < 2:
        why = ("im Basisjahr " if base is not None and params is None else "")
        note = f"Zu wenige bewertbare Gebiete {why}(mindestens 2); kein Index berechnet."
        all_excl = dict(excluded)
        for a in rated:
            all_excl[a] = Exclusion(a, "nicht_bewertet", ("zu wenige bewertbare Gebiete",))
        return IndexResult(definition, tuple(data.area_ids), {}, all_excl, {}, math.nan,
                           math.nan, 0, (), (), base is not None, (note,),
                           labels=dict(data.labels))
    for ind in definition.indicators:
        if params.stats[ind.id].sd == 0:
            label = data.labels.get(ind.id, ind.id)
            notes.append(f"„{label}“ hat keine Streuung und trägt nichts zur Unterscheidung bei.")
    contributions = _raw_scores(definition, data, rated, params.stats)
    k, breaks, class_labels = _class_rule(definition, params)
    values = {a: sum(c.value for c in parts) for a, parts in contributions.items()}
    scores: dict[str, AreaScore] = {}
    for a in rated:
        v = values[a]
        t = 0.0 if params.index_sd == 0 else (v - params.index_mean) / params.index_sd
        rank = 1 + sum(1 for o in values.values() if o > v)
        scores[a] = AreaScore(a, v, t, _assign(definition, v, t, breaks), rank, contributions[a])
    return IndexResult(
        definition=definition,
        area_ids=tuple(data.area_ids),
        scores=scores,
        excluded=excluded,
        stats=params.stats,
        index_mean=params.index_mean,
        index_sd=params.index_sd,
        k=k,
        breaks=breaks,
        class_labels=tuple(class_labels),
        frozen=base is not None,
        notes=tuple(notes),
        labels=dict(data.labels),
    )


def explain(result: IndexResult, area_id: str) -> str:
    """German explanation of one area's index value: class, and every indicator's
    standardised value × weight, largest contribution first."""
    ex = result.excluded.get(area_id)
    if ex is not None:
        return ex.text[0].upper() + ex.text[1:] + "."
    sc = result.scores[area_id]
    lines = [
        f"Klasse {sc.cls} von {result.k} ({result.class_labels[sc.cls - 1]}; Klasse "
        f"{result.k} = höchster Bedarf), Rang {sc.rank} von {len(result.scores)}.",
        f"Indexwert {format_number(sc.value, 2)} = {_signed(sc.t)} Standardabweichungen vom "
        f"Mittel ({format_number(result.index_mean, 2)}"
        f"{', Basisjahr' if result.frozen else ''}).",
    ]
    symbol = {"z": "z", "perzentil": "Perzentilrang", "minmax": "skaliert"}[
        result.definition.standardisation]
    for c in sorted(sc.contributions, key=lambda c: (-c.value, c.indicator_id)):
        label = result.labels.get(c.indicator_id, c.indicator_id)
        flipped = " (umgedreht: hoch = weniger Bedarf)" if c.direction == -1 else ""
        lines.append(
            f"„{label}“: {symbol} = {format_number(c.standardised, 2)}{flipped} × Gewicht "
            f"{format_number(c.weight, 2)} = {_signed(c.value)}"
        )
    return "\n".join(lines)


# --- sensitivity ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """One changed definition and the rated areas whose class it changes."""

    label: str  # German, e.g. "Gewicht „sgb2_quote_u15“ +10 %"
    kind: str  # "gewicht+" | "gewicht-" | "ohne"
    indicator_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Sensitivity:
    """How stable the classes are (see module docstring)."""

    variants: tuple[Variant, ...]
    changes: Mapping[str, int]  # rated area → number of variants that change its class
    borderline: tuple[str, ...]
    threshold: int


def _variants(defn: IndexDefinition, step: float, labels: Mapping[str, str],
              ) -> list[tuple[str, str, str, IndexDefinition]]:
    pct = format_number(100 * step, 1).removesuffix(",0")
    out = []
    for ind in defn.indicators:
        for kind, factor, sign in (("gewicht+", 1 + step, "+"), ("gewicht-", 1 - step, "−")):
            inds = tuple(replace(i, weight=i.weight * factor) if i.id == ind.id else i
                         for i in defn.indicators)
            out.append((f"Gewicht „{labels.get(ind.id, ind.id)}“ {sign}{pct} %", kind, ind.id,
                        replace(defn, indicators=inds)))
    if len(defn.indicators) > 1:
        for ind in defn.indicators:
            rest = tuple(i for i in defn.indicators if i.id != ind.id)
            if sum(i.weight for i in rest) > 0:
                out.append((f"ohne „{labels.get(ind.id, ind.id)}“", "ohne", ind.id, replace(defn, indicators=rest)))
    return out


def sensitivity(
    definition: IndexDefinition,
    data: IndexInput,
    base: IndexInput | None = None,
    step: float = 0.10,
    borderline_at: int | None = None,
) -> Sensitivity:
    """Class changes under each weight ± ``step`` and each indicator left out."""
    ref = compute_index(definition, data, base)
    # Every variant rates the same areas as the definition itself (leaving an indicator out
    # must not bring in areas that lacked only its value), so only the weighting differs.
    same = replace(data, area_ids=tuple(ref.scores))
    same_base = None if base is None else replace(base, area_ids=tuple(
        a for a in base.area_ids if a not in _exclusions(definition, base)))
    variants = []
    changes = dict.fromkeys(ref.scores, 0)
    for label, kind, ind_id, defn in _variants(definition, step, data.labels):
        res = compute_index(defn, same, same_base)
        changed = tuple(a for a, sc in ref.scores.items()
                        if a in res.scores and res.scores[a].cls != sc.cls)
        for a in changed:
            changes[a] += 1
        variants.append(Variant(label, kind, ind_id, changed))
    threshold = borderline_at if borderline_at is not None else max(
        2, math.ceil(len(variants) / 3))
    borderline = tuple(a for a, n in changes.items() if n >= threshold)
    return Sensitivity(tuple(variants), changes, borderline, threshold)


# --- repository adapters ----------------------------------------------------------------------
def index_areas(repo: Any, definition: IndexDefinition) -> tuple[str, ...]:
    """The areas an index rates: children of ``gebiet``, or all its areas of ``ebene``
    (as `geodata.state.view_areas`)."""
    if definition.ebene:
        return repo.areas_at_level(definition.gebiet, definition.ebene)
    return repo.children_of(definition.gebiet)


def check_definition(repo: Any, definition: IndexDefinition) -> list[str]:
    """German problems of a (valid) definition against the atlas: unknown area, level or
    indicator."""
    from geodata.repository import ROOT

    errs = []
    if definition.gebiet != ROOT and definition.gebiet not in repo.areas:
        errs.append(f"Feld „gebiet“: Das Gebiet „{definition.gebiet}“ ist unbekannt.")
    levels = [lvl.id for lvl in repo.settings.levels]
    if definition.ebene is not None and definition.ebene not in levels:
        errs.append(f"Feld „ebene“: Die Ebene „{definition.ebene}“ gibt es nicht; "
                    f"möglich: {', '.join(levels)}.")
    for ind in [*(i.id for i in definition.indicators), definition.population_indicator]:
        if ind not in repo.indicators:
            errs.append(f"Der Indikator „{ind}“ ist unbekannt.")
    if not errs and not index_areas(repo, definition):
        where = repo.display_name(definition.gebiet) if definition.gebiet != ROOT else (
            "dem ganzen Atlas")
        what = (f"keine {repo.level(definition.ebene).plural}" if definition.ebene
                else "keine Teilgebiete")
        errs.append(f"Feld „ebene“: Unter {where} gibt es {what}; der Index hätte keine "
                    "Gebiete.")
    return errs


def population_values(repo: Any, area_ids: Sequence[str], indicator_id: str,
                      year: int) -> dict[str, float | None]:
    """Per area, the indicator's value in ``year``, else the nearest earlier year, else the
    nearest later year; None if the area has none."""
    from geodata.profile import nearest_year

    years = repo.years_for(indicator_id)
    out: dict[str, float | None] = {}
    for a in area_ids:
        have = [y for y in years if repo.value(a, indicator_id, y) is not None]
        y = nearest_year(have, year)
        out[a] = None if y is None else repo.value(a, indicator_id, y).value
    return out


def index_input(repo: Any, definition: IndexDefinition, year: int | None = None) -> IndexInput:
    """The plain inputs of a definition in ``year`` (default: its index year). Values are
    passed only where the map shows them ("ok" per `geodata.mapdata.year_states`, with the
    atlas's suppression rule); the other states are passed on as reasons."""
    from geodata.mapdata import suppression_rule, year_states

    errs = check_definition(repo, definition)
    if errs:
        raise DefinitionError(errs)
    year = definition.year if year is None else year
    ids = tuple(index_areas(repo, definition))
    rule = suppression_rule(repo)
    values: dict[str, dict[str, float | None]] = {}
    states: dict[str, dict[str, str]] = {}
    for spec in definition.indicators:
        ind = repo.indicator(spec.id)
        st, raw = year_states(repo, ids, ind, year, definition.gebiet, rule)
        values[spec.id] = {a: v if s == "ok" else None for a, v, s in zip(ids, raw, st,
                                                                          strict=True)}
        states[spec.id] = dict(zip(ids, st, strict=True))
    population = population_values(repo, ids, definition.population_indicator, year)
    labels = {i.id: repo.indicator(i.id).name for i in definition.indicators}
    return IndexInput(ids, values, population, states, labels)


def _direction_notes(repo: Any, definition: IndexDefinition) -> list[str]:
    notes = []
    for spec in definition.indicators:
        ind = repo.indicator(spec.id)
        preset = preset_direction(ind.direction)
        if preset is not None and preset != spec.direction:
            notes.append(f"Die Richtung von „{ind.name}“ ist gegenüber dem Katalog umgedreht.")
    return notes


def compute_index_for(repo: Any, definition: IndexDefinition,
                      year: int | None = None) -> IndexResult:
    """`compute_index` on the atlas; with ``basisjahr`` frozen at that year."""
    year = definition.year if year is None else year
    data = index_input(repo, definition, year)
    base = None
    if definition.base_year is not None and definition.base_year != year:
        base = index_input(repo, definition, definition.base_year)
    res = compute_index(definition, data, base)
    return replace(res, year=year, notes=(*res.notes, *_direction_notes(repo, definition)))


def sensitivity_for(repo: Any, definition: IndexDefinition, year: int | None = None,
                    step: float = 0.10) -> Sensitivity:
    """`sensitivity` on the atlas (with the frozen base year, if any)."""
    year = definition.year if year is None else year
    data = index_input(repo, definition, year)
    base = None
    if definition.base_year is not None and definition.base_year != year:
        base = index_input(repo, definition, definition.base_year)
    return sensitivity(definition, data, base, step)
