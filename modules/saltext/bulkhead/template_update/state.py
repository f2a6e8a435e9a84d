"""``bulkhead_template.updated`` as an Outcome: an update is an action, not a convergence (apt
decides what is new), so a real run always updates and test mode says it would."""

from __future__ import annotations

from ..model import Pillar
from ..reconcile.outcome import Outcome
from ..virt.connection import connect
from .run import DEFAULT_PROXY, UPDATE_TIMEOUT_S, UpdateError, update_template


def template_updated(pillar: Pillar, name: str, *, test: bool, proxy: str = DEFAULT_PROXY,
                     timeout: int = UPDATE_TIMEOUT_S) -> Outcome:
    if test:
        return Outcome(None, {}, f"Template {name} would be updated through {proxy}.")
    try:
        with connect(pillar.host.uri) as conn:
            report = update_template(conn, pillar, name, proxy, timeout)
    except UpdateError as exc:
        return Outcome(False, {}, str(exc))
    changes = {"packages": list(report.changed)} if report.changed else {}
    if not report.ok:
        return Outcome(False, changes, f"apt failed (exit {report.apt_rc}), nothing it refused "
                       "was installed:\n" + "\n".join(report.apt_tail))
    return Outcome(True, changes, f"Template {name} updated through {proxy}.")
