"""A bounded load test (issue 16): ``gunicorn -w 2`` on loopback, then 10, 25 and 50
concurrent sessions, each a visitor who opens the page, drills into Frankfurt, switches the
indicator, opens a quarter's profile and (every 10th session) exports a PNG map.

    python3 -m bench.load [--sitzungen 10,25,50] [--runden 3]

Prints per load level: requests, errors, p50/p95/p99 per request type, and the RSS of each
worker before and after (PNG-export memory should stay flat). Never part of the tests'
pass/fail. Uses the demo GeoPackage (``BILDUNGSATLAS_GPKG``), no sign-in.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

from bench.dashcall import callback_body

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _layout_key(base: str) -> tuple[str, dict]:
    deps = requests.get(base + "/_dash-dependencies", timeout=30).json()
    for d in deps:
        if d["output"].startswith("..url.search...url-ersetzen"):
            return d["output"], d
    raise SystemExit("Seiten-Callback nicht gefunden")


def session(base: str, key: str, dep: dict, n: int, rounds: int, times: dict,
            errors: dict, lock: threading.Lock) -> None:
    http = requests.Session()
    headers = {"Origin": base}
    steps = [
        ("seite", "GET", "/", None),
        ("bohren", "POST", "/_dash-update-component", "?gebiet=06412000"),
        ("indikator", "POST", "/_dash-update-component",
         "?gebiet=06412000&indikator=sgb2_quote_u15&jahr=2023"),
        ("steckbrief", "POST", "/_dash-update-component",
         "?gebiet=06412000&indikator=sgb2_quote_u15&jahr=2023&auswahl=06412000-032"),
        ("geometrie", "GET", "/geo/gebiete/06412000.json", None),
    ]
    if n % 10 == 0:
        steps.append(("png", "GET", "/export/karte.png?gebiet=06412000&papier=px&breite=1200"
                      "&hoehe=800", None))
    for _ in range(rounds):
        for name, method, path, search in steps:
            t0 = time.perf_counter()
            try:
                if method == "GET":
                    r = http.get(base + path, timeout=120)
                else:
                    r = http.post(base + path, json=callback_body(key, dep, search),
                                  headers=headers, timeout=120)
                ok = r.status_code < 400
            except requests.RequestException:
                ok = False
            dt = time.perf_counter() - t0
            with lock:
                times[name].append(dt)
                if not ok:
                    errors[name] += 1


def rss_of_workers(master: int) -> dict[int, float]:
    out = {}
    kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    for pid in kids.split():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[int(pid)] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sitzungen", default="10,25,50")
    ap.add_argument("--runden", type=int, default=3)
    args = ap.parse_args(argv)
    port = _free_port()
    env = {**os.environ, "BILDUNGSATLAS_GPKG": str(ROOT / "geodata" / "atlas.gpkg"),
           "BILDUNGSATLAS_HOST": "127.0.0.1", "DASH_DISABLE_VERSION_CHECK": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--preload", "-w", "2",
                             "--threads", "4", "-b", f"127.0.0.1:{port}", "--timeout", "120",
                             "app:wsgi()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if requests.get(base + "/api/indikatoren", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        key, dep = _layout_key(base)
        print(f"gunicorn -w 2 --threads 4 auf {base}; {args.runden} Runden je Sitzung")
        for n in (int(x) for x in args.sitzungen.split(",")):
            times: dict[str, list[float]] = defaultdict(list)
            errors: dict[str, int] = defaultdict(int)
            lock = threading.Lock()
            before = rss_of_workers(proc.pid)
            started = time.perf_counter()
            threads = [threading.Thread(target=session, args=(base, key, dep, i, args.runden,
                                                              times, errors, lock))
                       for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            after = rss_of_workers(proc.pid)
            total = sum(len(v) for v in times.values())
            print(f"\n{n} Sitzungen: {total} Anfragen, {sum(errors.values())} Fehler, "
                  f"{wall:.1f} s, {total / wall:.1f} Anfragen/s")
            print(f"  {'Art':<11}{'Anz.':>6}{'Fehler':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
            for name, vals in times.items():
                print(f"  {name:<11}{len(vals):>6}{errors[name]:>8}{pct(vals, .5):>9.0f}"
                      f"{pct(vals, .95):>9.0f}{pct(vals, .99):>9.0f}")
            print("  RSS je Worker (MiB): " + ", ".join(
                f"{pid}: {before.get(pid, 0):.0f} → {mb:.0f}" for pid, mb in after.items()))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
