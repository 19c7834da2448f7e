"""Seeded generator of synthetic example values (NOT official data).

The demo atlas needs education indicators (Kita care rates, language-support need, transition
to Gymnasium, child poverty, school leavers without a qualification) for which no open data at
municipal or quarter level was available offline. This module invents plausible, internally
consistent values so that the application can be shown and tested. Every value it produces is
marked ``synthetic = 1`` in the catalogue and attributed as "Synthetische Beispielwerte".

Model
-----
All random numbers come from one ``numpy.random.Generator`` seeded with :data:`SEED`
(20261123); draws happen in a fixed order over areas sorted by key, so the output is fully
reproducible. Years are :data:`YEARS` (2019–2023).

1. **Lowest level only.** Values are generated for the lowest-level areas only: the quarters
   of a municipality that has quarters (Frankfurt am Main, Karlsruhe), otherwise the
   municipality (Gemeinde). All values are integer counts. Parent values (cities, Kreise) are
   *not* generated; they are the exact sums computed afterwards by
   :func:`geodata.statistics.aggregate.aggregate_values`, and the rates are recomputed there from the
   summed counts at every level.
2. **Population (internal only).** For each Gemeinde a growth rate
   ``g ~ Normal(0.003, 0.004)`` is drawn and the population of year ``y`` is
   ``pop_2023 * (1 + g) ** (y - 2023)``, where ``pop_2023`` is the real Destatis population
   at 31.12.2023. This population is only used as an expected value below; it is not stored
   as ``einwohner``.
3. **Denominator counts.** For each Gemeinde, year and denominator indicator the count is
   ``Poisson(share * population)`` with the shares in :data:`DENOMINATOR_SHARES`
   (``kinder_u3`` 2.9 %, ``kinder_3_6`` 2.9 %, ``einschueler`` 1.0 %, ``viertklaessler``
   0.95 %, ``kinder_u15`` 14 %, ``schulabgaenger`` 1.0 %).
4. **Split to quarters.** For a city with quarters the city's count is split among its
   quarters by ``Multinomial(count, weights)`` (per indicator and year), so the quarters sum
   exactly to the generated city count. Weights (see :func:`quarter_weights`):

   * a city with quarter population figures (Frankfurt): the quarter's ``einwohner`` 2012
     (city register); a quarter without a figure (Flughafen) gets a weight of 0.03 % of the
     city total;
   * a city without quarter population (Karlsruhe): ``0.5 * area share + 0.5 * share of the
     city's primary-school pupils`` (``schueler_grundschule`` 2015, counted at the school's
     location), i.e. a crude proxy mixing size and where children go to school.

5. **Latent need score.** Each lowest-level area gets a score ``z``:

   * Gemeinde: ``z = e + 0.6 * [verstaedterung_code == "01"]`` (``e ~ Normal(0, 1)``;
     code 01 = "dicht besiedelt");
   * quarter of a city with a standardised driver (Frankfurt: the real ``auslaender_pct``
     2012 of the quarter, standardised over the city's quarters; missing -> 0):
     ``z = 0.8 * driver + 0.6 * e + 0.6 * [city code == "01"]``, so the driver explains most
     of the variance;
   * quarter without a driver (Karlsruhe): as a Gemeinde, using the city's code.

   Per year a small noise is added: ``z_y = z + Normal(0, 0.2)``.
6. **Numerators.** For each rate the probability is
   ``p = logistic(a + b * z_y + trend * (y - 2019))`` with the parameters in :data:`RATES`,
   and the numerator is ``Binomial(denominator, p)``. Approximate levels at ``z = 0``:
   SGB-II quota U15 ~10 % (falling slightly), language-support need ~17 %, transition to
   Gymnasium ~47 % (``b < 0``), leavers without qualification ~6 %, care rate U3 ~30 %
   rising to ~35 %, care rate 3–6 ~93 %. Because all rates depend on the same ``z``, the
   indicators are correlated as in real social monitoring (more need -> more poverty, more
   language support, fewer Gymnasium transitions, lower care rates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SEED = 20261123
"""Seed of the random number generator."""

GENERATOR_VERSION = "1.0"
"""Version of the synthetic model; change it whenever the model changes."""

YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)
"""Years generated."""

GROWTH_MEAN = 0.003
GROWTH_SD = 0.004
URBAN_CODE = "01"
URBAN_SHIFT = 0.6
DRIVER_WEIGHT = 0.8
NOISE_WEIGHT = 0.6
YEAR_NOISE_SD = 0.2
MISSING_QUARTER_WEIGHT = 0.0003
"""Weight (share of the city total) of a quarter without a population figure."""

DENOMINATOR_SHARES: Mapping[str, float] = {
    "kinder_u3": 0.029,
    "kinder_3_6": 0.029,
    "einschueler": 0.010,
    "viertklaessler": 0.0095,
    "kinder_u15": 0.14,
    "schulabgaenger": 0.010,
}
"""Expected share of the population for each denominator count."""

RATES: Sequence[tuple[str, str, float, float, float]] = (
    # (numerator id, denominator id, a, b, trend per year)
    ("kinder_u3_betreut", "kinder_u3", -0.85, -0.25, 0.06),
    ("kinder_3_6_betreut", "kinder_3_6", 2.6, -0.35, 0.02),
    ("einschueler_sprachfoerderung", "einschueler", -1.6, 0.7, 0.02),
    ("uebergaenge_gymnasium", "viertklaessler", -0.1, -0.5, 0.01),
    ("kinder_u15_sgb2", "kinder_u15", -2.2, 0.6, -0.02),
    ("abgaenger_ohne_abschluss", "schulabgaenger", -2.75, 0.5, 0.01),
)
"""Logistic parameters of each synthetic rate."""


def _logistic(x: np.ndarray) -> np.ndarray:
    """Return the logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))


def quarter_weights(
    quarters: pd.DataFrame,
    population: pd.Series | None = None,
    primary_pupils: pd.Series | None = None,
) -> pd.DataFrame:
    """Compute the weights used to split a city's counts among its quarters.

    Parameters
    ----------
    quarters : pandas.DataFrame
        Columns ``quarter_id``, ``city_ags`` and ``area_m2`` (area in a metric CRS).
    population : pandas.Series, optional
        Quarter population indexed by ``quarter_id`` (Frankfurt: ``einwohner`` 2012). Cities
        with at least one figure use the population rule.
    primary_pupils : pandas.Series, optional
        ``schueler_grundschule`` indexed by ``quarter_id`` (used by the area/pupil rule).

    Returns
    -------
    pandas.DataFrame
        Columns ``quarter_id``, ``city_ags``, ``weight``; weights sum to 1 per city. Sorted
        by ``quarter_id``.
    """
    population = population if population is not None else pd.Series(dtype=float)
    primary_pupils = primary_pupils if primary_pupils is not None else pd.Series(dtype=float)
    parts = []
    for _city, q in quarters.sort_values("quarter_id").groupby("city_ags", sort=True):
        q = q[["quarter_id", "city_ags", "area_m2"]].copy()
        pop = q["quarter_id"].map(population).astype(float)
        if pop.notna().any():
            total = pop.sum()
            w = pop.fillna(MISSING_QUARTER_WEIGHT * total)
        else:
            area_share = q["area_m2"] / q["area_m2"].sum()
            pupils = q["quarter_id"].map(primary_pupils).astype(float).fillna(0.0)
            pupil_share = pupils / pupils.sum() if pupils.sum() > 0 else area_share
            w = 0.5 * area_share + 0.5 * pupil_share
        q["weight"] = (w / w.sum()).to_numpy()
        parts.append(q[["quarter_id", "city_ags", "weight"]])
    return pd.concat(parts, ignore_index=True).sort_values("quarter_id").reset_index(drop=True)


def generate(
    gemeinden: pd.DataFrame,
    weights: pd.DataFrame,
    drivers: pd.Series | None = None,
    seed: int = SEED,
    years: Sequence[int] = YEARS,
) -> pd.DataFrame:
    """Generate synthetic count values for the lowest-level areas.

    Parameters
    ----------
    gemeinden : pandas.DataFrame
        One row per Gemeinde: ``ags`` (str), ``pop_2023`` (int), ``verstaedterung_code``
        (str, e.g. ``"01"``).
    weights : pandas.DataFrame
        Output of :func:`quarter_weights` (``quarter_id``, ``city_ags``, ``weight``) for the
        Gemeinden that have quarters.
    drivers : pandas.Series, optional
        Standardised need driver per ``quarter_id`` (e.g. Frankfurt's ``auslaender_pct``).
        Quarters of a city that has any driver use the driver rule; missing values count as 0.
    seed : int, default SEED
        Seed of the random number generator.
    years : sequence of int, default YEARS
        Years to generate.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_id``, ``indicator_id``, ``year``, ``value`` (integer-valued float),
        for the lowest-level areas only (quarters, and Gemeinden without quarters).
    """
    rng = np.random.default_rng(seed)
    drivers = drivers if drivers is not None else pd.Series(dtype=float)
    gem = gemeinden.sort_values("ags").reset_index(drop=True)
    years_arr = np.asarray(years, dtype=int)
    n_gem, n_years = len(gem), len(years_arr)

    # 2. population (internal)
    growth = rng.normal(GROWTH_MEAN, GROWTH_SD, n_gem)
    pop = gem["pop_2023"].to_numpy(float)[:, None] * (1.0 + growth[:, None]) ** (
        years_arr[None, :] - 2023
    )

    # 3. denominator counts per Gemeinde
    gem_counts = {
        ind: rng.poisson(share * pop) for ind, share in DENOMINATOR_SHARES.items()
    }

    # 4. lowest-level units and split to quarters
    w = weights.sort_values("quarter_id").reset_index(drop=True)
    cities_with_quarters = set(w["city_ags"])
    gem_index = {ags: i for i, ags in enumerate(gem["ags"])}
    code = dict(zip(gem["ags"], gem["verstaedterung_code"].astype(str), strict=True))

    unit_ids: list[str] = []
    unit_city: list[str] = []
    for ags in gem["ags"]:
        if ags in cities_with_quarters:
            qs = w[w["city_ags"] == ags]["quarter_id"].tolist()
            unit_ids.extend(qs)
            unit_city.extend([ags] * len(qs))
        else:
            unit_ids.append(ags)
            unit_city.append(ags)
    unit_pos = {u: i for i, u in enumerate(unit_ids)}
    n_units = len(unit_ids)

    den_counts: dict[str, np.ndarray] = {}
    for ind in DENOMINATOR_SHARES:
        arr = np.zeros((n_units, n_years), dtype=np.int64)
        for ags in gem["ags"]:
            gi = gem_index[ags]
            if ags in cities_with_quarters:
                wq = w[w["city_ags"] == ags]
                rows = [unit_pos[q] for q in wq["quarter_id"]]
                p = wq["weight"].to_numpy(float)
                p = p / p.sum()
                for j in range(n_years):
                    arr[rows, j] = rng.multinomial(gem_counts[ind][gi, j], p)
            else:
                arr[unit_pos[ags], :] = gem_counts[ind][gi, :]
        den_counts[ind] = arr

    # 5. latent need score
    e = rng.normal(0.0, 1.0, n_units)
    urban = np.array([code[c] == URBAN_CODE for c in unit_city], dtype=float)
    is_quarter = np.array([u != c for u, c in zip(unit_ids, unit_city, strict=True)])
    driver_cities = {
        c for c in cities_with_quarters
        if w.loc[w["city_ags"] == c, "quarter_id"].map(drivers).notna().any()
    }
    uses_driver = np.array([q and c in driver_cities for q, c in zip(is_quarter, unit_city, strict=True)])
    drv = pd.Series(unit_ids).map(drivers).astype(float).fillna(0.0).to_numpy()
    z = np.where(
        uses_driver,
        DRIVER_WEIGHT * drv + NOISE_WEIGHT * e + URBAN_SHIFT * urban,
        e + URBAN_SHIFT * urban,
    )
    z_year = z[:, None] + rng.normal(0.0, YEAR_NOISE_SD, (n_units, n_years))

    # 6. numerators
    num_counts: dict[str, np.ndarray] = {}
    t = (years_arr - 2019)[None, :]
    for num_id, den_id, a, b, trend in RATES:
        p = _logistic(a + b * z_year + trend * t)
        num_counts[num_id] = rng.binomial(den_counts[den_id], p)

    frames = []
    year_grid = np.tile(years_arr, n_units)
    area_grid = np.repeat(np.asarray(unit_ids, dtype=object), n_years)
    for ind, arr in {**den_counts, **num_counts}.items():
        frames.append(
            pd.DataFrame(
                {
                    "area_id": area_grid,
                    "indicator_id": ind,
                    "year": year_grid,
                    "value": arr.reshape(-1).astype(float),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["area_id"] = out["area_id"].astype(str)
    return out.sort_values(["indicator_id", "year", "area_id"], kind="stable").reset_index(
        drop=True
    )
