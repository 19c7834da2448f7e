"""Reading a boundary file safely: GeoPackage, GeoJSON or zipped Shapefile, in any declared CRS.

The content is sniffed before GDAL opens anything (JSON parsed with `json`, the shapefile
magic number and the SQLite header checked, a GDAL VRT refused), so a file cannot make GDAL
read other files of the server. ZIP archives are unpacked by `safe_extract` (no ``..``, no
absolute paths or links, a size cap). A file without a CRS gets a German error with a
suggestion (`--crs` sets one); everything else is reprojected to EPSG:25832.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pyogrio

from geodata.importer.report import Report, count
from geodata.model.entities import METRIC_CRS

MAX_UNZIPPED = 300 * 1024 * 1024
WARN_PERCENT = 1.0
ERROR_PERCENT = 10.0
# Bounding box of Germany in EPSG:25832 with a margin: anything outside means a wrong CRS.
GERMANY_25832 = (200_000.0, 5_150_000.0, 1_000_000.0, 6_200_000.0)


class BoundaryError(Exception):
    """The file cannot be read as boundaries at all; ``str(err)`` is German."""


@dataclass
class BoundaryOptions:
    level: str  # level id of the imported areas (e.g. "quartier")
    key_column: str | None = None
    name_column: str | None = None
    parent_column: str | None = None
    parent: str | None = None  # all areas belong to this parent (e.g. one city)
    crs: str | None = None  # only for files that declare no CRS
    layer: str | None = None
    kind: str | None = None  # the "kind" text (e.g. "Stadtteil"); default: the level's name
    warn_percent: float = WARN_PERCENT
    error_percent: float = ERROR_PERCENT


def safe_extract(data: bytes, target: Path) -> list[Path]:
    """Extract a ZIP archive into ``target``: names that would leave it (absolute, ``..``,
    drive letters, links) and archives that unpack to more than `MAX_UNZIPPED` are refused."""
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as err:
        raise BoundaryError("Das ZIP-Archiv ist beschädigt.") from err
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise BoundaryError("Das ZIP-Archiv ist entpackt zu groß "
                            f"(höchstens {MAX_UNZIPPED // 2**20} MB).")
    root = target.resolve()
    out = []
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
        if (name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or is_link):
            raise BoundaryError(f"Das ZIP-Archiv enthält den unzulässigen Dateinamen „{name}“ "
                                "(er zeigt aus dem Upload-Ordner heraus).")
        if info.is_dir() or _is_junk(parts):
            continue
        dest = (root / Path(*parts)).resolve()
        if root not in dest.parents:
            raise BoundaryError(f"Unzulässiger Dateiname im ZIP-Archiv: „{name}“.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, dest.open("wb") as fh:
            fh.write(src.read(MAX_UNZIPPED + 1))
        out.append(dest)
    return out


def _is_junk(parts: tuple[str, ...]) -> bool:
    """macOS Finder leftovers in archives: ``__MACOSX/…`` and AppleDouble ``._name``."""
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1].startswith("._"))


_SHP_MAGIC = (9994).to_bytes(4, "big")
_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")
# SQLite virtual-table modules that read other files (SpatiaLite): never in a GeoPackage upload
_SQLITE_READERS = (b"virtualshape", b"virtualtext", b"virtualogr", b"virtualdbf",
                   b"virtualxl", b"virtualgpkg", b"virtualfdo")
_PRJ = re.compile(rb"\s*(PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS|COMPD_CS|COMPOUNDCRS|LOCAL_CS|"
                  rb"GEOCCS|VERT_CS|VERTCRS|ENGCRS|BOUNDCRS)\[")


def _sniff(path: Path, shown: str) -> None:
    """Make sure the file is what its ending says before GDAL sees it: GDAL picks its driver
    by content, so e.g. an OGR VRT named ``.json`` would read arbitrary server files."""
    data = path.read_bytes()
    kind = path.suffix.lower()
    if b"<ogrvrtdatasource" in data.lower():
        raise BoundaryError(f"„{shown}“ ist eine GDAL-VRT-Datei (Verweis auf andere Dateien); "
                            "solche Dateien werden aus Sicherheitsgründen nicht gelesen.")
    if kind in {".geojson", ".json"}:
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError):
            obj = None
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            raise BoundaryError(f"„{shown}“ ist keine GeoJSON-Datei (erwartet wird ein "
                                "JSON-Objekt mit „type“, z. B. „FeatureCollection“).")
    elif kind == ".gpkg":
        if not data.startswith(b"SQLite format 3\x00") or data[68:72] not in _GPKG_IDS:
            raise BoundaryError(f"„{shown}“ ist keine GeoPackage-Datei.")
        low = data.lower()
        if any(m in low for m in _SQLITE_READERS):
            raise BoundaryError(f"„{shown}“ enthält virtuelle Tabellen, die andere Dateien "
                                "lesen; solche GeoPackages werden aus Sicherheitsgründen nicht "
                                "gelesen.")
    elif kind == ".shp":
        if not data.startswith(_SHP_MAGIC):
            raise BoundaryError(f"„{shown}“ ist keine Shapefile-Datei (.shp).")
        for side in path.parent.iterdir():
            if side == path or side.stem.lower() != path.stem.lower() or not side.is_file():
                continue
            _sniff_sidecar(side)
    else:
        raise BoundaryError(f"„{shown}“ ist keine GeoPackage-, GeoJSON- oder Shapefile-Datei.")


def _sniff_sidecar(side: Path) -> None:
    """A Shapefile's companion files must be what their ending says (or plain text)."""
    data = side.read_bytes()
    ext = side.suffix.lower()
    if b"<ogrvrtdatasource" in data.lower():
        bad = True
    elif ext == ".shx":
        bad = not data.startswith(_SHP_MAGIC)
    elif ext == ".dbf":
        bad = not data[:1] or data[0] not in {0x02, 0x03, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83,
                                              0x8B, 0xCB, 0xE5, 0xF5, 0xFB}
    elif ext == ".prj":
        bad = not _PRJ.match(data.lstrip(b"\xef\xbb\xbf"))
    else:  # .cpg, .qpj, .xml, .sbn …: text or binary index, but never a data source
        bad = False
    if bad:
        raise BoundaryError(f"Die Begleitdatei „{side.name}“ des Shapefiles ist keine gültige "
                            f"{ext}-Datei.")


def read_geofile(data: bytes, filename: str, options: BoundaryOptions,
                 report: Report) -> gpd.GeoDataFrame:
    """Read polygons from GeoPackage, GeoJSON or zipped Shapefile bytes, in EPSG:25832."""
    with tempfile.TemporaryDirectory(prefix="ba-import-") as tmp:
        tmpdir = Path(tmp)
        suffix = Path(filename).suffix.lower()
        if data.startswith(b"PK\x03\x04"):
            files = safe_extract(data, tmpdir / "zip")
            shp = [p for p in files if p.suffix.lower() in {".shp", ".gpkg", ".geojson", ".json"}]
            if len(shp) != 1:
                raise BoundaryError("Das ZIP-Archiv muss genau eine Geodatei enthalten "
                                    f"(.shp mit .dbf/.shx/.prj, .gpkg oder .geojson); gefunden: "
                                    f"{', '.join(p.name for p in shp) or 'keine'}.")
            path = shp[0]
            _sniff(path, f"{filename}/{path.relative_to(tmpdir / 'zip').as_posix()}")
        elif data.startswith(b"SQLite format 3\x00"):
            path = tmpdir / "upload.gpkg"
            path.write_bytes(data)
            _sniff(path, filename)
        elif data.lstrip()[:1] in (b"{", b"["):
            path = tmpdir / "upload.geojson"
            path.write_bytes(data)
            _sniff(path, filename)
        else:
            raise BoundaryError(f"„{filename}“ ist keine GeoPackage-, GeoJSON- oder "
                                f"gezippte Shapefile-Datei (Endung {suffix or 'keine'}).")
        try:
            layers = pyogrio.list_layers(path)
        except Exception as err:  # pyogrio raises several types for a broken file
            raise BoundaryError(f"Die Geodatei ist nicht lesbar ({_short(err)}).") from err
        # Non-spatial tables (geometry type None) are no boundaries; "Unknown" and
        # GeometryCollection may hold polygons.
        polys = [str(n) for n, g in layers
                 if g is not None and ("Polygon" in str(g) or str(g) in _MAYBE_POLYGONS)]
        layer = options.layer
        if layer is None:
            if len(polys) > 1:
                raise BoundaryError("Die Datei hat mehrere Ebenen (" + ", ".join(polys)
                                    + "): bitte eine auswählen.")
            if not polys:
                raise BoundaryError("Die Datei enthält keine Ebene mit Flächen (gefunden: "
                                    + ", ".join(f"„{n}“ ({_layer_kind(g)})" for n, g in layers)
                                    + ").")
            layer = polys[0]
        try:
            gdf = pyogrio.read_dataframe(path, layer=layer)
        except Exception as err:  # pyogrio raises several types for a broken file
            raise BoundaryError(f"Die Ebene „{layer}“ ist nicht lesbar ({_short(err)}).") from err
        if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
            raise BoundaryError(f"Die Ebene „{layer}“ hat keine Geometrie (reine Tabelle); "
                                "Flächen werden erwartet.")
        is_geojson = path.suffix.lower() in {".geojson", ".json"} or path.name == "upload.geojson"
        declared = _declares_crs(path) if is_geojson else gdf.crs is not None
    if not declared or gdf.crs is None:
        if options.crs:
            gdf = gdf.set_crs(options.crs, allow_override=True)
            report.note(filename, f"Die Datei nennt kein Koordinatensystem; angenommen wurde "
                        f"{options.crs} (Vorgabe).")
        elif is_geojson and _looks_lonlat(gdf):
            gdf = gdf.set_crs("EPSG:4326", allow_override=True)
            report.note(filename, "GeoJSON ohne Angabe des Koordinatensystems: nach RFC 7946 "
                        "als WGS84 (EPSG:4326) gelesen.")
        else:
            raise BoundaryError(
                "Die Datei gibt kein Koordinatensystem an (bei Shapefiles fehlt die .prj-Datei). "
                f"Die Koordinaten sehen nach {_guess_crs(gdf)} aus; bitte das "
                "Koordinatensystem angeben (Kommandozeile: --crs EPSG:25832).")
    epsg = gdf.crs.to_epsg()
    report.note(filename, f"{count(len(gdf), 'Fläche', 'Flächen')} gelesen, Koordinatensystem "
                f"{'EPSG:' + str(epsg) if epsg else gdf.crs.name}"
                + ("" if epsg == 25832 else ", umgerechnet nach EPSG:25832") + ".")
    gdf = gdf.to_crs(METRIC_CRS)
    if len(gdf) and not gdf.geometry.isna().all():
        x0, y0, x1, y1 = gdf.total_bounds
        gx0, gy0, gx1, gy1 = GERMANY_25832
        if x0 < gx0 or y0 < gy0 or x1 > gx1 or y1 > gy1:
            raise BoundaryError("Die Flächen liegen nicht in Deutschland: ist das "
                                "Koordinatensystem der Datei falsch angegeben?")
    return gdf


_MAYBE_POLYGONS = {"Unknown", "GeometryCollection", "Geometry", "Unknown (any)"}
GEOM_NAMES = {
    "Point": "ein Punkt", "MultiPoint": "mehrere Punkte", "LineString": "eine Linie",
    "MultiLineString": "mehrere Linien", "LinearRing": "ein Linienring",
}


def _layer_kind(geom_type: str | None) -> str:
    if geom_type is None:
        return "Tabelle ohne Geometrie"
    if "Point" in str(geom_type):
        return "Punkte"
    if "Line" in str(geom_type):
        return "Linien"
    return str(geom_type)


def _short(err: Exception) -> str:
    """GDAL's (English) message, quoted for a German sentence."""
    text = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
    return f"Meldung der Geodatenbibliothek: „{text}“"


def _declares_crs(path: Path) -> bool:
    head = path.read_bytes()[:4096]
    return b'"crs"' in head


def _looks_lonlat(gdf: gpd.GeoDataFrame) -> bool:
    if gdf.geometry.isna().all():
        return True
    x0, y0, x1, y1 = gdf.total_bounds
    return -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90


def _guess_crs(gdf: gpd.GeoDataFrame) -> str:
    if gdf.geometry.isna().all() or not len(gdf):
        return "nichts Bestimmtem"
    x0, _y0, x1, _y1 = gdf.total_bounds
    if x0 >= -180 and x1 <= 180:
        return "Längen- und Breitengraden (EPSG:4326)"
    if x0 >= 2_400_000 and x1 <= 5_700_000:
        return f"Gauß-Krüger (EPSG:{31464 + int(x0 // 1_000_000)})"
    if x0 >= 200_000 and x1 <= 1_000_000:
        return "UTM Zone 32 (EPSG:25832)"
    return "einem unbekannten System"
