"""Aggregation of indicator values along the area hierarchy.

Pure functions on pandas DataFrames: no dash import and no file I/O.

Rules
-----
* Only *given* values are input (status ``""``, ``gesperrt`` or ``unvollstaendig``, see
  `geodata.model.values.STATUS`); values derived earlier (``summe``, ``quote``,
  ``gesperrt-teil``) are dropped and derived again, so a changed child always changes its
  parents' sums.
* Count indicators (``kind == "count"``) are summed bottom-up. A parent area that has no
  given value for an (indicator, year) gets the sum of its children (status ``summe``), but
  only if *all* of its children have a value for that (indicator, year), none of them is
  suppressed and none covers less than its present territory (``unvollstaendig``); otherwise
  it gets no value and `Completion.gaps` says why. Given parent values are never replaced.
  This is repeated level by level from the deepest level upwards, so a value filled in for a
  city from its quarters is in turn used for the Kreis. A sum's source is its children's
  source, or their ids joined by ``+`` when they differ.
* Rate and mean indicators (``kind in {"rate", "mean"}``) are never averaged. Where no rate
  is given, it is computed for every area and year as ``factor * numerator / denominator``
  from the count values of the same area and year (status ``quote``; the counts are stored
  in the ``numerator`` and ``denominator`` columns), but only if numerator and denominator
  come from the same import (``import_of``; `Completion.mixed` lists the cells where they do
  not). A given rate (imported as a published figure) stays as it is. If the numerator or the
  denominator is suppressed, the rate is stored as suppressed too (``gesperrt-teil``). If
  either is missing, or the denominator is 0, no row is produced. A rate or mean without
  numerator and denominator in the catalogue is only ever given, never computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

VALUE_COLUMNS = ["area_id", "indicator_id", "year", "value", "numerator", "denominator"]
"""Columns of the values table, in order (plus ``source`` and ``status``)."""
FULL_COLUMNS = [*VALUE_COLUMNS, "source", "status"]

DERIVED_KINDS = frozenset({"rate", "mean"})
"""Indicator kinds that are computed from two count indicators."""
GIVEN = ("", "gesperrt", "unvollstaendig")
KEYS = ["area_id", "indicator_id", "year"]


@dataclass
class Completion:
    """The completed values and what could not be derived.

    ``gaps``: parents without a sum (``area_id``, ``indicator_id``, ``year``, ``children``,
    ``with_value``, ``suppressed``, ``incomplete``, ``missing``: ids of the children without
    a value, comma-separated); ``mixed``: rate cells not computed because numerator and
    denominator come from different imports (``area_id``, ``indicator_id``, ``year``,
    ``numerator_source``, ``denominator_source``).
    """

    values: pd.DataFrame
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    mixed: pd.DataFrame = field(default_factory=pd.DataFrame)


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
            "source": pd.Series(dtype=str),
            "status": pd.Series(dtype=str),
        }
    )


def _joined(sources: pd.Series) -> str:
    """Source ids of several values as one id (``a+b``; sorted, parts of joined ids split)."""
    parts = sorted({p for s in sources for p in str(s).split("+") if p})
    return "+".join(parts)


def aggregate_values(
    values: pd.DataFrame, areas: pd.DataFrame, catalogue: pd.DataFrame
) -> pd.DataFrame:
    """Complete a values table for all levels of the area hierarchy (see `complete`).

    Without a ``status`` column every row counts as given, except rows of rate and mean
    indicators, which are discarded and recomputed (the table of an older atlas).

    Returns
    -------
    pandas.DataFrame
        Columns ``area_id``, ``indicator_id``, ``year`` (int), ``value``, ``numerator``,
        ``denominator`` (float; null for counts), ``source`` and ``status``, sorted by
        indicator, year and area.

    Raises
    ------
    ValueError
        If values reference unknown areas or indicators, contain duplicate keys, or a
        rate/mean indicator refers to a numerator/denominator that is not a count indicator.
    """
    return complete(values, areas, catalogue).values


def complete(values: pd.DataFrame, areas: pd.DataFrame, catalogue: pd.DataFrame,
             import_of: Mapping[str, str] | None = None) -> Completion:
    """Complete a values table for all levels of the area hierarchy (module docstring).

    Parameters
    ----------
    values : pandas.DataFrame
        Columns ``area_id``, ``indicator_id``, ``year``, ``value`` and optionally
        ``numerator``, ``denominator``, ``source`` and ``status``.
    areas : pandas.DataFrame
        Columns ``area_id`` and ``parent_id`` (``""`` for top-level areas).
    catalogue : pandas.DataFrame
        Indicator catalogue with columns ``id``, ``kind``, ``numerator``, ``denominator`` and
        ``factor``.
    import_of : mapping, optional
        Source id → import id; numerator and denominator of a computed rate must share it.
        A source missing here is its own import.
    """
    cat = catalogue.copy()
    cat["id"] = cat["id"].astype(str)
    kinds = dict(zip(cat["id"], cat["kind"].astype(str), strict=True))
    count_ids = {i for i, k in kinds.items() if k == "count"}
    legacy = "status" not in values.columns

    vals = pd.DataFrame({
        "area_id": values["area_id"].astype(str).to_numpy(),
        "indicator_id": values["indicator_id"].astype(str).to_numpy(),
        "year": values["year"].astype("int64").to_numpy(),
        "value": values["value"].astype(float).to_numpy(),
        "numerator": (values["numerator"].astype(float).to_numpy() if "numerator" in values
                      else np.nan),
        "denominator": (values["denominator"].astype(float).to_numpy()
                        if "denominator" in values else np.nan),
        "source": (values["source"].fillna("").astype(str).to_numpy() if "source" in values
                   else ""),
        "status": "" if legacy else values["status"].fillna("").astype(str).to_numpy(),
    })
    if legacy:
        vals = vals[~vals["indicator_id"].map(kinds).isin(DERIVED_KINDS)]
    vals = vals[vals["status"].isin(GIVEN)]
    vals = vals[vals["value"].notna() | (vals["status"] == "gesperrt")]

    unknown_ind = set(vals["indicator_id"]) - set(kinds)
    if unknown_ind:
        raise ValueError(f"values for unknown indicators: {sorted(unknown_ind)}")
    unknown_area = set(vals["area_id"]) - set(areas["area_id"].astype(str))
    if unknown_area:
        raise ValueError(f"values for unknown areas: {sorted(unknown_area)[:5]}")
    if vals.duplicated(KEYS).any():
        raise ValueError("duplicate (area_id, indicator_id, year) in values")

    is_count = vals["indicator_id"].isin(count_ids)
    counts = vals[is_count].assign(numerator=np.nan, denominator=np.nan)
    given_rates = vals[~is_count]

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

    gaps: list[pd.DataFrame] = []
    for d in range(int(area_tab["depth"].max()) if len(area_tab) else 0, 0, -1):
        level = area_tab.loc[area_tab["depth"] == d, ["area_id", "parent_id"]]
        child_vals = counts.merge(level, on="area_id", how="inner")
        if child_vals.empty:
            continue
        child_vals["_ok"] = child_vals["value"].notna() & ~child_vals["status"].isin(
            ["gesperrt", "unvollstaendig"])
        child_vals["_sup"] = child_vals["status"] == "gesperrt"
        child_vals["_inc"] = child_vals["status"] == "unvollstaendig"
        grouped = (
            child_vals.groupby(["parent_id", "indicator_id", "year"], sort=True)
            .agg(value=("value", "sum"), size=("value", "size"), ok=("_ok", "sum"),
                 suppressed=("_sup", "sum"), incomplete=("_inc", "sum"),
                 smin=("source", "min"), smax=("source", "max"))
            .reset_index()
            .rename(columns={"parent_id": "area_id"})
        )
        grouped["children"] = grouped["area_id"].map(n_children)
        existing = counts[KEYS].assign(_exists=True)
        grouped = grouped.merge(existing, on=KEYS, how="left")
        grouped = grouped[grouped["_exists"].isna()]
        full = grouped["ok"] == grouped["children"]
        new = grouped[full]
        if not new.empty:
            source = new["smin"].where(new["smin"] == new["smax"])
            mixed = source.isna()
            if mixed.any():
                keyed = child_vals.set_index(["parent_id", "indicator_id", "year"])["source"]
                joined = {k: _joined(g) for k, g in keyed.groupby(level=[0, 1, 2])}
                source = source.copy()
                source[mixed] = [joined[tuple(r)] for r in
                                 new.loc[mixed, KEYS].itertuples(index=False)]
            counts = pd.concat([counts, pd.DataFrame({
                "area_id": new["area_id"], "indicator_id": new["indicator_id"],
                "year": new["year"], "value": new["value"].astype(float),
                "numerator": np.nan, "denominator": np.nan,
                "source": source.astype(str), "status": "summe"})], ignore_index=True)
        short = grouped[~full]
        if not short.empty:
            gaps.append(_gap_rows(short, child_vals, level))

    # --- rates / means: given ones stay, the others are computed ---------------------
    derived_parts = [given_rates]
    mixed_parts: list[pd.DataFrame] = []
    given_keys = given_rates[KEYS].assign(_given=True)
    same_import = _same_import(import_of)
    for row in cat[cat["kind"].astype(str).isin(DERIVED_KINDS)].itertuples(index=False):
        num_id, den_id = str(row.numerator), str(row.denominator)
        if not num_id and not den_id:
            continue  # a published figure only: never computed
        for ref in (num_id, den_id):
            if ref not in count_ids:
                raise ValueError(f"indicator {row.id!r}: {ref!r} is not a count indicator")
        factor = float(row.factor) if str(row.factor).strip() not in {"", "nan"} else 1.0
        cols = ["area_id", "year", "value", "source", "status"]
        num = counts.loc[counts["indicator_id"] == num_id, cols]
        den = counts.loc[counts["indicator_id"] == den_id, cols]
        both = num.merge(den, on=["area_id", "year"], suffixes=("_num", "_den"))
        if both.empty:
            continue
        both = both.assign(indicator_id=str(row.id)).merge(given_keys, on=KEYS, how="left")
        both = both[both["_given"].isna()]
        withheld = (both["status_num"] == "gesperrt") | (both["status_den"] == "gesperrt")
        ok_import = same_import(both["source_num"], both["source_den"])
        valid = (~withheld & both["value_num"].notna() & both["value_den"].notna()
                 & (both["value_den"] != 0))
        if (valid & ~ok_import).any():
            bad = both[valid & ~ok_import]
            mixed_parts.append(pd.DataFrame({
                "area_id": bad["area_id"], "indicator_id": str(row.id), "year": bad["year"],
                "numerator_source": bad["source_num"], "denominator_source": bad["source_den"]}))
        valid &= ok_import
        good = both[valid]
        if not good.empty:
            src = good["source_num"].where(good["source_num"] == good["source_den"],
                                           good["source_num"] + "+" + good["source_den"])
            derived_parts.append(pd.DataFrame({
                "area_id": good["area_id"].to_numpy(),
                "indicator_id": str(row.id),
                "year": good["year"].to_numpy(),
                "value": factor * good["value_num"].to_numpy() / good["value_den"].to_numpy(),
                "numerator": good["value_num"].to_numpy(),
                "denominator": good["value_den"].to_numpy(),
                "source": [_joined([s]) if "+" in s else s for s in src],
                "status": "quote",
            }))
        sup = both[withheld]
        if not sup.empty:
            derived_parts.append(pd.DataFrame({
                "area_id": sup["area_id"].to_numpy(), "indicator_id": str(row.id),
                "year": sup["year"].to_numpy(), "value": np.nan, "numerator": np.nan,
                "denominator": np.nan,
                "source": np.where(sup["status_num"] == "gesperrt", sup["source_num"],
                                   sup["source_den"]),
                "status": "gesperrt-teil",
            }))

    frames = [_empty_values(), counts, *derived_parts]
    result = pd.concat([f for f in frames if not f.empty] or [_empty_values()], ignore_index=True)
    result = result[FULL_COLUMNS].astype(
        {"area_id": str, "indicator_id": str, "year": "int64", "value": float,
         "numerator": float, "denominator": float, "source": str, "status": str}
    )
    result = result.sort_values(["indicator_id", "year", "area_id"], kind="stable").reset_index(
        drop=True)
    gap_frame = pd.concat(gaps, ignore_index=True) if gaps else pd.DataFrame(
        columns=["area_id", "indicator_id", "year", "children", "with_value", "suppressed",
                 "incomplete", "missing"])
    mixed_frame = pd.concat(mixed_parts, ignore_index=True) if mixed_parts else pd.DataFrame(
        columns=["area_id", "indicator_id", "year", "numerator_source", "denominator_source"])
    return Completion(result, gap_frame, mixed_frame)


def _gap_rows(short: pd.DataFrame, child_vals: pd.DataFrame,
              level: pd.DataFrame) -> pd.DataFrame:
    """The parents of one level without a sum, with the ids of their children lacking a value
    (a suppressed child has one: it is counted apart)."""
    kids = level.groupby("parent_id")["area_id"].apply(list)
    have = child_vals[child_vals["value"].notna() | child_vals["_sup"]].groupby(
        ["parent_id", "indicator_id", "year"])["area_id"].apply(set)
    missing = []
    for r in short[KEYS].itertuples(index=False):
        present = have.get((r.area_id, r.indicator_id, r.year), set())
        missing.append(",".join(k for k in kids.get(r.area_id, []) if k not in present))
    return pd.DataFrame({
        "area_id": short["area_id"].to_numpy(), "indicator_id": short["indicator_id"].to_numpy(),
        "year": short["year"].to_numpy(), "children": short["children"].to_numpy(),
        "with_value": short["ok"].to_numpy(), "suppressed": short["suppressed"].to_numpy(),
        "incomplete": short["incomplete"].to_numpy(), "missing": missing})


def _same_import(import_of: Mapping[str, str] | None):
    """A function telling, per row, whether two source columns belong to the same import."""
    def imports(source: str) -> frozenset[str]:
        parts = [p for p in source.split("+")] or [""]
        return frozenset((import_of or {}).get(p, p) for p in parts)

    def same(a: pd.Series, b: pd.Series) -> pd.Series:
        fast = a.to_numpy() == b.to_numpy()
        out = pd.Series(fast, index=a.index)
        if not fast.all():
            slow = ~fast
            out[slow] = [imports(x) == imports(y) for x, y in
                         zip(a[slow].tolist(), b[slow].tolist(), strict=True)]
        return out

    return same
