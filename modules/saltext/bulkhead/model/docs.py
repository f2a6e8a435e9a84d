"""docs/pillar.md, generated from the model so that the reference cannot drift from the schema.

Regenerate with ``bulkhead pillar docs > docs/pillar.md`` (a unit test fails when it is stale).
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterator

import pydantic
from pydantic_core import PydanticUndefined

from .firewall import FirewallRule
from .messages import _is_model, _strip, rule_of
from .pillar import Domain, Host, Pillar, UplinkNetwork

INTRO = """# Pillar reference

bulkhead reads one pillar key, `bulkhead`. Every key below is checked before anything changes;
all problems are reported at once as `FILE:LINE: bulkhead:path: what is allowed`
(`bulkhead pillar check FILE...`). Unknown keys are errors, and values are strict: YAML reads
unquoted `yes`/`no`/`on`/`off` as booleans and `1e3` as text, and neither is accepted where a
name or a number is expected. `bulkhead pillar schema` prints the JSON Schema for editors.
Pillar files are rendered like Salt does: Jinja first (outside Salt, `grains`, `pillar` and
`salt` are empty), then YAML, where a repeated key is an error.

This page is generated from the model (`bulkhead pillar docs`); `pillar.example` shows every key.
"""

CROSS_RULES = """## Rules between keys

- `class: app` needs `template` naming a domain with `class: template`.
- `class: disposable` needs `template` naming an app domain with `template_for_dispvms: true`
  (the disposable template, as in Qubes).
- `class: template` and `class: standalone` have no `template` and need `image`; app and
  disposable domains have no `image`. `image:kind: kernel` needs `kernel` and `initrd`;
  `kind: disk` takes neither, nor `cmdline`.
- `template_for_dispvms` only on app domains.
- `netvm` names an existing domain with `provides_network: true`, never the domain itself;
  netvm chains may not loop (reported as `netvm cycle: a -> b -> a`).
- `memory:max` >= `memory:initial` >= `memory:min`.
- `host:uplinks:<name>:address` with `forward: nat` and only then, outside `host:address_pool`.
- `ip` lies inside `host:address_pool`, is not its network, first or broadcast address, is not
  used by another domain, and only on a domain with a network interface.
- In a firewall rule, `dstports` only with `proto: tcp|udp`, `icmptype` only with `proto: icmp`,
  and `dsthost` not together with `specialtarget`.
- `gui: true` not on a domain with `provides_network: true` or an `uplink`; a `gui: true` domain
  that boots a `bulkhead:images` template (its `root` under /var/cache/bulkhead/images) needs
  that image's `gui: true`.
"""


def _default(info: pydantic.fields.FieldInfo) -> str:
    value = info.default
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "absent"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float, ipaddress.IPv4Network)):
        return f"`{value}`"
    if isinstance(value, str):
        return f"`{value}`" if value else "empty"
    if value in ((), {}):
        return "none"
    return "see the keys below"


def _sections(model: type[pydantic.BaseModel], path: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        key = f"{path}:{info.alias or name}"
        doc, _, rule = (info.description or "").partition(" Rule: ")
        inner, _ = _strip(info.annotation)
        if _is_model(inner):
            rule = rule_of(inner) + "."
        allowed = rule[0].upper() + rule[1:] if rule else "-"
        yield f"## `{key}`\n\n{doc}\n\n- Allowed: {allowed}\n- Default: {_default(info)}\n"
        if _is_model(inner):
            yield from _sections(inner, key)
        elif model is Pillar and name == "domains":
            yield from _sections(Domain, f"{key}:<name>")
        elif model is Host and name == "uplinks":
            yield from _sections(UplinkNetwork, f"{key}:<name>")
        elif model is Domain and name == "firewall":
            yield from _sections(FirewallRule, f"{key}:<n>")


def pillar_docs() -> str:
    return "\n".join([INTRO, *_sections(Pillar, "bulkhead"), CROSS_RULES])
