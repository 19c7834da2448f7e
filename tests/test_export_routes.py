"""Download routes: file type, name, German errors; suppressed values never as numbers."""

import io

import pandas as pd

VIEW = "gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023"


def test_map_png_download(client):
    resp = client.get("/export/karte.png?gebiet=06433&indikator=sgb2_quote_u15&jahr=2023"
                      "&papier=px&breite=800&hoehe=600")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="bildungsatlas_sgb2_quote_u15_2023_gross_gerau.png"')
    # IHDR holds width and height (big-endian) right after the signature.
    assert int.from_bytes(resp.data[16:20], "big") == 800
    assert int.from_bytes(resp.data[20:24], "big") == 600


def test_table_csv_download_keeps_suppressed_values_as_symbols(client, repo):
    resp = client.get(f"/export/tabelle.csv?{VIEW}")
    assert resp.status_code == 200 and resp.data.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(resp.data), sep=";", decimal=",", encoding="utf-8-sig",
                     dtype=str)
    small = {q for q in repo.children_of("06412000")
             if (v := repo.value(q, "abgaenger_ohne_abschluss", 2023)) and 0 < v.value < 3}
    assert small
    rows = df[df.iloc[:, 0].isin(small)]
    assert len(rows) == len(small)
    value_col = df.columns[3]
    assert set(rows[value_col]) == {"·"}


def test_profile_pdf_and_errors(client):
    resp = client.get("/export/steckbrief/06412000-012.pdf?jahr=2023")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert client.get("/export/steckbrief/999.pdf").get_json() == {
        "fehler": "Das Gebiet „999“ ist unbekannt."}
    assert client.get("/export/steckbrief/06412000-012.pdf?jahr=20x3").get_json() == {
        "fehler": "„20x3“ (Parameter jahr) ist keine Jahreszahl."}
    bad = client.get("/export/karte.png?papier=px&breite=zehn")
    assert bad.status_code == 400 and "Parameter breite" in bad.get_json()["fehler"]
    assert client.get("/export/karte.gif").status_code == 404
