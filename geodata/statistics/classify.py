"""Classification of indicator values into map classes.

One result type, `Classification`, for every method:

==============  ==================================  ========================================
method id       German name                         inner breaks
==============  ==================================  ========================================
``quantile``    Quantile                            percentiles j·100/k (`quantile_breaks`)
``equal``       Gleiche Intervalle                  min + j * (max - min) / k
``jenks``       Natürliche Brüche (Fisher-Jenks)    exact optimum (`fisher_jenks_breaks`)
``stddev``      Standardabweichung                  mean + (j - k/2) * sd (population sd)
``manual``      Manuelle Grenzen                    as given
==============  ==================================  ========================================

Quantiles and Fisher-Jenks give the same breaks as mapclassify's ``Quantiles`` and
``FisherJenks`` (the tests compare them); they are computed here with numpy because importing
mapclassify costs every worker about 170 MB (scikit-learn, SciPy) and its Fisher-Jenks is slow.

Assignment: class ``i`` is the number of inner breaks strictly below the value, so a value on
a break belongs to the lower class (as in mapclassify). With ``pooled`` values (e.g. every year
of the indicator: "feste Klassen über alle Jahre") the breaks come from the pooled values and
the current values are only assigned, so a colour means the same in every year.

Degenerate data never raises: no values give no class; one distinct value one class; fewer
distinct values than classes one class per distinct value; each with a German hint. Missing
values get class None ("keine Daten"), never a class of their own.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geodata.statistics.numfmt import format_number

METHOD_NAMES = {
    "quantile": "Quantile",
    "equal": "Gleiche Intervalle",
    "jenks": "Natürliche Brüche (Fisher-Jenks)",
    "stddev": "Standardabweichung",
    "manual": "Manuelle Grenzen",
}
MIN_K, MAX_K = 3, 7
JENKS_SAMPLE_ABOVE = 3000  # exact Fisher-Jenks is O(k n^2); sample beyond this many values


@dataclass(frozen=True)
class Classification:
    """Result of classifying one set of values.

    Attributes
    ----------
    method
        German name of the method, e.g. "Quantile".
    k
        Number of classes actually used (fewer than asked for degenerate data).
    lower, upper
        Lower and upper bound of each class: the smallest and largest value in it, or with
        ``pooled`` breaks the class boundaries (first lower = pooled minimum, last upper =
        pooled maximum).
    classes
        Class index per input value, None for missing values.
    counts
        Number of (non-missing) input values per class; may be 0 with pooled or manual breaks.
    n_missing
        Number of values without a class.
    breaks
        The k-1 inner boundaries (class i holds values <= breaks[i]).
    hint
        German hint when the result deviates from what was asked, else "".
    """

    method: str
    k: int
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    classes: tuple[int | None, ...]
    counts: tuple[int, ...]
    n_missing: int
    breaks: tuple[float, ...] = ()
    hint: str = ""


def _short(value: float) -> str:
    """German number with at most two decimals and no trailing zeros ("4,2", "12")."""
    return format_number(value, 2).rstrip("0").rstrip(",")


def _is_missing(v: float | None) -> bool:
    return v is None or math.isnan(v)


def fisher_jenks_breaks(data: np.ndarray, k: int) -> list[float]:
    """Exact Fisher-Jenks natural breaks: the k-1 inner breaks minimising the sum of squared
    deviations within classes (dynamic programming, O(k n^2), vectorised per class end).

    mapclassify's FisherJenks gives the same breaks but runs in pure Python without numba
    (3 s for 1528 values); this takes milliseconds. A break is the largest value of its class.
    """
    x = np.sort(np.asarray(data, dtype=float))
    n = len(x)
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    # cost[j]: minimal within-class sum of squares of x[0..j] split into m classes so far.
    starts = np.arange(n)
    cost = s2[1:] - s1[1:] ** 2 / (starts + 1)  # one class
    back = np.zeros((k, n), dtype=int)
    for m in range(1, k):
        new = np.full(n, np.inf)
        for j in range(m, n):
            i = starts[m : j + 1]  # first index of the last class
            cnt = j - i + 1
            ssd = (s2[j + 1] - s2[i]) - (s1[j + 1] - s1[i]) ** 2 / cnt
            total = cost[i - 1] + ssd
            best = int(np.argmin(total))
            new[j] = total[best]
            back[m, j] = i[best]
        cost = new
    ends, j = [], n - 1
    for m in range(k - 1, 0, -1):
        j = back[m, j] - 1
        ends.append(j)
    return [float(x[e]) for e in sorted(ends)]


def quantile_breaks(data: np.ndarray, k: int) -> list[float]:
    """The upper bounds of k quantile classes, as mapclassify's ``Quantiles(data, k).bins``:
    the percentiles 100/k, 200/k, …, 100 with linear interpolation between the sorted values
    (``scipy.stats.scoreatpercentile``, method "fraction", computed the same way here), ties
    collapsed, so there may be fewer than k.

    Written out here because importing mapclassify loads scikit-learn and SciPy, about 170 MB
    in every worker, for these few lines; `tests/test_classify.py` checks the equality.
    """
    x = np.sort(np.asarray(data, dtype=float).ravel())
    w = 100.0 / k
    pcts = np.arange(w, 100 + w, w)
    if pcts[-1] > 100.0:
        pcts[-1] = 100.0
    out = []
    for per in pcts.tolist():
        idx = per / 100.0 * (len(x) - 1)
        i = int(idx)
        if i == idx:
            out.append(float(x[i]))
        else:
            weights = np.array([(i + 1 - idx), (idx - i)], float)
            out.append(float(np.add.reduce(x[i:i + 2] * weights) / weights.sum()))
    return np.unique(np.array(out)).tolist()


def _inner_breaks(data: np.ndarray, method: str, k: int,
                  mean_sd: tuple[float, float] | None) -> list[float]:
    """k-1 inner breaks of ``data`` (at least k distinct values) for one method."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy warns about empty slices; handled by callers
        if method == "quantile":
            return quantile_breaks(data, k)[:-1]
        if method == "equal":
            lo, hi = float(data.min()), float(data.max())
            return [lo + j * (hi - lo) / k for j in range(1, k)]
        if method == "jenks":
            if len(data) > JENKS_SAMPLE_ABOVE:
                rng = np.random.default_rng(20261123)
                sample = rng.choice(data, JENKS_SAMPLE_ABOVE, replace=False)
                data = np.concatenate([sample, [data.min(), data.max()]])
            return fisher_jenks_breaks(data, k)
        if method == "stddev":
            mean, sd = mean_sd if mean_sd else (float(data.mean()), float(data.std()))
            return [mean + (j - k / 2) * sd for j in range(1, k)]
    raise ValueError(f"Die Klassifizierung „{method}“ gibt es nicht.")


def classify(
    values: Sequence[float | None],
    method: str = "quantile",
    k: int = 5,
    manual_breaks: Sequence[float] | None = None,
    pooled: Sequence[float | None] | None = None,
    mean_sd: tuple[float, float] | None = None,
) -> Classification:
    """Classify values into map classes (see module docstring).

    Parameters
    ----------
    values
        One value per area; None or NaN for missing.
    method
        ``quantile``, ``equal``, ``jenks``, ``stddev`` or ``manual``.
    k
        Number of classes, 3 to 7 (ignored for ``manual``: number of breaks + 1).
    manual_breaks
        Strictly ascending inner boundaries for ``manual``.
    pooled
        Values the breaks are computed from instead of ``values`` (fixed classes).
    mean_sd
        Mean and standard deviation for ``stddev`` (e.g. frozen at a base year).

    Raises
    ------
    ValueError
        German message for an unknown method, a class count outside 3–7 or invalid manual
        breaks. Degenerate data never raises.
    """
    if method not in METHOD_NAMES:
        raise ValueError(f"Die Klassifizierung „{method}“ gibt es nicht; möglich: "
                         f"{', '.join(METHOD_NAMES)}.")
    name = METHOD_NAMES[method]
    if method == "manual":
        brk = [float(b) for b in (manual_breaks or [])]
        if not brk or any(not math.isfinite(b) for b in brk) or any(
            b <= a for a, b in zip(brk, brk[1:], strict=False)
        ):
            raise ValueError("Manuelle Grenzen müssen endliche, streng aufsteigende Zahlen sein.")
        k = len(brk) + 1
    elif not MIN_K <= k <= MAX_K:
        raise ValueError(f"Die Klassenzahl muss zwischen {MIN_K} und {MAX_K} liegen, nicht {k}.")

    present = np.array([v for v in values if not _is_missing(v)], dtype=float)
    n_missing = len(values) - len(present)
    basis = present if pooled is None else np.array(
        [v for v in pooled if not _is_missing(v)], dtype=float)
    distinct = np.unique(basis)
    hint = ""
    if len(distinct) == 0 and method != "manual":
        return Classification(name, 0, (), (), tuple(None for _ in values), (), len(values),
                              (), "Keine Werte vorhanden.")
    if method == "manual":
        inner = brk
    elif len(distinct) == 1:
        inner = []
        hint = (f"Alle Gebiete haben denselben Wert ({_short(float(distinct[0]))}); "
                "eine Klasse.") if len(basis) > 1 else "Nur ein Gebiet mit Wert: eine Klasse."
    elif len(distinct) < k:
        inner = [float(v) for v in distinct[:-1]]  # one class per distinct value
        hint = f"Nur {len(distinct)} verschiedene Werte: {len(distinct)} statt {k} Klassen."
    else:
        inner = sorted(set(_inner_breaks(basis, method, k, mean_sd)))
    edges = np.array(inner, dtype=float)
    n_cls = len(inner) + 1
    cls_present = np.searchsorted(edges, present, side="left")
    counts = tuple(int((cls_present == c).sum()) for c in range(n_cls))

    if pooled is None and method not in ("manual",):
        # Bounds are the observed extremes; drop classes that stayed empty (ties, sd tails).
        used = [c for c in range(n_cls) if counts[c]]
        remap = {c: i for i, c in enumerate(used)}
        lower = tuple(float(present[cls_present == c].min()) for c in used)
        upper = tuple(float(present[cls_present == c].max()) for c in used)
        inner = [inner[c] for c in used[:-1]] if len(used) > 1 else []
        counts = tuple(counts[c] for c in used)
        if len(used) < k and not hint:  # ties (quantiles) or empty tails (standard deviation)
            hint = f"Wegen der Verteilung der Werte {len(used)} statt {k} Klassen."
    else:
        remap = {c: c for c in range(n_cls)}
        lo_all = float(basis.min()) if len(basis) else (inner[0] if inner else 0.0)
        hi_all = float(basis.max()) if len(basis) else (inner[-1] if inner else 0.0)
        lows = [min(lo_all, inner[0]) if inner else lo_all, *inner]
        highs = [*inner, max(hi_all, inner[-1]) if inner else hi_all]
        lower, upper = tuple(lows), tuple(highs)
    it = iter(cls_present)
    classes = tuple(None if _is_missing(v) else remap[int(next(it))] for v in values)
    return Classification(name, len(counts), lower, upper, classes, counts, n_missing,
                          tuple(inner), hint)


def class_labels(cls: Classification, decimals: int, unit: str = "") -> list[str]:
    """German range label per class, e.g. "11,3 – 17,7 %"."""
    out = []
    for lo, hi in zip(cls.lower, cls.upper, strict=True):
        a, b = format_number(lo, decimals), format_number(hi, decimals)
        text = a if a == b else f"{a} – {b}"
        out.append(f"{text} {unit}" if unit else text)
    return out


def symmetric_breaks(values: Sequence[float], ref: float, k: int) -> tuple[list[float], float]:
    """k-1 equal-interval breaks placed symmetrically around ``ref``, and the half-width of
    the whole range (the largest distance of a value from ``ref``)."""
    spread = max((abs(v - ref) for v in values), default=0.0) or 1.0
    width = 2 * spread / k
    return [ref + (j - k / 2) * width for j in range(1, k)], spread
