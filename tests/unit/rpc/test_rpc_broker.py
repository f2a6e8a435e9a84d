"""The broker between real guest daemons (socketpairs stand in for the virtio-serial ports):
allowed calls relay data both ways, denied and malformed ones are refused and logged, and the
source of a call is always the channel it came in on."""

from __future__ import annotations

import io
import socket
import time

import pytest

from saltext.bulkhead.filecopy import send
from saltext.bulkhead.guest.client import REFUSED_RC, call
from saltext.bulkhead.rpc.prompt import HookPrompt, RefusePrompt
from saltext.bulkhead.rpcwire.frames import FrameReader, Kind, encode
from saltext.bulkhead.rpcwire.messages import encode_hello, parse_result

from .rpc_harness import Harness


@pytest.fixture
def asked():
    return []


@pytest.fixture
def rig(tmp_path, asked):
    def hook(source, service_call, targets, default):
        asked.append((source, service_call, targets, default))
        return asked_answer[0]

    asked_answer = ["beta"]
    harness = Harness(tmp_path, HookPrompt(hook))
    harness.answer = asked_answer
    harness.guest("alpha")
    harness.guest("beta")
    yield harness
    harness.close()


def run(rig, source, target, service_call, data=b""):
    out = io.BytesIO()
    rc = call(target, service_call, [data] if data else [], out, local_socket=rig.socket_of(source))
    return rc, out.getvalue()


def test_allowed_call_relays_both_ways_with_the_channel_as_source(rig):
    payload = bytes(range(256)) * 700  # several DATA frames each way
    rc, out = run(rig, "alpha", "beta", "test.Echo+arg", payload)
    assert rc == 0
    assert out == payload + b"from alpha +arg\n"
    assert "call test.Echo+arg from alpha to beta: allowed to beta" in rig.log()


def test_file_copy_allowed_one_way_denied_the_other(rig, tmp_path):
    src = tmp_path / "f"
    src.write_bytes(b"secret report\n" * 5000)
    out = io.BytesIO()
    assert (
        call("beta", "qubes.Filecopy+", send([src]), out, local_socket=rig.socket_of("alpha")) == 0
    )
    assert (rig.incoming("beta") / "alpha" / "f").read_bytes() == src.read_bytes()
    assert b"received 1 entries" in out.getvalue()
    assert call("alpha", "qubes.Filecopy+", send([src]), io.BytesIO(),
                local_socket=rig.socket_of("beta")) == REFUSED_RC
    assert not rig.incoming("alpha").exists()
    assert "call qubes.Filecopy+ from beta to alpha: denied: " in rig.log()
    assert "50-test.policy:2" in rig.log()


def test_unknown_service_and_default_deny(rig):
    rc, _ = run(rig, "alpha", "beta", "no.Such+")
    assert rc == REFUSED_RC
    assert "no rule matched: default deny" in rig.log()


def test_ask_uses_the_prompt(rig, asked):
    rc, out = run(rig, "alpha", "beta", "test.Ask+", b"hi")
    assert rc == 0 and out.startswith(b"hi")
    assert asked == [("alpha", "test.Ask+", ("beta", "gamma"), "beta")]
    rig.answer[0] = None
    assert run(rig, "alpha", "beta", "test.Ask+")[0] == REFUSED_RC
    rig.answer[0] = "dom0"  # not among the candidates: refused
    assert run(rig, "alpha", "beta", "test.Ask+")[0] == REFUSED_RC
    assert "ask: refused" in rig.log()


def test_targets_that_cannot_be_served_are_denied(rig):
    assert run(rig, "alpha", "gamma", "test.Start+")[0] == REFUSED_RC
    assert "gamma is not running and this broker starts no domains" in rig.log()
    assert run(rig, "alpha", "dom0", "test.Admin+")[0] == REFUSED_RC
    assert "dom0 is not served by this broker" in rig.log()
    assert run(rig, "alpha", "alpha", "test.Echo+")[0] == REFUSED_RC
    assert "cannot call itself" in rig.log()


def raw_channel(rig, name):
    host_end, guest_end = socket.socketpair()
    rig.broker.attach(name, host_end)
    reader = FrameReader(guest_end)
    assert reader.next().kind is Kind.HELLO
    guest_end.sendall(encode_hello())
    assert rig.broker.wait_ready(name, 5) is not None
    return guest_end, reader


def test_a_call_naming_its_source_is_malformed_and_denied(rig):
    guest, reader = raw_channel(rig, "gamma")
    with guest:
        guest.sendall(
            encode(
                Kind.CALL,
                b'{"service":"test.Echo","argument":"+","target":"beta","source":"alpha"}',
            )
        )
        answer = reader.next()
        assert answer.kind is Kind.RESULT and parse_result(answer.payload) is None
        assert "call from gamma: malformed request denied" in rig.log()


@pytest.mark.parametrize(
    "junk",
    [
        b"Z\x00\x00\x00\x00",
        encode(Kind.EXEC, b"{}"),
        encode(Kind.EXIT, b'{"rc":0}'),
        b"D\xff\xff\xff\xff",
    ],
)
def test_broken_framing_or_forbidden_frames_drop_the_channel(rig, junk):
    guest, reader = raw_channel(rig, "gamma")
    with guest:
        guest.sendall(junk)
        assert reader.next() is None  # the broker closed it
    deadline = time.monotonic() + 5
    while "gamma" in rig.broker.attached() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "gamma" not in rig.broker.attached()
    assert "gamma: malformed input, channel dropped" in rig.log()
    assert run(rig, "alpha", "beta", "test.Echo+", b"ok")[0] == 0  # others unaffected


def test_one_call_at_a_time_per_domain(rig):
    guest, reader = raw_channel(rig, "gamma")
    with guest:
        call_frame = encode(Kind.CALL, b'{"service":"test.Echo","argument":"+","target":"beta"}')
        guest.sendall(call_frame + call_frame)
        results = [reader.next(), reader.next()]
        assert sorted(parse_result(r.payload) or "" for r in results) == ["", "beta"]
        assert "it is already in a call" in rig.log()
        guest.sendall(encode(Kind.DATA, b"x") + encode(Kind.EOF))
        frames = []
        while not frames or frames[-1].kind is not Kind.EXIT:
            frames.append(reader.next())
        assert b"".join(f.payload for f in frames if f.kind is Kind.DATA) == b"xfrom gamma +\n"


def test_a_caller_that_disappears_mid_call_frees_the_target(rig):
    guest, reader = raw_channel(rig, "gamma")
    guest.sendall(encode(Kind.CALL, b'{"service":"qubes.Filecopy","argument":"+","target":"beta"}'))
    assert reader.next().kind is Kind.RESULT
    guest.sendall(encode(Kind.DATA, b"BHFC1\nF"))
    guest.close()  # the receiver sees a truncated stream and keeps nothing
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and "qubes.Filecopy" not in rig.log().split("gamma: channel closed")[-1]
    ):
        time.sleep(0.02)
    assert run(rig, "alpha", "beta", "test.Echo+", b"again")[0] == 0
    incoming = rig.incoming("beta") / "gamma"
    assert not incoming.exists() or list(incoming.iterdir()) == []


def test_refuse_prompt_denies_every_ask(tmp_path):
    harness = Harness(tmp_path, RefusePrompt())
    try:
        harness.guest("alpha")
        harness.guest("beta")
        assert run(harness, "alpha", "beta", "test.Ask+")[0] == REFUSED_RC
    finally:
        harness.close()
