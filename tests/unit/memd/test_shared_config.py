"""bulkhead-memd is one per host: every workstation's run keeps the others' domains in its
configuration, restarts nothing when nothing the daemon runs changed, and never changes the
balancer settings other workstations share."""

from __future__ import annotations

import json

from saltext.bulkhead.memd.config_file import digest, load_config_file, render_config_file
from saltext.bulkhead.memd.service import ServicePaths, memd_managed
from saltext.bulkhead.memd.shared_config import wanted_config
from saltext.bulkhead.model import load_pillar

DOMAIN = {"class": "standalone", "image": {"kind": "disk", "root": "/x/root.qcow2"}}


def pillar(workstation: str, names: tuple[str, ...], memory: dict | None = None):
    data = {"host": {"workstation": workstation}, "domains": {n: DOMAIN for n in names}}
    if memory is not None:
        data["memory"] = memory
    return load_pillar(data)


ALICE = pillar("alice", ("a1", "a2"), {})
BOB = pillar("bob", ("b1",), {})


def test_the_file_holds_both_workstations_and_the_daemon_balances_their_union(tmp_path) -> None:
    first = wanted_config(None, ALICE)
    both = wanted_config(first, BOB)
    assert json.loads(both)["workstations"] == {"alice": ["a1", "a2"], "bob": ["b1"]}
    path = tmp_path / "memd.json"
    path.write_bytes(both)
    config, _ = load_config_file(path)
    assert config.domains == frozenset({"a1", "a2", "b1"})
    assert wanted_config(both, BOB) == both and wanted_config(both, ALICE) == both  # no-op


def test_a_workstation_without_memory_leaves_the_others_balanced(tmp_path) -> None:
    both = wanted_config(wanted_config(None, ALICE), BOB)
    left = wanted_config(both, pillar("bob", ("b1",)))
    assert json.loads(left)["workstations"] == {"alice": ["a1", "a2"]}
    assert wanted_config(left, pillar("alice", ("a1",))) is None  # the last one: it stops


def test_other_balancer_settings_are_refused_naming_the_workstations_sharing_it() -> None:
    both = wanted_config(None, ALICE)
    problem = wanted_config(both, pillar("bob", ("b1",), {"interval": 5}))
    assert isinstance(problem, str) and "'bob'" in problem and "alice" in problem
    assert isinstance(wanted_config(both, pillar("alice", ("a1",), {"interval": 5})), bytes)


def test_a_file_from_before_is_attributed_to_the_run_and_restarts_nothing() -> None:
    settings = ALICE.memory
    # the file as the last release wrote it (it knew the exclusive-mode record, not workstations)
    legacy = render_config_file(
        settings, ALICE.host.uri, ["a1", "a2"], ALICE.formula.paths.exclusive
    )
    upgraded = wanted_config(legacy, ALICE)
    assert json.loads(upgraded)["workstations"] == {"alice": ["a1", "a2"]}
    assert digest(upgraded) == digest(legacy)  # the daemon's recorded digest still matches


def test_bobs_apply_in_test_mode_shows_only_the_config(tmp_path) -> None:
    paths = ServicePaths(tmp_path / "memd.json", tmp_path / "memd.pid", tmp_path / "memd.log")
    paths.config.write_bytes(wanted_config(None, ALICE))
    out = memd_managed(BOB, paths, test=True)
    assert set(out.changes) == {"config", "daemon"} and '+    "b1"' in out.changes["config"]
    assert json.loads(paths.config.read_bytes())["workstations"] == {"alice": ["a1", "a2"]}
