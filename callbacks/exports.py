"""Download routes: print maps, the view's table and an area's one-page profile, rendered on
the server by `geodata.reports` from the same classification as the screen.

``/export/karte.<png|svg|pdf>?<view query>&papier=a4quer|a4hoch|px[&breite=&hoehe=]``,
``/export/tabelle.<csv|xlsx>?<view query>``, ``/export/steckbrief/<area_id>.pdf[?jahr=]``.
Each request renders in its own server thread, so an export never blocks other users. Bad
parameters give HTTP 400 with a German ``{"fehler": …}``.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode

import orjson
from dash import Dash
from flask import Response, request

from geodata import reports as export
from geodata.statistics.numfmt import ascii_int
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


BIG_PIXELS = 4_000_000  # from here a PNG's buffers are freed at once (gc.collect)
MAX_PIXELS = 25_000_000  # a PNG of at most 25 megapixels (e.g. 5000 × 5000)
# Renders at once per worker; more wait up to RENDER_WAIT seconds, then get a German 503.
RENDERS = threading.BoundedSemaphore(2)
RENDER_WAIT = 30


def _pixels(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    number = ascii_int(value, 200, 8000)
    if number is None:
        raise ValueError(f"„{value[:20]}“ (Parameter {name}) ist keine Pixelzahl "
                         "zwischen 200 und 8000.")
    return number


def _size(width: int | None, height: int | None) -> tuple[int | None, int | None]:
    if width and height and width * height > MAX_PIXELS:
        raise ValueError(f"{width} × {height} Pixel sind zu groß; höchstens "
                         f"{MAX_PIXELS // 1_000_000} Megapixel (z. B. 5000 × 5000).")
    return width, height


@contextmanager
def render_slot() -> Iterator[None]:
    """One of the bounded render slots; RuntimeError (German) when none frees up in time."""
    if not RENDERS.acquire(timeout=RENDER_WAIT):
        raise RuntimeError("Gerade werden zu viele Exporte erstellt; bitte in einer Minute "
                           "noch einmal versuchen.")
    try:
        yield
    finally:
        RENDERS.release()


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
            width, height = _size(_pixels(opts.get("breite"), "breite"),
                                  _pixels(opts.get("hoehe"), "hoehe"))
            with render_slot():
                body = export.render_map(
                    repo, state, fmt, opts.get("papier") or "a4quer", width, height,
                    labels=state.karte.namen, institutions=state.schulen)
                if fmt == "png" and (width or 0) * (height or 0) >= BIG_PIXELS:
                    # matplotlib's figure graph has reference cycles: collect them now, or
                    # each big picture's pixel buffer waits for the next full collection
                    # (memory grew by ~25 MiB per 16-MP export without this).
                    gc.collect()
        except ValueError as err:
            return _error(str(err))
        except RuntimeError as err:
            return _error(str(err), 503)
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
        if year_text and ascii_int(year_text, 1000, 9999) is None:
            return _error(f"„{year_text[:20]}“ (Parameter jahr) ist keine Jahreszahl.")
        try:
            with render_slot():
                body = export.render_profile_pdf(repo, area_id,
                                                 int(year_text) if year_text else None)
        except ValueError as err:
            return _error(str(err))
        except RuntimeError as err:
            return _error(str(err), 503)
        return _download(body, "pdf", export.profile_filename(
            repo, area_id, int(year_text) if year_text else None))
