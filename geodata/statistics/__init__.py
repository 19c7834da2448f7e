"""Statistics on the model: classification and colour scales, aggregation, confidentiality,
number format.

- `classify`: `classify(values, method, k) -> Classification` whatever the method (quantiles,
  equal intervals, Fisher-Jenks, standard deviations, manual breaks), and symmetric breaks
  around a midpoint; `palettes`: colour-blind-safe ColorBrewer scales by direction;
- `aggregate`: counts summed up the hierarchy, rates recomputed from summed numerators and
  denominators;
- `suppression`: the confidentiality rule and the special states; `states`: that rule applied
  to the repository's values;
- `numfmt`: German number format and parsing; `textsafe`: text that never becomes a
  spreadsheet formula.

May import `geodata.model` only.
"""
