"""``bulkhead logs DOMAIN``: the end of a domain's serial console log, safe for a terminal.

The guest writes that file (libvirt's ``<serial type='file'>``, see plan/domain_xml.py), so every
byte of it is hostile: each line is printed with its controls, escape sequences and bidi
characters escaped (``untrusted.text``), and only the last ``MAX_TAIL`` bytes are ever read, so
one endless line cannot make the viewer read the whole file.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import typer

from ..model.fields import NAME_PATTERN
from ..plan import names
from ..untrusted.text import printable

MAX_TAIL = 1024 * 1024
"""Most bytes read from the end of the log (the console log is rotated by virtlogd anyway)."""


def _safe_line(raw: bytes) -> str:
    # A serial console ends its lines with CR LF: the CR is the line's end, not content.
    return printable(raw.removesuffix(b"\r"), keep="\t", backslash=False)


def tail(path: Path, lines: int) -> tuple[list[str], int]:
    """The last ``lines`` lines of ``path`` (escaped) and the offset its end is at."""
    with path.open("rb") as log:
        end = log.seek(0, os.SEEK_END)
        start = max(0, end - MAX_TAIL)
        log.seek(start)
        data = log.read(end - start)
    chunks = data.split(b"\n")
    if start > 0:
        chunks = chunks[1:]  # the first line was cut by the MAX_TAIL bound
    if chunks and chunks[-1] == b"":
        chunks.pop()
    return [_safe_line(chunk) for chunk in chunks[-lines:]] if lines else [], end


def follow(path: Path, offset: int, interval: float = 0.5) -> None:
    """Print the lines appended after ``offset`` as they come, until interrupted."""
    partial = b""
    while True:
        size = path.stat().st_size
        if size < offset:  # rotated or truncated: start over at its beginning
            offset, partial = 0, b""
        with path.open("rb") as log:
            log.seek(offset)
            data = log.read(MAX_TAIL)
        offset += len(data)
        *complete, partial = (partial + data).split(b"\n")
        for line in complete:
            typer.echo(_safe_line(line))
        partial = partial[-MAX_TAIL:]
        if not data:
            time.sleep(interval)


def logs_command(
    domain: str = typer.Argument(..., help="The domain whose console log to show."),
    lines: int = typer.Option(50, "--lines", "-n", min=0, help="How many lines from the end."),
    follow_log: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    log_dir: Path = typer.Option(Path(names.CONSOLE_LOG_DIR), "--log-dir",
                                 help="Where the console logs are."),
) -> None:
    """Print the end of DOMAIN's serial console log, with the guest's escape sequences escaped."""
    if not re.fullmatch(NAME_PATTERN, domain):
        typer.echo(f"bulkhead logs: {printable(domain)} is not a domain name", err=True)
        raise typer.Exit(2)
    path = log_dir / Path(names.console_log(domain)).name
    try:
        shown, end = tail(path, lines)
    except FileNotFoundError:
        typer.echo(f"bulkhead logs: no console log for {domain} at {path}: unknown domain, or it "
                   "has not started since it was defined", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"bulkhead logs: cannot read {path}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    for line in shown:
        typer.echo(line)
    if follow_log:
        try:
            follow(path, end)
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            typer.echo(f"bulkhead logs: {path}: {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from None
