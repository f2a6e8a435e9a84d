"""Which workstation a run acts for: every object bulkhead writes records it (ownership).

The pillar may name it (``bulkhead:host:workstation``); otherwise it is the Salt minion id, which
the state layer passes in. Without Salt (the CLI, the daemons) it is the id this machine's minion
has, found as Salt finds it: configured in /etc/salt/minion (or its includes), else stored in
/etc/salt/minion_id, else the one Salt itself would choose (never a localhost name).
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
from .minion_config import MINION_CONFIG, minion_id_config

# It ends up in XML attributes, file names and log lines: no characters that need escaping.
WORKSTATION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
WORKSTATION_RULE = (
    "must be a workstation name: letters, digits, '.', '_' and '-', starting with a "
    "letter or digit, at most 64 characters"
)
WorkstationName = Annotated[str, StringConstraints(strict=True, pattern=WORKSTATION_PATTERN),
                            Rule(WORKSTATION_RULE)]
_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def is_workstation_name(name: str) -> bool:
    """Whether ``name`` matches ``WORKSTATION_PATTERN``, without compiling it: asked before a
    name becomes part of a file name, once in every new process (compiling the pattern there
    cost more than a no-op's domain state)."""
    return (0 < len(name) <= 64 and name[0] not in "._-" and _NAME_CHARACTERS.issuperset(name))

ID_FILE = "etc/salt/minion_id"  # under the configuration's root_dir, as Salt keeps it


def local_minion_id(id_file: Path | None = None, config: Path = MINION_CONFIG) -> str:
    """This machine's minion id, as Salt decides it from its configuration ``config``: the
    configured ``id``; else (an ``id_function`` left to Salt's own reader) the first line of
    the stored ``id_file`` (default: under the configuration's root_dir) unless it is empty or
    'localhost'; else the id Salt would choose. MinionConfigError: Salt could not read
    ``config`` either."""
    conf = minion_id_config(config)
    if conf.id:
        return conf.id
    if conf.id_function:  # an execution module decides: Salt's whole reader (~100 ms), rarely
        from salt.config import minion_config

        return str(minion_config(str(config))["id"])
    stored = _stored(id_file or Path(conf.root_dir) / ID_FILE) if conf.caching else ""
    if stored:
        return stored
    chosen = salt_chosen_id()
    return chosen.lower() if conf.lowercase else chosen


def _stored(path: Path) -> str:
    """The id Salt reads from its minion_id file: the first line, stripped; '' for none (no
    file, an empty line, 'localhost'). A file that is not UTF-8 raises, as it does in Salt."""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    # universal newlines, as Salt's text-mode readline sees them
    first = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    name = first.strip()
    return "" if name == "localhost" else name


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
