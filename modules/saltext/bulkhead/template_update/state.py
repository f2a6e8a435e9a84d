"""``bulkhead_template.updated`` as an Outcome: an update is an action, not a convergence (apt in
the template decides what is new), so a real run always runs apt, reporting the package lines
that changed (none: already up to date), and test mode only says it would: it starts nothing."""

from __future__ import annotations

from ..model import Pillar
from ..reconcile.outcome import Outcome
from ..virt import BulkheadVirtError
from ..virt.connection import connect
from .run import DEFAULT_PROXY, UPDATE_TIMEOUT_S, UpdateError, update_template


def template_updated(pillar: Pillar, name: str, *, test: bool, proxy: str = DEFAULT_PROXY,
                     timeout: int = UPDATE_TIMEOUT_S) -> Outcome:
    if test:
        return Outcome(None, {}, f"Template {name} would be updated through {proxy}.")
    try:
        with connect(pillar.host.uri) as conn:
            report = update_template(conn, pillar, name, proxy, timeout)
    except (UpdateError, BulkheadVirtError) as exc:
        return Outcome(False, {}, str(exc))
    changes = {"packages": list(report.changed)} if report.changed else {}
    if not report.ok:
        return Outcome(False, changes, f"apt failed (exit {report.apt_rc}), nothing it refused "
                       "was installed:\n" + "\n".join(report.apt_tail))
    if not changes:
        return Outcome(True, {}, f"Template {name} is up to date (apt through {proxy}).")
    return Outcome(True, changes, f"Template {name} updated through {proxy}.")
