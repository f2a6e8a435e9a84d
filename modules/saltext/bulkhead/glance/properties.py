"""Every property of one domain with where its value comes from: the pillar, the model's
default, or libvirt (what only the running system knows: state, allocated address, memory now).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

from ..model import Domain
from ..net.diff import describe_rule
from .live import LiveDomain

PILLAR, DEFAULT, DERIVED, LIBVIRT = "pillar", "default", "default, derived", "libvirt"


@dataclass(frozen=True)
class Property:
    name: str  # the pillar path below the domain (memory.initial) or a libvirt fact
    value: Any  # JSON-ready
    source: str  # pillar | default | default, derived | libvirt


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def _walk(model: BaseModel, prefix: str, given: bool) -> list[Property]:
    out = []
    for field, info in type(model).model_fields.items():
        name = prefix + (info.alias or field)
        value = getattr(model, field)
        here = given and field in model.model_fields_set
        if isinstance(value, BaseModel):
            out += _walk(value, name + ".", here)
        elif field == "firewall":
            out.append(Property(name, [describe_rule(r) for r in value], PILLAR if here else DEFAULT))
        else:
            out.append(Property(name, _plain(value), PILLAR if here else DEFAULT))
    return out


def _effective(domain: Domain) -> dict[str, Any]:
    """What an absent key means, for the keys whose default depends on others."""
    return {"memory.max": domain.memory.maximum, "memory.min": domain.memory.minimum,
            "autostart": domain.starts_at_boot}


def domain_properties(domain: Domain, live: LiveDomain | None) -> list[Property]:
    effective = _effective(domain)
    out = []
    for prop in _walk(domain, "", True):
        if prop.value is None and prop.source == DEFAULT and prop.name in effective:
            prop = Property(prop.name, effective[prop.name], DERIVED)
        out.append(prop)
    out.append(Property("state", live.state if live else "undefined", LIBVIRT))
    if live is not None:
        out.append(Property("address", live.address, LIBVIRT))
        out.append(Property("memory.now", live.memory_now_mib, LIBVIRT))
    return out
