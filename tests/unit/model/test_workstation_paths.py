"""Per-workstation default paths: derived from the workstation's name, the host's own
workstation keeps the plain ones (upgrade in place), a path the pillar sets is kept."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.model.pillar import FormulaPaths
from saltext.bulkhead.model.rpc_policy import PolicyConfig
from saltext.bulkhead.model.workstation_paths import (
    PER_WORKSTATION,
    PER_WORKSTATION_CACHES,
    derived,
)
from saltext.bulkhead.systemd_units import unit_names


def test_the_hosts_own_workstation_keeps_the_plain_paths() -> None:
    own = load_pillar({}, "lab", host_workstation="lab")
    assert own.formula.paths == FormulaPaths() and own.policy.dir == "/etc/bulkhead/policy.d"
    assert unit_names(own.formula.paths).broker == "bulkhead-rpc-broker.service"


def test_another_workstation_gets_paths_of_its_own_memd_stays_the_hosts() -> None:
    bob = load_pillar({}, "bob", host_workstation="lab")
    paths = bob.formula.paths
    assert paths.broker_pillar == "/etc/bulkhead/workstations/bob/broker-pillar.json"
    assert paths.dispvm_registry == "/var/lib/bulkhead/workstations/bob/dispvms"
    assert paths.plan_cache == "/var/cache/bulkhead/workstations/bob/plans"
    assert bob.policy.dir == "/etc/bulkhead/workstations/bob/policy.d"
    assert all("/bob/" in getattr(paths, f) for f in (*PER_WORKSTATION, *PER_WORKSTATION_CACHES))
    assert (paths.memd_config, paths.locks) == (FormulaPaths().memd_config, FormulaPaths().locks)
    names = unit_names(paths)
    assert names.memd == "bulkhead-memd.service" and names.broker != "bulkhead-rpc-broker.service"


def test_a_path_the_pillar_sets_is_kept() -> None:
    data = {"formula": {"paths": {"broker_log": "/srv/bob.log"}}, "policy": {"dir": "/srv/pol"}}
    bob = load_pillar(data, "bob", host_workstation="lab")
    assert bob.formula.paths.broker_log == "/srv/bob.log" and bob.policy.dir == "/srv/pol"
    assert bob.formula.paths.broker_pidfile == "/run/bulkhead/workstations/bob/broker.pid"


@pytest.mark.parametrize("default", [
    *(FormulaPaths.model_fields[field].default
      for field in (*PER_WORKSTATION, *PER_WORKSTATION_CACHES)),
    PolicyConfig.model_fields["dir"].default, "/top",
])
def test_a_derived_default_is_the_path_pathlib_would_make(default: str) -> None:
    assert default == str(PurePosixPath(default))  # a plain absolute path, as derived expects
    path = PurePosixPath(default)
    assert derived(default, "bob.lab") == str(path.parent / "workstations" / "bob.lab" / path.name)
