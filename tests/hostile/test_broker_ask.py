"""``ask: user`` through the real broker, its real answer socket and the ``bulkhead ask`` command:
guests played by the test through real frames. The user picks among the policy's candidates; an
unanswered ask is denied when its time runs out; the guest never learns the ask's id, nor can it
settle an ask; a flood of asks is bounded."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.rpc.ask_server import AskServer
from saltext.bulkhead.rpc.asks import PendingAsks
from saltext.bulkhead.rpc.prompt import prompt_for
from saltext.bulkhead.rpcwire.frames import Kind
from saltext.bulkhead.rpcwire.messages import encode_result, parse_exit, parse_result

from .broker_rig import Rig, call_frame, wait_for

POLICY = """\
test.Echo * alpha @anyvm ask default_target=beta
test.Echo * carol @anyvm ask
test.Echo * beta @anyvm ask
"""


class Asking:
    """A rig whose broker asks the user (``--ask user``), the answer socket served."""

    def __init__(self, root, timeout_s: float = 30.0, max_pending: int = 64):
        self.text = io.StringIO()
        log = logging.getLogger(f"bulkhead.hostile.ask.{id(self)}")
        log.setLevel(logging.INFO)
        log.propagate = False
        log.handlers[:] = [logging.StreamHandler(self.text)]
        self.asks = PendingAsks(timeout_s, log, max_pending)
        self.rig = Rig(root, policy=POLICY, log=log, prompt=prompt_for("user", self.asks))
        (root / "run").mkdir(mode=0o700)
        self.socket = root / "run" / "ask.sock"
        self.server = AskServer(self.socket, self.asks)
        self.server.serve_in_thread("ask-socket")

    def cli(self, *args: str):
        return CliRunner().invoke(app, ["ask", *args, "--socket", str(self.socket)])

    def listed(self) -> list[dict]:
        result = self.cli("list", "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["asks"]

    def wait_pending(self, count: int = 1) -> list[dict]:
        assert wait_for(lambda: len(self.listed()) >= count), self.text.getvalue()
        return self.listed()

    def close(self) -> None:
        self.server.close()
        self.rig.broker.close()


@pytest.fixture
def asking(tmp_path):
    made: list[Asking] = []
    yield lambda **k: made.append(Asking(tmp_path, **k)) or made[-1]
    for one in made:
        one.close()


def test_the_user_allows_to_the_default_or_another_candidate_and_denies(asking):
    rig = asking()
    alpha, beta, carol = (rig.rig.guest(n) for n in ("alpha", "beta", "carol"))
    alpha.sock.sendall(call_frame("test.Echo+", "beta"))
    [ask] = rig.wait_pending()
    assert (ask["source"], ask["call"], ask["targets"], ask["default_target"]) == (
        "alpha", "test.Echo+", ["beta", "carol", "gamma"], "beta")
    shown = rig.cli("list")
    assert shown.stdout.startswith(f"{ask['id']}  alpha calls test.Echo+  to: beta (default), ")
    answered = rig.cli("answer", ask["id"], "allow")
    assert answered.exit_code == 0 and answered.stdout == f"ask {ask['id']}: allowed to beta\n"
    assert beta.next().kind is Kind.EXEC and parse_result(alpha.next().payload) == "beta"
    beta.exit(0)
    assert parse_exit(alpha.next_not_input().payload) == 0
    # The user may send it to another candidate than the one asked for.
    alpha.sock.sendall(call_frame("test.Echo+", "beta"))
    [ask] = rig.wait_pending()
    assert rig.cli("answer", ask["id"], "allow", "--target", "carol").exit_code == 0
    assert carol.next().kind is Kind.EXEC and parse_result(alpha.next().payload) == "carol"
    carol.exit(0)
    assert parse_exit(alpha.next_not_input().payload) == 0
    # Denied: the caller is refused and the target hears nothing.
    alpha.sock.sendall(call_frame("test.Echo+", "beta"))
    [ask] = rig.wait_pending()
    assert rig.cli("answer", ask["id"], "deny").stdout == f"ask {ask['id']}: denied\n"
    assert parse_result(alpha.next().payload) is None
    assert rig.listed() == []
    log = rig.text.getvalue()
    assert f"ask {ask['id']}: the user refused" in log and "ask: chose carol" in log
    assert "call test.Echo+ from alpha to beta: denied" in log


def test_only_a_candidate_may_be_chosen_and_only_once(asking):
    rig = asking()
    beta, alpha = rig.rig.guest("beta"), rig.rig.guest("alpha")
    beta.sock.sendall(call_frame("test.Echo+", "alpha"))
    [ask] = rig.wait_pending()
    assert ask["default_target"] is None  # no default_target=: the user must name one
    for bad in (["allow"], ["allow", "--target", "beta"], ["allow", "--target", "dom0"],
                ["maybe"], ["deny", "--target", "alpha"]):
        result = rig.cli("answer", ask["id"], *bad)
        assert result.exit_code in (1, 2) and result.stderr.startswith("bulkhead: error: "), bad
    assert "has no default target: name one of alpha, carol, gamma" in \
        rig.cli("answer", ask["id"], "allow").stderr
    assert [a["id"] for a in rig.listed()] == [ask["id"]]  # still waiting
    assert rig.cli("answer", ask["id"], "allow", "--target", "alpha").exit_code == 0
    assert alpha.next().kind is Kind.EXEC and parse_result(beta.next().payload) == "alpha"
    again = rig.cli("answer", ask["id"], "deny")
    assert again.exit_code == 1 and "no pending ask" in again.stderr


def test_an_unanswered_ask_is_denied_when_its_time_runs_out(asking):
    rig = asking(timeout_s=0.5)
    alpha, beta = rig.rig.guest("alpha"), rig.rig.guest("beta")
    alpha.sock.sendall(call_frame("test.Echo+", "beta"))
    assert parse_result(alpha.next().payload) is None  # after 0.5 s, nobody having answered
    assert rig.listed() == []
    assert "no answer within 0.5 s: denied" in rig.text.getvalue()
    late = rig.cli("answer", rig.text.getvalue().split("ask ", 1)[1][:8], "allow")
    assert late.exit_code == 1 and "no pending ask" in late.stderr  # too late: nothing to settle
    # The caller is free again: its next ask is asked, and answered in time this time.
    alpha.sock.sendall(call_frame("test.Echo+", "beta"))
    [ask] = rig.wait_pending()
    assert rig.cli("answer", ask["id"], "allow").exit_code == 0
    assert beta.next().kind is Kind.EXEC and parse_result(alpha.next().payload) == "beta"


def test_the_guest_never_sees_the_ask_nor_its_id(asking):
    rig = asking()
    alpha, beta = rig.rig.guest("alpha"), rig.rig.guest("beta")
    received = bytearray()
    alpha.sock.sendall(call_frame("test.Echo+", "beta"))
    [ask] = rig.wait_pending()
    alpha.sock.settimeout(0.3)  # while it waits the caller hears nothing at all
    with pytest.raises(TimeoutError):
        received += alpha.sock.recv(4096)
    # No guest can answer for the user: a RESULT from a guest (the broker's own frame) drops
    # that guest's channel, and the ask still waits.
    carol = rig.rig.guest("carol")
    carol.sock.sendall(encode_result("beta"))
    assert rig.rig.detached("carol") and [a["id"] for a in rig.listed()] == [ask["id"]]
    beta.sock.sendall(call_frame("test.Echo+", "alpha"))  # beta's own ask, another one
    assert wait_for(lambda: len(rig.listed()) == 2)
    assert rig.cli("answer", ask["id"], "allow").exit_code == 0
    alpha.sock.settimeout(10)
    frame = alpha.next()
    received += frame.payload
    assert parse_result(frame.payload) is None  # beta is in a call of its own (its ask): refused
    assert ask["id"].encode() not in received


def test_a_flood_of_asks_is_bounded(asking):
    rig = asking(max_pending=2)
    guests = [rig.rig.guest(n) for n in ("alpha", "beta", "carol")]
    for guest in guests[:2]:
        guest.sock.sendall(call_frame("test.Echo+", "gamma"))
    rig.wait_pending(2)
    guests[2].sock.sendall(call_frame("test.Echo+", "alpha"))
    assert parse_result(guests[2].next().payload) is None  # at once, not after the timeout
    assert "denied: 2 asks wait already" in rig.text.getvalue()
    assert len(rig.listed()) == 2
    threads = threading.active_count()
    for ask in rig.listed():
        assert rig.cli("answer", ask["id"], "deny").exit_code == 0
    for guest in guests[:2]:
        assert parse_result(guest.next().payload) is None
    assert wait_for(lambda: threading.active_count() <= threads - 2)  # their deciding threads end
