"""The README walk-through („Eigene Daten importieren“), command by command, on the example
files in tests/fixtures/karlsruhe. Expected values read off the fixture files by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geodata.model.settings import load_settings
from geodata.storage.store import GpkgStore
from geodata.storage.tables import build_repository

ROOT = Path(__file__).resolve().parents[1]
F = "tests/fixtures/karlsruhe"


def _run(cmd: str, data: Path) -> subprocess.CompletedProcess:
    args = cmd.split()
    assert args[:2] == ["python", "-m"]
    env = {**os.environ, "BILDUNGSATLAS_DATA": str(data)}
    return subprocess.run([sys.executable, *args[1:]], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_readme_walkthrough(tmp_path):
    data = tmp_path / "daten"
    check = _run(f"python -m geodata.importer --grenzen {F}/stadtteile_karlsruhe.geojson "
                 "--ebene quartier --pruefen", data)
    assert check.returncode == 0, check.stdout
    assert check.stdout.splitlines()[0] == "Prüfung bestanden mit 4 Warnungen."
    assert not data.exists()
    run = _run(f"python -m geodata.importer --grenzen {F}/stadtteile_karlsruhe.geojson "
               f"--ebene quartier --tabelle {F}/schulen_stadtteile_2015.csv --jahr 2015 "
               f"--innerhalb 08212000 --metadaten {F}/indikatoren.csv --notiz Karlsruhe", data)
    assert run.returncode == 0, run.stdout
    lines = run.stdout.splitlines()
    assert "stadtteile_karlsruhe.geojson: 27 Zeilen gelesen, 27 übernommen, 0 abgelehnt" in lines
    assert "schulen_stadtteile_2015.csv: 27 Zeilen gelesen, 27 übernommen, 0 abgelehnt" in lines
    repo = build_repository(GpkgStore(data).read(), load_settings())
    assert len(repo.children_of("08212000")) == 27
    daxlanden = repo.areas["08212000-009"]
    assert daxlanden.name == "Daxlanden"
    # fixture line "Daxlanden;3;466;319": 100 * 319 / 466 = 68.45 %
    assert repo.value("08212000-009", "anteil_grundschueler", 2015).value == pytest.approx(
        68.4549, abs=1e-4)
    assert repo.value("08212000-009", "schulen", 2015).value == 3
    # "Innenstadt-West;6;2.650;284": the thousands dot is read as such
    assert repo.value("08212000-002", "schueler", 2015).value == 2650
    versions = _run("python -m geodata.importer --versionen", data).stdout.splitlines()
    assert versions[0].startswith("* ") and versions[0].rstrip().endswith("Karlsruhe")
    assert _run("python -m geodata.importer --wiederherstellen basis", data).returncode == 0
    assert GpkgStore(data).current_version() == "basis"
