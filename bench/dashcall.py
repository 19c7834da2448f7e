"""A Dash callback request as the browser sends it (for the load script and the tests that
call callbacks without a browser): outputs, inputs and state of one callback, the address
given to every ``search`` property, every other property empty, pattern (ALL) dependencies as
empty lists (no such components on a fresh page)."""

from __future__ import annotations


def callback_body(key: str, spec: dict, search: str) -> dict:
    """The request body for callback ``key`` (its spec from ``app.callback_map`` or
    ``/_dash-dependencies``) after the address changed to ``search``."""

    def item(dep: dict) -> dict | list:
        if dep["id"].startswith("{"):
            return []
        return {"id": dep["id"], "property": dep["property"],
                "value": search if dep["property"] == "search" else None}

    outs: list = []
    for part in key.strip(".").split("..."):
        dep_id, prop = part.rsplit(".", 1)
        prop = prop.split("@")[0]  # allow_duplicate outputs carry a hash
        outs.append([] if dep_id.startswith("{") else {"id": dep_id, "property": prop})
    first = spec["inputs"][0]
    return {"output": key, "outputs": outs if key.startswith("..") else outs[0],
            "inputs": [item(d) for d in spec["inputs"]],
            "state": [item(d) for d in spec["state"]],
            "changedPropIds": [f"{first['id']}.{first['property']}"]}
