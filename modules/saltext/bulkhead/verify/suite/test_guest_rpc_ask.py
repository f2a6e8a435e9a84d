"""From inside the guests, with the broker asking the user (``bulkhead:policy:ask: user``): a
file copy the policy asks about is served when the user allows it and refused when the user
denies it, end to end.

The check plays the user: it finds two running domains between which the installed policy asks
about ``qubes.Filecopy`` with the named target among the candidates, sends the copy of no files
with ``bulkhead-rpc`` inside the caller, waits for that ask to appear on the broker's answer
socket (a new one, from that caller, for that call: never a real user's question) and answers
it, once allow to that target, once deny. Allowed, the receiver must answer that it received 0
entries and the broker must log the user's choice; denied, the caller must be refused (126).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from saltext.bulkhead.agent import AgentClient, AgentError
from saltext.bulkhead.guest.client import REFUSED_RC
from saltext.bulkhead.memd_client import ask as request
from saltext.bulkhead.plan import names
from saltext.bulkhead.rpc.ask_server import DEFAULT_ASK_SOCKET
from saltext.bulkhead.rpc.asks import DEFAULT_TIMEOUT_S
from saltext.bulkhead.rpc.authorize import authorize
from saltext.bulkhead.rpc.prompt import HookPrompt
from saltext.bulkhead.rpcwire.messages import CallRequest
from saltext.bulkhead.verify.skips import no_subject, not_applicable, skipped

from .rpc_calls import NO_FILES, broker_facts, broker_log, broker_policy_dir, logged_since

FILECOPY = CallRequest("qubes.Filecopy", "+", "@default").call
RECEIVER = "/usr/lib/bulkhead/rpc-services/qubes.Filecopy"
ANSWERED_WITHIN_S = 120  # a TCG guest starts bulkhead-rpc's Python in seconds; this is ample


def _asks_about(source: str, target: str, facts, policy_dir: str) -> bool:
    asked: list[tuple[str, ...]] = []
    prompt = HookPrompt(lambda _s, _c, targets, _d: asked.append(targets))
    authorize(source, CallRequest("qubes.Filecopy", "+", target), facts, policy_dir, prompt)
    return bool(asked) and target in asked[0]


def _new_ask(socket: Path, seen: set[str], source: str) -> dict | None:
    asks = request(socket, {"op": "list"}, timeout=10).get("asks", [])
    return next((a for a in asks if a["id"] not in seen and a["source"] == source
                 and a["call"] == FILECOPY), None)


def _copy_answered(socket: Path, source: str, target: str, allow: bool, limit: int):
    """Run the empty copy in ``source`` and answer its ask; (the guest's result, the ask)."""
    seen = {a["id"] for a in request(socket, {"op": "list"}, timeout=10).get("asks", [])}
    done: list = []
    command = f"{NO_FILES} | bulkhead-rpc {target} {FILECOPY}"

    def copy() -> None:
        try:
            done.append(AgentClient(names.agent_socket(source)).run(command, timeout=limit))
        except (AgentError, ValueError) as exc:
            done.append(exc)

    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    deadline, ask = time.monotonic() + ANSWERED_WITHIN_S, None
    while ask is None and thread.is_alive() and time.monotonic() < deadline:
        ask = _new_ask(socket, seen, source)
        time.sleep(0.2)
    if ask is not None:
        request(socket, {"op": "answer", "id": ask["id"], "allow": allow,
                         **({"target": target} if allow else {})}, timeout=10)
    thread.join(limit + 10)
    return (done[0] if done else None), ask


def test_an_asked_file_copy_is_served_when_allowed_and_refused_when_denied(
        host, guest, bulkhead_pillar, libvirt_conn, running_domains, rpc_broker, not_running):
    policy_dir = broker_policy_dir(host, bulkhead_pillar, rpc_broker)
    if (rpc_broker.option("--ask") or "deny") != "user":
        not_applicable("the broker settles ask without the user (bulkhead:policy:ask is not user)")
    socket = Path(rpc_broker.option("--ask-socket") or DEFAULT_ASK_SOCKET)
    limit = int(rpc_broker.option("--ask-timeout") or DEFAULT_TIMEOUT_S) + 60
    facts = broker_facts(bulkhead_pillar, libvirt_conn)
    asked = [(s, t) for s in running_domains for t in running_domains
             if s != t and _asks_about(s, t, facts, policy_dir)]
    if not asked:
        no_subject("the installed policy asks about no file copy between the running domains",
                   not_running)
    usable = [(s, t) for s, t in asked
              if guest(s).exists("bulkhead-rpc") and guest(t).file(RECEIVER).exists]
    if not usable:
        skipped("no domain pair the policy asks about has bulkhead-rpc and the receiver: "
                + ", ".join(map("->".join, asked)))
    source, target = usable[0]
    log, what = broker_log(host, rpc_broker), f"{source}: bulkhead-rpc {target} {FILECOPY}"
    problems = []
    for allow in (True, False):
        before = log.size if log.exists else 0
        try:
            out, ask = _copy_answered(socket, source, target, allow, limit)
        except (OSError, ValueError) as exc:  # the user's way in is broken: say so, in words
            problems.append(f"the broker's answer socket {socket} does not answer: {exc}")
            break
        answer = "allowed" if allow else "denied"
        if ask is None:
            problems.append(f"{what}: no ask from {source} appeared on {socket}: {out}")
            continue
        logged = logged_since(log, before)
        if allow and not (getattr(out, "rc", None) == 0
                          and out.stdout.startswith(b"received 0 entries")):
            problems.append(f"{what}, {answer} by the user, was not served: {out}")
        elif allow and f"ask: chose {target}" not in logged:
            problems.append(f"{what} was served, but the broker's log has no 'ask: chose {target}'")
        elif not allow and getattr(out, "rc", None) != REFUSED_RC:
            problems.append(f"{what}, {answer} by the user, was not refused: {out}")
        elif not allow and f"ask {ask['id']}: the user refused" not in logged:
            problems.append(f"{what} was refused, but the broker's log has no refusal by the user")
    assert not problems, "\n".join(problems)
