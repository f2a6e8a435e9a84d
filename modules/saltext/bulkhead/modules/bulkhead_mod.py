"""Execution module ``bulkhead``: the workstation's isolation report, as data.

.. code-block:: bash

    salt '*' bulkhead.verify            # the fleet's report; a minion with a failed check fails
    salt-call bulkhead.verify probe=198.51.100.1:80

Runs the isolation suite ``bulkhead verify`` runs, on this minion against this minion's pillar
(its workstation defaults to the minion id), and returns every check as
``{"name", "result", "outcome", "message"}``: ``result`` True holds (passed, or nothing to check
by the pillar), False failed, None was skipped (nobody checked it: not a pass). The retcode is
the CLI's exit code: 1 a check failed, 3 one was skipped, 2 the pillar is invalid.
"""

from saltext.bulkhead.model import PillarError
from saltext.bulkhead.saltret import pillar_from

__virtualname__ = "bulkhead"


def __virtual__():
    return __virtualname__


def _plain(value):
    """Salt 3008 hands pillar over in masking containers: the suite gets plain data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def verify(probe=None, uri=None, timeout=900):
    """Every isolation check of this workstation; retcode non-zero unless all hold.

    ``probe``: ``HOST:PORT`` (or a list) a client may reach through its firewall; ``uri``: the
    libvirt URI (default ``bulkhead:host:uri``); ``timeout``: seconds the suite may take.

    CLI Example:

    .. code-block:: bash

        salt-call bulkhead.verify
        salt '*' bulkhead.verify probe=198.51.100.1:80
    """
    from saltext.bulkhead.verify.pillar_source import with_workstation
    from saltext.bulkhead.verify.runner import report_data, run_suite

    try:
        model = pillar_from(__pillar__, __opts__.get("id"))
    except PillarError as exc:
        __context__["retcode"] = 2
        return {"result": False, "summary": "invalid pillar, nothing checked", "errors": exc.lines}
    data = with_workstation(_plain(__pillar__.get("bulkhead")), model.workstation)
    probes = [probe] if isinstance(probe, str) else list(probe or [])
    extra = tuple(f"--bulkhead-probe={spec}" for spec in probes)
    report = report_data(run_suite(pillar_data=data, uri=uri, extra=extra, timeout=float(timeout)))
    if report["exit_code"]:
        __context__["retcode"] = report["exit_code"]
    return {"workstation": model.workstation, **report}
