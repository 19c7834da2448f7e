"""Issue 17, point 6: every value carries its source; the tooltip, legend, credits, profile and
the table exports name the sources of the values shown, and "synthetisch" follows the values,
not the indicator. The data: the GENESIS table 21111-02-06-4 (2023, Kreise, official) imported
over the demo atlas, whose 2019–2022 values and all values below the Kreise stay synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.importer.core import ImportRequest, Upload, check_import
from geodata.importer.values import ValueOptions
from geodata.model.entities import ROOT
from geodata.reports.tables import view_table
from geodata.views.mapdata import indicator_map
from geodata.views.profile import profile_rows
from geodata.views.state import parse_query

GENESIS = Path(__file__).parent / "fixtures" / "amtlich" / "regionalstatistik_21111-02-06-4_2023.csv"
OFFICIAL = ("© Statistische Ämter des Bundes und der Länder, Deutschland, 2025. Dieses Werk ist "
            "lizenziert unter der Datenlizenz Deutschland - Namensnennung - Version 2.0. "
            "(dl-de/by-2-0)")


@pytest.fixture(scope="module")
def imported(atlas, settings):
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload(GENESIS.name, GENESIS.read_bytes()), ValueOptions(mapping={
            "Insgesamt": "wert:schulabgaenger:",
            "ohne Hauptschulabschluss – Insgesamt": "wert:abgaenger_ohne_abschluss:"}))]))
    assert not result.report.errors, result.report.text()
    return result.repository


def _state(repo, query):
    state, notes = parse_query(query, repo)
    assert notes == []
    return state


def test_map_legend_tooltip_and_credits_follow_the_values(imported):
    repo = imported
    md = indicator_map(repo, _state(repo, "indikator=quote_ohne_abschluss&jahr=2023"))
    assert len(md.area_ids) == 70
    assert set(md.origins) == {"amtlich"}  # tooltip: per area
    assert md.synthetic is False
    assert list(md.source_lines) == [f"amtlich (70 Gebiete) – Quelle: {OFFICIAL}"]
    # the same indicator in 2022 is the demo's: synthetic, said so
    md22 = indicator_map(repo, _state(repo, "indikator=quote_ohne_abschluss&jahr=2022"))
    assert set(md22.origins) == {"synthetisch"} and md22.synthetic is True
    # the Gemeinden of Groß-Gerau in 2023: synthetic (below the Kreis nothing was imported)
    md_gem = indicator_map(repo, _state(repo, "gebiet=06433&indikator=quote_ohne_abschluss"
                                              "&jahr=2023"))
    assert set(md_gem.origins) == {"synthetisch"}
    # the indicator list says what its values are: partly synthetic now
    assert repo.synthetic_label("quote_ohne_abschluss") == "teils synthetisch"
    assert repo.synthetic_label("sprachfoerderbedarf") == "synthetisch"
    assert repo.synthetic_label("einwohner") == ""


def test_profile_rows_and_table_export_carry_each_values_provenance(imported):
    repo = imported
    rows = {r.indicator.id: r for r in profile_rows(repo, "06411", 2023)}
    q = rows["quote_ohne_abschluss"]
    assert q.year == 2023 and q.synthetic is False
    assert q.provenance.label == "amtlich"
    assert q.provenance.texts() == [OFFICIAL]
    assert rows["sprachfoerderbedarf"].synthetic is True
    assert rows["einwohner"].provenance.label == "amtlich"  # GV-ISys, the demo's real data

    cols, table, meta = view_table(repo, _state(repo, "indikator=quote_ohne_abschluss&jahr=2023"))
    where = cols.index("Herkunft")
    kreise = [r for r in table if len(str(r[0])) == 5]
    assert len(kreise) == 70 and {r[where] for r in kreise} == {"amtlich"}
    # the references below them (the whole atlas, and each Land): sums of official Kreise
    refs = [r for r in table if "(insgesamt)" in str(r[1])]
    assert refs and {r[where] for r in refs} == {"amtlich"}
    assert meta["synthetisch"] is False
    assert meta["quellen"][0] == f"Daten: {OFFICIAL}"
    assert not any(line.startswith("Werte: ") for line in meta["quellen"])
    # the whole atlas's value is the sum of the Kreise (the two Länder's totals in the file)
    total = repo.value(ROOT, "quote_ohne_abschluss", 2023)
    assert total.value == pytest.approx(100 * (3557 + 6920) / (58909 + 100465))
