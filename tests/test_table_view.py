"""The table view's rows (geodata/views/maptable.py) and its URL switch, checked against the
GV-ISys population file read here with csv, and competition ranks worked out by hand."""

from __future__ import annotations

import csv
from dataclasses import replace

from geodata.views.maptable import table_rows
from geodata.views.state import parse_query, to_query
from tests.conftest import SOURCES


def test_tabelle_in_the_address(repo):
    state, notes = parse_query("?gebiet=06433&tabelle=an", repo)
    assert state.tabelle and not notes
    assert "tabelle=an" in to_query(state)
    assert "tabelle" not in to_query(replace(state, tabelle=False))
    state, notes = parse_query("?tabelle=ja", repo)
    assert not state.tabelle
    assert notes == ["„ja“ (Parameter tabelle) ist weder „an“ noch „aus“."]


def test_rows_are_the_population_of_the_14_gemeinden(repo):
    with open(SOURCES / "gemeinden_bevoelkerung_2023.csv", encoding="utf-8") as fh:
        pop = {r["ags"]: int(r["bev_insgesamt"]) for r in csv.DictReader(fh)
               if r["ags"].startswith("06433")}
    assert len(pop) == 14
    state, _ = parse_query("?gebiet=06433&indikator=einwohner&jahr=2023&tabelle=an", repo)
    rows = table_rows(repo, state)
    assert {r.area_id: r.value for r in rows} == pop
    assert all(r.state == "ok" and r.state_label == "" for r in rows)
    # Rank 1 = most "need": for a neutral count the largest value (competition ranks).
    by_size = sorted(pop, key=lambda a: -pop[a])
    assert {r.area_id: r.rank for r in rows} == {a: i + 1 for i, a in enumerate(by_size)}
    # Five classes, 1-based: the largest Gemeinde in the top class, whose range ends at its
    # population in German format (thousands dot).
    largest = next(r for r in rows if r.area_id == by_size[0])
    assert largest.klass == 5
    assert largest.class_label.endswith(f"{pop[by_size[0]]:,}".replace(",", "."))


def test_suppressed_rows_carry_no_number(repo):
    state, _ = parse_query("?gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023", repo)
    rows = table_rows(repo, state)
    locked = [r for r in rows if r.state == "gesperrt"]
    assert locked, "Frankfurt has quarters with fewer than 3 leavers without a qualification"
    assert all(r.value is None and r.rank is None and r.klass is None for r in locked)
    assert all(r.state_label == "gesperrt (Geheimhaltung)" for r in locked)
