"""``bulkhead image``: build guest templates and talk to a running guest's agent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .. import cli_style
from ..agent import AgentClient, AgentError
from ..cli_style import command_group
from ..plan import names
from ..untrusted.text import printable
from .build import DEFAULT_CACHE, DEFAULT_NAME, build_image
from .debian import DebianSpec, build_debian
from .debs import AptError

image_app = command_group("Guest templates and the guest agent.")


@image_app.command("build")
def build_command(
    name: Annotated[
        str, typer.Option(help="template name (directory under the cache)")
    ] = DEFAULT_NAME,
    cache: Annotated[
        Path, typer.Option(help="where templates and downloaded packages live")
    ] = DEFAULT_CACHE,
    force: Annotated[
        bool, typer.Option("--force", help="rebuild even if the inputs are unchanged")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only the result")] = False,
    kind: Annotated[str, typer.Option(help="tiny (busybox) or debian (systemd, apt)")] = "tiny",
    suite: Annotated[str, typer.Option(help="debian: the Debian suite")] = "bookworm",
    package: Annotated[
        list[str] | None, typer.Option(help="debian: an extra package (repeat the option for more)")
    ] = None,
    size_mib: Annotated[int, typer.Option(help="debian: size of the root filesystem")] = 2048,
    gui: Annotated[bool, typer.Option("--gui", help="debian: with the GUI's guest side")] = False,
) -> None:
    """Assemble <cache>/<name>/ from Debian packages: vmlinuz, initrd.img, manifest.json and
    root.img (tiny) or root.qcow2 (debian). A no-op when a template built from the same inputs
    is already there."""
    log = (lambda _m: None) if quiet else (lambda m: typer.echo(m, err=True))
    try:
        if kind == "debian":
            spec = DebianSpec(suite=suite, packages=tuple(package or ()), size_mib=size_mib,
                              gui=gui)
            result = build_debian(name, spec, cache, force=force, log=log)
        elif kind == "tiny":
            result = build_image(name=name, cache=cache, force=force, log=log)
        else:
            raise ValueError(f"kind {kind!r}: use tiny or debian")
    except (AptError, OSError, RuntimeError, ValueError) as exc:
        cli_style.error(f"{exc}")
        raise typer.Exit(1) from exc
    state = "built" if result.rebuilt else "unchanged"
    typer.echo(json.dumps({"template": str(result.directory), "state": state,
                           "input_hash": result.manifest.get("input_hash")}))


@image_app.command("ping")
def ping_command(
    domain: Annotated[str, typer.Argument(metavar="DOMAIN", help="The running domain to ask.")],
    timeout: Annotated[float, typer.Option(help="seconds to wait for the answer")] = 10.0,
    socket_path: Annotated[Path | None, typer.Option(
        "--socket", metavar="PATH",
        help=f"The agent socket to use (default: {names.AGENT_SOCKET_DIR}/DOMAIN.sock).")] = None,
) -> None:
    """Ask DOMAIN's guest agent for its name and uptime (as `bulkhead run DOMAIN` reaches it)."""
    if "/" in domain:  # the socket path it took before: a domain name never holds a slash
        cli_style.warn(f"a socket path as DOMAIN is deprecated: use --socket {domain}")
        socket_path, domain = socket_path or Path(domain), Path(domain).stem
    socket = socket_path or Path(names.agent_socket(domain))
    if not socket.exists():
        cli_style.fail(f"{printable(domain)}: no agent socket at {socket} (the domain is not "
                       "running, or not a bulkhead domain)", 1)
    try:
        typer.echo(json.dumps(AgentClient(socket).request("ping", timeout=timeout)))
    except AgentError as exc:
        cli_style.fail(f"{printable(domain)}: {exc}", 1)
