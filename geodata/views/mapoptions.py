"""Cartographic options of a view, as held in the URL.

==================  ===========================================  =========================
parameter           meaning                                      example
==================  ===========================================  =========================
``methode``         classification method                        ``jenks``
``klassen``         number of classes, 3–7                       ``5``
``grenzen``         manual class boundaries, ``;``-separated     ``10;20,5;30``
``fest``            breaks over all years ("feste Klassen")      ``an``
``farben``          palette (ColorBrewer id)                     ``RdBu``
``referenz``        midpoint of a diverging palette              ``eltern``, ``gesamt``, ``12,5``
``vergleich``       change map: difference from this year        ``2019``
``namen``           area names on the map                        ``an``
``praesentation``   presentation mode (projector, screenshot)    ``an``
==================  ===========================================  =========================

Numbers may use the German decimal comma. `parse_options` never raises: a bad value gives a
German notice and the default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from geodata.statistics.numfmt import ascii_int, number_param, parse_number
from geodata.statistics.palettes import (
    DEFAULT_DIVERGING,
    DEFAULT_SEQUENTIAL,
    MAX_CLASSES,
    MIN_CLASSES,
    PALETTES,
)

# URL value -> (classification method id, German name)
METHODS: dict[str, tuple[str, str]] = {
    "quantile": ("quantile", "Quantile"),
    "intervalle": ("equal", "Gleiche Intervalle"),
    "jenks": ("jenks", "Natürliche Brüche (Fisher-Jenks)"),
    "stdabw": ("stddev", "Standardabweichung"),
    "manuell": ("manual", "Manuelle Grenzen"),
}
REFERENCES = {"eltern": "übergeordnetes Gebiet", "gesamt": "Gesamtwert"}
MAX_REFERENCE = 1e9  # a reference value (midpoint) beyond this is no sensible indicator value
PARAMS = ("methode", "klassen", "grenzen", "fest", "farben", "referenz", "vergleich", "namen",
          "praesentation")
_SHOWN = 40


@dataclass(frozen=True)
class MapOptions:
    """How the map classifies and colours; defaults give 5 quantile classes in YlGnBu."""

    methode: str = "quantile"
    klassen: int = 5
    grenzen: tuple[float, ...] = ()
    fest: bool = False
    farben: str = DEFAULT_SEQUENTIAL
    referenz: str | None = None  # "eltern", "gesamt" or a number as text ("12.5")
    vergleich: int | None = None
    namen: bool = False
    praesentation: bool = False

    @property
    def diverging(self) -> bool:
        """True when the palette is diverging (or a change map, which always is)."""
        return PALETTES[self.farben].kind == "diverging"

    @property
    def method_id(self) -> str:
        """The classification method id (see geodata.statistics.classify)."""
        return METHODS[self.methode][0]


def _shown(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def _on_off(key: str, value: str, notes: list[str]) -> bool | None:
    if value in {"an", "aus"}:
        return value == "an"
    notes.append(f"„{_shown(value)}“ (Parameter {key}) ist weder „an“ noch „aus“.")
    return None


def parse_options(params: dict[str, str], notes: list[str]) -> MapOptions:
    """Read the cartographic options from the first value of each URL parameter."""
    opt = MapOptions()
    if "methode" in params:
        m = params["methode"]
        if m in METHODS:
            opt = replace(opt, methode=m)
        else:
            notes.append(f"Die Klassifizierung „{_shown(m)}“ (Parameter methode) gibt es nicht; "
                          f"gezeigt werden Quantile. Möglich: {', '.join(METHODS)}.")
    if "klassen" in params:
        k = params["klassen"]
        if ascii_int(k, MIN_CLASSES, MAX_CLASSES) is not None:
            opt = replace(opt, klassen=int(k))
        else:
            notes.append(f"„{_shown(k)}“ (Parameter klassen) ist keine Klassenzahl von "
                         f"{MIN_CLASSES} bis {MAX_CLASSES}; gezeigt werden 5 Klassen.")
    if "grenzen" in params:
        raw = [p for p in params["grenzen"].split(";") if p.strip()]
        nums = [parse_number(p) for p in raw]
        if not raw or None in nums:
            bad = next((p for p, n in zip(raw, nums, strict=True) if n is None), "")
            notes.append(f"„{_shown(bad or params['grenzen'])}“ im Parameter grenzen ist keine "
                         "Zahl; Grenzen bitte mit „;“ trennen, z. B. 10;20,5;30.")
        elif any(b <= a for a, b in zip(nums, nums[1:], strict=False)):
            notes.append("Die Grenzen (Parameter grenzen) müssen aufsteigen, z. B. 10;20,5;30.")
        elif not MIN_CLASSES - 1 <= len(nums) <= MAX_CLASSES - 1:
            notes.append(f"Für {MIN_CLASSES} bis {MAX_CLASSES} Klassen braucht es "
                         f"{MIN_CLASSES - 1} bis {MAX_CLASSES - 1} Grenzen (Parameter grenzen).")
        else:
            opt = replace(opt, grenzen=tuple(float(n) for n in nums if n is not None))
    if opt.methode == "manuell":
        if opt.grenzen:
            opt = replace(opt, klassen=len(opt.grenzen) + 1)
        else:
            notes.append("Für manuelle Grenzen fehlen gültige Werte im Parameter grenzen; "
                         "gezeigt werden Quantile.")
            opt = replace(opt, methode="quantile")
    if "fest" in params and (v := _on_off("fest", params["fest"], notes)) is not None:
        opt = replace(opt, fest=v)
    if "farben" in params:
        f = params["farben"]
        if f in PALETTES:
            opt = replace(opt, farben=f)
        else:
            notes.append(f"Die Farbskala „{_shown(f)}“ (Parameter farben) gibt es nicht. "
                         f"Möglich: {', '.join(PALETTES)}.")
    if "referenz" in params:
        r = params["referenz"]
        num = parse_number(r)
        if r in REFERENCES:
            opt = replace(opt, referenz=r)
        elif num is not None and abs(num) <= MAX_REFERENCE:
            opt = replace(opt, referenz=repr(num))
        elif num is not None:
            notes.append(f"„{_shown(r)}“ (Parameter referenz) ist zu groß; erlaubt sind Zahlen "
                         f"bis {MAX_REFERENCE:,.0f}.".replace(",", "."))
        else:
            notes.append(f"„{_shown(r)}“ (Parameter referenz) ist weder „eltern“, „gesamt“ "
                         "noch eine Zahl.")
    if "vergleich" in params:
        y = params["vergleich"]
        if ascii_int(y, 1000, 9999) is not None:
            opt = replace(opt, vergleich=int(y))
        else:
            notes.append(f"„{_shown(y)}“ (Parameter vergleich) ist keine Jahreszahl.")
    if opt.vergleich is not None and not opt.diverging:
        if "farben" in params:
            notes.append("Eine Veränderungskarte braucht eine zweiseitige Farbskala; "
                         f"gezeigt wird {PALETTES[DEFAULT_DIVERGING].name}.")
        opt = replace(opt, farben=DEFAULT_DIVERGING)  # a change map is always diverging
    if opt.diverging and opt.referenz is None:
        opt = replace(opt, referenz="gesamt")
    for key in ("namen", "praesentation"):
        if key in params and (v := _on_off(key, params[key], notes)) is not None:
            opt = replace(opt, **{key: v})
    return opt


def breaks_param(breaks: tuple[float, ...] | list[float]) -> str:
    """Manual breaks as the ``grenzen`` parameter ("10;20,5;30")."""
    return ";".join(number_param(b) for b in breaks)


def options_params(opt: MapOptions) -> dict[str, str]:
    """The URL parameters that differ from the defaults, in a stable order."""
    out: dict[str, str] = {}
    default = MapOptions()
    if opt.methode != default.methode:
        out["methode"] = opt.methode
    if opt.klassen != default.klassen and opt.methode != "manuell":
        out["klassen"] = str(opt.klassen)
    if opt.methode == "manuell":
        out["grenzen"] = breaks_param(opt.grenzen)
    if opt.fest:
        out["fest"] = "an"
    if opt.farben != default.farben:
        out["farben"] = opt.farben
    if opt.referenz is not None and opt.diverging and opt.referenz != "gesamt":
        out["referenz"] = (opt.referenz if opt.referenz in REFERENCES
                           else number_param(float(opt.referenz)))
    if opt.vergleich is not None:
        out["vergleich"] = str(opt.vergleich)
    if opt.namen:
        out["namen"] = "an"
    if opt.praesentation:
        out["praesentation"] = "an"
    return out
