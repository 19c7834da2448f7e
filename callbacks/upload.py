"""The upload page „Daten importieren“: a second small Dash app on the same Flask server.

Uploaded files are kept in the store's ``uploads/`` folder under a random token (the user's
file name is reduced to a safe base name) and read from there by „Prüfen“ and „Importieren“;
both run the importer's single code path (`geodata.importer.core.run_import`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, no_update
from flask import Response, request

from callbacks.auth import current_role, current_user, signed_in
from geodata.importer.boundaries import thresholds
from geodata.importer.core import MAX_UPLOAD_BYTES, ImportRequest, Upload, run_import
from geodata.importer.facilities import InstitutionOptions
from geodata.importer.geofile import BoundaryError, BoundaryOptions, read_geofile
from geodata.importer.keys import AreaIndex
from geodata.importer.report import Report
from geodata.importer.tabular import TableError, read_table
from geodata.importer.values import ValueOptions, propose_mapping
from geodata.model.errors import AtlasError
from geodata.model.settings import DEFAULT_CONFIG
from geodata.storage.audit import write_entry
from geodata.storage.live import LiveRepository
from layers.upload import (
    P,
    boundary_column_pickers,
    mapping_table,
    meta_form,
    removal_list,
    report_view,
    role_options,
    sheet_picker,
    upload_page,
    versions_table,
)

BASE = "/daten-importieren/"
GEO_SUFFIXES = {".gpkg", ".geojson", ".json", ".zip", ".shp"}


def _safe_name(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"
    return base[:100]


def upload_folder(store: Any) -> Path:
    """Where uploads wait between "Prüfen" and "Importieren": ``$BILDUNGSATLAS_UPLOAD_DIR``
    (shared storage when several machines serve the app), else the data folder, else (PostGIS)
    the system's temporary folder; never the working directory."""
    env = os.environ.get("BILDUNGSATLAS_UPLOAD_DIR")
    if env:
        return Path(env)
    data_dir = getattr(store, "data_dir", None)
    if data_dir is not None:
        return Path(data_dir) / "uploads"
    return Path(tempfile.gettempdir()) / "bildungsatlas-uploads"


def _guard() -> Response | None:
    """Access to the upload page: only the role ``redaktion`` (`callbacks.auth`): signed in;
    or, where ``$BILDUNGSATLAS_IMPORT_PASSWORT`` is set (an installation without sign-in), with
    that password by HTTP Basic authentication (any user name); or else the local user of a
    loopback-bound app."""
    if not request.path.startswith(BASE):
        return None
    if current_role().editor and signed_in():
        return None
    password = os.environ.get("BILDUNGSATLAS_IMPORT_PASSWORT", "")
    if not password and current_role().editor:  # the local user of a loopback-bound app
        return None
    if password:
        auth = request.authorization
        given = (auth.password or "") if auth is not None else ""
        if hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8")):
            return None
        return Response("Für „Daten importieren“ ist ein Passwort nötig.", 401,
                        {"WWW-Authenticate": 'Basic realm="Bildungsatlas: Daten importieren", '
                                             'charset="UTF-8"'},
                        mimetype="text/plain")
    return Response("„Daten importieren“ ist nur für die Redaktion: bitte unter /anmelden "
                    "anmelden, die App auf 127.0.0.1 starten oder BILDUNGSATLAS_IMPORT_PASSWORT "
                    "setzen.", 403,
                    mimetype="text/plain")


def register_upload(main: Dash, live: LiveRepository, atlas: Any = None) -> Dash:
    """Mount the upload page at ``/daten-importieren/`` on ``main``'s server."""
    server = main.server
    server.config["MAX_CONTENT_LENGTH"] = max(server.config.get("MAX_CONTENT_LENGTH") or 0,
                                              MAX_UPLOAD_BYTES * 4 // 3 + 1024 * 1024)
    store = live.store
    upload_dir = upload_folder(store)
    server.before_request(_guard)
    app = Dash(__name__, server=server, url_base_pathname=BASE, title="Daten importieren",
               assets_folder=main.config.assets_folder, suppress_callback_exceptions=True)
    app.index_string = app.index_string.replace("<html>", '<html lang="de">', 1)
    server.extensions.setdefault("ba_callback_maps", []).append(app.callback_map)
    shown = atlas if atlas is not None else live  # the catalogue as the current user sees it
    app.layout = lambda: upload_page(shown, store.versions())

    def file_path(meta: dict[str, Any] | None) -> Path | None:
        if not meta or not re.fullmatch(r"[0-9a-f]{32}", str(meta.get("token", ""))):
            return None
        path = upload_dir / meta["token"] / _safe_name(str(meta.get("name", "")))
        return path if path.exists() else None

    def table_view(data: bytes, name: str, sheet: str | None, token: str):
        """The uploaded table read (with the chosen sheet): file data, the description, the
        mapping table and the sheet selector; or a report with the reason it is no table."""
        report = Report()
        current = store.read()
        idx = AreaIndex.of(current.area_attributes.drop(columns="geometry"),
                           live.settings.levels)
        try:
            table = read_table(data, name, report, sheet=sheet, key_score=idx.recognises)
        except TableError as err:
            return ({"token": token, "name": name}, f"Hochgeladen: {name}", [],
                    [], report_view(_one_error(name, str(err)), None))
        mapping = propose_mapping(table, current.indicators)
        samples = {c: [str(v) for v in table.column(c) if v not in (None, "")][:3]
                   for c in table.header}
        chosen = [i.text() for i in report.issues if "Blätter" in i.message]
        return ({"token": token, "name": name, "columns": table.header, "sheet": table.sheet},
                f"Hochgeladen: {name} ({table.description})",
                mapping_table(table.header, samples, mapping, role_options(shown)),
                sheet_picker(table.sheets, table.sheet, chosen[0] if chosen else ""), [])

    @app.callback(
        Output(P + "file", "data"), Output(P + "filename", "children"), Output(P + "kind", "value"),
        Output(P + "mapping", "children"), Output(P + "report", "children", allow_duplicate=True),
        Output(P + "sheetbox", "children"), Output(P + "geocols", "children"),
        Input(P + "upload", "contents"), State(P + "upload", "filename"),
        prevent_initial_call=True)
    def on_upload(contents: str | None, filename: str | None):
        if not contents:
            return (no_update,) * 7
        name = _safe_name(filename or "upload")
        try:
            data = base64.b64decode(contents.split(",", 1)[1], validate=False)
        except (IndexError, binascii.Error, ValueError):
            return None, "Die Datei ließ sich nicht übertragen.", no_update, [], [], [], []
        if len(data) > MAX_UPLOAD_BYTES:
            return None, f"Die Datei ist zu groß (höchstens {MAX_UPLOAD_BYTES // 2**20} MB).", \
                no_update, [], [], [], []
        _forget_old_uploads(upload_dir)
        token = secrets.token_hex(16)
        target = upload_dir / token
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
        kind = "grenzen" if Path(name).suffix.lower() in GEO_SUFFIXES else "tabelle"
        if kind == "tabelle":
            meta, text, mapping_view, sheets, report = table_view(data, name, None, token)
            return meta, text, kind, mapping_view, report, sheets, []
        columns = _boundary_columns(data, name)
        return ({"token": token, "name": name}, f"Hochgeladen: {name}", kind, [], [], [],
                boundary_column_pickers(columns))

    @app.callback(
        Output(P + "file", "data", allow_duplicate=True),
        Output(P + "mapping", "children", allow_duplicate=True),
        Output(P + "report", "children", allow_duplicate=True),
        Input(P + "sheet", "value"), State(P + "file", "data"),
        prevent_initial_call=True)
    def on_sheet(sheet: str | None, meta: dict[str, Any] | None):
        path = file_path(meta)
        if path is None or not sheet or sheet == (meta or {}).get("sheet"):
            return no_update, no_update, no_update
        new_meta, _text, mapping_view, _sheets, report = table_view(
            path.read_bytes(), path.name, sheet, str(meta["token"]))  # type: ignore[index]
        return new_meta, mapping_view, report

    @app.callback(
        Output(P + "report", "children"), Output(P + "csv", "data"), Output(P + "meta", "children"),
        Output(P + "versions", "children", allow_duplicate=True),
        Output(P + "removals", "children"),
        Input(P + "check", "n_clicks"), Input(P + "import", "n_clicks"),
        State(P + "file", "data"), State(P + "kind", "value"), State(P + "level", "value"),
        State(P + "within", "value"), State(P + "year", "value"), State(P + "indicator", "value"),
        State(P + "crs", "value"), State(P + "insttype", "value"), State(P + "source", "value"),
        State(P + "partial", "value"), State(P + "only", "value"), State(P + "carry", "value"),
        State(P + "remove", "value"),
        State({"type": P + "geocol", "role": ALL}, "value"),
        State({"type": P + "geocol", "role": ALL}, "id"),
        State({"type": P + "role", "col": ALL}, "value"),
        State({"type": P + "metaval", "ind": ALL, "field": ALL}, "value"),
        State({"type": P + "metaval", "ind": ALL, "field": ALL}, "id"),
        prevent_initial_call=True)
    def on_run(_check, _import, meta, kind, level, within, year, indicator, crs, insttype,
               source, partial, only, carry, remove, geo_values, geo_ids, roles, meta_values,
               meta_ids):
        write = ctx.triggered_id == P + "import"
        path = file_path(meta)
        if path is None:
            rep = _one_error("", "Bitte zuerst eine Datei hochladen.")
            return report_view(rep, None), rep.to_csv(), no_update, no_update, no_update
        up = Upload(path.name, path.read_bytes())
        within = (within or "").strip() or None
        req = ImportRequest(allow_partial="an" in (partial or []), source_text=source or "",
                            remove_confirmed="an" in (remove or []))
        if kind == "grenzen":
            if not level:
                rep = _one_error(up.name, "Bitte die Ebene der Flächen wählen (z. B. Stadtteil).")
                return report_view(rep, None), rep.to_csv(), no_update, no_update, no_update
            warn, error = thresholds(DEFAULT_CONFIG)
            cols = {i["role"]: v for i, v in zip(geo_ids, geo_values, strict=True) if v}
            req.boundaries.append((up, BoundaryOptions(
                level=level, parent=within, crs=(crs or "").strip() or None,
                key_column=cols.get("key"), name_column=cols.get("name"),
                parent_column=cols.get("parent"), warn_percent=warn, error_percent=error)))
        elif kind == "einrichtungen":
            req.institutions.append((up, InstitutionOptions(type=(insttype or "").strip() or None,
                                                            level=level)))
        else:
            cols = (meta or {}).get("columns") or []
            mapping = dict(zip(cols, roles, strict=False)) if roles and len(roles) == len(cols) \
                else None
            selected, problem = _selection(only or "")
            if problem:
                rep = _one_error(up.name, problem)
                return report_view(rep, None), rep.to_csv(), no_update, no_update, no_update
            req.tables.append((up, ValueOptions(mapping=mapping, year=int(year) if year else None,
                                                indicator=(indicator or "").strip() or None,
                                                level=level, within=within,
                                                sheet=(meta or {}).get("sheet") or None,
                                                only=selected,
                                                carry="an" in (carry or []))))
            for ident, value in zip(meta_ids, meta_values, strict=True):
                req.indicator_meta.setdefault(ident["ind"], {})[ident["field"]] = \
                    "" if value is None else str(value)
        try:
            result = run_import(store, live.settings, req, note=f"Upload {up.name}",
                                write=write, who=current_user() or "Redaktion")
        except AtlasError as err:
            rep = _one_error(up.name, str(err))
            return report_view(rep, None), rep.to_csv(), no_update, no_update, no_update
        if result.version:
            live.refresh()
        return (report_view(result.report, result.version), result.report.to_csv(),
                meta_form(result.new_indicators) if not result.version else [],
                versions_table(store.versions()),
                removal_list(result.removals) if not result.version else [])

    @app.callback(Output(P + "download", "data"), Input(P + "csvbtn", "n_clicks"),
                  State(P + "csv", "data"), prevent_initial_call=True)
    def on_download(_n, text):
        if not text:
            return no_update
        return dcc.send_string("\ufeff" + text, "importbericht.csv", type="text/csv")

    @app.callback(Output(P + "versions", "children"),
                  Output(P + "report", "children", allow_duplicate=True),
                  Input({"type": P + "restore", "version": ALL}, "n_clicks"),
                  prevent_initial_call=True)
    def on_restore(clicks):
        if not ctx.triggered_id or not any(clicks or []):
            return no_update, no_update
        version = ctx.triggered_id["version"]
        try:
            store.restore(version)
        except AtlasError as err:
            return no_update, report_view(_one_error("", str(err)), None)
        write_entry(store, "wiederherstellen", current_user() or "Redaktion",
                    f"Version {version}")
        live.refresh()
        return versions_table(store.versions()), [
            f"Version {version} ist wiederhergestellt; die Karte zeigt sie ohne Neustart."]

    return app


def _forget_old_uploads(upload_dir: Path, max_age_s: float = 24 * 3600) -> None:
    """Delete uploaded files older than a day (each lives in its own token folder)."""
    if not upload_dir.exists():
        return
    limit = time.time() - max_age_s
    for folder in upload_dir.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder)
        except OSError:
            continue


def _selection(text: str) -> tuple[dict[str, str] | None, str]:
    """„Nur Zeilen mit“ as ``{column: value}`` (``SPALTE=WERT``, several separated by ``;``),
    or a German message on what is wrong with it."""
    out = {}
    for item in (t.strip() for t in text.split(";")):
        if not item:
            continue
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            return None, (f"„Nur Zeilen mit“: „{item[:60]}“ verstehe ich nicht; erwartet wird "
                          "SPALTE=WERT, z. B. „Merkmal=Gymnasien“.")
        out[col.strip()] = value.strip()
    return out or None, ""


def _boundary_columns(data: bytes, name: str) -> list[str]:
    """The attribute columns of an uploaded boundary file ([] if it cannot be read now: the
    check then says why)."""
    try:
        gdf = read_geofile(data, name, BoundaryOptions(level=""), Report())
    except (BoundaryError, AtlasError, OSError, ValueError):
        return []
    return [str(c) for c in gdf.columns if c != "geometry"]


def _one_error(file: str, message: str) -> Report:
    rep = Report()
    rep.error(file, message)
    return rep
