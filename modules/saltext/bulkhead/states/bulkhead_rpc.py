"""State ``bulkhead_rpc``: the RPC broker that mediates every call between domains.

.. code-block:: yaml

    bulkhead-rpc-broker:
      bulkhead_rpc.broker_running: []

``broker_running`` writes the pillar facts the broker evaluates the policy with (tags, classes;
default /etc/bulkhead/broker-pillar.json, atomically), starts ``bulkhead rpc broker`` detached when
it is not running (pidfile /run/bulkhead/broker.pid, log /var/log/bulkhead/broker.log) and
restarts it when its settings (policy directory, URI, ``bulkhead:policy:ask``) changed. The
broker itself picks up policy and pillar changes without a restart. ``broker_stopped`` stops it.
Test mode reports the same changes and changes nothing. Paths not given as arguments come from
``bulkhead:formula:paths``. On a host run by systemd the broker runs as the unit
bulkhead-rpc-broker.service instead (written, enabled, started and restarted through systemctl),
so that it comes back after a reboot (docs/boot.md).
"""

from pathlib import Path

from saltext.bulkhead.rpc.broker_service import BrokerPaths
from saltext.bulkhead.rpc.broker_service import broker_running as converge_running
from saltext.bulkhead.rpc.broker_service import broker_stopped as converge_stopped
from saltext.bulkhead.saltret import run_state
from saltext.bulkhead.systemd import systemd_host
from saltext.bulkhead.systemd_units import unit_names

__virtualname__ = "bulkhead_rpc"


def __virtual__():
    return __virtualname__


def _paths(model, pillar_file=None, pidfile=None, log=None, socket_dir=None, dispvm_registry=None):
    """The arguments given, else ``bulkhead:formula:paths`` (the socket directory: the default)."""
    own = model.formula.paths
    return BrokerPaths(Path(pillar_file or own.broker_pillar), Path(pidfile or own.broker_pidfile),
                       Path(log or own.broker_log), Path(socket_dir or BrokerPaths().socket_dir),
                       Path(dispvm_registry or own.dispvm_registry))


def _unit(model):
    """(systemctl, the broker's unit) on a host run by systemd, else None."""
    systemd = systemd_host()
    return None if systemd is None else (systemd, unit_names(model.formula.paths).broker)


def broker_running(
    name="bulkhead-rpc-broker",
    pillar_file=None,
    pidfile=None,
    log=None,
    socket_dir=None,
    dispvm_registry=None,
    lock_timeout=None,
):
    """The RPC broker runs with the pillar facts it evaluates the policy with, restarted when
    its settings changed.

    name
        The state's name.
    pillar_file, pidfile, log, dispvm_registry
        The broker's files (default ``bulkhead:formula:paths``).
    socket_dir
        Where the guests' RPC sockets are (default /run/bulkhead/rpc).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-rpc-broker:
          bulkhead_rpc.broker_running:
            - require:
              - bulkhead_policy: bulkhead-policy-files
    """
    def action(model):
        paths = _paths(model, pillar_file, pidfile, log, socket_dir, dispvm_registry)
        return converge_running(model, paths, test=__opts__["test"], systemd=_unit(model))

    return run_state(name, __pillar__, action, test=__opts__["test"], lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))


def broker_stopped(name="bulkhead-rpc-broker", pidfile=None, lock_timeout=None):
    """The RPC broker bulkhead started is stopped; on a host run by systemd its unit is stopped,
    disabled and removed, so it does not come back at the next boot.

    name
        The state's name.
    pidfile
        The broker's pidfile (default ``bulkhead:formula:paths:broker_pidfile``).
    lock_timeout
        Seconds a real run waits for the host's apply lock (default
        ``bulkhead:formula:lock_timeout``).

    .. code-block:: yaml

        bulkhead-rpc-broker:
          bulkhead_rpc.broker_stopped: []
    """
    def action(model):
        return converge_stopped(_paths(model, pidfile=pidfile), test=__opts__["test"],
                                systemd=_unit(model))

    return run_state(name, __pillar__, action, test=__opts__["test"], lock_timeout=lock_timeout,
                     minion_id=__opts__.get("id"))
