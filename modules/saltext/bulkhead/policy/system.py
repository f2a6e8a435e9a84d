"""The provisioned system the policy is evaluated against: domains and their properties.

Read from SYSTEM.json: ``{"domains": {NAME: {"tags", "type", "default_dispvm",
"template_for_dispvms", "power_state", "uuid"}}}``. The admin domain is the one of type AdminVM
(at most one; if it is absent, it is still called ``dom0``). Inside the engine it is always
called ``@adminvm``: requests and rules that name it by its name are rewritten to that.

A disposable (type DispVM) records the template it was created from as its ``default_dispvm``,
as Qubes does; that is what ``@dispvm:X`` and ``@dispvm:@tag:T`` match in the source column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SystemInfoError
from .tokens import ADMIN_LITERAL, DOMAIN_NAME, DOMAIN_TYPES, TAG_NAME

ADMINVM = "@adminvm"
POWER_STATES = frozenset({"Running", "Halted", "Paused", "Suspended", "Transient", "Crashed", "Dying"})
FIELDS = frozenset({"tags", "type", "default_dispvm", "template_for_dispvms", "power_state", "uuid"})


@dataclass(frozen=True, slots=True)
class DomainInfo:
    name: str
    type: str
    tags: frozenset[str] = frozenset()
    default_dispvm: str | None = None
    template_for_dispvms: bool = False
    power_state: str = "Halted"
    uuid: str | None = None

    @property
    def running(self) -> bool:
        return self.power_state == "Running"


class System:
    """Domains by name; lookups used by matching and resolution."""

    def __init__(self, domains: Mapping[str, DomainInfo]):
        self.domains: dict[str, DomainInfo] = dict(domains)
        admins = [d.name for d in self.domains.values() if d.type == "AdminVM"]
        if len(admins) > 1:
            raise SystemInfoError(f"more than one AdminVM: {', '.join(sorted(admins))}")
        self.admin_name = admins[0] if admins else ADMIN_LITERAL
        if ADMIN_LITERAL in self.domains and self.admin_name != ADMIN_LITERAL:
            raise SystemInfoError(f"{ADMIN_LITERAL!r} is reserved for the AdminVM")
        for info in self.domains.values():
            dvm = info.default_dispvm
            if dvm is not None and (dvm not in self.domains or dvm == self.admin_name):
                raise SystemInfoError(f"{info.name}: default_dispvm {dvm!r} is not a domain")
        # Non-admin domains, the population of @anyvm and friends.
        self.guests: dict[str, DomainInfo] = {
            n: d for n, d in self.domains.items() if n != self.admin_name
        }
        self.dispvm_templates: tuple[str, ...] = tuple(
            sorted(n for n, d in self.guests.items() if d.template_for_dispvms)
        )
        # Values derived from this (never modified) system by the evaluators, e.g. index keys.
        self.memo: dict[object, object] = {}

    def canonical(self, name: str) -> str | None:
        """The engine's name for a domain a request names: ``@adminvm`` for the admin domain,
        the name for an existing guest, None for anything else."""
        if name in (ADMINVM, ADMIN_LITERAL, self.admin_name):
            return ADMINVM
        return name if name in self.guests else None

    def guest(self, name: str) -> DomainInfo | None:
        return self.guests.get(name)

    def is_dispvm_template(self, name: str) -> bool:
        info = self.guests.get(name)
        return info is not None and info.template_for_dispvms

    def dispvm_template_of(self, source: str) -> str | None:
        """For a (canonical) source: the template ``@dispvm`` means for it (its default_dispvm)."""
        info = self.domains.get(self.admin_name) if source == ADMINVM else self.guests.get(source)
        return info.default_dispvm if info is not None else None

    def disposable_template(self, source: str) -> str | None:
        """For a (canonical) source that is a disposable: the template it was created from."""
        info = self.guests.get(source)
        if info is None or info.type != "DispVM":
            return None
        return info.default_dispvm

    @classmethod
    def from_json(cls, data: Any) -> System:
        if not isinstance(data, dict) or not isinstance(data.get("domains"), dict):
            raise SystemInfoError('expected {"domains": {NAME: {...}}}')
        return cls({name: _domain(name, raw) for name, raw in data["domains"].items()})

    @classmethod
    def from_file(cls, path: str | Path) -> System:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SystemInfoError(f"{path}: {exc}") from None
        try:
            return cls.from_json(data)
        except SystemInfoError as exc:
            raise SystemInfoError(f"{path}: {exc}") from None


def _domain(name: Any, raw: Any) -> DomainInfo:
    if not isinstance(name, str) or not DOMAIN_NAME.fullmatch(name):
        raise SystemInfoError(f"invalid domain name {name!r}")
    if not isinstance(raw, dict):
        raise SystemInfoError(f"{name}: expected an object")
    unknown = set(raw) - FIELDS
    if unknown:
        raise SystemInfoError(f"{name}: unknown field(s) {', '.join(sorted(unknown))}")
    type_ = raw.get("type")
    if type_ not in DOMAIN_TYPES:
        raise SystemInfoError(f"{name}: type must be one of {', '.join(sorted(DOMAIN_TYPES))}")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and TAG_NAME.fullmatch(t) for t in tags):
        raise SystemInfoError(f"{name}: tags must be a list of tag names")
    dvm = raw.get("default_dispvm")
    if dvm is not None and not isinstance(dvm, str):
        raise SystemInfoError(f"{name}: default_dispvm must be a domain name or null")
    template_for_dispvms = raw.get("template_for_dispvms", False)
    if not isinstance(template_for_dispvms, bool):
        raise SystemInfoError(f"{name}: template_for_dispvms must be true or false")
    power = raw.get("power_state", "Halted")
    if power not in POWER_STATES:
        raise SystemInfoError(f"{name}: power_state must be one of {', '.join(sorted(POWER_STATES))}")
    uuid = raw.get("uuid")
    if uuid is not None and not isinstance(uuid, str):
        raise SystemInfoError(f"{name}: uuid must be a string")
    return DomainInfo(name, type_, frozenset(tags), dvm, template_for_dispvms, power, uuid)
