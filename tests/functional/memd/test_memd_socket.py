"""The memd socket protocol over a real unix socket, the server in a thread, libvirt test driver."""

from __future__ import annotations

import json
import socket
import stat
from functools import partial

import pytest

from saltext.bulkhead.memd.daemon import DaemonState, balance_once, request
from saltext.bulkhead.memd.daemon_config import DaemonConfig
from saltext.bulkhead.memd.server import MemdServer, serve_in_thread
from saltext.bulkhead.memd_client import ask

from .memd_fixtures import domain_xml, live_kib, private_host, start

MiB = 1024


@pytest.fixture
def memd(tmp_path):
    conn = private_host(tmp_path)
    config = DaemonConfig(
        uri="unused", host_kib=2048 * MiB, reserve_kib=512 * MiB, request_wait=0.0
    )
    state = DaemonState()
    path = tmp_path / "run" / "memd.sock"
    server = MemdServer(path, partial(request, conn, config, state), state)
    serve_in_thread(server)
    yield conn, config, state, path
    server.shutdown()
    server.server_close()
    conn.close()


def raw(path, payload: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        sock.sendall(payload)
        return sock.makefile("rb").readline()


def test_socket_is_private_to_root(memd):
    _, _, _, path = memd
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_request_granted_shrinks_donors(memd):
    conn, _, state, path = memd
    work = start(conn, domain_xml("work", 1024, 1000))
    assert ask(path, {"op": "request", "domain": "new", "mib": 400}) == {"ok": True}
    assert live_kib(work) <= 1536 * MiB - 400 * MiB
    assert ask(path, {"op": "status"})["held_kib"] == {"new": 400 * MiB}


def test_request_that_would_overcommit_is_refused(memd):
    conn, _, state, path = memd
    work = start(conn, domain_xml("work", 1024, 1000))
    reply = ask(path, {"op": "request", "domain": "big", "mib": 1400})
    assert reply["ok"] is False and "MiB short" in reply["error"]
    # capacity 1536 MiB: 536 free, and work (1000 MiB, using 500, preferring 650) can give 350
    assert (reply["domain"], reply["need_mib"], reply["available_mib"]) == ("big", 1400, 886)
    assert "886 MiB available" in reply["error"]
    assert live_kib(work) == 1000 * MiB


def test_status_reports_the_last_targets(memd):
    conn, config, state, path = memd
    start(conn, domain_xml("work", 1024, 1000))
    balance_once(conn, config, state)
    reply = ask(path, {"op": "status"})
    assert reply["ok"] is True
    assert reply["capacity_kib"] == 1536 * MiB
    assert reply["targets_kib"] == dict(state.last.targets)
    assert set(reply["preferences_kib"]) == {"work"}


@pytest.mark.parametrize("payload", [
    b"not json\n",
    b"[1, 2]\n",
    b'{"op": "explode"}\n',
    b'{"op": "request", "domain": "x", "mib": -5}\n',
    b'{"op": "request", "domain": "x", "mib": true}\n',
    b'{"op": "request", "domain": "x", "mib": "12"}\n',
    b'{"op": "request", "domain": "", "mib": 12}\n',
    b'{"op": "request", "mib": 12}\n',
    b"\xff\xfe\n",
    b"\n",
    b"{" + b" " * 5000 + b"}\n",
])
def test_malformed_input_gets_an_error_and_the_daemon_keeps_answering(memd, payload):
    _, _, _, path = memd
    reply = raw(path, payload)
    assert reply.endswith(b"\n")
    assert json.loads(reply)["ok"] is False
    assert ask(path, {"op": "status"})["ok"] is True


def test_client_closing_without_a_request_does_not_stop_the_server(memd):
    _, _, _, path = memd
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(path))
    assert ask(path, {"op": "status"})["ok"] is True


def test_a_second_daemon_refuses_a_live_socket_and_replaces_a_stale_one(memd, tmp_path):
    _, _, state, path = memd
    with pytest.raises(RuntimeError, match="another bulkhead-memd"):
        MemdServer(path, lambda *_: None, state)
    stale = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(stale))  # bound, never listening: what a killed daemon leaves behind
    server = MemdServer(stale, lambda *_: None, state)
    server.server_close()
