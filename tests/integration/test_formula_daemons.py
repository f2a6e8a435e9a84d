"""The formula's daemons for the prefixed example workstation, as the salt-call tiers run them
(tests/topology.py), without booting a guest: ``state.apply bulkhead.rpc,bulkhead.memory`` starts
bulkhead-memd and the RPC broker on the test's own files, and ``purge`` stops exactly those.

This is the path that used to stop an installed workstation's daemons and rewrite its
/etc/bulkhead/memd.json; it is fast, so the live-workstation test runs it on every CI run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from saltext.bulkhead.memd.service import ServicePaths, running_daemon
from saltext.bulkhead.model import load_pillar_file
from saltext.bulkhead.rpc.broker_service import BrokerPaths, running_broker
from tests.topology import purge, salt_workspace

pytestmark = pytest.mark.integration
PREFIX = "fd-"


def test_the_formula_runs_and_purge_stops_only_the_tests_own_daemons(tmp_path, repo_root):
    conf, pillar_file = salt_workspace(tmp_path, repo_root, PREFIX, "bhfd")
    model = load_pillar_file(pillar_file)
    own = model.formula.paths
    broker = BrokerPaths(pidfile=Path(own.broker_pidfile))
    memd = ServicePaths(Path(own.memd_config), Path(own.memd_pidfile), Path(own.memd_log))
    try:
        out = subprocess.run(
            [
                "salt-call",
                "--local",
                "-c",
                str(conf),
                "--out=json",
                "state.apply",
                "bulkhead.memory,bulkhead.rpc",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        ret = next(iter(json.loads(out.stdout).values()))
        assert [k for k, v in ret.items() if v["result"] is not True] == [], out.stdout[-3000:]
        assert running_broker(broker) is not None and running_daemon(memd) is not None
        assert str(tmp_path) in own.memd_config and str(tmp_path) in model.memory.socket
        config = json.loads(Path(own.memd_config).read_text())
        assert sorted(config["domains"]) == sorted(model.domains)
    finally:
        purge(model)  # its lab network and pool too
        shutil.rmtree(model.host.pool_path, ignore_errors=True)
    assert running_broker(broker) is None and running_daemon(memd) is None
