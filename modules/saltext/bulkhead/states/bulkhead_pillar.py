"""State ``bulkhead_pillar.valid``: fails, listing every problem, when the bulkhead pillar is bad.

Every other bulkhead state requires it, so an invalid pillar changes nothing.

.. code-block:: yaml

    bulkhead-host-pillar-valid:
      bulkhead_pillar.valid: []
"""

from saltext.bulkhead.model import PillarError
from saltext.bulkhead.saltret import pillar_from, ret

__virtualname__ = "bulkhead_pillar"


def __virtual__():
    return __virtualname__


def valid(name="bulkhead"):
    """The ``bulkhead`` pillar validates; the state fails listing every problem otherwise.

    name
        The state's name.

    .. code-block:: yaml

        bulkhead-host-pillar-valid:
          bulkhead_pillar.valid: []
    """
    try:
        model = pillar_from(__pillar__, __opts__.get("id"))
    except PillarError as exc:
        return ret(name, False, "Invalid pillar, nothing changed:\n" + "\n".join(exc.lines))
    return ret(name, True, f"Pillar is valid: {len(model.domains)} domains")
