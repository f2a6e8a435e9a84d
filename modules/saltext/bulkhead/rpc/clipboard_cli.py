"""``bulkhead clipboard copy FROM`` / ``paste TO``: copy text between domains' clipboards, as an
explicit user action checked by RPC policy (the Qubes ClipboardPaste model; the steps are
clipboard_steps.py, shared with the broker's key bindings).

``copy`` keeps FROM's current selection (text, at most 64 KiB) in the host's buffer. ``paste``
asks the policy whether ``qubes.ClipboardPaste`` from the buffer's source to TO is allowed (deny
by default; ``ask`` is refused here: this command has no prompt, the key binding's paste asks
through the broker), then makes the text TO's selection and empties the buffer. The text is
never printed or logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli_style import command_group
from ..gui import clipboard_buffer as buffer
from ..gui.names import SESSION_DIR
from ..model.pillar_json import DEFAULT_PILLAR_JSON, PillarJsonOption
from ..policy.errors import SystemInfoError
from ..policy.policy import DEFAULT_POLICY_DIR
from ..policy.system import System
from ..untrusted.text import printable
from .clipboard_steps import ClipboardError, copy_from, paste_into
from .host_system import host_system

clipboard_app = command_group("Copy text between domains, checked by policy "
                              "(qubes.ClipboardPaste).")
SessionDir = Annotated[Path, typer.Option("--session-dir",
                                          help="The GUI domains' session folders.")]
BufferFile = Annotated[Path, typer.Option("--buffer", help="The host's clipboard buffer file.")]


def fail(message: str) -> None:
    typer.echo(f"bulkhead: {printable(message)}", err=True)
    raise typer.Exit(1)


@clipboard_app.command()
def copy(domain: Annotated[str, typer.Argument(help="The domain to copy from.")],
         session_dir: SessionDir = SESSION_DIR,
         buffer_file: BufferFile = buffer.DEFAULT_BUFFER) -> None:
    """Fetch DOMAIN's current selection (text) into the host's clipboard buffer."""
    try:
        size = copy_from(domain, session_dir, buffer_file)
    except ClipboardError as exc:
        fail(str(exc))
    typer.echo(f"copied {size} bytes from {printable(domain)} (not shown); "
               "`bulkhead clipboard paste TARGET` to paste them")


@clipboard_app.command()
def paste(domain: Annotated[str, typer.Argument(help="The domain to paste into.")],
          policy_dir: Annotated[Path, typer.Option("--policy-dir")] = Path(DEFAULT_POLICY_DIR),
          system_file: Annotated[Path | None, typer.Option(
              "--system", metavar="FILE", help="SYSTEM.json (default: this host's).")] = None,
          pillar: PillarJsonOption = DEFAULT_PILLAR_JSON,
          session_dir: SessionDir = SESSION_DIR,
          buffer_file: BufferFile = buffer.DEFAULT_BUFFER) -> None:
    """Paste the host's clipboard buffer into DOMAIN if policy allows; then empty the buffer."""
    try:
        system = host_system(pillar) if system_file is None else System.from_file(system_file)
        source, size = paste_into(domain, session_dir, buffer_file, policy_dir, system)
    except (ClipboardError, SystemInfoError) as exc:
        fail(str(exc))
    typer.echo(f"pasted {size} bytes from {printable(source)} into {printable(domain)}; "
               "the host's buffer is empty")
