"""Aggregation of indicator values along the area hierarchy.

Pure functions on pandas DataFrames: no dash import and no file I/O.

Rules
-----
* Count indicators (``kind == "count"``) are summed bottom-up. A parent area that has no
  stored value for an (indicator, year) gets the sum of its children, but only if *all* of its
  children have a value for that (indicator, year). Stored parent values are never replaced.
  This is repeated level by level from the deepest level upwards, so a value filled in for a
  city from its quarters is in turn used for the Kreis.
* Rate and mean indicators (``kind in {"rate", "mean"}``) are never averaged. For *every* area
  and year they are recomputed as ``factor * numerator / denominator`` from the count values of
  the same area and year; the counts are stored in the ``numerator`` and ``denominator``
  columns. If the numerator or the denominator is missing, or the denominator is 0, no row is
  produced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALUE_COLUMNS = ["area_id", "indicator_id", "year", "value", "numerator", "denominator"]
"""Columns of the values table, in order."""

DERIVED_KINDS = frozenset({"rate", "mean"})
"""Indicator kinds that are computed from two count indicators."""


def _depths(areas: pd.DataFrame) -> pd.Series:
    """Return the depth of every area in the hierarchy (roots have depth 0).

    Parameters
    ----------
    areas : pandas.DataFrame
        Columns ``area_id`` and ``parent_id`` (``""`` or null for roots).

    Returns
    -------
    pandas.Series
        Integer depth indexed by ``area_id``.

    Raises
    ------
    ValueError
        If a parent id is unknown or the hierarchy contains a cycle.
    """
    parent = dict(zip(areas["area_id"].astype(str), areas["parent_id"].fillna("").astype(str), strict=True))
    depth: dict[str, int] = {}
    for start in parent:
        chain = []
        node = start
        while node not in depth:
            if node in chain:
                raise ValueError(f"cycle in area hierarchy at {node!r}")
            chain.append(node)
            par = parent[node]
            if par == "":
                depth[node] = 0
                chain.pop()
                break
            if par not in parent:
                raise ValueError(f"unknown parent_id {par!r} of area {node!r}")
            node = par
        for child in reversed(chain):
            depth[child] = depth[parent[child]] + 1
    return pd.Series(depth, name="depth", dtype=int)


def _empty_values() -> pd.DataFrame:
    """Return an empty values table with the standard columns and dtypes."""
    return pd.DataFrame(
        {
            "area_id": pd.Series(dtype=str),
            "indicator_id": pd.Series(dtype=str),
            "year": pd.Series(dtype="int64"),
            "value": pd.Series(dtype=float),
            "numerator": pd.Series(dtype=float),
            "denominator": pd.Series(dtype=float),
        }
    )


def aggregate_values(
    values: pd.DataFrame, areas: pd.DataFrame, catalogue: pd.DataFrame
) -> pd.DataFrame:
    """Complete a values table for all levels of the area hierarchy.

    Parameters
    ----------
    values : pandas.DataFrame
        Stored values with columns ``area_id``, ``indicator_id``, ``year``, ``value``
        (``numerator``/``denominator`` are optional and ignored for input rows). Rows of
        rate/mean indicators are discarded and recomputed.
    areas : pandas.DataFrame
        Columns ``area_id`` and ``parent_id`` (``""`` for top-level areas).
    catalogue : pandas.DataFrame
        Indicator catalogue with columns ``id``, ``kind``, ``numerator``, ``denominator`` and
        ``factor``.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_id``, ``indicator_id``, ``year`` (int), ``value``, ``numerator``,
        ``denominator`` (float; null for counts), sorted by indicator, year and area.

    Raises
    ------
    ValueError
        If values reference unknown areas or indicators, contain duplicate keys, or a
        rate/mean indicator refers to a numerator/denominator that is not a count indicator.
    """
    cat = catalogue.copy()
    cat["id"] = cat["id"].astype(str)
    kinds = dict(zip(cat["id"], cat["kind"].astype(str), strict=True))
    count_ids = {i for i, k in kinds.items() if k == "count"}

    vals = values[["area_id", "indicator_id", "year", "value"]].copy()
    vals["area_id"] = vals["area_id"].astype(str)
    vals["indicator_id"] = vals["indicator_id"].astype(str)
    vals["year"] = vals["year"].astype("int64")
    vals["value"] = vals["value"].astype(float)
    vals = vals[vals["value"].notna()]

    unknown_ind = set(vals["indicator_id"]) - set(kinds)
    if unknown_ind:
        raise ValueError(f"values for unknown indicators: {sorted(unknown_ind)}")
    unknown_area = set(vals["area_id"]) - set(areas["area_id"].astype(str))
    if unknown_area:
        raise ValueError(f"values for unknown areas: {sorted(unknown_area)[:5]}")
    keys = ["area_id", "indicator_id", "year"]
    if vals.duplicated(keys).any():
        raise ValueError("duplicate (area_id, indicator_id, year) in values")

    counts = vals[vals["indicator_id"].isin(count_ids)]

    # --- counts: bottom-up sums -------------------------------------------------------
    area_tab = pd.DataFrame(
        {
            "area_id": areas["area_id"].astype(str).to_numpy(),
            "parent_id": areas["parent_id"].fillna("").astype(str).to_numpy(),
        }
    )
    depth = _depths(area_tab)
    area_tab["depth"] = area_tab["area_id"].map(depth).astype(int)
    n_children = area_tab[area_tab["parent_id"] != ""].groupby("parent_id").size()

    for d in range(int(area_tab["depth"].max()), 0, -1):
        level = area_tab.loc[area_tab["depth"] == d, ["area_id", "parent_id"]]
        child_vals = counts.merge(level, on="area_id", how="inner")
        if child_vals.empty:
            continue
        grouped = (
            child_vals.groupby(["parent_id", "indicator_id", "year"], sort=True)["value"]
            .agg(["sum", "size"])
            .reset_index()
        )
        grouped = grouped[grouped["size"] == grouped["parent_id"].map(n_children)]
        grouped = grouped.rename(columns={"parent_id": "area_id", "sum": "value"})[
            ["area_id", "indicator_id", "year", "value"]
        ]
        existing = counts[keys].assign(_exists=True)
        grouped = grouped.merge(existing, on=keys, how="left")
        new = grouped[grouped["_exists"].isna()].drop(columns="_exists")
        if not new.empty:
            counts = pd.concat([counts, new], ignore_index=True)

    # --- rates / means: recompute everywhere ------------------------------------------
    derived_parts = []
    for row in cat[cat["kind"].astype(str).isin(DERIVED_KINDS)].itertuples(index=False):
        num_id, den_id = str(row.numerator), str(row.denominator)
        for ref in (num_id, den_id):
            if ref not in count_ids:
                raise ValueError(f"indicator {row.id!r}: {ref!r} is not a count indicator")
        factor = float(row.factor) if str(row.factor).strip() not in {"", "nan"} else 1.0
        num = counts.loc[counts["indicator_id"] == num_id, ["area_id", "year", "value"]]
        den = counts.loc[counts["indicator_id"] == den_id, ["area_id", "year", "value"]]
        both = num.merge(den, on=["area_id", "year"], suffixes=("_num", "_den"))
        both = both[both["value_den"].notna() & (both["value_den"] != 0)]
        if both.empty:
            continue
        derived_parts.append(
            pd.DataFrame(
                {
                    "area_id": both["area_id"].to_numpy(),
                    "indicator_id": str(row.id),
                    "year": both["year"].to_numpy(),
                    "value": factor * both["value_num"].to_numpy() / both["value_den"].to_numpy(),
                    "numerator": both["value_num"].to_numpy(),
                    "denominator": both["value_den"].to_numpy(),
                }
            )
        )

    out = counts.assign(numerator=np.nan, denominator=np.nan)
    frames = [_empty_values(), out, *derived_parts]
    result = pd.concat([f for f in frames if not f.empty] or [_empty_values()], ignore_index=True)
    result = result[VALUE_COLUMNS].astype(
        {"area_id": str, "indicator_id": str, "year": "int64", "value": float,
         "numerator": float, "denominator": float}
    )
    return result.sort_values(["indicator_id", "year", "area_id"], kind="stable").reset_index(
        drop=True
    )
