"""Sign-in and server settings from ``atlas.toml`` (issue 16): sections ``[anmeldung]`` and
``[server]``. Environment variables override the file (for containers and tests).

``[anmeldung] modus``:

- ``""`` (default): no sign-in. On 127.0.0.1 the local user is ``redaktion``; bound to any
  other address the app is read-only and public (and says so in the log);
- ``lokal``: local accounts (`geodata.model.accounts`, argon2 hashes in ``benutzerdatei``);
- ``oidc``: OpenID Connect (``aussteller``, ``client_id``, ``client_secret`` or the variable
  ``BILDUNGSATLAS_OIDC_SECRET``, ``gruppen_claim``);
- ``proxy``: a trusted reverse proxy signs in and sends the user and the groups in headers
  (``kopf_benutzer``, ``kopf_gruppen``), accepted only from ``proxy_adressen``.

``[anmeldung.rollen]`` maps groups to roles: ``intern = ["bildungsbuero"]``,
``redaktion = ["bildungsbuero-redaktion"]`` (OIDC and proxy).

``[server] hosts``: the host names the app answers to (Host header); empty = loopback names
only on 127.0.0.1, else any (with a warning in the log). ``max_anfrage_kb``: body limit of an
ordinary request; uploads have their own (the importer's).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from geodata.model.settings import DEFAULT_CONFIG, PACKAGE_DIR

MODES = ("", "lokal", "oidc", "proxy")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


@dataclass(frozen=True)
class AuthSettings:
    mode: str = ""
    accounts_file: Path = PACKAGE_DIR / "benutzer.json"
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    groups_claim: str = "groups"
    scope: str = "openid profile email"
    proxy_addresses: tuple[str, ...] = ()
    user_header: str = "X-Forwarded-User"
    groups_header: str = "X-Forwarded-Groups"
    role_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hosts: tuple[str, ...] = ()
    max_request_kb: int = 512
    sign_in_limit: str = "10 per minute"

    def role_of(self, groups: list[str] | tuple[str, ...]) -> str:
        """The highest role any of the groups maps to; ``oeffentlich`` without one."""
        got = set(groups)
        for role in ("redaktion", "intern"):
            if got & set(self.role_groups.get(role, ())):
                return role
        return "oeffentlich"


def load_auth_settings(path: Path = DEFAULT_CONFIG) -> AuthSettings:
    """Read ``[anmeldung]`` and ``[server]``; raises ValueError (German) for a bad entry."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"Die Konfiguration {path} ist nicht lesbar: {err}") from err
    a = raw.get("anmeldung", {})
    s = raw.get("server", {})
    env = os.environ
    mode = env.get("BILDUNGSATLAS_ANMELDUNG", a.get("modus", ""))
    if mode not in MODES:
        raise ValueError(f"[anmeldung] modus „{mode}“ gibt es nicht; möglich: lokal, oidc, "
                         "proxy oder leer.")
    accounts = Path(env.get("BILDUNGSATLAS_BENUTZERDATEI", a.get("benutzerdatei", "")) or
                    PACKAGE_DIR / "benutzer.json")
    if not accounts.is_absolute():
        accounts = path.parent / accounts
    hosts = env.get("BILDUNGSATLAS_HOSTS")
    roles = {k: tuple(v) for k, v in a.get("rollen", {}).items()}
    if set(roles) - {"intern", "redaktion"}:
        raise ValueError("[anmeldung.rollen] kennt nur intern und redaktion.")
    proxies = env.get("BILDUNGSATLAS_PROXY_ADRESSEN")
    return AuthSettings(
        mode=mode,
        accounts_file=accounts,
        issuer=env.get("BILDUNGSATLAS_OIDC_AUSSTELLER", a.get("aussteller", "")).rstrip("/"),
        client_id=env.get("BILDUNGSATLAS_OIDC_CLIENT", a.get("client_id", "")),
        client_secret=env.get("BILDUNGSATLAS_OIDC_SECRET", a.get("client_secret", "")),
        groups_claim=a.get("gruppen_claim", "groups"),
        scope=a.get("scope", "openid profile email"),
        proxy_addresses=tuple(proxies.split(",")) if proxies else tuple(
            a.get("proxy_adressen", ())),
        user_header=a.get("kopf_benutzer", "X-Forwarded-User"),
        groups_header=a.get("kopf_gruppen", "X-Forwarded-Groups"),
        role_groups=roles,
        hosts=tuple(h.strip().lower() for h in hosts.split(",")) if hosts else tuple(
            str(h).lower() for h in s.get("hosts", ())),
        max_request_kb=int(s.get("max_anfrage_kb", 512)),
        sign_in_limit=a.get("anmeldeversuche", "10 per minute"),
    )
