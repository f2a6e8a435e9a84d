"""Which workstation a run acts for: every object bulkhead writes records it (ownership).

The pillar may name it (``bulkhead:host:workstation``); otherwise it is the Salt minion id, which
the state layer passes in. Without Salt (the CLI, the daemons) the minion id Salt stored on this
machine is used, else the one Salt itself would choose (never a localhost name).
"""

from __future__ import annotations

import functools
import platform
import re
import socket
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
    """``salt_choice()``, once per process: a process keeps its minion id while it runs."""
    return salt_choice()


def salt_choice() -> str:
    """The id Salt gives a minion that has none configured or stored: the first of the host's
    fully qualified name, its node name and its host name that is not a loopback name (many a
    fresh machine's FQDN is localhost), in Salt's order. Where a name may or may not be one
    Salt passes over (an address, an arpa name: one starting with a digit or holding a ':'), or
    none of the three will do, Salt's own ``generate_minion_id`` decides; it also reads
    /etc/hosts and runs ``ip addr`` (~5 ms), which the three make needless on a host with a
    name."""
    hostname = socket.gethostname()
    for name in (socket.getfqdn(hostname), platform.node(), hostname):
        if not name or _LOOPBACK.match(name):
            continue  # Salt passes over it too
        if name[0].isdigit() or ":" in name:
            break  # Salt's to judge
        return name
    from salt.utils.network import generate_minion_id

    return generate_minion_id()


# Names Salt never takes for a minion id: the loopback and unspecified hosts' (a fact of Salt's
# generate_minion_id, which matches at the start of the name).
_LOOPBACK = re.compile(r"localhost|ip6-|ipv6-|127\.\d|0\.0\.0\.0|::1|fe00::|fe02::")


def _text_of(path: Path) -> str:
    """``path.read_text(encoding="utf-8")`` (its newlines too) without a text stream: every
    validation of a pillar reads the minion id."""
    text = path.read_bytes().decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
