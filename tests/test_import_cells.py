"""Issue 17, points 1 and 4: every imported cell replaces the stored one (a number, a
suppressed "." or an explicitly empty cell), a rate's numerator and denominator come from one
import, the report lists replaced, newly suppressed and cleared cells; Gebietsstand with
geodata/gebietsaenderungen.csv.

Expected values are worked out by hand: the old values are read from the committed demo
GeoPackage with pyogrio (not through the repository), the new ones are the test's own input.
"""

from __future__ import annotations

import pyogrio
import pytest

from geodata.importer.core import ImportRequest, Upload, check_import, run_import
from geodata.importer.values import ValueOptions
from geodata.storage.gpkg import DEFAULT_GPKG, read_atlas_tables
from geodata.storage.store import GpkgStore
from geodata.storage.tables import build_repository


@pytest.fixture(scope="module")
def stored():
    """The demo atlas's stored value rows as a plain table, read with pyogrio."""
    return pyogrio.read_dataframe(DEFAULT_GPKG, layer="values", read_geometry=False)


def _old(stored, area: str, ind: str, year: int) -> float:
    row = stored[(stored["area_id"] == area) & (stored["indicator_id"] == ind)
                 & (stored["year"] == year)]
    assert len(row) == 1, (area, ind, year)
    return float(row["value"].iloc[0])


def _de(n: float) -> str:
    """German thousands separator for whole numbers (the report's format)."""
    return f"{int(n):,}".replace(",", ".")


KA_CELLS = (
    "Schlüssel;Name;Jahr;kinder_u3;kinder_u3_betreut\n"
    "08212000-001;Innenstadt-Ost;2023;400;120\n"
    "08212000-002;Innenstadt-West;2023;500;.\n"
    "08212000-003;Südstadt;2023;300;\n"
).encode()


def test_number_suppressed_and_empty_cells_replace_the_stored_values(atlas, settings, stored):
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("ka.csv", KA_CELLS), ValueOptions())]))
    rep = result.report
    assert not rep.errors, rep.text()
    repo = result.repository
    u3, bt, q = "kinder_u3", "kinder_u3_betreut", "betreuungsquote_u3"
    # Innenstadt-Ost: both counts replaced, the rate computed from them: 120 / 400 = 30 %
    assert repo.value("08212000-001", u3, 2023).value == 400
    assert repo.value("08212000-001", bt, 2023).value == 120
    rate = repo.value("08212000-001", q, 2023)
    assert (rate.value, rate.numerator, rate.denominator) == (30.0, 120.0, 400.0)
    # Innenstadt-West: the "." replaces the stored 64 by a suppressed cell; the rate built
    # from it is suppressed too (never 64 / 500 from an old numerator and a new denominator)
    assert repo.value("08212000-002", bt, 2023) is None
    assert repo.withheld("08212000-002", bt, 2023)
    assert repo.value("08212000-002", q, 2023) is None
    assert repo.withheld("08212000-002", q, 2023)
    # Südstadt: the empty cell clears the stored 61; no rate; nothing withheld
    assert repo.value("08212000-003", bt, 2023) is None
    assert not repo.withheld("08212000-003", bt, 2023)
    assert repo.value("08212000-003", q, 2023) is None
    # untouched cells stay: Südweststadt keeps its stored counts
    assert repo.value("08212000-004", bt, 2023).value == _old(stored, "08212000-004", bt, 2023)
    # Karlsruhe's sum of kinder_u3: stored sum minus the three old quarter values plus the new
    old = [_old(stored, f"08212000-00{i}", u3, 2023) for i in (1, 2, 3)]
    ka_sum = _old(stored, "08212000", u3, 2023) - sum(old) + 400 + 500 + 300
    assert repo.value("08212000", u3, 2023).value == ka_sum
    assert repo.value("08212", u3, 2023).value == ka_sum  # the Kreis has one Gemeinde
    # ... and no sum of the numerator: one quarter suppressed, one without a value
    assert repo.value("08212000", bt, 2023) is None
    assert repo.value("08212000", q, 2023) is None

    old_bt = [_old(stored, f"08212000-00{i}", bt, 2023) for i in (1, 2, 3)]
    name_u3 = "Kinder unter 3 Jahren 2023"
    name_bt = "Kinder unter 3 Jahren in Kindertagesbetreuung 2023"
    changes = sorted((c.kind, c.area, c.what, c.old, c.new) for c in rep.changes)
    assert changes == sorted([
        ("ersetzt", "Innenstadt-Ost (08212000-001)", name_u3, _de(old[0]), "400"),
        ("ersetzt", "Innenstadt-Ost (08212000-001)", name_bt, _de(old_bt[0]), "120"),
        ("ersetzt", "Innenstadt-West (08212000-002)", name_u3, _de(old[1]), "500"),
        ("gesperrt", "Innenstadt-West (08212000-002)", name_bt, _de(old_bt[1]), "gesperrt"),
        ("ersetzt", "Südstadt (08212000-003)", name_u3, _de(old[2]), "300"),
        ("geleert", "Südstadt (08212000-003)", name_bt, _de(old_bt[2]), "kein Wert"),
    ])
    text = rep.text()
    assert "4 ersetzte Werte:" in text
    assert "1 neu gesperrter Wert:" in text
    assert "1 gelöschter Wert:" in text
    assert (f"Innenstadt-West (08212000-002), {name_bt}: {_de(old_bt[1])} → gesperrt") in text
    # the parent without a sum, and why
    assert ("Hinweis: Keine Summe für Karlsruhe (08212000), Kinder unter 3 Jahren in "
            "Kindertagesbetreuung 2023: 1 von 27 Teilgebieten ohne Wert (Südstadt); "
            "1 gesperrt.") in text
    # the report CSV has every change
    csv_text = rep.to_csv()
    assert csv_text.count("Änderung") == 6


def test_numerator_from_another_import_never_builds_a_rate(atlas, settings, stored):
    """The bug of issue 17: a new numerator over an old denominator (a 29,9 % in the top
    class). The rate of that cell is left out and the report says why."""
    data = ("Schlüssel;Jahr;kinder_u3_betreut\n08212000-004;2023;150\n").encode()
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("nur_zaehler.csv", data), ValueOptions())]))
    rep = result.report
    repo = result.repository
    assert repo.value("08212000-004", "kinder_u3_betreut", 2023).value == 150
    assert repo.value("08212000-004", "betreuungsquote_u3", 2023) is None
    assert repo.value("08212000", "betreuungsquote_u3", 2023) is None
    assert repo.value("08212000-004", "kinder_u3", 2023).value == _old(
        stored, "08212000-004", "kinder_u3", 2023)
    warnings = [i.text() for i in rep.issues if i.severity == "Warnung"]
    assert warnings == [
        # the quarter, and Karlsruhe and its Kreis, whose sums contain the quarter's numerator
        "Warnung: „Betreuungsquote unter 3 Jahren 2023“ für 3 Gebiete nicht berechnet "
        "(Südweststadt (08212000-004), Karlsruhe (08212000), Karlsruhe (08212)): Zähler und Nenner stammen aus verschiedenen Importen. Bitte beide "
        "aus derselben Quelle importieren."]
    # a neighbour whose counts both stay from the demo keeps its rate: 123 / 375 = 32,8 %
    assert repo.value("08212000-006", "betreuungsquote_u3", 2023).value == pytest.approx(32.8)


def test_suppressed_state_survives_the_store_and_a_second_import(tmp_path, settings):
    store = GpkgStore(tmp_path)
    res = run_import(store, settings, ImportRequest(tables=[
        (Upload("ka.csv", KA_CELLS), ValueOptions())]), note="eins")
    assert res.version is not None, res.report.text()
    # read back from the written GeoPackage (not the checked repository)
    repo = build_repository(read_atlas_tables(store.path_of(store.current_version())), settings)
    assert repo.withheld("08212000-002", "kinder_u3_betreut", 2023)
    assert repo.value("08212000-002", "kinder_u3_betreut", 2023) is None
    prov = repo.provenance("08212000-002", "kinder_u3_betreut", 2023)
    assert prov.status == "gesperrt" and prov.sources[0].file == "ka.csv"
    # a later import with a number for the suppressed cell replaces it ("gesperrt" → 70)
    again = "Schlüssel;Jahr;kinder_u3_betreut\n08212000-002;2023;70\n".encode()
    res2 = run_import(store, settings, ImportRequest(tables=[
        (Upload("nachtrag.csv", again), ValueOptions())]), note="zwei")
    assert [(c.kind, c.old, c.new) for c in res2.report.changes] == [("ersetzt", "gesperrt",
                                                                      "70")]
    repo2 = build_repository(read_atlas_tables(store.path_of(store.current_version())),
                             settings)
    assert repo2.value("08212000-002", "kinder_u3_betreut", 2023).value == 70
    assert not repo2.withheld("08212000-002", "kinder_u3_betreut", 2023)
    # numerator (second import) and denominator (first import) differ: no rate
    assert repo2.value("08212000-002", "betreuungsquote_u3", 2023) is None


# --- Gebietsstand ------------------------------------------------------------------------------
# gebietsaenderungen.csv: Bromskirchen (06635005) was incorporated into Allendorf (Eder)
# (06635001) on 01.01.2023 (Eingliederung). A table of 2021 still has both.

def _waldeck_2021(atlas) -> tuple[bytes, dict[str, tuple[int, int]]]:
    ids = sorted(atlas.areas.loc[atlas.areas["parent_id"] == "06635", "area_id"].astype(str))
    assert len(ids) == 21 and "06635001" in ids and "06635005" not in ids
    cells = {aid: (100 + 10 * i, 30 + i) for i, aid in enumerate(ids)}
    cells["06635005"] = (50, 20)
    lines = ["AGS;Jahr;kinder_u3;kinder_u3_betreut"]
    lines += [f"{aid};2021;{u3};{bt}" for aid, (u3, bt) in cells.items()]
    return ("\n".join(lines) + "\n").encode(), cells


def test_without_gebietsstand_the_kreis_gets_no_short_sum(atlas, settings):
    data, cells = _waldeck_2021(atlas)
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("waldeck_2021.csv", data), ValueOptions())], allow_partial=True))
    rep = result.report
    text = rep.text()
    assert "Bromskirchen (06635005) gibt es seit 01.01.2023 nicht mehr" in text
    repo = result.repository
    # Allendorf's own 2021 value is kept but covers only part of today's Gemeinde ...
    assert repo.value("06635001", "kinder_u3", 2021).value == cells["06635001"][0]
    assert repo.provenance("06635001", "kinder_u3", 2021).status == "unvollstaendig"
    # ... so the Kreis gets no sum for 2021 (never one that is silently short), and says why
    assert repo.value("06635", "kinder_u3", 2021) is None
    assert ("Keine Summe für Waldeck-Frankenberg (06635), Kinder unter 3 Jahren 2021: "
            "1 mit unvollständigem Gebietsstand.") in text


def test_with_gebietsstand_counts_are_carried_and_rates_recomputed(atlas, settings):
    data, cells = _waldeck_2021(atlas)
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("waldeck_2021.csv", data), ValueOptions(carry=True))]))
    rep = result.report
    assert not rep.errors, rep.text()
    repo = result.repository
    own_u3, own_bt = cells["06635001"]
    assert (own_u3, own_bt) == (100, 30)  # the first key in order
    # Allendorf 2021 = its own value + Bromskirchen's: 100 + 50 and 30 + 20
    assert repo.value("06635001", "kinder_u3", 2021).value == 150
    assert repo.value("06635001", "kinder_u3_betreut", 2021).value == 50
    rate = repo.value("06635001", "betreuungsquote_u3", 2021)
    assert rate.value == pytest.approx(100 * 50 / 150)
    # the Kreis: sum over all 22 rows of the file (Bromskirchen included, once)
    assert repo.value("06635", "kinder_u3", 2021).value == sum(u for u, _ in cells.values())
    assert repo.value("06635", "kinder_u3_betreut", 2021).value == sum(
        b for _, b in cells.values())
    text = rep.text()
    assert ("Gebietsstand: Bromskirchen (06635005) → Allendorf (Eder) (06635001), "
            "„kinder_u3“ 2021: 50 (Bromskirchen) + 100 (Allendorf (Eder)) = 150.") in text
    assert ("Gebietsstand: Bromskirchen (06635005) → Allendorf (Eder) (06635001), "
            "„kinder_u3_betreut“ 2021: 20 (Bromskirchen) + 30 (Allendorf (Eder)) = 50.") in text
