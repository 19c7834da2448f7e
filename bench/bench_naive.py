"""Benchmark: the Bildungsatlas against the naive Dash implementation, same run, same data.

Run (demo atlas; add ``--stress`` for the Germany-sized stress atlas as well)::

    python -m bench.bench_naive [--stress] [--runs 15]

Both apps (`app.create_app` and `bench.naive_app`) are started in their own process
(`bench.serve`, Werkzeug threaded server) on the same atlas. For each scenario the callback
request the browser sends is replayed against the real ``/_dash-update-component`` endpoint:
the first request of a page is captured in headless Chromium, the scenario's change (indicator,
year, map click) is applied to it as the browser would. Measured per scenario: response bytes
(as sent, and gzip-compressed for reference), server time (median wall time of repeated
requests over HTTP); per app: seconds from process start to the first page, time to a
painted map of all Kreise in headless Chromium (median of fresh, cold-cache page loads),
bytes of that first load, and the peak memory (VmHWM) of the server process. Prints ratios
(naive / ours) and writes a Markdown table to ``bench/results_<atlas>.md`` that docs/dev/benchmarks.md and the README
quotes. Never part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
import requests

ROOT_DIR = Path(__file__).resolve().parents[1]
DEMO = ROOT_DIR / "geodata" / "atlas.gpkg"
STRESS = Path(os.environ.get("BILDUNGSATLAS_STRESS", "/tmp/bildungsatlas-stress.gpkg"))
CHROMIUM = os.environ.get("BILDUNGSATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
OTHER_INDICATOR = "sgb2_quote_u15"
UPDATE = "/_dash-update-component"

# Painted: Leaflet has drawn one SVG path per area / MapLibre has loaded the figure and renders
# a fill for every area (at least 90 % of them on a national map, where a kreisfreie Stadt can
# be smaller than a pixel and is then not counted by queryRenderedFeatures).
OURS_PAINTED = "n => document.querySelectorAll('path.ba-area').length === n"
NAIVE_PAINTED = """n => {
  const gd = document.querySelector('.js-plotly-plot');
  const sp = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  if (!sp || !sp.map || !sp.map.loaded()) return false;
  const fills = sp.map.getStyle().layers.filter(l => l.type === 'fill').map(l => l.id);
  if (!fills.length) return false;
  const seen = new Set(sp.map.queryRenderedFeatures({layers: fills})
                         .map(f => String(f.properties.ct)));
  return seen.size >= n || (seen.size >= 0.9 * n && sp.map.areTilesLoaded());
}"""


@dataclass
class Hierarchy:
    """Which areas the scenarios use, read from the atlas file itself."""

    n_top: int
    n_gemeinden: int
    kreis: str  # a Kreis with several Gemeinden
    gemeinde: str  # a Gemeinde of it without quarters (a click opens its profile)
    n_kreis_children: int


def hierarchy(gpkg: Path) -> Hierarchy:
    df = pyogrio.read_dataframe(gpkg, layer="areas", read_geometry=False)
    df = df.fillna("")
    kids = df.groupby("parent_id")["area_id"].apply(sorted).to_dict()
    top = kids.get("", [])
    # The Kreis with most Gemeinden under 40 (a typical county; keeps the naive app fair).
    counts = {k: len(kids.get(k, [])) for k in top}
    kreis = max((k for k in top if counts[k] <= 40), key=lambda k: (counts[k], k))
    gemeinde = next(g for g in kids[kreis] if g not in kids)
    return Hierarchy(len(top), int((df["level"] == "gemeinde").sum()), kreis, gemeinde,
                     counts[kreis])


# --- the two server processes ----------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    kind: str
    gpkg: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    startup_s: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = _free_port()
        env = dict(os.environ, DASH_DISABLE_VERSION_CHECK="true", PYTHONPATH=str(ROOT_DIR))
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", self.kind, str(self.gpkg), str(self.port)],
            cwd=ROOT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} failed: {self.proc.stderr.read().decode()}")
            try:
                if requests.get(self.url + "/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.startup_s = time.perf_counter() - t0

    def peak_mib(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmHWM:"))
        return kib / 1024

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


# --- callback payloads -----------------------------------------------------------------------
def _items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for group in (payload.get("inputs", []), payload.get("state", [])):
        for item in group:
            out.extend(item if isinstance(item, list) else [item])
    return out


def apply_response(payload: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """The payload after the browser applied a callback's response (props it also reads)."""
    new = copy.deepcopy(payload)
    props = response.get("response", {})
    for item in _items(new):
        if isinstance(item["id"], str) and item["property"] in props.get(item["id"], {}):
            item["value"] = props[item["id"]][item["property"]]
    return new


def change(payload: dict[str, Any], trigger: str | None, **values: Any) -> dict[str, Any]:
    """A copy with ``values`` set (``"id.prop": value``) and ``trigger`` as the changed prop."""
    new = copy.deepcopy(payload)
    for key, value in values.items():
        cid, prop = key.rsplit(".", 1)
        hit = [i for i in _items(new) if i["id"] == cid and i["property"] == prop]
        if not hit:
            raise KeyError(f"{key} is not an input or state of this callback")
        for item in hit:
            item["value"] = value
    if trigger is not None:
        new["changedPropIds"] = [trigger]
    return new


def value_of(payload: dict[str, Any], key: str) -> Any:
    cid, prop = key.rsplit(".", 1)
    return next(i.get("value") for i in _items(payload) if i["id"] == cid and i["property"] == prop)


# --- measuring -------------------------------------------------------------------------------
@dataclass
class Measure:
    ms: float
    wire: int  # bytes as transferred to a browser (Accept-Encoding as Chromium sends it)
    raw: int  # bytes of the uncompressed JSON
    gzip_bytes: int  # the JSON gzip-compressed (what the app would send with compression)
    body: dict[str, Any] = field(repr=False)


BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


def measure(session: requests.Session, url: str, payload: dict[str, Any], runs: int,
            budget_s: float = 30.0) -> Measure:
    """Median wall time of ``runs`` POSTs (fewer if a run is slow: at least 3 within
    ``budget_s``), after one warm-up; the response bytes as transferred and uncompressed."""
    data = json.dumps(payload).encode()
    # the app refuses state-changing requests without a matching Origin (as browsers send it)
    headers = {"Content-Type": "application/json", "Accept-Encoding": BROWSER_ENCODINGS,
               "Origin": url}

    def post() -> bytes:
        resp = session.post(url + UPDATE, data=data, headers=headers, timeout=300,
                            stream=True)
        resp.raise_for_status()
        return resp.raw.read()  # as sent, not decoded

    wire = len(post())
    times: list[float] = []
    t_start = time.perf_counter()
    while len(times) < runs and (len(times) < 3 or time.perf_counter() - t_start < budget_s):
        t0 = time.perf_counter()
        post()
        times.append((time.perf_counter() - t0) * 1000)
    plain = session.post(url + UPDATE, data=data, timeout=300, headers={
        "Content-Type": "application/json", "Accept-Encoding": "identity", "Origin": url})
    plain.raise_for_status()
    body = plain.content
    return Measure(statistics.median(times), wire, len(body),
                   len(gzip.compress(body, 6)), json.loads(body))


def measure_get_sequence(session: requests.Session, url: str, paths: list[str],
                         post: dict[str, Any] | None, runs: int) -> float:
    """Median total ms of the requests a first page load makes to the server (page, layout,
    dependencies, first callback, geometry), JS bundles excluded."""
    totals: list[float] = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        for path in paths:
            session.get(url + path, headers={"Accept-Encoding": "gzip"}).raise_for_status()
        if post is not None:
            session.post(url + UPDATE, json=post, headers={"Origin": url}).raise_for_status()
        if i:
            totals.append((time.perf_counter() - t0) * 1000)
    return statistics.median(totals)


@dataclass
class BrowserRun:
    paint_s: float
    bytes: int
    payload: dict[str, Any] | None
    response: dict[str, Any] | None


def browser_load(browser, url: str, painted: str, n: int,
                 capture: Callable[[str], bool]) -> BrowserRun:
    """One cold page load in a fresh context: seconds until the map is painted, bytes
    received, and the first callback request matching ``capture`` with its response."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE")
    page = context.new_page()
    responses: list = []
    page.on("response", lambda r: responses.append(r))
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(painted, arg=n, timeout=120_000, polling="raf")
    paint_s = time.perf_counter() - t0
    page.wait_for_load_state("networkidle")
    total = 0
    payload = response = None
    for r in responses:
        try:
            total += r.request.sizes()["responseBodySize"]
        except Exception:  # a response without a body (204, 304)
            continue
        post = r.request.post_data
        if payload is None and UPDATE in r.url and post and capture(post) and r.status == 200:
            payload, response = json.loads(post), r.json()
    context.close()
    return BrowserRun(paint_s, total, payload, response)


# --- the benchmark ---------------------------------------------------------------------------
@dataclass
class Row:
    label: str
    naive: Measure
    ours: Measure


def _feature(session: requests.Session, url: str, area_id: str) -> dict[str, Any]:
    """The GeoJSON feature a click on ``area_id`` sends as clickData (dash-leaflet)."""
    for feat in session.get(url).json()["features"]:
        if feat["properties"]["id"] == area_id:
            return feat
    raise KeyError(area_id)


def run_atlas(gpkg: Path, label: str, runs: int, paint_runs: int) -> str:
    from playwright.sync_api import sync_playwright

    h = hierarchy(gpkg)
    print(f"\n== {label}: {gpkg} ({h.n_top} Kreise, {h.n_gemeinden} Gemeinden; "
          f"Kreis {h.kreis} mit {h.n_kreis_children} Gemeinden, Gemeinde {h.gemeinde})")
    ours, naive = Server("ours", gpkg), Server("naive", gpkg)
    rows: list[Row] = []
    try:
        for srv in (ours, naive):
            srv.start()
            print(f"{srv.kind:6} first page {srv.startup_s:5.1f} s after start")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            is_ours_nav = lambda post: "flaechen.hideout" in post  # noqa: E731
            is_naive = lambda post: "karte.figure" in post  # noqa: E731
            paint: dict[str, list[BrowserRun]] = {"ours": [], "naive": []}
            for _ in range(paint_runs):
                paint["ours"].append(browser_load(browser, ours.url + "/", OURS_PAINTED,
                                                  h.n_top, is_ours_nav))
                paint["naive"].append(browser_load(browser, naive.url + "/", NAIVE_PAINTED,
                                                   h.n_top, is_naive))
            o_root = paint["ours"][0]
            o_kreis = browser_load(browser, f"{ours.url}/?gebiet={h.kreis}", OURS_PAINTED,
                                   h.n_kreis_children, is_ours_nav)
            o_level = browser_load(browser, f"{ours.url}/?ebene=gemeinde", OURS_PAINTED,
                                   h.n_gemeinden, is_ours_nav)
            n_root = paint["naive"][0]
            browser.close()

        s = requests.Session()
        # --- ours: the captured first requests, changed as a user would
        o_root_p = apply_response(o_root.payload, o_root.response)
        o_kreis_p = apply_response(o_kreis.payload, o_kreis.response)
        o_level_p = apply_response(o_level.payload, o_level.response)
        version = o_root.response["response"]["flaechen"]["url"].split("v=")[1]
        kreis_feat = _feature(s, f"{ours.url}/geo/gebiete/_.json?v={version}", h.kreis)
        gem_feat = _feature(s, f"{ours.url}/geo/gebiete/{h.kreis}.json?v={version}", h.gemeinde)

        def click(base: dict[str, Any], feat: dict[str, Any]) -> dict[str, Any]:
            clicks = (value_of(base, "flaechen.n_clicks") or 0) + 1
            return change(base, "flaechen.n_clicks", **{"flaechen.n_clicks": clicks,
                                                        "flaechen.clickData": feat})

        years = [o["value"] for o in o_kreis.response["response"]["jahr"]["options"]]
        year = value_of(o_kreis_p, "jahr.value")
        other_year = years[years.index(year) - 1]
        ours_cases = {
            "ind_kreis": change(o_kreis_p, "indikator.value",
                                **{"indikator.value": OTHER_INDICATOR}),
            "ind_level": change(o_level_p, "indikator.value",
                                **{"indikator.value": OTHER_INDICATOR}),
            "year": change(o_kreis_p, "jahr.value", **{"jahr.value": other_year}),
            "drill": click(o_root_p, kreis_feat),
            "profile": click(o_kreis_p, gem_feat),
        }
        # --- naive: the same steps on its one callback
        n_root_p = apply_response(n_root.payload, n_root.response)
        n_click = lambda base, aid: change(  # noqa: E731
            base, "karte.clickData", **{"karte.clickData": {"points": [
                {"curveNumber": 0, "location": aid, "hovertext": aid}]}})
        n_drill = n_click(n_root_p, h.kreis)
        n_kreis_p = apply_response(n_drill, s.post(naive.url + UPDATE, json=n_drill, headers={"Origin": naive.url}).json())
        n_lvl = change(n_root_p, "ebene.value", **{"ebene.value": "gemeinde"})
        n_level_p = apply_response(n_lvl, s.post(naive.url + UPDATE, json=n_lvl, headers={"Origin": naive.url}).json())
        naive_cases = {
            "ind_kreis": change(n_kreis_p, "indikator.value",
                                **{"indikator.value": OTHER_INDICATOR}),
            "ind_level": change(n_level_p, "indikator.value",
                                **{"indikator.value": OTHER_INDICATOR}),
            "year": change(n_kreis_p, "jahr.value", **{"jahr.value": other_year}),
            "drill": n_drill,
            "profile": n_click(n_kreis_p, h.gemeinde),
        }
        labels = {
            "ind_kreis": f"Indikatorwechsel, {h.n_kreis_children} Gemeinden eines Kreises",
            "ind_level": f"Indikatorwechsel, alle {h.n_gemeinden} Gemeinden",
            "year": f"Jahreswechsel, {h.n_kreis_children} Gemeinden eines Kreises",
            "drill": f"Drill-down in einen Kreis ({h.n_kreis_children} Gemeinden)",
            "profile": "Gebietsprofil einer Gemeinde öffnen",
        }
        for key, text in labels.items():
            o = measure(s, ours.url, ours_cases[key], runs)
            n = measure(s, naive.url, naive_cases[key], runs)
            assert "flaechen" in o.body["response"] and "karte" in n.body["response"], key
            rows.append(Row(text, n, o))
            print(f"{text:48} bytes {n.wire:>10,} / {o.wire:>8,} = {n.wire / o.wire:6.1f}x"
                  f" (naive gzip: {n.gzip_bytes / o.wire:5.1f}x)"
                  f"   ms {n.ms:8.1f} / {o.ms:6.1f} = {n.ms / o.ms:5.1f}x")
        # --- ours loads a drilled view's geometry by URL (once per data version; then the
        # browser's cache): its gzip bytes and server time belong to the drill-down
        geo_kreis = f"{ours.url}/geo/gebiete/{h.kreis}.json?v={version}"
        geo_times = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            geo_resp = s.get(geo_kreis, headers={"Accept-Encoding": "gzip"}, stream=True)
            geo_bytes = len(geo_resp.raw.read())
            geo_times.append((time.perf_counter() - t0) * 1000)
        geo_ms = statistics.median(geo_times[1:])
        print(f"{'  + Geometrie per URL (Drill-down, gzip)':48} bytes {geo_bytes:>10,}"
              f"   ms {geo_ms:6.1f}")
        # --- first page load: server requests (JS bundles excluded) and the browser
        geo = f"/geo/gebiete/_.json?v={version}"
        first_ours = measure_get_sequence(s, ours.url, ["/", "/_dash-layout",
                                                        "/_dash-dependencies", geo],
                                          o_root.payload, max(5, runs // 3))
        first_naive = measure_get_sequence(s, naive.url, ["/", "/_dash-layout",
                                                          "/_dash-dependencies"],
                                           n_root.payload, max(5, runs // 3))
        p_o = statistics.median(r.paint_s for r in paint["ours"])
        p_n = statistics.median(r.paint_s for r in paint["naive"])
        b_o = statistics.median(r.bytes for r in paint["ours"])
        b_n = statistics.median(r.bytes for r in paint["naive"])
        mem_o, mem_n = ours.peak_mib(), naive.peak_mib()
        print(f"{'Erster Seitenaufruf (Server)':48} ms {first_naive:8.1f} / {first_ours:6.1f}"
              f" = {first_naive / first_ours:5.1f}x")
        print(f"{'Karte aller Kreise gemalt (Chromium)':48} s {p_n:6.2f} / {p_o:6.2f}"
              f" = {p_n / p_o:5.1f}x   bytes {b_n:,.0f} / {b_o:,.0f}")
        print(f"{'Spitzenspeicher je Worker':48} MiB {mem_n:6.0f} / {mem_o:6.0f}")
        print(f"{'Start bis erste Seite':48} s {naive.startup_s:6.1f} / {ours.startup_s:6.1f}")
    finally:
        ours.stop()
        naive.stop()

    def kb(n: float) -> str:
        return f"{n / 1000:,.1f} KB".replace(",", "X").replace(".", ",").replace("X", ".")

    def num(x: float, d: int = 1) -> str:
        return f"{x:,.{d}f}".replace(",", "X").replace(".", ",").replace("X", ".")

    lines = [
        f"Atlas: {label} ({h.n_top} Kreise, {h.n_gemeinden} Gemeinden), Median aus bis zu "
        f"{runs} Anfragen je Szenario über HTTP, {paint_runs} Seitenaufrufe in Chromium.",
        "",
        "Antworten so, wie sie zum Browser gehen; die naive App komprimiert wie Dash "
        "standardmäßig nicht (in Klammern: ihre Antwort mit gzip und das Verhältnis, wenn "
        "auch sie komprimierte).",
        "",
        "| Szenario | Antwort naiv | Antwort Bildungsatlas | naiv/unser | Serverzeit naiv | "
        "Serverzeit Bildungsatlas | naiv/unser |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.label} | {kb(r.naive.wire)} (gzip {kb(r.naive.gzip_bytes)}) | "
            f"{kb(r.ours.wire)} ({kb(r.ours.raw)} unkomprimiert) | "
            f"{num(r.naive.wire / r.ours.wire)}× ({num(r.naive.gzip_bytes / r.ours.wire)}×) | "
            f"{num(r.naive.ms)} ms | {num(r.ours.ms)} ms | {num(r.naive.ms / r.ours.ms)}× |")
    lines += [
        f"| dazu beim Drill-down: Geometrie der {h.n_kreis_children} Gemeinden per URL "
        f"(einmal je Datenstand, danach aus dem Browser-Cache) | – | {kb(geo_bytes)} gzip | "
        f"– | – | {num(geo_ms)} ms | – |",
        f"| Erster Seitenaufruf (Seite, Layout, erster Callback, Geometrie) | {kb(b_n)} "
        f"gesamt | {kb(b_o)} gesamt | {num(b_n / b_o)}× | {num(first_naive)} ms | "
        f"{num(first_ours)} ms | {num(first_naive / first_ours)}× |",
        "",
        "| Je App | naiv | Bildungsatlas |",
        "|---|--:|--:|",
        f"| Karte aller {h.n_top} Kreise gemalt (Headless-Chromium, kalter Cache) | "
        f"{num(p_n, 2)} s | {num(p_o, 2)} s |",
        f"| Spitzenspeicher je Worker (VmHWM) | {num(mem_n, 0)} MiB | {num(mem_o, 0)} MiB |",
        f"| Start bis zur ersten Seite | {num(naive.startup_s)} s | {num(ours.startup_s)} s |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stress", action="store_true",
                        help=f"also the stress atlas ({STRESS}; built if missing)")
    parser.add_argument("--only-stress", action="store_true")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--paint-runs", type=int, default=5)
    args = parser.parse_args()
    atlases = [] if args.only_stress else [(DEMO, "demo", "Demo-Atlas")]
    if args.stress or args.only_stress:
        if not STRESS.exists():
            from bench.stress_atlas import build

            build(STRESS)
        atlases.append((STRESS, "stress", "Stress-Atlas"))
    for gpkg, key, label in atlases:
        md = run_atlas(gpkg, label, args.runs, args.paint_runs)
        out = ROOT_DIR / "bench" / f"results_{key}.md"
        out.write_text(md, encoding="utf-8")
        print(f"\n{md}\nwritten to {out.relative_to(ROOT_DIR)}")


if __name__ == "__main__":
    main()
