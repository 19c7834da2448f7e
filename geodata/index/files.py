"""Where saved need-index definitions live: one JSON file per index.

The folder is ``geodata/indizes/`` or ``$BILDUNGSATLAS_INDIZES``; a file's name without
``.json`` (its *slug*, `slugify`) is the ``index`` URL parameter and is checked against
`SLUG_RE` before it reaches the file system. `store_definition` writes through
`geodata.index.definition.save_definition` (atomically); `definition_files` lists every file
with the German reasons why a broken one cannot be read, `list_definitions` only the valid
ones.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from geodata.index.definition import (
    DefinitionError,
    IndexDefinition,
    load_definition,
    save_definition,
)

INDEX_DIR = Path(__file__).resolve().parents[1] / "indizes"


# --- saved definitions by name ("slug", the ``index`` URL parameter) --------------------------
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def index_dir() -> Path:
    """The folder of saved definitions: ``$BILDUNGSATLAS_INDIZES`` or ``geodata/indizes``."""
    return Path(os.environ.get("BILDUNGSATLAS_INDIZES") or INDEX_DIR)


def slugify(name: str) -> str:
    """File name stem of a definition: ``"Chancenindex Süd 2023"`` → ``chancenindex_sued_2023``."""
    text = name.lower().translate(_TRANSLIT)
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:60].strip("_")
    return text or "index"


def find_definition(slug: str, folder: Path | None = None) -> IndexDefinition:
    """The saved definition ``<slug>.json``; raises `DefinitionError` (German) if the name is
    malformed, unknown or the file invalid. The name never reaches the file system unchecked."""
    folder = index_dir() if folder is None else folder
    if not SLUG_RE.fullmatch(slug):
        raise DefinitionError([f"„{slug[:40]}“ ist kein gültiger Indexname (erlaubt: "
                               "Kleinbuchstaben, Ziffern, _ und -)."])
    path = folder / f"{slug}.json"
    if not path.is_file():
        known = ", ".join(p.stem for p, _d in list_definitions(folder)) or "keine"
        raise DefinitionError([f"Den Index „{slug}“ gibt es nicht; gespeichert: {known}."])
    return load_definition(path)


VERSIONS_DIR = "versionen"  # <folder>/versionen/<slug>/<version>.json: earlier versions


def version_path(slug: str, version: str, folder: Path | None = None) -> Path:
    """Where an earlier version of the index ``slug`` is kept."""
    folder = index_dir() if folder is None else folder
    return folder / VERSIONS_DIR / slug / f"{slugify(str(version))}.json"


def store_definition(definition: IndexDefinition, slug: str | None = None,
                     folder: Path | None = None) -> str:
    """Save a definition under ``slug`` (default: from its name) and return the slug.

    A saved index is never overwritten: the definition now under ``slug`` is kept as an
    earlier version (`version_path`, readable with `earlier_versions`), and a definition
    whose version number is already taken is refused (DefinitionError, German)."""
    folder = index_dir() if folder is None else folder
    slug = slug or slugify(definition.name)
    if not SLUG_RE.fullmatch(slug):
        raise DefinitionError([f"„{slug[:40]}“ ist kein gültiger Indexname."])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.json"
    if path.is_file():
        current = load_definition(path)
        taken = {str(current.version), *(v for v, _p in earlier_versions(slug, folder))}
        if str(definition.version) in taken:
            raise DefinitionError([
                f"Feld „version“: Die Version „{definition.version}“ dieses Index gibt es "
                "schon. Bitte eine neue Versionsnummer eintragen; ältere Versionen bleiben "
                "unverändert erhalten."])
        keep = version_path(slug, str(current.version), folder)
        keep.parent.mkdir(parents=True, exist_ok=True)
        with open(keep, "xb") as fh:  # never replaces a kept version
            fh.write(path.read_bytes())
    save_definition(definition, path)
    return slug


def earlier_versions(slug: str, folder: Path | None = None
                     ) -> list[tuple[str, IndexDefinition]]:
    """The kept earlier versions of ``slug``: (version, definition), oldest file first."""
    folder = index_dir() if folder is None else folder
    if not SLUG_RE.fullmatch(slug):
        return []
    out = []
    for p in sorted((folder / VERSIONS_DIR / slug).glob("*.json"),
                    key=lambda p: p.stat().st_mtime):
        try:
            d = load_definition(p)
        except DefinitionError:
            continue
        out.append((str(d.version), d))
    return out


def definition_files(folder: Path | None = None,
                     ) -> list[tuple[Path, IndexDefinition | None, list[str]]]:
    """Every definition file of the folder with its definition, or None and the German
    reasons why it cannot be read (so a broken file is shown, never silently left out)."""
    out: list[tuple[Path, IndexDefinition | None, list[str]]] = []
    for path in sorted(Path(index_dir() if folder is None else folder).glob("*.json")):
        if not SLUG_RE.fullmatch(path.stem):
            out.append((path, None, [f"{path.name}: Der Dateiname ist kein gültiger "
                                     "Indexname (Kleinbuchstaben, Ziffern, _ und -)."]))
            continue
        try:
            out.append((path, load_definition(path), []))
        except DefinitionError as err:
            out.append((path, None, err.errors))
    return out


def list_definitions(folder: Path | None = None) -> list[tuple[Path, IndexDefinition]]:
    """The valid definition files of a folder, sorted by file name (invalid files skipped;
    `load_definition` reports why)."""
    out = []
    for path in sorted(Path(index_dir() if folder is None else folder).glob("*.json")):
        try:
            out.append((path, load_definition(path)))
        except DefinitionError:
            continue
    return out
