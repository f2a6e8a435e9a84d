"""The RPC broker against hostile guests, each played by the test through real frames: whatever
one guest does costs the host a bounded number of threads, bytes, log lines and policy/libvirt
reads, and never makes another domain unreachable. The bounds are docs/rpc.md's "What a guest
may cost the broker"."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

import pytest

from saltext.bulkhead.rpc.guest_limits import GuestLimits
from saltext.bulkhead.rpc.host import StartError, StaticHost
from saltext.bulkhead.rpc.watcher import Watcher
from saltext.bulkhead.rpcwire.frames import Kind, encode
from saltext.bulkhead.rpcwire.messages import encode_hello, parse_exit, parse_result

from .broker_rig import Rig, call_frame, system, wait_for

THREADS_PER_DOMAIN = 3  # its reader, its writer, the thread deciding its one call
MAX_QUEUED = 2 * (64 * 1024 + 5) + 4096  # GuestLimits().max_queued: bytes waiting for one guest
LOG_BURST, LOG_LINES_PER_MINUTE, MAX_LINE = 30, 60, 1000
CALL_BURST, CALLS_PER_S = 20, 5
GARBAGE = b"Z\x00\x00\x00\x00"  # an unknown frame kind: the channel is dropped


@pytest.fixture
def rigs():
    made: list[Rig] = []
    yield lambda *a, **k: made.append(Rig(*a, **k)) or made[-1]
    for rig in made:
        rig.broker.close()


def test_a_guest_that_never_reads_costs_bounded_threads_and_bytes_and_is_dropped(tmp_path, rigs):
    rig = rigs(tmp_path)
    gamma = rig.guest("gamma")
    before = threading.active_count()
    most_threads = most_queued = 0
    dropped = False
    gamma.sock.settimeout(2.0)
    for _ in range(1000):  # denied calls (no rule), about 10 ms apart; not one RESULT is read
        try:
            gamma.sock.sendall(call_frame("test.Nothing+", "beta"))
        except OSError:  # the broker closed the channel
            dropped = True
            break
        time.sleep(0.01)
        most_threads = max(most_threads, threading.active_count() - before)
        most_queued = max(most_queued, getattr(rig.broker, "queued", lambda _: 0)("gamma"))
        if most_threads > THREADS_PER_DOMAIN:
            break  # the old broker: one more blocked thread per call
    assert most_threads <= THREADS_PER_DOMAIN, most_threads
    assert 0 < most_queued <= MAX_QUEUED
    assert dropped and rig.detached("gamma")  # (its log lines, all alike, are mostly suppressed)
    assert wait_for(lambda: threading.active_count() <= before - 2)  # its reader and writer ended


def test_a_caller_that_stops_reading_at_exit_leaves_the_target_reachable(tmp_path, rigs):
    from saltext.bulkhead.rpc.call_limits import CallLimits
    rig = rigs(tmp_path, limits=CallLimits(timeout_s=5.0, cancel_grace_s=1.0))
    alpha, beta, carol = rig.guest("alpha"), rig.guest("beta"), rig.guest("carol")
    alpha.sock.sendall(call_frame("test.Echo+", "beta"))
    assert beta.next().kind is Kind.EXEC
    assert parse_result(alpha.next().payload) == "beta"
    # alpha reads nothing more and fills its own channel with answers to calls it cannot make.
    alpha.sock.settimeout(1.0)
    for _ in range(5000):
        try:
            alpha.sock.sendall(call_frame("test.Echo+", "carol"))
        except OSError:
            break
    beta.exit(0)  # the service ends: its EXIT must not wait for alpha
    # beta is free once the broker has read its EXIT. Channels are read by threads of their own,
    # so a call sent before that may be decided first and is rightly denied (beta is busy).
    assert wait_for(lambda: "call alpha -> beta: service exited with 0" in rig.log())
    carol.sock.sendall(call_frame("test.Echo+", "beta"))
    exec_frame = beta.next_not_input()
    assert exec_frame is not None and exec_frame.kind is Kind.EXEC
    beta.sock.sendall(encode(Kind.DATA, b"for carol"))
    beta.exit(0)
    assert parse_result(carol.next().payload) == "beta"
    data, done = carol.next(), carol.next()
    assert data.payload == b"for carol" and parse_exit(done.payload) == 0


class SlowStarts(StaticHost):
    """Starting a domain takes until the test releases it (then fails); counts starts at once."""

    def __init__(self):
        super().__init__(system({"alpha": "Running", "gamma": "Halted"}))
        self.release = threading.Event()
        self.starts = self.running_now = self.most_at_once = 0
        self._lock = threading.Lock()

    def start(self, name: str) -> None:
        with self._lock:
            self.starts += 1
            self.running_now += 1
            self.most_at_once = max(self.most_at_once, self.running_now)
        self.release.wait(20)
        with self._lock:
            self.running_now -= 1
        raise StartError(f"{name} did not start")


def test_dropping_and_reattaching_never_gives_a_domain_a_second_call(tmp_path, rigs):
    host = SlowStarts()
    rig = rigs(tmp_path, host=host)
    try:
        for i in range(6):
            alpha = rig.guest("alpha")  # what the watcher does after each drop
            alpha.sock.sendall(call_frame("test.Start+", "gamma"))
            # Each call is either started (one more start) or refused: then the guest breaks it.
            assert wait_for(lambda: host.starts + rig.log().count("it is already in a call")
                            == i + 1)  # noqa: B023
            alpha.sock.sendall(GARBAGE)
            assert rig.detached("alpha")
        assert (host.starts, host.most_at_once) == (1, 1)
    finally:
        host.release.set()
    # Its one call ends (the start failed): the domain may call again.
    assert wait_for(lambda: "gamma did not start" in rig.log())
    alpha = rig.guest("alpha")
    alpha.sock.sendall(call_frame("test.Start+", "gamma"))
    assert parse_result(alpha.next().payload) is None and host.starts == 2


class CountedReads(StaticHost):
    def __init__(self):
        super().__init__(system({"alpha": "Running", "gamma": "Running"}))
        self.reads = 0

    def system(self):
        self.reads += 1  # what LibvirtHost reads from libvirt for every decided call
        return super().system()


def test_calls_over_the_domains_rate_are_denied_without_reading_libvirt_or_the_policy(
    tmp_path, rigs
):
    host = CountedReads()
    rig = rigs(tmp_path, host=host)
    gamma = rig.guest("gamma")
    started = time.monotonic()
    for _ in range(200):
        gamma.sock.sendall(call_frame("test.Nothing+", "alpha"))
        assert parse_result(gamma.next().payload) is None
    elapsed = time.monotonic() - started
    assert host.reads <= CALL_BURST + CALLS_PER_S * elapsed + 1
    alpha = rig.guest("alpha")  # another domain's calls are still decided
    reads = host.reads
    alpha.sock.sendall(call_frame("test.Nothing+", "gamma"))
    assert parse_result(alpha.next().payload) is None and host.reads == reads + 1


FLOODS = {  # frames that are no call's data, each one the broker acts on
    "data outside a call": encode(Kind.DATA, b"x" * 100),
    "hellos": encode_hello(),
    "calls": call_frame("test.Echo+", "nobody"),  # denied: over the rate, or by the policy
}


@pytest.mark.parametrize("flood", FLOODS)
def test_a_flood_of_frames_is_acted_on_at_the_domains_frame_rate_and_slows_no_other(
    tmp_path, rigs, flood
):
    limits = GuestLimits(frames_per_s=50.0, frame_burst=20)
    rig = rigs(tmp_path, guest_limits=limits)
    alpha, beta, carol = rig.guest("alpha"), rig.guest("beta"), rig.guest("carol")
    acted = {"alpha": 0}
    dispatch = rig.broker._dispatch

    def counted(endpoint, frame):
        if endpoint.name == "alpha":
            acted["alpha"] += 1
        dispatch(endpoint, frame)

    rig.broker._dispatch = counted  # what the broker acts on, counted as it reaches it
    alpha.drain()  # it reads every answer: it is never dropped for not reading
    stop, sent = threading.Event(), [0]

    def send() -> None:
        burst = FLOODS[flood] * 100
        while not stop.is_set():
            try:
                alpha.sock.sendall(burst)
            except OSError:
                return
            sent[0] += 100

    started = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        time.sleep(1.0)
        # beta's calls are decided and delivered meanwhile
        beta.sock.sendall(call_frame("test.Echo+", "carol"))
        assert carol.next().kind is Kind.EXEC and parse_result(beta.next().payload) == "carol"
        carol.exit(0)
        assert parse_exit(beta.next_not_input().payload) == 0
        seen, elapsed = acted["alpha"], time.monotonic() - started
    finally:
        stop.set()
    assert limits.frame_burst <= seen <= limits.frame_burst + limits.frames_per_s * elapsed + 1
    assert sent[0] > 3 * seen  # the rest waited in alpha's own socket
    assert "alpha" in rig.broker.attached()


def test_a_log_flood_is_limited_per_domain_and_the_log_rotates(tmp_path, rigs):
    from saltext.bulkhead.rpc.service import broker_logger
    path = tmp_path / "broker.log"
    log = broker_logger(path, max_bytes=8192, backups=2)
    try:
        rig = rigs(tmp_path, log=log)
        started = time.monotonic()
        junk = encode(Kind.CALL, b'{"service":"' + b"x\\u001b[2J" * 9 + b'"}')  # malformed: denied
        sent = 0
        gamma = rig.guest("gamma")
        gamma.drain()
        while sent < 140_000:  # 140 kB of malformed guest frames, and channels broken on purpose
            gamma.sock.sendall(junk * 100)
            sent += len(junk) * 100
            gamma.sock.sendall(GARBAGE)
            assert rig.detached("gamma")
            gamma = rig.guest("gamma")
            gamma.drain()

        def text() -> str:
            return "".join(f.read_text() for f in files if f.exists())

        files = [path, path.with_name("broker.log.1"), path.with_name("broker.log.2")]
        # Once its bucket refills, the next line says how many were suppressed.
        assert wait_for(lambda: gamma.sock.sendall(junk) or "log lines suppressed" in text())
        elapsed = time.monotonic() - started
        text = text()
        lines = [line for line in text.splitlines() if "gamma" in line]
        allowed = LOG_BURST + LOG_LINES_PER_MINUTE * elapsed / 60 + 1
        assert len(lines) <= 2 * allowed  # each line let through may carry a "suppressed" line
        assert sum(len(line) + 1 for line in lines) <= 2 * allowed * (MAX_LINE + 60)
        assert "gamma: " in text and "gamma: 0 log" not in text
        # Many domains at once: the file rotates and each file stays within its bound.
        for name in ("alpha", "beta", "carol"):
            guest = rig.guest(name)
            guest.drain()
            guest.sock.sendall(junk * 100)
        assert wait_for(lambda: path.with_name("broker.log.1").exists())
        assert all(f.stat().st_size <= 8192 + MAX_LINE + 100 for f in files if f.exists())
    finally:
        for handler in log.handlers:
            handler.close()


def test_the_reader_never_dies_silently(tmp_path, rigs):
    rig = rigs(tmp_path)
    gamma = rig.guest("gamma")
    gamma.sock.sendall(encode(Kind.HELLO, b"[" * 4000))  # nested deeper than the JSON parser goes
    assert rig.detached("gamma")
    assert wait_for(lambda: "gamma: malformed input, channel dropped" in rig.log()
                    or "gamma: internal error, channel dropped" in rig.log())


def test_a_guest_that_keeps_breaking_its_channel_is_reattached_with_a_back_off(tmp_path, rigs):
    import socket
    rig = rigs(tmp_path)
    watcher = Watcher(rig.broker, tmp_path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(tmp_path / "alpha.sock"))
    server.listen(8)
    attaches = 0
    started = time.monotonic()
    try:
        while time.monotonic() - started < 2.5:  # the watcher scans every 0.05 s
            if watcher.scan() == ["alpha"]:
                attaches += 1
                channel, _ = server.accept()
                channel.sendall(GARBAGE)
                assert rig.detached("alpha")
                channel.close()
            time.sleep(0.05)
    finally:
        server.close()
    assert 1 <= attaches <= 3  # at 0 s, after 1 s, after 2 more s; not at every scan


@pytest.mark.parametrize("mode", [0o750, 0o777, 0o701])
def test_the_broker_refuses_a_socket_directory_not_roots_alone(tmp_path, mode):
    sockets = tmp_path / "rpc"
    sockets.mkdir()
    sockets.chmod(mode)
    (tmp_path / "policy").mkdir()
    (tmp_path / "system.json").write_text('{"domains": {"dom0": {"type": "AdminVM"}}}')
    argv = [sys.executable, "-c", "from saltext.bulkhead.cli import main; main()", "rpc", "broker",
            "--system", str(tmp_path / "system.json"), "--policy-dir", str(tmp_path / "policy"),
            "--socket-dir", str(sockets), "--log", "-"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the broker started on a socket directory others can use")
    assert done.returncode == 2
    assert "it must be root's with mode 0700" in done.stderr


def test_every_line_of_a_domain_goes_through_its_limit(tmp_path, rigs, caplog):
    """Lines about a domain that only exist once per call (started, channel ready...) too."""
    rig = rigs(tmp_path)
    for _ in range(3 * LOG_BURST):
        gamma = rig.guest("gamma")
        gamma.sock.close()
        assert rig.detached("gamma")
    lines = [line for line in rig.log().splitlines() if "gamma" in line]
    assert len(lines) <= 2 * (LOG_BURST + 2)
    assert logging.getLogger("bulkhead.rpc.broker").propagate is False
