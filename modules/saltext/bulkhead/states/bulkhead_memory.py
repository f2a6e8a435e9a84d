"""State ``bulkhead_memory.managed``: the memory balancer bulkhead-memd, as ``bulkhead:memory`` says.

.. code-block:: yaml

    bulkhead-memory-daemon:
      bulkhead_memory.managed: []

With ``bulkhead:memory`` in the pillar: writes the daemon's configuration (atomically, default
/etc/bulkhead/memd.json), starts the daemon detached when it is not running (pidfile
/run/bulkhead/memd.pid, log /var/log/bulkhead/memd.log) and restarts it when it runs an older
configuration. Without it: stops the daemon bulkhead started and removes its configuration.
Test mode reports the same changes and changes nothing.
"""

from pathlib import Path

from saltext.bulkhead.memory.service import ServicePaths, memd_managed
from saltext.bulkhead.saltret import run_state

__virtualname__ = "bulkhead_memory"

_DEFAULTS = ServicePaths()


def __virtual__():
    return __virtualname__


def managed(name="bulkhead-memd", config=str(_DEFAULTS.config), pidfile=str(_DEFAULTS.pidfile),
            log=str(_DEFAULTS.log)):
    paths = ServicePaths(Path(config), Path(pidfile), Path(log))
    return run_state(name, __pillar__, lambda model: memd_managed(model, paths, test=__opts__["test"]))
