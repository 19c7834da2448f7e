"""Command line of the importer (same code path as the upload page).

Examples (see the user guide, docs/eigene-daten.md)::

    python -m geodata.importer --grenzen stadtteile.gpkg --ebene quartier --pruefen
    python -m geodata.importer --tabelle werte.csv --jahr 2023 --innerhalb 08212000
    python -m geodata.importer --tabelle 21111-02-06-4.csv --spalte "Insgesamt=wert:schulabgaenger:"
    python -m geodata.importer --tabelle deutschlandatlas.xlsx --blatt Deutschlandatlas_KRS1224
    python -m geodata.importer --grenzen stadtteile.zip --ebene quartier --entfernen
    python -m geodata.importer --versionen
    python -m geodata.importer --wiederherstellen basis

Prints the German report; exit code 0 = imported (or check passed), 1 = errors (nothing was
written), 2 = wrong call.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geodata.importer.boundaries import thresholds
from geodata.importer.core import ImportRequest, Upload, run_import
from geodata.importer.facilities import InstitutionOptions
from geodata.importer.geofile import BoundaryOptions
from geodata.importer.values import ValueOptions
from geodata.model.errors import AtlasError
from geodata.model.settings import DEFAULT_CONFIG, load_settings
from geodata.storage.store import default_store


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m geodata.importer",
        description="Importiert Gebietsgrenzen, Indikatortabellen und Einrichtungen in den "
                    "Bildungsatlas (als neue Version; die bisherige bleibt erhalten).")
    p.add_argument("--daten", type=Path, help="Datenordner (Standard: $BILDUNGSATLAS_DATA "
                   "oder daten/ im Projektordner; mit $BILDUNGSATLAS_DATABASE_URL und ohne "
                   "--daten: die PostGIS-Datenbank)")
    p.add_argument("--pruefen", action="store_true", help="nur prüfen, nichts schreiben")
    p.add_argument("--trotz-fehlern", action="store_true",
                   help="fehlerhafte Zeilen auslassen und den Rest importieren")
    p.add_argument("--notiz", default="", help="Notiz zur neuen Version")
    p.add_argument("--quelle", default="", help="Quellenangabe der importierten Daten "
                   "(Standard: die Angabe in der Datei, z. B. im Fuß einer GENESIS-Tabelle)")
    p.add_argument("--lizenz", default="", help="Lizenz der importierten Daten, z. B. "
                   "dl-de/by-2-0 (Standard: aus der Datei)")
    p.add_argument("--amtlich", action="store_true", help="die Werte sind amtliche Daten "
                   "(Standard: erkannt an der Quellenangabe der Datei)")
    p.add_argument("--entfernen", action="store_true", help="Gebiete mit Werten entfernen, "
                   "die in neuen Grenzen nicht mehr vorkommen (sonst bricht der Import ab)")
    p.add_argument("--bericht", type=Path, help="Bericht zusätzlich als CSV speichern")
    p.add_argument("--versionen", action="store_true", help="gespeicherte Versionen auflisten")
    p.add_argument("--wiederherstellen", metavar="VERSION", help="eine Version wieder aktivieren")
    g = p.add_argument_group("Gebietsgrenzen (GeoPackage, GeoJSON, gezipptes Shapefile)")
    g.add_argument("--grenzen", type=Path, action="append", default=[], metavar="DATEI")
    g.add_argument("--ebene", help="Ebene der Flächen, z. B. quartier")
    g.add_argument("--schluessel-spalte", help="Spalte mit dem Gebietsschlüssel")
    g.add_argument("--name-spalte", help="Spalte mit dem Namen")
    g.add_argument("--eltern-spalte", help="Spalte mit dem Schlüssel des übergeordneten Gebiets")
    g.add_argument("--crs", help="Koordinatensystem, falls die Datei keins angibt (EPSG:25832)")
    g.add_argument("--layer", help="Ebene (Layer) in einer GeoPackage-Datei mit mehreren")
    t = p.add_argument_group("Indikatortabellen (CSV, XLSX)")
    t.add_argument("--tabelle", type=Path, action="append", default=[], metavar="DATEI")
    t.add_argument("--jahr", type=int, help="Jahr aller Werte, wenn die Tabelle keins nennt")
    t.add_argument("--indikator", help="Indikator aller Werte (z. B. bei Jahren als Spalten)")
    t.add_argument("--zeilen-ebene", help="Ebene aller Zeilen, wenn keine Ebenenspalte da ist")
    t.add_argument("--blatt", help="Blatt einer Excel-Mappe (Standard: das Blatt mit den "
                   "Gebietsschlüsseln des Atlas)")
    t.add_argument("--nur", action="append", default=[], metavar="SPALTE=WERT",
                   help="nur Zeilen mit diesem Wert, z. B. 'Merkmal=Gymnasien'")
    t.add_argument("--gebietsstand", action="store_true",
                   help="Werte weggefallener Schlüssel auf den Nachfolger übertragen "
                        "(geodata/gebietsaenderungen.csv)")
    t.add_argument("--spalte", action="append", default=[], metavar="SPALTE=ROLLE",
                   help="Zuordnung korrigieren, z. B. 'Kinder 0-3=wert:kinder_u3:' oder "
                        "'Bemerkung=ignorieren'")
    t.add_argument("--metadaten", type=Path, action="append", default=[], metavar="DATEI",
                   help="Katalogangaben neuer Indikatoren (Spalten wie geodata/indikatoren.csv)")
    p.add_argument("--innerhalb", help="Gebiet (z. B. Stadt 08212000), zu dem die Flächen bzw. "
                   "die Namen in Tabellen gehören")
    e = p.add_argument_group("Einrichtungen (CSV, XLSX)")
    e.add_argument("--einrichtungen", type=Path, action="append", default=[], metavar="DATEI")
    e.add_argument("--art", help="Art aller Einrichtungen, wenn die Datei keine Spalte hat")
    return p


def _read(path: Path) -> Upload:
    try:
        return Upload(path.name, path.read_bytes())
    except OSError as err:
        raise SystemExit(f"Die Datei {path} ist nicht lesbar (Meldung des Betriebssystems: "
                         f"„{err.strerror}“).") from err


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    store = default_store(args.daten)
    if args.versionen:
        try:
            versions = store.versions()
        except AtlasError as err:
            print(err, file=sys.stderr)
            return 1
        for v in versions:
            mark = "*" if v.current else " "
            print(f"{mark} {v.id:<24} {v.created:<21} {v.note}")
        return 0
    if args.wiederherstellen:
        try:
            store.restore(args.wiederherstellen)
        except AtlasError as err:
            print(err, file=sys.stderr)
            return 1
        print(f"Version {args.wiederherstellen} ist wieder aktiv.")
        return 0
    if not (args.grenzen or args.tabelle or args.einrichtungen):
        _parser().print_usage(sys.stderr)
        print("Nichts zu tun: --grenzen, --tabelle oder --einrichtungen angeben.", file=sys.stderr)
        return 2
    if args.grenzen and not args.ebene:
        print("Für --grenzen bitte --ebene angeben (z. B. --ebene quartier).", file=sys.stderr)
        return 2
    mapping = None
    if args.spalte:
        mapping = {}
        for item in args.spalte:
            col, sep, role = item.rpartition("=")
            if not sep:
                print(f"--spalte „{item}“: erwartet SPALTE=ROLLE.", file=sys.stderr)
                return 2
            mapping[col] = role
    only = {}
    for item in args.nur:
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            print(f"--nur „{item}“: erwartet SPALTE=WERT.", file=sys.stderr)
            return 2
        only[col.strip()] = value.strip()
    if args.bericht and not args.bericht.resolve().parent.is_dir():
        # Checked before importing: a report that cannot be written must not follow a write.
        print(f"--bericht „{args.bericht}“: den Ordner „{args.bericht.resolve().parent}“ gibt es "
              "nicht; bitte anlegen oder einen anderen Pfad angeben. Nichts geschrieben.",
              file=sys.stderr)
        return 2
    warn, error = thresholds(DEFAULT_CONFIG)
    req = ImportRequest(
        boundaries=[(_read(p), BoundaryOptions(
            level=args.ebene, key_column=args.schluessel_spalte, name_column=args.name_spalte,
            parent_column=args.eltern_spalte, parent=args.innerhalb, crs=args.crs,
            layer=args.layer, warn_percent=warn, error_percent=error)) for p in args.grenzen],
        tables=[(_read(p), ValueOptions(mapping=mapping, year=args.jahr,
                                        indicator=args.indikator, level=args.zeilen_ebene,
                                        within=args.innerhalb, sheet=args.blatt,
                                        only=only or None, carry=args.gebietsstand))
                for p in args.tabelle],
        institutions=[(_read(p), InstitutionOptions(type=args.art)) for p in args.einrichtungen],
        metadata=[_read(p) for p in args.metadaten],
        allow_partial=args.trotz_fehlern,
        source_text=args.quelle,
        source_licence=args.lizenz,
        source_kind="amtlich" if args.amtlich else "",
        remove_confirmed=args.entfernen,
    )
    try:
        result = run_import(store, load_settings(DEFAULT_CONFIG), req,
                            note=args.notiz or "Import über die Kommandozeile",
                            write=not args.pruefen)
    except AtlasError as err:
        print(err, file=sys.stderr)
        return 1
    print(result.report.text())
    if args.bericht:
        args.bericht.write_text(result.report.to_csv(), encoding="utf-8-sig")
    if result.tables is None or (not args.pruefen and result.version is None):
        return 1  # errors found, or writing the checked data failed
    if args.pruefen:
        print("Nur geprüft (--pruefen): nichts geschrieben.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
