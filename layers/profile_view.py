"""The profile table ("Steckbrief") of an area or a combined area, built from
`geodata.views.profile.ProfileRow`: value, parent, whole atlas, rank, deviation and trend.

Counts that only serve as numerator or denominator of a rate in the profile are folded into a
"Weitere Zahlen" section, so that the headline table fits a projected screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from dash import html

from geodata.statistics.numfmt import format_number
from geodata.statistics.published import POPULATION, Cell
from geodata.statistics.suppression import LABEL, SYMBOL
from geodata.views.profile import ProfileRow, rank_label

Z_CLAMP = 2.5  # the deviation bar is full at |z| = 2.5
NEED_COLORS = {"more": "#c2410c", "less": "#2b6cb0", "neutral": "#6b7280"}


def headline_split(rows: Sequence[ProfileRow]) -> tuple[list[ProfileRow], list[ProfileRow]]:
    """(headline rows, folded rows): counts used by a shown rate are folded, except the
    population."""
    shown = {r.indicator.id for r in rows}
    parts = {p for r in rows if r.indicator.kind != "count"
             for p in (r.indicator.numerator, r.indicator.denominator) if p}
    folded = [r for r in rows if r.indicator.kind == "count" and r.indicator.id in parts
              and r.indicator.id != POPULATION and r.indicator.id in shown]
    fold_ids = {r.indicator.id for r in folded}
    return [r for r in rows if r.indicator.id not in fold_ids], folded


def cell(value: float | None, state: str, decimals: int, year: int | None = None) -> html.Td:
    """A number, or the symbol of its special state (never the suppressed number); ``year``
    is shown small when the value (or the suppressed one) is not from the map's year."""
    note = [html.Span(str(year), className="ba-year-note"), " "] if year is not None else []
    if value is not None and state == "ok":
        if year is None:
            return html.Td(format_number(value, decimals), className="ba-num")
        return html.Td([*note, format_number(value, decimals)], className="ba-num",
                       title=f"Wert von {year}")
    label = LABEL.get(state, "keine Daten")
    return html.Td([*note, SYMBOL.get(state, "–")] if note else SYMBOL.get(state, "–"),
                   className="ba-num ba-missing",
                   title=f"{label} ({year})" if year is not None else label)


def reference_cell(c: Cell, decimals: int) -> html.Td:
    """A reference value; one computed from the children that have a value is marked "*"
    and says so in its title."""
    td = cell(c.value, c.state, decimals)
    if c.note and c.state == "ok":
        return html.Td([td.children, html.Span("*", className="ba-ref-note")],
                       className=td.className, title=c.note)
    return td


def sparkline(row: ProfileRow) -> html.Td:
    """The trend over all years as a tiny SVG line (gaps where no value is shown)."""
    points = [(y, v) for y, v in row.trend if v is not None]
    if len(points) < 2:
        return html.Td("", className="ba-spark")
    years = [y for y, _ in points]  # the x range spans the years with values
    y0, y1 = min(years), max(years)
    vals = [v for _, v in points]
    lo, hi = min(vals), max(vals)
    w, h, pad = 50, 18, 2

    def xy(year: int, val: float) -> str:
        x = pad + (w - 2 * pad) * ((year - y0) / (y1 - y0) if y1 > y0 else 0.5)
        y = h - pad - (h - 2 * pad) * ((val - lo) / (hi - lo) if hi > lo else 0.5)
        return f"{x:.1f},{y:.1f}"

    segments, current = [], []
    for year, val in row.trend:
        if not y0 <= year <= y1:
            continue
        if val is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(year, val))
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline points="{" ".join(s)}" fill="none" stroke="#1f4e79" stroke-width="1.5"/>'
        for s in segments if len(s) > 1)
    last = xy(*points[-1])
    dots = "".join(f'<circle cx="{s[0].split(",")[0]}" cy="{s[0].split(",")[1]}" r="1.5" '
                   'fill="#1f4e79"/>' for s in segments if len(s) == 1)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">{lines}{dots}'
           f'<circle cx="{last.split(",")[0]}" cy="{last.split(",")[1]}" r="2.2" '
           'fill="#1f4e79"/></svg>')
    dec = row.indicator.decimals
    alt = (f"Verlauf {points[0][0]}–{points[-1][0]}: {format_number(points[0][1], dec)} → "
           f"{format_number(points[-1][1], dec)}")
    return html.Td(html.Img(src="data:image/svg+xml;utf8," + quote(svg), alt=alt, title=alt,
                            width=w, height=h), className="ba-spark")


def deviation(row: ProfileRow, peers_label: str) -> html.Td:
    """A bar from the centre: right = more need than the peers' mean, in SD units."""
    if row.need_z is None:
        return html.Td("", className="ba-dev-cell")
    z = max(-Z_CLAMP, min(Z_CLAMP, row.need_z))
    share = abs(z) / Z_CLAMP * 50
    left = 50 if z >= 0 else 50 - share
    if row.indicator.direction == "neutral":
        kind, word = "neutral", ("höher" if row.need_z >= 0 else "niedriger")
    else:
        kind = "more" if row.need_z >= 0 else "less"
        word = "mehr Bedarf" if kind == "more" else "weniger Bedarf"
    sd = format_number(abs(row.z or 0.0), 1)
    text = f"{sd} Standardabweichungen vom Mittel der {peers_label}: {word}"
    return html.Td(
        html.Span(html.Span(className="ba-dev-bar",
                            style={"left": f"{left:.1f}%", "width": f"{share:.1f}%",
                                   "background": NEED_COLORS[kind]}),
                  className="ba-dev", title=text, role="img", **{"aria-label": text}),
        className="ba-dev-cell",
    )


VOWELS = frozenset("aeiouäöüy")
_LONG_WORD = re.compile(r"[^\W\d_]{13,}")
# Consonant groups that start a syllable together (longest first).
_ONSETS = ("schr", "spr", "str", "sch", "ch", "qu", "pf", "tr", "br", "dr", "fr", "gr", "kr",
           "pr", "bl", "fl", "gl", "kl", "pl")
_KEEP = ("ch", "ck", "sch", "ph", "th", "ng", "qu")  # never split inside these


def _breaks(word: str) -> list[int]:
    """Positions in ``word`` where a syllable starts: before a consonant (or onset group)
    that is followed by a vowel, after a vowel (V|CV) or after vowel + consonant (VC|CV);
    never within three letters of either end."""
    low = word.lower()
    out = []
    for i in range(3, len(low) - 3):
        onset = next((o for o in _ONSETS if low.startswith(o, i)), low[i])
        nxt = i + len(onset)
        if low[i] in VOWELS or nxt >= len(low) or low[nxt] not in VOWELS:
            continue
        if any(low.startswith(o, j) and j + len(o) > i for o in _ONSETS
               for j in (i - 3, i - 2, i - 1) if j >= 0):
            continue  # inside a group that starts its syllable together ("t|r")
        if low[i - 1] in VOWELS or (low[i - 2] in VOWELS and not any(
                low.startswith(k, j) for k in _KEEP for j in (i - 2, i - 1))):
            out.append(i)
    return out


def soft_hyphens(text: str) -> str:
    """Long words with soft hyphens where syllables start ("Ein­schu­lungs­un­ter­su­chung"),
    so that a narrow table wraps a name instead of clipping it or its numbers. Browsers show
    a hyphen only where they break a line; screen readers ignore it."""
    def split(match: re.Match[str]) -> str:
        word = match.group(0)
        cuts = [0, *_breaks(word), len(word)]
        return "\u00ad".join(word[a:b] for a, b in zip(cuts, cuts[1:], strict=False))

    return _LONG_WORD.sub(split, text)


def _name(row: ProfileRow) -> html.Th:
    ind = row.indicator
    parts: list = [soft_hyphens(ind.name)]
    if ind.unit and ind.kind != "count" and len(ind.unit) <= 3:  # %, €; long units: in title
        parts.append(html.Span(f" in {ind.unit}", className="ba-unit"))
    prov = row.provenance
    if row.synthetic:  # the row is marked by a coloured edge (CSS); said for screen readers
        parts.append(html.Span(" (synthetische Beispielwerte)", className="ba-sr-only"))
    if prov is not None and prov.label:  # what the value is, per value
        parts.append(html.Span(prov.label, className="ba-origin", title=prov.describe(row.year)))
    title = ind.description + (f" Einheit: {ind.unit}." if ind.unit else "")
    if prov is not None and (prov.sources or prov.fallback):
        title += " " + prov.describe(row.year) + "."
    elif row.synthetic:
        title += " Synthetische Beispielwerte."
    if row.numerator is not None and row.denominator is not None:
        title += (f" – {format_number(row.numerator)} von {format_number(row.denominator)}")
    return html.Th(parts, scope="row", title=title)


def profile_table(rows: Sequence[ProfileRow], map_year: int, own_label: str,
                  reference_labels: Sequence[str], peers_label: str,
                  ranked: bool = True) -> list:
    """The headline table grouped by topic, and the folded counts below it. The reference
    columns are labelled by what they are (the parent city or Kreis, the Land, the atlas)."""
    head, folded = headline_split(rows)
    cols = [("Indikator", ""), (own_label, "ba-num")]
    cols += [(label, "ba-num") for label in reference_labels]
    if ranked:
        cols += [("Rang", "ba-num"), ("Abw.", "ba-dev-cell")]
    cols.append(("Verlauf", "ba-spark"))
    topics: list[str] = list(dict.fromkeys(r.indicator.topic for r in head))
    body: list = []
    for topic in topics:
        body.append(html.Tr(html.Th(topic, colSpan=len(cols), scope="colgroup",
                                    className="ba-topic")))
        for r in (r for r in head if r.indicator.topic == topic):
            dec = r.indicator.decimals
            other_year = r.year if r.year != map_year else None
            cells = [_name(r), cell(r.value, r.state, dec, other_year)]
            cells += [reference_cell(c, dec) for c in r.references]
            if ranked:
                what = rank_label(r.indicator)
                cells.append(html.Td(f"{r.rank}/{r.rank_of}" if r.rank else "–",
                                     className="ba-num",
                                     title=(f"{what}: {r.rank} von {r.rank_of} bewerteten "
                                            f"Gebieten ({peers_label})" if r.rank
                                            else "kein Rang"),
                                     **{"aria-label": f"{what}: {r.rank} von {r.rank_of}"
                                        if r.rank else "kein Rang"}))
                cells.append(deviation(r, peers_label))
            cells.append(sparkline(r))
            body.append(html.Tr(cells, className="ba-synth-row" if r.synthetic else None))
    table = html.Table(
        [
            html.Caption("Indikatoren im Vergleich", className="ba-sr-only"),
            html.Thead(html.Tr([html.Th(c, scope="col", className=k) for c, k in cols])),
            html.Tbody(body),
        ],
        className="ba-profile-table " + ("ba-ranked" if ranked else "ba-plain"),
    )
    out: list = [table]
    if folded:
        out.append(html.Details([
            html.Summary(f"Weitere Zahlen ({len(folded)})"),
            html.Table(html.Tbody([
                html.Tr(className="ba-synth-row" if r.synthetic else None, children=[
                         _name(r), cell(r.value, r.state, r.indicator.decimals,
                                                  r.year if r.year != map_year else None),
                         *([reference_cell(r.references[0], r.indicator.decimals)]
                           if r.references else [])])
                for r in folded]), className="ba-profile-table ba-folded"),
        ], className="ba-more"))
    return out
