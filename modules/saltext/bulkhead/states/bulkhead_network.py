"""States for the isolated bridge network a netvm serves (``bulkhead-<netvm>``).

.. code-block:: yaml

    bulkhead-networks-sys-firewall:
      bulkhead_network.present:
        - name: sys-firewall

The network has no host address and no forwarding; clients attach on isolated ports. A redefinition
shows
in ``changes`` as one line; ``xml_diff: true`` (or ``bulkhead:formula:xml_diff``) adds the full
XML diff.
"""

from saltext.bulkhead import virt
from saltext.bulkhead.saltret import reconcile

__virtualname__ = "bulkhead_network"


def __virtual__():
    return __virtualname__


def present(name, lock_timeout=None, xml_diff=None):
    """The network of netvm ``name`` (``bulkhead-<name>``) is defined, active and autostarted.

    name
        A domain of ``bulkhead:domains`` with ``provides_network: true``.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).
    xml_diff
        Also show the full libvirt XML diff of a change (default
        ``bulkhead:formula:xml_diff``, false: one line per changed property).

    .. code-block:: yaml

        bulkhead-networks-sys-net:
          bulkhead_network.present:
            - name: sys-net
    """
    return reconcile(name, __pillar__, virt.network_present, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"), xml_diff=xml_diff)


def absent(name, lock_timeout=None):
    """The network of netvm ``name`` is stopped and undefined; refused while a domain uses it.

    name
        The netvm whose network goes (``bulkhead-<name>``).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-networks-old-net:
          bulkhead_network.absent:
            - name: old-net
    """
    return reconcile(name, __pillar__, virt.network_absent, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
