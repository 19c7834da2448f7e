"""Issue 17, points 3, 5 and 6: official downloads as they come (GENESIS/Regionalstatistik CSV,
a Destatis workbook with many sheets), value columns classified so that only counts are
summed, and the provenance of every imported value.

The files are in tests/fixtures/amtlich/ (see QUELLEN.md there). Spot values were read from
the files by hand (and are read again here with the csv module and openpyxl, not through the
importer): GENESIS 21111-02-06-4, 2023, "Insgesamt" and "ohne Hauptschulabschluss –
Insgesamt": Darmstadt 06411 1477 and 88, Groß-Gerau 06433 2520 and 153, Karlsruhe 08212 2278
and 147, Hessen 58909 and 3557, Baden-Württemberg 100465 and 6920; Deutschlandatlas,
sheet Deutschlandatlas_KRS1224, kbetr_u3 (2024, %): Darmstadt 42.38.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from geodata.importer.__main__ import main as cli
from geodata.importer.columns import classify_column, propose_mapping
from geodata.importer.core import ImportRequest, Upload, check_import
from geodata.importer.report import Report
from geodata.importer.tabular import read_table
from geodata.importer.values import ValueOptions
from geodata.model.entities import ROOT
from geodata.storage.gpkg import read_atlas_tables
from geodata.storage.store import GpkgStore
from geodata.storage.tables import build_repository
from geodata.views.credits import attribution_lines

FIX = Path(__file__).parent / "fixtures" / "amtlich"
GENESIS = FIX / "regionalstatistik_21111-02-06-4_2023.csv"
ATLAS_XLSX = FIX / "deutschlandatlas_2026-04.xlsx"
GENESIS_TEXT = ("© Statistische Ämter des Bundes und der Länder, Deutschland, 2025. Dieses Werk "
                "ist lizenziert unter der Datenlizenz Deutschland - Namensnennung - Version 2.0.")


def _genesis_rows() -> dict[str, tuple[int, int]]:
    """Own reader: region code → (Insgesamt, ohne Hauptschulabschluss – Insgesamt)."""
    out = {}
    with GENESIS.open(encoding="cp1252") as fh:
        for r in csv.reader(fh, delimiter=";"):
            if len(r) > 5 and r[0] == "2023" and r[3].isdigit() and r[5].isdigit():
                out[r[1]] = (int(r[3]), int(r[5]))
    return out


def test_own_reader_agrees_with_the_values_read_by_hand():
    rows = _genesis_rows()
    assert rows["06411"] == (1477, 88)
    assert rows["06433"] == (2520, 153)
    assert rows["08212"] == (2278, 147)
    assert rows["06"] == (58909, 3557)
    assert rows["08"] == (100465, 6920)


GENESIS_MAPPING = ["--spalte", "Insgesamt=wert:schulabgaenger:",
                   "--spalte", "ohne Hauptschulabschluss – Insgesamt=wert:abgaenger_ohne_abschluss:"]


def test_genesis_csv_end_to_end_from_the_command_line(tmp_path, settings, capsys):
    rest = ["ignorieren"]  # every other column: not imported
    others = ["Insgesamt – weiblich", "ohne Hauptschulabschluss – weiblich"]
    for grade in ("mit Hauptschulabschluss", "mit Mittlerem Abschluss",
                  "dar. schulischer Teil der Fachhochschulreife", "mit Fachhochschulreife",
                  "mit allgemeiner Hochschulreife"):
        others += [f"{grade} – Insgesamt", f"{grade} – weiblich"]
    args = ["--daten", str(tmp_path), "--tabelle", str(GENESIS), *GENESIS_MAPPING]
    for col in others:
        args += ["--spalte", f"{col}={rest[0]}"]
    code = cli(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Importiert als Version" in out
    # 538 data rows: 70 Kreise of Hessen and Baden-Württemberg, 467 of other Länder and the
    # rows above the atlas's levels (Deutschland, Länder, Regierungsbezirke) skipped
    assert ("regionalstatistik_21111-02-06-4_2023.csv: 538 Zeilen gelesen, 70 übernommen, "
            "0 abgelehnt, 468 übersprungen") in out
    assert "Fußbereich unter der Trennlinie" in out
    assert "Kopfzeile aus 3 Zeilen zusammengesetzt (Zeilen 7–9)" in out

    store = GpkgStore(tmp_path)
    repo = build_repository(read_atlas_tables(store.path_of(store.current_version())), settings)
    rows = _genesis_rows()
    for kreis in ("06411", "06433", "08212"):
        total, without = rows[kreis]
        assert repo.value(kreis, "schulabgaenger", 2023).value == total
        assert repo.value(kreis, "abgaenger_ohne_abschluss", 2023).value == without
        rate = repo.value(kreis, "quote_ohne_abschluss", 2023)
        assert rate.value == pytest.approx(100 * without / total)
    # Darmstadt by hand: 88 / 1477 × 100 = 5,958 %
    assert repo.value("06411", "quote_ohne_abschluss", 2023).value == pytest.approx(5.958, abs=5e-4)
    # the whole atlas is the sum of its 70 Kreise, which is the two Länder's totals
    assert repo.value(ROOT, "schulabgaenger", 2023).value == 58909 + 100465
    assert repo.value(ROOT, "abgaenger_ohne_abschluss", 2023).value == 3557 + 6920

    # provenance: official, the file's own copyright line and licence, table number
    prov = repo.provenance("06411", "quote_ohne_abschluss", 2023)
    assert prov.official and not prov.synthetic and prov.label == "amtlich"
    src = prov.sources[0]
    assert (src.text, src.licence, src.file, src.kind) == (
        GENESIS_TEXT, "dl-de/by-2-0", GENESIS.name, "amtlich")
    assert "GENESIS-Tabelle 21111-02-06-4" in src.note
    assert prov.describe(2023).startswith("amtlich, 2023 (berechnet aus Zähler und Nenner) – "
                                          f"Quelle: {GENESIS_TEXT} (dl-de/by-2-0) – Datei "
                                          f"{GENESIS.name}")
    # "synthetisch" follows the values: the Gemeinde below keeps its synthetic demo value
    assert repo.provenance("06411000", "quote_ohne_abschluss", 2023).synthetic
    # credits of a Kreis map of 2023 name the official source, and no synthetic values
    kreise = list(repo.children_of(ROOT))
    lines = attribution_lines(repo, ["quote_ohne_abschluss"], False, kreise, 2023)
    assert lines[0] == f"Daten: {GENESIS_TEXT} (dl-de/by-2-0)"
    assert not any(line.startswith("Werte: ") for line in lines)
    # ... while 2022 (not in the file) is still the demo's synthetic data
    lines22 = attribution_lines(repo, ["quote_ohne_abschluss"], False, kreise, 2022)
    assert any(line.startswith("Werte: Synthetische Beispielwerte") for line in lines22)


def test_genesis_csv_in_a_check_proposes_new_count_indicators_for_the_other_columns(
        atlas, settings):
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload(GENESIS.name, GENESIS.read_bytes()), ValueOptions(mapping={
            "Insgesamt": "wert:schulabgaenger:",
            "ohne Hauptschulabschluss – Insgesamt": "wert:abgaenger_ohne_abschluss:"}))]))
    rep = result.report
    assert not rep.errors, rep.text()
    assert result.mappings[GENESIS.name]["Jahr"] == "jahr"
    assert result.mappings[GENESIS.name]["Schlüssel"] == "schluessel"
    new = result.new_indicators
    assert new["mit_allgemeiner_hochschulreife_insgesamt"]["kind"] == "count"
    assert new["mit_allgemeiner_hochschulreife_insgesamt"]["name"] == (
        "mit allgemeiner Hochschulreife – Insgesamt")


def _atlas_xlsx_value(sheet: str, key: str, code: str) -> float:
    wb = openpyxl.load_workbook(ATLAS_XLSX, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] and str(r[0]).startswith("KRS"))
    col = next(i for i, h in enumerate(header) if h and f"Indikatorkürzel: {code}\n" in str(h))
    return float(next(r[col] for r in rows if str(r[0]) == key))


def test_workbook_sheet_chosen_by_name_or_by_its_keys(atlas, settings):
    assert _atlas_xlsx_value("Deutschlandatlas_KRS1224", "6411000", "kbetr_u3") == 42.38
    data = ATLAS_XLSX.read_bytes()
    # automatic: the sheet with the most keys of the atlas (Gemeinden, Gebietsstand 2023)
    rep = Report()
    auto = read_table(data, ATLAS_XLSX.name, rep,
                      key_score=__import__("geodata.importer.keys", fromlist=["AreaIndex"])
                      .AreaIndex.of(atlas.areas.drop(columns="geometry"),
                                    settings.levels).recognises)
    assert auto.sheet == "Deutschlandatlas_GEM1223"
    assert len(auto.sheets) == 16 and auto.sheets[0] == "Titel"
    note = next(i.text() for i in rep.issues if "Blätter" in i.text())
    assert note.startswith("Hinweis: deutschlandatlas_2026-04.xlsx: Die Mappe hat 16 Blätter; "
                           "gelesen wird „Deutschlandatlas_GEM1223“")
    assert "--blatt NAME" in note
    # by name (--blatt): the Kreis sheet; the rate given as a published figure stays as it is
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload(ATLAS_XLSX.name, data), ValueOptions(
            sheet="Deutschlandatlas_KRS1224",
            mapping={"kbetr_u3": "wert:betreuungsquote_u3:2024"}))]))
    assert not result.report.errors, result.report.text()
    # official rates outside 0–100 % are kept as published, with one warning per column
    # (row 133: Ü3 care quota 100.06 %; row 146: employment change -0.04 % a year)
    warned = [i.text() for i in result.report.warnings]
    assert any("Zeile 133: 100,06" in t and "übernommen, wie veröffentlicht" in t
               for t in warned)
    assert any("Zeile 146: -0,04" in t for t in warned)
    repo = result.repository
    rate = repo.value("06411", "betreuungsquote_u3", 2024)
    assert rate.value == pytest.approx(42.38)
    prov = repo.provenance("06411", "betreuungsquote_u3", 2024)
    assert prov.official
    assert prov.sources[0].text.startswith("© Bundesministerium für Wohnen, Stadtentwicklung "
                                           "und Bauwesen")
    assert "Blatt Deutschlandatlas_KRS1224" in prov.sources[0].note
    # an unknown sheet is a German error naming the sheets
    bad = check_import(atlas, settings, ImportRequest(tables=[
        (Upload(ATLAS_XLSX.name, data), ValueOptions(sheet="Kreise"))]))
    err = [i.text() for i in bad.report.errors]
    assert len(err) == 1 and "„Kreise“" in err[0] and "Deutschlandatlas_KRS1224" in err[0]


# --- value columns: only counts are summed -----------------------------------------------------

MIXED = (
    "AGS;Gemeinde;PLZ;lon;lat;Einwohner je km²;Quote in %;Kinder unter 6;Fahrzeit Minuten\n"
    "06433003;Büttelborn;64572;8,52;49,90;400,5;12,5;1200;5,1\n"
    "06433012;Rüsselsheim am Main;65428;8,41;49,99;1.400,2;17,0;4500;3,9\n"
).encode()


@pytest.mark.parametrize(("column", "kind"), [
    ("PLZ", "plz"), ("lon", "koordinate"), ("lat", "koordinate"),
    ("Einwohner je km²", "dichte"), ("Quote in %", "anteil"), ("Kinder unter 6", "anzahl"),
    ("Fahrzeit Minuten", "dichte"), ("Rechtswert", "koordinate"), ("OBJECTID", "kennung"),
])
def test_value_columns_are_classified(column, kind):
    table = read_table(MIXED, "gemischt.csv", Report())
    cells = table.column(column) if column in table.header else ["3", "4"]
    assert classify_column(column, cells, ",").kind == kind


def test_only_counts_are_proposed_as_summable(atlas, settings):
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("gemischt.csv", MIXED), ValueOptions(year=2023))]))
    mapping = result.mappings["gemischt.csv"]
    assert mapping["PLZ"] == "ignorieren"
    assert mapping["lon"] == "ignorieren" and mapping["lat"] == "ignorieren"
    kinds = {c["name"]: c["kind"] for c in result.new_indicators.values()}
    assert kinds == {"Einwohner je km²": "mean", "Quote in %": "rate",
                     "Kinder unter 6": "count", "Fahrzeit Minuten": "mean"}
    table = read_table(MIXED, "gemischt.csv", Report())
    assert propose_mapping(table, atlas.indicators)["AGS"] == "schluessel"
    # a rate or mean without numerator and denominator is a published figure: never summed,
    # so the Kreis gets no value of it, while the count is summed only if every Gemeinde has
    # one (here 2 of 14: no sum, and the report says why)
    repo = result.repository
    ids = {c["name"]: i for i, c in result.new_indicators.items()}
    assert repo.value("06433", ids["Quote in %"], 2023) is None
    assert repo.value("06433", ids["Kinder unter 6"], 2023) is None
    assert "Keine Summe für Groß-Gerau (06433), Kinder unter 6 2023: 12 von 14 Teilgebieten " \
        "ohne Wert" in result.report.text()
