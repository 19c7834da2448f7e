"""Merging imported cells into the stored values, cell by cell, and completing the hierarchy.

Rules (`merge_values`):

1. Every imported cell replaces what is stored for its area, indicator and year: a number the
   value, a suppression marker the value by a suppressed cell, an empty cell (``leer``) by
   nothing. Of two files of one import, the later one wins.
2. Values derived before (sums, computed rates) are dropped and derived again from the given
   ones (`geodata.statistics.aggregate.complete`), so a changed child always changes its
   parents.
3. A rate given as a published figure stays until a later import gives the rate itself for
   that cell, or both of its counts (then it is computed from them). A computed rate needs
   numerator and denominator from the same import; where they come from different ones the
   rate is left out and reported.
4. Values of removed areas go with them.

The report lists every replaced, newly suppressed and cleared value (`Report.changes`), the
parents that get no sum for an indicator and year the import touched (and why), and rates
left out for mixing imports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from geodata.importer.report import CellChange, Report, count
from geodata.statistics.aggregate import GIVEN, KEYS, complete
from geodata.statistics.numfmt import format_number

MAX_GAP_LINES = 20


def normalised(values: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """The stored values with ``source`` and ``status`` columns. A table of an older atlas
    has neither: its rates with numerator and denominator count as computed, everything
    else as given."""
    out = values.copy()
    for col in ("area_id", "indicator_id", "source"):
        if col in out.columns and isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(str)
    if "source" not in out.columns:
        out["source"] = ""
    if "status" not in out.columns:
        derived = set(catalogue.loc[catalogue["kind"].isin(["rate", "mean"]), "id"].astype(str))
        computed = out["indicator_id"].astype(str).isin(derived) & out["numerator"].notna()
        out["status"] = np.where(computed, "quote", "")
    out["source"] = out["source"].fillna("").astype(str)
    out["status"] = out["status"].fillna("").astype(str)
    return out.astype({"area_id": str, "indicator_id": str, "year": "int64"})


def _shown(value: float, status: str, decimals: int) -> str:
    if status in ("gesperrt", "gesperrt-teil"):
        return "gesperrt"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "kein Wert"
    return format_number(float(value), decimals)


def merge_values(old: pd.DataFrame, new: list[pd.DataFrame], removed: set[str],
                 areas: pd.DataFrame, catalogue: pd.DataFrame, report: Report,
                 import_of: Mapping[str, str] | None = None,
                 names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The complete new value table (see module docstring). ``new``: imported cells per file
    (``area_id``, ``indicator_id``, ``year``, ``value``, ``numerator``, ``denominator``,
    ``status`` with "leer" for a cleared cell, ``source``)."""
    names = names or {}
    old = normalised(old, catalogue)
    kept = old[~old["area_id"].isin(removed)]
    if len(kept) < len(old):
        n = int((old["area_id"].isin(removed) & old["status"].isin(GIVEN)).sum())
        report.summary.append(f"{count(n, 'Wert', 'Werte')} entfallener Gebiete "
                              f"{'wird' if n == 1 else 'werden'} entfernt.")
    given = kept[kept["status"].isin(GIVEN)]
    parts = [v for v in new if not v.empty]
    cat = catalogue.fillna("")
    ind_info = {str(r["id"]): r for r in cat.to_dict("records")}
    if parts:
        add = pd.concat(parts, ignore_index=True).drop_duplicates(KEYS, keep="last")
        add = add.astype({"area_id": str, "indicator_id": str, "year": "int64"})
        _record_changes(kept, add, report, ind_info, names)
        n_values = int((add["status"] != "leer").sum())
        replaced = given[KEYS].merge(add[add["status"] != "leer"][KEYS], on=KEYS, how="inner")
        report.summary.append(f"{count(n_values, 'Wert', 'Werte')} importiert, davon "
                              + ("ersetzt 1 einen bestehenden Wert." if len(replaced) == 1 else
                                 f"ersetzen {len(replaced)} bestehende Werte."))
        n_sup = int((add["status"] == "gesperrt").sum())
        if n_sup:
            report.summary.append(f"{count(n_sup, 'Zelle', 'Zellen')} als gesperrt übernommen "
                                  "(in der Quelle nicht veröffentlicht).")
        given = given.merge(add[KEYS].assign(_new=1), on=KEYS, how="left")
        given = given[given["_new"].isna()].drop(columns="_new")
        given = _drop_stale_rates(given, add, cat)
        merged = pd.concat([given, add[add["status"] != "leer"]], ignore_index=True)
    else:
        add = None
        merged = given
    merged = merged.astype({"area_id": str, "indicator_id": str, "year": "int64",
                            "value": float, "numerator": float, "denominator": float,
                            "source": str, "status": str})
    done = complete(merged, areas[["area_id", "parent_id"]], catalogue, import_of)
    out = done.values
    if add is not None:
        _report_gaps(done.gaps, add, areas, report, ind_info, names)
        _report_mixed(done.mixed, report, ind_info, names)
    fresh = out[out["status"].isin(["summe", "quote"])]
    n_sums = int((fresh["status"] == "summe").sum())
    n_rates = int((fresh["status"] == "quote").sum())
    if n_sums:
        report.summary.append(f"{count(n_sums, 'Anzahl', 'Anzahlen')} übergeordneter Gebiete "
                              "aus ihren Teilgebieten summiert.")
    if n_rates:
        report.summary.append(f"{count(n_rates, 'Quote oder Mittelwert', 'Quoten und Mittelwerte')}"
                              " aus Zähler und Nenner berechnet.")
    return out


def _drop_stale_rates(given: pd.DataFrame, add: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    """Given rates whose two counts this import gives anew (and not the rate): computed."""
    drop = []
    new_keys = set(zip(add["area_id"], add["indicator_id"], add["year"], strict=True))
    for r in cat[cat["kind"].isin(["rate", "mean"])].itertuples(index=False):
        if not r.numerator or not r.denominator:
            continue
        rates = given[given["indicator_id"] == r.id]
        for aid, year in zip(rates["area_id"], rates["year"], strict=True):
            if ((aid, r.numerator, year) in new_keys and (aid, r.denominator, year) in new_keys
                    and (aid, r.id, year) not in new_keys):
                drop.append((aid, r.id, year))
    if not drop:
        return given
    gone = pd.DataFrame(drop, columns=KEYS).assign(_drop=1)
    out = given.merge(gone, on=KEYS, how="left")
    return out[out["_drop"].isna()].drop(columns="_drop")


def _label(aid: str, names: Mapping[str, str]) -> str:
    return f"{names.get(aid, aid)} ({aid})"


def _what(ind: str, year: int, info: Mapping[str, Mapping]) -> str:
    row = info.get(ind)
    return f"{row['name'] if row is not None else ind} {year}"


def _record_changes(old: pd.DataFrame, add: pd.DataFrame, report: Report,
                    info: Mapping[str, Mapping], names: Mapping[str, str]) -> None:
    both = add.merge(old[[*KEYS, "value", "status"]], on=KEYS, how="inner",
                     suffixes=("", "_old"))
    for r in both.itertuples(index=False):
        dec = int(float(info.get(r.indicator_id, {}).get("decimals") or 0) or 0) \
            if r.indicator_id in info else 2
        old_v, new_v = r.value_old, r.value
        old_sup = r.status_old in ("gesperrt", "gesperrt-teil")
        if r.status == "leer":
            if old_sup or not (isinstance(old_v, float) and math.isnan(old_v)):
                kind = "geleert"
            else:
                continue
        elif r.status == "gesperrt":
            if old_sup:
                continue
            kind = "gesperrt"
        else:
            same = not old_sup and not math.isnan(old_v) and abs(old_v - new_v) <= 1e-9 * max(
                1.0, abs(old_v))
            if same:
                continue
            kind = "ersetzt"
        report.changes.append(CellChange(
            kind, _label(r.area_id, names), _what(r.indicator_id, r.year, info),
            _shown(old_v, r.status_old, dec),
            "kein Wert" if r.status == "leer" else _shown(new_v, r.status, dec)))


def _report_gaps(gaps: pd.DataFrame, add: pd.DataFrame, areas: pd.DataFrame, report: Report,
                 info: Mapping[str, Mapping], names: Mapping[str, str]) -> None:
    """Parents above the imported cells that get no sum for an imported indicator and year."""
    if gaps.empty:
        return
    parent = dict(zip(areas["area_id"].astype(str), areas["parent_id"].fillna("").astype(str),
                      strict=True))
    touched: set[tuple[str, str, int]] = set()
    for aid, ind, year in zip(add["area_id"], add["indicator_id"], add["year"], strict=True):
        p = parent.get(aid, "")
        while p:
            touched.add((p, ind, int(year)))
            p = parent.get(p, "")
    lines = []
    for r in gaps.itertuples(index=False):
        if (r.area_id, r.indicator_id, int(r.year)) not in touched:
            continue
        why = []
        missing = [m for m in str(r.missing).split(",") if m]
        if missing:
            shown = ", ".join(names.get(m, m) for m in missing[:3])
            why.append(f"{len(missing)} von {int(r.children)} Teilgebieten ohne Wert ({shown}"
                       + (" …" if len(missing) > 3 else "") + ")")
        if int(r.suppressed):
            why.append(f"{int(r.suppressed)} gesperrt")
        if int(r.incomplete):
            why.append(f"{int(r.incomplete)} mit unvollständigem Gebietsstand")
        lines.append(f"Keine Summe für {_label(r.area_id, names)}, "
                     f"{_what(r.indicator_id, int(r.year), info)}: " + "; ".join(why) + ".")
    for text in lines[:MAX_GAP_LINES]:
        report.note("", text)
    if len(lines) > MAX_GAP_LINES:
        report.note("", f"… und {len(lines) - MAX_GAP_LINES} weitere übergeordnete Gebiete ohne "
                    "Summe.")


def _report_mixed(mixed: pd.DataFrame, report: Report, info: Mapping[str, Mapping],
                  names: Mapping[str, str]) -> None:
    if mixed.empty:
        return
    for (ind, year), grp in mixed.groupby(["indicator_id", "year"]):
        shown = ", ".join(_label(a, names) for a in grp["area_id"].head(3))
        report.warning("", f"„{_what(str(ind), int(year), info)}“ für "
                       f"{count(len(grp), 'Gebiet', 'Gebiete')} nicht berechnet ({shown}"
                       + (" …" if len(grp) > 3 else "") + "): Zähler und Nenner stammen aus "
                       "verschiedenen Importen. Bitte beide aus derselben Quelle importieren.")
