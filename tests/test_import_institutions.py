"""Institutions with UTM, Gauß-Krüger or lon/lat coordinates, or only an area key."""

from __future__ import annotations

import json

import numpy as np

from geodata.importer.core import ImportRequest, Upload, check_import
from geodata.importer.facilities import InstitutionOptions, detect_crs
from geodata.repository import load_settings


def _point_in(atlas, area_id: str) -> tuple[float, float]:
    g = atlas.areas.loc[atlas.areas["area_id"] == area_id, "geometry"].iloc[0]
    p = g.representative_point()
    return round(p.x), round(p.y)


def test_utm_file_types_mapped_and_rows_checked(atlas):
    sx, sy = _point_in(atlas, "08212000-003")  # Südstadt, Karlsruhe
    dx, dy = _point_in(atlas, "08212000-019")  # Durlach
    text = (
        "Einrichtungen Karlsruhe (Stand 2024)\n"
        "Name;Art;Rechtswert;Hochwert;Gebietsschlüssel;Straße\n"
        f"Kita Sonnenschein;Kindertagesstätte;{sx},5;{sy};;Hauptstr. 1\n"
        f"Grundschule Durlach;Grundschule;{dx};{dy};;\n"
        f"Hallenbad Süd;Schwimmbad;{sx};{sy};;\n"
        "Jugendtreff Mitte;Jugendtreff;;;6433012;\n"
        f"Bücherei Ost;Bibliothek;{dx};zwölf;;\n"
    ).encode("cp1252")
    result = check_import(atlas, load_settings(), ImportRequest(
        institutions=[(Upload("einrichtungen.csv", text), InstitutionOptions())],
        allow_partial=True))
    rep = result.report
    assert [i.text() for i in rep.issues] == [
        "Hinweis: einrichtungen.csv, Zeile 1: Titelzeile übersprungen: „Einrichtungen "
        "Karlsruhe (Stand 2024)“",
        "Hinweis: einrichtungen.csv: Koordinaten erkannt als UTM Zone 32 (ETRS89, EPSG:25832).",
        "Fehler: einrichtungen.csv, Zeile 5, Spalte „Art“: Die Art „Schwimmbad“ ist unbekannt; "
        "bekannt sind: Schule, Kita, Familienzentrum, Jugendzentrum, Bibliothek, "
        "Volkshochschule. Zeile abgelehnt.",
        f"Fehler: einrichtungen.csv, Zeile 7, Spalte „Rechtswert“: Koordinaten „{dx}“/„zwölf“ sind "
        "keine Zahlen. Zeile abgelehnt.",
    ]
    assert rep.count_lines() == [
        "einrichtungen.csv: 5 Zeilen gelesen, 3 übernommen, 2 abgelehnt"]
    repo = result.repository
    kita = next(i for i in repo.institutions_in("08212000-003") if i.name == "Kita Sonnenschein")
    assert kita.type == "kita" and kita.area_id == "08212000-003"
    assert json.loads(json.dumps(dict(kita.attrs))) == {
        "strasse": "Hauptstr. 1", "art_original": "Kindertagesstätte"}
    school = next(i for i in repo.institutions_in("08212000-019") if i.name == "Grundschule Durlach")
    assert school.type == "schule"
    youth = next(i for i in repo.institutions_in("06433012") if i.name == "Jugendtreff Mitte")
    assert youth.type == "jugendzentrum" and youth.lon is None  # no coordinates: by key only
    assert not any(i.name == "Hallenbad Süd" for i in repo.institutions_in("08212000"))


def test_coordinate_systems_detected_by_value_range():
    # Karlsruhe Schloss: lon 8.4044, lat 49.0137; UTM32 456400/5429700; GK3 3456450/5431500
    assert detect_crs(np.array([8.40]), np.array([49.01]))[0] == "EPSG:4326"
    assert detect_crs(np.array([456400.0]), np.array([5429700.0]))[0] == "EPSG:25832"
    code, _what, x = detect_crs(np.array([32456400.0]), np.array([5429700.0]))
    assert code == "EPSG:25832" and x[0] == 456400.0  # zone prefix 32 removed
    assert detect_crs(np.array([3456450.0]), np.array([5431500.0]))[0] == "EPSG:31467"
    code, what, _x = detect_crs(np.array([49.01]), np.array([8.40]))
    assert code is None and "vertauscht" in what
