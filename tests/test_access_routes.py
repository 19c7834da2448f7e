"""Issue 16: an anonymous visitor never receives an internal indicator's value, by any route.

The demo atlas with a catalogue where three indicators are internal on every level (the
SGB-II rate of under-15s and its two counts) and two only on the quarters (foreigners and
their share). Every URL rule of the Flask app is requested with every variant of the
documented parameters that makes sense for it (internal indicator, a quarter's profile, a
Sozialraum, the index, a report basket …), and every Dash callback is called with the same
addresses; each answer (JSON, CSV, XLSX/DOCX/PPTX unpacked, PDF through pdftotext, SVG) is
searched for the internal indicators' names and ids. Per-level visibility is checked on what
the routes answer for Frankfurt's quarters and for the city. The routes covered are printed and
every rule must be covered. A positive control (staff through the reverse proxy) shows the
names are there for staff, so the search would find them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import subprocess
import zipfile
from urllib.parse import quote

import pytest

from app import create_app
from bench.dashcall import callback_body
from geodata.model.authconfig import AuthSettings

INTERNAL = ("sgb2_quote_u15", "kinder_u15_sgb2", "kinder_u15")
PER_LEVEL = ("auslaender", "auslaenderanteil")  # internal on the quarters only
CITY, QUARTER, OTHER = "06412000", "06412000-032", "06412000-033"
PUBLIC_BIND = "0.0.0.0"  # not loopback: without sign-in everyone is anonymous


@pytest.fixture(scope="module")
def internal_repo(repo):
    inds = dict(repo.indicators)
    for i in INTERNAL:
        inds[i] = dataclasses.replace(inds[i], visibility="intern")
    for i in PER_LEVEL:
        inds[i] = dataclasses.replace(inds[i], visibility="intern", internal_levels=("quartier",))
    return dataclasses.replace(repo, indicators=inds)


@pytest.fixture(scope="module")
def anonymous(internal_repo):
    return create_app(internal_repo, bind_host=PUBLIC_BIND, auth=AuthSettings())


def markers(repo) -> list[str]:
    out = []
    for i in INTERNAL:
        out += [repo.indicators[i].name, f'"{i}"', f";{i};", f"indikator={i}&"]
    return out


def text_of(resp) -> str:
    """Everything readable in an answer, whatever its format."""
    data = resp.data
    kind = resp.headers.get("Content-Type", "")
    if data[:2] == b"PK":  # xlsx, docx, pptx: the XML parts
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            text = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                            if n.endswith(".xml"))
    elif data[:4] == b"%PDF":
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode("utf-8", "replace")
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        text = ""  # a picture: its text is the title and legend, checked through SVG and PDF
    else:
        text = data.decode("utf-8-sig", "replace")
        if "json" in kind:
            with contextlib.suppress(ValueError):  # escapes (\u00e4) undone
                text = json.dumps(json.loads(text), ensure_ascii=False)
    return text.replace("\u00ad", "").replace("\\u00ad", "")


QUERIES = [
    "",
    f"gebiet={CITY}&indikator=sgb2_quote_u15&jahr=2023",
    f"gebiet={CITY}&indikator=kinder_u15&jahr=2023&auswahl={QUARTER}",
    f"gebiet={CITY}&auswahl={QUARTER}",
    f"gebiet={CITY}&auswahl={QUARTER}&ansicht=diagramme&indikator=sgb2_quote_u15",
    f"gebiet={CITY}&auswahl={QUARTER},{OTHER}&ansicht=sozialraum",
    f"gebiet={CITY}&auswahl={QUARTER},{OTHER}&ansicht=vergleich",
    f"gebiet={CITY}&indikator=auslaender&jahr=2012&auswahl={QUARTER}",
    f"gebiet={CITY}&indikator=auslaenderanteil&jahr=2012",
    "index=frankfurt_chancenindex&ansicht=verteilung",
    "index=frankfurt_chancenindex&ansicht=definition",
    "ansicht=indizes",
    "bericht=" + quote(f"gebiet={CITY}&indikator=sgb2_quote_u15&auswahl={QUARTER}", safe=""),
]
# Renders (maps, reports, the batch) only with the addresses that name internal indicators.
HEAVY_QUERIES = [QUERIES[1], QUERIES[2], QUERIES[4], QUERIES[-1]]
FORMATS = {"/export/karte.<fmt>": ("png", "svg", "pdf"), "/export/tabelle.<fmt>": ("csv", "xlsx"),
           "/export/bericht.<fmt>": ("docx", "pptx", "pdf"),
           "/index/<slug>/verteilung.<fmt>": ("csv", "xlsx"), "/export/serie.<fmt>": ("docx",)}
VALUES = {"area_id": (QUARTER, CITY), "parent": (CITY, "06412"), "slug": ("frankfurt_chancenindex",),
          "rest": ("karte",), "filename": ("bildungsatlas.css",), "path": ("gebiet",),
          "package_name": ("dash",), "fingerprinted_path": ("nix.js",)}


def expand(rule) -> list[str]:
    paths = [rule.rule]
    for arg in rule.arguments:
        options = FORMATS.get(rule.rule, ()) if arg == "fmt" else VALUES.get(arg, ("x",))
        paths = [re.sub(r"<[^>]*" + arg + ">", o, p) for p in paths for o in options]
    return paths


def server_callbacks(app) -> list[str]:
    """The callbacks that run on the server (clientside ones never reach it)."""
    return [k for k, v in app.callback_map.items() if "callback" in v]


def sweep(app, client, headers=None) -> tuple[dict[str, int], list[str]]:
    """Every rule and callback with every query; (requests per route, answers' texts)."""
    headers = {"Origin": "http://localhost", **(headers or {})}
    covered: dict[str, int] = {}
    texts: list[str] = []
    job = None
    for rule in app.server.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        for path in expand(rule):
            heavy = rule.rule.startswith(("/export/karte", "/export/bericht", "/export/serie",
                                          "/export/steckbrief"))
            for q in (HEAVY_QUERIES if heavy else QUERIES):
                if "<job_id>" in path:
                    continue
                if "POST" in methods and rule.rule == "/_dash-update-component":
                    for key in server_callbacks(app):
                        body = callback_body(key, app.callback_map[key], "?" + q)
                        resp = client.post(path, json=body, headers=headers)
                        assert resp.status_code < 500, (key, q, resp.data[:300])
                        texts.append(text_of(resp))
                        covered[f"callback {key[:60]}"] = covered.get(
                            f"callback {key[:60]}", 0) + 1
                    continue
                url = path + ("?" + q if q else "")
                if "POST" in methods:
                    resp = client.post(url, headers=headers)
                    if rule.rule == "/export/serie.<fmt>" and resp.status_code == 202:
                        job = resp.get_json()["auftrag"]
                else:
                    resp = client.get(url, headers=headers)
                assert resp.status_code < 500, (url, resp.status_code, resp.data[:300])
                texts.append(text_of(resp))
                resp.close()  # streamed files (assets) are closed
                covered[rule.rule] = covered.get(rule.rule, 0) + 1
    if job:
        import time

        for _ in range(600):
            state = client.get(f"/export/serie/{job}", headers=headers).get_json()
            if state["status"] != "läuft":
                break
            time.sleep(0.2)
        for url in (f"/export/serie/{job}", f"/export/serie/{job}/datei"):
            resp = client.get(url, headers=headers)
            texts.append(text_of(resp))
        covered["/export/serie/<job_id>"] = covered["/export/serie/<job_id>/datei"] = 1
    return covered, texts


def test_no_route_gives_an_anonymous_visitor_an_internal_value(anonymous, internal_repo):
    covered, texts = sweep(anonymous, anonymous.server.test_client())
    rules = {r.rule for r in anonymous.server.url_map.iter_rules()}
    print(f"\n{sum(covered.values())} Anfragen über {len(covered)} Routen und Callbacks:")
    for route, n in sorted(covered.items()):
        print(f"  {route}: {n}")
    missing = rules - set(covered) - {"/_dash-update-component"}
    assert not missing, missing
    assert sum(1 for k in covered if k.startswith("callback ")) == len(
        server_callbacks(anonymous))
    found = [(m, t[max(0, t.find(m) - 80):t.find(m) + 80]) for t in texts
             for m in markers(internal_repo) if m in t]
    assert not found, found[:5]


def test_staff_sees_them_through_the_trusted_proxy(internal_repo):
    """The control: the same search finds the names for staff (so it would find a leak), and
    proxy headers from an address that is not the proxy count for nothing."""
    auth = AuthSettings(mode="proxy", proxy_addresses=("127.0.0.1",),
                        role_groups={"intern": ("bildungsbuero",)})
    app = create_app(internal_repo, bind_host=PUBLIC_BIND, auth=auth)
    client = app.server.test_client()
    staff = {"X-Forwarded-User": "anna", "X-Forwarded-Groups": "bildungsbuero"}
    body = text_of(client.get("/api/indikatoren", headers=staff))
    assert internal_repo.indicators["sgb2_quote_u15"].name in body
    assert client.get("/api/ich", headers=staff).get_json()["rolle"] == "intern"
    foreign = client.get("/api/indikatoren", headers=staff,
                         environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert internal_repo.indicators["sgb2_quote_u15"].name not in text_of(foreign)
    csv = client.get(f"/export/tabelle.csv?gebiet={CITY}&indikator=sgb2_quote_u15&jahr=2023",
                     headers=staff).data.decode("utf-8-sig")
    assert "SGB-II" in csv.splitlines()[0]


def test_internal_on_the_quarters_only(anonymous, internal_repo):
    client = anonymous.server.test_client()
    quarters = internal_repo.children_of(CITY)
    for ind in PER_LEVEL:
        body = client.get(f"/api/karte?gebiet={CITY}&indikator={ind}&jahr=2012").get_json()
        assert body["ids"] == list(quarters)
        assert all(v is None for v in body["werte"]), ind
        assert set(body["zustaende"]) == {"keine_daten"}
        lines = client.get(f"/export/tabelle.csv?gebiet={CITY}&indikator={ind}&jahr=2012"
                           ).data.decode("utf-8-sig").splitlines()
        for line in lines[1:]:
            cells = line.split(";")
            if cells[0].startswith(CITY + "-"):
                assert cells[3] in ("–", ""), line  # no value for a quarter
        # internal only on the quarters: the catalogue still lists it (other levels)
        assert ind in {i["id"] for i in client.get("/api/indikatoren").get_json()}
        assert internal_repo.value(QUARTER, ind, 2012) is not None  # there is a value to hide
    quarter = client.get(f"/api/gebiete/{QUARTER}").get_json()
    assert not set(PER_LEVEL) & set(quarter["werte"])
    assert not set(INTERNAL) & set(quarter["werte"])


def test_the_upload_page_refuses_anonymous_visitors(tmp_path):
    from geodata.storage.store import GpkgStore

    app = create_app(store=GpkgStore(tmp_path / "daten"), bind_host=PUBLIC_BIND,
                     auth=AuthSettings())
    client = app.server.test_client()
    rules = [r for r in app.server.url_map.iter_rules()
             if r.rule.startswith("/daten-importieren/")]
    assert len(rules) >= 8
    for rule in rules:
        for path in expand(rule):
            if "POST" in rule.methods:
                resp = client.post(path, json={"output": "x"},
                                   headers={"Origin": "http://localhost"})
            else:
                resp = client.get(path)
            assert resp.status_code == 403, (path, resp.status_code)
            resp.close()
    print(f"\n{len(rules)} Routen der Importseite: alle 403 für anonyme Besucher")
