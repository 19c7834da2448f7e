"""Property-based tests: random bytes and mutated CSVs never crash the importer and never
change the stored data; the answer is always a report with German messages."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.importer.core import ImportRequest, Upload, run_import
from geodata.importer.facilities import InstitutionOptions
from geodata.importer.geofile import BoundaryOptions
from geodata.importer.values import ValueOptions
from geodata.model.settings import load_settings
from geodata.storage.store import GpkgStore

SETTINGS = load_settings()
VALID = ("Statistik 2023\nSchlüssel;Name;Einwohner;Quote\n"
         "6433012;Rüsselsheim am Main;67.000;12,5\n06433003;Büttelborn;15.100;.\n"
         "Quelle: Amt\n")
# What core._unexpected (the importer's safety net) writes into the report for an exception
# no check foresaw: in these tests such a line is a crash, only hidden from the user.
CRASH = "unerwarteter Fehler"

FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def base():
    """A small atlas (Kreis Groß-Gerau only) as the base version of every store: fast checks."""
    import pandas as pd

    from geodata.storage.gpkg import read_atlas_tables, write_gpkg

    full = read_atlas_tables()
    keep = full.areas["area_id"].str.startswith("06433")
    areas = full.areas[keep]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "klein.gpkg"
        write_gpkg(path, areas, full.institutions[full.institutions["area_id"].isin(
            areas["area_id"])], full.indicators, full.values[full.values["area_id"].isin(
                areas["area_id"])], full.sources, pd.DataFrame({"key": ["x"], "value": ["y"]}))
        yield path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(store: GpkgStore) -> tuple[str, list[tuple[str, str, bool]], str]:
    """What is stored: the current version, all versions and the hash of the served file."""
    cur = store.current_version()
    return (cur, [(v.id, v.note, v.current) for v in store.versions()],
            _sha256(store.path_of(cur)))


def _check(base: Path, req: ImportRequest, write: bool = True) -> None:
    """Import ``req`` into a fresh store (no example depends on an earlier one): a German
    report, no crash behind the safety net, and the stored data unchanged unless the import
    passed its check and was written as a new version."""
    with tempfile.TemporaryDirectory() as tmp:
        store = GpkgStore(Path(tmp) / "daten", base=base)
        before = _state(store)
        result = run_import(store, SETTINGS, req, note="Fuzz", write=write)
        lines = result.report.lines()
        assert lines and lines[0].startswith("Prüfung")
        for issue in result.report.issues:
            assert issue.message and "Traceback" not in issue.message
            assert CRASH not in issue.message, issue.text()
        assert result.version is None or result.report.ok
        after = _state(store)
        assert _sha256(store.path_of(before[0])) == before[2]  # the old file is never touched
        if result.version is None:
            assert after == before  # nothing written, nothing switched
            assert not (store.data_dir / "versionen").exists() or not any(
                (store.data_dir / "versionen").iterdir())
        else:  # a legitimate import: exactly one new version, served now
            assert write and result.report.ok
            assert after[0] == result.version
            assert after[1] == [(result.version, "Fuzz", True)] + [
                (vid, note, False) for vid, note, _cur in before[1]]
            assert after[2] != before[2]  # the new version's own file is served


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_as_table_boundaries_and_institutions(base, data):
    _check(base, ImportRequest(
        tables=[(Upload("zufall.csv", data), ValueOptions(year=2023))],
        boundaries=[(Upload("zufall.geojson", data), BoundaryOptions(level="quartier"))],
        institutions=[(Upload("zufall.xlsx", data), InstitutionOptions())]))


@FUZZ
@given(st.sampled_from([b"PK\x03\x04", b"SQLite format 3\x00", b"{", b"\xef\xbb\xbf",
                        b"\xd0\xcf\x11\xe0", b"\xff\xfe"]), st.binary(max_size=2000))
def test_random_bytes_behind_magic_numbers(base, magic, data):
    _check(base, ImportRequest(
        tables=[(Upload("x.xlsx", magic + data), ValueOptions(year=2023))],
        boundaries=[(Upload("x.gpkg", magic + data), BoundaryOptions(level="gemeinde"))]))


@st.composite
def mutated_csv(draw) -> bytes:
    text = VALID
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.text(alphabet=";,.\"\n\r\t-x0123456789äÖ<>& ", max_size=5))
        if kind == "insert":
            text = text[:pos] + chunk + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + len(chunk) + 1:]
        else:
            text = text[:pos] + chunk + text[pos + len(chunk):]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(mutated_csv(), st.booleans(), st.booleans())
def test_mutated_csv_gives_a_report(base, data, partial, write):
    # Many mutations still pass the check: then a write makes exactly one new version and a
    # dry run (write=False) none; `_check` asserts both.
    req = ImportRequest(tables=[(Upload("werte.csv", data), ValueOptions(year=2023))],
                        allow_partial=partial)
    _check(base, req, write=write)
