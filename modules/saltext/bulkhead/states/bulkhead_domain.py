"""States for bulkhead domains; the domain's properties come from the ``bulkhead`` pillar.

.. code-block:: yaml

    bulkhead-domains-work:
      bulkhead_domain.running:
        - name: work

``present`` defines the domain and its volumes and converges changed properties (``changes`` holds
one line per changed property, such as ``vcpus: 1 -> 2``; with ``xml_diff: true``, or
``bulkhead:formula:xml_diff``, also the unified diff of the domain XML); ``running`` and
``halted`` also set its power state; ``absent`` undefines it and keeps the private volume
unless ``purge: true``. Only domains stamped with bulkhead's metadata are ever modified. A real run holds the host's apply lock for
the state, waiting at most ``lock_timeout`` s (default ``bulkhead:formula:lock_timeout``), and
fails naming its holder after that; test mode never waits (docs/architecture.md).
"""

from saltext.bulkhead import virt
from saltext.bulkhead.saltret import reconcile

__virtualname__ = "bulkhead_domain"


def __virtual__():
    return __virtualname__


def present(name, lock_timeout=None, xml_diff=None):
    return reconcile(name, __pillar__, virt.domain_present, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"), xml_diff=xml_diff)


def running(name, lock_timeout=None, xml_diff=None):
    return reconcile(name, __pillar__, virt.domain_running, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"), xml_diff=xml_diff)


def halted(name, timeout=60, lock_timeout=None, xml_diff=None):
    return reconcile(name, __pillar__, virt.domain_halted, name, test=__opts__["test"],
                     timeout=timeout, context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"), xml_diff=xml_diff)


def absent(name, purge=False, lock_timeout=None):
    return reconcile(name, __pillar__, virt.domain_absent, name, test=__opts__["test"],
                     purge=purge, context=__context__, lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
