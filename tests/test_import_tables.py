"""Indicator tables as German offices send them, checked against hand-written reports.

Every fixture is built here, byte by byte. The expected report lines were worked out by hand
from the fixture (line numbers count the physical lines of the file, starting at 1).
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from geodata.importer.core import ImportRequest, Upload, check_import
from geodata.importer.keys import AreaIndex
from geodata.importer.report import Report
from geodata.importer.tabular import read_table
from geodata.importer.values import ValueOptions, import_values, propose_mapping

# Latin-1, ";" separator, two title lines and an empty line above the header, decimal comma
# and thousands dots, keys without their leading zero, a Satzart column mixing Land (10),
# Kreis (40) and Gemeinde (60) rows, a Gemeinde merged since the boundary vintage
# (Bromskirchen 06635005 → Allendorf (Eder) 2023), a duplicate, a non-number, a share over
# 100 % whose numerator exceeds its denominator, a row of markers only, two footnotes.
KINDER = """Kinderbetreuung in Hessen und Baden-Württemberg
Stichtag 01.03.2023

Satzart;Schlüssel;Gebiet;Kinder unter 3;Kinder unter 3 betreut;Betreuungsquote U3
10;06;Hessen;180.000;60.000;33,3
40;6433;Groß-Gerau;8.123;2.345;28,9
60;6433012;Rüsselsheim am Main;1.950;612;31,4
60;6433003;Büttelborn;420;.;x
60;6635005;Bromskirchen;40;12;30,0
60;8212000;Karlsruhe;8.400;3.100;36,9
60;6433012;Rüsselsheim am Main;1.950;612;31,4
60;6433004;Gernsheim;abc;120;22,0
60;6433005;Ginsheim-Gustavsburg;300;350;116,7
40;8111;Stuttgart;-;-;-
Quelle: Statistisches Landesamt; Werte 2023
. = Zahlenwert unbekannt oder geheim zu halten
""".encode("cp1252")

KINDER_MAPPING = {
    "Satzart": "ebene", "Schlüssel": "schluessel", "Gebiet": "name",
    "Kinder unter 3": "wert:kinder_u3:", "Kinder unter 3 betreut": "wert:kinder_u3_betreut:",
    "Betreuungsquote U3": "wert:betreuungsquote_u3:",
}

KINDER_ISSUES = [
    "Hinweis: kinder.csv, Zeile 1: Titelzeile übersprungen: „Kinderbetreuung in Hessen und "
    "Baden-Württemberg“",
    "Hinweis: kinder.csv, Zeile 2: Titelzeile übersprungen: „Stichtag 01.03.2023“",
    # the ";" splits this note into two text cells: left out, but with a warning
    "Warnung: kinder.csv, Zeile 15: Zeile unter den Daten mit 2 Textfeldern und ohne Zahl als "
    "Fußnote behandelt, nicht importiert: „Quelle: Statistisches Landesamt; Werte 2023“. Falls "
    "das Daten sind, bitte die Datei prüfen.",
    "Hinweis: kinder.csv, Zeile 16: Fußnote unter den Daten, nicht importiert: „. = "
    "Zahlenwert unbekannt oder geheim zu halten“",
    "Hinweis: kinder.csv, Zeile 5, Spalte „Satzart“: Keine Gebietszeile (Ebene „Land“), nicht "
    "importiert: „Hessen“.",
    "Fehler: kinder.csv, Zeile 9, Spalte „Schlüssel“: Schlüssel „6635005“ („Bromskirchen“) ist "
    "im Gebietsstand des Atlas unbekannt: Bromskirchen (06635005) gibt es seit 01.01.2023 nicht "
    "mehr (Eingliederung: 06635001 Allendorf (Eder)). Zeile abgelehnt.",
    "Fehler: kinder.csv, Zeile 11: doppelt: Gebiet 06433012, Jahr 2023 steht schon in Zeile 7. "
    "Zeile abgelehnt.",
    "Fehler: kinder.csv, Zeile 12, Spalte „Kinder unter 3“: „abc“ ist keine Zahl. Zeile "
    "abgelehnt.",
    "Fehler: kinder.csv, Zeile 13, Spalte „Betreuungsquote U3“: Anteil 116,7 % liegt über "
    "100 %. Zeile abgelehnt.",
    "Fehler: kinder.csv, Zeile 13: Zähler „kinder_u3_betreut“ (350) ist größer als der Nenner "
    "„kinder_u3“ (300) von „betreuungsquote_u3“. Zeile abgelehnt.",
    # the file has both counts of the rate: the rate is computed from them (issue 17)
    "Hinweis: kinder.csv: „betreuungsquote_u3“ wird aus Zähler „kinder_u3_betreut“ und Nenner "
    "„kinder_u3“ der Datei berechnet; die Spalte selbst wird nur geprüft.",
    # issue 17: "." is stored as suppressed, "-" and "x" say "no value"; all three replace
    # what is stored for their cell
    "Hinweis: kinder.csv: Zellen ohne Zahl: 1× „.“ (gesperrt oder unbekannt) als gesperrt "
    "übernommen; 3× „-“ (nichts vorhanden), 1× „x“ (Tabellenfach gesperrt) ohne Wert (ein "
    "bisheriger Wert dieser Zellen wird ersetzt).",
]


def _kinder_request(partial: bool) -> ImportRequest:
    return ImportRequest(tables=[(Upload("kinder.csv", KINDER),
                                  ValueOptions(mapping=KINDER_MAPPING, year=2023))],
                         allow_partial=partial)


def test_messy_latin1_table_report_line_by_line(atlas, settings):
    result = check_import(atlas, settings, _kinder_request(partial=False))
    rep = result.report
    assert result.tables is None  # rejected rows block the import unless allowed
    assert [i.text() for i in rep.issues] == KINDER_ISSUES
    # rows 5-14: imported 6, 7, 8, 10; rejected 9, 11, 12, 13; skipped 5 (Land), 14 (markers)
    assert rep.count_lines() == [
        "kinder.csv: 10 Zeilen gelesen, 4 übernommen, 4 abgelehnt, 2 übersprungen"]
    assert rep.status() == ("Prüfung fehlgeschlagen: 5 Fehler, 1 Warnung. Es wurde nichts "
                            "geschrieben.")
    assert rep.summary[0].startswith("kinder.csv: gelesen als CSV, Zeichenkodierung Latin-1 "
                                     "(Windows-1252), Trennzeichen Semikolon, Dezimalkomma")


def test_partial_import_takes_exactly_the_good_rows(atlas, settings):
    result = check_import(atlas, settings, _kinder_request(partial=True))
    assert result.tables is not None and result.repository is not None
    repo = result.repository
    assert repo.value("06433", "kinder_u3", 2023).value == 8123  # "8.123": thousands dot
    assert repo.value("06433012", "kinder_u3", 2023).value == 1950
    assert repo.value("06433003", "kinder_u3", 2023).value == 420  # lost zero restored
    assert repo.value("08212000", "kinder_u3_betreut", 2023).value == 3100
    # The rate is recomputed from the counts, never taken over blindly: 100 * 3100 / 8400
    assert repo.value("08212000", "betreuungsquote_u3", 2023).value == pytest.approx(36.9048, abs=1e-4)
    # Rejected rows left the previous values alone: Gernsheim keeps its old count
    old = atlas.values.set_index(["area_id", "indicator_id", "year"])["value"]
    assert repo.value("06433004", "kinder_u3", 2023).value == old[("06433004", "kinder_u3", 2023)]
    assert "06635005" not in repo.areas
    assert result.report.status().startswith("Prüfung bestanden mit 1 Warnung; 5 Fehler")


def test_mapping_is_proposed_from_the_header(atlas):
    rep = Report()
    table = read_table(KINDER, "kinder.csv", rep)
    mapping = propose_mapping(table, atlas.indicators)
    assert mapping == {
        "Satzart": "ebene", "Schlüssel": "schluessel", "Gebiet": "name",
        # not in the catalogue under this name: proposed as a new indicator
        "Kinder unter 3": "wert:kinder_unter_3:",
        "Kinder unter 3 betreut": "wert:kinder_unter_3_betreut:",
        "Betreuungsquote U3": "wert:betreuungsquote_u3:",  # the catalogue id, spelt loosely
    }


# UTF-8 with BOM, "," separator, quoted fields, long layout with a year and a Merkmal column;
# "773.068" has a thousands dot (German reading: no decimal comma anywhere in the file).
LONG = ('\ufeff"Gebietsschlüssel","Name","Jahr","Merkmal","Wert"\r\n'
        '"6412000","Frankfurt am Main","2022","einwohner","773.068"\r\n'
        '"6412000","Frankfurt am Main","2023","Einwohnerinnen und Einwohner","775.790"\r\n'
        '"8212000","Karlsruhe","2023","einwohner","-5"\r\n'
        '"6412000","Frankfurt am Main","zwanzig","einwohner","1"\r\n').encode("utf-8")


def test_long_layout_utf8_bom_comma_separated(atlas, settings):
    rep = Report()
    table = read_table(LONG, "lang.csv", rep)
    assert table.description == ("CSV, Zeichenkodierung UTF-8 mit BOM, Trennzeichen Komma, "
                                 "Dezimalkomma")
    idx = AreaIndex.of(atlas.areas.drop(columns="geometry"), settings.levels)
    res = import_values(table, idx, atlas.indicators, rep)
    assert res.mapping == {"Gebietsschlüssel": "schluessel", "Name": "name", "Jahr": "jahr",
                           "Merkmal": "indikator", "Wert": "wert"}
    got = sorted(zip(res.values["area_id"], res.values["indicator_id"], res.values["year"],
                     res.values["value"], strict=True))
    # the indicator given by its name (line 3) is matched to the catalogue id
    assert got == [("06412000", "einwohner", 2022, 773068.0),
                   ("06412000", "einwohner", 2023, 775790.0)]
    assert [i.text() for i in rep.issues] == [
        "Fehler: lang.csv, Zeile 4, Spalte „Wert“: negativer Wert -5 bei einer Anzahl. Zeile "
        "abgelehnt.",
        "Fehler: lang.csv, Zeile 5, Spalte „Jahr“: „zwanzig“ ist keine Jahreszahl. Zeile "
        "abgelehnt.",
    ]


def _xlsx(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tabelle1"
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_wide_by_year_with_numeric_keys(atlas, settings):
    data = _xlsx([
        ["Einwohner nach Gemeinden"],  # title line
        ["AGS", "Gemeinde", "2021", 2022],  # a year as text and as a number
        [6433012, "Rüsselsheim am Main", 65000, 65800.0],  # key lost its zero as a number
        ["06433003", "Büttelborn", "15.100", None],  # empty cell: missing
        ["Fußnote: vorläufige Werte"],
    ])
    rep = Report()
    table = read_table(data, "ew.xlsx", rep)
    idx = AreaIndex.of(atlas.areas.drop(columns="geometry"), settings.levels)
    res = import_values(table, idx, atlas.indicators, rep, ValueOptions(indicator="einwohner"))
    assert res.mapping == {"AGS": "schluessel", "Gemeinde": "name",
                           "2021": "wert:einwohner:2021", "2022": "wert:einwohner:2022"}
    cells = res.values
    given = cells[cells["status"] == ""]
    got = sorted(zip(given["area_id"], given["year"], given["value"], strict=True))
    assert got == [("06433003", 2021, 15100.0), ("06433012", 2021, 65000.0),
                   ("06433012", 2022, 65800.0)]
    # issue 17: the empty cell is an explicit "no value" that replaces a stored one
    cleared = cells[cells["status"] == "leer"]
    assert list(zip(cleared["area_id"], cleared["year"], strict=True)) == [("06433003", 2022)]
    assert [i.text() for i in rep.issues] == [
        "Hinweis: ew.xlsx, Zeile 1: Titelzeile übersprungen: „Einwohner nach Gemeinden“",
        "Hinweis: ew.xlsx, Zeile 5: Fußnote unter den Daten, nicht importiert: „Fußnote: "
        "vorläufige Werte“",
        "Hinweis: ew.xlsx: Zellen ohne Zahl: 1× leer ohne Wert (ein bisheriger Wert dieser "
        "Zellen wird ersetzt).",
    ]
    assert rep.count_lines() == ["ew.xlsx: 2 Zeilen gelesen, 2 übernommen, 0 abgelehnt"]


def test_new_indicator_gets_metadata_from_a_file(atlas, settings):
    table = "Stadtteil;Sprachkurse\nSüdstadt;4\nOststadt;3\nSüdstat;1\n".encode()
    meta = ("id;name;unit;topic;description;source;direction;decimals;kind\n"
            "sprachkurse;Sprachkurse für Kinder;Kurse;Bildung;Angebote;Stadt Karlsruhe;"
            "higher_better;0;count\n").encode()
    req = ImportRequest(
        tables=[(Upload("kurse.csv", table),
                 ValueOptions(year=2024, level="quartier", within="08212000",
                              mapping={"Stadtteil": "name", "Sprachkurse": "wert:sprachkurse:"}))],
        metadata=[Upload("meta.csv", meta)], allow_partial=True)
    result = check_import(atlas, settings, req)
    assert [i.text() for i in result.report.errors] == [
        # a misspelt quarter name: rejected with the closest name as a suggestion
        "Fehler: kurse.csv, Zeile 4, Spalte „Stadtteil“: Kein Gebiet heißt „Südstat“ – meinten "
        "Sie „Südstadt“? Zeile abgelehnt."]
    repo = result.repository
    ind = repo.indicator("sprachkurse")
    assert (ind.name, ind.unit, ind.direction, ind.kind) == (
        "Sprachkurse für Kinder", "Kurse", "higher_better", "count")
    assert repo.value("08212000-003", "sprachkurse", 2024).value == 4  # Südstadt
    # not all 27 Karlsruhe quarters have a value: the city total is not made up
    assert repo.value("08212000", "sprachkurse", 2024) is None


def test_html_in_names_stays_text(atlas, settings):
    evil = "<img src=x onerror=alert(1)>"
    data = f"Schlüssel;Name;Einwohner\n6433012;{evil};5\n".encode()
    rep = check_import(atlas, settings, ImportRequest(
        tables=[(Upload("x.csv", data), ValueOptions(year=2023))])).report
    # reported literally (the page renders report lines as text, see test_import_browser)
    assert any(evil in i.text() for i in rep.warnings)


def test_rate_indicator_from_a_metadata_file_alone(atlas, settings):
    meta = ("id;name;unit;topic;description;source;direction;decimals;kind;numerator;"
            "denominator;factor\n"
            "anteil_gs;Anteil Grundschüler;%;Schule;Schüler an Grundschulen je 100 Schüler;"
            "jedeschule.de;neutral;1;rate;schueler_grundschule;schueler;100\n").encode()
    result = check_import(atlas, settings, ImportRequest(metadata=[Upload("meta.csv", meta)]))
    assert [i.text() for i in result.report.issues] == [
        "Hinweis: Metadaten: Neuer Indikator „anteil_gs“ („Anteil Grundschüler“) ohne eigene "
        "Werte: wird aus Zähler und Nenner berechnet."]
    repo = result.repository
    vals = atlas.values.set_index(["area_id", "indicator_id", "year"])["value"]
    gs = vals[("08212000-019", "schueler_grundschule", 2015)]
    total = vals[("08212000-019", "schueler", 2015)]
    assert repo.value("08212000-019", "anteil_gs", 2015).value == pytest.approx(100 * gs / total)


def test_upload_size_limit(atlas, settings):
    from geodata.importer.core import MAX_UPLOAD_BYTES

    big = Upload("riesig.csv", b"a;b\n" + b"1" * (MAX_UPLOAD_BYTES + 2**20))  # 51 MB + 4 B
    rep = check_import(atlas, settings, ImportRequest(tables=[(big, ValueOptions())])).report
    assert [i.text() for i in rep.issues] == [
        "Fehler: riesig.csv: Die Datei ist 51,0 MB groß; erlaubt sind höchstens 50 MB."]


def test_report_csv_never_contains_formulas(atlas, settings):
    data = "Schlüssel;Name;Einwohner\n6433012;=HYPERLINK(\"http://x\");5\n".encode()
    rep = check_import(atlas, settings, ImportRequest(
        tables=[(Upload("=cmd.csv", data), ValueOptions(year=2023))])).report
    rows = [r.split(";", 4) for r in rep.to_csv().splitlines()[1:]]
    # every cell that would start with "=" is prefixed with an apostrophe
    assert not any(cell.startswith(("=", '"=')) for row in rows for cell in row)
    assert any(row[1] == "'=cmd.csv" for row in rows)
