"""Report routes: Word, PowerPoint and PDF reports of one view or a basket of views, and the
batch of Steckbriefe of every area of a map with its progress.

``/export/bericht.<docx|pptx|pdf>?<view query>`` is the current view;
``/export/bericht.<fmt>?bericht=<query>&bericht=<query>…`` a basket (each ``bericht`` one
view's URL query, in order, at most `MAX_VIEWS`).
``POST /export/serie.<pdf|docx>?<view query>`` starts the batch of the map's areas (at most
`MAX_BATCH_AREAS`) and answers ``{"auftrag": id, "gesamt": n}``;
``/export/serie/<id>`` tells ``{"fertig": k, "gesamt": n, "status": …}`` and
``/export/serie/<id>/datei`` downloads the finished file. A batch runs in a server thread;
its progress and file are kept in a temporary folder, so that every worker process of the
server can answer the polls.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from dash import Dash
from flask import Response, request

from callbacks.auth import current_role
from geodata.reports.filenames import export_filename
from geodata.statistics.published import PublishedAtlas
from geodata.views.state import ViewState, parse_query, view_areas

MAX_BATCH_AREAS = 120  # Steckbriefe in one batch (about 0.4 s and 25 kB each)
JOB_DIR = Path(tempfile.gettempdir()) / "bildungsatlas-serien"
JOB_TTL = 3600  # seconds a finished batch stays downloadable
MIME = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pdf": "application/pdf"}


def _error(message: str, status: int = 400) -> Response:
    return Response(json.dumps({"fehler": message}, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _file(body: bytes, fmt: str, name: str) -> Response:
    resp = Response(body, content_type=MIME[fmt])
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _views(repo: PublishedAtlas) -> list[ViewState]:
    """The basket's views (``bericht=``), or the view of the query itself."""
    # imported here: geodata.reports.content pulls in matplotlib (about 55 MiB per worker
    # that never makes a report; the stress benchmark's 500 MiB budget)
    from geodata.reports.content import MAX_VIEWS

    pairs = parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
    basket = [v for k, v in pairs if k == "bericht"]
    if len(basket) > MAX_VIEWS:
        raise ValueError(f"Ein Bericht fasst höchstens {MAX_VIEWS} Ansichten; im Korb sind "
                         f"{len(basket)}.")
    queries = basket or [urlencode([(k, v) for k, v in pairs if k != "bericht"])]
    return [parse_query(q, repo)[0] for q in queries]


def _job_state(job: Path) -> dict:
    try:
        return json.loads((job / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(job: Path, **state: object) -> None:
    tmp = job / "status.tmp"
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, job / "status.json")  # atomic: a poll never reads half a file


def _clean_old_jobs() -> None:
    if not JOB_DIR.is_dir():
        return
    for job in JOB_DIR.iterdir():
        try:
            if time.time() - job.stat().st_mtime > JOB_TTL:
                shutil.rmtree(job, ignore_errors=True)
        except OSError:
            continue


def register(app: Dash, repo: PublishedAtlas) -> None:
    """Add the report routes."""
    server = app.server
    # The writers are imported on first use: matplotlib, python-docx and python-pptx cost
    # about 55 MiB in every worker, most of which never writes a report (the stress
    # benchmark's budget is 500 MiB per worker).
    writers = {"docx": ("geodata.reports.wordreport", "report_docx"),
               "pptx": ("geodata.reports.slides", "report_pptx"),
               "pdf": ("geodata.reports.pdfreport", "report_pdf")}

    def writer(module: str, name: str):
        import importlib

        return getattr(importlib.import_module(module), name)

    @server.route("/export/bericht.<fmt>")
    def export_report(fmt: str) -> Response:
        if fmt not in writers:
            return _error(f"Das Format „{fmt[:10]}“ gibt es nicht; möglich: docx, pptx, pdf.",
                          404)
        try:
            states = _views(repo)
            body = writer(*writers[fmt])(repo, states)
        except ValueError as err:
            return _error(str(err))
        name = export_filename(repo, states[0], fmt)
        if len(states) > 1:
            name = name.replace("bildungsatlas_", f"bildungsatlas_bericht_{len(states)}_"
                                "ansichten_", 1)
        return _file(body, fmt, name)

    @server.route("/export/sozialraum.csv")
    def export_sozialraum() -> Response:
        from geodata.reports.content import sozialraum_csv, sozialraum_name

        state, _notes = parse_query(request.query_string.decode("utf-8", "replace"), repo)
        try:
            body = sozialraum_csv(repo, state)
        except ValueError as err:
            return _error(str(err))
        resp = Response(body, content_type="text/csv; charset=utf-8")
        slug = re.sub(r"[^a-z0-9]+", "_", sozialraum_name(repo, state).lower()
                      .replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
                      .replace("ß", "ss")).strip("_")[:60] or "sozialraum"
        resp.headers["Content-Disposition"] = (
            f'attachment; filename="bildungsatlas_sozialraum_{slug}_{state.jahr}.csv"')
        return resp

    @server.route("/export/serie.<fmt>", methods=["POST"])
    def start_batch(fmt: str) -> Response:
        if fmt not in ("pdf", "docx"):
            return _error(f"Das Format „{fmt[:10]}“ gibt es nicht; möglich: pdf, docx.", 404)
        state, _notes = parse_query(request.query_string.decode("utf-8", "replace"), repo)
        ids = list(view_areas(state, repo))
        if not ids:
            return _error("Diese Karte zeigt keine Gebiete.")
        if len(ids) > MAX_BATCH_AREAS:
            return _error(f"Die Karte zeigt {len(ids)} Gebiete; Steckbriefe gibt es für "
                          f"höchstens {MAX_BATCH_AREAS} auf einmal. Bitte in ein Gebiet "
                          "hineingehen.")
        _clean_old_jobs()
        job_id = secrets.token_hex(12)
        job = JOB_DIR / job_id
        job.mkdir(parents=True)
        name = export_filename(repo, state, fmt).replace("bildungsatlas_", "bildungsatlas_"
                                                          "steckbriefe_", 1)
        role = current_role()  # the thread has no request: it works with this user's role
        job_repo = repo.with_access(role)
        _write_state(job, status="läuft", fertig=0, gesamt=len(ids), datei=name, format=fmt,
                     rolle=role.key)

        def run() -> None:
            def progress(done: int) -> None:
                _write_state(job, status="läuft", fertig=done, gesamt=len(ids), datei=name,
                             format=fmt, rolle=role.key)
            try:
                body = (writer("geodata.reports.pdfreport", "batch_pdf") if fmt == "pdf"
                        else writer("geodata.reports.wordreport", "batch_docx"))(
                    job_repo, ids, state.jahr, progress=progress)
                (job / "datei").write_bytes(body)
                _write_state(job, status="fertig", fertig=len(ids), gesamt=len(ids),
                             datei=name, format=fmt, rolle=role.key)
            except Exception as err:  # noqa: BLE001 (reported to the user, never a 500)
                _write_state(job, status="fehler", fertig=0, gesamt=len(ids), datei=name,
                             format=fmt, rolle=role.key, fehler=f"Die Steckbriefe konnten nicht erstellt "
                             f"werden: {err}")

        threading.Thread(target=run, daemon=True, name=f"serie-{job_id}").start()
        return Response(json.dumps({"auftrag": job_id, "gesamt": len(ids)}), status=202,
                        mimetype="application/json")

    def _job(job_id: str) -> Path | None:
        if not re.fullmatch(r"[0-9a-f]{24}", job_id):
            return None
        job = JOB_DIR / job_id
        return job if (job / "status.json").is_file() else None

    @server.route("/export/serie/<job_id>")
    def batch_status(job_id: str) -> Response:
        job = _job(job_id)
        if job is None:
            return _error("Diesen Auftrag gibt es nicht (mehr).", 404)
        state = _job_state(job)
        return Response(json.dumps({k: state.get(k) for k in (
            "status", "fertig", "gesamt", "fehler")}, ensure_ascii=False),
            mimetype="application/json", headers={"Cache-Control": "no-store"})

    @server.route("/export/serie/<job_id>/datei")
    def batch_file(job_id: str) -> Response:
        job = _job(job_id)
        state = _job_state(job) if job else {}
        # A file made for a role is handed out only to that role (never to the public).
        if state.get("rolle", "oeffentlich") != current_role().key:
            return _error("Diesen Auftrag gibt es nicht (mehr).", 404)
        if job is None or state.get("status") != "fertig":
            return _error("Die Steckbriefe sind (noch) nicht fertig.", 404)
        return _file((job / "datei").read_bytes(), state["format"], state["datei"])
