"""``bulkhead ask``: answer, from a terminal on the host, the RPC calls the policy says to ask
about (``bulkhead:policy:ask: user``); the broker holds each call until it is answered or its
time runs out (then it is denied)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import cli_style
from ..cli_style import command_group
from ..memd_client import ask as request
from ..untrusted.text import printable
from .ask_server import DEFAULT_ASK_SOCKET

ask_app = command_group("Answer the RPC calls waiting for the user (bulkhead:policy:ask: user).")
SocketOption = Annotated[Path, typer.Option(
    "--socket", metavar="PATH", help="The broker's answer socket (another workstation's: "
                                     "/run/bulkhead/workstations/NAME/ask.sock).")]
ANSWERS = ("allow", "deny")


def _ask(socket: Path, message: dict[str, Any]) -> dict[str, Any]:
    try:
        reply = request(socket, message, timeout=10.0)
    except OSError as exc:
        cli_style.fail(f"no RPC broker answers on {socket} ({exc.strerror or exc}); it asks the "
                       "user only with bulkhead:policy:ask: user", 1)
    except ValueError as exc:
        cli_style.fail(f"the broker's answer on {socket} is cut: {exc}", 1)
    if not isinstance(reply, dict) or reply.get("ok") is not True:
        error = reply.get("error") if isinstance(reply, dict) else reply
        cli_style.fail(printable(str(error)), 1)
    return reply


def _line(ask: dict[str, Any]) -> str:
    # The call is the guest's text (the broker validated its characters): escaped all the same.
    targets = ", ".join(printable(t) + (" (default)" if t == ask["default_target"] else "")
                        for t in ask["targets"])
    return (f"{printable(ask['id'])}  {printable(ask['source'])} calls {printable(ask['call'])}  "
            f"to: {targets}  ({ask['seconds_left']:g} s left)")


@ask_app.command("list")
def list_command(
    as_json: Annotated[
        bool, typer.Option("--json", help='one JSON object: {"asks": [...]}')
    ] = False,
    socket: SocketOption = DEFAULT_ASK_SOCKET,
) -> None:
    """The calls waiting for an answer: ID, caller, SERVICE+ARGUMENT and the targets offered."""
    asks = _ask(socket, {"op": "list"})["asks"]
    if as_json:
        typer.echo(json.dumps({"asks": asks}, indent=2))
    elif not asks:
        typer.echo("no call waits for an answer")
    for ask in asks if not as_json else ():
        typer.echo(_line(ask))


@ask_app.command("answer")
def answer_command(
    ask_id: Annotated[str, typer.Argument(metavar="ID", help="The ask's ID (bulkhead ask list).")],
    verdict: Annotated[str, typer.Argument(
        metavar="ANSWER", help="allow (let the call through) or deny (refuse it).")],
    target: Annotated[str | None, typer.Option(
        "--target", metavar="DOMAIN", help="allow: the candidate to call (default: the policy's "
                                           "default target, or the only candidate).")] = None,
    socket: SocketOption = DEFAULT_ASK_SOCKET,
) -> None:
    """Answer one waiting call: allow (to --target, one of the candidates) or deny."""
    if verdict not in ANSWERS:
        cli_style.fail(f"answer allow or deny, not {printable(verdict)!r}")
    if verdict == "deny" and target is not None:
        cli_style.fail("--target goes with allow")
    message: dict[str, Any] = {"op": "answer", "id": ask_id, "allow": verdict == "allow"}
    if target is not None:
        message["target"] = target
    chosen = _ask(socket, message)["chosen"]
    typer.echo(f"ask {printable(ask_id)}: " + (f"allowed to {printable(str(chosen))}"
                                               if chosen else "denied"))
