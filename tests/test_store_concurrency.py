"""Review findings on the stores: two imports at the same time never overwrite each other
silently, and a live repository retries a version it failed to load."""

from __future__ import annotations

import pytest

from geodata.importer.core import ImportRequest, Upload, run_import
from geodata.importer.values import ValueOptions
from geodata.model.errors import DataFileError
from geodata.model.settings import load_settings
from geodata.storage import live as live_module
from geodata.storage.live import LiveRepository
from geodata.storage.store import BASE_VERSION, GpkgStore
from geodata.storage.versions import StaleVersionError

# 2023 residents of Rüsselsheim am Main, made up for the test (the demo has about 67 000)
TABLE_A = "Schlüssel;Name;Einwohner\n06433012;Rüsselsheim am Main;11\n"
TABLE_B = "Schlüssel;Name;Einwohner\n06433012;Rüsselsheim am Main;22\n"


def _request(text: str) -> ImportRequest:
    return ImportRequest(tables=[(Upload("ew.csv", text.encode()), ValueOptions(year=2023))])


def _residents(store) -> float:
    vals = store.read().values.set_index(["area_id", "indicator_id", "year"])["value"]
    return float(vals[("06433012", "einwohner", 2023)])


def test_an_import_checked_against_an_old_version_is_not_written(tmp_path, monkeypatch):
    store = GpkgStore(tmp_path / "daten")
    settings = load_settings()
    # Import B is saved while import A is still being checked: A read the base version.
    real_read = store.read

    def read_then_other_import():
        tables = real_read()
        monkeypatch.setattr(store, "read", real_read)
        assert run_import(store, settings, _request(TABLE_B), note="B").version
        return tables

    monkeypatch.setattr(store, "read", read_then_other_import)
    result_a = run_import(store, settings, _request(TABLE_A), note="A")
    assert result_a.version is None
    assert any("Inzwischen wurde ein anderer Import gespeichert" in i.message
               for i in result_a.report.errors)
    assert _residents(store) == 22  # B stays, A did not silently replace it
    assert [v.note for v in store.versions()] == ["B", "Ausgangsdaten (Demo-Atlas)"]


def test_write_with_a_stale_base_raises(tmp_path):
    store = GpkgStore(tmp_path / "daten")
    tables = store.read()
    vid = store.write(tables, "eins", base=BASE_VERSION)
    with pytest.raises(StaleVersionError, match="bitte die Dateien noch einmal prüfen"):
        store.write(tables, "zwei", base=BASE_VERSION)
    assert store.current_version() == vid


def test_a_version_that_failed_to_load_is_tried_again(tmp_path, monkeypatch):
    store = GpkgStore(tmp_path / "daten")
    settings = load_settings()
    live = LiveRepository(store, settings, poll_seconds=0)
    assert run_import(store, settings, _request(TABLE_A), note="A").version
    real_read = store.read
    calls = {"n": 0}

    def flaky_read():
        calls["n"] += 1
        if calls["n"] == 1:
            raise DataFileError("kurz nicht lesbar")
        return real_read()

    monkeypatch.setattr(store, "read", flaky_read)
    monkeypatch.setattr(live_module, "RETRY_SECONDS", 0.0)
    live.snapshot()  # starts the first (failing) load in the background
    live._loading.join(30)
    assert "kurz nicht lesbar" in live.last_error
    assert live.snapshot().value("06433012", "einwohner", 2023).value != 11  # still the old
    live.snapshot()  # the retry
    live._loading.join(30)
    assert live.snapshot().value("06433012", "einwohner", 2023).value == 11


def test_upload_page_needs_the_password_or_this_machine(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.delenv("BILDUNGSATLAS_IMPORT_PASSWORT", raising=False)
    client = create_app(store=GpkgStore(tmp_path / "daten")).server.test_client()
    assert client.get("/daten-importieren/").status_code == 200  # 127.0.0.1
    far = client.get("/daten-importieren/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert far.status_code == 403 and "BILDUNGSATLAS_IMPORT_PASSWORT" in far.get_data(True)
    assert client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    monkeypatch.setenv("BILDUNGSATLAS_IMPORT_PASSWORT", "geheim")
    assert client.get("/daten-importieren/").status_code == 401
    assert client.get("/daten-importieren/", auth=("x", "falsch")).status_code == 401
    assert client.get("/daten-importieren/", auth=("x", "geheim"),
                      environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
