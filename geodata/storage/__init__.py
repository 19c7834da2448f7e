"""Where an atlas is stored and how it is loaded.

- `gpkg`: one GeoPackage file (read, write); `tables`: `AtlasTables` and `build_repository`,
  the validating boundary from stored tables to the model;
- `store`: versioned GeoPackages with an atomically switched pointer; `postgis`: the same in
  PostgreSQL/PostGIS (one schema per version); `versions`: what both have in common;
- `live`: the `LiveRepository` that follows a new version without a restart;
- `display`: simplified display geometry, cached on disk per data version.

May import `geodata.statistics` and `geodata.model`; independent of `geodata.index`.
"""
