"""AgentClient against a real unix socket served by a thread that plays a (mis)behaving agent."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import pytest

from saltext.bulkhead.agent import (
    AgentClient,
    AgentError,
    AgentProtocolError,
    AgentRequestFailed,
    AgentTimeout,
    RunResult,
)

Behaviour = Callable[[socket.socket, dict], None]


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Callable[[Behaviour], str]]:
    """Start a one-connection-at-a-time server; ``behaviour(conn, request)`` answers each one."""
    servers: list[socket.socket] = []

    def start(behaviour: Behaviour) -> str:
        path = str(tmp_path / f"agent{len(servers)}.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    line = conn.makefile("rb").readline()
                    behaviour(conn, json.loads(line))

        threading.Thread(target=serve, daemon=True).start()
        return path

    yield start
    for server in servers:
        server.close()


def reply(conn: socket.socket, obj: object) -> None:
    conn.sendall(json.dumps(obj).encode() + b"\n")


def test_ping_round_trip_sends_the_fixed_request_shape(agent):
    seen = []

    def behaviour(conn, request):
        seen.append(request)
        reply(conn, {"id": request["id"], "ok": True, "name": "work", "uptime": 3.5})

    answer = AgentClient(agent(behaviour)).request("ping", timeout=5)
    assert answer == {"id": seen[0]["id"], "ok": True, "name": "work", "uptime": 3.5}
    assert set(seen[0]) == {"id", "op"} and seen[0]["op"] == "ping"
    assert isinstance(seen[0]["id"], int) and 0 < seen[0]["id"] < 10**15


def test_ids_differ_between_requests(agent):
    ids = []

    def behaviour(conn, request):
        ids.append(request["id"])
        reply(conn, {"id": request["id"], "ok": True})

    client = AgentClient(agent(behaviour))
    client.request("ping", timeout=5)
    client.request("ping", timeout=5)
    assert ids[0] != ids[1]


def test_garbage_and_stale_answers_are_skipped(agent):
    def behaviour(conn, request):
        conn.sendall(b"\x00\xff garbage\n[1, 2]\nnot json {\n")
        reply(conn, {"id": request["id"] + 1, "ok": True, "name": "stale"})
        reply(conn, {"id": True, "ok": True, "name": "bool id"})
        conn.sendall(json.dumps({"id": request["id"], "ok": True, "name": "real"}).encode()[:10])
        conn.sendall(json.dumps({"id": request["id"], "ok": True, "name": "real"}).encode()[10:])
        conn.sendall(b"\n")

    assert AgentClient(agent(behaviour)).request("ping", timeout=5)["name"] == "real"


def test_silence_times_out_and_mentions_skipped_lines(agent):
    def behaviour(conn, request):
        conn.sendall(b"noise\n")
        conn.recv(1)  # hold the connection open until the client gives up

    with pytest.raises(AgentTimeout, match="1 unusable"):
        AgentClient(agent(behaviour)).request("ping", timeout=0.3)


def test_refusal_raises_with_the_agents_answer(agent):
    def behaviour(conn, request):
        reply(conn, {"id": request["id"], "ok": False, "error": "unknown op"})

    with pytest.raises(AgentRequestFailed, match="unknown op") as info:
        AgentClient(agent(behaviour)).request("frobnicate", timeout=5)
    assert info.value.response["ok"] is False


def test_endless_line_is_a_protocol_error(agent):
    def behaviour(conn, request):
        with contextlib.suppress(OSError):  # the client hangs up mid-line: that is the point
            conn.sendall(b"x" * (200 * 1024))

    with pytest.raises(AgentProtocolError):
        AgentClient(agent(behaviour)).request("ping", timeout=5)


def test_closed_connection_and_missing_socket(agent, tmp_path):
    with pytest.raises(AgentError, match="closed"):
        AgentClient(agent(lambda conn, request: None)).request("ping", timeout=5)
    with pytest.raises(AgentError):
        AgentClient(tmp_path / "nothing.sock").request("ping", timeout=1)


@pytest.mark.parametrize("op,args", [
    ("Ping", {}), ("ping", {"id": 3}), ("ping", {"x": 'a"b'}), ("ping", {"x": "a\\b"}),
    ("ping", {"x": "\n"}), ("ping", {"x": 1.5}), ("ping", {"x": True}), ("ping", {"x": 10**15}),
    ("ping", {"Bad": 1}),
])
def test_requests_the_guest_would_refuse_are_refused_on_the_host(op, args, tmp_path):
    with pytest.raises(ValueError):
        AgentClient(tmp_path / "unused.sock").request(op, timeout=1, **args)


def guest_protocol(run_dir: Path) -> Behaviour:
    """Answer with the real guest protocol script under busybox sh, as the guest would."""
    protocol = resources.files("saltext.bulkhead.image") / "guest" / "agent-protocol.sh"
    script = f'name=work; AGENT_RUN={run_dir}; . "{protocol}"; IFS= read -r line; answer "$line"'

    def behaviour(conn, request):
        out = subprocess.run([shutil.which("busybox"), "sh", "-c", script], capture_output=True,
                             input=json.dumps(request).encode() + b"\n", timeout=20, check=True)
        conn.sendall(out.stdout)

    return behaviour


@pytest.mark.skipif(shutil.which("busybox") is None, reason="busybox-static is not installed")
def test_run_round_trip_through_the_guest_protocol(agent, tmp_path):
    client = AgentClient(agent(guest_protocol(tmp_path)))
    result = client.run("printf 'a\\0b'; echo err >&2; exit 4", timeout=5)
    assert result == RunResult(4, b"a\0b", b"err\n", False) and not result.ok
    assert client.run("true").ok
    assert client.firewall_status() is None
    with pytest.raises(AgentRequestFailed, match="clients must be IPv4"):
        client.load_firewall("table inet bulkhead {}", ["10.0.0.1", "$(reboot)"])


def test_run_refuses_answers_that_break_the_shape(agent):
    def behaviour(conn, request):
        reply(conn, {"id": request["id"], "ok": True, "rc": "0", "stdout": "", "stderr": ""})

    with pytest.raises(AgentProtocolError, match="integer rc"):
        AgentClient(agent(behaviour)).run("true")
