"""bulkhead's firewall state on test:///default: the boot ruleset in a netvm's firewall volume.

libvirt's test driver keeps no volume contents and runs no guests, so the volume's bytes live in
memory here (the real layout, net/boot_ruleset.py, read back with ``decode``) and the netvm's
agent is a fake that enforces what it is given. Real guests loading it at boot: tests/isolation.
"""

from __future__ import annotations

import hashlib
import ipaddress

import libvirt
import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.net import boot_ruleset
from saltext.bulkhead.plan import names
from saltext.bulkhead.virt import domain_present, pool_present
from saltext.bulkhead.virt.dispvm_registry import DispvmRegistry
from saltext.bulkhead.virt.firewall import firewalls_applied
from saltext.bulkhead.virt.firewall_agent import AgentBounds
from tests.guests import IMAGE, driver_host


class MemoryVolumes:
    """FirewallVolumes with the bytes kept here; a volume exists once its domain is defined."""

    def __init__(self, conn) -> None:
        self.conn, self.content = conn, {}

    def exists(self, netvm: str) -> bool:
        return netvm in {d.name() for d in self.conn.listAllDomains()}

    def boot_sha(self, netvm: str) -> str | None:
        return boot_ruleset.decode(self.content.get(netvm, b""))

    def write(self, netvm: str, text: str) -> None:
        self.content[netvm] = boot_ruleset.encode(text)


class FakeAgent:
    def __init__(self) -> None:
        self.enforced: str | None = None
        self.loads = 0

    def firewall_status(self, timeout: float = 10) -> str | None:
        return self.enforced

    def load_firewall(self, ruleset: str, clients: list[str], timeout: float = 30) -> str:
        self.loads += 1
        self.enforced = hashlib.sha256(ruleset.encode()).hexdigest()
        return self.enforced


@pytest.fixture
def world(tmp_path):
    conn = libvirt.open("test:///default")
    suffix = tmp_path.name[-6:].replace("_", "").lower()
    net, app, tpl, pool = f"fwn{suffix}", f"fwa{suffix}", f"fwt{suffix}", f"fwp{suffix}"

    def pillar(rules):
        return load_pillar({
            "host": driver_host(pool, tmp_path / "pool"),
            "domains": {
                tpl: {"class": "template", "image": IMAGE, "netvm": "none"},
                net: {"class": "app", "template": tpl, "provides_network": True, "netvm": "none"},
                app: {"class": "app", "template": tpl, "netvm": net, "firewall": rules},
            },
        })

    model = pillar(
        [{"action": "accept", "dsthost": "198.51.100.1", "proto": "tcp", "dstports": 80}]
    )
    assert pool_present(conn, model).result is True
    for name in (tpl, net, app):
        out = domain_present(conn, model, name)
        assert out.result is True, out.comment
    agent = FakeAgent()
    volumes = MemoryVolumes(conn)

    def apply(model, test=False):
        return firewalls_applied(conn, model, test=test, agents=lambda _n: agent, volumes=volumes,
                                 record_dir=tmp_path / "records", resolve=lambda host: [],
                                 check=lambda text: None, bounds=AgentBounds(wait=0),
                                 dispvms=DispvmRegistry(tmp_path / "dispvms"))

    yield conn, model, pillar, net, agent, volumes, apply
    for name in ("disp41", app, net, tpl):
        if name not in {d.name() for d in conn.listAllDomains()}:
            continue
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    conn.close()


def test_a_halted_netvm_gets_its_ruleset_in_its_volume_and_test_mode_writes_nothing(world):
    conn, model, _pillar, net, agent, volumes, apply = world
    assert not conn.lookupByName(net).isActive()
    preview = apply(model, test=True)
    assert preview.result is None
    change = preview.changes["netvms"][net]
    assert change["boot_ruleset"]["old"] is None
    assert any("+ accept" in line and "198.51.100.1" in line for lines in change["rules"].values()
               for line in lines), change
    assert volumes.content == {}

    done = apply(model)
    assert done.result is True, done.comment
    assert done.changes["netvms"][net]["boot_ruleset"] == change["boot_ruleset"]
    assert volumes.boot_sha(net) == change["boot_ruleset"]["new"]
    assert agent.loads == 0  # nobody to deliver to: the netvm loads it when it boots
    assert "loads this ruleset when it boots" in done.comment

    again = apply(model)
    assert again.result is True and again.changes == {}


def test_a_running_netvm_gets_both_and_a_rule_change_shows_once(world):
    conn, model, pillar, net, agent, volumes, apply = world
    conn.lookupByName(net).create()
    first = apply(model)
    assert first.result is True, first.comment
    assert agent.loads == 1 and agent.enforced == volumes.boot_sha(net)
    assert apply(model).changes == {}

    changed = pillar(
        [{"action": "accept", "dsthost": "198.51.100.1", "proto": "tcp", "dstports": 8080}]
    )
    preview = apply(changed, test=True)
    lines = [line for rules in preview.changes["netvms"][net]["rules"].values() for line in rules]
    assert any(line.startswith("-") and "80" in line for line in lines), lines
    assert any(line.startswith("+") and "8080" in line for line in lines), lines
    assert agent.loads == 1
    assert apply(changed).result is True
    assert agent.loads == 2 and agent.enforced == volumes.boot_sha(net)
    assert apply(changed).changes == {}


def test_a_torn_volume_is_rewritten_even_when_the_live_ruleset_is_current(world):
    conn, model, _pillar, net, agent, volumes, apply = world
    conn.lookupByName(net).create()
    assert apply(model).result is True
    whole = volumes.content[net]
    volumes.content[net] = whole[:boot_ruleset.HEADER_BYTES + 10]  # a write cut short
    repaired = apply(model)
    assert repaired.changes["netvms"][net]["boot_ruleset"]["old"] is None
    assert "rules" not in repaired.changes["netvms"][net]  # what it enforces did not change
    assert volumes.content[net] == whole and agent.loads == 1


def test_a_ruleset_that_does_not_fit_the_volume_fails_and_delivers_nothing(world):
    conn, model, pillar, net, agent, volumes, apply = world
    conn.lookupByName(net).create()
    many = [
        {
            "action": "accept",
            "dsthost": str(ipaddress.IPv4Address(0xC6336400 + i)),
            "proto": "tcp",
            "dstports": 80,
            "comment": "x" * 100,
        }
        for i in range(8000)
    ]
    out = apply(pillar(many))
    assert out.result is False
    assert "does not fit a firewall volume" in out.comment and net in out.comment
    assert volumes.content == {} and agent.loads == 0


def test_the_volume_is_planned_for_netvms_only(world):
    _conn, model, _pillar, net, _agent, _volumes, _apply = world
    from saltext.bulkhead.plan import plan_workstation

    plan = plan_workstation(model, {})
    roles = {name: [v.role for v in d.volumes] for name, d in plan.domains.items()}
    assert roles[net][-1] == "firewall"
    assert names.firewall_volume(net) in plan.domains[net].xml
    assert all("firewall" not in r for n, r in roles.items() if n != net)


def test_a_live_disposable_of_the_broker_keeps_its_chain_through_a_salt_run(world, tmp_path):
    # The broker registered disp41 (a disposable of the app, which has a firewall) and defined it.
    conn, model, _pillar, net, agent, volumes, apply = world
    from saltext.bulkhead.model.disposables import with_disposables
    from saltext.bulkhead.virt import domain_present

    app = next(n for n, d in model.domains.items() if d.netvm == net)
    data = model.model_dump(mode="json", by_alias=True)
    data["domains"][app]["template_for_dispvms"] = True
    model = load_pillar(data)
    conn.lookupByName(net).create()
    extended = with_disposables(model, {"disp41": app})
    assert domain_present(conn, extended, "disp41").result is True
    DispvmRegistry(tmp_path / "dispvms").add("disp41", app)
    first = apply(model)  # the Salt run knows only the pillar
    assert first.result is True, first.comment
    rules = first.changes["netvms"][net]["rules"]
    assert "disp41" in rules and any("198.51.100.1" in line for line in rules["disp41"]), rules
    assert apply(model).changes == {}
    # Once the broker has deleted it (undefined, unregistered), its chain goes.
    conn.lookupByName("disp41").undefine()
    DispvmRegistry(tmp_path / "dispvms").remove("disp41")
    gone = apply(model)
    assert any(line.startswith("-") for line in gone.changes["netvms"][net]["rules"]["disp41"])


def test_a_paused_netvm_fails_at_once_naming_it_and_its_agent_is_not_asked(world):
    conn, model, pillar, net, agent, volumes, apply = world
    conn.lookupByName(net).create()
    assert apply(model).result is True and agent.loads == 1
    conn.lookupByName(net).suspend()  # its agent could not answer: none may be waited for
    changed = pillar([{"action": "accept", "dsthost": "198.51.100.1", "proto": "tcp",
                       "dstports": 8080}])
    out = apply(changed)
    assert out.result is False
    assert f"{net}: paused by a user (virsh suspend): its agent cannot answer" in out.comment
    assert agent.loads == 1  # the fake would have answered and loaded it: it was not asked
    change = out.changes["netvms"][net]
    assert "rules" not in change  # nothing changed live
    assert volumes.boot_sha(net) == change["boot_ruleset"]["new"]  # its volume got the new one
