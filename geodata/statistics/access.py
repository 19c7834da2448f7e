"""The access check: what a role may see (issue 16).

Three roles, lowest first:

- ``oeffentlich`` (anonymous visitors): indicators whose catalogue column ``sichtbarkeit`` is
  ``oeffentlich``, and an indicator internal only on some levels (``intern:quartier``) on the
  other levels;
- ``intern`` (staff): every indicator on every level, drafts of indices;
- ``redaktion``: as ``intern``, and may import, restore versions, save and publish indices and
  read the audit log.

The check is applied where the disclosure control is (`geodata.statistics.published`): a
`PublishedAtlas` is built with an `Access`; an indicator outside it is not in the catalogue it
hands out, an indicator hidden on a level has no value there ("keine_daten") by any route. So
one boundary holds both rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from geodata.model.entities import Indicator

PUBLIC, STAFF, EDITOR = "oeffentlich", "intern", "redaktion"
ROLES = (PUBLIC, STAFF, EDITOR)
ROLE_NAMES = {PUBLIC: "öffentlich", STAFF: "intern", EDITOR: "Redaktion"}


def parse_visibility(text: str) -> tuple[str, tuple[str, ...]]:
    """``oeffentlich`` | ``intern`` | ``intern:level,level`` → (visibility, internal levels;
    empty = every level). Raises ValueError with a German message."""
    t = (text or "").strip().lower().replace("ö", "oe")
    if t in ("", PUBLIC):
        return PUBLIC, ()
    if t == STAFF:
        return STAFF, ()
    if t.startswith(STAFF + ":"):
        levels = tuple(x.strip() for x in t[len(STAFF) + 1:].split(",") if x.strip())
        if levels:
            return STAFF, levels
    raise ValueError(f"Sichtbarkeit „{text[:40]}“ ist unbekannt; möglich: oeffentlich, intern "
                     "oder intern:ebene,ebene (z. B. intern:quartier).")


def rank(role: str) -> int:
    """0 public, 1 staff, 2 editor (unknown roles count as public)."""
    return ROLES.index(role) if role in ROLES else 0


@dataclass(frozen=True)
class Role:
    """An `Access` (see `geodata.statistics.published.Access`) for one role."""

    name: str = PUBLIC

    @property
    def key(self) -> str:
        return self.name if self.name in ROLES else PUBLIC

    @property
    def staff(self) -> bool:
        return rank(self.name) >= 1

    @property
    def editor(self) -> bool:
        return rank(self.name) >= 2

    def sees(self, ind: Indicator, level: str | None = None) -> bool:
        """Whether this role sees ``ind`` (on ``level``; None: anywhere, for the catalogue)."""
        if self.staff or ind.visibility == PUBLIC:
            return True
        if not ind.internal_levels:
            return False
        return level is None or level not in ind.internal_levels

    def sees_everywhere(self, ind: Indicator) -> bool:
        return self.staff or ind.visibility == PUBLIC


ANONYMOUS = Role(PUBLIC)
