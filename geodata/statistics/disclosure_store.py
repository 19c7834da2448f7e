"""The disclosure decision kept between starts: `geodata.statistics.disclosure` takes seconds
and hundreds of MiB on a national atlas, and its result depends only on the data version,
the catalogue and the settings, so it is stored as plain arrays (no pickle) beside the value
cache and read back at the next start of the same data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from geodata.model.entities import Value

FORMAT = 1  # raise when the rules change: old decisions are then derived again


def cache_key(repo: Any, rule: Any) -> str:
    """A name for the decision of this repository under ``rule``: everything it depends on
    (data version, number of value rows, catalogue, settings, the rule) goes into the hash."""
    digest = hashlib.blake2b(digest_size=10)
    parts = (FORMAT, repo.version, len(repo.table), repr(rule), repr(repo.settings),
             repr(sorted(repo.indicators.items())))
    digest.update(repr(parts).encode())
    return f"disclosure-{digest.hexdigest()}"


def encode(rows: np.ndarray, virtual: Mapping[tuple[str, str, int], tuple[Value, int]],
           counts: tuple[int, int, int]) -> dict[str, np.ndarray]:
    """The decision as arrays: the row states, the computed totals, the three counts."""
    keys = list(virtual)
    vals = [virtual[k][0] for k in keys]

    def floats(get) -> tuple[np.ndarray, np.ndarray]:
        raw = [get(v) for v in vals]
        return (np.array([np.nan if x is None else x for x in raw], dtype=np.float64),
                np.array([x is not None for x in raw], dtype=bool))

    num, has_num = floats(lambda v: v.numerator)
    den, has_den = floats(lambda v: v.denominator)
    return {"rows": np.asarray(rows), "counts": np.array(counts, dtype=np.int64),
            "v_node": np.array([k[0] for k in keys], dtype=str),
            "v_ind": np.array([k[1] for k in keys], dtype=str),
            "v_year": np.array([k[2] for k in keys], dtype=np.int64),
            "v_value": np.array([v.value for v in vals], dtype=np.float64),
            "v_num": num, "v_has_num": has_num, "v_den": den, "v_has_den": has_den,
            "v_state": np.array([virtual[k][1] for k in keys], dtype=np.int64)}


def decode(arrays: Mapping[str, np.ndarray], n_rows: int):
    """The stored decision (rows, virtual, counts), or None if it does not fit the data."""
    rows = arrays["rows"]
    if rows.shape != (n_rows,):
        return None
    rows = rows.copy()
    rows.flags.writeable = False
    virtual = {}
    for i, (node, ind, year) in enumerate(zip(arrays["v_node"].tolist(),
                                              arrays["v_ind"].tolist(),
                                              arrays["v_year"].tolist(), strict=True)):
        value = Value(float(arrays["v_value"][i]),
                      float(arrays["v_num"][i]) if arrays["v_has_num"][i] else None,
                      float(arrays["v_den"][i]) if arrays["v_has_den"][i] else None)
        virtual[(node, ind, int(year))] = (value, int(arrays["v_state"][i]))
    primary, secondary, audited = (int(c) for c in arrays["counts"])
    return rows, virtual, (primary, secondary, audited)
