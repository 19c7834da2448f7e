"""The view state held in the address bar, and its transitions.

A view is ``?gebiet=<area_id>&auswahl=<area_id>&indikator=<id>&jahr=<yyyy>[&schulen=an]``
plus the cartographic options of `geodata.views.mapoptions`:

- ``gebiet``: the area whose children the map shows (absent: the start view, the top level);
- ``ebene``: instead of the children, all areas of this level below ``gebiet`` (e.g. all
  1528 Gemeinden of the atlas: ``?ebene=gemeinde``);
- ``auswahl``: the selected areas, comma-separated; the first one's panel is open (absent:
  none). Several areas: the panel compares them;
- ``ansicht``: the panel's tab (``steckbrief``, ``diagramme``, ``einrichtungen``; with several
  areas ``vergleich`` or ``sozialraum``, the profile of the areas taken together);
- ``einrichtung``: the institution whose panel is open;
- ``indikator``, ``jahr``: what colours the map; ``streuung``: the second indicator of the
  scatter chart;
- ``schulen``: the institution layer is shown; ``arten``: only these institution types;
- ``tabelle``: the panel shows the table of the map's areas instead of the profile; ``name``:
  the name of a Sozialraum (several selected areas taken together);
- ``index``: a saved need index (``geodata/indizes/<index>.json``) colours the map; without a
  selected area the panel shows its tabs (``ansicht=ergebnis|definition|verteilung``;
  ``ansicht=indizes`` lists the saved ones); ``budget``, ``einheit``, ``sockel``, ``koepfe``,
  ``verfahren``, ``faktoren``: its budget split (`AllocationSettings`).

`parse_query` never raises: every unknown or malformed value becomes a German notice and a
sensible fallback. The transitions (`drill`, `up`, `goto`, ...) are pure functions of the
state and the repository, so the Dash callbacks only wire them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlencode

from geodata.index.allocation import (
    ALLOCATION_PARAMS,
    AllocationSettings,
    allocation_params,
    parse_allocation,
)
from geodata.index.atlas import check_definition, index_areas
from geodata.index.definition import DefinitionError
from geodata.index.files import find_definition
from geodata.model.entities import ROOT
from geodata.model.institutions import institution_types
from geodata.statistics.numfmt import ascii_int
from geodata.statistics.published import PublishedAtlas
from geodata.views.mapoptions import PARAMS, MapOptions, options_params, parse_options

KNOWN_PARAMS = ("gebiet", "auswahl", "ansicht", "einrichtung", "indikator", "jahr", "streuung",
                "schulen", "arten", "ebene", "index", "tabelle", "name", *PARAMS, *ALLOCATION_PARAMS)
_MAX_SHOWN, MAX_SELECTED = 40, 30
SINGLE_TABS = {"steckbrief": "Steckbrief", "diagramme": "Diagramme",
               "einrichtungen": "Einrichtungen"}
MULTI_TABS = {"vergleich": "Vergleich", "sozialraum": "Sozialraum", "diagramme": "Diagramme"}
# The panel without a selected area: a need index's tabs, or the list of saved indices and the
# form for a new one.
INDEX_TABS = {"ergebnis": "Ergebnis", "definition": "Definition", "verteilung": "Verteilung"}
NO_INDEX_TABS = {"indizes": "Bedarfsindizes", "definition": "Neuer Index"}


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
    weitere: tuple[str, ...] = ()  # further selected areas after ``auswahl``
    ansicht: str = "steckbrief"  # the panel's tab (SINGLE_TABS or MULTI_TABS)
    einrichtung: str | None = None  # institution whose panel is open
    streuung: str | None = None  # second indicator of the scatter chart
    arten: tuple[str, ...] = ()  # institution types shown (empty: all)
    index: str | None = None  # saved need index shown on the map (geodata.index)
    verteilung: AllocationSettings = AllocationSettings()  # the index's budget split
    tabelle: bool = False  # the panel shows the table view of the map's areas
    name: str | None = None  # the Sozialraum's name (several selected areas)

    @property
    def index_tab(self) -> str | None:
        """The panel tab when no area is selected: an index tab, the index list, or None
        (the empty panel)."""
        if self.selection:
            return None
        if self.index:
            return self.ansicht if self.ansicht in INDEX_TABS else "ergebnis"
        return self.ansicht if self.ansicht in NO_INDEX_TABS else None

    @property
    def selection(self) -> tuple[str, ...]:
        """All selected areas, the profile's first."""
        return (self.auswahl, *self.weitere) if self.auswahl else ()


def _shown(value: str) -> str:
    """A user-supplied value, shortened for a message (Dash renders it as text, not HTML)."""
    value = value.replace("\n", " ")
    return value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…"


def default_state(repo: PublishedAtlas) -> ViewState:
    """The start view: all top-level areas, default indicator, its newest year."""
    ind = repo.settings.default_indicator
    if ind not in repo.indicators:
        ind = next(iter(repo.indicators))
    years = repo.years_for(ind, repo.children_of(ROOT)) or repo.years_for(ind) or (0,)
    return ViewState(ROOT, None, ind, years[-1])


def view_areas(state: ViewState, repo: PublishedAtlas) -> tuple[str, ...]:
    """The areas on the map: the children of ``gebiet``, or all its areas of level ``ebene``."""
    return repo.areas_at_level(state.gebiet, state.ebene) if state.ebene else (
        repo.children_of(state.gebiet)
    )


def fit_year(state: ViewState, repo: PublishedAtlas) -> tuple[ViewState, list[str]]:
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


def fit_index(state: ViewState, repo: PublishedAtlas) -> tuple[ViewState, list[str]]:
    """Keep a need index only where it applies, with a notice when it is left: the file must
    still be valid and the map must show some of the areas it rates (not after Zurück from
    its Stadtteile to the Kreise). While it is shown, the year is the index year and there is
    no change map, so that exports and the profile speak of the same year as the index."""
    if not state.index:
        return state, []

    try:
        definition = find_definition(state.index)
        errors = check_definition(repo, definition)
    except DefinitionError as err:
        errors = err.errors
    if errors:
        return replace(state, index=None), [f"Der Index wird nicht mehr gezeigt: {errors[0]}"]
    if not set(view_areas(state, repo)) & set(index_areas(repo, definition)):
        where = (f"in {repo.display_name(definition.gebiet)}" if definition.gebiet != ROOT
                 else "im ganzen Atlas")
        return replace(state, index=None), [
            f"Der Index „{definition.name}“ bewertet Gebiete {where}; hier zeigt die Karte "
            "wieder den Indikator."]
    return replace(state, jahr=definition.year,
                   karte=replace(state.karte, vergleich=None)), []


def fit_level(state: ViewState, repo: PublishedAtlas) -> tuple[ViewState, list[str]]:
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


def _set_gebiet(state: ViewState, area_id: str, repo: PublishedAtlas) -> ViewState:
    """Show ``area_id``: its children if it is (or collapses to) a view parent, else its parent's."""
    state = replace(state, ebene=None)
    target = repo.view_target(area_id)
    if target is not None:
        return replace(state, gebiet=target)
    leaf = repo.collapse(area_id)  # a kreisfreie Stadt's Kreis selects its Gemeinde
    return replace(state, gebiet=repo.view_parent_above(leaf), auswahl=leaf)


def parse_query(query: str | None, repo: PublishedAtlas) -> tuple[ViewState, list[str]]:
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

    if first.get("index"):
        state = _parse_index(state, first["index"], "gebiet" not in first, repo, notes)
    heads = [i.id for i in repo.indicators.values() if i.kind == "count"]
    state = replace(state, verteilung=parse_allocation(first, heads, notes))

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
        state = _parse_selection(state, auswahl, repo, notes)
    state = _parse_panel(state, first, repo, notes)

    if first.get("ebene"):
        state, more = fit_level(replace(state, ebene=first["ebene"]), repo)
        notes.extend(more)
    state = replace(state, karte=parse_options(first, notes))

    jahr = first.get("jahr")
    avail = repo.years_for(state.indikator, view_areas(state, repo))
    if jahr is not None and ascii_int(jahr, 1000, 9999) is not None:
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
    state, more = fit_index(state, repo)
    notes.extend(more)

    for key in ("schulen", "tabelle"):
        if (flag := first.get(key)) is None:
            continue
        if flag in {"an", "aus"}:
            state = replace(state, **{key: flag == "an"})
        else:
            notes.append(f"„{_shown(flag)}“ (Parameter {key}) ist weder „an“ noch „aus“.")
    if first.get("arten"):
        known = institution_types()
        wanted = [a for a in first["arten"].split(",") if a]
        bad = [a for a in wanted if a not in known]
        if bad:
            notes.append(f"Die Einrichtungsart „{_shown(bad[0])}“ (Parameter arten) ist "
                         f"unbekannt. Möglich: {', '.join(known)}.")
        state = replace(state, arten=tuple(dict.fromkeys(a for a in wanted if a in known)))
    return state, notes


def _parse_index(state: ViewState, slug: str, move: bool, repo: PublishedAtlas,
                 notes: list[str]) -> ViewState:
    """``index=<name>``: a saved, valid definition; without ``gebiet`` the map moves to the
    areas it rates."""

    try:
        definition = find_definition(slug)
        errors = check_definition(repo, definition)
    except DefinitionError as err:
        errors = err.errors
    if errors:
        notes.append(f"Der Index (Parameter index) kann nicht gezeigt werden: {errors[0]}")
        return state
    state = replace(state, index=slug)
    if move:
        if definition.gebiet != ROOT:
            state = _set_gebiet(state, definition.gebiet, repo)
        state = replace(state, auswahl=None, ebene=definition.ebene)
    return state


def _parse_selection(state: ViewState, value: str, repo: PublishedAtlas,
                     notes: list[str]) -> ViewState:
    """``auswahl=a,b,c``: known areas in order, without repeats, at most `MAX_SELECTED`."""
    ids = list(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [i for i in ids if i not in repo.areas]
    for bad in unknown[:3]:
        notes.append(f"Das Gebiet „{_shown(bad)}“ (Parameter auswahl) ist unbekannt"
                     + ("; es wird kein Gebietsprofil geöffnet." if len(ids) == 1 else
                        " und wird nicht ausgewählt."))
    if len(unknown) > 3:
        notes.append(f"… und {len(unknown) - 3} weitere unbekannte Gebiete in „auswahl“.")
    known = [i for i in ids if i in repo.areas]
    if len(known) > MAX_SELECTED:
        notes.append(f"Es können höchstens {MAX_SELECTED} Gebiete zugleich ausgewählt werden; "
                     f"die ersten {MAX_SELECTED} sind ausgewählt.")
        known = known[:MAX_SELECTED]
    if not known:
        return state
    return replace(state, auswahl=known[0], weitere=tuple(known[1:]))


def _parse_panel(state: ViewState, first: dict[str, str], repo: PublishedAtlas,
                 notes: list[str]) -> ViewState:
    """``ansicht``, ``einrichtung`` and ``streuung``."""
    tabs = MULTI_TABS if state.weitere else SINGLE_TABS
    if not state.auswahl:
        tabs = {**tabs, **(INDEX_TABS if state.index else NO_INDEX_TABS)}
    ansicht = first.get("ansicht")
    if ansicht:
        if ansicht in tabs:
            state = replace(state, ansicht=ansicht)
        else:
            why = ("gibt es nur bei mehreren ausgewählten Gebieten"
                   if ansicht in MULTI_TABS and not state.weitere else "ist unbekannt")
            notes.append(f"Die Ansicht „{_shown(ansicht)}“ (Parameter ansicht) {why}. "
                         f"Möglich: {', '.join(tabs)}.")
    if state.weitere and state.ansicht not in MULTI_TABS:
        state = replace(state, ansicht="vergleich")
    if (name := first.get("name")) and state.weitere:
        clean = " ".join(name.split())[:60]
        if re.fullmatch(r"[\w .,;:()/+&'„“\"-]+", clean):
            state = replace(state, name=clean)
        else:
            notes.append(f"Der Name „{_shown(name)}“ (Parameter name) enthält unzulässige "
                         "Zeichen und wird nicht verwendet.")
    inst = first.get("einrichtung")
    if inst:
        if repo.institution(inst) is not None:
            state = replace(state, einrichtung=inst)
        else:
            notes.append(f"Die Einrichtung „{_shown(inst)}“ (Parameter einrichtung) ist "
                         "unbekannt.")
    streuung = first.get("streuung")
    if streuung:
        if streuung in repo.indicators:
            state = replace(state, streuung=streuung)
        else:
            notes.append(f"Der Indikator „{_shown(streuung)}“ (Parameter streuung) ist "
                         "unbekannt; das Streudiagramm zeigt einen Vorschlag.")
    return state


def to_query(state: ViewState) -> str:
    """The canonical URL query of a state, with leading ``?``."""
    params: dict[str, str] = {}
    if state.gebiet != ROOT:
        params["gebiet"] = state.gebiet
    if state.ebene:
        params["ebene"] = state.ebene
    if state.auswahl:
        params["auswahl"] = ",".join(state.selection)
        if state.ansicht != ("vergleich" if state.weitere else "steckbrief"):
            params["ansicht"] = state.ansicht
    elif state.index_tab not in (None, "ergebnis"):
        params["ansicht"] = state.index_tab
    if state.index:
        params["index"] = state.index
    if state.einrichtung:
        params["einrichtung"] = state.einrichtung
    params["indikator"] = state.indikator
    params["jahr"] = str(state.jahr)
    if state.streuung:
        params["streuung"] = state.streuung
    if state.schulen:
        params["schulen"] = "an"
    if state.arten:
        params["arten"] = ",".join(state.arten)
    if state.tabelle:
        params["tabelle"] = "an"
    if state.name and state.weitere:
        params["name"] = state.name
    params.update(options_params(state.karte))
    if state.index:
        params.update(allocation_params(state.verteilung))
    return "?" + urlencode(params, safe=";,")


def drill(state: ViewState, clicked: str, repo: PublishedAtlas) -> ViewState:
    """Click on an area: go one level down into it if it has several areas below, else select it.

    The clicked area's profile opens either way (for a kreisfreie Stadt: the city's).
    """
    if clicked not in repo.areas:
        return state
    state = _single(state)
    target = repo.view_target(clicked)
    if target is None:
        return replace(state, auswahl=repo.collapse(clicked))
    return replace(state, gebiet=target, auswahl=target, ebene=None)


def _single(state: ViewState) -> ViewState:
    """Back to one selected area (a tab of the several-area panel becomes the profile)."""
    tab = state.ansicht if state.ansicht in SINGLE_TABS else "steckbrief"
    return replace(state, weitere=(), einrichtung=None, ansicht=tab)


def toggle_selection(state: ViewState, clicked: str, repo: PublishedAtlas) -> ViewState:
    """Ctrl/Shift-click: add the area to the selection, or remove it if selected."""
    if clicked not in repo.areas:
        return state
    area = repo.collapse(clicked) if repo.view_target(clicked) is None else clicked
    current = list(state.selection)
    if area in current:
        current.remove(area)
    elif len(current) < MAX_SELECTED:
        current.append(area)
    return select(state, current)


def select(state: ViewState, areas: list[str] | tuple[str, ...]) -> ViewState:
    """Select these areas (the first one's profile); several open the comparison."""
    areas = list(dict.fromkeys(areas))[:MAX_SELECTED]
    if not areas:
        return replace(state, auswahl=None, weitere=(), einrichtung=None, ansicht="steckbrief")
    state = replace(state, auswahl=areas[0], weitere=tuple(areas[1:]), einrichtung=None)
    if len(areas) > 1 and state.ansicht not in MULTI_TABS:
        return replace(state, ansicht="vergleich")
    if len(areas) == 1 and state.ansicht not in SINGLE_TABS:
        return replace(state, ansicht="steckbrief")
    return state


def open_area(state: ViewState, area_id: str, repo: PublishedAtlas) -> ViewState:
    """Jump to any area (search): its children if it has several, else it among its peers;
    its profile opens either way."""
    if area_id not in repo.areas:
        return state
    state = _single(replace(state, ebene=None, auswahl=None))
    moved = _set_gebiet(state, area_id, repo)
    return moved if moved.auswahl else replace(moved, auswahl=moved.gebiet)


def open_institution(state: ViewState, inst_id: str, repo: PublishedAtlas,
                     jump: bool = False) -> ViewState:
    """Open an institution's panel; with ``jump`` (search) also show the area it lies in,
    with the institution layer on."""
    inst = repo.institution(inst_id)
    if inst is None or inst.area_id not in repo.areas:
        return state
    if jump:
        state = replace(open_area(state, inst.area_id, repo), schulen=True)
        if state.arten and inst.type not in state.arten:
            state = replace(state, arten=(*state.arten, inst.type))
    return replace(state, einrichtung=inst_id)


def up(state: ViewState, repo: PublishedAtlas) -> ViewState:
    """One level up (Zurück, Escape); the area we came from stays selected."""
    if state.ebene:
        return replace(state, ebene=None)  # from "all Gemeinden" back to their Kreise
    if state.einrichtung:
        return replace(state, einrichtung=None)  # close the institution's panel first
    if state.gebiet == ROOT:
        return state
    return replace(_single(state), gebiet=repo.view_parent_above(state.gebiet),
                   auswahl=state.gebiet)


def goto(state: ViewState, area_id: str, repo: PublishedAtlas) -> ViewState:
    """Jump to a view parent from the breadcrumb (``ROOT`` for the overview)."""
    if area_id != ROOT and area_id not in repo.areas:
        return state
    if area_id == ROOT:
        return replace(state, gebiet=ROOT, ebene=None)
    return replace(_set_gebiet(state, area_id, repo), ebene=None)


def breadcrumb(state: ViewState, repo: PublishedAtlas) -> list[str]:
    """View parents from the top down to the current view (``ROOT`` first)."""
    if state.gebiet == ROOT:
        return [ROOT]
    chain = [a for a in repo.ancestors(state.gebiet) if repo.is_view_parent(a)]
    return [ROOT, *chain, state.gebiet]
