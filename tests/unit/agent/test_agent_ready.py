"""agent/ready.py: a booting guest's agent is waited for with one ping that waits for its answer,
against a real unix socket served by a thread that plays the agent (test_agent_client's)."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from saltext.bulkhead.agent import AgentError, AgentTimeout
from saltext.bulkhead.agent.ready import wait_answering

from .test_agent_client import agent, reply  # noqa: F401  (agent is a fixture)


def test_an_agent_that_starts_serving_late_answers_the_first_ping(agent):  # noqa: F811
    pings = []
    booted = threading.Event()

    def boots_then_answers(conn, request):
        pings.append(request)
        booted.wait(10)  # the guest boots: the request waits in the channel meanwhile
        reply(conn, {"id": request["id"], "ok": True, "name": "work", "uptime": 1.0})

    path = agent(boots_then_answers)
    threading.Timer(1.0, booted.set).start()
    client = wait_answering(path, timeout=20)
    assert len(pings) == 1  # one ping, one connection: no pings on a beat
    assert client.socket_path == path


def test_a_socket_that_appears_later_is_asked_once_it_is_there(tmp_path):
    path = tmp_path / "agent.sock"

    def appear() -> None:
        time.sleep(0.5)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen(1)
        conn, _ = server.accept()
        with conn, server:
            request = conn.makefile("rb").readline()
            reply(conn, {"id": json.loads(request)["id"], "ok": True})

    threading.Thread(target=appear, daemon=True).start()
    assert wait_answering(path, timeout=20).socket_path == str(path)


def test_an_agent_that_never_answers_times_out(agent):  # noqa: F811
    def silent(conn, _request):
        while conn.recv(4096):  # keeps the connection, says nothing, until the host hangs up
            pass

    with pytest.raises(AgentTimeout):
        wait_answering(agent(silent), timeout=0.5)


def test_no_socket_at_all_is_the_connection_error(tmp_path):
    with pytest.raises(AgentError, match="No such file"):
        wait_answering(tmp_path / "none.sock", timeout=0.5)
