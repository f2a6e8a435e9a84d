"""State ``bulkhead_rpc``: the RPC broker that mediates every call between domains.

.. code-block:: yaml

    bulkhead-rpc-broker:
      bulkhead_rpc.broker_running: []

``broker_running`` writes the pillar facts the broker evaluates the policy with (tags, classes;
default /etc/bulkhead/broker-pillar.json, atomically), starts ``bulkhead rpc broker`` detached when
it is not running (pidfile /run/bulkhead/broker.pid, log /var/log/bulkhead/broker.log) and
restarts it when its settings (policy directory, URI, ``bulkhead:policy:ask``) changed. The
broker itself picks up policy and pillar changes without a restart. ``broker_stopped`` stops it.
Test mode reports the same changes and changes nothing.
"""

from pathlib import Path

from saltext.bulkhead.rpc.broker_service import BrokerPaths
from saltext.bulkhead.rpc.broker_service import broker_running as converge_running
from saltext.bulkhead.rpc.broker_service import broker_stopped as converge_stopped
from saltext.bulkhead.saltret import run_state

__virtualname__ = "bulkhead_rpc"

_DEFAULTS = BrokerPaths()


def __virtual__():
    return __virtualname__


def _paths(pillar_file, pidfile, log, socket_dir):
    return BrokerPaths(Path(pillar_file), Path(pidfile), Path(log), Path(socket_dir))


def broker_running(name="bulkhead-rpc-broker", pillar_file=str(_DEFAULTS.pillar), pidfile=str(_DEFAULTS.pidfile),
                   log=str(_DEFAULTS.log), socket_dir=str(_DEFAULTS.socket_dir)):
    paths = _paths(pillar_file, pidfile, log, socket_dir)
    return run_state(name, __pillar__, lambda model: converge_running(model, paths, test=__opts__["test"]))


def broker_stopped(name="bulkhead-rpc-broker", pidfile=str(_DEFAULTS.pidfile)):
    paths = BrokerPaths(pidfile=Path(pidfile))
    return run_state(name, __pillar__, lambda _model: converge_stopped(paths, test=__opts__["test"]))

