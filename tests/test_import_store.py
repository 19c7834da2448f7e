"""Safe writes: versions, atomic switch, restore, a write killed half-way, hot reload."""

from __future__ import annotations

import threading
import time

import pytest

from geodata.importer.core import ImportRequest, Upload, run_import
from geodata.importer.values import ValueOptions
from geodata.model.settings import load_settings
from geodata.storage.gpkg import DEFAULT_GPKG
from geodata.storage.live import LiveRepository
from geodata.storage.store import BASE_VERSION, GpkgStore

# 2023 population of two Gemeinden, new made-up values (the demo has 67 000-ish / 15 000-ish)
TABLE = "Schlüssel;Name;Einwohner\n06433012;Rüsselsheim am Main;11\n06433003;Büttelborn;22\n"


def _request(values=TABLE) -> ImportRequest:
    return ImportRequest(tables=[(Upload("ew.csv", values.encode()), ValueOptions(year=2023))])


@pytest.fixture()
def store(tmp_path):
    return GpkgStore(tmp_path / "daten")


def _base_bytes() -> bytes:
    return DEFAULT_GPKG.read_bytes()


def test_write_makes_a_new_version_and_restore_switches_back(store):
    settings = load_settings()
    base = _base_bytes()
    assert store.current_version() == BASE_VERSION
    result = run_import(store, settings, _request(), note="Einwohner 2023")
    assert result.report.ok and result.version
    assert store.current_version() == result.version
    vals = store.read().values.set_index(["area_id", "indicator_id", "year"])["value"]
    assert vals[("06433012", "einwohner", 2023)] == 11
    assert [(v.id, v.note, v.current) for v in store.versions()] == [
        (result.version, "Einwohner 2023", True),
        (BASE_VERSION, "Ausgangsdaten (Demo-Atlas)", False)]
    store.restore(BASE_VERSION)
    vals = store.read().values.set_index(["area_id", "indicator_id", "year"])["value"]
    assert vals[("06433012", "einwohner", 2023)] != 11
    assert _base_bytes() == base  # the committed demo atlas is never modified


def test_a_check_with_errors_writes_nothing(store):
    bad = "Schlüssel;Name;Einwohner\n06433012;Rüsselsheim am Main;-4\n"
    result = run_import(store, load_settings(), _request(bad))
    assert not result.report.ok and result.version is None
    assert store.current_version() == BASE_VERSION
    assert not (store.data_dir / "versionen").exists()


def test_import_killed_while_writing_keeps_serving_the_old_data(store, monkeypatch):
    settings = load_settings()
    live = LiveRepository(store, settings, poll_seconds=0)
    before = live.value("06433012", "einwohner", 2023)
    import geodata.storage.gpkg as build_demo

    real = build_demo.write_gpkg

    def dies_half_way(path, areas, institutions, *rest):
        import pyogrio

        pyogrio.write_dataframe(areas, path, layer="areas", driver="GPKG")  # first layer only
        raise OSError("Datenträger voll (simuliert)")

    monkeypatch.setattr(build_demo, "write_gpkg", dies_half_way)
    result = run_import(store, settings, _request())
    assert result.version is None
    assert result.report.errors[-1].text() == (
        "Fehler: Schreiben fehlgeschlagen, der bisherige Datenstand bleibt (Meldung des "
        "Betriebssystems: „Datenträger voll (simuliert)“).")
    assert store.current_version() == BASE_VERSION
    assert list((store.data_dir / "versionen").iterdir()) == []  # no half-written file left
    time.sleep(0.05)
    assert live.value("06433012", "einwohner", 2023) == before  # still the old data
    assert live.store_version == BASE_VERSION
    monkeypatch.setattr(build_demo, "write_gpkg", real)
    assert run_import(store, settings, _request()).version  # the next import works


def test_live_repository_swaps_complete_versions_and_pins_per_request(store):
    from flask import Flask

    settings = load_settings()
    live = LiveRepository(store, settings, poll_seconds=0)
    old = live.value("06433012", "einwohner", 2023).value
    flask_app = Flask(__name__)
    with flask_app.test_request_context("/"):
        pinned = live.snapshot()
        version = run_import(store, settings, _request()).version
        # a request that started before the switch keeps its snapshot to the end
        deadline = time.monotonic() + 20
        while live.store_version != version and time.monotonic() < deadline:
            live.snapshot()
            live._current()  # the poll (outside the request's pin) starts the reload
            time.sleep(0.05)
        assert live.snapshot() is pinned
        assert live.value("06433012", "einwohner", 2023).value == old
    # the next request sees the new version, complete
    with flask_app.test_request_context("/"):
        assert live.value("06433012", "einwohner", 2023).value == 11
        assert live.value("06433003", "einwohner", 2023).value == 22


def test_concurrent_reads_during_an_import_see_old_or_new_never_a_mix(store):
    settings = load_settings()
    live = LiveRepository(store, settings, poll_seconds=0)
    seen: set[tuple[float, float]] = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            snap = live._current()
            seen.add((snap.value("06433012", "einwohner", 2023).value,
                      snap.value("06433003", "einwohner", 2023).value))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    version = run_import(store, settings, _request()).version
    deadline = time.monotonic() + 20
    while live.store_version != version and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    assert (11.0, 22.0) in seen
    # every snapshot is either all old or all new
    assert all((a == 11.0) == (b == 22.0) for a, b in seen)
    assert len(seen) == 2


def test_import_process_killed_while_writing(tmp_path):
    """SIGKILL the command line while it writes the new GeoPackage: the pointer still names
    the old version, which reads back unchanged; the next import works."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    data = tmp_path / "daten"
    table = tmp_path / "ew.csv"
    table.write_text(TABLE, encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "geodata.importer", "--tabelle", str(table), "--jahr", "2023"],
        cwd=root, env={**os.environ, "BILDUNGSATLAS_DATA": str(data)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    versions = data / "versionen"
    deadline = time.monotonic() + 120
    # wait until the temporary GeoPackage exists: then the kill hits the write itself
    while not (mid_write := any(versions.glob(".*.tmp.gpkg"))) and time.monotonic() < deadline:
        assert proc.poll() is None, "the import ended before it was killed"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert mid_write, "no temporary GeoPackage appeared within 120 s: nothing killed mid-write"
    assert proc.returncode == -signal.SIGKILL  # killed, not finished on its own
    assert any(versions.glob(".*.tmp.gpkg"))  # the torso is left: killed before the rename
    store = GpkgStore(data)
    assert store.current_version() == BASE_VERSION
    assert [v.id for v in store.versions()] == [BASE_VERSION]  # the torso is no version
    vals = store.read().values.set_index(["area_id", "indicator_id", "year"])["value"]
    assert vals[("06433012", "einwohner", 2023)] != 11
    assert run_import(store, load_settings(), _request()).version


def test_http_request_keeps_its_snapshot_across_a_switch(store):
    """Through the app's request hooks: a switch (import or restore) in the middle of a
    request does not change what that request sees; the next request sees the new data."""
    from flask import Flask

    settings = load_settings()
    new_version = run_import(store, settings, _request()).version
    store.restore(BASE_VERSION)
    live = LiveRepository(store, settings, poll_seconds=0)
    server = Flask(__name__)
    live.attach(server)

    @server.route("/wert")
    def wert():
        before = live.value("06433012", "einwohner", 2023).value
        store.restore(new_version)  # the switch happens while this request runs
        live.refresh()
        after = live.value("06433012", "einwohner", 2023).value
        return {"vorher": before, "nachher": after}

    client = server.test_client()
    first = client.get("/wert").get_json()
    assert first["vorher"] == first["nachher"] != 11  # one version for the whole request
    assert live.value("06433012", "einwohner", 2023).value == 11  # outside: the new one
    assert client.get("/wert").get_json()["vorher"] == 11  # the next request: the new data
