"""The view state held in the address bar, and its transitions.

A view is ``?gebiet=<area_id>&auswahl=<area_id>&indikator=<id>&jahr=<yyyy>[&schulen=an]``:

- ``gebiet``: the area whose children the map shows (absent: the start view, the top level);
- ``auswahl``: the area whose panel is open (absent: none);
- ``indikator``, ``jahr``: what colours the map;
- ``schulen``: the school layer is shown.

`parse_query` never raises: every unknown or malformed value becomes a German notice and a
sensible fallback. The transitions (`drill`, `up`, `goto`, ...) are pure functions of the
state and the repository, so the Dash callbacks only wire them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode

from geodata.repository import ROOT, Repository

KNOWN_PARAMS = ("gebiet", "auswahl", "indikator", "jahr", "schulen")
_MAX_SHOWN = 40


@dataclass(frozen=True)
class ViewState:
    """What the user looks at; ``gebiet`` is ``ROOT`` ("") for the start view."""

    gebiet: str
    auswahl: str | None
    indikator: str
    jahr: int
    schulen: bool = False


def _shown(value: str) -> str:
    """A user-supplied value, shortened for a message (Dash renders it as text, not HTML)."""
    value = value.replace("\n", " ")
    return value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…"


def default_state(repo: Repository) -> ViewState:
    """The start view: all top-level areas, default indicator, its newest year."""
    ind = repo.settings.default_indicator
    if ind not in repo.indicators:
        ind = next(iter(repo.indicators))
    years = repo.years_for(ind, repo.children_of(ROOT)) or repo.years_for(ind) or (0,)
    return ViewState(ROOT, None, ind, years[-1])


def fit_year(state: ViewState, repo: Repository) -> tuple[ViewState, list[str]]:
    """Move the year to one with data for the indicator in the current view, with a notice."""
    avail = repo.years_for(state.indikator, repo.children_of(state.gebiet))
    if not avail or state.jahr in avail:
        return state, []
    ind = repo.indicator(state.indikator)
    earlier = [y for y in avail if y <= state.jahr]
    year = earlier[-1] if earlier else avail[0]
    note = (
        f"Für „{ind.name}“ gibt es hier keine Werte für {state.jahr}; "
        f"gezeigt wird {year} (vorhanden: {', '.join(map(str, avail))})."
    )
    return replace(state, jahr=year), [note]


def _set_gebiet(state: ViewState, area_id: str, repo: Repository) -> ViewState:
    """Show ``area_id``: its children if it is (or collapses to) a view parent, else its parent's."""
    target = repo.view_target(area_id)
    if target is not None:
        return replace(state, gebiet=target)
    return replace(state, gebiet=repo.view_parent_above(area_id), auswahl=area_id)


def parse_query(query: str | None, repo: Repository) -> tuple[ViewState, list[str]]:
    """Parse the URL query (with or without leading ``?``) into a state and German notices."""
    state = default_state(repo)
    notes: list[str] = []
    try:
        params = parse_qs((query or "").lstrip("?"), keep_blank_values=True, max_num_fields=20)
    except ValueError:
        return state, ["Die Adresse hat zu viele Parameter; es wird die Übersicht gezeigt."]
    for key, vals in params.items():
        if key not in KNOWN_PARAMS:
            notes.append(f"Der Parameter „{_shown(key)}“ ist unbekannt und wird ignoriert.")
        elif len(vals) > 1:
            notes.append(f"Der Parameter „{key}“ kommt mehrfach vor; es gilt der erste Wert.")
    first = {k: v[0].strip() for k, v in params.items() if k in KNOWN_PARAMS}

    ind = first.get("indikator")
    if ind is not None:
        if ind in repo.indicators:
            state = replace(state, indikator=ind)
        else:
            fallback = repo.indicator(state.indikator).name
            notes.append(
                f"Der Indikator „{_shown(ind)}“ (Parameter indikator) ist unbekannt; "
                f"gezeigt wird „{fallback}“."
            )

    gebiet = first.get("gebiet")
    if gebiet:
        if gebiet in repo.areas:
            state = _set_gebiet(state, gebiet, repo)
        else:
            notes.append(
                f"Das Gebiet „{_shown(gebiet)}“ (Parameter gebiet) ist unbekannt; "
                "gezeigt wird die Übersicht."
            )

    auswahl = first.get("auswahl")
    if auswahl:
        if auswahl in repo.areas:
            state = replace(state, auswahl=auswahl)
        else:
            notes.append(
                f"Das Gebiet „{_shown(auswahl)}“ (Parameter auswahl) ist unbekannt; "
                "es wird kein Gebietsprofil geöffnet."
            )

    jahr = first.get("jahr")
    avail = repo.years_for(state.indikator, repo.children_of(state.gebiet))
    if jahr is not None and re.fullmatch(r"\d{4}", jahr):
        state = replace(state, jahr=int(jahr))
        state, more = fit_year(state, repo)
        notes.extend(more)
    else:
        if jahr is not None:
            notes.append(
                f"„{_shown(jahr)}“ (Parameter jahr) ist keine Jahreszahl; "
                "gezeigt wird das neueste Jahr."
            )
        if avail:
            state = replace(state, jahr=avail[-1])

    schulen = first.get("schulen")
    if schulen is not None:
        if schulen in {"an", "aus"}:
            state = replace(state, schulen=schulen == "an")
        else:
            notes.append(f"„{_shown(schulen)}“ (Parameter schulen) ist weder „an“ noch „aus“.")
    return state, notes


def to_query(state: ViewState) -> str:
    """The canonical URL query of a state, with leading ``?``."""
    params: dict[str, str] = {}
    if state.gebiet != ROOT:
        params["gebiet"] = state.gebiet
    if state.auswahl:
        params["auswahl"] = state.auswahl
    params["indikator"] = state.indikator
    params["jahr"] = str(state.jahr)
    if state.schulen:
        params["schulen"] = "an"
    return "?" + urlencode(params)


def drill(state: ViewState, clicked: str, repo: Repository) -> ViewState:
    """Click on an area: go one level down into it if it has several areas below, else select it.

    The clicked area's profile opens either way (for a kreisfreie Stadt: the city's).
    """
    if clicked not in repo.areas:
        return state
    target = repo.view_target(clicked)
    if target is None:
        return replace(state, auswahl=repo.collapse(clicked))
    return replace(state, gebiet=target, auswahl=target)


def up(state: ViewState, repo: Repository) -> ViewState:
    """One level up (Zurück, Escape); the area we came from stays selected."""
    if state.gebiet == ROOT:
        return state
    return replace(state, gebiet=repo.view_parent_above(state.gebiet), auswahl=state.gebiet)


def goto(state: ViewState, area_id: str, repo: Repository) -> ViewState:
    """Jump to a view parent from the breadcrumb (``ROOT`` for the overview)."""
    if area_id != ROOT and area_id not in repo.areas:
        return state
    if area_id == ROOT:
        return replace(state, gebiet=ROOT)
    return _set_gebiet(state, area_id, repo)


def breadcrumb(state: ViewState, repo: Repository) -> list[str]:
    """View parents from the top down to the current view (``ROOT`` first)."""
    if state.gebiet == ROOT:
        return [ROOT]
    chain = [a for a in repo.ancestors(state.gebiet) if repo.is_view_parent(a)]
    return [ROOT, *chain, state.gebiet]
