"""Broker and guest daemons wired by socketpairs: the whole RPC path without virtual machines."""

from __future__ import annotations

import io
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path

import saltext.bulkhead
from saltext.bulkhead.guest.daemon import GuestDaemon
from saltext.bulkhead.policy import System
from saltext.bulkhead.rpc.broker import Broker
from saltext.bulkhead.rpc.call_limits import CallLimits
from saltext.bulkhead.rpc.guest_limits import GuestLimits
from saltext.bulkhead.rpc.host import Host, StaticHost
from saltext.bulkhead.rpc.prompt import Prompt

from .own_processes import end_sessions

POLICY = """\
qubes.Filecopy * alpha beta allow
qubes.Filecopy * beta alpha deny
test.Echo * @anyvm @anyvm allow
test.Ask * alpha @anyvm ask default_target=beta
test.Start * alpha gamma allow
test.Admin * alpha @adminvm allow
test.Hang * @anyvm @anyvm allow
test.Flood * @anyvm @anyvm allow
"""
ECHO = "#!/bin/sh\ncat\necho \"from $BULKHEAD_RPC_SOURCE $1\"\n"
# Never exits, and leaves a child holding its stdout: only stopping the whole group ends the call.
# The services run with a clean environment: they import the package under test, not one installed.
MODULES = str(Path(saltext.bulkhead.__file__).parents[2])
HANG_MARKER = "987654.321"
HANG = f"#!/bin/sh\nsleep {HANG_MARKER} &\nsleep {HANG_MARKER}\n"
FLOOD = "#!/bin/sh\nexec yes bulkhead\n"


def system(states: dict[str, str], disposables: dict[str, str] | None = None) -> System:
    """App domains in ``states``; ``disposables`` (name: power) are DispVMs of the template dvm."""
    extra = {}
    if disposables is not None:
        extra = {"dvm": {"type": "AppVM", "template_for_dispvms": True},
                 **{name: {"type": "DispVM", "default_dispvm": "dvm", "power_state": state}
                    for name, state in disposables.items()}}
    return System.from_json(
        {
            "domains": {
                "dom0": {"type": "AdminVM", "power_state": "Running"},
                **{name: {"type": "AppVM", "power_state": state} for name, state in states.items()},
                **extra,
            }
        }
    )


class Harness:
    def __init__(self, root: Path, prompt: Prompt, states: dict[str, str] | None = None,
                 limits: CallLimits | None = None, host: Host | None = None, policy: str = POLICY,
                 guest_limits: GuestLimits | None = None):
        self.root = root
        (root / "policy").mkdir()
        (root / "policy" / "50-test.policy").write_text(policy)
        self.log_text = io.StringIO()
        log = logging.getLogger(f"bulkhead.test.{id(self)}")
        log.setLevel(logging.INFO)
        log.propagate = False
        log.addHandler(logging.StreamHandler(self.log_text))
        self.host = host or StaticHost(
            system(states or {"alpha": "Running", "beta": "Running", "gamma": "Halted"})
        )
        self.broker = Broker(
            self.host,
            root / "policy",
            prompt,
            log,
            ready_timeout=2.0,
            limits=limits,
            guest_limits=guest_limits,
        )
        self.daemons: dict[str, GuestDaemon] = {}

    def guest(self, name: str) -> GuestDaemon:
        """A guest daemon for ``name`` whose port is a socketpair end attached to the broker."""
        host_end, daemon = self.daemon(name)
        self.broker.attach(name, host_end)
        assert self.broker.wait_ready(name, 5) is not None
        return daemon

    def daemon(self, name: str) -> tuple[socket.socket, GuestDaemon]:
        """A running guest daemon for ``name`` and the host end of its port (not yet attached).
        A domain started again gets a new daemon (a new guest boot), with the same services."""
        old = self.daemons.pop(name, None)
        if old is not None:  # the previous boot's daemon: gone with its domain
            old.stop()
            os.close(old.port_fd)
        services = self.root / f"services-{name}"
        services.mkdir(exist_ok=True)
        for service in ("test.Echo", "test.Ask"):
            (services / service).write_text(ECHO)
        (services / "test.Hang").write_text(HANG)
        (services / "test.Flood").write_text(FLOOD)
        (services / "qubes.Filecopy").write_text(
            f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {MODULES!r})\n"
            "from saltext.bulkhead.guest.filecopy_service import main\n"
            f"sys.exit(main({str(self.incoming(name))!r}))\n")
        for path in services.iterdir():
            path.chmod(0o755)
        host_end, guest_end = socket.socketpair()
        daemon = GuestDaemon(
            port="",
            local_socket=str(self.root / f"{name}.sock"),
            services=str(services),
            log=io.StringIO(),
        )
        daemon.port_fd = guest_end.detach()
        threading.Thread(target=daemon.serve_local, daemon=True).start()
        threading.Thread(target=daemon.serve_port, daemon=True).start()
        deadline = time.monotonic() + 5
        while daemon._server is None and time.monotonic() < deadline:  # set once it listens
            time.sleep(0.01)
        self.daemons[name] = daemon
        return host_end, daemon

    def incoming(self, name: str) -> Path:
        return self.root / f"incoming-{name}"

    def socket_of(self, name: str) -> str:
        return str(self.root / f"{name}.sock")

    def log(self) -> str:
        return self.log_text.getvalue()

    def close(self) -> None:
        self.broker.close()
        for daemon in self.daemons.values():
            daemon.stop()
            os.close(daemon.port_fd)
        # A daemon stopped while it was still starting a service (its stop ended only what was
        # under way) leaves that service running, e.g. a test.Hang of a call the broker cut: end
        # every service started from this rig's directories, with what it started.
        left = end_sessions(str(self.root / "services-"))
        assert not left, f"services of the rig still running after close: {sorted(left)}"
