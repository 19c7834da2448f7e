"""Domain errors of the Bildungsatlas.

Every error carries a German message for the user that says what is wrong and where
(file, parameter, key). Code catches these classes, never bare ``Exception``.
"""

from __future__ import annotations


class AtlasError(Exception):
    """Base class of all domain errors; ``str(err)`` is a German message for the user."""


class DataFileError(AtlasError):
    """The atlas data file is missing, unreadable or violates the data model."""


class UnknownAreaError(AtlasError, KeyError):
    """An area id that the repository does not know."""

    def __init__(self, area_id: str) -> None:
        super().__init__(f"Das Gebiet „{area_id}“ ist unbekannt.")
        self.area_id = area_id

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0])
