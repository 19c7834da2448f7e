"""Download routes: print maps, the view's table and an area's one-page profile, rendered on
the server by `geodata.reports` from the same classification as the screen.

``/export/karte.<png|svg|pdf>?<view query>&papier=a4quer|a4hoch|px[&breite=&hoehe=]``,
``/export/tabelle.<csv|xlsx>?<view query>``, ``/export/steckbrief/<area_id>.pdf[?jahr=]``.
Each request renders in its own server thread, so an export never blocks other users. Bad
parameters give HTTP 400 with a German ``{"fehler": …}``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import orjson
from dash import Dash
from flask import Response, request

from geodata import reports as export
from geodata.statistics.published import PublishedAtlas
from geodata.views.state import ViewState, parse_query

EXPORT_PARAMS = ("papier", "breite", "hoehe")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
        "csv": "text/csv; charset=utf-8", "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _error(message: str, status: int = 400) -> Response:
    return Response(orjson.dumps({"fehler": message}), status=status,
                    mimetype="application/json")


def _download(body: bytes, fmt: str, filename: str) -> Response:
    resp = Response(body, content_type=MIME[fmt])  # as given: no second charset
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _view_and_options(repo: PublishedAtlas) -> tuple[ViewState, dict[str, str]]:
    """The view state from the query (without the export's own parameters)."""
    pairs = parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
    opts = {k: v for k, v in pairs if k in EXPORT_PARAMS}
    view = urlencode([(k, v) for k, v in pairs if k not in EXPORT_PARAMS])
    state, _notes = parse_query(view, repo)
    return state, opts


def _pixels(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or not 200 <= int(value) <= 8000:
        raise ValueError(f"„{value[:20]}“ (Parameter {name}) ist keine Pixelzahl "
                         "zwischen 200 und 8000.")
    return int(value)


def register(app: Dash, repo: PublishedAtlas) -> None:
    """Add the ``/export/...`` routes."""
    server = app.server

    @server.route("/export/karte.<fmt>")
    def export_map(fmt: str) -> Response:
        if fmt not in ("png", "svg", "pdf"):
            return _error(f"Das Format „{fmt[:10]}“ gibt es nicht; möglich: png, svg, pdf.",
                          404)
        state, opts = _view_and_options(repo)
        try:
            body = export.render_map(
                repo, state, fmt, opts.get("papier") or "a4quer",
                _pixels(opts.get("breite"), "breite"), _pixels(opts.get("hoehe"), "hoehe"),
                labels=state.karte.namen, institutions=state.schulen)
        except ValueError as err:
            return _error(str(err))
        return _download(body, fmt, export.export_filename(repo, state, fmt))

    @server.route("/export/tabelle.<fmt>")
    def export_table(fmt: str) -> Response:
        if fmt not in ("csv", "xlsx"):
            return _error(f"Das Format „{fmt[:10]}“ gibt es nicht; möglich: csv, xlsx.", 404)
        state, _opts = _view_and_options(repo)
        try:
            body = (export.table_csv if fmt == "csv" else export.table_xlsx)(repo, state)
        except ValueError as err:
            return _error(str(err))
        return _download(body, fmt, export.export_filename(repo, state, fmt))

    @server.route("/export/steckbrief/<path:area_id>.pdf")
    def export_profile(area_id: str) -> Response:
        if area_id not in repo.areas:
            return _error(f"Das Gebiet „{area_id[:40]}“ ist unbekannt.", 404)
        year_text = request.args.get("jahr") or ""
        if year_text and not (year_text.isdigit() and len(year_text) == 4):
            return _error(f"„{year_text[:20]}“ (Parameter jahr) ist keine Jahreszahl.")
        try:
            body = export.render_profile_pdf(repo, area_id, int(year_text) if year_text else None)
        except ValueError as err:
            return _error(str(err))
        return _download(body, "pdf", export.profile_filename(
            repo, area_id, int(year_text) if year_text else None))
