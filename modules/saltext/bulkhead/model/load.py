"""Entry points: turn raw pillar data (or a pillar file) into a validated ``Pillar``.

The host, the formula settings and each domain are validated separately, then the rules between
them are checked, so one run reports every problem in the pillar, not just the first.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pydantic

from .checks import ROOT, check_pillar
from .cpu_checks import check_cpu_partitions
from .errors import PillarError, PillarIssue
from .fields import NAME_RULE, describe, is_domain_name, key
from .images import ImagesSection
from .memory_balancer import MemoryBalancer
from .messages import colon_path, issues_from, keys_of, locate, rule_of, unknown_key
from .minion_config import MinionConfigError
from .pillar import Domain, DomainName, Formula, Host, Pillar
from .rpc_policy import PolicyConfig
from .source import PillarSource, parse_pillar_text, read_pillar_source
from .tcb import TcbConfig
from .workstation import WORKSTATION_RULE, WorkstationName, local_minion_id
from .workstation_paths import own_paths, own_policy

_NAME = pydantic.TypeAdapter(DomainName)
_WORKSTATION = pydantic.TypeAdapter(WorkstationName)


def _validate(
    model: type[pydantic.BaseModel], data: Any, prefix: tuple, issues: list[PillarIssue]
) -> Any:
    try:
        # by_name=False: only the keys an admin may write count ('class', not the attribute
        # 'class_').
        return model.model_validate(data, by_name=False)
    except pydantic.ValidationError as exc:
        issues.extend(issues_from(exc, model, prefix))
        return None


def load_pillar(data: Any, minion_id: str | None = None,
                host_workstation: str | None = None) -> Pillar:
    """Validate the value of the ``bulkhead`` pillar key; raise PillarError listing every problem.

    ``bulkhead:host:workstation`` defaults to ``minion_id`` (the state layer passes Salt's), else
    to this machine's (``model.workstation.local_minion_id``). Unset per-workstation paths get
    that workstation's defaults unless it is ``host_workstation`` (default: this machine's
    minion id), which keeps the plain ones (``workstation_paths.py``)."""
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise PillarError([PillarIssue(ROOT, f"{rule_of(Pillar)} (got {describe(data)})")])
    issues: list[PillarIssue] = []
    for unknown in sorted(set(map(str, data)) - set(keys_of(Pillar))):
        issues.append(
            PillarIssue(colon_path((ROOT, unknown)), unknown_key(unknown, keys_of(Pillar)))
        )
    host = _validate(Host, data.get("host", {}), (ROOT, "host"), issues)
    formula = _validate(Formula, data.get("formula", {}), (ROOT, "formula"), issues)
    policy = _validate(PolicyConfig, data.get("policy", {}), (ROOT, "policy"), issues)
    memory = (
        None
        if data.get("memory") is None
        else _validate(MemoryBalancer, data["memory"], (ROOT, "memory"), issues)
    )
    domains, broken = _domains(data.get("domains", {}), issues)
    tcb = _validate(TcbConfig, data.get("tcb", {}), (ROOT, "tcb"), issues)
    images = _validate(ImagesSection, {"images": data.get("images") or {}}, (ROOT,), issues)
    issues += _unknown_accepted(tcb, domains, broken)
    prune = _validate(
        Pruning, {k: data[k] for k in ("prune", "purge") if k in data}, (ROOT,), issues
    )
    issues += check_pillar(domains, broken, host, images.images if images else {})
    issues += check_cpu_partitions(domains, host)
    machine_id = functools.cache(functools.partial(_machine_id, issues))  # once, when needed
    if host is not None and host.workstation is None:
        named = minion_id or machine_id()
        if named is not None:
            host = _with_workstation(host, named, issues)
    host_own = host_workstation or machine_id()
    if issues:
        raise PillarError(issues)
    formula = formula.model_copy(update={
        "paths": own_paths(formula.paths, host.workstation, host_own)})
    policy = own_policy(policy, host.workstation, host_own)
    # Every part is validated above: built without validating them all again (the same model:
    # tests/unit/model/test_pillar_errors.py).
    return Pillar.model_construct(
        host=host, formula=formula, domains=domains, policy=policy, memory=memory, tcb=tcb,
        prune=prune.prune, purge=prune.purge, images=images.images)


def _unknown_accepted(
    tcb: TcbConfig | None, domains: dict[str, Any], broken: Any
) -> list[PillarIssue]:
    """An accepted deviation naming a domain the pillar does not declare accepts nothing."""
    if tcb is None:
        return []
    return [
        PillarIssue(
            colon_path((ROOT, "tcb", "accept", index, "domain")),
            f"{entry.domain!r} is not a domain of this pillar",
        )
        for index, entry in enumerate(tcb.accept)
        if entry.domain is not None and entry.domain not in domains and entry.domain not in broken
    ]


class Pruning(pydantic.BaseModel):
    """The two top-level keys about removal, validated like the others."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    prune: pydantic.StrictBool = key(False, doc="", rule="must be true or false")
    purge: tuple[DomainName, ...] = key((), doc="", rule="must be a list of domain names")


def _machine_id(issues: list[PillarIssue]) -> str | None:
    """This machine's minion id; None, with the issue, when Salt's configuration of it cannot be
    read (it decides which workstation is the host's own)."""
    try:
        return local_minion_id()
    except MinionConfigError as exc:
        issues.append(PillarIssue(colon_path((ROOT, "host", "workstation")),
                                  f"this machine's minion id cannot be read, so neither can "
                                  f"which workstation is the host's own: {exc}"))
        return None


def _with_workstation(host: Host, name: str, issues: list[PillarIssue]) -> Host:
    try:
        _WORKSTATION.validate_python(name)
    except pydantic.ValidationError:
        issues.append(PillarIssue(colon_path((ROOT, "host", "workstation")),
                                  f"not set, and the minion id {name!r} cannot stand for it "
                                  f"({WORKSTATION_RULE}): set it"))
        return host
    return host.model_copy(update={"workstation": name})


def _domains(raw: Any, issues: list[PillarIssue]) -> tuple[dict[str, Domain], set[str]]:
    if raw is None:
        return {}, set()
    if not isinstance(raw, dict):
        _, rule, _ = locate(Pillar, ("domains",))
        issues.append(PillarIssue(colon_path((ROOT, "domains")), f"{rule} (got {describe(raw)})"))
        return {}, set()
    domains: dict[str, Domain] = {}
    broken: set[str] = set()
    for name, value in raw.items():
        at = (ROOT, "domains", name)
        problem = _name_problem(name)
        if problem is not None:
            issues.append(PillarIssue(colon_path(at), problem))
            broken.add(str(name))
            continue
        domain = _validate(Domain, value, at, issues)
        if domain is None:
            broken.add(name)
        else:
            domains[name] = domain
    return domains, broken


def _name_problem(name: Any) -> str | None:
    if is_domain_name(name):
        return None
    try:
        _NAME.validate_python(name)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        return (
            error["msg"] if error["type"] == "bulkhead" else f"{NAME_RULE} (got {describe(name)})"
        )
    return None


def load_pillar_file(path: str | Path) -> Pillar:
    """Render a pillar file as Salt would (Jinja, then YAML) and validate its ``bulkhead`` key.

    Problems are reported as ``FILE:LINE: bulkhead:...: message`` where the line is known.
    """
    return load_pillar_source(read_pillar_source(path))


def load_pillar_text(text: str, name: str = "<pillar>") -> Pillar:
    """Like ``load_pillar_file`` for text already in memory (``name`` labels the messages)."""
    return load_pillar_source(parse_pillar_text(text, name))


def load_pillar_source(source: PillarSource, minion_id: str | None = None) -> Pillar:
    if source.data is not None and not isinstance(source.data, dict):
        raise PillarError(
            [
                PillarIssue(
                    "",
                    f"a pillar file is a mapping of pillar keys (got {describe(source.data)})",
                    source.name,
                )
            ]
        )
    try:
        return load_pillar((source.data or {}).get(ROOT), minion_id)
    except PillarError as exc:
        raise source.locate(exc) from None


__all__ = [
    "PillarSource",
    "load_pillar",
    "load_pillar_file",
    "load_pillar_source",
    "load_pillar_text",
    "read_pillar_source",
]
