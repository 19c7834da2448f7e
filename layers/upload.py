"""Components of the upload page „Daten importieren“ (German UI; imported names are text).

Every name or text that comes from an uploaded file is passed to Dash as a string child or
property, which React renders as text: nothing from a file is ever interpreted as HTML.
"""

from __future__ import annotations

from dash import dcc, html

from geodata.importer.core import MAX_UPLOAD_BYTES
from geodata.importer.report import ERROR, NOTE, WARNING, Report
from geodata.importer.values import ROLE_LABELS, describe_role
from geodata.statistics.published import PublishedAtlas
from geodata.storage.versions import StoreVersion

P = "ba-imp-"
KIND_OPTIONS = [
    {"label": "Indikatortabelle (CSV, XLSX)", "value": "tabelle"},
    {"label": "Gebietsgrenzen (GeoPackage, GeoJSON, gezipptes Shapefile)", "value": "grenzen"},
    {"label": "Einrichtungen (CSV, XLSX)", "value": "einrichtungen"},
]
META_FIELDS = [("name", "Name"), ("unit", "Einheit"), ("topic", "Thema"),
               ("description", "Beschreibung"), ("source", "Quelle")]


def _field(label: str, comp) -> html.Div:
    return html.Div([html.Label(label, htmlFor=comp.id), comp], className="ba-imp-field")


def upload_page(repo: PublishedAtlas, versions: list[StoreVersion]) -> html.Main:
    """The whole page (one main landmark)."""
    levels = [{"label": lvl.name, "value": lvl.id} for lvl in repo.settings.levels]
    return html.Main([
        dcc.Store(id=P + "file", data=None),
        dcc.Store(id=P + "csv", data=""),
        dcc.Download(id=P + "download"),
        html.Header([html.H1("Daten importieren"),
                     html.A("‹ Zurück zum Atlas", href="/", className="ba-imp-back")],
                    className="ba-imp-header"),
        html.P("Laden Sie Gebietsgrenzen, Indikatortabellen oder Einrichtungen hoch. „Prüfen“ "
               "zeigt den Bericht, ohne etwas zu ändern; „Importieren“ legt eine neue Version "
               "an. Frühere Versionen bleiben erhalten und lassen sich wiederherstellen."),
        html.Section([
            html.H2("1. Datei"),
            dcc.Upload(id=P + "upload", max_size=MAX_UPLOAD_BYTES, multiple=False,
                       children=html.Div(["Datei hierher ziehen oder ",
                                          html.U("auswählen"),
                                          f" (höchstens {MAX_UPLOAD_BYTES // 2**20} MB)"]),
                       className="ba-imp-drop"),
            html.Div(id=P + "filename", className="ba-imp-filename"),
            _field("Art der Daten", dcc.RadioItems(id=P + "kind", options=KIND_OPTIONS,
                                                   value="tabelle")),
        ]),
        html.Section([
            html.H2("2. Angaben"),
            html.Div([
                _field("Ebene (Grenzen) bzw. Ebene aller Zeilen (Tabelle)",
                       dcc.Dropdown(id=P + "level", options=levels, value=None,
                                    placeholder="aus der Datei")),
                _field("Gehört zu Gebiet (Schlüssel, z. B. 08212000)",
                       dcc.Input(id=P + "within", type="text", value="", debounce=True)),
                _field("Jahr (wenn die Tabelle keins nennt)",
                       dcc.Input(id=P + "year", type="number", value=None, min=1900, max=2100)),
                _field("Indikator aller Werte (z. B. bei Jahren als Spalten)",
                       dcc.Input(id=P + "indicator", type="text", value="", debounce=True)),
                _field("Koordinatensystem, falls die Datei keins angibt",
                       dcc.Input(id=P + "crs", type="text", value="", placeholder="EPSG:25832",
                                 debounce=True)),
                _field("Art der Einrichtungen (ohne Spalte „Art“)",
                       dcc.Input(id=P + "insttype", type="text", value="", debounce=True)),
                _field("Quellenangabe (leer: die Angabe in der Datei)",
                       dcc.Input(id=P + "source", type="text", value="", debounce=True)),
                _field("Nur Zeilen mit (Tabelle, z. B. Merkmal=Gymnasien)",
                       dcc.Input(id=P + "only", type="text", value="", debounce=True)),
            ], className="ba-imp-grid"),
            dcc.Checklist(id=P + "carry", options=[
                {"label": " Gebietsstand übertragen: Werte weggefallener Gemeinden dem "
                          "Nachfolger zurechnen (geodata/gebietsaenderungen.csv)",
                 "value": "an"}], value=[], className="ba-imp-check"),
            html.Div(id=P + "sheetbox", className="ba-imp-sheet"),
            html.Div(id=P + "geocols", className="ba-imp-geocols"),
            html.H3("Spaltenzuordnung"),
            html.Div(id=P + "mapping", className="ba-imp-mapping",
                     children=html.P("Nach dem Hochladen einer Tabelle erscheint hier der "
                                     "Vorschlag; jede Zuordnung lässt sich ändern.")),
            html.Div(id=P + "meta", className="ba-imp-meta"),
        ]),
        html.Section([
            html.H2("3. Prüfen und importieren"),
            dcc.Checklist(id=P + "partial", options=[
                {"label": " fehlerhafte Zeilen auslassen (sonst verhindern sie den Import)",
                 "value": "an"}], value=[]),
            dcc.Checklist(id=P + "remove", options=[
                {"label": " Gebiete mit Werten entfernen, die in den neuen Grenzen fehlen "
                          "(Schlüssel werden nie wieder vergeben)",
                 "value": "an"}], value=[]),
            html.Div(id=P + "removals", className="ba-imp-removals", **{"aria-live": "polite"}),
            html.Div([
                html.Button("Prüfen", id=P + "check", n_clicks=0, className="ba-imp-btn"),
                html.Button("Importieren", id=P + "import", n_clicks=0,
                            className="ba-imp-btn ba-imp-primary"),
                html.Button("Bericht als CSV", id=P + "csvbtn", n_clicks=0,
                            className="ba-imp-btn"),
            ], className="ba-imp-buttons"),
            html.Div(id=P + "report", className="ba-imp-report", **{"aria-live": "polite"}),
        ]),
        html.Section([html.H2("Versionen"), html.Div(id=P + "versions",
                                                     children=versions_table(versions))]),
    ], className="ba-imp-page", lang="de")


def sheet_picker(sheets: tuple[str, ...], chosen: str, why: str) -> list:
    """The sheet selector of a workbook with several sheets ([] otherwise)."""
    if len(sheets) < 2:
        return []
    return [_field("Blatt der Excel-Mappe", dcc.Dropdown(
        id=P + "sheet", options=[{"label": n, "value": n} for n in sheets], value=chosen,
        clearable=False)), html.P(why, className="ba-imp-hint")]


BOUNDARY_ROLES = (("key", "Schlüsselspalte"), ("name", "Namensspalte"),
                  ("parent", "Spalte des übergeordneten Gebiets"))


def boundary_column_pickers(columns: list[str]) -> list:
    """Key, name and parent column of a boundary file (empty: found automatically)."""
    if not columns:
        return []
    opts = [{"label": c, "value": c} for c in columns]
    return [html.H3("Spalten der Grenzdatei"), html.Div([
        _field(label, dcc.Dropdown(id={"type": P + "geocol", "role": role}, options=opts,
                                   value=None, placeholder="automatisch erkennen"))
        for role, label in BOUNDARY_ROLES], className="ba-imp-grid")]


def removal_list(removals: list[tuple[str, str, int]]) -> list:
    """The areas the checked import would remove, with their stored values."""
    if not removals:
        return []
    items = [html.Li(f"{name} ({aid}): " + (f"{n} Werte" if n != 1 else "1 Wert")
                     if n else f"{name} ({aid}): ohne Werte") for aid, name, n in removals]
    return [html.P("Diese Gebiete kommen in den neuen Grenzen nicht mehr vor und würden "
                   "entfallen (Häkchen oben: entfernen):"), html.Ul(items)]


def mapping_table(columns: list[str], samples: dict[str, list[str]], mapping: dict[str, str],
                  role_options: list[dict[str, str]]) -> html.Table:
    """Column → role, with a dropdown per column (proposed value preselected)."""
    rows = []
    for i, col in enumerate(columns):
        opts = list(role_options)
        if mapping.get(col) and all(o["value"] != mapping[col] for o in opts):
            opts.append({"label": describe_role(mapping[col]), "value": mapping[col]})
        rows.append(html.Tr([
            html.Td(col),
            html.Td(", ".join(samples.get(col, [])[:3]), className="ba-imp-sample"),
            html.Td(dcc.Dropdown(id={"type": P + "role", "col": i}, options=opts,
                                 value=mapping.get(col, "ignorieren"), clearable=False)),
        ]))
    return html.Table([html.Thead(html.Tr([html.Th("Spalte"), html.Th("Beispiele"),
                                           html.Th("Bedeutung")])), html.Tbody(rows)])


def role_options(repo: PublishedAtlas) -> list[dict[str, str]]:
    base = [{"label": label, "value": role} for role, label in ROLE_LABELS.items()]
    inds = [{"label": f"Werte von „{i.name}“", "value": f"wert:{i.id}:"}
            for i in sorted(repo.indicators.values(), key=lambda i: i.name)]
    return base + inds


META_CHOICES = {
    "direction": ("Richtung", [("higher_better", "hoch ist gut"),
                               ("higher_worse", "hoch ist schlecht (mehr Bedarf)"),
                               ("neutral", "neutral")]),
    "kind": ("Art", [("count", "Anzahl (wird summiert)"),
                     ("rate", "Quote aus Zähler und Nenner"),
                     ("mean", "Mittelwert aus Zähler und Nenner")]),
}
META_MORE = [("numerator", "Zähler (Indikator-ID, bei Quoten)"),
             ("denominator", "Nenner (Indikator-ID, bei Quoten)"),
             ("factor", "Faktor (100 für Prozent)"), ("decimals", "Dezimalstellen")]


def meta_form(new: dict[str, dict[str, str]]) -> list:
    """A small catalogue form for each new indicator of the last check."""
    if not new:
        return []
    out: list = [html.H3("Neue Indikatoren: Katalogangaben")]
    for ind_id, meta in new.items():
        def ident(key: str, ind_id: str = ind_id) -> dict[str, str]:
            return {"type": P + "metaval", "ind": ind_id, "field": key}

        fields = [html.Div([html.Label(label), dcc.Input(
            id=ident(key), type="text", value=str(meta.get(key, "")), debounce=True)],
            className="ba-imp-field") for key, label in META_FIELDS + META_MORE]
        fields += [html.Div([html.Label(label), dcc.Dropdown(
            id=ident(key), options=[{"label": t, "value": v} for v, t in options],
            value=meta.get(key) or options[-1 if key == "direction" else 0][0],
            clearable=False)], className="ba-imp-field")
            for key, (label, options) in META_CHOICES.items()]
        out.append(html.Fieldset([html.Legend(f"Indikator „{ind_id}“"), *fields],
                                 className="ba-imp-grid"))
    return out


def report_view(report: Report, written: str | None) -> list:
    """The report as text: status, counts, summary, then every finding."""
    cls = {ERROR: "ba-imp-error", WARNING: "ba-imp-warning", NOTE: "ba-imp-note"}
    head = ("Importiert als Version " + written + ". Die Karte zeigt die neuen Daten ohne "
            "Neustart.") if written else report.status()
    items = [html.Li(i.text(), className=cls[i.severity]) for i in report.issues]
    return [
        html.P(head, className="ba-imp-status " + ("ba-imp-ok" if report.ok else "ba-imp-fail")),
        html.Ul([html.Li(c) for c in report.count_lines() + report.summary]),
        *([html.Details([html.Summary(f"Änderungen an gespeicherten Daten ({len(report.changes)})"),
                         html.Pre("\n".join(report.change_lines()), className="ba-imp-changes")],
                        open=len(report.changes) <= 30)] if report.changes else []),
        html.Ul(items, className="ba-imp-issues"),
    ]


def versions_table(versions: list[StoreVersion]) -> html.Table:
    rows = [html.Tr([
        html.Td(v.id), html.Td(v.created.replace("T", " ").rstrip("Z")), html.Td(v.note),
        html.Td("aktuell" if v.current else html.Button(
            "Wiederherstellen", id={"type": P + "restore", "version": v.id}, n_clicks=0,
            className="ba-imp-btn")),
    ]) for v in versions]
    return html.Table([html.Thead(html.Tr([html.Th("Version"), html.Th("Erstellt (UTC)"),
                                           html.Th("Notiz"), html.Th("Aktion")])),
                       html.Tbody(rows)], className="ba-imp-versions")
