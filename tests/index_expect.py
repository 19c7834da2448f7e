"""An independent computation of a z-score need index, for tests to compare against.

Written from the method description (README / module docstring of geodata.index), not
from its code: which values are published, and their published (rounded) figures, come from
the published atlas (what a user can download), everything else is plain numpy.
"""

from __future__ import annotations

import numpy as np

from geodata.statistics.published import published


def population(repo, area_id: str, year: int) -> float | None:
    """Residents in ``year``, else the nearest earlier year, else the nearest later year."""
    years = [y for y in repo.years_for("einwohner") if repo.value(area_id, "einwohner", y)]
    earlier = [y for y in years if y <= year]
    y = max(earlier) if earlier else (min(years) if years else None)
    return None if y is None else repo.value(area_id, "einwohner", y).value


def expected_z_index(repo, parent: str, specs: list[tuple[str, int, float]], year: int,
                     cutoffs=(-1.0, 1.0, 1.5), min_pop: float = 300, clip: float = 3.0,
                     partial: bool = False):
    """``{area: (index, class, {indicator: contribution})}`` of the rated children of
    ``parent``; ``specs`` = (indicator, direction, raw weight). With ``partial`` also the
    children not rated for a suppressed or missing input (but large enough): their index from
    the indicators they have, ``Σ w·d / Σ w`` over those, with the rated areas' means and
    standard deviations."""
    ids = list(repo.children_of(parent))
    atlas = published(repo)
    ok = {}
    for ind_id, _d, _w in specs:
        col = atlas.column(ids, ind_id, year)
        ok[ind_id] = {a: v for a, v, s in zip(ids, col.values, col.states, strict=True)
                      if s == "ok"}
    rated = [a for a in ids if all(a in ok[i] for i, _d, _w in specs)
             and (p := population(repo, a, year)) is not None and p >= min_pop]
    total_w = sum(w for _i, _d, w in specs)
    parts = {a: {} for a in rated}
    for ind_id, direction, w in specs:
        x = np.array([ok[ind_id][a] for a in rated])
        z = np.clip((x - x.mean()) / x.std(), -clip, clip)
        for a, zi in zip(rated, z, strict=True):
            parts[a][ind_id] = direction * zi * w / total_w
    index = {a: sum(p.values()) for a, p in parts.items()}
    vals = np.array(list(index.values()))
    mean, sd = vals.mean(), vals.std()
    out = {a: (v, 1 + sum(1 for c in cutoffs if c < (v - mean) / sd), parts[a])
           for a, v in index.items()}
    if partial:
        stats = {i: (np.array([ok[i][a] for a in rated]).mean(),
                     np.array([ok[i][a] for a in rated]).std()) for i, _d, _w in specs}
        for a in ids:
            p = population(repo, a, year)
            if a in out or p is None or p < min_pop:
                continue
            have = [(i, d, w) for i, d, w in specs if a in ok[i]]
            if not have or any(atlas.cell(a, i, year).state == "nicht_bewertet"
                               for i, _d, _w in specs):
                continue
            contrib = {i: d * np.clip((ok[i][a] - stats[i][0]) / stats[i][1], -clip, clip)
                       * w / total_w for i, d, w in have}
            v = sum(contrib.values()) / (sum(w for _i, _d, w in have) / total_w)
            out[a] = (v, 1 + sum(1 for c in cutoffs if c < (v - mean) / sd), contrib)
    return out
