"""The pending asks and their answer socket's protocol: only a pending ask's candidates settle
it, malformed requests get an error and never a crash (hypothesis), and what a guest wrote is
escaped before ``bulkhead ask list`` shows it."""

from __future__ import annotations

import json
import logging
import threading

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.rpc.ask_server import MAX_LINE, AskServer, handle_line
from saltext.bulkhead.rpc.asks import PendingAsks

LOG = logging.getLogger("bulkhead.test.asks")


def _waiting(asks: PendingAsks, call: str = "qubes.Filecopy+", default: str | None = "vault"):
    """Start an ask in a thread; (its id, a list that gets the answer)."""
    got: list[str | None] = []
    thread = threading.Thread(target=lambda: got.append(
        asks.wait_for_answer("work", call, ("personal", "vault"), default)), daemon=True)
    thread.start()
    while not asks.pending():
        threading.Event().wait(0.01)
    return asks.pending()[0]["id"], got, thread


def test_an_answer_settles_its_ask_with_a_candidate_only():
    asks = PendingAsks(30, LOG)
    ask_id, got, thread = _waiting(asks)
    for bad in ({"op": "answer", "id": ask_id, "allow": True, "target": "work"},
                {"op": "answer", "id": "nosuch", "allow": True},
                {"op": "answer", "id": ask_id, "allow": "yes"},
                {"op": "answer", "id": ask_id, "allow": True, "extra": 1},
                {"op": "list", "id": ask_id}):
        assert handle_line(json.dumps(bad).encode(), asks)["ok"] is False, bad
    reply = handle_line(json.dumps({"op": "answer", "id": ask_id, "allow": True}).encode(), asks)
    assert reply == {"ok": True, "chosen": "vault"}  # the policy's default target
    thread.join(5)
    assert got == ["vault"] and asks.pending() == []


def test_a_default_that_is_no_candidate_is_no_default():
    asks = PendingAsks(30, LOG)
    ask_id, got, thread = _waiting(asks, default="dom0")
    assert asks.pending()[0]["default_target"] is None
    assert handle_line(json.dumps({"op": "answer", "id": ask_id, "allow": True}).encode(),
                       asks)["ok"] is False
    asks.answer(ask_id, allow=False)
    thread.join(5)
    assert got == [None]


@given(st.binary(max_size=300) | st.builds(lambda v: json.dumps(v).encode(), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["op", "id", "allow", "target", "x"]), inner, max_size=4))))
def test_any_request_gets_a_reply_never_an_exception(line):
    reply = handle_line(line, PendingAsks(30, LOG))
    assert reply["ok"] is False or set(reply) == {"ok", "asks"}


def test_deep_or_long_requests_are_refused():
    assert handle_line(b"[" * 10_000, PendingAsks(1, LOG))["ok"] is False
    assert handle_line(b" " * (MAX_LINE + 1), PendingAsks(1, LOG))["ok"] is False


def test_the_guests_text_is_escaped_in_the_listing(tmp_path):
    asks = PendingAsks(30, LOG)
    socket = tmp_path / "ask.sock"
    server = AskServer(socket, asks)
    server.serve_in_thread("ask-socket")
    try:
        assert socket.stat().st_mode & 0o777 == 0o600  # root's alone: no guest, no other user
        ask_id, _, _ = _waiting(asks, call="x\x1b]0;owned\x07+\u202e")
        result = CliRunner().invoke(app, ["ask", "list", "--socket", str(socket)])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
        assert "x\\x1b]0;owned\\x07+\\u202e" in result.stdout
        listed = CliRunner().invoke(app, ["ask", "list", "--json", "--socket", str(socket)])
        assert "\x1b" not in listed.stdout  # JSON escapes controls itself
        asks.answer(ask_id, allow=False)
    finally:
        server.close()
    assert not socket.exists()
    missing = CliRunner().invoke(app, ["ask", "list", "--socket", str(socket)])
    assert missing.exit_code == 1 and "no RPC broker answers on" in missing.stderr
