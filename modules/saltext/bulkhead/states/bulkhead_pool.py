"""State ``bulkhead_pool.present``: the bulkhead storage pool (pillar ``bulkhead:host:pool``).

.. code-block:: yaml

    bulkhead-host-pool:
      bulkhead_pool.present: []
"""

from saltext.bulkhead import virt
from saltext.bulkhead.saltret import reconcile

__virtualname__ = "bulkhead_pool"


def __virtual__():
    return __virtualname__


def present(name="bulkhead", lock_timeout=None):
    """The storage pool ``bulkhead:host:pool`` exists at ``bulkhead:host:pool_path``, runs and
    autostarts; a foreign pool of that name or on that path is refused, never adopted.

    name
        The state's name (the pool's name comes from the pillar).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-host-pool:
          bulkhead_pool.present: []
    """
    return reconcile(name, __pillar__, virt.pool_present, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
