"""Sign-in and the role of each request (issue 16).

`RequestAccess` is the access check the app's `PublishedAtlas` is built with: for every call it
asks `current_role()`, so the disclosure control and the access check sit at one boundary and
no view, export or route can hand an anonymous visitor an internal value (see
`geodata.statistics.access`).

Roles come from the sign-in mode (`geodata.model.authconfig`):

- no mode: the local user on a loopback-bound app is ``redaktion`` (requests from this
  machine); elsewhere everyone is ``oeffentlich`` (read-only);
- ``lokal``: ``/anmelden`` form, argon2-checked against the account file; throttled
  (flask-limiter); the role is kept in the signed session cookie;
- ``oidc``: ``/anmelden`` redirects to the provider (Authlib), ``/anmelden/oidc`` takes the
  answer; the groups claim maps to a role;
- ``proxy``: user and groups from headers, only from the configured proxy addresses.

Sign-in failures go to the audit log.
"""

from __future__ import annotations

import html
import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, has_request_context, redirect, request, session

from geodata.model.authconfig import LOOPBACK_HOSTS, AuthSettings
from geodata.statistics.access import ANONYMOUS, EDITOR, PUBLIC, ROLE_NAMES, Role

log = logging.getLogger("bildungsatlas.anmeldung")
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")


class RequestAccess:
    """The `Access` of the current request (anonymous outside a request)."""

    @property
    def key(self) -> str:
        return current_role().key

    def sees(self, ind: Any, level: str | None = None) -> bool:
        return current_role().sees(ind, level)

    def sees_everywhere(self, ind: Any) -> bool:
        return current_role().sees_everywhere(ind)

    @property
    def staff(self) -> bool:
        return current_role().staff

    @property
    def user(self) -> str:
        return current_user()

    @property
    def sign_in(self) -> str:
        """The sign-in mode: ``lokal``, ``oidc``, ``proxy`` or "" (none)."""
        return _config()["settings"].mode if has_request_context() else ""

    @property
    def editor(self) -> bool:
        return current_role().editor


def _config(app: Flask | None = None) -> dict:
    from flask import current_app

    return (app or current_app).extensions["bildungsatlas_auth"]


def current_role() -> Role:
    """The role of the current request (cached on ``g``); anonymous outside a request."""
    if not has_request_context():
        return ANONYMOUS
    cached = getattr(g, "ba_role", None)
    if cached is not None:
        return cached
    cfg = _config()
    settings: AuthSettings = cfg["settings"]
    role, user = PUBLIC, ""
    if settings.mode == "":
        if cfg["local"] and request.remote_addr in LOOPBACK_ADDRESSES:
            role, user = EDITOR, "lokal"
    elif settings.mode == "proxy":
        if request.remote_addr in settings.proxy_addresses:
            user = request.headers.get(settings.user_header, "")
            groups = [x.strip() for x in request.headers.get(settings.groups_header, "")
                      .split(",") if x.strip()]
            role = settings.role_of(groups) if user else PUBLIC
    else:
        role, user = session.get("rolle", PUBLIC), session.get("benutzer", "")
    g.ba_role, g.ba_user = Role(role), user
    return g.ba_role


def signed_in() -> bool:
    """Whether the request carries a sign-in (a session or trusted proxy headers): its answers
    are for this user only (``Cache-Control: private``)."""
    return current_role().key != PUBLIC and _config()["settings"].mode != ""


def current_user() -> str:
    current_role()
    return getattr(g, "ba_user", "") if has_request_context() else ""


def audit_writer(repo: Any) -> Any:
    """A function ``(action, who, what)`` writing to the data store's audit log
    (`geodata.storage.audit`); on a fixed repository (no store) the log only."""
    store = getattr(repo, "store", None)

    def write(action: str, who: str, what: str) -> None:
        log.info("Protokoll: %s %s %s", action, who, what)
        if store is not None:
            from geodata.storage.audit import write_entry

            try:
                write_entry(store, action, who, what)
            except Exception as err:  # noqa: BLE001 (never breaks the request; logged)
                log.error("Protokoll nicht geschrieben: %s", err)
    write.store = store  # type: ignore[attr-defined]
    return write


def audit(action: str, what: str) -> None:
    """An audit-log entry by the current user."""
    _config()["audit"](action, current_user() or "–", what)


def _secret_key(folder: Path) -> bytes:
    """``$BILDUNGSATLAS_SECRET_KEY``, else a key file made once (shared by all workers)."""
    env = os.environ.get("BILDUNGSATLAS_SECRET_KEY")
    if env:
        return env.encode("utf-8")
    path = folder / ".bildungsatlas-schluessel"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    return path.read_text().strip().encode("utf-8")


# The sign-in page: a plain form, readable without the app's scripts (inline style; the
# assets folder would put it on every Dash page).
SIGN_IN_CSS = """.ba-signin:has(.ba-protokoll) { max-width: 64rem; }
.ba-protokoll { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
.ba-protokoll th, .ba-protokoll td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #ddd; }
body { font-family: "DejaVu Sans", system-ui, sans-serif; background: #f5f6f8; color: #1a1a1a; margin: 0; }
.ba-signin { max-width: 26rem; margin: 12vh auto; background: #fff; padding: 24px 28px; border-radius: 6px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.12); }
.ba-signin h1 { font-size: 1.4rem; color: #1f4e79; margin-top: 0; }
.ba-signin label { display: block; margin: 12px 0; font-size: 0.95rem; }
.ba-signin input { display: block; width: 100%; box-sizing: border-box; padding: 8px; margin-top: 4px; font-size: 1rem; border: 1px solid #8a8a8a; border-radius: 4px; }
.ba-signin button { background: #1f4e79; color: #fff; border: 0; padding: 9px 18px; font-size: 1rem; border-radius: 4px; cursor: pointer; }
.ba-signin button:focus-visible, .ba-signin input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.ba-error { color: #9a3412; font-weight: 600; }"""


def _page(title: str, body: str, status: int = 200) -> Response:
    doc = (f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{title} · '
           'Bildungsatlas</title><meta name="viewport" content="width=device-width, '
           f'initial-scale=1"><style>{SIGN_IN_CSS}</style></head><body>'
           f'<main class="ba-signin"><h1>{title}</h1>{body}</main></body></html>')
    return Response(doc, status=status, mimetype="text/html")


def _safe_next(target: str | None) -> str:
    """Only a path of this app (no open redirect)."""
    t = target or "/"
    parts = urlsplit(t)
    return t if t.startswith("/") and not t.startswith("//") and not parts.netloc else "/"


def init_auth(server: Flask, settings: AuthSettings, bind_host: str, key_folder: Path,
              audit: Any = None) -> None:
    """Sign-in routes, the session key and the throttle on ``server``."""
    local = bind_host in LOOPBACK_HOSTS
    server.extensions["bildungsatlas_auth"] = {"settings": settings, "local": local,
                                               "audit": audit or (lambda *_a: None)}
    server.secret_key = _secret_key(key_folder)
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_NAME="bildungsatlas_sitzung")
    if settings.mode == "" and not local:
        log.warning("Bildungsatlas: an %s gebunden und keine Anmeldung eingerichtet – die App "
                    "läuft nur lesend und öffentlich (interne Indikatoren, Import und "
                    "Speichern sind aus). Anmeldung in atlas.toml [anmeldung] einrichten.",
                    bind_host)
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=server, storage_uri="memory://",
                      default_limits=[], headers_enabled=False)

    def record_failure(user: str, why: str) -> None:
        log.warning("Anmeldung fehlgeschlagen: %s (%s) von %s", user, why, request.remote_addr)
        if audit is not None:
            audit("anmeldung_fehlgeschlagen", user or "–", f"{why} von {request.remote_addr}")

    oauth_client = None
    if settings.mode == "oidc":
        from authlib.integrations.flask_client import OAuth

        oauth = OAuth(server)
        oauth_client = oauth.register(
            "oidc", client_id=settings.client_id, client_secret=settings.client_secret,
            server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
            client_kwargs={"scope": settings.scope})

    def form(message: str = "", status: int = 200, name: str = "") -> Response:
        note = f'<p class="ba-error" role="alert">{html.escape(message)}</p>' if message else ""
        nxt = html.escape(_safe_next(request.values.get("weiter")))
        given = html.escape(name)
        return _page("Anmelden", note + (
            '<form method="post" action="/anmelden">'
            f'<input type="hidden" name="weiter" value="{nxt}">'
            '<label>Benutzername <input name="benutzer" autocomplete="username" required '
            f'value="{given}"{"" if given else " autofocus"}></label><label>Passwort <input '
            'name="passwort" type="password" autocomplete="current-password" required'
            f'{" autofocus" if given else ""}></label>'
            '<button type="submit">Anmelden</button></form>'
            '<p><a href="/">Ohne Anmeldung weiter (öffentliche Ansicht)</a></p>'), status)

    @server.route("/anmelden", methods=["GET"])
    def sign_in_page() -> Any:
        if settings.mode == "oidc" and oauth_client is not None:
            session["weiter"] = _safe_next(request.args.get("weiter"))
            return oauth_client.authorize_redirect(request.host_url.rstrip("/")
                                                   + "/anmelden/oidc")
        if settings.mode != "lokal":
            return _page("Anmelden", "<p>Für diese Installation ist keine Anmeldung über die "
                         "App eingerichtet (siehe Betriebshandbuch).</p>", 404)
        return form()

    @server.route("/anmelden", methods=["POST"])
    @limiter.limit(settings.sign_in_limit, methods=["POST"],
                   error_message="Zu viele Anmeldeversuche; bitte eine Minute warten.")
    def sign_in() -> Any:
        if settings.mode != "lokal":
            return _page("Anmelden", "<p>Keine lokale Anmeldung eingerichtet.</p>", 404)
        from geodata.model.accounts import read_accounts, verify

        name = request.form.get("benutzer", "")[:64].strip().lower()
        try:
            accounts = read_accounts(settings.accounts_file)
        except ValueError as err:
            log.error("%s", err)
            return form("Die Anmeldung ist gerade nicht möglich (Benutzerdatei unlesbar).", 503)
        acc = verify(accounts, name, request.form.get("passwort", "")[:1024])
        if acc is None:
            record_failure(name, "falscher Name oder falsches Passwort")
            return form("Benutzername oder Passwort stimmen nicht.", 401, name)
        session.clear()
        session.update(benutzer=acc.name, rolle=acc.role)
        return redirect(_safe_next(request.form.get("weiter")), 303)

    @server.route("/anmelden/oidc")
    def sign_in_oidc() -> Any:
        if oauth_client is None:
            return _page("Anmelden", "<p>Keine OIDC-Anmeldung eingerichtet.</p>", 404)
        try:
            token = oauth_client.authorize_access_token()
        except Exception as err:  # noqa: BLE001 (Authlib raises several kinds; never a 500)
            record_failure("", f"OIDC: {type(err).__name__}: {str(err)[:160]}")
            return _page("Anmelden", "<p>Die Anmeldung beim Anmeldedienst ist fehlgeschlagen. "
                         '<a href="/anmelden">Noch einmal versuchen</a></p>', 401)
        claims = token.get("userinfo") or {}
        groups = claims.get(settings.groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        user = str(claims.get("preferred_username") or claims.get("email") or
                   claims.get("sub", ""))
        nxt = session.get("weiter", "/")
        session.clear()
        session.update(benutzer=user, rolle=settings.role_of([str(x) for x in groups]))
        return redirect(_safe_next(nxt), 303)

    @server.route("/abmelden", methods=["POST"])
    def sign_out() -> Any:
        session.clear()
        return redirect("/", 303)

    @server.route("/protokoll")
    def audit_page() -> Any:
        """The audit log, for the Redaktion only."""
        if not current_role().editor:
            return _page("Protokoll", "<p>Das Protokoll ist nur für die Redaktion.</p>", 403)
        store = getattr(audit, "store", None)
        if store is None:
            return _page("Protokoll", "<p>Diese Installation läuft ohne Datenspeicher; das "
                         "Protokoll steht nur im Log des Servers.</p>")
        from geodata.storage.audit import ACTIONS, read_entries

        rows = "".join(f"<tr><td>{html.escape(e.when)}</td><td>"
                       f"{html.escape(ACTIONS.get(e.action, e.action))}</td><td>"
                       f"{html.escape(e.who)}</td><td>{html.escape(e.what)}</td></tr>"
                       for e in read_entries(store))
        return _page("Protokoll", '<table class="ba-protokoll"><caption>Die letzten 200 '
                     'Einträge, neueste zuerst (Zeit in UTC)</caption><thead><tr>'
                     '<th scope="col">Zeit</th><th scope="col">Aktion</th><th scope="col">Wer'
                     '</th><th scope="col">Was</th></tr></thead><tbody>'
                     f'{rows or "<tr><td colspan=4>noch keine Einträge</td></tr>"}'
                     '</tbody></table><p><a href="/">Zum Atlas</a></p>')

    @server.route("/api/ich")
    def whoami() -> Any:
        role = current_role()
        return {"benutzer": current_user(), "rolle": role.key,
                "rolle_name": ROLE_NAMES[role.key],
                "anmeldung": settings.mode or ("lokal-vertraut" if local else "keine")}
