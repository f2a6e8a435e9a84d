"""``bulkhead memory``: replay traces against the balancer, and generate synthetic ones."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from .. import cli_style
from ..cli_style import command_group
from ..memory.config import BalancerConfig
from ..memory.domain import KIB_PER_MIB
from ..memory.simulate import simulate
from ..memory.strategy import STRATEGIES, make_strategy
from ..memory.trace import load_trace
from ..memory.tracegen import generate_trace
from ..untrusted.log_format import EscapingFormatter
from .config_file import load_config_file
from .daemon_config import DEFAULT_SOCKET, DaemonConfig
from .detach import detach as detach_daemon

memory_app = command_group("Memory balancing: simulate and tune.")


@memory_app.command("simulate")
def simulate_command(
    trace_path: Annotated[Path, typer.Argument(metavar="TRACE", exists=True, dir_okay=False)],
    strategy: Annotated[str, typer.Option(
        help=f"the balancing strategy, one of: {', '.join(STRATEGIES)}")] = "bulkhead",
    policy: Annotated[str | None, typer.Option(hidden=True, help="deprecated: --strategy")] = None,
    cache_factor: Annotated[float, typer.Option(help="preference = used x this")] = 1.3,
    floor_mib: Annotated[int, typer.Option(help="lowest preference")] = 96,
    threshold_mib: Annotated[int, typer.Option(help="smaller changes are not made")] = 16,
    band: Annotated[
        float, typer.Option(help="tolerance around the ideal when memory is plentiful")
    ] = 0.25,
) -> None:
    """Replay TRACE (a JSON file) and print the metrics as JSON (defined in docs/memory.md)."""
    if policy is not None:  # --strategy's old name, read as an RPC policy's; kept for scripts
        cli_style.warn("--policy is deprecated: use --strategy (the balancing strategy)")
        strategy = policy
    if strategy not in STRATEGIES:
        cli_style.fail(f"--strategy {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    try:
        config = BalancerConfig(
            cache_factor=cache_factor,
            floor_kib=floor_mib * KIB_PER_MIB,
            threshold_kib=threshold_mib * KIB_PER_MIB,
            band=band,
        )
        chosen = make_strategy(strategy, config)
        trace = load_trace(trace_path)
    except (ValueError, ValidationError) as error:  # pydantic's error is a ValueError too
        cli_style.error(f"{error}")
        raise typer.Exit(2) from error
    typer.echo(json.dumps(simulate(trace, chosen, config).report(), indent=2))


@memory_app.command("generate")
def generate_command(
    domains: Annotated[int, typer.Option(min=1, help="how many domains")] = 10,
    steps: Annotated[int, typer.Option(min=1, help="how many balancing steps")] = 500,
    seed: Annotated[int, typer.Option(help="same seed, same trace")] = 1,
    short_share: Annotated[
        float, typer.Option(min=0.0, max=0.99, help="share of steps short of memory")
    ] = 0.25,
) -> None:
    """Print a deterministic synthetic trace (idle, bursty, growing, steady; starts and stops)."""
    trace = generate_trace(domains, steps, seed, short_share)
    typer.echo(trace.model_dump_json())


@memory_app.command("daemon")
def daemon_command(
    uri: Annotated[str, typer.Option(help="libvirt URI")] = "qemu:///system",
    interval: Annotated[float, typer.Option(min=0.1, help="seconds between passes")] = 2.0,
    reserve_mib: Annotated[int, typer.Option(min=0, help="memory kept for the host")] = 512,
    host_mib: Annotated[
        int | None, typer.Option(help="memory for guests + reserve; default: from /proc/meminfo")
    ] = None,
    socket_path: Annotated[Path, typer.Option("--socket", help="unix socket (mode 0600)")] = (
        DEFAULT_SOCKET
    ),
    config_file: Annotated[Path | None, typer.Option(
        "--config", dir_okay=False,
        help="JSON settings as the Salt state writes them; replaces every option above")] = None,
    pidfile: Annotated[Path | None, typer.Option(
        help="written (pid, config digest) once the socket listens; removed at exit")] = None,
    detach: Annotated[bool, typer.Option(
        "--detach", help="run in the background; exit 0 once it serves (needs --pidfile)")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log every change")] = False,
) -> None:
    """Run bulkhead-memd: balance running bulkhead domains' balloons; answer on SOCKET."""
    try:
        if config_file is not None:
            config, config_digest = load_config_file(config_file)
        else:
            config_digest = ""
            config = DaemonConfig(
                uri=uri,
                interval=interval,
                reserve_kib=reserve_mib * KIB_PER_MIB,
                host_kib=None if host_mib is None else host_mib * KIB_PER_MIB,
                socket_path=socket_path,
            )
    except (OSError, ValueError) as error:
        cli_style.error(f"{error}")
        raise typer.Exit(2) from error
    if detach:
        if pidfile is None:
            cli_style.error("--detach needs --pidfile (how the start is confirmed)")
            raise typer.Exit(2)
        code = detach_daemon(pidfile)  # before libvirt is imported or any thread starts
        if code is not None:
            raise typer.Exit(code)
    from ..socket_dirs import SocketDirError
    from .daemon_main import serve  # imports libvirt, which only the daemon needs

    # What clients and guests influence (domain names, errors) is escaped at the sink.
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter("%(asctime)s bulkhead-memd %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    try:
        serve(config, pidfile, config_digest)
    except SocketDirError as error:
        cli_style.error(f"{error}")
        raise typer.Exit(1) from error


@memory_app.command("status")
def status_command(
    socket_path: Annotated[Path, typer.Option("--socket", help="the daemon's unix socket")] = (
        DEFAULT_SOCKET
    ),
) -> None:
    """Print what bulkhead-memd decided last (capacity, targets, preferences, held) as JSON."""
    from ..memd_client import ask

    try:
        reply = ask(socket_path, {"op": "status"}, timeout=10.0)
    except (OSError, ValueError) as error:
        cli_style.error(f"bulkhead-memd does not answer on {socket_path}: {error}")
        raise typer.Exit(1) from error
    typer.echo(json.dumps(reply, indent=2, sort_keys=True))
