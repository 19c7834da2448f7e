"""Need index: the definition form's "Speichern", the allocation's "Verteilen", and the routes
of a saved index.

``/index/<name>.json`` (the definition file), ``/index/<name>/methode`` (the printable method
sheet), ``/index/<name>/verteilung.<csv|xlsx>?budget=…`` (the budget split with the panel's
parameters). Bad names or parameters give HTTP 400/404 with a German ``{"fehler": …}``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from flask import Response, request

from callbacks.auth import audit
from callbacks.exports import _download, _error
from geodata.index.allocation import METHODS, UNRATED_RULES, parse_allocation
from geodata.index.atlas import check_definition, compute_index_for
from geodata.index.definition import DefinitionError, IndexDefinition
from geodata.index.files import (
    earlier_versions,
    find_definition,
    index_dir,
    slugify,
    store_definition,
)
from geodata.reports.allocation import allocation_csv, allocation_xlsx
from geodata.reports.methodsheet import method_sheet_html
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas
from geodata.views.indexform import definition_from_form
from geodata.views.indexmap import index_allocation, index_bundle, uses_hidden
from geodata.views.state import parse_query, to_query
from layers import ids
from layers.ids import ALLOC_FIELD, BUTTON, DIRECTION, FIELD, MESSAGE, USE, WEIGHT


def _by_name(values: list[Any], id_list: list[dict[str, str]], key: str = "name") -> dict:
    return {i[key]: v for i, v in zip(id_list, values, strict=True)}


def _messages(which: str, errors: list[str]) -> list[Any]:
    """Children for every message box on the page (the one of ``which`` gets the list)."""
    items = html.Ul([html.Li(e) for e in errors]) if errors else []
    return [items if o["id"]["name"] == which else no_update for o in ctx.outputs_list[1]]


def _save_problems(repo: PublishedAtlas, definition: IndexDefinition,
                   editing: str | None) -> list[str]:
    """Why a valid definition must not be saved: it would silently replace another index,
    change an index without a new version (its links and method sheets would then show other
    numbers under the same version), or rate too few areas."""
    if editing:
        try:
            old = find_definition(editing)
        except DefinitionError:
            old = None
        if old is not None and old.version == definition.version and (
                {**old.to_dict(), "datum": ""} != {**definition.to_dict(), "datum": ""}):
            return [f"Die Definition wurde geändert: bitte eine neue Versionsnummer eintragen "
                    f"(bisher „{old.version}“), damit Methodenblatt und Links eindeutig "
                    "bleiben."]
    elif (index_dir() / f"{slugify(definition.name)}.json").exists():
        return [f"Einen Index mit diesem Namen gibt es schon (Datei "
                f"{slugify(definition.name)}.json). Bitte einen anderen Namen wählen oder den "
                "bestehenden Index in seinem Reiter „Definition“ ändern."]
    result = compute_index_for(repo, definition)
    if not result.scores:
        return [f"Im Indexjahr {definition.year}: {result.notes[0]} Bitte ein anderes Jahr, "
                "andere Indikatoren oder eine kleinere Mindesteinwohnerzahl wählen."]
    return []


def register(app: Dash, repo: PublishedAtlas) -> None:
    """Register the form callbacks and the ``/index/...`` routes."""

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output({"type": MESSAGE, "name": ALL}, "children"),
        Input({"type": BUTTON, "name": ALL}, "n_clicks"),
        State({"type": FIELD, "name": ALL}, "value"),
        State({"type": FIELD, "name": ALL}, "id"),
        State({"type": USE, "id": ALL}, "value"),
        State({"type": USE, "id": ALL}, "id"),
        State({"type": DIRECTION, "id": ALL}, "value"),
        State({"type": WEIGHT, "id": ALL}, "value"),
        State({"type": ALLOC_FIELD, "name": ALL}, "value"),
        State({"type": ALLOC_FIELD, "name": ALL}, "id"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def submit(clicks: list, values: list, field_ids: list, uses: list, use_ids: list,
               dirs: list, weights: list, avalues: list, aids: list,
               search: str | None) -> tuple[Any, list]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not ctx.triggered[0]["value"]:
            raise PreventUpdate  # a button appearing with the form, not a click
        state, _notes = parse_query(search, repo)
        if trigger["name"] == "speichern":
            if not repo.editor:  # the button is not even shown; a forged click is refused
                return no_update, _messages("definition", [
                    "Speichern darf nur die Redaktion; bitte anmelden."])
            fields = _by_name(values, field_ids)
            rows = [{"id": i["id"], "name": repo.indicators[i["id"]].name
                     if i["id"] in repo.indicators else i["id"], "use": bool(u),
                     "richtung": d, "gewicht": w}
                    for i, u, d, w in zip(use_ids, uses, dirs, weights, strict=True)]
            editing = state.index if state.index_tab == "definition" else None
            try:
                definition = definition_from_form(fields, rows)
                errors = check_definition(repo, definition) or _save_problems(
                    repo, definition, editing)
                if errors:
                    raise DefinitionError(errors)
                slug = store_definition(definition, editing)
                audit("index_speichern", f"{slug}, Version {definition.version}")
            except DefinitionError as err:
                return no_update, _messages("definition", err.errors)
            except OSError as err:
                return no_update, _messages("definition", [
                    f"Die Definition konnte nicht gespeichert werden: {err}"])
            # Without ``gebiet`` the address moves the map to the areas the index rates.
            query = to_query(replace(state, index=slug, auswahl=None, weitere=(),
                                     ansicht="ergebnis"))
            params = [p for p in query.lstrip("?").split("&")
                      if not p.startswith(("gebiet=", "ebene="))]
            return "?" + "&".join(params), _messages("definition", [])
        fields = {k: str(v if v is not None else "") for k, v in _by_name(avalues, aids).items()}
        notes: list[str] = []
        heads = [i.id for i in repo.indicators.values() if i.kind == "count"]
        settings = parse_allocation(fields, heads, notes)
        if notes:
            return no_update, _messages("verteilung", notes)
        return to_query(replace(state, verteilung=settings)), _messages("verteilung", [])

    server = app.server

    @server.route("/index/<slug>.json")
    def index_json(slug: str) -> Response:
        try:
            definition = index_bundle(repo, slug).definition
        except DefinitionError as err:
            return _error("; ".join(err.errors), 404)
        return _download(definition.to_json().encode("utf-8"), "json", f"{slug}.json")

    @server.route("/index/<slug>/version/<version>.json")
    def index_version_json(slug: str, version: str) -> Response:
        """An earlier version of a saved index, as it was saved (never changed)."""
        for v, d in earlier_versions(slug):
            if v == version and not uses_hidden(repo, d):
                return _download(d.to_json().encode("utf-8"), "json",
                                 f"{slug}_version_{slugify(v)}.json")
        return _error(f"Eine Version „{version[:20]}“ des Index „{slug[:40]}“ gibt es nicht.",
                      404)

    @server.route("/index/<slug>/methode")
    def index_method(slug: str) -> Response:
        try:
            bundle = index_bundle(repo, slug)
        except DefinitionError as err:
            return _error("; ".join(err.errors), 404)
        resp = Response(method_sheet_html(repo, bundle), mimetype="text/html")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @server.route("/index/<slug>/verteilung.<fmt>")
    def index_allocation_file(slug: str, fmt: str) -> Response:
        if fmt not in ("csv", "xlsx"):
            return _error(f"Das Format „{fmt[:10]}“ gibt es nicht; möglich: csv, xlsx.", 404)
        try:
            bundle = index_bundle(repo, slug)
        except DefinitionError as err:
            return _error("; ".join(err.errors), 404)
        notes: list[str] = []
        heads = [i.id for i in repo.indicators.values() if i.kind == "count"]
        settings = parse_allocation(request.args.to_dict(), heads, notes)
        if notes:
            return _error(" ".join(notes))
        state, _n = parse_query(urlencode({"index": slug}), repo)
        state = replace(state, verteilung=settings)
        try:
            alloc = index_allocation(repo, bundle, state)
        except ValueError as err:
            return _error(str(err))
        names = {a: repo.areas[a].name for a in bundle.result.area_ids}
        name = f"verteilung_{slug}_{settings.budget}.{fmt}"
        if fmt == "csv":
            return _download(allocation_csv(alloc, names), "csv", name)
        d = bundle.definition
        meta = [("Index", f"{d.name} (Version {d.version}, {d.author}, {d.date})"),
                ("Indexjahr", str(bundle.result.year or d.year)),
                ("Budget", f"{format_number(alloc.budget)} {alloc.unit}"),
                ("Sockel je Kopf", f"{format_number(settings.sockel, 1)} % = "
                 f"{format_number(alloc.base_budget)} {alloc.unit}"),
                ("Köpfe", alloc.heads_label or repo.indicator(settings.koepfe).name),
                ("Rest nach Bedarf", f"{METHODS[alloc.method]}: "
                 f"{format_number(alloc.need_budget)} {alloc.unit}"),
                *((("Klassenfaktoren", "; ".join(
                    f"Klasse {c}: {format_number(f, 2)}" for c, f in
                    settings.multipliers(bundle.result.k).items())),)
                  if alloc.method == "klassen" else ()),
                ("Nicht bewertete Gebiete", UNRATED_RULES[settings.unbewertet]),
                *((f"nicht bewertet: {names.get(u.area_id, u.area_id)}",
                   f"{u.reason} – {u.rule}") for u in alloc.unrated),
                ("Rundung", "ganze Beträge, größte Reste; Summe = Budget"),
                *(("Hinweis", n) for n in alloc.notes)]
        return _download(allocation_xlsx(alloc, names, meta), "xlsx", name)
