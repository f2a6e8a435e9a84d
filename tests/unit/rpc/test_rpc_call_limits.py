"""The broker's call limits between real guest daemons (socketpairs for the ports): a service that
never exits, or floods its caller, is ended by the broker; the caller gets a clear exit status,
the service (with its children) is stopped, and both domains can make and take calls again. A
side that does not take part in the cancel has its channel dropped instead of being held."""

from __future__ import annotations

import io
import socket
import threading
import time
from pathlib import Path

import pytest

from saltext.bulkhead.guest.client import call
from saltext.bulkhead.rpc.call_limits import OUTPUT_LIMIT_RC, TIMEOUT_RC, CallLimits
from saltext.bulkhead.rpc.guest_limits import GuestLimits
from saltext.bulkhead.rpc.prompt import RefusePrompt
from saltext.bulkhead.rpcwire.frames import FrameReader, Kind, encode
from saltext.bulkhead.rpcwire.messages import CallRequest, encode_hello, parse_exit, parse_result

from .own_processes import Marked
from .rpc_harness import HANG_MARKER, Harness


def rig_with(tmp_path: Path, **limits: float) -> Harness:
    return Harness(tmp_path, RefusePrompt(), limits=CallLimits(**limits))


@pytest.fixture
def closing():
    rigs: list[Harness] = []
    yield rigs.append
    for rig in rigs:
        rig.close()


def run(
    rig: Harness, source: str, target: str, service_call: str, data: bytes = b""
) -> tuple[int, bytes]:
    out = io.BytesIO()
    rc = call(target, service_call, [data] if data else [], out, local_socket=rig.socket_of(source))
    return rc, out.getvalue()


def both_ways_usable(rig: Harness) -> None:
    assert run(rig, "alpha", "beta", "test.Echo+", b"x") == (0, b"xfrom alpha +\n")
    assert run(rig, "beta", "alpha", "test.Echo+", b"y") == (0, b"yfrom beta +\n")


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def hangs():
    """This test's own test.Hang processes (not another run's); killed whatever the test did."""
    marked = Marked(HANG_MARKER)
    yield marked
    marked.kill_all()


def test_a_service_that_never_exits_is_ended_at_the_time_limit(tmp_path, closing, hangs):
    rig = rig_with(tmp_path, timeout_s=1.0)
    closing(rig)
    rig.guest("alpha")
    rig.guest("beta")
    outcome: dict[str, object] = {}

    def caller() -> None:
        started = time.monotonic()
        outcome["rc, out"] = run(rig, "alpha", "beta", "test.Hang+", b"ignored input")
        outcome["took"] = time.monotonic() - started

    thread = threading.Thread(target=caller, daemon=True)
    thread.start()
    # The service runs: its shell's sleep and the background one it left holding stdout.
    assert wait_for(lambda: len(hangs.scan()) == 2)
    thread.join(10)
    assert outcome["rc, out"] == (TIMEOUT_RC, b"")
    assert 0.9 < outcome["took"] < 5
    # The target confirmed: its whole service group was stopped, not only the shell (the
    # background sleep, reparented away from us once the shell died, is followed by its pid).
    assert wait_for(lambda: "the cancelled service ended" in rig.log())
    assert wait_for(lambda: hangs.living() == set())
    log = rig.log()
    assert (
        "call test.Hang+ from alpha to beta: ended by the broker: no exit within 1s (exit 124"
        in log
    )
    assert "channel dropped" not in log
    both_ways_usable(rig)


def test_output_over_the_limit_is_cut_and_the_call_ended(tmp_path, closing):
    limit = 300_000  # several DATA frames, and not a multiple of their size
    rig = rig_with(tmp_path, max_output=limit)
    closing(rig)
    rig.guest("alpha")
    rig.guest("beta")
    rc, out = run(rig, "alpha", "beta", "test.Flood+")
    assert rc == OUTPUT_LIMIT_RC
    assert len(out) == limit and set(out.split(b"\n")[:-1]) == {b"bulkhead"}
    assert wait_for(lambda: "the cancelled service ended" in rig.log())
    assert f"output over the limit of {limit} bytes" in rig.log()
    both_ways_usable(rig)


def test_output_up_to_the_limit_passes_whole(tmp_path, closing):
    payload = bytes(range(256)) * 400
    expected = payload + b"from alpha +\n"
    rig = rig_with(tmp_path, max_output=len(expected))
    closing(rig)
    rig.guest("alpha")
    rig.guest("beta")
    assert run(rig, "alpha", "beta", "test.Echo+", payload) == (0, expected)
    assert "ended by the broker" not in rig.log()


def test_finished_calls_leave_no_thread_behind(tmp_path, closing):
    rig = rig_with(tmp_path)  # the default limit: an hour
    closing(rig)
    rig.guest("alpha")
    rig.guest("beta")
    baseline = threading.active_count()
    for _ in range(10):
        assert run(rig, "alpha", "beta", "test.Echo+", b"z")[0] == 0
    assert wait_for(lambda: threading.active_count() <= baseline)


def test_the_deadline_counts_from_each_call(tmp_path, closing):
    """A call ending on its own moves the watcher on to the next one's deadline, not the first's."""
    rig = rig_with(tmp_path, timeout_s=1.5)
    closing(rig)
    rig.guest("alpha")
    rig.guest("beta")
    assert run(rig, "alpha", "beta", "test.Echo+", b"z")[0] == 0
    time.sleep(1.0)
    started = time.monotonic()
    assert run(rig, "alpha", "beta", "test.Hang+")[0] == TIMEOUT_RC
    assert 1.4 < time.monotonic() - started < 4


class FakeGuest:
    """The guest end of a channel played by the test: it answers HELLO and otherwise does only
    what the test makes it do (a hostile or stuck daemon)."""

    def __init__(self, rig: Harness, name: str):
        host_end, self.sock = socket.socketpair()
        self.reader = FrameReader(self.sock)
        rig.broker.attach(name, host_end)
        hello = self.reader.next()
        assert hello is not None and hello.kind is Kind.HELLO
        self.sock.sendall(encode_hello())
        assert rig.broker.wait_ready(name, 5) is not None

    def next_kind(self) -> Kind:
        frame = self.reader.next()
        assert frame is not None
        return frame.kind

    def skip_input(self) -> Kind:
        """The next frame other than the caller's relayed input (DATA, EOF)."""
        while (kind := self.next_kind()) in (Kind.DATA, Kind.EOF):
            pass
        return kind


def test_a_target_that_ignores_the_cancel_loses_its_channel_not_the_caller(tmp_path, closing):
    rig = rig_with(tmp_path, timeout_s=0.5, cancel_grace_s=0.5)
    closing(rig)
    rig.guest("alpha")
    beta = FakeGuest(rig, "beta")
    rc, _ = run(rig, "alpha", "beta", "test.Hang+")
    assert rc == TIMEOUT_RC
    assert beta.next_kind() is Kind.EXEC
    assert beta.skip_input() is Kind.CANCEL  # ... which it ignores
    assert beta.reader.next() is None  # the broker dropped the channel after the grace
    assert (
        "call test.Hang+ from alpha to beta: beta did not complete the cancel within 0.5s"
        in rig.log()
    )
    assert wait_for(lambda: "beta" not in rig.broker.attached())
    rig.guest("beta")  # what the watcher does for a running domain
    both_ways_usable(rig)


def test_a_caller_that_stops_reading_is_dropped_and_the_target_freed(tmp_path, closing):
    rig = Harness(tmp_path, RefusePrompt(), limits=CallLimits(timeout_s=1.0, cancel_grace_s=0.5),
                  guest_limits=GuestLimits(send_timeout_s=0.5))
    closing(rig)
    alpha = FakeGuest(rig, "alpha")
    rig.guest("beta")
    alpha.sock.sendall(CallRequest.from_call("test.Flood+", "beta").encode())
    first = alpha.reader.next()
    assert first is not None and parse_result(first.payload) == "beta"
    # alpha reads nothing more: the flood fills the channel; its outbox drops it.
    assert wait_for(lambda: "alpha: not reading its channel" in rig.log(), timeout=10)
    assert wait_for(lambda: "the cancelled service ended" in rig.log())
    assert wait_for(lambda: "alpha" not in rig.broker.attached())
    rig.guest("alpha")
    both_ways_usable(rig)


def test_the_caller_is_told_before_the_target_is_freed(tmp_path, closing):
    """The caller's EXIT arrives after any output that was relayed, and a new call to the target
    only once its daemon confirmed the cancel."""
    rig = rig_with(tmp_path, timeout_s=0.5, cancel_grace_s=5.0)
    closing(rig)
    alpha = FakeGuest(rig, "alpha")
    beta = FakeGuest(rig, "beta")
    alpha.sock.sendall(CallRequest.from_call("test.Hang+", "beta").encode())
    assert beta.next_kind() is Kind.EXEC
    assert alpha.next_kind() is Kind.RESULT
    beta.sock.sendall(encode(Kind.DATA, b"partial"))
    data = alpha.reader.next()
    assert data is not None and data.payload == b"partial"
    done = alpha.reader.next()
    assert done is not None and parse_exit(done.payload) == TIMEOUT_RC
    assert beta.next_kind() is Kind.CANCEL
    # Until beta confirms, it is still held: a call to it is denied.
    alpha.sock.sendall(CallRequest.from_call("test.Echo+", "beta").encode())
    refused = alpha.reader.next()
    assert refused is not None and parse_result(refused.payload) is None
    beta.sock.sendall(encode(Kind.EOF) + encode(Kind.EXIT, b'{"rc":137}'))
    assert wait_for(lambda: "the cancelled service ended (137); beta is free again" in rig.log())
    alpha.sock.sendall(CallRequest.from_call("test.Echo+", "beta").encode())
    assert beta.next_kind() is Kind.EXEC
    allowed = alpha.reader.next()
    assert allowed is not None and parse_result(allowed.payload) == "beta"
    assert "channel dropped" not in rig.log()
