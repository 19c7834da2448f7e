"""The audit log (issue 16): who did what when – imports, restores, index saves, sign-in
failures – stored with the data:

- GeoPackage store: table ``protokoll`` in ``<data folder>/protokoll.gpkg`` (a GeoPackage is
  SQLite; one small file beside the versions, written in WAL mode by any worker);
- PostGIS store: table ``<meta schema>.protokoll`` in the same database.

`write_entry(store, action, who, what)` appends (never updates or deletes);
`read_entries(store, limit)` gives the newest first. Only ``redaktion`` reads them (the route
checks the role).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACTIONS = {"import": "Import", "wiederherstellen": "Wiederherstellen",
           "index_speichern": "Index gespeichert", "index_veroeffentlichen": "Index veröffentlicht",
           "anmeldung_fehlgeschlagen": "Anmeldung fehlgeschlagen"}
MAX_TEXT = 500


@dataclass(frozen=True)
class Entry:
    when: str  # ISO 8601, UTC
    action: str
    who: str
    what: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sqlite(store: Any) -> sqlite3.Connection:
    path = Path(store.data_dir) / "protokoll.gpkg"
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS protokoll (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                 "zeit TEXT NOT NULL, aktion TEXT NOT NULL, wer TEXT NOT NULL, was TEXT NOT NULL)")
    return conn


def write_entry(store: Any, action: str, who: str, what: str) -> None:
    """Append one entry (texts cut to 500 characters)."""
    row = (_now(), action[:60], (who or "–")[:MAX_TEXT], (what or "")[:MAX_TEXT])
    if hasattr(store, "url"):  # PostGIS
        from geodata.storage.postgis import META, _connect

        with _connect(store.url) as conn, conn.transaction():
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {META}")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {META}.protokoll (id bigserial PRIMARY "
                         "KEY, zeit timestamptz NOT NULL, aktion text NOT NULL, wer text NOT "
                         "NULL, was text NOT NULL)")
            conn.execute(f"INSERT INTO {META}.protokoll (zeit, aktion, wer, was) "
                         "VALUES (%s, %s, %s, %s)", row)
        return
    with _sqlite(store) as conn:
        conn.execute("INSERT INTO protokoll (zeit, aktion, wer, was) VALUES (?, ?, ?, ?)", row)
    conn.close()


def read_entries(store: Any, limit: int = 200) -> list[Entry]:
    """The newest ``limit`` entries, newest first."""
    if hasattr(store, "url"):
        import psycopg

        from geodata.storage.postgis import META, _connect

        try:
            with _connect(store.url) as conn:
                rows = conn.execute(f"SELECT zeit, aktion, wer, was FROM {META}.protokoll "
                                    "ORDER BY id DESC LIMIT %s", (limit,)).fetchall()
        except psycopg.errors.UndefinedTable:
            return []
        return [Entry(r[0].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), r[1], r[2], r[3])
                for r in rows]
    conn = _sqlite(store)
    try:
        rows = conn.execute("SELECT zeit, aktion, wer, was FROM protokoll ORDER BY id DESC "
                            "LIMIT ?", (limit,)).fetchall()
    finally:
        conn.close()
    return [Entry(*r) for r in rows]
