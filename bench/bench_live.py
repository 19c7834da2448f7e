"""Cost of the live repository (hot reload after imports) against the plain repository.

Run: ``python -m bench.bench_live``. Each view is computed through a plain `Repository` (the
baseline) and through the `LiveRepository` proxy as the app uses it in a request (one snapshot
pinned per request), in the same run; median of 15 runs after a warm-up; prints milliseconds
and the ratio. Also the time to build a new version's repository in the background after an
import (the old one is served meanwhile). Never part of the test suite's pass/fail.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from geodata.model.settings import load_settings
from geodata.storage.live import LiveRepository
from geodata.storage.store import GpkgStore
from geodata.storage.tables import build_repository
from geodata.views.mapview import compute_map
from geodata.views.state import parse_query
from layers.panel import render_panel

CASES = [
    ("Karte aller 1528 Gemeinden", "ebene=gemeinde&indikator=sgb2_quote_u15&jahr=2023"),
    ("Karte 46 Stadtteile Frankfurt", "gebiet=06412000&indikator=sgb2_quote_u15&jahr=2023"),
    ("Steckbrief Bockenheim", "gebiet=06412000&auswahl=06412000-012&jahr=2023"),
]


def _median_ms(fn, runs: int = 15) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def main() -> None:
    settings = load_settings()
    store = GpkgStore(Path(tempfile.mkdtemp(prefix="bench-live-")))
    live = LiveRepository(store, settings)
    plain = live._repo  # the same snapshot, used directly
    live._pinned.set(live._current())  # what the app's before_request hook does

    def view(repo, query):
        def run():
            state, _ = parse_query(query, repo)
            compute_map(repo, state)
            if state.auswahl:
                render_panel(repo, state)
        return run

    print(f"{'Ansicht':<32} {'direkt':>9} {'live':>9} {'Faktor':>7}")
    for label, query in CASES:
        a = _median_ms(view(plain, query))
        b = _median_ms(view(live, query))
        print(f"{label:<32} {a:>7.1f} ms {b:>7.1f} ms {b / a:>7.2f}")
    tables = store.read()
    build = _median_ms(lambda: build_repository(tables, settings), runs=5)
    read = _median_ms(store.read, runs=5)
    print(f"neue Version laden (lesen + bauen, im Hintergrund): {read:.0f} ms + {build:.0f} ms")


if __name__ == "__main__":
    main()
