"""The search box: results while typing (`geodata.views.search`); choosing one is navigation
(`callbacks.navigation` reacts to the result buttons and to Enter)."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from geodata.statistics.published import PublishedAtlas
from geodata.views.search import search
from layers import ids


def results(repo: PublishedAtlas, text: str) -> list:
    """Result buttons for the typed text, or a German "nothing found"."""
    text = (text or "").strip()
    if not text:
        return []
    hits = search(repo, text)
    if not hits:
        return [html.P(f"Nichts gefunden für „{text[:40]}“.", className="ba-hits-none")]
    return [
        html.P(f"{len(hits)} Treffer – Enter öffnet den ersten", className="ba-sr-only"),
        html.Ul([
            html.Li(html.Button([html.Span(h.name, className="ba-hit-name"),
                                 html.Span(h.detail, className="ba-hit-detail")],
                                id=ids.hit(h.kind, h.id), n_clicks=0, className="ba-hit"))
            for h in hits
        ], className="ba-hit-list"),
    ]


def register(app: Dash, repo: PublishedAtlas) -> None:
    """Register the results callback."""

    @app.callback(Output(ids.SEARCH_RESULTS, "children"), Input(ids.SEARCH, "value"),
                  prevent_initial_call=True)
    def show_results(text: str | None) -> list:
        return results(repo, text or "")
