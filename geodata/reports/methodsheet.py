"""The method sheet of a need index: a printable HTML page for a Sitzungsvorlage.

It states everything needed to reproduce and defend the index: name, author, date, version;
the rated areas and the index year; each indicator with its source, year, direction, weight,
mean and standard deviation; the standardisation, outlier and minimum-population rules; the
class cut-offs (in SD and in index units) with the number of areas per class; the areas not
rated and why; the sensitivity (class changes per variant, borderline areas); the data
version and the software version. Every text from a definition file or the atlas is escaped
(a name is shown as text, never as HTML).
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape

from geodata import __version__
from geodata.index.definition import CLASSINGS, STANDARDISATIONS
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas, published
from geodata.views.credits import attribution_lines
from geodata.views.indexmap import IndexBundle

STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #1a1a1a;
       max-width: 180mm; margin: 16px auto; line-height: 1.4; }
h1 { font-size: 16pt; margin: 0 0 4px; } h2 { font-size: 12pt; margin: 18px 0 6px;
border-bottom: 1px solid #999; } table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 5px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.meta { color: #444; } .small { font-size: 9pt; color: #444; }
.no-print { margin: 12px 0; } @media print { .no-print { display: none; } }
"""


def _n(x: float, decimals: int = 2) -> str:
    return escape(format_number(x, decimals))


def _row(*cells: str, numeric: tuple[int, ...] = ()) -> str:
    return "<tr>" + "".join(
        f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
        for i, c in enumerate(cells)) + "</tr>"


def method_sheet_html(repo: PublishedAtlas, bundle: IndexBundle, today: dt.date | None = None,
                      ) -> str:
    """The whole page (UTF-8 HTML)."""
    repo = published(repo)
    d, res, sens = bundle.definition, bundle.result, bundle.sensitivity
    year = res.year or d.year
    if d.gebiet in repo.areas:
        where = repo.display_name(d.gebiet)
        what = (f"alle {repo.level(d.ebene).plural} in {where}" if d.ebene
                else f"die Teilgebiete von {where}")
    else:
        top = repo.level(repo.settings.levels[0].id).plural
        what = (f"alle {repo.level(d.ebene).plural} des Atlas" if d.ebene
                else f"alle {top} des Atlas")
    total_w = sum(i.weight for i in d.indicators)
    ind_rows = []
    for spec in d.indicators:
        ind = repo.indicator(spec.id)
        st = res.stats.get(spec.id)
        ind_rows.append(_row(
            escape(ind.name) + (" <em>(synthetische Beispielwerte)</em>" if ind.synthetic
                                else ""),
            escape(ind.source), str(year),
            "hoch = mehr Bedarf" if spec.direction == 1 else "hoch = weniger Bedarf",
            f"{_n(spec.weight)} ({_n(100 * spec.weight / total_w, 1)} %)",
            _n(st.mean, ind.decimals + 1) if st else "–",
            _n(st.sd, ind.decimals + 1) if st else "–",
            str(st.n) if st else "–", numeric=(4, 5, 6, 7)))
    c = d.classing
    counts = [sum(1 for sc in res.scores.values() if sc.cls == k) for k in range(1, res.k + 1)]
    def bound(x: float, word: str) -> str:
        return "–" if not math.isfinite(x) else f"{word} {_n(x, 3)}"

    class_rows = [_row(str(k + 1), escape(res.class_labels[k]),
                       bound(res.breaks[0], "bis") if k == 0 else
                       bound(res.breaks[k - 1], "über"), str(counts[k]), numeric=(3,))
                  for k in range(res.k)]
    if c.method == "stdabw":
        rule = ("Klassengrenzen in Standardabweichungen des Index vom Mittel: "
                + " / ".join(_n(x) for x in c.cutoffs)
                + f" (Mittel {_n(res.index_mean, 3)}, Standardabweichung {_n(res.index_sd, 3)}).")
    elif c.method == "quantile":
        rule = f"{c.k} Quantilklassen (gleich viele bewertete Gebiete je Klasse)."
    else:
        rule = (f"Die {_n(100 * c.share, 1)} % der bewerteten Gebiete mit dem höchsten "
                "Indexwert bilden die oberste Klasse.")
    def partial(a: str) -> str:
        part = res.partial.get(a)
        if part is None:
            return ""
        return (f" – Teilindex aus {len(part.used)} von {len(d.indicators)} Indikatoren: "
                f"{_n(part.value)} (Klasse {part.cls}), für die Verteilung")

    excl = "".join(f"<li>{escape(repo.areas[a].name)} ({escape(a)}): {escape(ex.text)}"
                   f"{partial(a)}</li>"
                   for a, ex in res.excluded.items()) or "<li>keine</li>"
    variants = "".join(_row(escape(v.label), str(len(v.changed)), escape(", ".join(
        repo.areas[a].name for a in v.changed)) or "–", numeric=(1,)) for v in sens.variants)
    border = escape(", ".join(repo.areas[a].name for a in sens.borderline)) or "keine"
    winsor = ("Ausreißer werden bei |z| > " + _n(d.winsorize) + " auf diesen Wert gekappt."
              if d.winsorize is not None else "Ausreißer werden nicht gekappt.")
    frozen = (f" Mittelwerte und Standardabweichungen sind auf das Basisjahr {d.base_year} "
              "eingefroren, damit spätere Jahre vergleichbar sind." if d.base_year else "")
    minimum = (f"Gebiete mit weniger als {_n(d.min_population, 0)} Einwohnern (Indikator "
               f"„{escape(repo.indicator(d.population_indicator).name)}“) werden nicht bewertet."
               if d.min_population else "Es gibt keine Mindesteinwohnerzahl.")
    if repo.settings.min_population > d.min_population:
        minimum += (f" Die Mindestgröße des Atlas ({_n(repo.settings.min_population, 0)} "
                    "Einwohner) gilt zusätzlich.")
    sources = "".join(f"<li>{escape(line)}</li>" for line in attribution_lines(
        repo, [i.id for i in d.indicators], False))
    notes = "".join(f"<p>{escape(n)}</p>" for n in res.notes)
    base_note = f" (Basisjahr {d.base_year})" if res.frozen else ""
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Methodenblatt: {escape(d.name)}</title><style>{STYLE}</style></head><body><main>
<p class="no-print"><button id="ba-drucken" type="button">Drucken</button></p>
<script src="/assets/drucken.js"></script>
<h1>Methodenblatt: {escape(d.name)}</h1>
<p class="meta">Autor/-in: {escape(d.author)} · Stand {escape(d.date)} · Version
{escape(str(d.version))}</p>
{f"<p>{escape(d.description)}</p>" if d.description else ""}
<h2>Gebiete und Jahr</h2>
<p>Bewertet werden {escape(what)} ({len(res.area_ids)} Gebiete, davon {len(res.scores)}
bewertet), Indexjahr {year}.{frozen}</p>
<h2>Indikatoren</h2>
<table><thead><tr><th>Indikator</th><th>Quelle</th><th>Jahr</th><th>Richtung</th>
<th>Gewicht</th><th>Mittel{base_note}</th><th>Std.-abw.</th><th>n</th></tr></thead>
<tbody>{"".join(ind_rows)}</tbody></table>
<h2>Berechnung</h2>
<p>Standardisierung: {escape(STANDARDISATIONS[d.standardisation])}. {winsor} Indikatoren, bei
denen ein hoher Wert weniger Bedarf bedeutet, werden umgedreht. Der Indexwert ist die
gewichtete Summe der standardisierten Werte (Gewichte auf 100 % normiert); jeder Indikator
trägt also „standardisierter Wert × Gewicht“ bei.</p>
<p>{minimum} Ein Gebiet wird nur bewertet, wenn es für jeden Indikator einen veröffentlichten
Wert hat; gesperrte Werte (Geheimhaltung: unter {repo.settings.suppression_threshold} Fällen)
gelten als fehlend, nie als 0.</p>{notes}
<h2>Klassen</h2>
<p>{escape(CLASSINGS[c.method])}: {rule} Ein Wert auf einer Grenze gehört zur unteren Klasse.</p>
<table><thead><tr><th>Klasse</th><th>Bereich</th><th>Indexwert</th><th>Gebiete</th></tr></thead>
<tbody>{"".join(class_rows)}</tbody></table>
<h2>Nicht bewertete Gebiete</h2><ul>{excl}</ul>
<h2>Empfindlichkeit</h2>
<p>Jedes Gewicht wird um ±10 % verändert und jeder Indikator einmal weggelassen; gezählt wird,
wie viele Gebiete dabei die Klasse wechseln. Grenzfälle (Klassenwechsel in mindestens
{sens.threshold} von {len(sens.variants)} Varianten): {border}.</p>
<table><thead><tr><th>Variante</th><th>Gebiete</th><th>welche</th></tr></thead>
<tbody>{variants}</tbody></table>
<h2>Quellen und Stand</h2><ul>{sources}</ul>
<p class="small">Datenstand: Atlasversion {escape(repo.version)} · erstellt am
{(today or dt.date.today()).strftime("%d.%m.%Y")} mit Bildungsatlas {__version__} · Definition:
geodata/indizes/{escape(bundle.slug)}.json</p>
</main></body></html>
"""
