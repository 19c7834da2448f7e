"""PowerPoint reports (PPTX, python-pptx) for projection: 16:9, large type.

Per view one slide with title, the map as a 300-dpi picture (alt text), the legend as a
table and the sources; the view's table follows on as many slides as it needs at 16 pt
(``Tabelle (1/3)``), as a real PowerPoint table with the CSV export's numbers in German
format and "·" for suppressed values.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from geodata.reports.content import ViewContent, view_content
from geodata.reports.style import STATE_STYLE, house_style
from geodata.statistics.published import PublishedAtlas
from geodata.views.state import ViewState

SLIDE_W, SLIDE_H = Emu(12192000), Emu(6858000)  # 16:9, PowerPoint's own "Breitbild"
ROWS_PER_SLIDE = 10
# The slide's table: name, value and the classification (the full table is in the CSV);
# None: the table's own header (the rank's wording follows the indicator's direction).
TABLE_COLUMNS = ("Gebiet", None, None, "Klasse", "Hinweis")


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#").upper())


def _text(slide, x, y, w, h, text: str, size: float, bold: bool = False,
          color: str = "#1a1a1a"):
    box = slide.shapes.add_textbox(x, y, w, h)
    frame = box.text_frame
    frame.word_wrap = True
    par = frame.paragraphs[0]
    run = par.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = _rgb(color)
    return box


def _map_slide(prs, c: ViewContent, title_color: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text(slide, Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.9), c.title, 28, True,
          title_color)
    _text(slide, Inches(0.4), Inches(0.95), Inches(12.5), Inches(0.4), c.subtitle, 16,
          color="#555555")
    pic = slide.shapes.add_picture(io.BytesIO(c.map_png), Inches(0.4), Inches(1.45),
                                   height=Inches(5.2))
    pic._element.nvPicPr.cNvPr.set("descr", c.alt_text)
    left = pic.left + pic.width + Inches(0.3)
    width = SLIDE_W - left - Inches(0.4)
    rows = [r for r in c.legend if r.color or r.count]
    table = slide.shapes.add_table(len(rows), 2, left, Inches(1.45), width,
                                   Inches(0.4) * len(rows)).table
    table.columns[0].width = Inches(0.6)
    table.columns[1].width = width - Inches(0.6)
    for i, r in enumerate(rows):
        swatch, label = table.cell(i, 0), table.cell(i, 1)
        swatch.fill.solid()
        swatch.fill.fore_color.rgb = _rgb(r.color or STATE_STYLE[r.state or "keine_daten"][0])
        label.fill.solid()
        label.fill.fore_color.rgb = _rgb("#ffffff")
        label.text = f"{r.label} ({r.count})"
        for par in label.text_frame.paragraphs:
            for run in par.runs:
                run.font.size = Pt(16)
                run.font.color.rgb = _rgb("#1a1a1a")
    _text(slide, Inches(0.4), Inches(6.7), Inches(12.5), Inches(0.75),
          " · ".join(c.sources) + " · " + c.stand, 10, color="#555555")


def _row_slides(prs, title: str, heads: Sequence[str], rows: Sequence[Sequence[str]],
                numeric: Sequence[bool], title_color: str, note: str = "") -> None:
    """A table on as many slides as it needs, 16 pt, the header on every slide."""
    pages = max(1, -(-len(rows) // ROWS_PER_SLIDE))
    for page in range(pages):
        chunk = rows[page * ROWS_PER_SLIDE:(page + 1) * ROWS_PER_SLIDE]
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        _text(slide, Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.8),
              f"{title} ({page + 1}/{pages})", 24, True, title_color)
        shape = slide.shapes.add_table(len(chunk) + 1, len(heads), Inches(0.4), Inches(1.1),
                                       Inches(12.5), Inches(0.42) * (len(chunk) + 1))
        table = shape.table
        for j, head in enumerate(heads):
            table.cell(0, j).text = head
        for i, row in enumerate(chunk, start=1):
            for j, text in enumerate(row):
                table.cell(i, j).text = text
        for i in range(len(chunk) + 1):
            for j in range(len(heads)):
                for par in table.cell(i, j).text_frame.paragraphs:
                    if numeric[j] and i:
                        par.alignment = PP_ALIGN.RIGHT
                    for run in par.runs:
                        run.font.size = Pt(16)
        if note and page == pages - 1:
            _text(slide, Inches(0.4), Inches(6.9), Inches(12.5), Inches(0.4), note, 12)


def _table_slides(prs, c: ViewContent, title_color: str) -> None:
    # The value shown on the map: the change column of a change map, else the year's value.
    value_col = 5 if len(c.columns) > 5 and c.columns[5].startswith("Veränderung") else 3
    picks = [1, value_col, len(c.columns) - 4, len(c.columns) - 3, len(c.columns) - 1]
    heads = [c.columns[i] if name is None else name
             for i, name in zip(picks, TABLE_COLUMNS, strict=True)]
    note = (f"… und {c.truncated} weitere Zeilen (vollständig im CSV-Export)"
            if c.truncated else "")
    _row_slides(prs, f"{c.title}: Tabelle", heads, [[r[k] for k in picks] for r in c.rows],
                [c.numeric[k] for k in picks], title_color, note)
    if c.profile_rows:  # the selected area's (or Sozialraum's) Steckbrief
        _row_slides(prs, c.profile_title, c.profile_columns, c.profile_rows,
                    [False] + [True] * (len(c.profile_columns) - 1), title_color)


def report_pptx(repo: PublishedAtlas, states: Sequence[ViewState],
                created: dt.date | None = None) -> bytes:
    """A 16:9 presentation of one or several views (see module docstring)."""
    created = created or dt.date.today()
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = "Bericht aus dem " + repo.settings.title
    color = house_style().farbe_titel
    for state in states:
        # 2400 × 1600 px shown 7.8 in wide: a little over 300 dpi on the slide.
        c = view_content(repo, state, created, map_px=(2400, 1600))
        _map_slide(prs, c, color)
        _table_slides(prs, c, color)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
