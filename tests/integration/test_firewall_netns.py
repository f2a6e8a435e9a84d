"""A compiled netvm ruleset enforced by the real kernel, in network namespaces built for the test.

Topology (mirrors a libvirt netvm network; every namespace is created here and deleted after):

    client "work" 10.137.0.5 ─┐
    client "mail" 10.137.0.6 ─┼─ bridge (ns "lan") ─ eth1 [netvm 10.137.0.2] eth0 ─ 192.0.2.1
    [upstream]
                              ┘

Listeners record every datagram and connection they receive (protocol, port, source, token), so a
probe "passed" only when the far end really saw it. Before any ruleset is loaded a baseline shows
that each probe used below does get through, so a "blocked" result can only come from the ruleset.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from saltext.bulkhead.model import FirewallRule
from saltext.bulkhead.net import Ruleset, check_ruleset, compile_netvm_ruleset

pytestmark = pytest.mark.integration

NETVM = "10.137.0.2"
WORK = "10.137.0.5"
MAIL = "10.137.0.6"
SPOOFED = "10.137.0.99"
UPSTREAM = "192.0.2.1"
NETVM_UPLINK = "192.0.2.2"

LISTENER = r"""
import selectors, socket, sys
log = open(sys.argv[1], "a", buffering=1)
sel = selectors.DefaultSelector()
for spec in sys.argv[2:]:
    proto, addr, port = spec.split(":")
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    if proto == "tcp":
        s.listen(16)
    sel.register(s, selectors.EVENT_READ, (proto, port))
log.write("ready\n")
while True:
    for key, _ in sel.select():
        proto, port = key.data
        if proto == "udp":
            data, (src, _) = key.fileobj.recvfrom(2048)
        else:
            conn, (src, _) = key.fileobj.accept()
            conn.settimeout(2)
            try:
                data = conn.recv(2048)
            except OSError:
                data = b""
            conn.close()
        log.write(f"{proto} {port} {src} {data.decode(errors='replace')}\n")
"""

PROBE = r"""
import socket, sys
proto, src, dst, port, token = sys.argv[1:]
kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind((src, 0))
if proto == "udp":
    s.sendto(token.encode(), (dst, int(port)))
else:
    s.settimeout(1.5)
    try:
        s.connect((dst, int(port)))
        s.sendall(token.encode())
    except OSError:
        pass
s.close()
"""


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=30)


@dataclass
class Lab:
    prefix: str
    logs: Path
    token_count: int = 0

    def ns(self, role: str) -> str:
        return f"{self.prefix}-{role}"

    def sh(self, role: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run("ip", "netns", "exec", self.ns(role), *args, check=check)

    def load(self, ruleset: Ruleset) -> None:
        check_ruleset(ruleset.text)
        subprocess.run(
            ["ip", "netns", "exec", self.ns("netvm"), "nft", "-f", "-"],
            input=ruleset.text, text=True, capture_output=True, check=True, timeout=30,
        )

    def probe(self, client: str, proto: str, dst: str, port: int, src: str | None = None) -> str:
        """Send one token from ``client`` and return it; ``seen`` tells whether it arrived."""
        self.token_count += 1
        token = f"t{self.token_count}-{uuid.uuid4().hex[:8]}"
        source = src or {"work": WORK, "mail": MAIL}[client]
        self.sh(client, sys.executable, "-c", PROBE, proto, source, dst, str(port), token)
        return token

    def seen(self, token: str, wait: float = 1.0) -> list[str]:
        """Where ``token`` arrived ("where proto port source"), waiting up to ``wait`` seconds."""
        deadline = time.monotonic() + wait
        while True:
            hits = [
                f"{log.stem} {line.rsplit(' ', 1)[0]}"
                for log in sorted(self.logs.glob("*.log"))
                for line in log.read_text().splitlines()
                if line.endswith(" " + token)
            ]
            if hits or time.monotonic() >= deadline:
                return hits


def _build(lab: Lab) -> list[subprocess.Popen[bytes]]:
    for role in ("lan", "netvm", "upstream", "work", "mail"):
        run("ip", "netns", "add", lab.ns(role))
    lan, netvm = lab.ns("lan"), lab.ns("netvm")
    lab.sh("lan", "ip", "link", "add", "br0", "type", "bridge")
    lab.sh("lan", "ip", "link", "set", "br0", "up")
    for role, port in (("netvm", "pnet"), ("work", "pwork"), ("mail", "pmail")):
        inner = "eth1" if role == "netvm" else "eth0"
        run(
            "ip",
            "link",
            "add",
            port,
            "netns",
            lan,
            "type",
            "veth",
            "peer",
            "name",
            inner,
            "netns",
            lab.ns(role),
        )
        lab.sh("lan", "ip", "link", "set", port, "master", "br0", "up")
        lab.sh(role, "ip", "link", "set", inner, "up")
        lab.sh(role, "ip", "link", "set", "lo", "up")
    run(
        "ip",
        "link",
        "add",
        "eth0",
        "netns",
        netvm,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        lab.ns("upstream"),
    )
    lab.sh("upstream", "ip", "link", "set", "lo", "up")
    lab.sh("upstream", "ip", "addr", "add", f"{UPSTREAM}/24", "dev", "eth0")
    lab.sh("upstream", "ip", "link", "set", "eth0", "up")
    # The netvm: Qubes-style point-to-point /32 addressing toward clients, routing enabled, and
    # reverse-path filtering off so that only the ruleset can stop a spoofed source.
    lab.sh("netvm", "ip", "addr", "add", f"{NETVM_UPLINK}/24", "dev", "eth0")
    lab.sh("netvm", "ip", "link", "set", "eth0", "up")
    lab.sh("netvm", "ip", "addr", "add", f"{NETVM}/32", "dev", "eth1")
    for addr in (WORK, MAIL, SPOOFED):
        lab.sh("netvm", "ip", "route", "add", addr, "dev", "eth1")
    lab.sh("netvm", "sysctl", "-qw", "net.ipv4.ip_forward=1")
    for scope in ("all", "default", "eth0", "eth1"):
        lab.sh("netvm", "sysctl", "-qw", f"net.ipv4.conf.{scope}.rp_filter=0")
    for role, addr in (("work", WORK), ("mail", MAIL)):
        lab.sh(role, "ip", "addr", "add", f"{addr}/32", "dev", "eth0")
        lab.sh(role, "ip", "route", "add", NETVM, "dev", "eth0")
        lab.sh(role, "ip", "route", "add", "default", "via", NETVM)
    lab.sh("mail", "ip", "addr", "add", f"{SPOOFED}/32", "dev", "eth0")
    # Without the ruleset the upstream would see client addresses: give it the way back, so the
    # baseline proves delivery; with the ruleset, masquerading makes this route unnecessary.
    lab.sh("upstream", "ip", "route", "add", "10.137.0.0/16", "via", NETVM_UPLINK)

    listeners = []
    for role, specs in (
        (
            "upstream",
            [
                f"tcp:{UPSTREAM}:8080",
                f"tcp:{UPSTREAM}:8081",
                f"udp:{UPSTREAM}:9000",
                f"udp:{UPSTREAM}:9001",
            ],
        ),
        ("netvm", [f"udp:{NETVM}:53", f"tcp:{NETVM}:22"]),
        ("mail", [f"udp:{MAIL}:9000"]),
    ):
        log = lab.logs / f"{role}.log"
        proc = subprocess.Popen(
            ["ip", "netns", "exec", lab.ns(role), sys.executable, "-c", LISTENER, str(log), *specs],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        listeners.append(proc)
        deadline = time.monotonic() + 10
        while not (log.exists() and log.read_text().startswith("ready")):
            assert proc.poll() is None and time.monotonic() < deadline, (
                f"listener in {role} did not start"
            )
            time.sleep(0.05)
    return listeners


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if os.geteuid() != 0 or shutil.which("nft") is None or shutil.which("ip") is None:
        pytest.skip("needs root, nft and ip (iproute2) to build network namespaces")
    lab = Lab(prefix=f"bhfw{os.getpid()}", logs=tmp_path_factory.mktemp("fwlogs"))
    listeners: list[subprocess.Popen[bytes]] = []
    try:
        listeners = _build(lab)
        yield lab
    finally:
        for proc in listeners:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        for role in ("work", "mail", "upstream", "netvm", "lan"):
            run("ip", "netns", "del", lab.ns(role), check=False)


def compile_for(
    clients: dict, now: int | None = None, resolve=lambda name: ["192.0.2.1"]
) -> Ruleset:
    return compile_netvm_ruleset(
        "sys-net", clients, int(time.time()) if now is None else now, resolve, dns=[NETVM]
    )


WORK_RULES = [
    FirewallRule(action="accept", proto="tcp", dsthost=UPSTREAM, dstports=8080, comment="web"),
    FirewallRule(action="accept", specialtarget="dns", proto="udp"),
    FirewallRule(action="accept", proto="udp", dsthost="10.137.0.0/24", dstports=9000),
]
MAIL_RULES = [
    FirewallRule(action="accept", proto="udp", dsthost="upstream.example", dstports="9000-9001")
]


def test_the_kernel_enforces_the_compiled_ruleset(lab: Lab) -> None:
    # Baseline without any ruleset: every probe used below can get through.
    baseline = {
        "work tcp 8081": lab.probe("work", "tcp", UPSTREAM, 8081),
        "mail spoofed udp 9000": lab.probe("mail", "udp", UPSTREAM, 9000, src=SPOOFED),
        "work -> mail udp 9000": lab.probe("work", "udp", MAIL, 9000),
        "work -> netvm tcp 22": lab.probe("work", "tcp", NETVM, 22),
        "mail dns": lab.probe("mail", "udp", NETVM, 53),
    }
    assert {what: bool(lab.seen(token)) for what, token in baseline.items()} == dict.fromkeys(
        baseline, True
    )

    ruleset = compile_for({"work": (WORK, WORK_RULES), "mail": (MAIL, MAIL_RULES)})
    lab.load(ruleset)

    web = lab.probe("work", "tcp", UPSTREAM, 8080)
    assert lab.seen(web) == [f"upstream tcp 8080 {NETVM_UPLINK}"]  # allowed, and masqueraded
    dns = lab.probe("work", "udp", NETVM, 53)
    assert lab.seen(dns) == [f"netvm udp 53 {WORK}"]
    upd = lab.probe("mail", "udp", UPSTREAM, 9001)
    assert lab.seen(upd) == [f"upstream udp 9001 {NETVM_UPLINK}"]

    blocked = {
        "work tcp 8081 (no rule)": lab.probe("work", "tcp", UPSTREAM, 8081),
        "work udp 9000 (no rule)": lab.probe("work", "udp", UPSTREAM, 9000),
        "mail tcp 8080 (no rule)": lab.probe("mail", "tcp", UPSTREAM, 8080),
        "mail dns (rules do not allow it)": lab.probe("mail", "udp", NETVM, 53),
        "work -> netvm ssh (no service but dns)": lab.probe("work", "tcp", NETVM, 22),
        "work -> mail (clients never meet, even if a rule allows it)": lab.probe(
            "work", "udp", MAIL, 9000
        ),
        "mail with a source that is no client": lab.probe(
            "mail", "udp", UPSTREAM, 9000, src=SPOOFED
        ),
    }
    arrived = {what: lab.seen(token, wait=0.3) for what, token in blocked.items()}
    assert arrived == {what: [] for what in blocked}


def test_a_rule_change_reaches_the_running_netvm(lab: Lab) -> None:
    lab.load(compile_for({"work": (WORK, WORK_RULES), "mail": (MAIL, MAIL_RULES)}))
    assert lab.seen(lab.probe("mail", "udp", UPSTREAM, 9000))

    changed = compile_for(
        {
            "work": (WORK, WORK_RULES),
            "mail": (MAIL, [FirewallRule(action="accept", proto="tcp", dstports=8081)]),
        }
    )
    lab.load(changed)
    assert lab.seen(lab.probe("mail", "tcp", UPSTREAM, 8081))
    assert lab.seen(lab.probe("mail", "udp", UPSTREAM, 9000), wait=0.3) == []
    # Replaced, not stacked: the netvm holds exactly the delivered table, once.
    listed = lab.sh("netvm", "nft", "list", "tables").stdout.split()
    assert listed == ["table", "inet", "bulkhead"]
    assert (
        lab.sh(
            "netvm", "nft", "list", "chain", "inet", "bulkhead", "client-10-137-0-6"
        ).stdout.count("dport 8081")
        == 1
    )


def test_an_unresolvable_name_closes_only_its_client(lab: Lab) -> None:
    def resolve(name: str) -> list[str]:
        raise OSError("no such name")

    ruleset = compile_for({"work": (WORK, WORK_RULES), "mail": (MAIL, MAIL_RULES)}, resolve=resolve)
    assert [c.applied for c in ruleset.clients] == [True, False]
    lab.load(ruleset)
    assert lab.seen(lab.probe("work", "tcp", UPSTREAM, 8080))
    assert lab.seen(lab.probe("mail", "udp", UPSTREAM, 9000), wait=0.3) == []


def test_the_kernel_stops_an_expired_rule_without_recompiling(lab: Lab) -> None:
    now = int(time.time())
    rules = [
        FirewallRule(action="accept", proto="udp", dsthost=UPSTREAM, dstports=9001, expire=now + 2)
    ]
    lab.load(compile_for({"mail": (MAIL, rules)}, now=now))
    assert lab.seen(lab.probe("mail", "udp", UPSTREAM, 9001))
    time.sleep(max(0.0, now + 2.2 - time.time()))
    assert lab.seen(lab.probe("mail", "udp", UPSTREAM, 9001), wait=0.3) == []
