"""An attacker on the published atlas, written for the tests independently of the app's
disclosure control (geodata/statistics/disclosure.py): it sees only what an anonymous
visitor downloads and tries to recompute every suppressed ("·") cell.

What it collects (`Attacker.harvest`), for a city with quarters and the levels above it:
the JSON API (``/api/karte`` of the quarters' view, ``/api/gebiete/<id>`` of every quarter, the
city, every Kreis), the table downloads (CSV of every indicator and year for the quarters, the
Kreise and all Gemeinden; XLSX of the quarters' view), the profile panel of every quarter (as
the app renders it: value, references, "Weitere Zahlen", the rate's "N von D" in the row's
title) and the budget split of the need index.

How it attacks (`Attacker.solve`): every published number is a range (a count exact, a rate
± half its rounding unit); every "·" cell is unknown, at least 0. It applies what anyone can
know: each count of a parent is the sum of its children's (city = its quarters, a Kreis = its
Gemeinden, a Land = its Kreise by the first two digits of the keys, the whole atlas = its
Länder), and a rate is factor × numerator / denominator (catalogue from ``/api/indikatoren``).
Ranges are narrowed until nothing changes. A suppressed count whose range holds a single
integer, or a suppressed rate whose range lies within one rounding unit, is *recovered*.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import load_workbook

SECRET, MISSING, UNRATED = "·", "–", "n. b."
LAENDER = {"Hessen": "06", "Baden-Württemberg": "08"}
Key = tuple[str, str, int]  # (node, indicator, year); node "" = whole atlas, "land:06"


def number(text: Any) -> float | None:
    """A German number as the app prints it ("12,3", "1.234", "1.234,5"), or None."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    t = str(text).strip().replace("\u2212", "-")
    if not re.fullmatch(r"-?[\d.]+(,\d+)?", t):
        return None
    return float(t.replace(".", "").replace(",", "."))


def rounds_to(x: float, decimals: int) -> Decimal:
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP)


@dataclass
class Attacker:
    client: Any  # Flask test client, no sign-in
    cities: list[str]
    published: dict[Key, float] = field(default_factory=dict)
    secret: set[Key] = field(default_factory=set)
    unrated: set[Key] = field(default_factory=set)
    seen_as: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    conflicts: list[str] = field(default_factory=list)
    small_counts: list[str] = field(default_factory=list)
    catalogue: dict[str, dict] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    overall: str = ""
    city_names: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # quarter name → key (reports)
    report_tables: dict[str, int] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)  # rows the attacker could not place
    requests: int = 0

    # --- collecting ------------------------------------------------------------------------
    def get(self, url: str) -> Any:
        self.requests += 1
        resp = self.client.get(url)
        assert resp.status_code == 200, (url, resp.status_code, resp.data[:200])
        return resp

    def note(self, key: Key, text: Any, where: str, count_check: bool = False) -> None:
        """Record one cell as printed somewhere ("·", "–", "n. b." or a number)."""
        if text is None or text == "" or text == MISSING:
            return
        t = str(text).strip()
        if t == SECRET:
            self.secret.add(key)
            self.seen_as[key].add(SECRET)
        elif t == UNRATED:
            self.unrated.add(key)
        else:
            v = number(text)
            if v is None:
                return
            if key in self.published and abs(self.published[key] - v) > 1e-6:
                self.conflicts.append(f"{key}: {self.published[key]} und {v} ({where})")
            self.published[key] = v
            self.seen_as[key].add("Zahl")
            ind = self.catalogue.get(key[1], {})
            if (count_check or ind.get("art") == "count") and 0 < v < 3 and \
                    ind.get("geheimhaltung", True):
                self.small_counts.append(f"{key} = {v} in {where}")

    def harvest(self, levels: bool = True) -> None:
        cat = self.get("/api/indikatoren").get_json()
        self.catalogue = {i["id"]: i for i in cat}
        for city_id in self.cities:
            city = self.get(f"/api/gebiete/{city_id}").get_json()
            self.city_names[city["name"]] = city_id
            self.children[city_id] = city["kinder_ids"]
            for q in city["kinder_ids"]:
                self._area_api(q)
            self._area_api(city_id)
        for ind_id, ind in self.catalogue.items():
            for year in ind["jahre"]:
                q = f"indikator={ind_id}&jahr={year}"
                for city_id in self.cities:
                    self._table_csv(f"/export/tabelle.csv?gebiet={city_id}&{q}", ind_id, year)
                    self._table_xlsx(f"/export/tabelle.xlsx?gebiet={city_id}&{q}", ind_id,
                                     year)
                    self._map_api(f"/api/karte?gebiet={city_id}&{q}", ind_id, year)
                if levels:
                    self._table_csv(f"/export/tabelle.csv?{q}", ind_id, year)
                    self._table_csv(f"/export/tabelle.csv?ebene=gemeinde&{q}", ind_id, year)
        top = sorted({k for (k, _i, _y) in (*self.published, *self.secret)
                      if re.fullmatch(r"\d{5}", k)})
        for k in top:
            info = self.get(f"/api/gebiete/{k}").get_json()
            self.children[k] = info["kinder_ids"]
            self._area_api(k)
        lands: dict[str, list[str]] = defaultdict(list)
        for k in top:
            lands["land:" + k[:2]].append(k)
        if len(lands) > 1:
            self.children.update(lands)
            self.children[""] = sorted(lands)
        elif top:
            self.children[""] = top

    def _area_api(self, area_id: str) -> None:
        body = self.get(f"/api/gebiete/{area_id}").get_json()
        for ind_id, years in body["werte"].items():
            for y, v in years.items():
                self.note((area_id, ind_id, int(y)), v, f"/api/gebiete/{area_id}")

    def _map_api(self, url: str, ind_id: str, year: int) -> None:
        body = self.get(url).get_json()
        for aid, st, v in zip(body["ids"], body["zustaende"], body["werte"], strict=True):
            if st == "gesperrt":
                self.note((aid, ind_id, year), SECRET, url)
            elif v is not None:
                self.note((aid, ind_id, year), v, url)

    def _node(self, key: str, name: str) -> str:
        if key:
            return key
        base = name.removesuffix(" (insgesamt)")
        if base in LAENDER:
            return "land:" + LAENDER[base]
        self.overall = base
        return ""

    def _rows(self, header: list[str], rows: Iterable[list[Any]], ind_id: str, year: int,
              where: str) -> None:
        ind = self.catalogue[ind_id]
        # The year the table shows (a view without values in the asked year shows another).
        m = re.search(r" (\d{4})(?: \(|$)", str(header[3]))
        year = int(m.group(1)) if m else year
        num_col = next((i for i, h in enumerate(header) if str(h).startswith("Zähler:")), None)
        den_col = next((i for i, h in enumerate(header) if str(h).startswith("Nenner:")), None)
        for row in rows:
            if not row or row[1] in (None, ""):
                continue
            node = self._node(str(row[0] or ""), str(row[1]))
            # A reference from the children that have a value is a total of its own.
            partial = str(row[-1] or "").startswith("Summe der")
            own = f"teil|{node}" if partial else node
            parts = f"teil|{node}|{ind_id}" if partial else node
            self.note((own, ind_id, year), row[3], where)
            if num_col is not None:
                self.note((parts, ind["zaehler"], year), row[num_col], where, count_check=True)
            if den_col is not None:
                self.note((parts, ind["nenner"], year), row[den_col], where, count_check=True)

    def _table_csv(self, url: str, ind_id: str, year: int) -> None:
        text = self.get(url).data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        self._rows(rows[0], rows[1:], ind_id, year, url)

    def _table_xlsx(self, url: str, ind_id: str, year: int) -> None:
        ws = load_workbook(io.BytesIO(self.get(url).data))["Daten"]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        self._rows([str(h) for h in rows[0]], rows[1:], ind_id, year, url)

    def harvest_profiles(self, atlas: Any, year: int) -> None:
        """The profile panel of every quarter, as the app renders it for this visitor."""
        from geodata.views.state import parse_query
        from layers.panel import render_panel

        by_name = {i["name"]: i for i in self.catalogue.values()}
        # The map's indicator decides which years a view has: pick one that has ``year``.
        shown = next((i for i, c in self.catalogue.items() if year in c["jahre"]), "")
        for city in self.cities:
            for q in self.children[city]:
                state, _ = parse_query(f"gebiet={city}&auswahl={q}&indikator={shown}"
                                       f"&jahr={year}", atlas)
                panel = render_panel(atlas, state)
                for table in _find(panel, lambda c: "ba-profile-table" in (
                        getattr(c, "className", "") or "")):
                    self._profile_table(table, q, state.jahr, by_name, atlas)

    def _profile_table(self, table: Any, area: str, year: int, by_name: dict, atlas: Any
                       ) -> None:
        heads = [_text(th) for th in _find(table, lambda c: type(c).__name__ == "Th"
                                           and getattr(c, "scope", "") == "col")]
        folded = not heads
        if folded:  # "Weitere Zahlen": name, value, first reference (the quarter's city)
            heads = ["Indikator", "Wert", atlas.display_name(area[:8])]
        for tr in _find(table, lambda c: type(c).__name__ == "Tr"):
            cells = _children(tr)
            if not cells or getattr(cells[0], "scope", "") != "row":
                continue
            name = _first_text(cells[0])
            ind = by_name.get(name)
            if ind is None:
                self.unread.append(f"Profil {area}: {name}")
                continue
            tds = cells[1:]
            shown_year = year
            value_cell = tds[0]
            note = _find(value_cell, lambda c: "ba-year-note" in (
                getattr(c, "className", "") or ""))
            if note:
                shown_year = int(_text(note[0]))
            where = f"Profil {area}"
            self.note((area, ind["id"], shown_year), _value_text(value_cell), where)
            for label, td in zip(heads[2:], tds[1:], strict=False):
                node = self._profile_node(label)
                if node is not None:
                    if str(getattr(td, "title", "") or "").startswith("Summe der"):
                        node = f"teil|{node}"
                    self.note((node, ind["id"], shown_year), _value_text(td), where)
            title = getattr(cells[0], "title", "") or ""
            m = re.search(r"– ([\d.]+) von ([\d.]+)$", title)
            if m:
                self.note((area, ind["zaehler"], shown_year), m.group(1), where, True)
                self.note((area, ind["nenner"], shown_year), m.group(2), where, True)

    def _profile_node(self, label: str) -> str | None:
        if label in LAENDER:
            return "land:" + LAENDER[label]
        if label == self.overall:
            return ""
        return self.city_names.get(label)

    def harvest_allocation(self, slug: str) -> None:
        text = self.get(f"/index/{slug}/verteilung.csv").data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        m = re.search(r"Köpfe \((.*) (\d{4})", rows[0][2])
        if not m:
            return
        head = next(i for i, c in self.catalogue.items() if c["name"] == m.group(1))
        for row in rows[1:]:
            if row[0]:
                self.note((row[0], head, int(m.group(2))), row[2], "Verteilung", True)

    # --- attacking ---------------------------------------------------------------------------
    def solve(self) -> dict[Key, tuple[float, float]]:
        """Ranges of every cell (published or not) after propagating sums and rates."""
        inf = math.inf
        rng: dict[Key, list[float]] = {}
        for k, v in self.published.items():
            d = self.catalogue.get(k[1], {}).get("dezimalstellen", 0)
            h = 0.5 * 10.0 ** -d if self.catalogue.get(k[1], {}).get("art") != "count" else 0
            rng[k] = [max(v - h, 0.0), v + h]
        for k in self.secret | self.unrated:
            rng.setdefault(k, [0.0, inf])
        rates = []
        for ind_id, ind in self.catalogue.items():
            if ind["art"] == "count" or not ind["zaehler"]:
                continue
            for (node, i, y) in list(rng):
                if i == ind_id:
                    n, d = (node, ind["zaehler"], y), (node, ind["nenner"], y)
                    rng.setdefault(n, [0.0, inf])
                    rng.setdefault(d, [0.0, inf])
                    rates.append(((node, i, y), n, d, ind["faktor"] or 1.0))

        years = {k[2] for k in rng}
        sums: list[tuple[Key, list[Key]]] = []
        for ind_id, ind in self.catalogue.items():
            if ind["art"] != "count":
                continue
            for y in years:
                for parent, kids in self.children.items():
                    keys = [(c, ind_id, y) for c in kids]
                    if (parent, ind_id, y) in rng and keys and all(k in rng for k in keys):
                        sums.append(((parent, ind_id, y), keys))
        # Totals of the children that have a value: of a count, or of a rate's counts over
        # the children that have the rate.
        for (node, ind_id, y) in list(rng):
            if not node.startswith("teil|"):
                continue
            _t, base, *rate = node.split("|")
            of = rate[0] if rate else ind_id
            kids = [c for c in self.children.get(base, []) if (c, of, y) in rng]
            sums.append(((node, ind_id, y), [(c, ind_id, y) for c in kids]))
            for k in sums[-1][1]:
                rng.setdefault(k, [0.0, inf])
        # Only what touches an unpublished cell can narrow anything.
        sums = [(t, ps) for t, ps in sums
                if t not in self.published or any(p not in self.published for p in ps)]
        rates = [c for c in rates if any(k not in self.published for k in c[:3])]

        def tighten(k: Key, lo: float, hi: float) -> bool:
            cur = rng[k]
            if self.catalogue.get(k[1], {}).get("art") == "count":
                lo = math.ceil(lo - 1e-9) if lo > -inf else lo
                hi = math.floor(hi + 1e-9) if hi < inf else hi
            new = [max(cur[0], lo), min(cur[1], hi)]
            changed = new[0] > cur[0] + 1e-9 or new[1] < cur[1] - 1e-9
            rng[k] = new
            return changed

        for _ in range(200):
            changed = False
            for total, parts in sums:
                s_lo = sum(rng[p][0] for p in parts)
                finite = sum(rng[p][1] for p in parts if rng[p][1] < inf)
                n_inf = sum(1 for p in parts if rng[p][1] == inf)
                changed |= tighten(total, s_lo, inf if n_inf else finite)
                t_lo, t_hi = rng[total]
                for p in parts:
                    p_lo, p_hi = rng[p]
                    rest_hi = inf if n_inf - (p_hi == inf) else finite - (
                        p_hi if p_hi < inf else 0.0)
                    changed |= tighten(p, t_lo - rest_hi, t_hi - (s_lo - p_lo))
            for r, n, d, f in rates:
                (r_lo, r_hi), (n_lo, n_hi), (d_lo, d_hi) = rng[r], rng[n], rng[d]
                changed |= tighten(r, f * n_lo / d_hi if 0 < d_hi < inf else 0.0,
                                   f * n_hi / d_lo if d_lo > 0 and n_hi < inf else inf)
                changed |= tighten(n, r_lo * d_lo / f, r_hi * d_hi / f
                                   if r_hi < inf and d_hi < inf else inf)
                changed |= tighten(d, f * n_lo / r_hi if 0 < r_hi < inf else 0.0,
                                   f * n_hi / r_lo if r_lo > 0 and n_hi < inf else inf)
            if not changed:
                break
        return {k: (v[0], v[1]) for k, v in rng.items()}

    def recovered(self, ranges: dict[Key, tuple[float, float]]) -> list[tuple[Key, float]]:
        """Suppressed cells the ranges pin down, with the recovered value."""
        out = []
        for k in sorted(self.secret):
            lo, hi = ranges[k]
            if hi == math.inf:
                continue
            ind = self.catalogue[k[1]]
            if ind["art"] == "count":
                if math.floor(hi) - math.ceil(lo) < 1 and math.floor(hi) >= math.ceil(lo):
                    out.append((k, float(math.ceil(lo))))
            elif rounds_to(lo, ind["dezimalstellen"]) == rounds_to(hi, ind["dezimalstellen"]):
                out.append((k, float(rounds_to(lo, ind["dezimalstellen"]))))
        return out


def _children(comp: Any) -> list[Any]:
    kids = getattr(comp, "children", None)
    if kids is None:
        return []
    return list(kids) if isinstance(kids, list | tuple) else [kids]


def _find(comp: Any, match: Any) -> list[Any]:
    found = []
    stack = list(comp) if isinstance(comp, list) else [comp]
    while stack:
        c = stack.pop(0)
        if isinstance(c, str | int | float) or c is None:
            continue
        if match(c):
            found.append(c)
        stack.extend(_children(c))
    return found


def _text(comp: Any) -> str:
    if isinstance(comp, str | int | float):
        return str(comp)
    return "".join(_text(c) for c in _children(comp))


def _first_text(comp: Any) -> str:
    """The first text of a component, without soft hyphens (long names carry them)."""
    kids = _children(comp)
    text = str(kids[0]) if kids and isinstance(kids[0], str) else _text(comp)
    return text.replace("\xad", "")


def _value_text(td: Any) -> str:
    """A cell's figure without its year note and reference mark."""
    parts = [c for c in _children(td) if isinstance(c, str) and c.strip()]
    return parts[-1].strip() if parts else _text(td).strip()
