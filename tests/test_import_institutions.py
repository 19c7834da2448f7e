"""Institutions with UTM, Gauß-Krüger or lon/lat coordinates, or only an area key."""

from __future__ import annotations

import json

import numpy as np
from pyproj import Transformer

from geodata.importer.core import ImportRequest, Upload, check_import, run_import
from geodata.importer.facilities import InstitutionOptions, detect_crs
from geodata.model.settings import load_settings
from geodata.storage.store import GpkgStore


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


def _german(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}".replace(".", ",")


def test_gauss_krueger_lonlat_and_zone_prefixed_utm_land_where_utm_does(atlas, tmp_path):
    """The same two places as UTM 32, Gauß-Krüger strip 3, lon/lat and UTM with the zone
    prefix "32" (converted here with pyproj), one file each, imported and written: every
    point lies in the same Stadtteil as in UTM and is stored within 1 m of it."""
    sx, sy = _point_in(atlas, "08212000-003")  # Südstadt, Karlsruhe
    dx, dy = _point_in(atlas, "08212000-019")  # Durlach
    places = {"Kita Süd": ("Kita", sx + 0.5, sy + 0.25, "08212000-003"),
              "Schule Durlach": ("Grundschule", dx - 0.75, dy + 0.5, "08212000-019")}
    to_gk = Transformer.from_crs("EPSG:25832", "EPSG:31467", always_xy=True)
    to_ll = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
    variants = {  # file → (header of x/y, x/y as written, the detection the report names)
        "utm.csv": ("Rechtswert;Hochwert", lambda x, y: (_german(x, 2), _german(y, 2)),
                    "UTM Zone 32 (ETRS89, EPSG:25832)"),
        "gk.csv": ("Rechtswert;Hochwert",
                   lambda x, y: tuple(_german(v, 3) for v in to_gk.transform(x, y)),
                   "Gauß-Krüger Streifen 3 (EPSG:31467)"),
        "lonlat.csv": ("Länge;Breite",
                       lambda x, y: tuple(_german(v, 9) for v in to_ll.transform(x, y)),
                       "Längen-/Breitengrade (WGS84, EPSG:4326)"),
        "utm_zone.csv": ("Ostwert;Nordwert",
                         lambda x, y: (_german(32_000_000 + x, 2), _german(y, 2)),
                         "UTM Zone 32 mit Zonenangabe (EPSG:25832)"),
    }
    uploads = []
    for file, (xy_header, convert, _what) in variants.items():
        rows = [f"Name;Art;{xy_header}"]
        for name, (art, x, y, _area) in places.items():
            rows.append(f"{name} ({file});{art};" + ";".join(convert(x, y)))
        uploads.append((Upload(file, ("\n".join(rows) + "\n").encode("utf-8")),
                        InstitutionOptions()))
    gk_x = to_gk.transform(sx, sy)[0]
    assert 3_400_000 < gk_x < 3_500_000  # really strip 3, not UTM with another offset
    store = GpkgStore(tmp_path / "daten")
    result = run_import(store, load_settings(), ImportRequest(institutions=uploads))
    rep = result.report
    assert rep.ok and result.version, rep.lines()
    assert [i.text() for i in rep.issues] == [
        f"Hinweis: {file}: Koordinaten erkannt als {what}."
        for file, (_h, _c, what) in variants.items()]
    assert rep.count_lines() == [f"{file}: 2 Zeilen gelesen, 2 übernommen, 0 abgelehnt"
                                 for file in variants]
    # read back what was stored, compared in UTM 32
    stored = store.read().institutions.to_crs("EPSG:25832")
    for file in variants:
        for name, (_art, x, y, area) in places.items():
            row = stored[stored["name"] == f"{name} ({file})"]
            assert len(row) == 1, (file, name)
            assert row["area_id"].iloc[0] == area, (file, name)
            p = row.geometry.iloc[0]
            assert abs(p.x - x) < 1 and abs(p.y - y) < 1, (file, name, p.x - x, p.y - y)
