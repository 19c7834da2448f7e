"""Links to other views: every panel tab and action is a real link (its URL is the view)."""

from __future__ import annotations

from dataclasses import replace

from dash import html

from geodata.views.state import ViewState, to_query


def nav_link(state: ViewState, text: object, cls: str = "ba-button", **kw: object) -> html.A:
    """A link to another view; assets JS navigates in place (like ``dcc.Link``, but with
    ARIA attributes)."""
    return html.A(text, href="/" + to_query(state), className=cls + " ba-nav", **kw)


def tab_nav(state: ViewState, labels: dict[str, str], current: str | None = None,
            label: str = "Ansicht des Profils") -> html.Nav:
    """Tabs as links; ``current`` defaults to the state's ``ansicht``."""
    current = state.ansicht if current is None else current
    items = []
    for key, text in labels.items():
        on = current == key
        items.append(nav_link(replace(state, ansicht=key, einrichtung=None), text,
                              "ba-tab" + (" ba-tab-on" if on else ""),
                              **{"aria-current": "page" if on else "false"}))
    return html.Nav(items, className="ba-tabs", **{"aria-label": label})
