"""Seeded generator of a Germany-sized stress atlas (synthetic geometry and values).

Run: ``python -m bench.stress_atlas --out /tmp/bildungsatlas-stress.gpkg`` (about a minute;
the file is large and never committed). Same layers and columns as ``geodata/atlas.gpkg``, so
the app loads it unchanged (``BILDUNGSATLAS_GPKG=/tmp/bildungsatlas-stress.gpkg python app.py``).

Model (all random numbers from one ``numpy.random.Generator`` seeded with :data:`SEED`):

* **Gemeinden**: :data:`N_GEMEINDEN` Voronoi cells of random seed points (denser towards a few
  random "agglomerations") clipped to a 640 km × 865 km box in EPSG:25832 (about Germany's
  extent). Voronoi cells share their edges exactly, so the level is a valid coverage. To give
  the borders the detail of real ones (a few hundred vertices per Gemeinde), every edge gets
  a vertex each :data:`SEGMENT_M` metres (rounded to 0.1 m, so both sides of a border get the
  same vertices) and every vertex is moved by the same smooth displacement field of the
  plane (:func:`_wiggle`: three sine waves, amplitude well below wavelength / 2π, so the map
  is one-to-one and shared borders stay shared).
* **Kreise**: :data:`N_KREISFREI` Gemeinden are kreisfreie Städte (a Kreis with that one
  Gemeinde); every other Gemeinde belongs to the nearest of the remaining Kreis seeds
  (:data:`N_KREISE` in all). A Kreis's geometry is the coverage union of its Gemeinden, so
  Kreise share borders with each other and with their Gemeinden.
* **Stadtteile**: each kreisfreie Stadt is cut into :data:`QUARTERS_PER_CITY` Voronoi cells of
  seeds inside it, intersected with the city.
* **Keys** follow ``geodata/atlas.toml``: Kreis = 2-digit Land + Regierungsbezirk + 2 digits,
  Gemeinde = Kreis + 3 digits, Stadtteil = ``<AGS>-<3 digits>``.
* **Values** for :data:`YEARS` and the demo's synthetic indicators plus ``einwohner``:
  integer counts on the lowest level (Stadtteil, else Gemeinde) drawn from Poisson and
  Binomial distributions, summed exactly to Gemeinden and Kreise; rates recomputed from the
  summed numerator and denominator at every level (never averaged).
* **Institutions**: :data:`N_SCHOOLS` schools at a point inside a random lowest-level area.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geodata.storage.gpkg import DEFAULT_GPKG, write_gpkg

SEED = 20261123
N_KREISE = 400
N_KREISFREI = 100
N_GEMEINDEN = 11_000
QUARTERS_PER_CITY = 200
N_SCHOOLS = 3_000
YEARS = (2021, 2022, 2023)
SEGMENT_M = 100.0
# (amplitude m, wavelength m) of the border wiggle; sum of 2π·a/λ < 1 keeps it one-to-one.
WAVES = ((300.0, 6_000.0), (60.0, 1_500.0), (12.0, 300.0))
BOX = (280_000.0, 5_235_000.0, 920_000.0, 6_100_000.0)  # EPSG:25832, about Germany
# rate: (numerator, denominator, share of population in the denominator, base probability)
RATES = {
    "betreuungsquote_u3": ("kinder_u3_betreut", "kinder_u3", 0.029, 0.32),
    "betreuungsquote_ue3": ("kinder_3_6_betreut", "kinder_3_6", 0.029, 0.92),
    "sprachfoerderbedarf": ("einschueler_sprachfoerderung", "einschueler", 0.010, 0.17),
    "uebergangsquote_gym": ("uebergaenge_gymnasium", "viertklaessler", 0.0095, 0.47),
    "sgb2_quote_u15": ("kinder_u15_sgb2", "kinder_u15", 0.14, 0.10),
    "quote_ohne_abschluss": ("abgaenger_ohne_abschluss", "schulabgaenger", 0.010, 0.06),
}
SYLLABLES = ("Alt", "Neu", "Ober", "Unter", "Bad ", "Gro", "Klein", "Wald", "Berg", "Bach",
             "Lin", "Ro", "Wies", "Hain", "Eich", "Sten", "Mar", "Hol", "Fel", "Bur")
ENDINGS = ("dorf", "heim", "hausen", "ingen", "bach", "feld", "stadt", "berg", "au", "rode")


def _names(rng: np.random.Generator, n: int) -> list[str]:
    a = rng.integers(0, len(SYLLABLES), n)
    b = rng.integers(0, len(SYLLABLES), n)
    c = rng.integers(0, len(ENDINGS), n)
    return [(SYLLABLES[i] + SYLLABLES[j].lower().strip() + ENDINGS[k]).replace("  ", " ")
            for i, j, k in zip(a, b, c, strict=True)]


def _seeds(rng: np.random.Generator, n: int, bounds: tuple[float, ...],
           within: shapely.Geometry | None = None) -> np.ndarray:
    """``n`` distinct random points in ``bounds`` (and inside ``within`` if given)."""
    minx, miny, maxx, maxy = bounds
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        pts = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        if within is not None:
            pts = pts[shapely.contains_xy(within, pts[:, 0], pts[:, 1])]
        out.append(pts)
        have += len(pts)
    return np.round(np.concatenate(out)[:n], 1)


def _voronoi(points: np.ndarray, clip: shapely.Geometry) -> np.ndarray:
    """The Voronoi cell of each point (in input order), intersected with ``clip``."""
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(points), extend_to=clip, ordered=True))
    return shapely.make_valid(shapely.intersection(cells, clip))


def _wiggle(coords: np.ndarray) -> np.ndarray:
    """A smooth displacement of the plane (the same for every geometry)."""
    x, y = coords[:, 0], coords[:, 1]
    dx = np.zeros_like(x)
    dy = np.zeros_like(y)
    for i, (amp, wave) in enumerate(WAVES):
        k = 2 * np.pi / wave
        dx += amp * np.sin(k * y + i) * 0.7
        dy += amp * np.sin(k * x + 2 * i) * 0.7
    return np.column_stack([x + dx, y + dy])


def _detailed(geoms: np.ndarray) -> np.ndarray:
    """Borders with real-world detail (see the module docstring)."""
    dense = shapely.segmentize(geoms, SEGMENT_M)
    dense = shapely.transform(dense, lambda xy: np.round(xy, 1))
    return shapely.make_valid(shapely.transform(dense, _wiggle))


def _gemeinde_seeds(rng: np.random.Generator) -> np.ndarray:
    """Half uniform, half clustered around 60 agglomerations (small Gemeinden near cities)."""
    minx, miny, maxx, maxy = BOX
    centres = np.column_stack([rng.uniform(minx, maxx, 60), rng.uniform(miny, maxy, 60)])
    n_uniform = N_GEMEINDEN // 2
    uniform = np.column_stack([rng.uniform(minx, maxx, n_uniform),
                               rng.uniform(miny, maxy, n_uniform)])
    near = centres[rng.integers(0, 60, N_GEMEINDEN - n_uniform)]
    clustered = near + rng.normal(0, 15_000, (N_GEMEINDEN - n_uniform, 2))
    pts = np.round(np.concatenate([uniform, clustered]), 1)
    inside = (pts[:, 0] > minx) & (pts[:, 0] < maxx) & (pts[:, 1] > miny) & (pts[:, 1] < maxy)
    pts = np.unique(pts[inside], axis=0)
    extra = _seeds(rng, N_GEMEINDEN - len(pts), BOX)  # replaces points outside the box
    pts = np.unique(np.concatenate([pts, extra]), axis=0)
    if len(pts) != N_GEMEINDEN:
        raise RuntimeError("duplicate seed points; change SEED")
    return pts[rng.permutation(len(pts))]


def build_areas(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Kreise, Gemeinden and Stadtteile (EPSG:25832) with keys, names, parents and kinds."""
    box = shapely.box(*BOX)
    g_pts = _gemeinde_seeds(rng)
    g_geoms = _detailed(_voronoi(g_pts, box))
    # Kreisfreie Städte: the biggest-populated spots are the Gemeinden nearest to random seeds.
    city_idx = rng.choice(N_GEMEINDEN, N_KREISFREI, replace=False)
    is_city = np.zeros(N_GEMEINDEN, bool)
    is_city[city_idx] = True
    k_seeds = _seeds(rng, N_KREISE - N_KREISFREI, BOX)
    d2 = ((g_pts[:, None, :] - k_seeds[None, :, :]) ** 2).sum(axis=2)
    landkreis_of = d2.argmin(axis=1)
    # Kreis keys: Land (2 digits, by x/y of the seed), Regierungsbezirk, running number.
    kreis_pts = np.concatenate([k_seeds, g_pts[city_idx]])
    order = np.lexsort((kreis_pts[:, 0], -kreis_pts[:, 1]))  # north to south, west to east
    kreis_keys = np.empty(N_KREISE, dtype=object)
    for rank, k in enumerate(order):
        land, rest = divmod(rank, 25)
        kreis_keys[k] = f"{land + 1:02d}{rest // 10 + 1}{rest % 10 + 1:02d}"
    kreis_of = np.where(is_city, 0, landkreis_of)
    kreis_of[city_idx] = np.arange(N_KREISE - N_KREISFREI, N_KREISE)

    rows: list[dict] = []
    geoms: list[shapely.Geometry] = []
    g_names = _names(rng, N_GEMEINDEN)
    k_names = _names(rng, N_KREISE)
    for k in range(N_KREISE):
        members = np.flatnonzero(kreis_of == k)
        kkey = kreis_keys[k]
        city = k >= N_KREISE - N_KREISFREI
        rows.append({"area_id": kkey, "name": g_names[members[0]] if city else
                     f"Landkreis {k_names[k]}", "level": "kreis", "parent_id": "",
                     "kind": "Kreisfreie Stadt" if city else "Landkreis"})
        geoms.append(shapely.coverage_union_all(g_geoms[members]))
        for num, g in enumerate(members, start=1):
            ags = f"{kkey}{num:03d}" if not city else f"{kkey}000"
            rows.append({"area_id": ags, "name": g_names[g], "level": "gemeinde",
                         "parent_id": kkey, "kind": "Stadt" if city else "Gemeinde"})
            geoms.append(g_geoms[g])
            if city:
                q_pts = _seeds(rng, QUARTERS_PER_CITY, shapely.bounds(g_geoms[g]), g_geoms[g])
                q_names = _names(rng, QUARTERS_PER_CITY)
                for qn, qg in enumerate(_voronoi(q_pts, g_geoms[g]), start=1):
                    rows.append({"area_id": f"{ags}-{qn:03d}", "name": q_names[qn - 1],
                                 "level": "quartier", "parent_id": ags, "kind": "Stadtteil"})
                    geoms.append(qg)
    geom_arr = np.array(geoms, dtype=object)
    polys = [shapely.union_all([p for p in shapely.get_parts(g)
                                if p.geom_type in {"Polygon", "MultiPolygon"}])
             for g in geom_arr]
    return gpd.GeoDataFrame(rows, geometry=polys, crs="EPSG:25832")


def build_values(rng: np.random.Generator, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Counts on the lowest level, summed upwards; rates from summed counts."""
    parents = dict(zip(areas["area_id"], areas["parent_id"], strict=True))
    has_kids = set(areas["parent_id"])
    leaves = areas.loc[~areas["area_id"].isin(has_kids), "area_id"].to_numpy()
    n = len(leaves)
    pop = np.round(rng.lognormal(np.log(2500), 1.0, n)).astype(np.int64)
    need = rng.normal(0, 1, n)
    frames = []
    for y_idx, year in enumerate(YEARS):
        pop_y = np.round(pop * (1.003 ** (y_idx - len(YEARS) + 1))).astype(np.int64)
        counts = {"einwohner": pop_y}
        for _rate, (num, den, share, p0) in RATES.items():
            d = rng.poisson(share * pop_y)
            logit = np.log(p0 / (1 - p0)) + 0.5 * (need + rng.normal(0, 0.2, n))
            counts[den] = d
            counts[num] = rng.binomial(d, 1 / (1 + np.exp(-logit)))
        wide = pd.DataFrame(counts, index=pd.Index(leaves, name="area_id"))
        levels = [wide]
        current = wide
        while True:  # sum level by level up to the Kreise
            up = current.groupby(current.index.map(parents)).sum()
            up = up.loc[up.index != ""]
            if up.empty:
                break
            levels.append(up)
            current = up
        all_counts = pd.concat(levels).groupby(level=0).sum()
        long = all_counts.reset_index().melt(id_vars="area_id", var_name="indicator_id",
                                             value_name="value")
        long["numerator"] = np.nan
        long["denominator"] = np.nan
        frames.append(long.assign(year=year))
        for rate, (num, den, _share, _p0) in RATES.items():
            nn, dd = all_counts[num], all_counts[den]
            frames.append(pd.DataFrame({
                "area_id": all_counts.index, "indicator_id": rate, "year": year,
                "value": np.where(dd > 0, 100 * nn / dd.where(dd > 0, 1), np.nan),
                "numerator": nn.astype(float), "denominator": dd.astype(float)}))
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out[["area_id", "indicator_id", "year", "value", "numerator", "denominator"]]


def build_institutions(rng: np.random.Generator, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    has_kids = set(areas["parent_id"])
    leaves = areas[~areas["area_id"].isin(has_kids)]
    pick = leaves.iloc[np.sort(rng.choice(len(leaves), N_SCHOOLS, replace=False))]
    return gpd.GeoDataFrame(
        {"inst_id": [f"ST-{i:05d}" for i in range(N_SCHOOLS)],
         "name": [f"Schule {n}" for n in _names(rng, N_SCHOOLS)],
         "type": "schule",
         "area_id": pick["area_id"].to_numpy(),
         "attrs": json.dumps({"schulart": "Grundschule"})},
        geometry=shapely.point_on_surface(pick.geometry.to_numpy()), crs="EPSG:25832")


def build(out: Path) -> None:
    """Write the stress atlas to ``out`` (replacing it)."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    areas = build_areas(rng)
    values = build_values(rng, areas)
    insts = build_institutions(rng, areas)
    catalogue = pyogrio.read_dataframe(DEFAULT_GPKG, layer="indicators", read_geometry=False)
    catalogue = catalogue[catalogue["id"].isin(set(values["indicator_id"]))]
    sources = pyogrio.read_dataframe(DEFAULT_GPKG, layer="sources", read_geometry=False)
    # Geometry, keys and values are invented: only the synthetic source applies.
    sources = sources[sources["id"] == "synthetic"]
    out.unlink(missing_ok=True)
    write_gpkg(out, areas, insts, catalogue, values, sources,
               pd.DataFrame({"key": ["seed", "builder"],
                             "value": [str(SEED), "bench.stress_atlas"]}))
    counts = areas["level"].value_counts().to_dict()
    print(f"{out}: {counts}, {len(values):,} values, {len(insts)} schools "
          f"in {time.perf_counter() - t0:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the seeded stress atlas.")
    parser.add_argument("--out", type=Path, default=Path("/tmp/bildungsatlas-stress.gpkg"))
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
