"""The attacker's second source: the files an anonymous visitor downloads as reports, read
with python-docx and python-pptx (written for the tests, independent of the app's writers).

- Word and PowerPoint reports of a report basket (``/export/bericht.docx|pptx?bericht=…``):
  the view's table (the same columns as the CSV: key, name, level, value, numerator,
  denominator, …) and the selected area's Steckbrief table (indicator, value, the labelled
  references, rank);
- the batch of Steckbriefe of every quarter of a city (``POST /export/serie.docx``, polled
  until done, then downloaded): one profile table per quarter under its heading;
- the Sozialraum table (``/export/sozialraum.csv``) of neighbouring quarters taken together:
  a combined area is a node of its own whose counts are the sums of its members' (so the
  attacker also tries "Sozialraum minus the published member").

Every cell goes to `Attacker.note` like the API, CSV and profile cells.
"""

from __future__ import annotations

import csv
import io
import re
import time
from typing import Any
from urllib.parse import quote

from docx import Document
from pptx import Presentation

from tests.attacker import Attacker


def _ind_by_header(atk: Attacker, header: str) -> tuple[str, int] | None:
    """(indicator, year) of a view table's value column ("Name 2023 (%)")."""
    m = re.match(r"(.*) (\d{4})(?: \(.*\))?$", header.strip())
    if not m:
        return None
    found = [i for i, c in atk.catalogue.items() if c["name"] == m.group(1)]
    return (found[0], int(m.group(2))) if found else None


def _profile_names(atk: Attacker) -> dict[str, str]:
    """Row label ("Name (unit)" or "Name") → indicator."""
    out = {}
    for i, c in atk.catalogue.items():
        out[c["name"]] = i
        if c.get("einheit"):
            out[f"{c['name']} ({c['einheit']})"] = i
    return out


def read_table(atk: Attacker, rows: list[list[str]], where: str, area: str | None = None,
               year: int | None = None) -> str:
    """One table of a report: a view table or a profile table (``area`` the profile's area,
    or a Sozialraum node). Returns which kind it was ("view", "profile" or "")."""
    if not rows or not rows[0]:
        return ""
    head = [h.strip() for h in rows[0]]
    if head[0] == "Schlüssel" and len(head) > 3:
        found = _ind_by_header(atk, head[3])
        if found is None:
            return ""
        atk._rows(head, rows[1:], found[0], found[1], where)
        return "view"
    if head[0] == "Gebiet" and len(head) > 1:  # a slide's table: name, value, rank, …
        found = _ind_by_header(atk, head[1])
        if found is None:
            return ""
        keyed = [[_key_of(atk, r[0]), r[0], "", r[1]] for r in rows[1:]]
        atk._rows(["Schlüssel", "Gebiet", "Ebene", head[1]], keyed, found[0], found[1], where)
        return "view"
    if head[0] != "Indikator" or area is None or year is None:
        return ""
    names = _profile_names(atk)
    labels = head[2:-1] if head[-1] == "Rang" else head[2:]
    for row in rows[1:]:
        ind = names.get(row[0].replace("\xad", "").strip())
        if ind is None:
            atk.unread.append(f"{where}: {row[0]}")
            continue
        text = row[1].strip()
        shown_year = year
        if m := re.match(r"(.*) \((\d{4})\)$", text):
            text, shown_year = m.group(1), int(m.group(2))
        atk.note((area, ind, shown_year), text, where)
        for label, cell in zip(labels, row[2:], strict=False):
            node = atk._profile_node(label)
            if node is None:
                continue
            cell = cell.strip()
            if cell.endswith("*"):
                node, cell = f"teil|{node}", cell[:-1]
            atk.note((node, ind, shown_year), cell, where)
    return "profile"


def _key_of(atk: Attacker, name: str) -> str:
    """An area's key from its name on a slide ("" for a Land or the whole atlas)."""
    base = name.removesuffix(" (insgesamt)")
    return atk.names.get(base) or atk.city_names.get(base, "")


def _docx_tables(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """(the heading before it, rows as text) of every table of a Word file, in order."""
    doc = Document(io.BytesIO(data))
    out, heading = [], ""
    body = doc.element.body
    tables = {t._tbl: t for t in doc.tables}
    paragraphs = {p._p: p for p in doc.paragraphs}
    for child in body.iterchildren():
        if child in paragraphs:
            p = paragraphs[child]
            if p.style.name.startswith("Heading"):
                heading = p.text
        elif child in tables:
            out.append((heading, [[c.text for c in r.cells] for r in tables[child].rows]))
    return out


def _pptx_tables(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """(the slide's title, rows as text) of every table of a presentation."""
    prs = Presentation(io.BytesIO(data))
    out = []
    for slide in prs.slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        if not title:
            texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
            title = texts[0] if texts else ""
        for shape in slide.shapes:
            if shape.has_table:
                out.append((title, [[c.text for c in r.cells] for r in shape.table.rows]))
    return out


def _profile_area(atk: Attacker, heading: str, names: dict[str, str]) -> tuple[str, int] | None:
    m = re.match(r"Steckbrief (.*) (\d{4})", heading.strip())
    if not m or m.group(1) not in names:
        return None
    return names[m.group(1)], int(m.group(2))


def harvest_basket(atk: Attacker, city: str, names: dict[str, str], views: list[str]) -> dict:
    """A Word and a PowerPoint report of the basket ``views`` (queries); their tables."""
    query = "&".join("bericht=" + quote(v, safe="") for v in views)
    seen = {"view": 0, "profile": 0}
    for fmt, reader in (("docx", _docx_tables), ("pptx", _pptx_tables)):
        data = atk.get(f"/export/bericht.{fmt}?{query}").data
        for heading, rows in reader(data):
            where = f"Bericht.{fmt}"
            found = _profile_area(atk, heading, names)
            kind = read_table(atk, rows, where, *(found or (None, None)))
            if kind:
                seen[kind] += 1
    return seen


def harvest_batch(atk: Attacker, city: str, year: int, names: dict[str, str]) -> int:
    """The Word batch of Steckbriefe of every area of the city's map; profile tables read."""
    atk.requests += 1
    resp = atk.client.post(f"/export/serie.docx?gebiet={city}&jahr={year}",
                           headers={"Origin": "http://localhost"})
    assert resp.status_code == 202, resp.data[:200]
    job = resp.get_json()["auftrag"]
    deadline = time.monotonic() + 300
    while True:
        state = atk.get(f"/export/serie/{job}").get_json()
        if state["status"] != "läuft":
            break
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    assert state["status"] == "fertig", state
    read = 0
    for heading, rows in _docx_tables(atk.get(f"/export/serie/{job}/datei").data):
        found = _profile_area(atk, heading, names)
        if found and read_table(atk, rows, "Steckbriefe.docx", *found) == "profile":
            read += 1
    return read


def harvest_sozialraeume(atk: Attacker, city: str, year: int, groups: list[list[str]]) -> int:
    """The Sozialraum CSV of each group of quarters; each group is a node summing its
    members (``soz|a+b``)."""
    for members in groups:
        node = "soz|" + "+".join(members)
        atk.children[node] = members
        text = atk.get(f"/export/sozialraum.csv?gebiet={city}&auswahl={','.join(members)}"
                       f"&ansicht=sozialraum&jahr={year}").data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        # title, header, rows, an empty line, then members and sources
        end = next((i for i, r in enumerate(rows) if not r), len(rows))
        table = rows[1:end]
        assert read_table(atk, table, "Sozialraum.csv", node, year) == "profile", table[:2]
        # A "·" carries no year: where a member has no value in ``year``, the row shows
        # another year, which the attacker cannot tell; it drops such a cell.
        known = atk.published.keys() | atk.secret
        for key in [k for k in atk.secret if k[0] == node]:
            if any((m, key[1], key[2]) not in known for m in members):
                atk.secret.discard(key)
                atk.seen_as.pop(key, None)
    return len(groups)


def quarter_names(atk: Attacker, city: str) -> dict[str, str]:
    """Name → key of the city's quarters (from the API); kept in ``atk.names``."""
    out: dict[str, Any] = {}
    for q in atk.children[city]:
        out[atk.get(f"/api/gebiete/{q}").get_json()["name"]] = q
    atk.names.update(out)
    return out
