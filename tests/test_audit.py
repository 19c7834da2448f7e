"""Issue 16: the audit log, stored with the data (GeoPackage store: protokoll.gpkg beside the
versions; PostGIS: atlas_meta.protokoll), written by imports (command and upload), restores,
index saves and failed sign-ins, shown at /protokoll to the Redaktion only."""

from __future__ import annotations

import sqlite3

import pytest

from app import create_app
from geodata.importer.core import run_import
from geodata.model.authconfig import AuthSettings
from geodata.model.settings import load_settings
from geodata.storage.audit import read_entries, write_entry
from geodata.storage.store import GpkgStore
from tests.test_import_store import _request
from tests.test_postgis import fresh_db  # noqa: F401 (fixture)


def test_gpkg_store_keeps_the_log_beside_the_versions(tmp_path):
    store = GpkgStore(tmp_path / "daten")
    result = run_import(store, load_settings(), _request(), note="Einwohner 2023",
                        who="schmidt")
    assert result.version
    write_entry(store, "wiederherstellen", "mueller", "Version basis")
    entries = read_entries(store)
    assert [(e.action, e.who) for e in entries] == [("wiederherstellen", "mueller"),
                                                     ("import", "schmidt")]
    assert entries[1].what == f"Version {result.version}: Einwohner 2023"
    # read back independently: it is an SQLite (GeoPackage) table in the data folder
    with sqlite3.connect(tmp_path / "daten" / "protokoll.gpkg") as conn:
        assert conn.execute("SELECT count(*) FROM protokoll").fetchone()[0] == 2
    run_import(store, load_settings(), _request())  # the command: the system user
    assert "(Kommandozeile)" in read_entries(store)[0].who


@pytest.mark.usefixtures("pg_server")
def test_postgis_store_keeps_the_log_in_the_database(fresh_db):  # noqa: F811
    import psycopg

    from geodata.storage.postgis import PostgisStore

    store = PostgisStore(fresh_db)
    assert read_entries(store) == []
    write_entry(store, "import", "schmidt", "Version x")
    write_entry(store, "anmeldung_fehlgeschlagen", "mallory", "falsches Passwort")
    assert [e.who for e in read_entries(store)] == ["mallory", "schmidt"]
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM atlas_meta.protokoll").fetchone()[0] == 2


def test_failed_sign_ins_are_logged_and_only_the_redaktion_reads_the_log(tmp_path):
    from tests.test_browser_signin import _accounts

    accounts = _accounts(tmp_path, ("schmidt", "redaktion", "lang-genug-2"))
    store = GpkgStore(tmp_path / "daten")
    app = create_app(store=store, bind_host="0.0.0.0",
                     auth=AuthSettings(mode="lokal", accounts_file=accounts))
    client = app.server.test_client()
    own = {"Origin": "http://localhost"}
    client.post("/anmelden", data={"benutzer": "mallory", "passwort": "x" * 12}, headers=own)
    assert client.get("/protokoll").status_code == 403  # anonymous
    client.post("/anmelden", data={"benutzer": "schmidt", "passwort": "lang-genug-2"},
                headers=own)
    page = client.get("/protokoll")
    assert page.status_code == 200
    text = page.get_data(True)
    assert "Anmeldung fehlgeschlagen" in text and "mallory" in text
