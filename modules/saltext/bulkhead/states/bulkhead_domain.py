"""States for bulkhead domains; the domain's properties come from the ``bulkhead`` pillar.

.. code-block:: yaml

    bulkhead-domains-work:
      bulkhead_domain.running:
        - name: work

``present`` defines the domain and its volumes and converges changed properties (``changes`` holds
old/new values and a unified diff of the domain XML); ``running`` and ``halted`` also set its power
state; ``absent`` undefines it and keeps the private volume unless ``purge: true``. Only domains
stamped with bulkhead's metadata are ever modified. A real run holds the host's apply lock for
the state, waiting at most ``lock_timeout`` s (default ``bulkhead:formula:lock_timeout``), and
fails naming its holder after that; test mode never waits (docs/architecture.md).
"""

from saltext.bulkhead import virt
from saltext.bulkhead.saltret import reconcile

__virtualname__ = "bulkhead_domain"


def __virtual__():
    return __virtualname__


def present(name, lock_timeout=None):
    return reconcile(name, __pillar__, virt.domain_present, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout)


def running(name, lock_timeout=None):
    return reconcile(name, __pillar__, virt.domain_running, name, test=__opts__["test"],
                     context=__context__, lock_timeout=lock_timeout)


def halted(name, timeout=None, lock_timeout=None):
    return reconcile(name, __pillar__, virt.domain_halted, name, test=__opts__["test"],
                     timeout=timeout, context=__context__, lock_timeout=lock_timeout)


def absent(name, purge=False, lock_timeout=None):
    return reconcile(name, __pillar__, virt.domain_absent, name, test=__opts__["test"],
                     purge=purge, context=__context__, lock_timeout=lock_timeout)
