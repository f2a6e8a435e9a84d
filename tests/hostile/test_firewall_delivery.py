"""The firewall state and the disposable factory against netvms that do not answer, or answer
garbage, through the real agent protocol (a guest agent on a real unix socket), on libvirt's
test driver (its volumes keep no bytes: the boot volumes live in memory, as in
tests/functional/virt/test_firewall_boot_volume.py).

Each netvm converges on its own: a healthy netvm gets its ruleset whatever the others do, a netvm
that cannot be reached fails alone (its boot volume still gets the new ruleset), and it costs the
run its own bounds (``AgentBounds``), counted here in requests, not seconds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import socket
import tempfile
import threading

import libvirt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.rpc.dispvm_factory import DispvmFactory
from saltext.bulkhead.virt import domain_absent, domain_present, pool_present
from saltext.bulkhead.virt.firewall import firewalls_applied
from saltext.bulkhead.virt.firewall_agent import AgentBounds
from tests.functional.virt.test_firewall_boot_volume import MemoryVolumes
from tests.guests import DRIVER_URI as URI
from tests.guests import IMAGE

from .fake_agent import FakeAgent

BOUNDS = AgentBounds(wait=0, status=0.5, load=0.5)  # one status attempt per netvm
NESTED = b"[" * 30_000 + b"]" * 30_000  # under the client's 64 KiB line limit


class NetvmAgent(FakeAgent):
    """A netvm's guest agent speaking the wire protocol (one JSON line each way, one client at a
    time, as QEMU's channel socket serves). ``mode``: healthy; stuck (reads the request and never
    answers); garbage (noise, then an answer with our id nested 30,000 deep)."""

    def __init__(self, path: str, mode: str = "healthy") -> None:
        self.mode, self.ops, self.enforced, self.loaded = mode, [], None, []
        self.garbage = (
            b'\x1b]0;pwned\x07 not json\n{"id": ID, "ok": true, "sha256": ' + NESTED + b"}\n"
        )
        super().__init__(path)

    def handle(self, conn: socket.socket) -> None:
        request = json.loads(conn.makefile("rb").readline())
        self.ops.append(request["op"])
        if self.mode == "garbage":  # ID: the request's own id, so the answer is not skipped
            conn.sendall(self.garbage.replace(b"ID", str(request["id"]).encode()))
        if self.mode != "healthy":
            while conn.recv(4096):  # until the host gives up and hangs up
                pass
            return
        if request["op"] == "firewall":
            text = base64.b64decode(request["ruleset"])
            self.enforced = hashlib.sha256(text).hexdigest()
            self.loaded.append(text.decode())
        conn.sendall(json.dumps({"id": request["id"], "ok": True, "sha256": self.enforced})
                     .encode() + b"\n")


def rules(*ports: int) -> list[dict]:
    return [{"action": "accept", "dsthost": "198.51.100.1", "proto": "tcp", "dstports": p}
            for p in ports]


@pytest.fixture
def world(tmp_path):
    conn = libvirt.open(URI)
    s = tmp_path.name[-6:].replace("_", "").lower()
    nets = {mode: f"fh{mode[0]}{s}" for mode in ("healthy", "stuck", "garbage")}
    tpl, dvm, pool = f"fht{s}", f"fhd{s}", f"fhp{s}"
    socks = tempfile.mkdtemp(prefix="bhfw", dir="/tmp")  # AF_UNIX paths are short

    def pillar(ports):
        domains = {tpl: {"class": "template", "image": IMAGE, "netvm": "none"},
                   dvm: {"class": "app", "template": tpl, "netvm": nets["healthy"],
                         "template_for_dispvms": True, "firewall": rules(*ports)}}
        for mode, net in nets.items():
            domains[net] = {
                "class": "app",
                "template": tpl,
                "provides_network": True,
                "netvm": "none",
            }
            domains[f"fc{mode[0]}{s}"] = {"class": "app", "template": tpl, "netvm": net,
                                          "firewall": rules(*ports)}
        return load_pillar({"host": {"uri": URI, "workstation": "test-firewall-delivery",
                                     "domain_type": "auto", "pool": pool,
                                     "pool_path": str(tmp_path / "pool")},
                            "domains": domains, "policy": {"dispvm_limit": 1},
                            # records and registry: where this workstation keeps them
                            "formula": {"paths": {"firewall_records": str(tmp_path / "records"),
                                                  "dispvm_registry": str(tmp_path / "dispvms")}}})

    model = pillar([80, 443])
    assert pool_present(conn, model).result is True
    for name in model.domains:
        assert domain_present(conn, model, name).result is True, name
    for net in nets.values():
        conn.lookupByName(net).create()
    agents = {net: NetvmAgent(f"{socks}/{net}.sock") for net in nets.values()}
    volumes = MemoryVolumes(conn)
    options = {"agents": lambda n: AgentClient(agents[n].path), "volumes": volumes,
               "resolve": lambda host: [], "check": lambda text: None, "bounds": BOUNDS}

    def apply(model, test=False, netvms=None, bounds=BOUNDS):
        return firewalls_applied(
            conn, model, test=test, netvms=netvms, **options | {"bounds": bounds}
        )

    assert apply(model).result is True  # every netvm healthy: all enforce ports 80 and 443
    for mode, net in nets.items():
        agents[net].mode, agents[net].ops = mode, []
    yield conn, pillar, nets, agents, volumes, apply, tmp_path
    for agent in agents.values():
        agent.close()
    shutil.rmtree(socks)
    for name in [d.name() for d in conn.listAllDomains()]:
        if name in model.domains or name.startswith("disp"):
            domain_absent(conn, model, name, purge=True)
    conn.close()


def failed_part(comment: str) -> str:
    return comment.split(". Done: ")[0].split(". Would be done: ")[0]


def test_a_tightening_reaches_the_healthy_netvm_and_the_stuck_ones_fail_alone(world):
    conn, pillar, nets, agents, volumes, apply, tmp_path = world
    healthy, stuck, garbage = nets["healthy"], nets["stuck"], nets["garbage"]
    before = {net: volumes.boot_sha(net) for net in nets.values()}
    tight = pillar([443])
    out = apply(tight)

    assert out.result is False
    failed = failed_part(out.comment)
    assert stuck in failed and garbage in failed and healthy not in failed, out.comment
    assert "no answer to 'firewall_status' within 0.5s" in failed  # the configured bound
    assert "not in force there until it answers" in failed
    # The healthy netvm enforces the tighter ruleset, live and at boot.
    new = out.changes["netvms"][healthy]["ruleset"]["new"]
    assert agents[healthy].enforced == new == volumes.boot_sha(healthy)
    assert "tcp dport 443" in agents[healthy].loaded[-1]
    assert "tcp dport 80 " not in agents[healthy].loaded[-1] + " "
    # The unreachable ones: asked once each (wait=0), nothing delivered, boot volume rewritten.
    assert agents[stuck].ops == ["firewall_status"] and agents[garbage].ops == ["firewall_status"]
    for net in (stuck, garbage):
        assert volumes.boot_sha(net) != before[net]
        assert out.changes["netvms"][net] == {"boot_ruleset": {"old": before[net],
                                                               "new": volumes.boot_sha(net)}}
        assert (
            json.loads((tmp_path / "records" / f"{net}.json").read_text())["sha256"] == before[net]
        )
    assert not [t for t in threading.enumerate() if t.name.startswith("bulkhead-netvm")]

    # Once the stuck netvm answers again it converges; its diff is against what it still enforced.
    agents[stuck].mode = "healthy"
    again = apply(tight)
    assert stuck not in failed_part(again.comment) and garbage in failed_part(again.comment)
    assert agents[stuck].enforced == volumes.boot_sha(stuck)
    assert any(line.startswith("- accept tcp 198.51.100.1:80")
               for lines in again.changes["netvms"][stuck]["rules"].values() for line in lines)
    assert healthy not in again.changes["netvms"]


def test_test_mode_mutates_nothing_and_reports_what_the_run_then_does(world):
    _conn, pillar, nets, agents, volumes, apply, tmp_path = world
    tight = pillar([443])
    content = dict(volumes.content)
    records = {p.name: p.read_bytes() for p in (tmp_path / "records").iterdir()}
    loads = len(agents[nets["healthy"]].loaded)

    preview = apply(tight, test=True)
    assert preview.result is False
    assert nets["stuck"] in failed_part(preview.comment)
    assert nets["healthy"] not in failed_part(preview.comment)
    assert "Would be done: write the boot ruleset of" in preview.comment
    assert volumes.content == content and len(agents[nets["healthy"]].loaded) == loads
    assert {p.name: p.read_bytes() for p in (tmp_path / "records").iterdir()} == records

    done = apply(tight)
    assert done.changes == preview.changes
    assert failed_part(done.comment) == failed_part(preview.comment).replace("would get", "got")


def test_a_disposable_of_the_healthy_netvm_is_served_while_another_netvm_is_stuck(world):
    _conn, pillar, nets, agents, _volumes, apply, tmp_path = world
    model = pillar([80, 443])
    dvm = next(n for n, d in model.domains.items() if d.template_for_dispvms)
    factory = DispvmFactory(URI, lambda: model, tmp_path / "dispvms",
                            firewalls=lambda conn, p, netvms=None: apply(p, netvms=netvms))
    loads = len(agents[nets["healthy"]].loaded)

    name = factory.create(dvm)
    assert len(agents[nets["healthy"]].loaded) == loads + 1  # its chain delivered
    assert agents[nets["stuck"]].ops == [] and agents[nets["garbage"]].ops == []
    factory.remove(name)
    assert len(agents[nets["healthy"]].loaded) == loads + 2  # and withdrawn
    assert agents[nets["stuck"]].ops == [] and agents[nets["garbage"]].ops == []


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=70),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=12)


def _answer(value: object) -> bytes:
    return b'{"id": ID, "ok": true, "sha256": ' + json.dumps(value).encode() + b"}\n"


ANSWERS = st.one_of(
    st.binary(max_size=3000),                                            # garbage
    st.integers(1, 32_000).map(lambda d: _answer(None).replace(b"null", b"[" * d + b"]" * d)),
    JSON.map(_answer),                                                   # well-formed, wrong
    st.tuples(JSON, st.integers(0, 60)).map(lambda t: _answer(t[0])[:t[1]]),  # truncated
    st.integers(64 * 1024, 300 * 1024).map(lambda n: b"[" * n),          # huge, no newline
    st.booleans().map(lambda ok: b'{"id": ID, "ok": %s, "error": "\x1b[2J"}\n'
                      % (b"true" if ok else b"false")),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answer=ANSWERS)
def test_whatever_a_netvm_answers_it_fails_alone(world, answer):
    _conn, pillar, nets, agents, volumes, apply, _tmp = world
    agents[nets["garbage"]].garbage, agents[nets["garbage"]].ops = answer, []
    out = apply(pillar([443]), bounds=AgentBounds(wait=0, status=0.2, load=0.2))
    assert out.result is False
    failed = failed_part(out.comment)
    assert nets["garbage"] in failed and nets["healthy"] not in failed, out.comment
    assert agents[nets["healthy"]].enforced == volumes.boot_sha(nets["healthy"])
    ops = agents[nets["garbage"]].ops
    assert ops[:1] == ["firewall_status"] and len(ops) <= 2  # then at most one delivery
