"""A broker with guests played by the test: each guest is the far end of a socketpair attached
to the broker, speaking (or abusing) the real frames. Nothing here needs the broker's newer API,
so the hostile tests also run against older code (to show that they fail there)."""

from __future__ import annotations

import io
import logging
import socket
import threading
import time
from pathlib import Path

from saltext.bulkhead.policy import System
from saltext.bulkhead.rpc.broker import Broker
from saltext.bulkhead.rpc.call_limits import CallLimits
from saltext.bulkhead.rpc.host import Host, StaticHost
from saltext.bulkhead.rpc.prompt import Prompt, RefusePrompt
from saltext.bulkhead.rpcwire.frames import Frame, FrameReader, Kind, encode
from saltext.bulkhead.rpcwire.messages import CallRequest, encode_hello

POLICY = """\
test.Echo * @anyvm @anyvm allow
test.Start * alpha gamma allow
"""


def system(states: dict[str, str]) -> System:
    return System.from_json({"domains": {
        "dom0": {"type": "AdminVM", "power_state": "Running"},
        **{name: {"type": "AppVM", "power_state": state} for name, state in states.items()}}})


def call_frame(service_call: str, target: str) -> bytes:
    return CallRequest.from_call(service_call, target).encode()


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class Guest:
    """A domain's end of its channel, played by the test: it answers HELLO, then does exactly
    what the test makes it do."""

    def __init__(self, broker: Broker, name: str):
        host_end, self.sock = socket.socketpair()
        self.reader = FrameReader(self.sock)
        assert broker.attach(name, host_end) is not None
        hello = self.reader.next()
        assert hello is not None and hello.kind is Kind.HELLO
        self.sock.sendall(encode_hello())
        assert broker.wait_ready(name, 5) is not None

    def next(self, timeout: float = 10.0) -> Frame | None:
        self.sock.settimeout(timeout)
        return self.reader.next()

    def next_not_input(self, timeout: float = 10.0) -> Frame | None:
        """The next frame other than relayed DATA/EOF."""
        while (frame := self.next(timeout)) is not None and frame.kind in (Kind.DATA, Kind.EOF):
            pass
        return frame

    def drain(self) -> None:
        """Read and discard everything from now on (a guest that does read)."""
        def read() -> None:
            try:
                while self.reader.next() is not None:
                    pass
            except OSError:
                pass
        self.sock.settimeout(None)
        threading.Thread(target=read, daemon=True).start()

    def exit(self, rc: int = 0) -> None:
        self.sock.sendall(encode(Kind.EXIT, b'{"rc":%d}' % rc))


class Rig:
    def __init__(self, root: Path, host: Host | None = None, policy: str = POLICY,
                 log: logging.Logger | None = None, limits: CallLimits | None = None,
                 prompt: Prompt | None = None, **extra):
        (root / "policy").mkdir()
        (root / "policy" / "50-test.policy").write_text(policy)
        self.text = io.StringIO()
        if log is None:
            log = logging.getLogger(f"bulkhead.hostile.{id(self)}")
            log.setLevel(logging.INFO)
            log.propagate = False
            log.handlers[:] = [logging.StreamHandler(self.text)]
        self.host = host or StaticHost(system({"alpha": "Running", "beta": "Running",
                                               "carol": "Running", "gamma": "Halted"}))
        self.broker = Broker(
            self.host,
            root / "policy",
            prompt or RefusePrompt(),
            log,
            ready_timeout=2.0,
            limits=limits,
            **extra,
        )

    def guest(self, name: str) -> Guest:
        return Guest(self.broker, name)

    def log(self) -> str:
        return self.text.getvalue()

    def detached(self, name: str) -> bool:
        return wait_for(lambda: name not in self.broker.attached())
