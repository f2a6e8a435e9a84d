"""State ``bulkhead_workstation.pruned``: remove what this workstation owns beyond its pillar.

.. code-block:: yaml

    bulkhead-clean-pruned:
      bulkhead_workstation.pruned:
        - purge:
          - old-work

Every domain and network marked as this workstation's (``bulkhead:host:workstation``, default
the minion id) that the pillar no longer declares is stopped and removed: domains based on
another first, then networks no pillar domain provides. Private volumes are kept unless the
domain is named in ``purge`` (default ``bulkhead:purge``). Another workstation's objects, and
objects made before ownership that no run has adopted, are never touched. ``test=True`` lists
exactly what would go and changes nothing. The formula runs it in ``bulkhead.clean``, and at the
end of ``bulkhead`` when ``bulkhead:prune`` is true.
"""

from saltext.bulkhead import virt
from saltext.bulkhead.saltret import reconcile

__virtualname__ = "bulkhead_workstation"


def __virtual__():
    return __virtualname__


def pruned(name, purge=None, lock_timeout=None):
    """Nothing of this workstation is left that its pillar no longer declares.

    Removed domains go before the domains they are based on, then the networks no pillar
    domain provides; private volumes stay unless purged. Only objects marked as this
    workstation's are ever touched.

    name
        The state's ID (any text; nothing is looked up by it).
    purge
        Domains whose private volumes go too (default ``bulkhead:purge``).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-clean-pruned:
          bulkhead_workstation.pruned:
            - purge:
              - old-work
    """
    return reconcile(name, __pillar__, virt.workstation_pruned, test=__opts__["test"],
                     purge=purge, context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
