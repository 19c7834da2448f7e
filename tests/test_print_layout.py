"""Print layouts never clip: every paper and pixel size, rendered with the catalogue's longest
indicator name made longer still, all sources (indicator, geometry, institutions) and every
area name, is checked from what the files contain:

- PDF: the word boxes that ``pdftotext -bbox`` (poppler) reads back all lie on the page,
  inside its margins, and no two overlap; the fonts are embedded TrueType (text stays text);
- SVG: names and titles are ``<text>`` elements (searchable, editable), not outlines;
- PNG: the outer margin rows and columns are white (nothing runs off the page).
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
from itertools import combinations

import numpy as np
import pytest
from PIL import Image

from geodata import reports
from geodata.views.state import parse_query, view_areas

PAPERS = [("a4quer", None, None), ("a4hoch", None, None), ("px", 1920, 1080),
          ("px", 1024, 768), ("px", 800, 1000)]
MARGIN_PT = 0.2 * 72  # everything at least 0.2 in (5 mm) from the edge; the layout uses 0.45
LONG_TAIL = " (Anteil an allen Kindern der Altersgruppe am Stichtag 31.12., einschließlich " \
            "der Kindertagespflege und der Angebote freier Träger)"


@pytest.fixture(scope="module")
def stress(repo):
    """The demo atlas with its longest indicator name 130 characters longer."""
    ind = max(repo.indicators.values(), key=lambda i: len(i.name))
    longer = dataclasses.replace(ind, name=ind.name + LONG_TAIL)
    big = dataclasses.replace(repo, indicators={**repo.indicators, ind.id: longer})
    state, notes = parse_query(f"gebiet=06412000&indikator={ind.id}&jahr=2023&schulen=an"
                               "&namen=an", big)
    assert not notes
    return big, state, longer


def pdf_words(pdf: bytes, tmp_path) -> tuple[float, float, list[tuple[float, ...]]]:
    path = tmp_path / "karte.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    words = [tuple(float(v) for v in m.groups()[:4]) + (m.group(5),) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]
    return float(page.group(1)), float(page.group(2)), words


def overlapping(words) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap by more than a hair (poppler's boxes are the
    font's ascent to descent, so lines 1.3 em apart just touch)."""
    bad = []
    for a, b in combinations(words, 2):
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        if w > 0.5 and h > 0.3 * min(a[3] - a[1], b[3] - b[1]):
            bad.append((a[4], b[4]))
    return bad


@pytest.mark.parametrize("paper,w,h", PAPERS, ids=[p[0] + (f"{p[1]}x{p[2]}" if p[1] else "")
                                                   for p in PAPERS])
def test_pdf_text_inside_the_page_and_never_overlapping(stress, tmp_path, paper, w, h):
    repo, state, ind = stress
    pdf = reports.render_map(repo, state, "pdf", paper, w, h, labels=True, institutions=True)
    pw, ph, words = pdf_words(pdf, tmp_path)
    assert len(words) > 100
    outside = [wd for wd in words if wd[0] < MARGIN_PT or wd[1] < MARGIN_PT
               or wd[2] > pw - MARGIN_PT or wd[3] > ph - MARGIN_PT]
    assert not outside, outside[:5]
    assert not overlapping(words), overlapping(words)[:5]
    text = " ".join(wd[4] for wd in words)
    # The whole title (its last words and the year), every source, the footer.
    assert "freier Träger) 2023" in text
    for needed in ("GeoBasis-DE", "GV-ISys", "jedeschule.de", "Erstellt am"):
        assert needed in text, needed
    names = {repo.areas[a].name for a in view_areas(state, repo)}
    assert len(names) == 46
    shown = {n for n in names if n in text}
    assert len(shown) >= 10, shown  # the names that fit (the others would overlap)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                           check=True).stdout.decode()
    rows = [r for r in fonts.splitlines()[2:] if r.strip()]
    assert rows and all("TrueType" in r and " yes " in r for r in rows), fonts


def test_profile_pdf_columns_and_footer_fit(repo, tmp_path):
    """The Steckbrief of Frankfurt (a long parent name column header, many institutions,
    all sources in the footer): no overlapping words, nothing off the page."""
    pdf = reports.render_profile_pdf(repo, "06412000-012", 2023)
    pw, ph, words = pdf_words(pdf, tmp_path)
    assert not [wd for wd in words if wd[0] < MARGIN_PT or wd[2] > pw - MARGIN_PT
                or wd[3] > ph - MARGIN_PT]
    assert not overlapping(words), overlapping(words)[:5]
    text = " ".join(wd[4] for wd in words)
    assert "Erstellt am" in text and "Einschulungsuntersuchung" in text


def test_svg_keeps_text_as_text(stress):
    repo, state, ind = stress
    svg = reports.render_map(repo, state, "svg", "a4quer", labels=True,
                             institutions=True).decode()
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    joined = " ".join(texts)
    assert "Sachsenhausen-Süd" in texts  # the largest area's name, as an element
    assert "Kindertagespflege" in joined and "GeoBasis-DE" in joined
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    vw, vh = float(view.group(1)), float(view.group(2))
    for x, y in re.findall(r'<text\b[^>]*\bx="([-\d.]+)" y="([-\d.]+)"', svg):
        assert 0 <= float(x) <= vw and 0 <= float(y) <= vh


@pytest.mark.parametrize("paper,w,h", PAPERS[:3], ids=["a4quer", "a4hoch", "px1920x1080"])
def test_png_margins_stay_white(stress, paper, w, h):
    repo, state, ind = stress
    png = reports.render_map(repo, state, "png", paper, w, h, labels=True, institutions=True)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    rows, cols = img.shape
    dpi = max(rows, cols) / (297 / 25.4)
    edge = int(0.2 * dpi)
    for strip in (img[:edge], img[-edge:], img[:, :edge], img[:, -edge:]):
        assert strip.min() >= 250, "something drawn in the page margin"
    assert img[edge:-edge, edge:-edge].min() < 100  # and the page has content
