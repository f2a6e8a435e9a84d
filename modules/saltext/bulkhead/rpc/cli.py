"""``bulkhead rpc``: the host broker, and a client for calls over a guest-side daemon socket."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from .. import cli_style
from ..cli_style import command_group
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption
from .ask_server import DEFAULT_ASK_SOCKET
from .asks import DEFAULT_TIMEOUT_S as DEFAULT_ASK_TIMEOUT_S
from .call_limits import DEFAULT_MAX_OUTPUT_MIB, DEFAULT_TIMEOUT_S, MIB, CallLimits
from .dispvm_factory import REGISTRY_DIR
from .prompt import ASK_MODES
from .service import DEFAULT_LOG, DEFAULT_SOCKET_DIR

rpc_app = command_group("Inter-domain RPC: the host broker.")


@rpc_app.callback()
def rpc_group() -> None:
    """Inter-domain RPC: the host broker (a group even with one command, so ``broker`` is named)."""


@rpc_app.command("broker")
def broker_command(
    policy_dir: Annotated[
        Path, typer.Option("--policy-dir", help="Directory of *.policy files.")
    ] = Path("/etc/bulkhead/policy.d"),
    uri: Annotated[str, typer.Option(help="libvirt URI of the domains")] = "qemu:///system",
    pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,
    system: Annotated[
        Path | None,
        typer.Option(
            help="serve a fixed SYSTEM.json instead of libvirt + pillar (starts no domains)"
        ),
    ] = None,
    socket_dir: Annotated[
        Path, typer.Option(help="where QEMU binds the RPC channels")
    ] = DEFAULT_SOCKET_DIR,
    ask: Annotated[
        str, typer.Option(help=f"how 'ask' is settled: {', '.join(ASK_MODES)}")
    ] = "deny",
    ask_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            max=3600,
            help="--ask user: seconds an ask waits for the user before it is denied",
        ),
    ] = DEFAULT_ASK_TIMEOUT_S,
    ask_socket: Annotated[
        Path, typer.Option(help="--ask user: the host's answer socket (bulkhead ask)")
    ] = DEFAULT_ASK_SOCKET,
    log: Annotated[Path, typer.Option(help="log file ('-' for stderr)")] = DEFAULT_LOG,
    pidfile: Annotated[Path | None, typer.Option(help="write the broker's pid here")] = None,
    call_timeout: Annotated[
        int,
        typer.Option(
            min=1, help="seconds a call may run before the broker ends it (caller exit 124)"
        ),
    ] = DEFAULT_TIMEOUT_S,
    max_output_mib: Annotated[
        int,
        typer.Option(
            min=0, help="MiB a target may send back to its caller (caller exit 125 beyond)"
        ),
    ] = DEFAULT_MAX_OUTPUT_MIB,
    dispvm_registry: Annotated[
        Path,
        typer.Option(help="where the disposables this broker creates are registered until deleted"),
    ] = REGISTRY_DIR,
) -> None:
    """Serve RPC calls between the running domains until SIGTERM."""
    from ..atomic_file import write_atomically
    from ..policy import System, SystemInfoError
    from ..sd_notify import notify_ready
    from ..socket_dirs import SocketDirError, check_socket_dir
    from .ask_server import AskServer
    from .asks import PendingAsks
    from .host import Host, LibvirtHost, StaticHost
    from .prompt import prompt_for
    from .service import broker_logger, serve

    logger = broker_logger(None if str(log) == "-" else log)
    answers = None
    try:
        check_socket_dir(socket_dir, private=True)
        host: Host = (
            StaticHost(System.from_file(system))
            if system
            else LibvirtHost(uri, pillar, dispvm_registry)
        )
        if system is None:
            host.system()  # a missing or invalid pillar file stops the start, not the first call
        asks = PendingAsks(ask_timeout, logger) if ask == "user" else None
        chosen = prompt_for(ask, asks)
        if asks is not None:  # the last step: nothing after it may fail and leave it bound
            answers = AskServer(ask_socket, asks)
    except (ValueError, OSError, SystemInfoError, SocketDirError, RuntimeError) as exc:
        cli_style.error(f"{exc}")
        raise typer.Exit(2) from exc
    if pidfile is not None:
        write_atomically(pidfile, f"{os.getpid()}\n".encode())
    if answers is not None:
        answers.serve_in_thread("rpc-ask-socket")
    notify_ready()  # under systemd (Type=notify): the broker serves from now on
    try:
        serve(host, policy_dir, chosen, socket_dir, logger,
              limits=CallLimits(timeout_s=call_timeout, max_output=max_output_mib * MIB))
    finally:
        if answers is not None:
            answers.close()
        if pidfile is not None and pidfile.read_text().strip() == str(os.getpid()):
            pidfile.unlink()
