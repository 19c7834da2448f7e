"""What a user looks at: the view state and everything computed for one view.

- `state`: the view in the address bar (`ViewState`, `parse_query`, `to_query`) and its
  transitions (drill, up, select); `mapoptions`: classification and display options;
- `mapdata`: values, states, classes and colours of an indicator map; `indexmap`: the same for
  a need index and its budget split; `mapview`: which of the two a view shows;
- `profile`: the Steckbrief rows of an area or a combined Sozialraum; `selection`: areas in a
  drawn shape; `search`: areas and institutions by name; `credits`: source lines;
  `indexform`: the need-index form turned into a definition.

May import `geodata.index`, `geodata.storage` (not needed so far), `geodata.statistics` and
`geodata.model`. Never imports dash: `layers/` turns these results into components.
"""
