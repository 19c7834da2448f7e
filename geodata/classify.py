"""Classification of indicator values into map classes.

One result type, `Classification`, for every method. This foundation offers quantiles
(mapclassify's ``Quantiles``); the cartography issue adds the other methods behind the same
function.

Class ``i`` holds the values ``lower[i] <= v <= upper[i]``; the classes are disjoint because
``upper[i] < lower[i+1]`` for the observed values. Missing values get class None ("keine Daten"),
never a class of their own.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import mapclassify
import numpy as np


@dataclass(frozen=True)
class Classification:
    """Result of classifying one set of values.

    Attributes
    ----------
    method
        German name of the method, e.g. "Quantile".
    k
        Number of classes actually used (fewer than asked when there are fewer distinct values).
    lower, upper
        Smallest and largest observed value in each class.
    classes
        Class index per input value, None for missing values.
    counts
        Number of areas per class.
    n_missing
        Number of areas without a value.
    """

    method: str
    k: int
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    classes: tuple[int | None, ...]
    counts: tuple[int, ...]
    n_missing: int


def _is_missing(v: float | None) -> bool:
    return v is None or math.isnan(v)


def classify_quantiles(values: Sequence[float | None], k: int = 5) -> Classification:
    """Quantile classes (equal counts per class, as far as ties allow).

    Parameters
    ----------
    values
        One value per area; None or NaN for missing.
    k
        Desired number of classes; reduced to the number of distinct values if smaller.
    """
    present = np.array([v for v in values if not _is_missing(v)], dtype=float)
    n_missing = len(values) - len(present)
    distinct = np.unique(present)
    if len(distinct) == 0:
        return Classification("Quantile", 0, (), (), tuple(None for _ in values), (), n_missing)
    k_used = min(k, len(distinct))
    if k_used == 1:
        bins = np.array([distinct[-1]])
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns about ties; handled below
            bins = np.unique(mapclassify.Quantiles(present, k=k_used).bins)
    cls_present = np.searchsorted(bins, present, side="left")
    used = np.unique(cls_present)
    remap = {int(c): i for i, c in enumerate(used)}  # drop empty classes
    lower = tuple(float(present[cls_present == c].min()) for c in used)
    upper = tuple(float(present[cls_present == c].max()) for c in used)
    counts = tuple(int((cls_present == c).sum()) for c in used)
    it = iter(cls_present)
    classes = tuple(None if _is_missing(v) else remap[int(next(it))] for v in values)
    return Classification("Quantile", len(used), lower, upper, classes, counts, n_missing)
