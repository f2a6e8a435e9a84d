"""States ``bulkhead_host.*``: what the host needs before any domain (formula ``bulkhead.host``).

.. code-block:: yaml

    bulkhead-host-libvirt:
      bulkhead_host.libvirt_running: []     # where no systemd runs the host (else service.running)
    bulkhead-host-kernel:
      bulkhead_host.kernel_ready: []
    bulkhead-host-image-debian-min:
      bulkhead_host.template_built:
        - name: debian-min                  # a template domain of the pillar
    bulkhead-host-uplinks:
      bulkhead_host.uplinks_present: []     # bulkhead:host:uplinks

In test mode a prerequisite that cannot be had (no modprobe for a missing kernel feature, an
admin's image file that is missing) fails, naming it.
"""

from saltext.bulkhead.host.kernel import kernel_ready as _kernel_ready
from saltext.bulkhead.host.libvirt_daemons import libvirt_running as _libvirt_running
from saltext.bulkhead.host.templates import template_built as _template_built
from saltext.bulkhead.host.uplinks import uplinks_present as _uplinks_present
from saltext.bulkhead.saltret import reconcile, run_state

__virtualname__ = "bulkhead_host"


def __virtual__():
    return __virtualname__


def _run(name, action, lock_timeout=None):
    return run_state(name, __pillar__, action, __context__, test=__opts__["test"],
                     lock_timeout=lock_timeout, minion_id=__opts__.get("id"))


def libvirt_running(name="libvirt", lock_timeout=None):
    """libvirtd and virtlogd answer on this host, started by the shipped start script where no
    systemd runs the host (under systemd the formula uses ``service.running``).

    name
        The state's ID (nothing is looked up by it).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-host-libvirt:
          bulkhead_host.libvirt_running: []
    """
    test = __opts__["test"]
    return _run(name, lambda model: _libvirt_running(model.host.uri, test=test), lock_timeout)


def kernel_ready(name="kernel", lock_timeout=None):
    """The kernel features the isolation needs (tun, bridge) are there, loaded by modprobe when
    missing; with no modprobe a missing feature fails, in test mode too.

    name
        The state's ID (nothing is looked up by it).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-host-kernel:
          bulkhead_host.kernel_ready: []
    """
    test = __opts__["test"]
    return _run(name, lambda _model: _kernel_ready(test=test), lock_timeout)


def template_built(name, lock_timeout=None):
    """The image of template ``name`` exists: built when it is one ``bulkhead image build`` makes
    (``<cache>/<template>/{root.img,vmlinuz,initrd.img}``, rebuilt only when its inputs changed),
    or ``<cache>/<image>/{root.qcow2,vmlinuz,initrd.img}`` for an entry of ``bulkhead:images``
    (a Debian template), else the admin's files must exist (a missing one fails, in test mode
    too).

    name
        A template domain of ``bulkhead:domains``.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-host-image-debian-min:
          bulkhead_host.template_built:
            - name: debian-min
    """
    test = __opts__["test"]
    return _run(name, lambda model: _template_built(model, name, test=test), lock_timeout)


def uplinks_present(name="uplinks", lock_timeout=None):
    """Every uplink network of ``bulkhead:host:uplinks`` is defined and active; an existing one is
    never changed (it is not bulkhead's).

    name
        The state's ID (nothing is looked up by it).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-host-uplinks:
          bulkhead_host.uplinks_present: []
    """
    return reconcile(name, __pillar__, _uplinks_present, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
