"""Issue 17, point 7: what killed imports leave behind is cleaned up and reported at the next
start or import; a page's requests stay on the version its first request saw, and a worker
asked for a newer version switches within that request instead of seconds later."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from geodata.importer.core import ImportRequest, Upload, run_import
from geodata.importer.values import ValueOptions
from geodata.model.settings import load_settings
from geodata.storage.live import VERSION_HEADER, LiveRepository
from geodata.storage.store import BASE_VERSION, GpkgStore

TABLE = "Schlüssel;Einwohner\n06433012;11\n"


def _request() -> ImportRequest:
    return ImportRequest(tables=[(Upload("ew.csv", TABLE.encode()), ValueOptions(year=2023))])


@pytest.fixture()
def store(tmp_path):
    return GpkgStore(tmp_path / "daten")


def _leftovers(store: GpkgStore, version: str) -> dict[str, object]:
    """What a killed import leaves: a half-written GeoPackage, a GeoPackage moved into place
    without its registration (an orphan version), a half-written pointer."""
    torso = store.dir / ".20260101-000000-aaaaaa.tmp.gpkg"
    torso.write_bytes(b"SQLite format 3\0 half")
    orphan = store.dir / "20260101-000001-bbbbbb.gpkg"
    shutil.copy(store.path_of(version), orphan)
    pointer = store.data_dir / ".AKTUELL.4711.abcd1234.tmp"
    pointer.write_text("20260101-000001-bbbbbb")
    return {"torso": torso, "orphan": orphan, "pointer": pointer}


def test_the_next_import_removes_and_reports_what_a_killed_one_left(store):
    settings = load_settings()
    first = run_import(store, settings, _request()).version
    files = _leftovers(store, first)
    second = run_import(store, settings, _request())
    assert second.version is not None
    notes = [i.text() for i in second.report.issues if i.severity == "Hinweis"]
    assert "Hinweis: Temporäre Datei eines abgebrochenen Imports entfernt: " \
           ".20260101-000000-aaaaaa.tmp.gpkg." in notes
    assert "Hinweis: Temporäre Datei eines abgebrochenen Imports entfernt: " \
           ".AKTUELL.4711.abcd1234.tmp." in notes
    assert ("Hinweis: Unvollständige Version 20260101-000001-bbbbbb eines abgebrochenen "
            "Imports entfernt (sie war nie aktiv und in keiner Liste).") in notes
    assert not any(p.exists() for p in files.values())
    # registered versions are untouched
    assert [v.id for v in store.versions()] == [second.version, first, BASE_VERSION]
    assert store.path_of(first).exists() and store.path_of(second.version).exists()


def test_a_start_cleans_up_too_and_a_running_import_is_left_alone(store):
    settings = load_settings()
    first = run_import(store, settings, _request()).version
    files = _leftovers(store, first)
    import fcntl

    with (store.data_dir / ".schreibsperre").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # an import is writing: nothing is touched
        assert store.cleanup() == []
        assert all(p.exists() for p in files.values())
        fcntl.flock(lock, fcntl.LOCK_UN)
    live = LiveRepository(store, settings, poll_seconds=3600)
    assert len(live.cleaned) == 3
    assert not any(p.exists() for p in files.values())
    assert live.value("06433012", "einwohner", 2023).value == 11


def test_old_cache_temp_files_are_removed(tmp_path, monkeypatch):
    from geodata.storage.display import clean_cache_leftovers

    monkeypatch.setenv("BILDUNGSATLAS_CACHE_DIR", str(tmp_path))
    old = tmp_path / "display-abc.json.tmp"
    young = tmp_path / "values-2-abc.npz.tmp"  # a worker may be writing it right now
    kept = tmp_path / "display-abc.json"
    for p in (old, young, kept):
        p.write_text("x")
    past = time.time() - 3600
    os.utime(old, (past, past))
    assert clean_cache_leftovers() == [
        "Temporäre Cache-Datei eines abgebrochenen Vorgangs entfernt: display-abc.json.tmp."]
    assert not old.exists() and young.exists() and kept.exists()


def test_cache_files_unused_for_a_month_are_removed_read_ones_kept(tmp_path, monkeypatch):
    import numpy as np
    import shapely

    from geodata.storage.display import clean_cache_leftovers, display_data

    monkeypatch.setenv("BILDUNGSATLAS_CACHE_DIR", str(tmp_path))
    args = (["a"], np.array([shapely.box(480000, 5500000, 481000, 5501000)]), ["kreis"],
            {"kreis": 10.0}, {"kreis": True}, "v1")
    display_data(*args)  # writes the display cache of version v1
    (used,) = tmp_path.glob("display-*.json")
    stale = {name: tmp_path / name for name in
             ("display-0ld.json", "disclosure-0ld.npz", "values-2-0ld.npz")}
    other = tmp_path / "notiz.txt"  # not a cache file: never touched
    for p in (*stale.values(), other):
        p.write_bytes(b"x" * 1000)
    month_ago = time.time() - 31 * 86400
    for p in (used, *stale.values(), other):
        os.utime(p, (month_ago, month_ago))
    display_data(*args)  # a hit: marks the file as used now
    assert used.stat().st_mtime > time.time() - 60
    assert clean_cache_leftovers() == [
        "3 Cache-Datei(en) entfernt, die seit mehr als 30 Tagen nicht gebraucht wurden "
        "(0,0 MB)."]
    assert used.exists() and other.exists()
    assert not any(p.exists() for p in stale.values())
    assert clean_cache_leftovers() == []


def _worker(store, settings, poll):
    """One gunicorn worker: its own LiveRepository behind its own Flask server."""
    from flask import Flask

    live = LiveRepository(store, settings, poll_seconds=poll)
    server = Flask(__name__)
    live.attach(server)

    @server.route("/wert")
    def wert():
        val = live.value("06433012", "einwohner", 2023)
        return {"wert": val.value if val else None}

    return live, server.test_client()


def test_a_page_stays_on_its_version_and_a_lagging_worker_switches_within_the_request(store):
    settings = load_settings()
    base_value = store.read().values.set_index(["area_id", "indicator_id", "year"]).loc[
        ("06433012", "einwohner", 2023), "value"]
    assert base_value != 11
    live_a, worker_a = _worker(store, settings, poll=0)  # polls at every request
    live_b, worker_b = _worker(store, settings, poll=3600)  # would not notice for an hour
    page_before = worker_a.get("/wert")
    assert page_before.headers[VERSION_HEADER] == BASE_VERSION
    assert page_before.get_json()["wert"] == base_value

    new = run_import(store, settings, _request()).version
    # worker A has noticed the new version and loaded it (what its background load does)
    live_a.refresh()
    # a new page's first request goes to worker A
    first = worker_a.get("/wert")
    assert first.headers[VERSION_HEADER] == new and first.get_json()["wert"] == 11
    # its next request goes to worker B, which has not: B loads the named version at once
    t0 = time.monotonic()
    second = worker_b.get("/wert", headers={VERSION_HEADER: new})
    waited = time.monotonic() - t0
    assert second.headers[VERSION_HEADER] == new and second.get_json()["wert"] == 11
    assert live_b.store_version == new
    # the page opened before the import stays on its version on both workers
    for client in (worker_a, worker_b):
        old = client.get("/wert", headers={VERSION_HEADER: BASE_VERSION})
        assert old.headers[VERSION_HEADER] == BASE_VERSION
        assert old.get_json()["wert"] == base_value
    # a made-up or malformed version gets the current one, never an error
    for bad in ("19990101-000000-ffffff", "../../etc/passwd", "x" * 500):
        got = worker_b.get("/wert", headers={VERSION_HEADER: bad})
        assert got.status_code == 200 and got.headers[VERSION_HEADER] == new
    assert waited < 60  # loading the demo atlas, not waiting for a poll
