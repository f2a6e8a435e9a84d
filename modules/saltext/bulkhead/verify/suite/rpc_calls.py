"""What the RPC checks inside the guests share: the broker's policy and the facts it decides on."""

from __future__ import annotations

from typing import Any

from saltext.bulkhead.model import Pillar
from saltext.bulkhead.policy.loader import POLICY_SUFFIX
from saltext.bulkhead.rpc.facts import libvirt_domains, system_from
from saltext.bulkhead.rpc.host import StaticHost
from saltext.bulkhead.rpc.service import DEFAULT_LOG
from saltext.bulkhead.verify.skips import not_applicable, skipped

# The file-copy stream of no files (filecopy/wire.py: the magic, then END with 0 entries), written
# by a guest's shell: what a harmless allowed qubes.Filecopy sends.
NO_FILES = r"printf 'BHFC1\nE\000\000\000\000'"


def _installed_policy(host: Any, pillar: Pillar) -> list[str]:
    """The policy files the broker would read: the pillar's, and any *.policy in its directory."""
    folder = host.file(str(pillar.policy.dir))
    names = folder.listdir() if folder.is_directory else []
    found = [n for n in names if n.endswith(POLICY_SUFFIX)]
    return sorted(set(pillar.policy.files) | set(found))


def broker_policy_dir(host: Any, pillar: Pillar, rpc_broker: Any) -> str:
    """The policy directory the running broker reads; ends the check when no broker runs."""
    if rpc_broker is None:
        policy = _installed_policy(host, pillar)
        if not policy:
            not_applicable("no RPC policy is configured (bulkhead:policy:files, "
                           f"{pillar.policy.dir}) and no RPC broker runs")
        skipped(f"no RPC broker runs (formula bulkhead.rpc), though its policy is installed: "
                f"{', '.join(policy[:5])}")
    return rpc_broker.option("--policy-dir") or str(pillar.policy.dir)


def broker_facts(pillar: Pillar, libvirt_conn: Any) -> StaticHost:
    """The system the broker evaluates a call against now (libvirt + pillar, rpc/facts.py)."""
    return StaticHost(system_from(pillar, libvirt_domains(libvirt_conn)))


def broker_log(host: Any, rpc_broker: Any) -> Any:
    return host.file(rpc_broker.option("--log") or str(DEFAULT_LOG))


def logged_since(log: Any, before: int) -> str:
    return log.content[before:].decode(errors="replace") if log.exists else ""
