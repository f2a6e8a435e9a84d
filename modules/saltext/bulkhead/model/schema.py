"""The JSON Schema of a pillar file, for editors (e.g. yaml-language-server) and for the docs.

It is pydantic's schema of ``Pillar`` under the ``bulkhead`` key; other top-level pillar keys are
left to other formulas. Rules that involve several keys (templates, netvms, addresses) cannot be
expressed here; ``bulkhead pillar check`` enforces them.
"""

from __future__ import annotations

from typing import Any

from .fields import RESERVED_NAMES
from .pillar import Pillar

SCHEMA_ID = "https://bulkhead.invalid/schemas/pillar.json"


def _without_rule_keys(node: Any) -> Any:
    # The rule is already part of each description; the extra key would only confuse editors.
    if isinstance(node, dict):
        return {k: _without_rule_keys(v) for k, v in node.items() if k != "rule"}
    if isinstance(node, list):
        return [_without_rule_keys(v) for v in node]
    return node


def pillar_schema() -> dict[str, Any]:
    inner = _without_rule_keys(Pillar.model_json_schema(by_alias=True, mode="validation"))
    defs = inner.pop("$defs", {})
    domains = inner["properties"]["domains"]
    domains["propertyNames"] = {"not": {"enum": sorted(RESERVED_NAMES)}}
    domains["additionalProperties"] = (
        False  # a name outside the pattern is an error, not a free key
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "bulkhead pillar file",
        "description": "A Salt pillar file; bulkhead reads the 'bulkhead' key. See docs/pillar.md.",
        "type": "object",
        "properties": {"bulkhead": inner},
        "$defs": defs,
    }
