"""State ``bulkhead_memory.managed``: the memory balancer bulkhead-memd as ``bulkhead:memory`` says.

.. code-block:: yaml

    bulkhead-memory-daemon:
      bulkhead_memory.managed: []

With ``bulkhead:memory`` in the pillar: writes the daemon's configuration (atomically, default
/etc/bulkhead/memd.json), starts the daemon detached when it is not running (pidfile
/run/bulkhead/memd.pid, log /var/log/bulkhead/memd.log) and restarts it when it runs an older
configuration. Without it: stops the daemon bulkhead started and removes its configuration.
Test mode reports the same changes and changes nothing. The three paths come from
``bulkhead:formula:paths`` unless given as arguments. On a host run by systemd the daemon runs
as the unit bulkhead-memd.service instead (written, enabled, started and restarted through
systemctl), so that it comes back after a reboot (docs/boot.md).
"""

from pathlib import Path

from saltext.bulkhead.memd.service import ServicePaths, memd_managed
from saltext.bulkhead.saltret import run_state
from saltext.bulkhead.systemd import systemd_host
from saltext.bulkhead.systemd_units import unit_names

__virtualname__ = "bulkhead_memory"


def __virtual__():
    return __virtualname__


def managed(name="bulkhead-memd", config=None, pidfile=None, log=None, lock_timeout=None):
    """bulkhead-memd runs with the configuration ``bulkhead:memory`` gives, or is stopped and
    its configuration removed when the pillar has no ``bulkhead:memory``.

    name
        The state's name.
    config, pidfile, log
        The daemon's files (default ``bulkhead:formula:paths``: memd_config, memd_pidfile,
        memd_log).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-memory-daemon:
          bulkhead_memory.managed:
            - require:
              - sls: bulkhead.host
    """
    def action(model):
        own = model.formula.paths
        paths = ServicePaths(Path(config or own.memd_config), Path(pidfile or own.memd_pidfile),
                             Path(log or own.memd_log))
        systemd = systemd_host()
        unit = None if systemd is None else (systemd, unit_names(own).memd)
        return memd_managed(model, paths, test=__opts__["test"], systemd=unit)

    return run_state(name, __pillar__, action, test=__opts__["test"], lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
