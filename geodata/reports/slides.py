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
from geodata.reports.style import FALLBACK_FONT, STATE_STYLE, house_style, wrap_text
from geodata.statistics.published import PublishedAtlas
from geodata.views.state import ViewState

SLIDE_W, SLIDE_H = Emu(12192000), Emu(6858000)  # 16:9, PowerPoint's own "Breitbild"
ROWS_PER_SLIDE = 10
TABLE_W = 12.5  # inches, the tables' width on every slide
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


def _title_fit(text: str, size: float) -> tuple[float, float]:
    """The title's size (``size`` pt or smaller, down to 20 pt, so that it fits on one line)
    and its box height in inches, measured with the house font."""
    width = 12.5 - 0.2  # the text box minus its insets (0.1 in each side)
    pt = size
    lines = wrap_text(text, width, pt, family=FALLBACK_FONT, weight="bold")
    while len(lines) > 1 and pt > 20:
        pt -= 2
        lines = wrap_text(text, width, pt, family=FALLBACK_FONT, weight="bold")
    return pt, len(lines) * pt * 1.2 / 72 + 0.1


def _title_height(text: str, size: float) -> float:
    return _title_fit(text, size)[1]


def _title(slide, text: str, size: float, title_color: str) -> float:
    """The slide's title, at ``size`` pt or smaller (down to 20 pt) so that it fits on one
    line, else wrapped: measured with the house font, so what follows is placed below its
    last line. Returns the title's bottom edge in inches."""
    pt, height = _title_fit(text, size)
    _text(slide, Inches(0.4), Inches(0.2), Inches(12.5), Inches(height), text, pt, True,
          title_color)
    return 0.2 + height


def _map_slide(prs, c: ViewContent, title_color: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    top = _title(slide, c.title, 28, title_color)
    _text(slide, Inches(0.4), Inches(top), Inches(12.5), Inches(0.4), c.subtitle, 16,
          color="#555555")
    pic_top = top + 0.5
    pic = slide.shapes.add_picture(io.BytesIO(c.map_png), Inches(0.4), Inches(pic_top),
                                   height=Inches(min(5.2, 6.65 - pic_top)))
    pic._element.nvPicPr.cNvPr.set("descr", c.alt_text)
    left = pic.left + pic.width + Inches(0.3)
    width = SLIDE_W - left - Inches(0.4)
    rows = [r for r in c.legend if r.color or r.count]
    table = slide.shapes.add_table(len(rows), 2, left, Inches(pic_top), width,
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


def _column_widths(heads: Sequence[str]) -> list[float]:
    """Column widths in inches: the name column (the first) wide enough for most names on
    one or two lines, the rest shared equally."""
    if len(heads) < 3:
        return [TABLE_W / len(heads)] * len(heads)
    first = 4.6
    return [first] + [(TABLE_W - first) / (len(heads) - 1)] * (len(heads) - 1)


def _row_height(cells: Sequence[str], widths: Sequence[float], bold: bool = False) -> float:
    """Height in inches a table row needs at 16 pt: its tallest cell's wrapped lines (measured
    with the house font) plus the cell margins."""
    weight = "bold" if bold else "normal"
    lines = max(len(wrap_text(text, w - 0.2, 16, family=FALLBACK_FONT, weight=weight))
                for text, w in zip(cells, widths, strict=True))
    return lines * 16 * 1.2 / 72 + 0.1


def _row_slides(prs, title: str, heads: Sequence[str], rows: Sequence[Sequence[str]],
                numeric: Sequence[bool], title_color: str, note: str = "") -> None:
    """A table on as many slides as it needs, 16 pt, the header on every slide; rows are
    measured so that no slide's table runs past its bottom (at most ROWS_PER_SLIDE rows)."""
    widths = _column_widths(heads)
    head_h = _row_height(heads, widths, bold=True)
    top = max(1.1, _title_height(f"{title} (99/99)", 24) + 0.3)
    room = 7.5 - 0.2 - top - head_h - (0.45 if note else 0.0)
    chunks: list[list[Sequence[str]]] = [[]]
    used = 0.0
    for row in rows:
        h = _row_height(row, widths)
        if chunks[-1] and (used + h > room or len(chunks[-1]) >= ROWS_PER_SLIDE):
            chunks.append([])
            used = 0.0
        chunks[-1].append(row)
        used += h
    pages = len(chunks)
    for page, chunk in enumerate(chunks):
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        _title(slide, f"{title} ({page + 1}/{pages})", 24, title_color)
        heights = [head_h] + [_row_height(r, widths) for r in chunk]
        shape = slide.shapes.add_table(len(chunk) + 1, len(heads), Inches(0.4), Inches(top),
                                       Inches(TABLE_W), Inches(sum(heights)))
        table = shape.table
        for j, w in enumerate(widths):
            table.columns[j].width = Inches(w)
        for i, h in enumerate(heights):
            table.rows[i].height = Inches(h)
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
            _text(slide, Inches(0.4), Inches(6.95), Inches(12.5), Inches(0.4), note, 12)


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
