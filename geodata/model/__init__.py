"""The atlas model: what an atlas is, independent of where it is stored or how it is shown.

- `entities`: areas, indicators, values, institutions and sources (frozen dataclasses);
- `settings`: the level hierarchy and app settings from ``atlas.toml``;
- `repository`: the immutable `Repository` (hierarchy, values read a column at a time, display
  geometry as text), shared by every request and every gunicorn worker;
- `institutions`: the institution-type catalogue; `years`: year helpers; `errors`: the domain's
  exception classes (German messages).

Imports nothing else of ``geodata``.
"""
