"""The disclosure control: the published state of every value of the atlas, decided once.

A *cell* is one value: an area, an indicator and a year; besides the stored areas, the totals
the atlas publishes for the whole atlas (``ROOT``) and, where its top level spans several
Länder, for each Land (the top-level areas grouped by the first two digits of their keys,
`lands`). `disclosure` decides for every cell whether it is published (``OK``) or suppressed
(``PRIMARY``, ``SECONDARY``), once per repository (memoised); everything the app shows reads
its values through `geodata.statistics.published`, which applies these states.

Primary suppression (threshold T = ``schwelle`` in ``atlas.toml``, default 3)
    A count c with 0 < c < T (0 too with ``suppress_zero``); a rate or mean whose numerator
    *or* denominator is such a count. Indicators whose catalogue entry says ``geheimhaltung =
    nein`` (figures from public registers, e.g. schools, whose addresses the map shows) are
    never suppressed and protect nothing.

Secondary suppression (until nothing changes)
    A. **Sums.** A total equals the sum of its parts at every level a user can reach: an area
       and its children when all of them have a value (quarter → city → Kreis; a kreisfreie
       Stadt's Kreis and its one Gemeinde), each Land and its top-level areas, the whole atlas
       and its Länder (or its top-level areas). A sum with exactly one suppressed cell would
       give it back as a difference, so the smallest other published non-zero part is
       suppressed too (the total only when no part qualifies).
    B. **Rates and their counts.** ``R = f · N / D`` ties a rate to its numerator and
       denominator counts, and several rates share a count (e.g. one denominator). A rate is
       published only together with both its counts (else rate × count gives the missing
       one); a suppressed rate never has both counts published (its rate would follow), nor a
       published numerator of 0 (its rate would be 0). Suppressing a count for B starts A
       again for that count's sums, and so on across indicators.
    C. **Audit.** Every sum's parts form a tree (a cell is a part of at most one sum and the
       total of at most one), and by B a published rate has only published counts, so after
       A and B no suppressed cell follows exactly from the published ones. What bounds add
       (values are never negative) is checked by propagating, for each suppressed cell, the
       range an attacker can derive from every published cell, the sums and ``R = f·N/D``; a
       count pinned to one integer, or a rate pinned within its rounding unit (e.g. a rate
       between 0 and 0,04 % when N ≤ 4 of a large D), gets one more suppression (the rate's
       denominator, or another part of the count's sum) and A–C run again.

The Sozialraum (areas taken together) and references computed from the children that have a
value are published on top of these states (`geodata.statistics.published`): a combination
only when every member's cells are published, a partial total only when its parts do not
contain exactly one suppressed cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from geodata.model.entities import ROOT, Indicator, Value
from geodata.statistics import disclosure_store as store
from geodata.statistics.laender import LAENDER, LAND_PREFIX, land_name, lands
from geodata.statistics.suppression import SuppressionRule

__all__ = ["LAENDER", "LAND_PREFIX", "OK", "PRIMARY", "SECONDARY", "Disclosure", "disclosure",
           "land_name", "lands", "suppression_rule"]

OK, PRIMARY, SECONDARY = 0, 1, 2
DERIVED = ("rate", "mean")
_AUDIT_ROUNDS = 12
_PASSES = 40


def suppression_rule(repo: Any) -> SuppressionRule:
    """The confidentiality and minimum-size rule from the configuration."""
    return SuppressionRule(threshold=repo.settings.suppression_threshold,
                           min_population=repo.settings.min_population)


def is_confidential(ind: Indicator, indicators: Mapping[str, Indicator]) -> bool:
    """Whether the rule applies: a count by its catalogue flag, a rate or mean when either of
    its counts is confidential."""
    if ind.kind not in DERIVED:
        return ind.confidential
    parts = [indicators.get(i) for i in (ind.numerator, ind.denominator)]
    return ind.confidential and any(p is None or p.confidential for p in parts)


@dataclass(frozen=True)
class Disclosure:
    """The decided states: ``rows`` per row of the repository's `ValueTable` (``OK``,
    ``PRIMARY``, ``SECONDARY``), ``virtual`` for the computed totals ``(node, indicator,
    year) → (value, state)`` (``ROOT`` and the Länder); counts of each kind of suppression."""

    rows: np.ndarray
    virtual: Mapping[tuple[str, str, int], tuple[Value, int]]
    primary: int
    secondary: int
    audited: int

    @property
    def suppressed(self) -> int:
        return self.primary + self.secondary


def disclosure(repo: Any) -> Disclosure:
    """The states of every cell of the repository (computed once, see module docstring; kept
    between starts of the same data by `geodata.statistics.disclosure_store`)."""
    return repo.memo("disclosure", lambda: _decide(repo))


def _decide(repo: Any) -> Disclosure:
    key = store.cache_key(repo, suppression_rule(repo))
    stored = repo.load_arrays(key)
    found = store.decode(stored, len(repo.table)) if stored else None
    if found is not None:
        return Disclosure(found[0], found[1], *found[2])
    d = _Engine(repo).run()
    repo.store_arrays(key, store.encode(d.rows, d.virtual, (d.primary, d.secondary, d.audited)))
    return d


class _Engine:
    """One run of the rules A–C over a repository (see module docstring)."""

    def __init__(self, repo: Any) -> None:
        self.repo = repo
        self.t = t = repo.table
        self.rule = suppression_rule(repo)
        self.n = len(t)
        inds = repo.indicators
        self.kind = {i: ind.kind for i, ind in inds.items()}
        self.conf = {i: is_confidential(ind, inds) for i, ind in inds.items()}
        self.decimals = {i: ind.decimals for i, ind in inds.items()}
        self.parts: dict[str, tuple[str, str, float]] = {}  # rate → (N, D, factor)
        self.rates_of: dict[str, list[str]] = {}
        for i, ind in inds.items():
            if ind.kind in DERIVED and self.kind.get(ind.numerator) == "count" and \
                    self.kind.get(ind.denominator) == "count":
                self.parts[i] = (ind.numerator, ind.denominator, ind.factor)
                for c in {ind.numerator, ind.denominator}:
                    self.rates_of.setdefault(c, []).append(i)
        self.lands = lands(repo)
        self.land_of = {a: land for land, kids in self.lands.items() for a in kids}
        self.vkeys: list[tuple[str, str, int]] = []
        self.vvals: list[Value] = []
        self._virtual_cells()
        self.vindex = {k: self.n + i for i, k in enumerate(self.vkeys)}
        self.value = np.concatenate([t.value, np.array([v.value for v in self.vvals], float)])
        self.state = np.zeros(self.n + len(self.vkeys), dtype=np.int8)
        self.pending: list[int] = []
        self.unfixed: list[int] = []  # pinned cells the audit could not widen
        self.sums: dict[tuple[str, str, int], tuple[int, np.ndarray] | None] = {}
        self._triples: dict[tuple[str, str, int], list[tuple[int, int, int, str]]] = {}

    # --- cells -------------------------------------------------------------------------------
    def _virtual_cells(self) -> None:
        """ROOT's values (the repository's ``overall``) and each Land's (summed counts of its
        top-level areas where all have one; rates from the summed counts)."""
        t, repo = self.t, self.repo
        for (ind, year), val in repo.overall.items():
            if ind in self.kind:
                self.vkeys.append((ROOT, ind, year))
                self.vvals.append(val)
        for land, kids in self.lands.items():
            counts: dict[tuple[str, int], float] = {}
            for ind, year in t.groups():
                if self.kind.get(ind) != "count":
                    continue
                col = t.column(kids, ind, year)
                if col.found.all():
                    counts[(ind, year)] = float(col.value.sum())
            for (ind, year), total in counts.items():
                self.vkeys.append((land, ind, year))
                self.vvals.append(Value(total))
            for rate, (num, den, factor) in self.parts.items():
                for year in t.years(rate):
                    n, d = counts.get((num, year)), counts.get((den, year))
                    if n is not None and d:
                        self.vkeys.append((land, rate, year))
                        self.vvals.append(Value(factor * n / d, n, d))

    def cell(self, node: str, ind: str, year: int) -> int:
        """The cell of a node (area, Land or ROOT) in one indicator and year; -1 if none."""
        if node == ROOT or node.startswith(LAND_PREFIX):
            return self.vindex.get((node, ind, year), -1)
        t = self.t
        code = t.code(node)
        start, stop = t.group(ind, year)
        if code < 0 or start == stop:
            return -1
        group = t.area[start:stop]
        i = int(group.searchsorted(np.int32(code)))  # same dtype: no copy of the group
        return start + i if i < stop - start and group[i] == code else -1

    def info(self, c: int) -> tuple[str, str, int]:
        t = self.t
        if c >= self.n:
            return self.vkeys[c - self.n]
        return t.area_ids[t.area[c]], t.indicator_ids[t.indicator[c]], int(t.year[c])

    def parent_node(self, node: str) -> str | None:
        if node == ROOT:
            return None
        if node.startswith(LAND_PREFIX):
            return ROOT
        parent = self.repo.areas[node].parent_id
        if parent == ROOT and self.lands:
            return self.land_of.get(node, ROOT)
        return parent

    def child_nodes(self, node: str) -> tuple[str, ...]:
        if node == ROOT and self.lands:
            return tuple(self.lands)
        if node.startswith(LAND_PREFIX):
            return self.lands.get(node, ())
        return self.repo.children_of(node)

    def sum_of(self, node: str | None, ind: str, year: int) -> tuple[int, np.ndarray] | None:
        """(total, parts) of the sum at ``node``: present only when the total and every part
        have a value (cached)."""
        if node is None or self.kind.get(ind) != "count" or not self.conf.get(ind):
            return None
        key = (node, ind, year)
        if key not in self.sums:
            total = self.cell(node, ind, year)
            kids = self.child_nodes(node)
            found = None
            if total >= 0 and kids:
                if node == ROOT and self.lands:
                    parts = np.array([self.cell(k, ind, year) for k in kids], dtype=np.int64)
                else:
                    parts = self.t.rows(kids, ind, year)
                # Only a real sum is a constraint: a total given from another source (an
                # official Kreis figure over synthetic or differently dated Gemeinden, issue
                # 17/18) is not its children's sum, and nothing follows from its difference.
                if (parts >= 0).all() and abs(float(self.value[total]) - float(
                        self.value[parts].sum())) <= 1e-6 * max(1.0, abs(float(
                            self.value[total]))):
                    found = (total, parts)
            self.sums[key] = found
        return self.sums[key]

    def triples(self, node: str, ind: str, year: int) -> list[tuple[int, int, int, str]]:
        """(rate, numerator, denominator, rate id) cells the cell of ``ind`` belongs to."""
        key = (node, ind, year)
        found = self._triples.get(key)
        if found is None:
            found = self._triples[key] = list(self._find_triples(node, ind, year))
        return found

    def _find_triples(self, node: str, ind: str, year: int
                      ) -> Iterator[tuple[int, int, int, str]]:
        rates = [ind] if ind in self.parts else self.rates_of.get(ind, [])
        for rate in rates:
            num, den, _f = self.parts[rate]
            r = self.cell(node, rate, year) if rate != ind else self.cell(node, ind, year)
            n, d = self.cell(node, num, year), self.cell(node, den, year)
            if r >= 0 and n >= 0 and d >= 0:
                yield r, n, d, rate

    # --- rules -------------------------------------------------------------------------------
    def _primary(self) -> None:
        t, rule = self.t, self.rule
        ids = t.indicator_ids
        conf_count = np.array([self.conf.get(i, True) and self.kind.get(i) == "count"
                               for i in ids], bool)
        num_conf = np.array([i in self.parts and self.conf.get(self.parts[i][0], True)
                             for i in ids], bool)
        den_conf = np.array([i in self.parts and self.conf.get(self.parts[i][1], True)
                             for i in ids], bool)
        rate_conf = np.array([self.kind.get(i) in DERIVED and self.conf.get(i, True)
                              for i in ids], bool)

        def small(x: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore"):
                return ~np.isnan(x) & (x < rule.threshold) & ((x > 0) | rule.suppress_zero)

        value = np.concatenate([t.value, [v.value for v in self.vvals]])
        num = np.concatenate([t.numerator, [np.nan if v.numerator is None else v.numerator
                                            for v in self.vvals]])
        den = np.concatenate([t.denominator, [np.nan if v.denominator is None else v.denominator
                                              for v in self.vvals]])
        vind = [ids.index(k[1]) if k[1] in ids else 0 for k in self.vkeys]
        code = np.concatenate([t.indicator.astype(np.int64), np.array(vind, np.int64)])
        hit = (conf_count[code] & small(value)) | (rate_conf[code] & (
            (num_conf[code] & small(num)) | (den_conf[code] & small(den))))
        self.state[hit] = PRIMARY
        self.pending.extend(np.flatnonzero(hit).tolist())

    def suppress(self, c: int) -> None:
        if c >= 0 and self.state[c] == OK:
            self.state[c] = SECONDARY
            self.pending.append(c)

    def known(self, c: int) -> bool:
        return c >= 0 and self.state[c] == OK

    def _drain(self) -> None:
        while self.pending:
            c = self.pending.pop()
            node, ind, year = self.info(c)
            for s in (self.sum_of(self.parent_node(node), ind, year),
                      self.sum_of(node, ind, year)):
                if s is not None:
                    self._check_sum(*s)
            for r, n, d, rate in self.triples(node, ind, year):
                self._check_triple(r, n, d, rate)

    def _check_sum(self, total: int, parts: np.ndarray) -> None:
        """Rule A: never exactly one suppressed cell in a sum."""
        st = self.state
        unknown = int(st[parts].astype(bool).sum()) + int(st[total] != OK)
        if unknown != 1:
            return
        self.suppress(self._part_to_suppress(total, parts))

    def _part_to_suppress(self, total: int, parts: np.ndarray) -> int:
        vals = self.value[parts]
        ok = (self.state[parts] == OK) & (vals > 0)
        if ok.any():
            idx = np.flatnonzero(ok)
            best = idx[np.lexsort((parts[idx], vals[idx]))[0]]
            return int(parts[best])
        if self.known(total) and self.value[total] > 0:
            return total
        return -1

    def _check_triple(self, r: int, n: int, d: int, rate: str) -> None:
        """Rule B: a rate is published only with both its counts; a suppressed rate never has
        both, nor a published numerator of 0."""
        num, den, _f = self.parts[rate]
        if self.known(r):
            if not (self.known(n) and self.known(d)) and self.conf.get(rate):
                self.suppress(r)
            return
        if self.known(n) and self.known(d):
            self.suppress(n if self.conf.get(num) else d if self.conf.get(den) else -1)
        elif self.known(n) and self.value[n] == 0 and self.conf.get(num):
            self.suppress(n)

    # --- audit -------------------------------------------------------------------------------
    def _audit(self) -> list[int]:
        """Rule C: suppressed cells whose derivable range pins their value (see module
        docstring). Ranges are narrowed constraint by constraint until nothing changes (a
        constraint is looked at again only when one of its cells' ranges changed)."""
        unknown = np.flatnonzero(self.state != OK)
        if not len(unknown):
            return []
        sums: dict[tuple[str | None, str, int], tuple[int, np.ndarray]] = {}
        triples: set[tuple[int, int, int, str]] = set()
        for c in unknown.tolist():
            node, ind, year = self.info(c)
            for key in ((self.parent_node(node), ind, year), (node, ind, year)):
                s = self.sum_of(*key)
                if s is not None:
                    sums[key] = s
            triples.update(self.triples(node, ind, year))
        sum_list = [(int(t), parts.tolist()) for t, parts in sums.values()]
        tri_list = [(r, n, d, self.parts[rate][2]) for r, n, d, rate in triples]
        inf = math.inf
        is_count = self._count_cells()
        value = self.value
        lo: dict[int, float] = dict.fromkeys(unknown.tolist(), 0.0)
        hi: dict[int, float] = dict.fromkeys(unknown.tolist(), inf)
        counted = {c: bool(is_count[c]) for c in lo}
        where: dict[int, list[int]] = {}
        for k, (t, parts) in enumerate(sum_list):
            for c in (t, *parts):
                if c in lo:
                    where.setdefault(c, []).append(k)
        n_sums = len(sum_list)
        for k, (r, n, d, _f) in enumerate(tri_list):
            for c in (r, n, d):
                if c in lo:
                    where.setdefault(c, []).append(n_sums + k)
        queue = list(range(n_sums + len(tri_list)))
        queued = set(queue)

        def get(c: int) -> tuple[float, float]:
            if c in lo:
                return lo[c], hi[c]
            v = float(value[c])
            return v, v

        def tighten(c: int, low: float, high: float) -> None:
            if c not in lo:
                return
            if counted[c]:
                low = math.ceil(low - 1e-9) if math.isfinite(low) else low
                high = math.floor(high + 1e-9) if math.isfinite(high) else high
            old_lo, old_hi = lo[c], hi[c]
            new_lo, new_hi = max(old_lo, low), min(old_hi, high)
            if new_lo > old_lo + 1e-12 or new_hi < old_hi - 1e-12:
                lo[c], hi[c] = new_lo, new_hi
                for k in where.get(c, ()):
                    if k not in queued:
                        queued.add(k)
                        queue.append(k)

        budget = _PASSES * len(queue)
        while queue and budget:
            budget -= 1
            k = queue.pop()
            queued.discard(k)
            if k < n_sums:
                total, parts = sum_list[k]
                bounds = [get(p) for p in parts]
                s_lo = sum(b[0] for b in bounds)
                finite_hi = sum(b[1] for b in bounds if b[1] < inf)
                n_inf = sum(1 for b in bounds if b[1] == inf)
                t_lo, t_hi = get(total)
                tighten(total, s_lo, inf if n_inf else finite_hi)
                t_lo, t_hi = get(total)
                for p, (p_lo, p_hi) in zip(parts, bounds, strict=True):
                    if p in lo:
                        others_inf = n_inf - (p_hi == inf)
                        rest_hi = inf if others_inf else finite_hi - (p_hi if p_hi < inf else 0)
                        tighten(p, t_lo - rest_hi, t_hi - (s_lo - p_lo))
            else:
                r, n, d, f = tri_list[k - n_sums]
                (r_lo, r_hi), (n_lo, n_hi), (d_lo, d_hi) = get(r), get(n), get(d)
                tighten(r, f * n_lo / d_hi if 0 < d_hi < inf else 0.0,
                        f * n_hi / d_lo if d_lo > 0 and n_hi < inf else inf)
                tighten(n, r_lo * d_lo / f,
                        r_hi * d_hi / f if r_hi < inf and d_hi < inf else inf)
                tighten(d, f * n_lo / r_hi if 0 < r_hi < inf else 0.0,
                        f * n_hi / r_lo if r_lo > 0 and n_hi < inf else inf)
        pinned = []
        for c in lo:
            a, b = lo[c], hi[c]
            if b == inf:
                continue
            if counted[c]:
                if b - a < 1:
                    pinned.append(c)
            else:
                dec = self.decimals.get(self.info(c)[1], 1)
                scale = 10.0 ** dec
                if math.floor(a * scale + 0.5) == math.floor(b * scale + 0.5):
                    pinned.append(c)
        self.unfixed = pinned
        return pinned

    def _count_cells(self) -> np.ndarray:
        ids = self.t.indicator_ids
        per_ind = np.array([self.kind.get(i) == "count" for i in ids], bool)
        virt = np.array([self.kind.get(k[1]) == "count" for k in self.vkeys], bool)
        return np.concatenate([per_ind[self.t.indicator], virt])

    def _cell_decimals(self, cells: np.ndarray) -> np.ndarray:
        ids = self.t.indicator_ids
        per_ind = np.array([self.decimals.get(i, 1) for i in ids], float)
        virt = np.array([self.decimals.get(k[1], 1) for k in self.vkeys], float)
        return np.concatenate([per_ind[self.t.indicator], virt])[cells]

    def _widen(self, c: int) -> None:
        """One more suppression so that the pinned cell ``c`` gets a range again: a rate's
        denominator (or numerator), else another part of the count's sum."""
        node, ind, year = self.info(c)
        if ind in self.parts:
            num, den, _f = self.parts[ind]
            mine = [(n, d) for r, n, d, _rate in self.triples(node, ind, year) if r == c]
            if not mine:
                return
            n, d = mine[0]
            if self.known(d) and self.conf.get(den):
                self.suppress(d)
                return
            if self.known(n) and self.conf.get(num):
                self.suppress(n)
                return
            ind = num  # both counts suppressed already: widen the numerator's sum
        for s in (self.sum_of(self.parent_node(node), ind, year), self.sum_of(node, ind, year)):
            if s is not None and (pick := self._part_to_suppress(*s)) >= 0:
                self.suppress(pick)
                return

    def run(self) -> Disclosure:
        self._primary()
        primary = int((self.state == PRIMARY).sum())
        self._drain()
        before = int((self.state != OK).sum())
        for _ in range(_AUDIT_ROUNDS):
            pinned = self._audit()
            if not pinned:
                break
            suppressed = int((self.state != OK).sum())
            for c in pinned:
                self._widen(c)
            if int((self.state != OK).sum()) == suppressed:
                break  # nothing more to suppress for them (see `unfixed`)
            self._drain()
        audited = int((self.state != OK).sum()) - before
        rows = self.state[: self.n].copy()
        rows.flags.writeable = False
        virtual = {k: (v, int(self.state[self.n + i]))
                   for i, (k, v) in enumerate(zip(self.vkeys, self.vvals, strict=True))}
        total = int((self.state != OK).sum())
        return Disclosure(rows, virtual, primary, total - primary, audited)
