"""A workstation's broker left running from its other default paths, stopped before its own starts.

A workstation's broker files default to the plain paths when it is the host's own, else to
``workstations/<name>/`` (``model/workstation_paths.py``). When which one is the host's own
changes (the machine's minion id is now read as Salt reads it, or the admin set an ``id`` in
/etc/salt/minion), the apply starts the broker from the new paths, and the one from the old
paths would keep running: two brokers for one set of domains, the old one holding their channels
with a policy directory no state writes any more. So it is stopped (and its unit removed) first.
Only a broker whose facts file says it serves this very workstation: the plain paths may be
another workstation's.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..model import Pillar
from ..model.pillar import FormulaPaths
from ..model.workstation_paths import PER_WORKSTATION, derived


def former_paths(pillar: Pillar) -> FormulaPaths | None:
    """The workstation's own paths under the other default, when the pillar set none of them."""
    paths, workstation = pillar.formula.paths, pillar.host.workstation
    plain = {field: FormulaPaths.model_fields[field].default for field in PER_WORKSTATION}
    own = {field: derived(plain[field], workstation) for field in PER_WORKSTATION}
    now = {field: getattr(paths, field) for field in PER_WORKSTATION}
    if now == plain:
        return paths.model_copy(update=own)
    if now == own:
        return paths.model_copy(update=plain)
    return None  # set by the pillar: there is no other default to have run from


def serves(facts: Path, workstation: str) -> bool:
    """Whether the broker facts file ``facts`` is ``workstation``'s (unreadable: no)."""
    try:
        data = json.loads(facts.read_bytes())
        return data["host"]["workstation"] == workstation
    except (OSError, ValueError, KeyError, TypeError):
        return False


def former_broker_paths(pillar: Pillar) -> FormulaPaths | None:
    """This workstation's paths under the other default, when a broker that served it from
    there left its facts file: the broker to stop (if it still runs) before its own starts."""
    former = former_paths(pillar)
    if former is None or not serves(Path(former.broker_pillar), pillar.host.workstation):
        return None
    return former
