"""Server time of the map export (goal: a county-level PNG under 2 s, all 1528 Gemeinden
under 5 s).

Run: ``python -m bench.bench_export``. Renders A4 landscape PNGs at 300 dpi (3508 × 2480 px)
from the view state, as the export route does, each the median of repeated runs after one
warm-up run (the first export of a repository also projects the display geometry to
EPSG:25832 once; that one-off cost is printed separately). Also times the PDF of the same
views, a profile PDF and the CSV/XLSX tables, and the Word and PowerPoint reports (one view,
a basket of three, the batch of Steckbriefe). Prints seconds; never part of the test suite.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from geodata import reports as export
from geodata.reports.shapes import print_shapes
from geodata.storage.gpkg import load_repository
from geodata.views.state import parse_query

MAPS = [
    ("Kreise (70), PNG A4 300 dpi", "indikator=sgb2_quote_u15&jahr=2023", "png"),
    ("Gemeinden eines Kreises (14), PNG A4 300 dpi",
     "gebiet=06433&indikator=sgb2_quote_u15&jahr=2023", "png"),
    ("Alle 1528 Gemeinden, PNG A4 300 dpi",
     "ebene=gemeinde&indikator=sgb2_quote_u15&jahr=2023", "png"),
    ("Alle 1528 Gemeinden, PDF A4", "ebene=gemeinde&indikator=sgb2_quote_u15&jahr=2023", "pdf"),
    ("Stadtteile Frankfurt (46) mit Namen und Schulen, PNG",
     "gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023", "png"),
]
RUNS = 7


def _median(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def main() -> None:
    repo = load_repository()
    t0 = time.perf_counter()
    print_shapes(repo)  # the one-off geometry projection, timed on its own
    print(f"Geometrie einmalig nach EPSG:25832 projizieren: {time.perf_counter() - t0:.2f} s")
    print(f"{'Export':56} {'Median':>8} {'Max':>8}")
    for label, query, fmt in MAPS:
        state, notes = parse_query(query, repo)
        assert not notes, notes
        extra = "Namen" in label

        def run(state=state, fmt=fmt, extra=extra) -> bytes:
            return export.render_map(repo, state, fmt, "a4quer", labels=extra,
                                     institutions=extra)

        med, worst = _median(run)
        print(f"{label:56} {med:6.2f} s {worst:6.2f} s")
    state, _ = parse_query("ebene=gemeinde&indikator=sgb2_quote_u15&jahr=2023", repo)
    for label, fn in (
        ("Steckbrief Bockenheim, PDF",
         lambda: export.render_profile_pdf(repo, "06412000-012", 2023)),
        ("Tabelle 1528 Gemeinden, CSV", lambda: export.table_csv(repo, state)),
        ("Tabelle 1528 Gemeinden, XLSX", lambda: export.table_xlsx(repo, state)),
    ):
        med, worst = _median(fn)
        print(f"{label:56} {med:6.2f} s {worst:6.2f} s")
    _office(repo)


def _office(repo) -> None:
    """Word and PowerPoint of one view (goal: under 2 s), the batch of the 14 Steckbriefe of
    Groß-Gerau (goal: under 15 s)."""
    from geodata.reports.pdfreport import batch_pdf
    from geodata.reports.slides import report_pptx
    from geodata.reports.wordreport import batch_docx, report_docx

    one, _ = parse_query("gebiet=06433&auswahl=06433001&indikator=sgb2_quote_u15&jahr=2023",
                         repo)
    three = [parse_query(q, repo)[0] for q in (
        "indikator=sgb2_quote_u15&jahr=2023", "gebiet=06433&indikator=einwohner&jahr=2023",
        "gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023")]
    gemeinden = list(repo.children_of("06433"))
    for label, fn, runs in (
        ("Bericht einer Ansicht, DOCX (Karte, Tabelle, Steckbrief)",
         lambda: report_docx(repo, [one]), RUNS),
        ("Bericht einer Ansicht, PPTX", lambda: report_pptx(repo, [one]), RUNS),
        ("Berichtskorb mit 3 Ansichten, DOCX", lambda: report_docx(repo, three), 3),
        ("Steckbriefe der 14 Gemeinden Groß-Geraus, PDF",
         lambda: batch_pdf(repo, gemeinden, 2023), 3),
        ("Steckbriefe der 14 Gemeinden Groß-Geraus, DOCX",
         lambda: batch_docx(repo, gemeinden, 2023), 3),
    ):
        med, worst = _median(fn, runs)
        print(f"{label:56} {med:6.2f} s {worst:6.2f} s")


if __name__ == "__main__":
    main()
