"""The system the policy is evaluated against: domains and their properties.

Read from SYSTEM.json, Qubes' ``internal.GetSystemInfo`` form: ``{"domains": {NAME: {"tags",
"type", "default_dispvm", "template_for_dispvms", "power_state", "uuid", "internal", ...}}}``.
Fields the engine does not use (icon, label, guivm, relayvm ...) are accepted and ignored. The
admin domain is the one of type AdminVM (at most one); policies and outputs call it ``dom0``
or ``@adminvm`` whatever its name. A domain is also known as ``uuid:UUID`` when it has a uuid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SystemInfoError
from .tokens import ADMIN_LITERAL, UUID_PREFIX

ADMINVM = "@adminvm"
DOMAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,30}")
# The power states Qubes reports; only "Running" changes a decision, and like the reference the
# engine accepts any other text. What bulkhead's broker reports stays within these.
POWER_STATES = frozenset(
    {"Running", "Halted", "Paused", "Suspended", "Transient", "Crashed", "Dying"}
)


@dataclass(frozen=True, slots=True)
class DomainInfo:
    name: str
    type: str
    tags: frozenset[str] = frozenset()
    default_dispvm: str | None = None
    template_for_dispvms: bool = False
    power_state: str = "Halted"
    uuid: str | None = None
    internal: bool = False  # never offered in an ask dialog

    @property
    def running(self) -> bool:
        return self.power_state == "Running"


class System:
    """Domains by name and by ``uuid:UUID``; lookups used by matching and resolution."""

    def __init__(self, domains: Mapping[str, DomainInfo]):
        self.domains: dict[str, DomainInfo] = dict(domains)
        admins = [d.name for d in self.domains.values() if d.type == "AdminVM"]
        if len(admins) > 1:
            raise SystemInfoError(f"more than one AdminVM: {', '.join(sorted(admins))}")
        self.admin_name = admins[0] if admins else ADMIN_LITERAL
        if ADMIN_LITERAL in self.domains and self.admin_name != ADMIN_LITERAL:
            raise SystemInfoError(f"{ADMIN_LITERAL!r} is reserved for the AdminVM")
        self.by_uuid: dict[str, str] = {}
        for info in self.domains.values():
            dvm = info.default_dispvm
            if dvm is not None and dvm not in self.domains:
                raise SystemInfoError(f"{info.name}: default_dispvm {dvm!r} is not a domain")
            if info.uuid is not None:
                self.by_uuid[UUID_PREFIX + info.uuid] = info.name
        # Non-admin domains (what the broker may run services in).
        self.guests: dict[str, DomainInfo] = {
            n: d for n, d in self.domains.items() if n != self.admin_name
        }
        self.dispvm_templates: tuple[str, ...] = tuple(
            sorted(n for n, d in self.domains.items() if d.template_for_dispvms)
        )
        # Values derived from this (never modified) system by the evaluators, e.g. index keys.
        self.memo: dict[object, object] = {}

    def name_of(self, text: str) -> str:
        """The domain's name for ``uuid:UUID`` of a known domain; anything else unchanged."""
        return self.by_uuid.get(text, text)

    def target_name(self, text: str) -> str:
        """Like ``name_of``, but the admin domain is ``@adminvm`` (how calls to it are written)."""
        name = self.by_uuid.get(text, text)
        return ADMINVM if name == self.admin_name else name

    def info(self, text: str) -> DomainInfo | None:
        """The domain a name or ``uuid:UUID`` stands for, or None."""
        return self.domains.get(self.by_uuid.get(text, text))

    def guest(self, name: str) -> DomainInfo | None:
        return self.guests.get(name)

    def is_dispvm_template(self, name: str) -> bool:
        info = self.info(name)
        return info is not None and info.template_for_dispvms

    def default_dispvm_of(self, source: str) -> str | None:
        """The template ``@dispvm`` means for a (canonical) source, if it has one."""
        info = self.domains.get(source)
        return info.default_dispvm if info is not None else None

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
    type_ = raw.get("type")
    if not isinstance(type_, str) or not type_:
        raise SystemInfoError(f"{name}: type must be a domain type (AppVM, AdminVM ...)")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise SystemInfoError(f"{name}: tags must be a list of tag names")
    dvm = raw.get("default_dispvm")
    if dvm is not None and not isinstance(dvm, str):
        raise SystemInfoError(f"{name}: default_dispvm must be a domain name or null")
    template_for_dispvms = raw.get("template_for_dispvms", False)
    if not isinstance(template_for_dispvms, bool):
        raise SystemInfoError(f"{name}: template_for_dispvms must be true or false")
    power = raw.get("power_state", "Halted")
    if not isinstance(power, str):
        raise SystemInfoError(f"{name}: power_state must be a string")
    uuid = raw.get("uuid")
    if uuid is not None and not isinstance(uuid, str):
        raise SystemInfoError(f"{name}: uuid must be a string")
    internal = bool(raw.get("internal", False))
    return DomainInfo(
        name, type_, frozenset(tags), dvm, template_for_dispvms, power, uuid, internal
    )
