"""Execution module ``bulkhead_pillar``: validate the bulkhead pillar from the command line.

.. code-block:: bash

    salt-call --local bulkhead_pillar.check
"""

from saltext.bulkhead.model import PillarError
from saltext.bulkhead.saltret import pillar_from

__virtualname__ = "bulkhead_pillar"


def __virtual__():
    return __virtualname__


def check():
    """``{"valid": True, "domains": [...]}`` or ``{"valid": False, "errors": ["path: message"]}``
    (retcode 1, so ``salt`` and ``salt-call`` exit non-zero on an invalid pillar).

    CLI Example:

    .. code-block:: bash

        salt-call --local bulkhead_pillar.check
    """
    try:
        model = pillar_from(__pillar__, __opts__.get("id"))
    except PillarError as exc:
        __context__["retcode"] = 1
        return {"valid": False, "errors": exc.lines}
    return {"valid": True, "domains": sorted(model.domains)}
