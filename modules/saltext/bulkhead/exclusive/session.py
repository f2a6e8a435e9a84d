"""``bulkhead exclusive``: pause the others, run one command in a domain, resume what was paused.

The order makes every ending safe. Under the apply lock (so no apply, recovery or second
exclusive run interleaves): a dead run's record is recovered, a live one refuses this run, then
the record is written and the others are paused. The command runs through the domain's agent
with the lock released (it may take long). Whatever ends it (its exit, a failure, the agent's
timeout, SIGTERM or Ctrl-C: both raise here), the pauses are undone and the record removed; a
SIGKILL leaves the record, and the next bulkhead command undoes them (``recover.py``).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..agent import AgentClient, AgentError, RunResult
from ..apply_lock import hold, lock_path
from ..plan import names
from ..virt import connect
from . import record as records
from .pausing import ExclusiveError, check_target, pause_others
from .recover import recover
from .resume import Resumed, resume_all


@dataclass
class Exclusive:
    """What a run did: the command's result (or why it has none) and each pause's fate."""

    domain: str
    result: RunResult | None = None
    error: str = ""
    already_paused: dict[str, str] = field(default_factory=dict)
    foreign: list[str] = field(default_factory=list)
    resumed: list[Resumed] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Where:
    """Where the workstation is: its libvirt, its name and the host files exclusive mode uses."""

    uri: str
    workstation: str
    record: Path
    lock: Path
    lock_timeout: float = 300.0


class _Terminated(SystemExit):
    pass


@contextlib.contextmanager
def signals_end_the_run() -> Iterator[None]:
    """SIGTERM and SIGHUP raise (as Ctrl-C does), so the resumes in ``finally`` run."""
    def stop(signum: int, _frame: Any) -> None:
        raise _Terminated(128 + signum)

    if not _main_thread():
        yield
        return
    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def run_exclusive(where: Where, domain: str, command: str, timeout: int = 30,
                  agent_socket: Path | None = None) -> Exclusive:
    """Run ``command`` in ``domain`` with every other domain of the workstation paused."""
    outcome = Exclusive(domain)
    with signals_end_the_run(), connect(where.uri) as conn:
        with hold(where.lock, where.lock_timeout):
            recover(where.record, where.lock_timeout)
            if records.read(where.record) is not None:
                raise ExclusiveError(f"exclusive mode already holds ({where.record})")
            check_target(conn, where.workstation, domain)
            taken, found = pause_others(conn, where.record, where.uri, where.lock,
                                        where.workstation, domain)
        outcome.already_paused, outcome.foreign = found.already, found.foreign
        try:
            client = AgentClient(agent_socket or names.agent_socket(domain))
            outcome.result = client.run(command, timeout=timeout)
        except AgentError as exc:
            outcome.error = str(exc)
        finally:
            outcome.resumed = resume_all(conn, taken)
            refused = tuple(p for p, r in zip(taken.paused, outcome.resumed, strict=True)
                            if not r.ok)
            if refused:  # kept for the next command to try again
                records.write(where.record, replace(taken, holder=_dead(taken.holder),
                                                    paused=refused))
            else:
                records.remove(where.record)
    return outcome


def _dead(holder: records.Holder) -> records.Holder:
    """A holder no process matches: the record is then stale at once, for the next command."""
    return records.Holder(holder.pid, -1, holder.boot)


def where_of(pillar: Any) -> Where:
    """The workstation's ``Where`` from its validated pillar."""
    paths = pillar.formula.paths
    return Where(pillar.host.uri, pillar.workstation, Path(paths.exclusive),
                 lock_path(Path(paths.locks)), float(pillar.formula.lock_timeout))
