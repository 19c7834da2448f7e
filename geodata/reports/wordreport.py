"""Word reports (DOCX, python-docx): the current view or a basket of views, and the batch
of Steckbriefe of every area of a map.

Per view: heading, subtitle, the print map as a 300-dpi picture with alt text, the legend as
a table with coloured cells, the view's table as a real Word table (German number format,
suppressed values "·", numbers right-aligned, the header row repeated on every page), the
selected area's profile, sources and date. Everything is editable text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from geodata.reports.content import ViewContent, partial_note, profile_table, view_content
from geodata.reports.style import STATE_STYLE, house_style
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas
from geodata.statistics.suppression import SYMBOL
from geodata.views.credits import attribution_lines
from geodata.views.state import ViewState

MAP_WIDTH_CM = 16.0


def _shade(cell, hex_color: str) -> None:
    """Fill a table cell with a colour (Word's cell shading)."""
    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_color.lstrip("#").upper())
    props.append(shd)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _widths(columns: Sequence[str], total_cm: float, first_cm: float,
            lead: int = 1) -> list[float]:
    """Column widths: the ``lead`` text columns wide (``first_cm`` shared), numbers evenly."""
    rest = (total_cm - first_cm) / max(1, len(columns) - lead)
    return [first_cm / lead] * lead + [rest] * (len(columns) - lead)


def _set_widths(table, widths: Sequence[float]) -> None:
    """Column widths in cm, in the grid (LibreOffice reads it) and every cell (Word)."""
    table.autofit = False
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _table(doc, columns: Sequence[str], rows: Sequence[Sequence[str]],
           numeric: Sequence[bool], size: float = 8,
           widths: Sequence[float] | None = None) -> None:
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = widths is None
    for cell, name in zip(table.rows[0].cells, columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
        run.font.size = Pt(size)
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for k, (cell, text) in enumerate(zip(cells, row, strict=True)):
            par = cell.paragraphs[0]
            run = par.add_run(text)
            run.font.size = Pt(size)
            if numeric[k]:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if widths:
        _set_widths(table, widths)


def _picture(doc, png: bytes, alt: str, width_cm: float) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(width_cm))
    shape = doc.inline_shapes[-1]
    shape._inline.docPr.set("descr", alt)  # the alt text Word shows and reads out
    shape._inline.docPr.set("title", alt[:120])


def _view(doc, c: ViewContent, color: RGBColor) -> None:
    head = doc.add_heading(c.title, level=1)
    for run in head.runs:
        run.font.color.rgb = color
    doc.add_paragraph(c.subtitle)
    _picture(doc, c.map_png, c.alt_text, MAP_WIDTH_CM)
    doc.add_heading("Legende", level=2)
    legend = doc.add_table(rows=0, cols=3)
    legend.style = "Table Grid"
    for r in c.legend:
        cells = legend.add_row().cells
        _shade(cells[0], r.color or STATE_STYLE[r.state or "keine_daten"][0])
        cells[0].text = "" if r.color else {"keine_daten": "–", "gesperrt": "·",
                                            "nicht_bewertet": "n. b."}[r.state or "keine_daten"]
        cells[1].text = r.label
        cells[2].text = str(r.count)
        cells[2].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell in legend.columns[0].cells:
        cell.width = Cm(1.2)
    _set_widths(legend, (1.2, 10.0, 2.0))
    doc.add_paragraph(" · ".join(c.legend_notes)).runs[0].font.size = Pt(8)
    if c.profile_rows:
        doc.add_heading(c.profile_title, level=2)
        _table(doc, c.profile_columns, c.profile_rows,
               [False] + [True] * (len(c.profile_columns) - 1), size=8.5,
               widths=_widths(c.profile_columns, 16.6, 6.6))
        if note := partial_note(c.profile_rows):
            doc.add_paragraph(note).runs[0].font.size = Pt(8)
    # The view's table has up to ten columns: it gets a landscape page of its own.
    _landscape(doc, True)
    doc.add_heading(f"Tabelle: {c.title}", level=2)
    _table(doc, c.columns, c.rows, c.numeric, widths=_widths(c.columns, 25.0, 8.0, lead=3))
    if c.truncated:
        doc.add_paragraph(f"… und {c.truncated} weitere Zeilen: die vollständige Tabelle "
                          "enthält der CSV- oder XLSX-Export.")
    doc.add_heading("Quellen", level=2)
    for line in c.sources:
        doc.add_paragraph(line, style="List Bullet").runs[0].font.size = Pt(8)
    doc.add_paragraph(c.stand).runs[0].font.size = Pt(8)


def _landscape(doc, on: bool) -> None:
    """Start a new section (page) in landscape or portrait."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    w, h = section.page_width, section.page_height
    if on != (w > h):
        section.page_width, section.page_height = h, w
    section.orientation = WD_ORIENT.LANDSCAPE if on else WD_ORIENT.PORTRAIT


def _document(repo: PublishedAtlas):
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = house_style().schrift
    style.font.size = Pt(10)
    doc.core_properties.author = repo.settings.title
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2.2)
    return doc


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def report_docx(repo: PublishedAtlas, states: Sequence[ViewState],
                created: dt.date | None = None) -> bytes:
    """A Word report of one or several views, each starting on a new page."""
    created = created or dt.date.today()
    doc = _document(repo)
    doc.core_properties.title = "Bericht aus dem " + repo.settings.title
    color = RGBColor.from_string(house_style().farbe_titel.lstrip("#").upper())
    for k, state in enumerate(states):
        if k:
            _landscape(doc, False)
        _view(doc, view_content(repo, state, created), color)
    return _save(doc)


def batch_docx(repo: PublishedAtlas, area_ids: Sequence[str], year: int,
               created: dt.date | None = None,
               progress: Callable[[int], None] | None = None) -> bytes:
    """The Steckbriefe of ``area_ids`` in one Word file, one area per page; ``progress`` is
    called with the number done after each area."""
    created = created or dt.date.today()
    doc = _document(repo)
    doc.core_properties.title = "Steckbriefe"
    for k, area_id in enumerate(area_ids):
        if k:
            doc.add_page_break()
        state = ViewState(repo.view_parent_above(area_id), area_id,
                          next(iter(repo.indicators)), year)
        title, cols, rows = profile_table(repo, state)
        doc.add_heading(title, level=1)
        area = repo.areas[area_id]
        pop = repo.latest(area_id, "einwohner")
        facts = [repo.level(area.level).name, f"Schlüssel {area_id}"]
        if pop is not None and pop[1].state == "ok" and pop[1].value is not None:
            facts.append(f"{format_number(pop[1].value)} Einwohner ({pop[0]})")
        elif pop is not None and pop[1].state == "gesperrt":
            facts.append(f"Einwohner {SYMBOL['gesperrt']} ({pop[0]}, gesperrt)")
        doc.add_paragraph(" · ".join(facts))
        _table(doc, cols, rows, [False] + [True] * (len(cols) - 1), size=8.5,
               widths=_widths(cols, 16.6, 6.6))
        if note := partial_note(rows):
            doc.add_paragraph(note).runs[0].font.size = Pt(8)
        if progress:
            progress(k + 1)
    doc.add_heading("Quellen", level=2)
    for line in attribution_lines(repo, list(repo.indicators), False):
        doc.add_paragraph(line, style="List Bullet").runs[0].font.size = Pt(8)
    doc.add_paragraph(f"Jahr {year}, erstellt am {created:%d.%m.%Y}").runs[0].font.size = Pt(8)
    return _save(doc)
