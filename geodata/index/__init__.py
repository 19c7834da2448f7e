"""The composite need index ("Chancenindex") and the budget split it drives.

- `definition`: the definition and its JSON file format; `files`: where definitions are saved;
- `compute`: standardise, direct, weight and class, on plain inputs, with each area's
  contributions; `sensitivity`: class changes under changed weights;
- `atlas`: the index's areas and inputs read from the published atlas (`geodata.statistics.published`);
- `allocation`: a budget split by need (base share per head plus need share), exact to the
  euro.

Its map layer is in `geodata.views.indexmap`, its form in `geodata.views.indexform`, its
method sheet and budget downloads in `geodata.reports`. May import `geodata.statistics` and
`geodata.model`; independent of `geodata.storage`.
"""
