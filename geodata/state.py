"""The view state held in the address bar, and its transitions.

A view is ``?gebiet=<area_id>&auswahl=<area_id>&indikator=<id>&jahr=<yyyy>[&schulen=an]``
plus the cartographic options of `geodata.mapoptions`:

- ``gebiet``: the area whose children the map shows (absent: the start view, the top level);
- ``ebene``: instead of the children, all areas of this level below ``gebiet`` (e.g. all
  1528 Gemeinden of the atlas: ``?ebene=gemeinde``);
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

from geodata.mapoptions import PARAMS, MapOptions, options_params, parse_options
from geodata.repository import ROOT, Repository

KNOWN_PARAMS = ("gebiet", "auswahl", "indikator", "jahr", "schulen", "ebene", *PARAMS)
_MAX_SHOWN = 40


@dataclass(frozen=True)
class ViewState:
    """What the user looks at; ``gebiet`` is ``ROOT`` ("") for the start view."""

    gebiet: str
    auswahl: str | None
    indikator: str
    jahr: int
    schulen: bool = False
    ebene: str | None = None  # show all areas of this level below gebiet, not only children
    karte: MapOptions = MapOptions()


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


def view_areas(state: ViewState, repo: Repository) -> tuple[str, ...]:
    """The areas on the map: the children of ``gebiet``, or all its areas of level ``ebene``."""
    return repo.areas_at_level(state.gebiet, state.ebene) if state.ebene else (
        repo.children_of(state.gebiet)
    )


def fit_year(state: ViewState, repo: Repository) -> tuple[ViewState, list[str]]:
    """Move the year (and comparison year) to years with data in the view, with notices."""
    avail = repo.years_for(state.indikator, view_areas(state, repo))
    notes: list[str] = []
    ind = repo.indicator(state.indikator)
    if not avail:
        parts = repo.coverage(ind.id)
        where = (", ".join(parts[:-1]) + " und " + parts[-1]) if len(parts) > 1 else (
            parts[0] if parts else "kein Gebiet")
        notes.append(f"Für „{ind.name}“ gibt es in dieser Ansicht keine Werte; "
                     f"Werte gibt es für: {where}.")
        newest = repo.years_for(ind.id)
        if newest and state.jahr != newest[-1]:
            state = replace(state, jahr=newest[-1])
    elif state.jahr not in avail:
        earlier = [y for y in avail if y <= state.jahr]
        year = earlier[-1] if earlier else avail[0]
        notes.append(
            f"Für „{ind.name}“ gibt es hier keine Werte für {state.jahr}; "
            f"gezeigt wird {year} (vorhanden: {', '.join(map(str, avail))})."
        )
        state = replace(state, jahr=year)
    comp = state.karte.vergleich
    if comp is not None and (comp == state.jahr or comp not in avail):
        why = "ist das gezeigte Jahr" if comp == state.jahr else "hat keine Werte"
        notes.append(f"Das Vergleichsjahr {comp} {why}; gezeigt wird keine Veränderung.")
        state = replace(state, karte=replace(state.karte, vergleich=None))
    return state, notes


def fit_level(state: ViewState, repo: Repository) -> tuple[ViewState, list[str]]:
    """Drop an ``ebene`` that shows nothing more than the children, with a notice if invalid."""
    if state.ebene is None:
        return state, []
    kids = repo.children_of(state.gebiet)
    if kids and repo.area(kids[0]).level == state.ebene:
        return replace(state, ebene=None), []
    if not repo.areas_at_level(state.gebiet, state.ebene):
        names = ", ".join(lvl.id for lvl in repo.settings.levels)
        note = (f"Die Ebene „{_shown(state.ebene)}“ (Parameter ebene) gibt es unter diesem Gebiet "
                f"nicht; gezeigt werden die Teilgebiete. Ebenen: {names}.")
        return replace(state, ebene=None), [note]
    return state, []


def _set_gebiet(state: ViewState, area_id: str, repo: Repository) -> ViewState:
    """Show ``area_id``: its children if it is (or collapses to) a view parent, else its parent's."""
    state = replace(state, ebene=None)
    target = repo.view_target(area_id)
    if target is not None:
        return replace(state, gebiet=target)
    leaf = repo.collapse(area_id)  # a kreisfreie Stadt's Kreis selects its Gemeinde
    return replace(state, gebiet=repo.view_parent_above(leaf), auswahl=leaf)


def parse_query(query: str | None, repo: Repository) -> tuple[ViewState, list[str]]:
    """Parse the URL query (with or without leading ``?``) into a state and German notices."""
    state = default_state(repo)
    notes: list[str] = []
    try:
        params = parse_qs((query or "").lstrip("?"), keep_blank_values=True, max_num_fields=40)
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

    if first.get("ebene"):
        state, more = fit_level(replace(state, ebene=first["ebene"]), repo)
        notes.extend(more)
    state = replace(state, karte=parse_options(first, notes))

    jahr = first.get("jahr")
    avail = repo.years_for(state.indikator, view_areas(state, repo))
    if jahr is not None and re.fullmatch(r"\d{4}", jahr):
        state = replace(state, jahr=int(jahr))
    else:
        if jahr is not None:
            notes.append(
                f"„{_shown(jahr)}“ (Parameter jahr) ist keine Jahreszahl; "
                "gezeigt wird das neueste Jahr."
            )
        if avail:
            state = replace(state, jahr=avail[-1])
    state, more = fit_year(state, repo)  # also checks the comparison year
    notes.extend(more)

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
    if state.ebene:
        params["ebene"] = state.ebene
    if state.auswahl:
        params["auswahl"] = state.auswahl
    params["indikator"] = state.indikator
    params["jahr"] = str(state.jahr)
    if state.schulen:
        params["schulen"] = "an"
    params.update(options_params(state.karte))
    return "?" + urlencode(params, safe=";,")


def drill(state: ViewState, clicked: str, repo: Repository) -> ViewState:
    """Click on an area: go one level down into it if it has several areas below, else select it.

    The clicked area's profile opens either way (for a kreisfreie Stadt: the city's).
    """
    if clicked not in repo.areas:
        return state
    target = repo.view_target(clicked)
    if target is None:
        return replace(state, auswahl=repo.collapse(clicked))
    return replace(state, gebiet=target, auswahl=target, ebene=None)


def up(state: ViewState, repo: Repository) -> ViewState:
    """One level up (Zurück, Escape); the area we came from stays selected."""
    if state.ebene:
        return replace(state, ebene=None)  # from "all Gemeinden" back to their Kreise
    if state.gebiet == ROOT:
        return state
    return replace(state, gebiet=repo.view_parent_above(state.gebiet), auswahl=state.gebiet)


def goto(state: ViewState, area_id: str, repo: Repository) -> ViewState:
    """Jump to a view parent from the breadcrumb (``ROOT`` for the overview)."""
    if area_id != ROOT and area_id not in repo.areas:
        return state
    if area_id == ROOT:
        return replace(state, gebiet=ROOT, ebene=None)
    return replace(_set_gebiet(state, area_id, repo), ebene=None)


def breadcrumb(state: ViewState, repo: Repository) -> list[str]:
    """View parents from the top down to the current view (``ROOT`` first)."""
    if state.gebiet == ROOT:
        return [ROOT]
    chain = [a for a in repo.ancestors(state.gebiet) if repo.is_view_parent(a)]
    return [ROOT, *chain, state.gebiet]
