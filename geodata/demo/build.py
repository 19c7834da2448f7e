"""Build the demo GeoPackage ``geodata/atlas.gpkg`` from ``geodata/demo/sources/``.

Run from the repository root::

    python -m geodata.demo.build

The build reads only files in ``geodata/demo/sources/`` (copies of the shared demo data, described
in ``geodata/demo/sources/SOURCES.md``) and the indicator catalogue ``geodata/indikatoren.csv``. It
is deterministic: the same inputs give identical table contents. The output is written to a
temporary file in the same folder and then moved over ``atlas.gpkg``.

Layers and tables written: ``areas``, ``institutions``, ``indicators``,
``values``, ``sources``, ``meta``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.demo import synthetic
from geodata.statistics.aggregate import aggregate_values
from geodata.storage.gpkg import write_gpkg

HERE = Path(__file__).resolve().parents[1]  # geodata/
SOURCES = Path(__file__).resolve().parent / "sources"
CATALOGUE = HERE / "indikatoren.csv"
OUTPUT = HERE / "atlas.gpkg"

CRS_METRIC = "EPSG:25832"
CRS_WEB = "EPSG:4326"
LEVEL_ORDER = ("kreis", "gemeinde", "quartier")
GEBIETSSTAND = "31.12.2023"

SOURCE_ROWS = [
    {
        "id": "bkg_vg250",
        "kind": "geometrie",
        "text": "© GeoBasis-DE / BKG 2017 (Daten verändert)",
        "licence": "dl-de/by-2-0",
        "url": "https://www.bkg.bund.de",
    },
    {
        "id": "destatis_gvisys",
        "kind": "amtlich",
        "text": "Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem "
        "GV-ISys, Stand 31.12.2023",
        "licence": "dl-de/by-2-0",
        "url": "https://www.destatis.de",
    },
    {
        "id": "frankfurt_stadtteile",
        "kind": "geometrie",
        "text": "Stadt Frankfurt am Main, Bürgeramt Statistik und Wahlen – Stadtteilgrenzen, "
        "dl-de/by-2-0",
        "licence": "dl-de/by-2-0",
        "url": "https://opendata.frankfurt.de",
    },
    {
        "id": "karlsruhe_stadtteile",
        "kind": "geometrie",
        "text": "Stadt Karlsruhe, dl-de/by-2-0; Aufbereitung: OK Lab Karlsruhe",
        "licence": "dl-de/by-2-0",
        "url": "https://github.com/CodeforKarlsruhe/wahlkarte",
    },
    {
        "id": "frankfurt_bevoelkerung",
        "kind": "amtlich",
        "text": "Stadt Frankfurt am Main, Bürgeramt Statistik und Wahlen – Stadtteilprofile "
        "Bevölkerungsstruktur 2011 und 2012",
        "licence": "dl-de/by-2-0 (Standardlizenz des Portals – prüfen)",
        "url": "https://daten.frankfurt.de",
    },
    {
        "id": "jedeschule",
        "kind": "daten",
        "text": "Schuldaten: jedeschule.de / Open Knowledge Foundation Deutschland (2016), nach "
        "amtlichen Schulverzeichnissen der Länder Hessen und Baden-Württemberg",
        "licence": "unklar – vor Veröffentlichung prüfen",
        "url": "https://github.com/Datenschule/jedeschule.de",
    },
    {
        "id": "synthetic",
        "kind": "synthetisch",
        "text": f"Synthetische Beispielwerte (Bildungsatlas-Generator, Seed {synthetic.SEED}) – "
        "keine amtlichen Daten",
        "licence": "",
        "url": "",
    },
]


def _read_csv(name: str) -> pd.DataFrame:
    """Read a source CSV with all columns as strings (keys keep their leading zeros)."""
    return pd.read_csv(SOURCES / name, dtype=str, keep_default_na=False, encoding="utf-8")


def _read_geojson(name: str) -> gpd.GeoDataFrame:
    """Read a source GeoJSON and reproject it to EPSG:25832."""
    return gpd.read_file(SOURCES / name).to_crs(CRS_METRIC)


def build_areas() -> gpd.GeoDataFrame:
    """Build the ``areas`` layer (EPSG:25832) from the Kreis, Gemeinde and quarter sources.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area_id``, ``name``, ``level``, ``parent_id``, ``kind``, ``geometry``,
        sorted by level order and ``area_id``.
    """
    kreise = _read_geojson("kreise_he_bw.geojson")
    gemeinden = _read_geojson("gemeinden_he_bw.geojson")
    quarters = _read_geojson("stadtteile_ffm_ka.geojson")
    parts = [
        pd.DataFrame(
            {"area_id": kreise["kreis_ags"], "name": kreise["name"], "level": "kreis",
             "parent_id": "", "kind": kreise["bez"], "source": "bkg_vg250",
             "geometry": kreise.geometry}
        ),
        pd.DataFrame(
            {"area_id": gemeinden["ags"], "name": gemeinden["name"], "level": "gemeinde",
             "parent_id": gemeinden["kreis_ags"], "kind": gemeinden["bez"],
             "source": "bkg_vg250", "geometry": gemeinden.geometry}
        ),
        pd.DataFrame(
            {"area_id": quarters["quarter_id"], "name": quarters["quarter_name"],
             "level": "quartier", "parent_id": quarters["city_ags"], "kind": "Stadtteil",
             "source": np.where(quarters["city_ags"] == "06412000", "frankfurt_stadtteile",
                                "karlsruhe_stadtteile"),
             "geometry": quarters.geometry}
        ),
    ]
    areas = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                             crs=CRS_METRIC)
    areas["_order"] = areas["level"].map({lv: i for i, lv in enumerate(LEVEL_ORDER)})
    areas = areas.sort_values(["_order", "area_id"]).drop(columns="_order").reset_index(drop=True)
    if areas["area_id"].duplicated().any():
        raise ValueError("duplicate area_id")
    missing_parent = set(areas["parent_id"]) - set(areas["area_id"]) - {""}
    if missing_parent:
        raise ValueError(f"unknown parent ids: {sorted(missing_parent)}")
    invalid = ~areas.geometry.is_valid
    if invalid.any():
        areas.loc[invalid, "geometry"] = _polygonal(shapely.make_valid(areas.geometry[invalid].values))
    return areas


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (drop stray lines/points)."""
    out = []
    for g in geoms:
        if g is None or g.is_empty or g.geom_type in {"Polygon", "MultiPolygon"}:
            out.append(g)
            continue
        polys = [p for p in shapely.get_parts(g) if p.geom_type in {"Polygon", "MultiPolygon"}]
        out.append(shapely.union_all(polys) if polys else shapely.Polygon())
    return np.asarray(out, dtype=object)


def build_institutions(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Build the ``institutions`` layer (schools, EPSG:25832).

    A school is assigned to the quarter its point lies in if its Gemeinde (``ags`` from the
    table, which is authoritative) has quarters; otherwise to the Gemeinde. Where quarters
    overlap (slivers), the lowest quarter id wins.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The ``areas`` layer in EPSG:25832.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``inst_id``, ``name``, ``type``, ``area_id``, ``attrs`` (JSON) and point
        geometry (null for schools without coordinates), sorted by ``inst_id``.
    """
    schools = _read_csv("schulen_he_bw.csv").sort_values("school_id").reset_index(drop=True)
    has_xy = (schools["lon"] != "") & (schools["lat"] != "")
    pts = np.full(len(schools), None, dtype=object)
    pts[has_xy.to_numpy()] = shapely.points(
        schools.loc[has_xy, "lon"].astype(float).to_numpy(),
        schools.loc[has_xy, "lat"].astype(float).to_numpy(),
    )
    geo = gpd.GeoSeries(pts, crs=CRS_WEB).to_crs(CRS_METRIC)

    quarters = areas[areas["level"] == "quartier"]
    area_id = schools["ags"].to_numpy(dtype=object).copy()
    for city, q in quarters.groupby("parent_id", sort=True):
        idx = np.flatnonzero((schools["ags"] == city).to_numpy() & has_xy.to_numpy())
        if len(idx) == 0:
            continue
        tree = shapely.STRtree(q.geometry.values)
        pairs = tree.query(geo.values[idx], predicate="intersects")
        qids = q["area_id"].to_numpy()
        hit: dict[int, str] = {}
        for i_pt, i_q in zip(pairs[0], pairs[1], strict=True):
            cand = qids[i_q]
            if i_pt not in hit or cand < hit[i_pt]:
                hit[i_pt] = cand
        for i_pt, qid in hit.items():
            area_id[idx[i_pt]] = qid

    attrs = [
        json.dumps(
            {
                "schulart": r.schulart,
                "strasse": r.strasse,
                "plz": r.plz,
                "ort": r.ort,
                "schueler_insgesamt": int(r.schueler_insgesamt or 0),
                "schueler_grundschule": int(r.schueler_grundschule or 0),
                "rechtsform_src": r.rechtsform_src,
            },
            ensure_ascii=False,
        )
        for r in schools.itertuples(index=False)
    ]
    known = set(areas["area_id"])
    if not set(area_id) <= known:
        raise ValueError("school with unknown area")
    return gpd.GeoDataFrame(
        {
            "inst_id": schools["school_id"],
            "name": schools["name"],
            "type": "schule",
            "area_id": area_id.astype(str),
            "attrs": attrs,
        },
        geometry=geo.values,
        crs=CRS_METRIC,
    )


def _long(df: pd.DataFrame, id_col: str, year: int | str, mapping: dict[str, str],
          source: str = "") -> pd.DataFrame:
    """Turn wide source columns into long value rows.

    Parameters
    ----------
    df : pandas.DataFrame
        Source table (string columns).
    id_col : str
        Column holding the area id.
    year : int or str
        A fixed year, or the name of a column holding the year.
    mapping : dict
        Source column -> indicator id.
    source : str
        Id of the ``sources`` row of these values.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_id``, ``indicator_id``, ``year``, ``value``; empty cells are skipped.
    """
    frames = []
    years = df[year].astype(int) if isinstance(year, str) else pd.Series(year, index=df.index)
    for col, ind in mapping.items():
        ok = df[col] != ""
        frames.append(
            pd.DataFrame(
                {
                    "area_id": df.loc[ok, id_col].to_numpy(),
                    "indicator_id": ind,
                    "year": years[ok].to_numpy(dtype="int64"),
                    "value": df.loc[ok, col].astype(float).to_numpy(),
                    "source": source,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def build_values(areas: gpd.GeoDataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Collect real and synthetic values and complete them with :func:`aggregate_values`.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The ``areas`` layer (EPSG:25832).
    catalogue : pandas.DataFrame
        The indicator catalogue.

    Returns
    -------
    pandas.DataFrame
        The complete ``values`` table.
    """
    gem_pop = _read_csv("gemeinden_bevoelkerung_2023.csv")
    gem_sch = _read_csv("gemeinden_schulen_2015.csv")
    q_sch = _read_csv("stadtteile_schulen_2015.csv")
    ffm = _read_csv("stadtteile_frankfurt_bevoelkerung_2011_2012.csv")

    real = pd.concat(
        [
            _long(gem_pop, "ags", 2023, {"bev_insgesamt": "einwohner"}, "destatis_gvisys"),
            _long(ffm, "quarter_id", "jahr",
                  {"einwohner": "einwohner", "kinder_0_5": "kinder_0_5",
                   "kinder_6_13": "kinder_6_13", "auslaender": "auslaender"},
                  "frankfurt_bevoelkerung"),
            _long(gem_sch, "ags", 2015,
                  {"n_schulen": "schulen", "schueler_insgesamt": "schueler",
                   "schueler_grundschule": "schueler_grundschule"}, "jedeschule"),
            _long(q_sch, "quarter_id", 2015,
                  {"n_schulen": "schulen", "schueler_insgesamt": "schueler",
                   "schueler_grundschule": "schueler_grundschule"}, "jedeschule"),
        ],
        ignore_index=True,
    )

    # synthetic model inputs
    quarters = areas[areas["level"] == "quartier"]
    qinfo = pd.DataFrame(
        {"quarter_id": quarters["area_id"].to_numpy(), "city_ags": quarters["parent_id"].to_numpy(),
         "area_m2": quarters.geometry.area.to_numpy()}
    )
    ffm12 = ffm[ffm["jahr"] == "2012"].set_index("quarter_id")
    weights = synthetic.quarter_weights(
        qinfo,
        population=ffm12["einwohner"].astype(float),
        primary_pupils=q_sch.set_index("quarter_id")["schueler_grundschule"].astype(float),
    )
    pct = ffm12["auslaender_pct"].astype(float)
    drivers = (pct - pct.mean()) / pct.std(ddof=0)
    gem_in = pd.DataFrame(
        {"ags": gem_pop["ags"], "pop_2023": gem_pop["bev_insgesamt"].astype(int),
         "verstaedterung_code": gem_pop["verstaedterung_code"]}
    )
    synth = synthetic.generate(gem_in, weights, drivers=drivers).assign(source="synthetic")

    values = pd.concat([real, synth], ignore_index=True)
    return aggregate_values(values, areas[["area_id", "parent_id"]], catalogue)


def _write(path: Path, areas, institutions, catalogue, values, meta) -> None:
    """Write all layers and tables to ``path`` (a new GeoPackage)."""
    write_gpkg(path, areas, institutions, catalogue, values, pd.DataFrame(SOURCE_ROWS), meta)


def main(argv: list[str] | None = None) -> None:
    """Build the GeoPackage (default ``geodata/atlas.gpkg``) and print a short summary."""
    parser = argparse.ArgumentParser(description="Baut den Demo-Atlas (GeoPackage).")
    parser.add_argument("--output", type=Path, default=OUTPUT,
                        help="Zieldatei (Standard: geodata/atlas.gpkg)")
    output: Path = parser.parse_args(argv).output
    t0 = time.perf_counter()
    catalogue = pd.read_csv(CATALOGUE, dtype=str, keep_default_na=False, encoding="utf-8")
    areas = build_areas()
    institutions = build_institutions(areas)
    values = build_values(areas, catalogue)

    kreise_pop = _read_csv("kreise_bevoelkerung_2023.csv").set_index("kreis_ags")["bev_insgesamt"]
    ew = values[(values["indicator_id"] == "einwohner") & (values["year"] == 2023)]
    ew = ew.set_index("area_id")["value"]
    if not (ew.reindex(kreise_pop.index) == kreise_pop.astype(float)).all():
        raise ValueError("Kreis population does not match kreise_bevoelkerung_2023.csv")

    meta = pd.DataFrame(
        [
            ("seed", str(synthetic.SEED)),
            ("generator_version", synthetic.GENERATOR_VERSION),
            ("gebietsstand", GEBIETSSTAND),
            ("synthetic_years", f"{synthetic.YEARS[0]}-{synthetic.YEARS[-1]}"),
            ("crs", CRS_METRIC),
            ("levels", ",".join(LEVEL_ORDER)),
            ("builder", "geodata.demo.build"),
        ],
        columns=["key", "value"],
    )

    tmp = output.with_name(f"{output.name}.tmp-{os.getpid()}.gpkg")
    if tmp.exists():
        tmp.unlink()
    try:
        _write(tmp, areas, institutions, catalogue, values, meta)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()

    print(f"wrote {output}")
    for level, n in areas["level"].value_counts().reindex(list(LEVEL_ORDER)).items():
        print(f"  areas {level:<9} {n:>6}")
    n_q = int((institutions["area_id"].str.contains("-")).sum())
    print(f"  institutions     {len(institutions):>6} (with point {int(institutions.geometry.notna().sum())}, "
          f"in quarters {n_q})")
    print(f"  indicators       {len(catalogue):>6}")
    print(f"  values rows      {len(values):>6}")
    print(f"  file size        {output.stat().st_size / 1e6:.1f} MB")
    print(f"  build time       {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
