"""Which workstation a run acts for: every object bulkhead writes records it (ownership).

The pillar may name it (``bulkhead:host:workstation``); otherwise it is the Salt minion id, which
the state layer passes in. Without Salt (the CLI, the daemons) the minion id Salt stored on this
machine is used, else the one Salt itself would choose (never a localhost name).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

from pydantic import StringConstraints

from .fields import Rule

# It ends up in XML attributes, file names and log lines: no characters that need escaping.
WORKSTATION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
WORKSTATION_RULE = (
    "must be a workstation name: letters, digits, '.', '_' and '-', starting with a "
    "letter or digit, at most 64 characters"
)
WorkstationName = Annotated[str, StringConstraints(strict=True, pattern=WORKSTATION_PATTERN),
                            Rule(WORKSTATION_RULE)]

MINION_ID_FILE = Path("/etc/salt/minion_id")


def local_minion_id(id_file: Path = MINION_ID_FILE) -> str:
    """The minion id Salt keeps for this machine, else the one Salt would choose for it."""
    try:
        stored = _text_of(id_file).strip()
    except OSError:
        stored = ""
    return stored or salt_chosen_id()


@functools.cache
def salt_chosen_id() -> str:
    """The id Salt gives a minion that has none configured or stored (its
    ``generate_minion_id``: the host's fully qualified name unless that is a localhost name, as
    on many a fresh machine, then its node name, ...). Once per process: it costs name lookups
    (~5 ms), and a process keeps its minion id while it runs."""
    from salt.utils.network import generate_minion_id

    return generate_minion_id()


def _text_of(path: Path) -> str:
    """``path.read_text(encoding="utf-8")`` (its newlines too) without a text stream: every
    validation of a pillar reads the minion id."""
    text = path.read_bytes().decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
