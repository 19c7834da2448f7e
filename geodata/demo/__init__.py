"""The demo atlas: built reproducibly from the files in ``geodata/demo/sources/``.

- `build`: ``python -m geodata.demo.build`` writes ``geodata/atlas.gpkg`` (areas, institutions,
  catalogue, values, sources, meta);
- `synthetic`: the seeded generator of the synthetic example values below the levels that
  have real figures;
- ``sources/``: copies of the real demo data with ``SOURCES.md``.

The top of ``geodata``: may import every other package; nothing imports it.
"""
