"""Word, PowerPoint and PDF reports, opened with python-docx, python-pptx and poppler: the
picture (300 dpi, alt text), the table cells against the CSV export of the same view (read
here with csv; numbers compared as numbers, suppressed cells "·"), the sources, the slide
size; the report basket's order; the batch of Steckbriefe of Groß-Gerau's 14 Gemeinden
(names from the GV-ISys file) and its limit.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import time
from urllib.parse import quote

import pytest
from docx import Document
from pptx import Presentation
from pptx.util import Emu

from tests.conftest import SOURCES

VIEW = "gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023"  # has suppressed values
EMU_PER_INCH = 914400
# A state-changing request needs the app's own Origin (issue 16: CSRF protection).
SAME_ORIGIN = {"Origin": "http://localhost"}


def csv_table(client, query: str) -> list[list[str]]:
    resp = client.get("/export/tabelle.csv?" + query)
    assert resp.status_code == 200
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))


def as_number(text: str) -> float | str:
    """A German-formatted number as a float; symbols and names stay text."""
    t = text.strip()
    try:
        return float(t.replace(".", "").replace(",", ".")) if "," in t or "." in t else float(t)
    except ValueError:
        return t


def csv_number(text: str) -> float | str:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def test_docx_has_picture_table_and_sources(client):
    resp = client.get("/export/bericht.docx?" + VIEW)
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].endswith('.docx"')
    doc = Document(io.BytesIO(resp.data))
    shape = doc.inline_shapes[0]
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    image = doc.part.related_parts[blip.embed].image
    dpi = image.px_width / (shape.width / EMU_PER_INCH)
    assert dpi >= 295, dpi  # a 300-dpi picture at its size on the page
    alt = shape._inline.docPr.get("descr")
    assert alt.startswith("Karte: Schulabgänger") and "Klassen" in alt
    expected = csv_table(client, VIEW)
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == expected[0])
    got = [[c.text for c in row.cells] for row in table.rows]
    # header, 46 Stadtteile, Frankfurt itself and (issue 15: Land references) Hessen
    assert len(got) == len(expected) == 49
    dotted = 0
    for want, have in zip(expected[1:], got[1:], strict=True):
        for w, h in zip(want, have, strict=True):
            if w == "·":
                dotted += 1
            assert csv_number(w) == as_number(h) or w == h, (want, have)
    assert dotted > 0  # the suppressed cells stay "·"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "GeoBasis-DE" in text and "Stand: Atlasversion" in text and "Legende" in text


def test_pptx_is_16_9_with_picture_and_the_csv_numbers(client):
    resp = client.get("/export/bericht.pptx?" + VIEW)
    assert resp.status_code == 200
    prs = Presentation(io.BytesIO(resp.data))
    assert (prs.slide_width, prs.slide_height) == (Emu(12192000), Emu(6858000))  # 16:9
    first = prs.slides[0]
    pics = [s for s in first.shapes if s.shape_type == 13]  # PICTURE
    assert len(pics) == 1
    pic = pics[0]
    assert pic.image.size[0] / (pic.width / EMU_PER_INCH) >= 295
    assert pic._element.nvPicPr.cNvPr.get("descr").startswith("Karte: ")
    texts = " ".join(s.text_frame.text for s in first.shapes if s.has_text_frame)
    assert "GeoBasis-DE" in texts and "Stand:" in texts
    expected = {r[1]: r[3] for r in csv_table(client, VIEW)[1:]}
    seen = {}
    for slide in list(prs.slides)[1:]:
        for shape in slide.shapes:
            if shape.has_table:
                rows = list(shape.table.rows)
                for row in rows[1:]:
                    name, value = row.cells[0].text, row.cells[1].text
                    seen[name] = value
                    size = row.cells[0].text_frame.paragraphs[0].runs[0].font.size
                    assert size.pt >= 16  # large type for projection
    assert seen.keys() == expected.keys()
    assert all(csv_number(expected[n]) == as_number(v) for n, v in seen.items())
    assert "·" in seen.values()


def test_basket_keeps_its_order_in_every_format(client, tmp_path):
    views = ["indikator=sgb2_quote_u15&jahr=2023",
             "gebiet=06433&auswahl=06433001&indikator=einwohner&jahr=2023", VIEW]
    query = "&".join("bericht=" + quote(v) for v in views)
    docx = Document(io.BytesIO(client.get("/export/bericht.docx?" + query).data))
    heads = [p.text for p in docx.paragraphs if p.style.name == "Heading 1"]
    assert [h.split(" 2023")[0] for h in heads] == [
        "SGB-II-Quote unter 15 Jahren", "Einwohnerinnen und Einwohner",
        "Schulabgänger ohne Abschluss"]
    assert len(docx.inline_shapes) == 3
    assert any(p.text.startswith("Steckbrief Biebesheim am Rhein") for p in docx.paragraphs)
    pptx = Presentation(io.BytesIO(client.get("/export/bericht.pptx?" + query).data))
    with_picture = [s for s in pptx.slides if any(sh.shape_type == 13 for sh in s.shapes)]
    assert len(with_picture) == 3
    pdf = client.get("/export/bericht.pdf?" + query).data
    path = tmp_path / "korb.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+4\n", info)  # three maps and the one area's Steckbrief
    too_many = "&".join(["bericht=" + quote(views[0])] * 13)
    resp = client.get("/export/bericht.docx?" + too_many)
    assert resp.status_code == 400 and "höchstens 12" in resp.get_json()["fehler"]
    assert client.get("/export/bericht.odt?" + VIEW).status_code == 404


def test_batch_of_the_14_gemeinden_with_progress(client, tmp_path):
    with open(SOURCES / "gemeinden_bevoelkerung_2023.csv", encoding="utf-8") as fh:
        names = [r["gv_name"].split(",")[0] for r in csv.DictReader(fh)
                 if r["ags"].startswith("06433")]
    assert len(names) == 14
    start = client.post("/export/serie.pdf?gebiet=06433&indikator=einwohner&jahr=2023", headers=SAME_ORIGIN)
    assert start.status_code == 202
    job = start.get_json()
    assert job["gesamt"] == 14
    seen = []
    for _ in range(120):
        st = client.get(f"/export/serie/{job['auftrag']}").get_json()
        seen.append(st["fertig"])
        if st["status"] == "fertig":
            break
        assert st["status"] == "läuft"
        time.sleep(0.25)
    assert st["status"] == "fertig" and st["fertig"] == 14
    assert seen == sorted(seen)  # progress only goes forward
    resp = client.get(f"/export/serie/{job['auftrag']}/datei")
    path = tmp_path / "serie.pdf"
    path.write_bytes(resp.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+14\n", info)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          text=True).stdout
    pages = text.split("\f")
    for name in names:
        assert sum(name in p for p in pages) >= 1, name
    # Word: the same 14 Steckbriefe as headings.
    start = client.post("/export/serie.docx?gebiet=06433&indikator=einwohner&jahr=2023", headers=SAME_ORIGIN)
    job = start.get_json()
    for _ in range(120):
        if client.get(f"/export/serie/{job['auftrag']}").get_json()["status"] == "fertig":
            break
        time.sleep(0.25)
    doc = Document(io.BytesIO(client.get(f"/export/serie/{job['auftrag']}/datei").data))
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert len(heads) == 14 and all(h.startswith("Steckbrief ") for h in heads)


def test_batch_limit_and_unknown_jobs(client):
    resp = client.post("/export/serie.pdf?ebene=gemeinde&indikator=einwohner&jahr=2023", headers=SAME_ORIGIN)
    assert resp.status_code == 400
    assert "1528 Gebiete" in resp.get_json()["fehler"]
    assert client.get("/export/serie/" + "0" * 24).status_code == 404
    assert client.get("/export/serie/" + "zz" * 12 + "/datei").status_code == 404
    assert client.post("/export/serie.xlsx?gebiet=06433", headers=SAME_ORIGIN).status_code == 404


@pytest.mark.parametrize("fmt", ["docx", "pptx"])
def test_reports_of_a_change_map_and_a_need_index(client, index_dir, fmt):
    for query in ("gebiet=06412000&indikator=betreuungsquote_u3&jahr=2023&vergleich=2019",
                  "index=frankfurt_chancenindex"):
        resp = client.get(f"/export/bericht.{fmt}?{query}")
        assert resp.status_code == 200, resp.data[:200]


def test_named_sozialraum_as_table_and_steckbrief(client):
    """Bockenheim, Sachsenhausen-Nord and Gallus taken together: the population is the sum
    of the three 2012 figures of the city's file (read here)."""
    members = {"Bockenheim", "Sachsenhausen-Nord", "Gallus"}
    with open(SOURCES / "stadtteile_frankfurt_bevoelkerung_2011_2012.csv",
              encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["jahr"] == "2012"
                and r["quarter_name"] in members]
    ids = ",".join(r["quarter_id"] for r in rows)
    total = sum(int(r["einwohner"]) for r in rows)
    query = (f"gebiet=06412000&auswahl={ids}&ansicht=sozialraum&name=Sozialraum%20West"
             "&indikator=einwohner&jahr=2012")
    resp = client.get("/export/sozialraum.csv?" + query)
    assert resp.status_code == 200
    assert "sozialraum_sozialraum_west_2012.csv" in resp.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Sozialraum Sozialraum West 2012"]
    pop = next(r for r in table if r and r[0].startswith("Einwohnerinnen und Einwohner"))
    assert pop[1] == str(total)
    doc = Document(io.BytesIO(client.get("/export/bericht.docx?" + query).data))
    assert any(p.text == "Sozialraum Sozialraum West 2012" for p in doc.paragraphs)
    bad = client.get("/export/sozialraum.csv?gebiet=06412000&auswahl=06412000-012")
    assert bad.status_code == 400 and "zwei" in bad.get_json()["fehler"]


def _lines_needed(text: str, size_pt: float, width_in: float, bold: bool = True) -> int:
    """Lines a DejaVu Sans text of ``size_pt`` needs in ``width_in``, measured here with
    Pillow's own FreeType binding (not the report's measuring code), greedy by words."""
    from PIL import ImageFont
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/" + name,
                              size=int(size_pt * 10))  # 10× for sub-point precision
    lines, current = 1, ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if font.getlength(trial) / 10 / 72 > width_in and current:
            lines, current = lines + 1, word
        else:
            current = trial
    return lines


def test_pptx_titles_never_run_into_what_follows(client):
    """The longest indicator's title (it wraps at 28 pt): the title box is tall enough for the
    lines it needs, and the subtitle, the map and the tables start below it; every table row
    is as tall as its longest cell's lines need, so no table runs past the slide's bottom."""
    view = "gebiet=06412000&indikator=sprachfoerderbedarf&jahr=2023&auswahl=06412000-032"
    prs = Presentation(io.BytesIO(client.get("/export/bericht.pptx?" + view).data))
    for slide in prs.slides:
        texts = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text]
        title = min(texts, key=lambda s: s.top)
        run = title.text_frame.paragraphs[0].runs[0]
        size = run.font.size.pt
        assert size >= 20
        need = _lines_needed(title.text_frame.text, size, (title.width - 2 * 91440) / 914400)
        assert title.height / 914400 >= need * size * 1.15 / 72, (title.text_frame.text, size)
        bottom = title.top + title.height
        for shape in slide.shapes:
            if shape.shape_id != title.shape_id:
                assert shape.top >= bottom, (title.text_frame.text, shape.name)
                assert shape.top + shape.height <= prs.slide_height, shape.name
            if shape.has_table:
                table = shape.table
                for i, row in enumerate(table.rows):
                    for j, cell in enumerate(row.cells):
                        width = table.columns[j].width / 914400 - 0.2  # minus the margins
                        lines = _lines_needed(cell.text, 16, width, bold=i == 0)
                        assert row.height / 914400 >= lines * 16 * 1.15 / 72, cell.text
