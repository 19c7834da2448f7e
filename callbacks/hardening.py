"""Hardening of the Flask server under the Dash app (issue 16).

- **Host check** on every request: the host names of ``[server] hosts``; without a list, on a
  loopback-bound app only loopback names (so a DNS-rebinding page cannot drive it);
- **Origin check** on every state-changing request (any method but GET/HEAD/OPTIONS: Dash
  callbacks, uploads, restores, sign-in and sign-out): the ``Origin`` (else the ``Referer``)
  must be this app's own; a request with neither is refused too (a browser always sends
  one);
- **request-size limits** per route: ``[server] max_anfrage_kb`` for everything, the
  importer's limit only for the upload page;
- **security headers** with flask-talisman: a Content-Security-Policy the app's own scripts
  pass (Dash's inline renderer start by its hash), ``frame-ancestors 'none'``, nosniff,
  ``Referrer-Policy``;
- **404** (German) for unknown Dash component paths instead of a 500 with a traceback.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import Response, request

from geodata.model.authconfig import LOOPBACK_HOSTS, AuthSettings

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
UPLOAD_PREFIX = "/daten-importieren/"


def _refuse(message: str, status: int) -> Response:
    wants_json = request.path.startswith(("/api/", "/_dash", "/export/", "/index/")) or \
        "/_dash" in request.path
    if wants_json:
        return Response(json.dumps({"fehler": message}, ensure_ascii=False), status=status,
                        mimetype="application/json")
    return Response(message, status=status, mimetype="text/plain")


def _hostname(netloc: str) -> str:
    try:
        return (urlsplit("//" + netloc).hostname or "").lower()
    except ValueError:
        return ""


def allowed_hosts(settings: AuthSettings, bind_host: str) -> tuple[str, ...] | None:
    """The host names accepted, None for any."""
    if settings.hosts:
        return settings.hosts
    if bind_host in LOOPBACK_HOSTS:
        return ("127.0.0.1", "localhost", "::1")
    return None


def init_hardening(app: Any, settings: AuthSettings, bind_host: str,
                   upload_limit: int, extra_images: tuple[str, ...] = ()) -> None:
    """Install the checks and headers on ``app.server`` (call after every route exists)."""
    server = app.server
    server.extensions.setdefault("ba_callback_maps", []).append(app.callback_map)
    hosts = allowed_hosts(settings, bind_host)
    limit = settings.max_request_kb * 1024
    server.config["MAX_CONTENT_LENGTH"] = max(upload_limit, limit)

    @server.before_request
    def check_request() -> Response | None:
        host = _hostname(request.host)
        if hosts is not None and host not in hosts:
            return _refuse(f"Diese Adresse („{request.host[:60]}“) bedient der Bildungsatlas "
                           "nicht (Host-Prüfung; siehe [server] hosts in atlas.toml).", 421)
        size = request.content_length or 0
        cap = upload_limit if request.path.startswith(UPLOAD_PREFIX) else limit
        if size > cap:
            return _refuse(f"Die Anfrage ist zu groß (höchstens {cap // 1024} kB).", 413)
        if request.method in SAFE_METHODS:
            return None
        if request.path.endswith("/_dash-update-component"):
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            maps = server.extensions.get("ba_callback_maps", [])
            if not isinstance(output, str) or not any(output in m for m in maps):
                return _refuse("Unbekannte Anfrage an die Oberfläche.", 400)
        origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
        if not origin or origin == "null":
            return _refuse("Anfrage abgelehnt: Es fehlt die Herkunft (Origin).", 403)
        parts = urlsplit(origin)
        if parts.netloc.lower() != request.host.lower() or parts.scheme not in ("http",
                                                                                 "https"):
            return _refuse("Anfrage abgelehnt: Sie kommt von einer fremden Seite "
                           f"({parts.netloc[:60] or origin[:60]}).", 403)
        return None

    @server.errorhandler(413)
    def too_large(_err: Any) -> Response:
        return _refuse("Die Anfrage ist zu groß.", 413)

    from dash.exceptions import CallbackException, DependencyException, InvalidCallbackReturnValue

    @server.errorhandler(CallbackException)
    @server.errorhandler(InvalidCallbackReturnValue)
    def malformed_callback(_err: Any) -> Response:
        return _refuse("Fehlerhafte Anfrage an die Oberfläche.", 400)

    @server.errorhandler(DependencyException)
    def unknown_asset(_err: Any) -> Response:
        return _refuse("Diese Datei gibt es nicht.", 404)

    from flask_talisman import Talisman

    hashes = list(app.csp_hashes())  # quoted already: "'sha256-…'"
    csp = {
        "default-src": "'self'",
        "script-src": ["'self'", *hashes],
        "style-src": ["'self'", "'unsafe-inline'"],  # plotly and leaflet set inline styles
        "img-src": ["'self'", "data:", "blob:", *extra_images],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "worker-src": ["'self'", "blob:"],
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
    Talisman(server, force_https=False, strict_transport_security=False,
             session_cookie_secure=False, content_security_policy=csp,
             frame_options="DENY", referrer_policy="strict-origin-when-cross-origin",
             x_content_type_options=True)
