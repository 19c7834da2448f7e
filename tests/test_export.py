"""Exports read back: PNG size and dpi, PDF text (pdftotext), SVG as XML, CSV through pandas,
XLSX through openpyxl; suppressed values never appear as numbers in any of them."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image

from geodata import reports as export
from geodata.model.entities import ROOT
from geodata.model.settings import DEFAULT_CONFIG
from geodata.views.mapview import compute_map
from geodata.views.state import parse_query
from tests.conftest import half_up

GG = "gebiet=06433&indikator=sgb2_quote_u15&jahr=2023"  # 14 Gemeinden, no special states
FFM_LEAVERS = "gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023"  # 46 Stadtteile
GEMEINDEN = "ebene=gemeinde&indikator=sgb2_quote_u15&jahr=2023"
DAY = dt.date(2026, 3, 5)
SYMBOLS = ["·", "–", "n. b."]


def de(value: float, decimals: int = 1) -> str:
    """German number without thousands dots, rounded half up as published, formatted here
    independently of the app."""
    return f"{half_up(value, decimals):.{decimals}f}".replace(".", ",")


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext fehlt: apt-get install poppler-utils")
    path = tmp_path / "export.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True).stdout.decode("utf-8")
    return re.sub(r"[ \t]+", " ", out)


def expected_states(repo, parent: str, ind_id: str, year: int) -> dict[str, str]:
    """States of the children of ``parent`` by the documented rules, computed from the raw
    repository values for one view of leaf areas under a published parent: a count (for a
    rate: its numerator or its denominator) of 1 or 2 is suppressed; in each sum (the
    children's counts, the children's numerators, the children's denominators) a single
    suppressed cell takes the smallest other non-zero one with it; a rate is suppressed with
    either of its counts, and a suppressed rate takes its numerator with it (also a numerator
    of 0); until nothing changes. Under 300 residents: not rated."""
    ind = repo.indicators[ind_id]
    ids = list(repo.children_of(parent))
    out: dict[str, str] = {}
    present = [a for a in ids if repo.value(a, ind_id, year) is not None]

    def small(v):
        return v is not None and 0 < v < 3

    def count(cid, a):
        v = repo.value(a, cid, year)
        return None if v is None else v.value

    if ind.kind == "count":
        groups = {ind_id: {a: count(ind_id, a) for a in ids}}
    else:
        groups = {c: {a: count(c, a) for a in ids} for c in (ind.numerator, ind.denominator)}
    hidden = {c: {a for a, v in g.items() if small(v)} for c, g in groups.items()}
    rate_hidden = set()
    changed = True
    while changed:
        changed = False
        for c, g in groups.items():
            if all(v is not None for v in g.values()) and len(hidden[c]) == 1:
                others = [(v, a) for a, v in g.items() if a not in hidden[c] and v]
                hidden[c].add(min(others)[1])
                changed = True
        if ind.kind != "count":
            num, den = ind.numerator, ind.denominator
            for a in present:
                if a not in rate_hidden and (a in hidden[num] or a in hidden[den]):
                    rate_hidden.add(a)
                    changed = True
                if a in rate_hidden and a not in hidden[num] and (
                        a not in hidden[den] or groups[num][a] == 0):
                    hidden[num].add(a)
                    changed = True
    secret = hidden[ind_id] if ind.kind == "count" else rate_hidden
    for a in ids:
        if a not in present:
            out[a] = "keine_daten"
            continue
        pops = [(y, repo.value(a, "einwohner", y)) for y in repo.years_for("einwohner")]
        pops = [(y, v.value) for y, v in pops if v is not None]
        earlier = [p for y, p in pops if y <= year] or [p for _, p in pops]
        pop = earlier[-1] if earlier else None
        if a in secret:
            out[a] = "gesperrt"
        elif pop is not None and pop < 300:
            out[a] = "nicht_bewertet"
        else:
            out[a] = "ok"
    return out


@pytest.fixture(scope="module")
def gg_state(repo):
    state, notes = parse_query(GG, repo)
    assert not notes
    return state


@pytest.fixture(scope="module")
def ffm_state(repo):
    state, notes = parse_query(FFM_LEAVERS, repo)
    assert not notes
    return state


@pytest.fixture(scope="module")
def ffm_suppressed(repo):
    states = expected_states(repo, "06412000", "quote_ohne_abschluss", 2023)
    suppressed = [a for a, s in states.items() if s == "gesperrt"]
    assert len(suppressed) >= 2  # the demo data has small numerators in Frankfurt
    return suppressed


# --- map: PNG, PDF, SVG ----------------------------------------------------------------------
def test_png_a4_is_300_dpi_with_the_screens_class_colours(repo, gg_state):
    data = export.render_map(repo, gg_state, "png", "a4quer", created=DAY)
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    # A4 landscape at 300 dpi: 297 × 210 mm.
    assert img.size == (round(297 / 25.4 * 300), round(210 / 25.4 * 300)) == (3508, 2480)
    assert img.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    colours = {c for _, c in img.convert("RGB").getcolors(maxcolors=1 << 22)}
    # The five YlGnBu classes (more need = dark) fill areas, as on screen.
    for hexcol in ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"):
        assert tuple(int(hexcol[i:i + 2], 16) for i in (1, 3, 5)) in colours, hexcol


def test_png_portrait_and_pixel_size_for_slides(repo, gg_state):
    img = Image.open(io.BytesIO(export.render_map(repo, gg_state, "png", "a4hoch")))
    assert img.size == (2480, 3508)
    img = Image.open(io.BytesIO(export.render_map(repo, gg_state, "png", "px", 1920, 1080)))
    assert img.size == (1920, 1080)


def test_pdf_has_title_legend_bounds_scale_and_attribution(repo, gg_state, tmp_path):
    data = export.render_map(repo, gg_state, "pdf", "a4quer", created=DAY)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    assert "SGB-II-Quote unter 15 Jahren 2023" in text
    assert "14 Gemeinden in Groß-Gerau" in text
    # Legend: the smallest and largest published values of the 14 Gemeinden (none is
    # suppressed here: every numerator is at least 3), and each class bound shown.
    ids = repo.children_of("06433")
    vals = [repo.value(a, "sgb2_quote_u15", 2023) for a in ids]
    assert all(v.numerator >= 3 for v in vals) and len(ids) == 14
    assert de(min(v.value for v in vals)) in text and de(max(v.value for v in vals)) in text
    md = compute_map(repo, gg_state)
    for lo, hi in zip(md.classification.lower, md.classification.upper, strict=True):
        assert f"{de(lo)} – {de(hi)} %" in text
    assert "Quantile, 5 Klassen" in text
    assert "gesperrt ·" in text and "keine Daten" in text and "nicht bewertet" in text
    # Attribution as the licences require, the synthetic marker, the date, the scale.
    assert repo.sources["bkg_vg250"].text in text
    assert "dl-de/by-2-0" in text
    assert "synthetische Beispielwerte" in text
    assert "Erstellt am 05.03.2026" in text
    assert "km" in text and "Maßstab ca. 1:" in text
    style = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))["hausstil"]
    assert style["fusszeile"] in text


def test_svg_is_valid_xml_with_title(repo, gg_state):
    data = export.render_map(repo, gg_state, "svg", "a4hoch")
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.attrib["width"].removesuffix("pt")) == pytest.approx(210 / 25.4 * 72,
                                                                            abs=0.2)
    assert "SGB-II-Quote unter 15 Jahren 2023" in data.decode("utf-8")


def test_map_marks_suppressed_areas_and_never_prints_their_values(repo, ffm_state,
                                                                 ffm_suppressed, tmp_path):
    text = pdf_text(export.render_map(repo, ffm_state, "pdf", "a4hoch", labels=True),
                    tmp_path)
    # The legend row "gesperrt ·" carries the number of suppressed Stadtteile.
    assert re.search(rf"gesperrt · {len(ffm_suppressed)}\b", text)
    ok_values = {de(repo.value(a, "quote_ohne_abschluss", 2023).value)
                 for a in repo.children_of("06412000") if a not in ffm_suppressed}
    for a in ffm_suppressed:
        shown = de(repo.value(a, "quote_ohne_abschluss", 2023).value)
        if shown not in ok_values:  # a legend bound is the value of a published area
            assert shown not in text, a
    # The PNG draws the suppression pattern: its dot colour and white face are present.
    png = Image.open(io.BytesIO(export.render_map(repo, ffm_state, "png", "px", 800, 1000)))
    colours = {c for _, c in png.convert("RGB").getcolors(maxcolors=1 << 22)}
    assert (0x44, 0x44, 0x44) in colours


def test_institutions_and_labels(repo, ffm_state, tmp_path):
    state = replace(ffm_state, arten=("schule",))
    text = pdf_text(export.render_map(repo, state, "pdf", "a4quer", institutions=True),
                    tmp_path)
    n = sum(1 for i in repo.institutions_in("06412000") if i.lon is not None
            and i.type == "schule")
    assert n > 100
    assert re.search(rf"Schulen \(Standorte\) {n}\b", text.replace(".", ""))
    assert "jedeschule.de" in text


def test_house_style_logo_and_footer(repo, gg_state, tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 100), (255, 0, 0)).save(logo)
    style = export.HouseStyle(schrift="DejaVu Sans", farbe_titel="#006400", logo=logo,
                              fusszeile="Bildungsbüro Testkreis")
    png = Image.open(io.BytesIO(export.render_map(repo, gg_state, "png", "px", 1200, 800,
                                                  style=style))).convert("RGB")
    w, h = png.size
    top_right = png.crop((w // 2, 0, w, h // 6))
    assert (255, 0, 0) in {c for _, c in top_right.getcolors(maxcolors=1 << 22)}
    assert (0, 100, 0) in {c for _, c in png.getcolors(maxcolors=1 << 22)}  # title colour
    text = pdf_text(export.render_map(repo, gg_state, "pdf", "a4quer", style=style), tmp_path)
    assert "Bildungsbüro Testkreis" in text


def test_house_style_from_configuration():
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))["hausstil"]
    style = export.house_style()
    assert style.farbe_titel == raw["farbe_titel"] and style.fusszeile == raw["fusszeile"]
    assert style.schrift in (raw["schrift"], "DejaVu Sans")


def test_bad_format_paper_and_size_are_german_errors(repo, gg_state):
    with pytest.raises(ValueError, match="Format „gif“"):
        export.render_map(repo, gg_state, "gif", "a4quer")
    with pytest.raises(ValueError, match="Papierformat"):
        export.render_map(repo, gg_state, "png", "a3")
    with pytest.raises(ValueError, match="Breite und Höhe"):
        export.render_map(repo, gg_state, "png", "px", 1920, None)
    with pytest.raises(ValueError, match="zwischen"):
        export.render_map(repo, gg_state, "png", "px", 100000, 100)


def test_parallel_exports_give_the_same_image(repo, gg_state, ffm_state):
    jobs = [(gg_state, 640, 480), (ffm_state, 480, 640)] * 2
    one = [export.render_map(repo, s, "png", "px", w, h, created=DAY) for s, w, h in jobs]
    with ThreadPoolExecutor(4) as pool:
        par = list(pool.map(lambda j: export.render_map(repo, j[0], "png", "px", j[1], j[2],
                                                        created=DAY), jobs))
    assert par == one


# --- tables ----------------------------------------------------------------------------------
def read_csv(data: bytes, **kw) -> pd.DataFrame:
    kw.setdefault("keep_default_na", False)
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"Schlüssel": str}, **kw)


def test_csv_round_trips_with_symbols_for_suppressed_values(repo, ffm_state, ffm_suppressed):
    data = export.table_csv(repo, ffm_state)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and text.splitlines()[0].startswith("Schlüssel;Gebiet;Ebene;")
    df = read_csv(data)
    value_col = "Schulabgänger ohne Abschluss 2023 (%)"
    num_col = "Zähler: Schulabgängerinnen und Schulabgänger ohne Abschluss"
    den_col = "Nenner: Schulabgängerinnen und Schulabgänger"
    assert list(df.columns[:4]) == ["Schlüssel", "Gebiet", "Ebene", value_col]
    ids = list(repo.children_of("06412000"))
    assert list(df["Schlüssel"][:46]) == ids  # map order, leading zeros kept
    states = expected_states(repo, "06412000", "quote_ohne_abschluss", 2023)
    body = df.iloc[:46]
    assert (body[value_col] == "·").sum() == len(ffm_suppressed)
    lines = text.splitlines()[1:]
    for i, aid in enumerate(ids):
        raw = repo.value(aid, "quote_ohne_abschluss", 2023)
        row = body.iloc[i]
        if states[aid] == "gesperrt":
            assert row[value_col] == "·"
            assert row["Hinweis"] == "gesperrt (Geheimhaltung)"
            cells = lines[i].split(";")
            assert de(raw.value) not in cells
            assert repr(raw.value).replace(".", ",") not in lines[i]
            # A count may be shown (it is published on its own), but never both, and never
            # a small one: the rate and the missing count do not follow.
            assert "·" in (row[num_col], row[den_col])
            for c in (row[num_col], row[den_col]):
                assert c == "·" or int(c) == 0 or int(c) >= 3
        elif states[aid] == "ok":
            assert float(row[value_col].replace(",", ".")) == half_up(raw.value, 1)
    # With the symbols as missing values the column reads as numbers.
    numeric = read_csv(data, na_values=SYMBOLS)
    ok = [i for i, a in enumerate(ids) if states[a] == "ok"]
    assert numeric[value_col].dtype == float
    assert numeric[value_col].iloc[ok].tolist() == [
        half_up(repo.value(ids[i], "quote_ohne_abschluss", 2023).value, 1) for i in ok]
    # After the areas: the city as a whole, then its Land, for reference.
    city = repo.value("06412000", "quote_ohne_abschluss", 2023)
    assert numeric.iloc[46]["Gebiet"] == "Frankfurt am Main (insgesamt)"
    assert numeric.iloc[46][value_col] == half_up(city.value, 1)
    assert numeric.iloc[47]["Gebiet"] == "Hessen (insgesamt)" and len(numeric) == 48


def test_csv_ranks_and_classes(repo, gg_state):
    df = read_csv(export.table_csv(repo, gg_state), keep_default_na=True)
    col = "SGB-II-Quote unter 15 Jahren 2023 (%)"
    body = df.iloc[:14]
    values = body[col]  # no special state in this view: the column reads as numbers
    assert values.dtype == float
    assert values.tolist() == [half_up(repo.value(a, "sgb2_quote_u15", 2023).value, 1)
                               for a in repo.children_of("06433")]
    # higher_worse: rank 1 is the highest value (issue 15: the column says "nach Bedarf").
    rank = "Rang nach Bedarf (1 = größter Bedarf)"
    assert body.loc[values.idxmax(), rank] == 1
    assert body.loc[values.idxmin(), rank] == 14
    assert sorted(body["Klasse"].astype(int).unique()) == [1, 2, 3, 4, 5]
    assert body.loc[values.idxmin(), "Klasse"] == 1


def test_change_table_has_both_years_and_the_difference(repo):
    state, notes = parse_query("gebiet=06433&indikator=betreuungsquote_u3&jahr=2023"
                               "&vergleich=2019", repo)
    assert not notes
    df = read_csv(export.table_csv(repo, state), na_values=SYMBOLS)
    old, new = "Betreuungsquote unter 3 Jahren 2019 (%)", "Betreuungsquote unter 3 Jahren 2023 (%)"
    change = "Veränderung 2019–2023 (Prozentpunkte)"
    for i, aid in enumerate(repo.children_of("06433")):
        a = half_up(repo.value(aid, "betreuungsquote_u3", 2023).value, 1)
        b = half_up(repo.value(aid, "betreuungsquote_u3", 2019).value, 1)
        assert df.iloc[i][new] == a and df.iloc[i][old] == b
        # The change of the published values, so that the columns agree (issue 15).
        assert df.iloc[i][change] == pytest.approx(half_up(a - b, 1))


def test_xlsx_has_data_and_metadata(repo, ffm_state, ffm_suppressed):
    wb = load_workbook(io.BytesIO(export.table_xlsx(repo, ffm_state)))
    assert wb.sheetnames == ["Daten", "Metadaten"]
    ws = wb["Daten"]
    header = [c.value for c in ws[1]]
    vcol = header.index("Schulabgänger ohne Abschluss 2023 (%)")
    ncol = header.index("Zähler: Schulabgängerinnen und Schulabgänger ohne Abschluss")
    by_id = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    for aid in repo.children_of("06412000"):
        raw = repo.value(aid, "quote_ohne_abschluss", 2023)
        row = by_id[aid]
        if aid in ffm_suppressed:
            assert row[vcol] == "·" and "·" in (row[ncol], row[ncol + 1])
            assert raw.value not in row and half_up(raw.value, 1) not in row
        elif isinstance(row[vcol], float):
            assert row[vcol] == half_up(raw.value, 1)
    meta = "\n".join(str(c) for r in wb["Metadaten"].iter_rows(values_only=True) for c in r
                     if c is not None)
    ind = repo.indicators["quote_ohne_abschluss"]
    assert ind.description in meta and ind.source in meta
    assert repo.indicators["abgaenger_ohne_abschluss"].name in meta  # numerator definition
    assert "Quantile, 5 Klassen" in meta and "2023" in meta
    assert "Anzahlen unter 3" in meta  # the suppression rule
    assert repo.sources["bkg_vg250"].text in meta
    assert "46 Stadtteile in Frankfurt am Main" in meta


def test_view_table_for_all_gemeinden(repo):
    state, _ = parse_query(GEMEINDEN, repo)
    cols, rows, meta = export.view_table(repo, state)
    # the Gemeinden, the whole atlas, and each Land (the atlas covers two)
    assert len(rows) == 1528 + 3 and rows[-3][1] == f"{repo.settings.overall_name} (insgesamt)"
    assert [r[1] for r in rows[-2:]] == ["Hessen (insgesamt)", "Baden-Württemberg (insgesamt)"]
    md = compute_map(repo, state)
    v = cols.index("SGB-II-Quote unter 15 Jahren 2023 (%)")
    for row, st in zip(rows, md.states, strict=False):
        assert (row[v] == "·") == (st == "gesperrt")
    assert meta["ansicht"] == "1528 Gemeinden"


# --- area profile ----------------------------------------------------------------------------
def test_profile_pdf_one_page_with_table_references_ranks_and_sources(repo, tmp_path,
                                                                     ffm_suppressed):
    ok_area = "06412000-012"  # Bockenheim
    data = export.render_profile_pdf(repo, ok_area, 2023, created=DAY)
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout
    assert re.search(rb"Pages:\s+1\n", info) and b"(A4)" in info
    text = pdf_text(data, tmp_path)
    assert "Bockenheim" in text and "Steckbrief".upper() in text
    line = next(ln for ln in text.splitlines() if "SGB-II-Quote unter 15 Jahren" in ln)
    own = repo.value(ok_area, "sgb2_quote_u15", 2023).value
    city = repo.value("06412000", "sgb2_quote_u15", 2023).value
    # The Land reference (issue 15): Hessen = the Kreise with keys 06…, from summed counts.
    hessen = [k for k in repo.children_of(ROOT) if k.startswith("06")]
    num = sum(repo.value(k, "kinder_u15_sgb2", 2023).value for k in hessen)
    den = sum(repo.value(k, "kinder_u15", 2023).value for k in hessen)
    assert "Hessen" in text
    assert f"{de(own)} {de(city)} {de(100 * num / den)}" in line
    # Rank among the 46 Stadtteile (1 = highest rate), counted here.
    peers = [repo.value(a, "sgb2_quote_u15", 2023) for a in repo.children_of("06412000")]
    states = expected_states(repo, "06412000", "sgb2_quote_u15", 2023)
    ranked = [v.value for v, a in zip(peers, repo.children_of("06412000"), strict=True)
              if states[a] == "ok"]
    rank = 1 + sum(1 for v in ranked if v > own)
    assert f"{rank}/{len(ranked)}" in line
    schools = [i for i in repo.institutions_in(ok_area)]
    assert f"Einrichtungen ({len(schools)})" in text
    assert schools[0].name in text
    assert "Quellen der Werte:" in text and "jedeschule.de" in text
    assert repo.sources["bkg_vg250"].text in text
    assert "Erstellt am 05.03.2026" in text

    sup = ffm_suppressed[0]
    text = pdf_text(export.render_profile_pdf(repo, sup, 2023), tmp_path)
    line = next(ln for ln in text.splitlines() if "Schulabgänger ohne Abschluss" in ln)
    raw = repo.value(sup, "quote_ohne_abschluss", 2023).value
    assert "·" in line and de(raw) not in line


def test_profile_of_a_gemeinde_defaults_to_newest_year(repo, tmp_path):
    text = pdf_text(export.render_profile_pdf(repo, "06433012"), tmp_path)
    newest = max(y for ind in repo.indicators for y in repo.years_for(ind)
                 if repo.value("06433012", ind, y) is not None)
    assert "Rüsselsheim am Main" in text and f"Jahr {newest}" in text
    assert "Groß-Gerau" in text  # the parent column


# --- file names ------------------------------------------------------------------------------
def test_file_names_are_ascii_and_german(repo, gg_state, ffm_state):
    assert export.export_filename(repo, ffm_state, "png") == (
        "bildungsatlas_quote_ohne_abschluss_2023_frankfurt_am_main.png")
    assert export.export_filename(repo, gg_state, "csv") == (
        "bildungsatlas_sgb2_quote_u15_2023_gross_gerau.csv")
    state, _ = parse_query(GEMEINDEN + "&vergleich=2019", repo)
    assert export.export_filename(repo, state, "xlsx") == (
        "bildungsatlas_sgb2_quote_u15_2019_2023_gemeinden.xlsx")
    name = export.profile_filename(repo, "06433012", 2023)
    assert name == "bildungsatlas_steckbrief_ruesselsheim_am_main_2023.pdf"
    assert name.isascii()
