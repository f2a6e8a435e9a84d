"""State ``bulkhead_template.updated``: a template's packages updated through the updates proxy.

.. code-block:: yaml

    bulkhead-update-debian-12:
      bulkhead_template.updated:
        - template: debian-12
        - proxy: sys-net
"""

from saltext.bulkhead.saltret import run_state
from saltext.bulkhead.template_update.state import template_updated

__virtualname__ = "bulkhead_template"


def __virtual__():
    return __virtualname__


def updated(name, template=None, proxy="sys-net", timeout=3600):
    """Start the template ``template`` (default: the state's name), run apt update and
    dist-upgrade through ``proxy``'s qubes.UpdatesProxy over the RPC broker, shut it down.
    Fails when apt does (a Release file or package that does not verify is never installed).

    name
        The state's name.
    template
        The pillar domain of class template; absent: ``name``.
    proxy
        The domain with network that carries apt's requests (the policy must allow
        ``qubes.UpdatesProxy`` from the template to it).
    timeout
        Seconds apt may take.

    .. code-block:: yaml

        bulkhead-update-debian-12:
          bulkhead_template.updated:
            - template: debian-12
            - proxy: sys-net
    """
    wanted = template or name
    return run_state(name, __pillar__, lambda model: template_updated(
        model, wanted, test=__opts__["test"], proxy=proxy, timeout=timeout),
        test=__opts__["test"], minion_id=__opts__.get("id"))
