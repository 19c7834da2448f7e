"""Local accounts for small offices without an identity provider (issue 16).

The accounts live in a JSON file (``benutzer.json`` next to ``atlas.toml``, or the path in
``[anmeldung] benutzerdatei``) with argon2id hashes only, never a password::

    {"benutzer": [{"name": "mueller", "rolle": "intern", "hash": "$argon2id$..."}]}

Managed by a command (German, like the rest of the interface)::

    python3 -m geodata.model.accounts benutzer anlegen NAME --rolle intern
    python3 -m geodata.model.accounts benutzer passwort NAME
    python3 -m geodata.model.accounts benutzer entfernen NAME
    python3 -m geodata.model.accounts benutzer liste

The password is read from the terminal (twice), or from standard input with
``--passwort-stdin`` (for scripts). The file is replaced atomically.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geodata.model.settings import PACKAGE_DIR

DEFAULT_FILE = PACKAGE_DIR / "benutzer.json"
ACCOUNT_ROLES = ("intern", "redaktion")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
# A hash to verify against for an unknown name, so that a wrong name takes as long as a
# wrong password (no user enumeration by timing).
_DUMMY = _HASHER.hash("kein-benutzer-vorhanden")


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    hash: str


def read_accounts(path: Path = DEFAULT_FILE) -> dict[str, Account]:
    """The accounts of the file (none if it does not exist). Raises ValueError (German) for a
    broken file."""
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for entry in raw.get("benutzer", []):
            acc = Account(str(entry["name"]), str(entry["rolle"]), str(entry["hash"]))
            if acc.role not in ACCOUNT_ROLES:
                raise ValueError(f"unbekannte Rolle „{acc.role}“ bei {acc.name}")
            out[acc.name] = acc
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"Die Benutzerdatei {path} ist nicht lesbar: {err}") from err


def write_accounts(accounts: dict[str, Account], path: Path = DEFAULT_FILE) -> None:
    """Write the file atomically (readable only by its owner)."""
    body = json.dumps({"benutzer": [{"name": a.name, "rolle": a.role, "hash": a.hash}
                                    for a in sorted(accounts.values(), key=lambda a: a.name)]},
                      ensure_ascii=False, indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".benutzer-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(accounts: dict[str, Account], name: str, password: str) -> Account | None:
    """The account if ``password`` is right, else None (constant work for unknown names)."""
    acc = accounts.get(name)
    try:
        _HASHER.verify(acc.hash if acc else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return acc


def check_new(name: str, role: str, password: str) -> None:
    """Raise ValueError (German) for a bad name, role or password."""
    if not NAME_RE.fullmatch(name):
        raise ValueError("Der Benutzername darf nur Kleinbuchstaben, Ziffern und . _ @ - "
                         "enthalten (höchstens 64 Zeichen).")
    if role not in ACCOUNT_ROLES:
        raise ValueError(f"Die Rolle „{role}“ gibt es nicht; möglich: "
                         f"{', '.join(ACCOUNT_ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen.")


def _password(args: argparse.Namespace) -> str:
    if args.passwort_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passwort: ")
    if getpass.getpass("Passwort wiederholen: ") != first:
        raise ValueError("Die beiden Passwörter stimmen nicht überein.")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m geodata.model.accounts",
                                     description="Lokale Benutzerkonten des Bildungsatlas.")
    parser.add_argument("--datei", type=Path, default=DEFAULT_FILE, help="Benutzerdatei")
    sub = parser.add_subparsers(dest="bereich", required=True)
    users = sub.add_parser("benutzer", help="Benutzer verwalten")
    act = users.add_subparsers(dest="aktion", required=True)
    for name, helptext in (("anlegen", "Benutzer anlegen"),
                           ("passwort", "Passwort ändern"),
                           ("entfernen", "Benutzer entfernen")):
        p = act.add_parser(name, help=helptext)
        p.add_argument("name")
        if name == "anlegen":
            p.add_argument("--rolle", default="intern", choices=ACCOUNT_ROLES)
        if name != "entfernen":
            p.add_argument("--passwort-stdin", action="store_true",
                           help="Passwort von der Standardeingabe lesen")
    act.add_parser("liste", help="Benutzer auflisten")
    args = parser.parse_args(argv)
    try:
        accounts = read_accounts(args.datei)
        if args.aktion == "liste":
            for a in sorted(accounts.values(), key=lambda a: a.name):
                print(f"{a.name}\t{a.role}")
            return 0
        if args.aktion == "entfernen":
            if accounts.pop(args.name, None) is None:
                raise ValueError(f"Den Benutzer „{args.name}“ gibt es nicht.")
            write_accounts(accounts, args.datei)
            print(f"Benutzer „{args.name}“ entfernt.")
            return 0
        if args.aktion == "anlegen" and args.name in accounts:
            raise ValueError(f"Den Benutzer „{args.name}“ gibt es schon; Passwort ändern mit "
                             "„benutzer passwort“.")
        if args.aktion == "passwort" and args.name not in accounts:
            raise ValueError(f"Den Benutzer „{args.name}“ gibt es nicht.")
        role = args.rolle if args.aktion == "anlegen" else accounts[args.name].role
        password = _password(args)
        check_new(args.name, role, password)
        accounts[args.name] = Account(args.name, role, hash_password(password))
        write_accounts(accounts, args.datei)
        print(f"Benutzer „{args.name}“ ({role}) gespeichert in {args.datei}.")
        return 0
    except ValueError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
