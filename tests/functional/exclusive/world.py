"""Domains on libvirt's shared ``test:///default`` driver (the test driver state is per process
and shared by every connection to it, as the recovery's own connection needs), named per test
and removed after it; an agent stand-in on a unix socket that, while the command "runs", reads
what state every other domain is in."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libvirt

from saltext.bulkhead import NAMESPACE
from saltext.bulkhead.apply_lock import lock_path
from saltext.bulkhead.exclusive import Where
from saltext.bulkhead.exclusive.record import Holder, boot_id, start_time

URI = "test:///default"
WORKSTATION = "ws-exclusive"


def domain_xml(name: str, workstation: str | None) -> str:
    meta = ("" if workstation is None else
            f"<metadata><bulkhead:domain xmlns:bulkhead='{NAMESPACE}' class='app' "
            f"workstation='{workstation}'/></metadata>")
    return (f"<domain type='test'><name>{name}</name><uuid>{uuid.uuid4()}</uuid>{meta}"
            "<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>")


@dataclass
class World:
    conn: libvirt.virConnect
    prefix: str
    where: Where
    made: list[str] = field(default_factory=list)

    def domain(self, short: str, workstation: str | None = WORKSTATION, run: bool = True):
        name = f"{self.prefix}-{short}"
        dom = self.conn.defineXML(domain_xml(name, workstation))
        self.made.append(name)
        if run:
            dom.create()
        return dom

    def states(self) -> dict[str, tuple[int, int]]:
        return {n: tuple(self.conn.lookupByName(n).state(0)) for n in self.made}


def world(tmp_path: Path, prefix: str) -> Iterator[World]:
    conn = libvirt.open(URI)
    made = World(conn, prefix, Where(URI, WORKSTATION, tmp_path / "lib/exclusive.json",
                                     lock_path(tmp_path / "locks"), 5.0))
    try:
        yield made
    finally:
        for name in made.made:
            dom = conn.lookupByName(name)
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        conn.close()


def agent(path: Path, during: Callable[[], object]) -> list[object]:
    """Serve ``run`` requests on ``path``: each calls ``during()`` (what the test sees while the
    command runs) and answers rc 0 with what it returned as stdout. The list gets each result."""
    seen: list[object] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve() -> None:
        with server:
            conn, _ = server.accept()
            with conn:
                request = json.loads(conn.makefile("rb").readline())
                seen.append(during())
                conn.sendall(json.dumps({"id": request["id"], "ok": True, "rc": 0, "stdout": "",
                                         "stderr": ""}).encode() + b"\n")

    threading.Thread(target=serve, daemon=True).start()
    return seen


def dead_holder() -> Holder:
    """A holder whose process has ended: a child started and waited for."""
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    start = start_time(child.pid)
    assert start is not None
    child.communicate(b"")
    return Holder(child.pid, start, boot_id())
