"""State ``bulkhead_boot.installed``: the domains marked ``autostart`` start when the host boots.

.. code-block:: yaml

    bulkhead-boot:
      bulkhead_boot.installed: []

On a host run by systemd: writes and enables bulkhead-boot.service, a oneshot ordered after
libvirtd, bulkhead-memd and the RPC broker that runs ``bulkhead boot`` (netvms first, each start
admitted by bulkhead-memd; docs/boot.md). It never starts the unit. Without systemd it changes
nothing and says to run ``bulkhead boot`` after a reboot. Test mode changes nothing.
"""

from saltext.bulkhead.boot.service import boot_installed
from saltext.bulkhead.saltret import run_state
from saltext.bulkhead.systemd import systemd_host

__virtualname__ = "bulkhead_boot"


def __virtual__():
    return __virtualname__


def installed(name="bulkhead-boot"):
    """bulkhead-boot.service is written and enabled (on a host run by systemd), so the domains
    marked ``autostart`` start when the host boots; it is never started here.

    name
        The state's name.

    .. code-block:: yaml

        bulkhead-boot:
          bulkhead_boot.installed: []
    """
    return run_state(name, __pillar__,
                     lambda model: boot_installed(model, systemd_host(), test=__opts__["test"]),
                     minion_id=__opts__.get("id"))
