"""``bulkhead run --gui DOMAIN -- APP [ARG...]``: APP's windows on the host (docs/gui.md).

In the domain, ``bulkhead-gui`` (Debian templates) starts APP under ``waypipe server`` on the
GUI channel and returns once the session started; the host's relay shows the windows, labelled.
"""

from __future__ import annotations

from typing import Annotated

import typer

GUEST_PROGRAM = "bulkhead-gui"
GuiOption = Annotated[bool, typer.Option(
    "--gui", help="Show COMMAND's windows on the host (a domain with gui: true); returns once "
                  "its GUI session started.")]


def gui_command(command: list[str]) -> list[str]:
    """The guest command line starting ``command`` in a GUI session (one word: a shell line)."""
    app = ["/bin/sh", "-c", command[0]] if len(command) == 1 else command
    return [GUEST_PROGRAM, *app]
