"""PDF reports of several pages: a basket of views (each its print map, A4 landscape, and
the selected area's Steckbrief) and the batch of Steckbriefe of every area of a map.

Pages are the same figures as the single exports (`map_figure`, `profile_figure`), written
into one file with matplotlib's PdfPages (fonts embedded once, text stays text).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence

from matplotlib.backends.backend_pdf import PdfPages

from geodata.reports.printmap import map_figure
from geodata.reports.profilepdf import profile_figure
from geodata.statistics.published import PublishedAtlas
from geodata.views.state import ViewState


def _pdf(title: str, created: dt.date) -> tuple[io.BytesIO, PdfPages]:
    buf = io.BytesIO()
    meta = {"Title": title, "Creator": "Bildungsatlas",
            "CreationDate": dt.datetime.combine(created, dt.time(), dt.UTC)}
    return buf, PdfPages(buf, metadata=meta)


def report_pdf(repo: PublishedAtlas, states: Sequence[ViewState],
               created: dt.date | None = None) -> bytes:
    """Every view's print map (A4 landscape) and, where one area is selected, its
    Steckbrief, in one PDF."""
    created = created or dt.date.today()
    buf, pdf = _pdf("Bericht aus dem " + repo.settings.title, created)
    with pdf:
        for state in states:
            fig, dpi, _title, _sub = map_figure(repo, state, "pdf", "a4quer",
                                                labels=state.karte.namen,
                                                institutions=state.schulen, created=created)
            pdf.savefig(fig, dpi=dpi, facecolor="white")
            if state.auswahl and not state.weitere:
                fig, _t, _s = profile_figure(repo, state.auswahl, state.jahr, created=created)
                pdf.savefig(fig, facecolor="white")
    return buf.getvalue()


def batch_pdf(repo: PublishedAtlas, area_ids: Sequence[str], year: int,
              created: dt.date | None = None,
              progress: Callable[[int], None] | None = None) -> bytes:
    """The Steckbriefe of ``area_ids`` (one page each) in one PDF; ``progress`` is called
    with the number done after each page."""
    created = created or dt.date.today()
    buf, pdf = _pdf("Steckbriefe", created)
    with pdf:
        for k, area_id in enumerate(area_ids):
            fig, _t, _s = profile_figure(repo, area_id, year, created=created)
            pdf.savefig(fig, facecolor="white")
            if progress:
                progress(k + 1)
    return buf.getvalue()
