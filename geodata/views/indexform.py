"""The need-index form's fields → an `IndexDefinition` (German messages naming each field).

Numbers are typed the German way ("1,5", "−1; 1; 1,5"); the form's own labels are used in the
messages, so a user sees which box to correct.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from geodata.index.definition import Classing, DefinitionError, IndexDefinition, IndexIndicator
from geodata.statistics.numfmt import parse_number


def _number(text: Any, label: str, errors: list[str], *, empty: float | None = None,
            ) -> float | None:
    """A typed number; ``empty`` is the value of an empty box (None: required)."""
    raw = str(text if text is not None else "").strip().replace("−", "-")
    if not raw:
        if empty is None:
            errors.append(f"„{label}“: bitte eine Zahl eingeben.")
        return empty
    value = parse_number(raw)
    if value is None:
        errors.append(f"„{label}“: „{raw[:30]}“ ist keine Zahl (Dezimalkomma, z. B. 1,5).")
    return value


def _numbers(text: Any, label: str, errors: list[str]) -> tuple[float, ...]:
    raw = str(text or "").replace("−", "-")
    parts = [p for p in raw.replace("/", ";").split(";") if p.strip()]
    out = []
    for p in parts:
        v = _number(p, label, errors)
        if v is not None:
            out.append(v)
    if not parts:
        errors.append(f"„{label}“: bitte Grenzen eingeben, getrennt durch „;“ (z. B. -1; 1; 1,5).")
    return tuple(out)


def _year(value: Any, label: str, errors: list[str], required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            errors.append(f"„{label}“: bitte ein Jahr wählen.")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.append(f"„{label}“: „{str(value)[:10]}“ ist keine Jahreszahl.")
        return None


def definition_from_form(fields: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                         today: dt.date | None = None) -> IndexDefinition:
    """Build and validate a definition from the form (see module docstring).

    ``fields``: name, autor, version, beschreibung, gebiet, ebene, jahr, basisjahr,
    standardisierung, mindest_einwohner, winsorisieren, klassen, grenzen, anzahl, anteil (in %).
    ``rows``: per catalogue indicator ``id``, ``name`` (for messages), ``use`` (bool),
    ``richtung`` (+1/−1), ``gewicht`` (text). Raises `DefinitionError` listing every problem.
    """
    errors: list[str] = []
    inds = []
    for r in rows:
        if not r.get("use"):
            continue
        label = r.get("name") or r["id"]
        w = _number(r.get("gewicht"), f"Gewicht {label}", errors, empty=1.0)
        direction = r.get("richtung")
        if direction not in (1, -1):
            errors.append(f"„Richtung {label}“: bitte wählen, ob ein hoher Wert mehr oder "
                          "weniger Bedarf bedeutet.")
            continue
        inds.append(IndexIndicator(str(r["id"]), int(direction), 1.0 if w is None else w))
    method = fields.get("klassen") or "stdabw"
    classing = Classing(method=method)
    if method == "stdabw":
        n_err = len(errors)
        cut = _numbers(fields.get("grenzen"), "Grenzen (SD)", errors)
        classing = Classing("stdabw", cutoffs=cut) if len(errors) == n_err else Classing()
    elif method == "quantile":
        k = _number(fields.get("anzahl"), "Anzahl der Klassen", errors)
        if k is not None and not float(k).is_integer():
            errors.append("„Anzahl der Klassen“: bitte eine ganze Zahl eingeben.")
        classing = Classing("quantile", k=int(k) if k is not None and float(k).is_integer()
                            else 5)
    elif method == "anteil":
        share = _number(fields.get("anteil"), "Anteil oberste Klasse (%)", errors)
        classing = Classing("anteil", share=(share if share is not None else 20) / 100)
    min_pop = _number(fields.get("mindest_einwohner"), "Mindesteinwohnerzahl", errors,
                      empty=0.0)
    wins = _number(fields.get("winsorisieren"), "Ausreißer kappen bei |z| >", errors,
                   empty=float("nan"))
    year = _year(fields.get("jahr"), "Indexjahr", errors)
    base = _year(fields.get("basisjahr"), "Basisjahr", errors, required=False)
    try:
        # Built even after typing errors (with neutral stand-ins), so that every problem of
        # the form is reported at once, not in two rounds.
        definition = IndexDefinition(
            name=str(fields.get("name") or "").strip(),
            author=str(fields.get("autor") or "").strip(),
            date=(today or dt.date.today()).isoformat(),
            version=str(fields.get("version") or "").strip(),
            description=str(fields.get("beschreibung") or "").strip(),
            gebiet=str(fields.get("gebiet") or ""),
            ebene=fields.get("ebene") or None,
            year=year or 2000,
            base_year=base,
            indicators=tuple(inds),
            standardisation=str(fields.get("standardisierung") or "z"),
            min_population=min_pop or 0.0,
            population_indicator=str(fields.get("einwohner_indikator") or "einwohner"),
            winsorize=None if wins is None or wins != wins else wins,
            classing=classing,
        )
    except DefinitionError as err:
        errors += [e for e in err.errors if e not in errors]
    if errors:
        raise DefinitionError(errors)
    return definition
