"""Statistics on the model: classification and colour scales, aggregation, confidentiality,
number format.

- `classify`: `classify(values, method, k) -> Classification` whatever the method (quantiles,
  equal intervals, Fisher-Jenks, standard deviations, manual breaks), and symmetric breaks
  around a midpoint; `palettes`: colour-blind-safe ColorBrewer scales by direction;
- `aggregate`: counts summed up the hierarchy, rates recomputed from summed numerators and
  denominators;
- `suppression`: the confidentiality rule and the special states; `disclosure`: the disclosure
  control, which decides once per repository the published state of every value (primary,
  secondary across every sum, rate and shared count, audited); `published`: the
  `PublishedAtlas`, the only way views, reports, layers and callbacks read values;
- `numfmt`: German number format and parsing; `textsafe`: text that never becomes a
  spreadsheet formula.

May import `geodata.model` only.
"""
