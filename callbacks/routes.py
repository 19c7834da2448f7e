"""HTTP routes beside the Dash app: geometry by URL and the read-only JSON API.

Geometry is served once per set of areas, cached in the repository and by the browser
(``Cache-Control`` with an ``ETag`` of the data version), gzip-compressed when accepted.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from functools import lru_cache

import orjson
from dash import Dash
from flask import Response, request

from callbacks.auth import signed_in
from geodata.model.entities import ROOT
from geodata.model.errors import UnknownAreaError
from geodata.model.provenance import STATUS_LABELS, Provenance
from geodata.statistics.published import PublishedAtlas
from geodata.statistics.suppression import SYMBOL
from geodata.views.labels import labels_geojson
from geodata.views.mapview import compute_map
from geodata.views.state import parse_query

CACHE_SECONDS = 3600


def provenance_json(prov: Provenance) -> dict[str, object]:
    """A value's provenance in the API: what it is, its sources, how it came about."""
    return {"art": prov.label, "synthetisch": prov.synthetic, "amtlich": prov.official,
            "quellen": prov.texts(), "berechnung": STATUS_LABELS.get(prov.status, "")}


def _json_error(message: str, status: int) -> Response:
    return Response(orjson.dumps({"fehler": message}), status=status,
                    mimetype="application/json")


def register(app: Dash, repo: PublishedAtlas) -> None:
    """Add ``/geo/...`` and ``/api/...`` routes to the Flask server."""
    server = app.server

    @lru_cache(maxsize=512)
    def compressed(body: bytes) -> bytes:
        return gzip.compress(body, compresslevel=6, mtime=0)

    def send_json(body: bytes, cache: bool) -> Response:
        """JSON with gzip and an ETag. ``cache``: a URL carrying the current data version
        (``?v=``) is immutable; any other answer must be revalidated (a new import may change
        it), which costs a 304 when nothing changed."""
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        if request.if_none_match.contains(etag):
            return Response(status=304)
        if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 1024:
            resp = Response(compressed(body), mimetype="application/json")
            resp.headers["Content-Encoding"] = "gzip"
        else:
            resp = Response(body, mimetype="application/json")
        resp.set_etag(etag)
        # An answer for a signed-in role is never stored by a shared cache (proxy).
        scope = "private" if signed_in() else "public"
        if cache and request.args.get("v") == repo.version:
            resp.headers["Cache-Control"] = f"{scope}, max-age={CACHE_SECONDS}, immutable"
        else:
            resp.headers["Cache-Control"] = "no-cache" if scope == "public" else \
                "private, no-cache"
        resp.headers["Vary"] = "Accept-Encoding, Cookie"
        return resp

    def sources_of(indicator_ids: list[str]) -> dict[str, str]:
        """{indicator: source text} for the attribution every answer must carry."""
        return {i: repo.indicators[i].source for i in indicator_ids}

    def view_geojson(parent: str, serialise: Callable[[str, str | None], bytes]) -> Response:
        """A view's GeoJSON (``_`` = top level, ``?ebene=`` = all areas of a level)."""
        level = request.args.get("ebene") or None
        if level is not None and level not in {lvl.id for lvl in repo.settings.levels}:
            return _json_error(f"Die Ebene „{level[:40]}“ gibt es nicht.", 404)
        try:
            return send_json(serialise(ROOT if parent == "_" else parent, level), cache=True)
        except UnknownAreaError as err:
            return _json_error(str(err), 404)

    @server.route("/geo/gebiete/<path:parent>.json")
    def area_geometry(parent: str) -> Response:
        return view_geojson(parent, repo.geojson)

    @server.route("/geo/namen/<path:parent>.json")
    def label_points(parent: str) -> Response:
        return view_geojson(parent, lambda p, lvl: labels_geojson(repo, p, lvl))

    @server.route("/api/karte")
    def api_map() -> Response:
        """Values, states and classes of a view; the query is the app's own URL query."""
        state, notes = parse_query(request.query_string.decode("utf-8", "replace"), repo)
        md = compute_map(repo, state)
        body = {
            "ids": list(md.area_ids),
            "texte": list(md.texts),
            "zustaende": list(md.states),
            "werte": list(md.values),
            "klassen": [c for c in md.classification.classes],
            "titel": md.title,
            "einheit": md.unit,
            "synthetisch": md.synthetic,
            "herkunft": list(md.origins),
            "quellen": sources_of(list(md.sources)),
            "quellenangaben": list(md.source_lines),
            "hinweise": notes,
        }
        return send_json(orjson.dumps(body), cache=False)

    @server.route("/geo/schulen/<path:area_id>.json")
    def school_points(area_id: str) -> Response:
        if area_id not in repo.areas:
            return _json_error(str(UnknownAreaError(area_id)), 404)
        inst_type = request.args.get("art") or None
        return send_json(repo.institutions_geojson(area_id, inst_type), cache=True)

    @server.route("/api/indikatoren")
    def api_indicators() -> Response:
        cat = [
            {
                "id": i.id, "name": i.name, "einheit": i.unit, "thema": i.topic,
                "beschreibung": i.description, "quelle": i.source, "richtung": i.direction,
                "dezimalstellen": i.decimals, "art": i.kind,
                "zaehler": i.numerator or None, "nenner": i.denominator or None,
                "faktor": i.factor, "synthetisch": i.synthetic,
                "geheimhaltung": i.confidential,
                "jahre": list(repo.years_for(i.id)),
            }
            for i in repo.indicators.values()
        ]
        return send_json(orjson.dumps(cat), cache=False)

    @server.route("/api/gebiete/<path:area_id>")
    def api_area(area_id: str) -> Response:
        try:
            area = repo.area(area_id)
        except UnknownAreaError as err:
            return _json_error(str(err), 404)
        # Suppressed and unrated values leave the server only as their symbol; published ones
        # rounded to the indicator's decimals (the published atlas gives nothing else); every
        # value says what it is and where it comes from (provenance per value, issue 17).
        values: dict[str, dict[str, float | str]] = {}
        origins: dict[str, dict[str, dict[str, object]]] = {}
        for ind_id in repo.indicators:
            by_year: dict[str, float | str] = {}
            for y in repo.years_for(ind_id):
                c = repo.cell(area_id, ind_id, y)
                if c.state == "keine_daten":
                    continue
                by_year[str(y)] = c.value if c.state == "ok" and c.value is not None \
                    else SYMBOL[c.state]
                prov = repo.provenance(area_id, ind_id, y)
                if prov is not None:
                    origins.setdefault(ind_id, {})[str(y)] = provenance_json(prov)
            if by_year:
                values[ind_id] = by_year
        body = {
            "id": area.area_id,
            "name": area.name,
            "ebene": area.level,
            "art": area.kind,
            "eltern_id": area.parent_id or None,
            "kinder_ids": list(repo.children_of(area_id)),
            "werte": values,
            "herkunft": origins,
            "synthetisch": sorted(i for i in values if any(
                o["synthetisch"] for o in origins.get(i, {}).values())),
            "quellen": sources_of(sorted(values)),
            "hinweis": "Indikatoren unter „synthetisch“ haben synthetische Beispielwerte "
                       "(welche, sagt „herkunft“ je Wert); "
                       f"„{SYMBOL['gesperrt']}“ = gesperrt (Geheimhaltung), "
                       f"„{SYMBOL['nicht_bewertet']}“ = nicht bewertet (zu wenige Einwohner).",
        }
        return send_json(orjson.dumps(body), cache=False)

    # Dash serves its page for every other path; unknown API paths get a JSON 404 instead.
    @server.route("/api/<path:rest>")
    @server.route("/geo/<path:rest>")
    def unknown_api_path(rest: str) -> Response:
        return _json_error(f"Die Adresse {request.path} gibt es nicht.", 404)
