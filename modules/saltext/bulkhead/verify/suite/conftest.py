"""Options and session fixtures of the isolation suite.

Commands (``ip``, ``bridge``, ``virsh``) go through testinfra's ``host`` so ``--hosts=ssh://...`` checks
another machine; libvirt objects are read through ``--bulkhead-uri`` (point it at the same host).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libvirt
import pytest

from saltext.bulkhead.memd.service import ServicePaths
from saltext.bulkhead.model import Pillar
from saltext.bulkhead.net import Ruleset, pillar_rulesets, system_resolver
from saltext.bulkhead.plan import Plan
from saltext.bulkhead.plan.metadata import find_ours
from saltext.bulkhead.rpc.broker_service import is_broker_command, option
from saltext.bulkhead.verify import pillar_source
from saltext.bulkhead.verify.observe import BridgePort, bridge_names, bridge_ports
from saltext.bulkhead.verify.progress import OPTION as PROGRESS
from saltext.bulkhead.verify.progress import ProgressWriter
from saltext.bulkhead.verify.skips import skipped
from saltext.bulkhead.verify.workstations import other_workstations_bridges
from saltext.bulkhead.virt import connect
from saltext.bulkhead.virt.context import current_plan
from saltext.bulkhead.virt.dispvm_registry import DispvmRegistry, with_live_disposables
from saltext.bulkhead.virt.power import Power, power_of

BRIDGE_PREFIX = "bh-"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bulkhead", "bulkhead isolation suite")
    group.addoption("--bulkhead-pillar", metavar="FILE",
                    help="pillar file with the bulkhead key (Jinja + YAML); default: this minion's pillar "
                         "(salt-call pillar.items unmask=True)")
    group.addoption("--bulkhead-pillar-json", metavar="FILE",
                    help="already rendered bulkhead pillar data as JSON (what bulkhead verify passes on)")
    group.addoption("--bulkhead-salt-config", metavar="DIR", help="salt-call -c DIR when the pillar comes from Salt")
    group.addoption("--bulkhead-uri", metavar="URI", help="libvirt URI (default: the pillar's host.uri)")
    group.addoption("--bulkhead-agent-timeout", type=float, default=10.0, metavar="SECONDS",
                    help="how long a guest agent may take to answer a ping")
    group.addoption("--bulkhead-probe", action="append", default=[], metavar="IP:PORT",
                    help="a TCP service outside to test every client's firewall against (repeatable); "
                         "the tcp rules' own single-port destinations are always probed")
    # Where the formula's services record themselves (default: the pillar's formula:paths).
    group.addoption("--bulkhead-broker-pidfile", metavar="FILE", help="the RPC broker's pidfile")
    group.addoption("--bulkhead-memd-pidfile", metavar="FILE", help="bulkhead-memd's pidfile")
    group.addoption("--bulkhead-memd-config", metavar="FILE", help="bulkhead-memd's configuration file")
    group.addoption(PROGRESS, type=int, metavar="FD",
                    help="write one JSON line per finished check to this inherited descriptor")


def pytest_configure(config: pytest.Config) -> None:
    fd = config.getoption(PROGRESS)
    if fd is not None:
        config.pluginmanager.register(ProgressWriter(fd), "bulkhead-progress")


@dataclass(frozen=True)
class LibvirtDomain:
    name: str
    active: bool
    inactive_xml: str
    live_xml: str
    power: Power

    @property
    def ours(self) -> bool:
        return find_ours(self.inactive_xml) is not None


@pytest.fixture(scope="session")
def bulkhead_pillar(request: pytest.FixtureRequest) -> Pillar:
    opt = request.config.getoption
    return pillar_source.load(opt("--bulkhead-pillar"), opt("--bulkhead-pillar-json"), opt("--bulkhead-salt-config"))


@pytest.fixture(scope="session")
def libvirt_uri(request: pytest.FixtureRequest, bulkhead_pillar: Pillar) -> str:
    return request.config.getoption("--bulkhead-uri") or bulkhead_pillar.host.uri


@pytest.fixture(scope="session")
def libvirt_conn(libvirt_uri: str) -> Iterator[Any]:
    with connect(libvirt_uri) as conn:
        yield conn


@pytest.fixture(scope="session")
def bulkhead_plan(libvirt_conn: Any, bulkhead_pillar: Pillar) -> Plan:
    """The plan with the allocations libvirt has recorded: what every definition must say."""
    return current_plan(libvirt_conn, bulkhead_pillar)


@pytest.fixture(scope="session")
def compiled_rulesets(libvirt_conn: Any, bulkhead_pillar: Pillar) -> dict[str, Ruleset]:
    """Every netvm's ruleset as the firewall state compiles it now: the pillar plus the RPC
    broker's disposables alive on this host (their chains are meant to be there)."""
    registry = DispvmRegistry(Path(bulkhead_pillar.formula.paths.dispvm_registry))
    pillar = with_live_disposables(libvirt_conn, bulkhead_pillar, registry)
    allocations = {n: d.allocation for n, d in current_plan(libvirt_conn, pillar).domains.items()}
    return pillar_rulesets(pillar, allocations, int(time.time()), system_resolver)


@pytest.fixture(scope="session")
def libvirt_domains(libvirt_conn: Any) -> dict[str, LibvirtDomain]:
    """Every domain libvirt knows, bulkhead's or not, with its persistent and live definitions."""
    out = {}
    for dom in libvirt_conn.listAllDomains(0):
        try:
            out[dom.name()] = LibvirtDomain(dom.name(), bool(dom.isActive()),
                                            dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE),
                                            dom.XMLDesc(0), power_of(dom))
        except libvirt.libvirtError:
            continue  # undefined while we listed: it cannot be attached to anything any more
    return out


# testinfra's host fixture is module-scoped (one per --hosts entry), so are the fixtures using it.
@pytest.fixture(scope="module")
def bulkhead_bridges(host: Any, bulkhead_plan: Plan, libvirt_conn: Any,
                     bulkhead_pillar: Pillar) -> dict[str, str]:
    """bridge -> what it is: every bridge the plan owns, plus any other bh-* bridge on the host
    but another workstation's (its own verify checks those)."""
    bridges = {net.bridge: f"network {net.name}" for net in bulkhead_plan.networks.values()}
    others = other_workstations_bridges(libvirt_conn, bulkhead_pillar.workstation)
    for name in bridge_names(host.check_output("ip -j link show type bridge")):
        if name.startswith(BRIDGE_PREFIX) and name not in others:
            bridges.setdefault(name, "a bh- bridge no pillar network owns")
    return bridges


@pytest.fixture(scope="module")
def host_bridge_ports(host: Any) -> dict[str, BridgePort]:
    return bridge_ports(host.check_output("bridge -j -d link show"))


@pytest.fixture(scope="module")
def guest(host: Any) -> Any:
    """``guest("work")``: a testinfra host running commands inside that domain (its agent channel)."""
    if host.backend.NAME != "local":
        skipped("inside-guest checks run on the hypervisor host itself "
                "(the agent sockets are local)")
    import testinfra

    from saltext.bulkhead.verify.agent_backend import register

    register()
    return lambda name: testinfra.get_host(f"bulkhead://{name}?timeout=20")


@pytest.fixture(scope="session")
def active_domains(bulkhead_pillar: Pillar, libvirt_domains: dict[str, LibvirtDomain]) -> list[str]:
    """Pillar domains libvirt runs now, bulkhead's own, paused or not: what the host holds for
    them (channels, memory) is there either way."""
    return sorted(n for n in bulkhead_pillar.domains
                  if n in libvirt_domains and libvirt_domains[n].active and libvirt_domains[n].ours)


@pytest.fixture(scope="session")
def running_domains(active_domains: list[str],
                    libvirt_domains: dict[str, LibvirtDomain]) -> list[str]:
    """The active ones whose guest runs (not paused): the ones whose agent can answer."""
    return [n for n in active_domains if libvirt_domains[n].power.answers]


@pytest.fixture(scope="session")
def paused_domains(active_domains: list[str],
                   libvirt_domains: dict[str, LibvirtDomain]) -> dict[str, str]:
    """Active but frozen (paused, or suspended by the guest) -> the one line that says so. Their
    agents cannot answer, so no check asks them (and waits out a timeout); every check that needs
    one of them fails with this line instead: what holds inside a paused guest is unknown."""
    held = {n: libvirt_domains[n].power for n in active_domains if libvirt_domains[n].power.held}
    return {n: f"{n}: {p.why}; nothing inside it can be checked until it runs"
            for n, p in held.items()}


@pytest.fixture(scope="session")
def not_running(bulkhead_pillar: Pillar, running_domains: list[str]) -> list[str]:
    """Pillar domains that should run (``running: true`` with ``formula.manage_power``) but do not:
    a check left without anything to check because of them is skipped, not "not applicable"."""
    if not bulkhead_pillar.formula.manage_power:
        return []
    should = {n for n, d in bulkhead_pillar.domains.items() if d.running}
    return sorted(should - set(running_domains))


@dataclass(frozen=True)
class RunningBroker:
    """The RPC broker the formula started: found by its pidfile, recognised by its command line."""

    pid: int
    args: tuple[str, ...]

    def option(self, name: str) -> str | None:
        return option(list(self.args), name)


@pytest.fixture(scope="module")
def rpc_broker(host: Any, request: pytest.FixtureRequest, bulkhead_pillar: Pillar) -> RunningBroker | None:
    """The formula's broker on the checked host, or None when none runs."""
    own = bulkhead_pillar.formula.paths.broker_pidfile
    pidfile = Path(request.config.getoption("--bulkhead-broker-pidfile") or own)
    found = host.file(str(pidfile))
    pid = found.content_string.strip() if found.exists else ""
    if not pid.isdigit():
        return None
    cmdline = host.file(f"/proc/{pid}/cmdline")
    if not cmdline.exists:
        return None
    args = [a.decode(errors="replace") for a in cmdline.content.rstrip(b"\0").split(b"\0")]
    return RunningBroker(int(pid), tuple(args)) if is_broker_command(args, pidfile) else None


@pytest.fixture(scope="session")
def memd_paths(request: pytest.FixtureRequest, bulkhead_pillar: Pillar) -> ServicePaths:
    opt, own = request.config.getoption, bulkhead_pillar.formula.paths
    return ServicePaths(config=Path(opt("--bulkhead-memd-config") or own.memd_config),
                        pidfile=Path(opt("--bulkhead-memd-pidfile") or own.memd_pidfile))
