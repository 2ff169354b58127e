"""A deterministic value that matches a JSON schema: the offline provider's structured answer.

Objects get every property, arrays ``max(1, minItems)`` items, strings a text derived from
the input (cut to ``maxLength``), numbers their ``minimum`` or 0, enums their first value.
``$ref`` to ``$defs`` and ``anyOf`` (the first branch that is not null) are followed.
"""

from __future__ import annotations

from typing import Any


def sample(schema: dict[str, Any], text: str) -> Any:
    """A value valid for ``schema``; its strings say ``text`` (the input, for tests to see)."""
    return _value(schema, schema.get("$defs", {}), text, "value")


def _value(node: dict[str, Any], defs: dict[str, Any], text: str, name: str) -> Any:
    if "$ref" in node:
        return _value(defs[node["$ref"].rsplit("/", 1)[-1]], defs, text, name)
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        branches = [b for b in node.get(key, []) if b.get("type") != "null"]
        if branches:
            return _value(branches[0], defs, text, name)
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        return {key: _value(sub, defs, text, key) for key, sub in properties.items()}
    if kind == "array":
        count = max(1, node.get("minItems", 0))
        item = node.get("items", {})
        return [_value(item, defs, f"{text} ({index + 1})", name) for index in range(count)]
    if kind == "integer":
        return int(node.get("minimum", 0))
    if kind == "number":
        return float(node.get("minimum", 0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    words = f"Offline {name.replace('_', ' ')} for {text}"
    return words[: node["maxLength"]] if "maxLength" in node else words
