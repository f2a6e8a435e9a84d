"""States for bulkhead domains; the domain's properties come from the ``bulkhead`` pillar.

.. code-block:: yaml

    bulkhead-domains-work:
      bulkhead_domain.running:
        - name: work

``present`` defines the domain and its volumes and converges changed properties (``changes`` holds
one line per changed property, such as ``vcpus: 1 -> 2``; with ``xml_diff: true``, or
``bulkhead:formula:xml_diff``, also the unified diff of the domain XML); ``running`` and
``halted`` also set its power state; ``absent`` undefines it and keeps the private volume
unless ``purge: true``. Only domains stamped with bulkhead's metadata are ever modified. A real run
holds the host's apply lock for
the state, waiting at most ``lock_timeout`` s (default ``bulkhead:formula:lock_timeout``), and
fails naming its holder after that; test mode never waits (docs/architecture.md).
"""

from saltext.bulkhead import virt
from saltext.bulkhead.saltret import reconcile

__virtualname__ = "bulkhead_domain"


def __virtual__():
    return __virtualname__


def present(name, lock_timeout=None, xml_diff=None):
    """Domain ``name`` is defined as the pillar says, with its volumes and networks.

    Changed properties converge (``changes`` has a line per changed property); a running domain
    keeps its old configuration until it restarts (``restart_required``). Its power state is left
    as it is.

    name
        The domain: a key of ``bulkhead:domains``.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).
    xml_diff
        Also show the full libvirt XML diff of a change (default
        ``bulkhead:formula:xml_diff``, false: one line per changed property).

    .. code-block:: yaml

        bulkhead-domains-work:
          bulkhead_domain.present:
            - name: work
    """
    return reconcile(name, __pillar__, virt.domain_present, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"), xml_diff=xml_diff)


def running(name, lock_timeout=None, xml_diff=None):
    """Domain ``name`` is present (as ``present``) and running.

    A shut-off domain is started (asking bulkhead-memd for its memory first when it runs); a
    domain a user paused is resumed, one libvirt paused for a fault is refused.

    name
        The domain: a key of ``bulkhead:domains``.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).
    xml_diff
        Also show the full libvirt XML diff of a change (default
        ``bulkhead:formula:xml_diff``, false: one line per changed property).

    .. code-block:: yaml

        bulkhead-domains-work:
          bulkhead_domain.running:
            - name: work
    """
    return reconcile(name, __pillar__, virt.domain_running, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"), xml_diff=xml_diff)


def halted(name, timeout=None, lock_timeout=None, xml_diff=None):
    """Domain ``name`` is present (as ``present``) and shut off.

    A running domain is asked to power off through its agent, then by ACPI, and forced off when
    ``timeout`` is over; then it converges as a shut-off domain does.

    name
        The domain: a key of ``bulkhead:domains``.
    timeout
        Seconds a graceful shutdown may take (default ``bulkhead:formula:shutdown_timeout``).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).
    xml_diff
        Also show the full libvirt XML diff of a change (default
        ``bulkhead:formula:xml_diff``, false: one line per changed property).

    .. code-block:: yaml

        bulkhead-domains-vault:
          bulkhead_domain.halted:
            - name: vault
            - timeout: 30
    """
    return reconcile(name, __pillar__, virt.domain_halted, name, test=__opts__["test"],
                     timeout=timeout, context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"), xml_diff=xml_diff)


def absent(name, purge=False, lock_timeout=None):
    """Domain ``name`` is stopped and undefined, its root and config volumes deleted; its
    private volume is kept unless ``purge``.

    A domain others are built on (their template) is refused until they are gone.

    name
        The domain (it need not be in the pillar any more).
    purge
        Delete the private volume (the domain's data) too.
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-domains-old:
          bulkhead_domain.absent:
            - name: old
            - purge: false
    """
    return reconcile(name, __pillar__, virt.domain_absent, name, test=__opts__["test"],
                     purge=purge, context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
