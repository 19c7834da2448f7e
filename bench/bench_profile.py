"""Server time of the area panel (issue 4: a Stadtteil's profile under 300 ms).

Run: ``python -m bench.bench_profile``. Renders the panel (profile table with ranks,
deviations and trends, as the app sends it) for Stadtteile, a Gemeinde and a Kreis, the
Sozialraum of two quarters and the charts tab, each the median of repeated runs, after one
warm-up run. Prints milliseconds; never part of the test suite's pass/fail.
"""

from __future__ import annotations

import statistics
import time

from geodata.storage.gpkg import load_repository
from geodata.views.state import parse_query
from layers.panel import render_panel

CASES = [
    ("Stadtteil Bockenheim (Steckbrief)",
     "gebiet=06412000&auswahl=06412000-012&indikator=sgb2_quote_u15&jahr=2023"),
    ("Stadtteil Südweststadt, Karlsruhe (Steckbrief)",
     "gebiet=08212000&auswahl=08212000-003&indikator=sgb2_quote_u15&jahr=2023"),
    ("Gemeinde Rüsselsheim (Steckbrief)",
     "gebiet=06433&auswahl=06433012&indikator=sgb2_quote_u15&jahr=2023"),
    ("Kreis Groß-Gerau (Steckbrief, 70 Kreise)",
     "auswahl=06433&indikator=sgb2_quote_u15&jahr=2023"),
    ("Sozialraum aus 2 Stadtteilen",
     "gebiet=06412000&auswahl=06412000-012,06412000-004&ansicht=sozialraum"
     "&indikator=sgb2_quote_u15&jahr=2023"),
    ("Stadtteil Bockenheim (Diagramme)",
     "gebiet=06412000&auswahl=06412000-012&ansicht=diagramme&indikator=sgb2_quote_u15"
     "&jahr=2023"),
]
RUNS = 15


def main() -> None:
    repo = load_repository()
    print(f"{'Ansicht':52} {'Median':>9} {'Max':>9}")
    for label, query in CASES:
        state, notes = parse_query(query, repo)
        assert not notes, notes
        render_panel(repo, state)  # warm-up (search index, memoised lookups)
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            render_panel(repo, state)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{label:52} {statistics.median(times):7.1f} ms {max(times):7.1f} ms")


if __name__ == "__main__":
    main()
