"""The command line: same report, exit codes, dry run, versions and restore."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BILDUNGSATLAS_DATA": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "geodata.importer", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_cli_check_import_list_and_restore(tmp_path):
    table = tmp_path / "einwohner.csv"
    table.write_bytes("Gemeinde;AGS;Einwohner 2023\nRüsselsheim am Main;6433012;70.001\n"
                      "Bromskirchen;6635005;1.900\n".encode("cp1252"))
    data = tmp_path / "daten"
    out = _run(["--tabelle", str(table), "--pruefen"], data)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "Prüfung fehlgeschlagen: 1 Fehler, 0 Warnungen. Es wurde nichts geschrieben."
    assert lines[1] == "einwohner.csv: 2 Zeilen gelesen, 1 übernommen, 1 abgelehnt"
    assert lines[-1] == (
        "Fehler: einwohner.csv, Zeile 3, Spalte „AGS“: Schlüssel „6635005“ („Bromskirchen“) ist "
        "im Gebietsstand des Atlas unbekannt: Bromskirchen (06635005) gibt es seit 01.01.2023 "
        "nicht mehr (Eingliederung: 06635001 Allendorf (Eder)). Zeile abgelehnt.")
    assert not data.exists()  # a failed check writes nothing

    report = tmp_path / "bericht.csv"
    out = _run(["--tabelle", str(table), "--trotz-fehlern", "--notiz", "Test",
                "--bericht", str(report)], data)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Importiert als Version " in out.stdout
    csv_text = report.read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "Schwere;Datei;Zeile;Spalte;Meldung"
    assert "Fehler;einwohner.csv;3;AGS;Schlüssel „6635005“" in csv_text

    out = _run(["--versionen"], data)
    rows = out.stdout.splitlines()
    assert rows[0].startswith("* ") and rows[0].rstrip().endswith("Test")
    assert rows[1].split() == ["basis", "Ausgangsdaten", "(Demo-Atlas)"]
    out = _run(["--wiederherstellen", "basis"], data)
    assert out.returncode == 0 and out.stdout.strip() == "Version basis ist wieder aktiv."
    assert _run(["--versionen"], data).stdout.splitlines()[1].startswith("* basis")
    out = _run(["--wiederherstellen", "../../etc/passwd"], data)
    assert out.returncode == 1 and "gibt es nicht" in out.stderr
