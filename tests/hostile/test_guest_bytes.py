"""Every host parser of guest bytes, fed what a compromised guest sends: JSON nested 10^5 deep,
huge, truncated and garbage. Each returns a value or raises its module's documented error; never
RecursionError or anything else. Then the same through the real wires: a fake agent on a real
unix socket, the broker's reader on a real channel, memd's real socket."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from saltext.bulkhead.agent import (
    MAX_LINE,
    AgentClient,
    AgentError,
    AgentProtocolError,
    AgentRequestFailed,
)
from saltext.bulkhead.cli import app
from saltext.bulkhead.memd.daemon import DaemonState
from saltext.bulkhead.memd.protocol import handle_line
from saltext.bulkhead.memd.server import MemdServer, serve_in_thread
from saltext.bulkhead.rpc.prompt import RefusePrompt
from saltext.bulkhead.rpcwire import messages
from saltext.bulkhead.rpcwire.frames import (
    MAX_CONTROL,
    Decoder,
    FrameError,
    FrameReader,
    Kind,
    encode,
)
from saltext.bulkhead.saltret import run_state
from saltext.bulkhead.untrusted.json_value import JSONValueError, loads
from tests.unit.rpc.rpc_harness import Harness

from .fake_agent import FakeAgent

DEEP = 10**5
VALID = [b'{"service":"test.Echo","argument":"+","target":"beta"}', b'{"decision":"deny"}',
         b'{"rc":0}', b'{"version":1}', b'{"op":"status"}', b'{"id":1,"ok":true}']


def nested(depth: int, opener: bytes) -> bytes:
    closer = {b"[": b"]", b'{"a":': b"}", b"[{\"k\":": b"}]"}[opener]
    return opener * depth + b"1" + closer * depth


hostile = st.one_of(
    st.builds(nested, st.integers(1, DEEP), st.sampled_from([b"[", b'{"a":', b'[{"k":'])),
    st.integers(1, DEEP).map(lambda n: b"[" * n),  # deep and truncated
    st.integers(1, DEEP).map(lambda n: b'{"op":' * n),
    st.integers(1, 4000).map(lambda n: b'"' + b'\\"' * n),  # unterminated string of escapes
    st.sampled_from(VALID).flatmap(lambda v: st.integers(0, len(v)).map(lambda i: v[:i])),
    st.sampled_from(VALID).map(lambda v: v * 2000),  # huge
    st.sampled_from([b"NaN", b"-Infinity", b"1e400", b'{"rc":1,"rc":2}', b"\xff\xfe", b"]]",
                     b'{"version":1e999}', b"9" * 5000]),
    st.binary(max_size=512),
    st.recursive(st.none() | st.integers() | st.text(max_size=8),
                 lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4),
                                                                           kids, max_size=3),
                 max_leaves=20).map(lambda v: json.dumps(v).encode()),
)
fuzz = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(hostile)
def test_the_shared_parser_returns_a_value_or_its_error(data):
    with contextlib.suppress(JSONValueError):
        loads(data, max_bytes=len(data) + 1)


@fuzz
@given(hostile)
def test_every_rpc_payload_parser_returns_a_value_or_message_error(data):
    for parse in (messages.CallRequest.parse, messages.ExecRequest.parse, messages.parse_result,
                  messages.parse_exit, messages.parse_hello):
        with contextlib.suppress(messages.MessageError):
            parse(data)


def _refuse(name: str, kib: int):
    raise AssertionError("no malformed request may reach the requester")


@fuzz
@given(hostile)
def test_memd_protocol_answers_every_line(data):
    reply = handle_line(data, _refuse, DaemonState())
    assert reply["ok"] is False or json.loads(data) == {"op": "status"}


@fuzz
@given(st.lists(hostile, max_size=4), st.sampled_from(list(Kind)))
def test_the_frame_decoder_returns_frames_or_frame_error(chunks, kind):
    decoder = Decoder()
    try:
        for chunk in chunks:
            for frame in decoder.feed(kind.value + chunk[:4] + chunk):
                assert len(frame.payload) <= MAX_CONTROL or frame.kind is Kind.DATA
    except FrameError:
        pass


# --- the real wires ---------------------------------------------------------------------------


@pytest.fixture
def fake_agent(tmp_path: Path) -> Iterator:
    """``fake_agent(answer)``: the path of a guest agent that answers ``answer(request_id)``."""
    agents: list[FakeAgent] = []

    def start(answer) -> str:
        path = tmp_path / f"agent{len(agents)}.sock"
        agents.append(FakeAgent(path, lambda request: answer(request["id"]) + b"\n"))
        return str(path)

    yield start
    for agent in agents:
        agent.close()


@pytest.fixture
def fuzzed_agent(fake_agent) -> tuple[str, list[bytes]]:
    """One agent for every example of a hypothesis test: it sends whatever ``reply[0]`` holds."""
    reply = [b""]
    return fake_agent(lambda _id: reply[0]), reply


@pytest.mark.parametrize("line", [b"[" * 60_000, b'{"id":' * 10_000, b"[" * DEEP],
                         ids=["array", "object", "over-size"])
def test_an_agent_reply_nested_deep_is_a_protocol_error(fake_agent, line):
    path = fake_agent(lambda _id: line)
    bound = r"nested more than \d+ levels" if len(line) <= MAX_LINE else r"over \d+ bytes"
    with pytest.raises(AgentProtocolError, match=bound):
        AgentClient(path).request("ping", timeout=10)


@settings(fuzz, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile)
def test_every_agent_reply_is_an_answer_or_an_agent_error(fuzzed_agent, data):
    path, reply = fuzzed_agent
    reply[0] = data.replace(b"\n", b" ")
    try:
        answer = AgentClient(path).request("ping", timeout=10)
    except AgentError:
        return
    assert isinstance(answer, dict)


def test_the_broker_reader_denies_nested_calls_and_keeps_serving(tmp_path):
    rig = Harness(tmp_path, RefusePrompt())
    host_end, guest = socket.socketpair()
    try:
        rig.broker.attach("alpha", host_end)
        guest.settimeout(30)  # a dead reader thread would leave us waiting: fail, do not hang
        reader = FrameReader(guest)
        assert reader.next().kind is Kind.HELLO
        guest.sendall(messages.encode_hello())
        assert rig.broker.wait_ready("alpha", 5) is not None
        for depth in (MAX_CONTROL - 100, 2000):
            guest.sendall(encode(Kind.CALL, b"[" * depth + b"]" * 50))
            answer = reader.next()
            assert answer.kind is Kind.RESULT and messages.parse_result(answer.payload) is None
        assert "malformed" in rig.log() and "alpha" in rig.log()
    finally:
        guest.close()
        rig.close()


def test_memd_answers_nested_requests_on_its_socket(tmp_path):
    path = tmp_path / "memd.sock"
    server = MemdServer(path, _refuse, DaemonState())
    serve_in_thread(server)
    try:
        for line in (b'{"op":' * 600, b"[" * 4000):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(30)
                sock.connect(str(path))
                sock.sendall(line + b"\n")
                reply = json.loads(sock.makefile("rb").readline())
            assert reply["ok"] is False and "nested" in reply["error"]
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:  # and it still serves
            sock.connect(str(path))
            sock.sendall(b'{"op":"status"}\n')
            assert json.loads(sock.makefile("rb").readline())["ok"] is True
    finally:
        server.shutdown()
        server.server_close()


# --- a guest's error text on the admin's terminal ---------------------------------------------

EVIL = "\x1b]0;owned\x07\x1b[2Jrm \u202etxt.exe\u200b\x9b31m"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b")


def _raw_controls(text: str) -> list[str]:
    return [c for c in RAW if c in text]


def _refusing(request_id: int) -> bytes:
    return json.dumps({"id": request_id, "ok": False, "error": EVIL}).encode()


def test_an_agent_refusal_is_escaped_for_every_consumer(fake_agent):
    path = fake_agent(_refusing)
    with pytest.raises(AgentRequestFailed) as info:
        AgentClient(path).request("ping", timeout=10)
    message = str(info.value)
    assert _raw_controls(message) == []
    assert "\\x1b]0;owned\\x07\\x1b[2J" in message and "\\u202e" in message  # visible, not lost
    # a Salt state whose action met the refusal: its comment is what Salt prints
    state = run_state("bulkhead-firewall", {"bulkhead": {}}, lambda model: AgentClient(
        path).request("firewall_status", timeout=10))
    assert state["result"] is False and "agent refused" in state["comment"]
    assert _raw_controls(state["comment"]) == []


def test_the_cli_prints_an_agent_refusal_escaped(fake_agent):
    path = fake_agent(_refusing)
    for args in (["image", "ping", path], ["run", "--socket", path, "work", "true"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code != 0 and "agent refused" in result.stderr
        assert _raw_controls(result.stdout + result.stderr) == [], args
