"""An independent computation of a z-score need index, for tests to compare against.

Written from the method description (README / module docstring of geodata.index), not
from its code: which values are published comes from the map's states (`year_states`),
everything else is plain numpy.
"""

from __future__ import annotations

import numpy as np

from geodata.statistics.states import suppression_rule, year_states


def population(repo, area_id: str, year: int) -> float | None:
    """Residents in ``year``, else the nearest earlier year, else the nearest later year."""
    years = [y for y in repo.years_for("einwohner") if repo.value(area_id, "einwohner", y)]
    earlier = [y for y in years if y <= year]
    y = max(earlier) if earlier else (min(years) if years else None)
    return None if y is None else repo.value(area_id, "einwohner", y).value


def expected_z_index(repo, parent: str, specs: list[tuple[str, int, float]], year: int,
                     cutoffs=(-1.0, 1.0, 1.5), min_pop: float = 300, clip: float = 3.0):
    """``{area: (index, class, {indicator: contribution})}`` of the rated children of
    ``parent``; ``specs`` = (indicator, direction, raw weight)."""
    ids = list(repo.children_of(parent))
    rule = suppression_rule(repo)
    ok = {}
    for ind_id, _d, _w in specs:
        st, raw = year_states(repo, ids, repo.indicator(ind_id), year, parent, rule)
        ok[ind_id] = {a: v for a, v, s in zip(ids, raw, st, strict=True) if s == "ok"}
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
    return {a: (v, 1 + sum(1 for c in cutoffs if c < (v - mean) / sd), parts[a])
            for a, v in index.items()}
