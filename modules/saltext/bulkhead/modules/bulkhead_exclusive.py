"""Execution module ``bulkhead_exclusive``: run one command in a domain with every other domain of
the workstation paused (docs/exclusive.md).

.. code-block:: bash

    salt-call --local bulkhead_exclusive.run vault 'gpg --batch --gen-key /root/key.params'
"""

from saltext.bulkhead.exclusive import ExclusiveError, run_exclusive, where_of
from saltext.bulkhead.model import PillarError
from saltext.bulkhead.saltret import pillar_from
from saltext.bulkhead.untrusted.text import printable

__virtualname__ = "bulkhead_exclusive"


def __virtual__():
    return __virtualname__


def run(domain, command, timeout=30):
    """Pause every other running domain of the workstation, run ``command`` (``sh -c``, as root)
    in ``domain`` through its agent, resume exactly the domains it paused. Returns ``rc``,
    ``stdout``, ``stderr`` (the guest's text, escaped), ``paused`` (each with what became of it),
    ``already_paused`` and ``kept_running`` (other workstations' domains); ``error`` when the
    command could not run (``rc`` is then None).

    CLI Example:

    .. code-block:: bash

        salt-call --local bulkhead_exclusive.run vault 'gpg --batch --gen-key /root/key.params'
        salt-call --local bulkhead_exclusive.run vault 'sha256sum /dev/vdb' timeout=600
    """
    try:
        where = where_of(pillar_from(__pillar__, __opts__.get("id")))
    except PillarError as exc:
        raise ValueError("invalid pillar:\n" + "\n".join(exc.lines)) from None
    try:
        done = run_exclusive(where, domain, command, int(timeout))
    except ExclusiveError as exc:
        return {"rc": None, "error": str(exc)}
    result = done.result
    return {
        "rc": None if result is None else result.rc,
        "stdout": "" if result is None else printable(result.stdout, keep="\n\t"),
        "stderr": "" if result is None else printable(result.stderr, keep="\n\t"),
        "error": done.error,
        "paused": {r.name: r.done for r in done.resumed},
        "already_paused": done.already_paused,
        "kept_running": done.foreign,
    }
