"""Plans kept across runs (virt/plan_memo.py): a kept plan is the plan its inputs give, any input
changed is another plan, and a kept file that is not the cache's own is never unpickled."""

from __future__ import annotations

import ipaddress
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import HostTopology, RecordedDomain, plan_workstation
from saltext.bulkhead.plan.cpu_topology import HostCpu
from saltext.bulkhead.plan.recorded import RecordedInterface
from saltext.bulkhead.virt import plan_memo
from saltext.bulkhead.virt.plan_memo import MAX_PLANS, SUFFIX, plan_key, remembered_plan
from tests.guests import IMAGE

NOBODY = 65534


def _pillar(memory: int = 256, workstation: str = "ws-memo"):
    return load_pillar({
        "host": {"workstation": workstation, "pool": "bhpool", "pool_path": "/tmp/bhpool"},
        "domains": {
            "tpl": {"class": "template", "image": IMAGE, "netvm": "none"},
            "net": {"class": "app", "template": "tpl", "provides_network": True,
                    "netvm": "none"},
            "work": {"class": "app", "template": "tpl", "netvm": "net",
                     "memory": {"initial": memory}},
        },
    })


class Planner:
    """``plan_workstation`` for one set of inputs, counting how often it really plans."""

    def __init__(self, pillar=None, recorded=None, domain_type="qemu", topology=None):
        self.args = (pillar or _pillar(), recorded or {}, domain_type, topology)
        self.made = 0

    @property
    def key(self) -> str:
        return plan_key(*self.args)

    def __call__(self):
        self.made += 1
        pillar, recorded, domain_type, topology = self.args
        return plan_workstation(pillar, recorded, domain_type=domain_type, topology=topology)

    def remembered(self, directory: Path):
        return remembered_plan(str(directory), self.workstation, lambda: self.key, self)

    @property
    def workstation(self) -> str:
        return self.args[0].workstation

    @property
    def file(self) -> str:
        return f"{self.workstation}@{self.key}{SUFFIX}"


def test_a_kept_plan_is_the_plan_its_inputs_give_and_is_not_made_again(tmp_path) -> None:
    planner = Planner()
    first = planner.remembered(tmp_path / "plans")
    again = planner.remembered(tmp_path / "plans")
    assert planner.made == 1
    assert again == first == planner()
    assert type(again.cpu_partitions).__name__ == "mappingproxy"
    kept = tmp_path / "plans" / planner.file
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "plans").stat().st_mode & 0o777) == "0o700"


RECORDED = {"work": RecordedDomain(
    uuid="0b5f8a56-9d5a-4d0e-9b1c-2f4f5d3c2a10",
    interfaces=(RecordedInterface("bulkhead-ws-memo-net", "52:54:00:aa:bb:cc",
                                  ipaddress.IPv4Address("10.137.0.9")),))}
TOPOLOGY = HostTopology((HostCpu(0, (0, 0, 0), frozenset({1})),
                         HostCpu(1, (0, 0, 0), frozenset({0}))))
MOVED = {"work": RecordedDomain(uuid=RECORDED["work"].uuid, interfaces=(
    RecordedInterface("bulkhead-ws-memo-net", "52:54:00:aa:bb:cc",
                      ipaddress.IPv4Address("10.137.0.10")),))}


@pytest.mark.parametrize(("base", "changed"), [
    ({}, {"pillar": _pillar(memory=320)}),
    ({}, {"recorded": RECORDED}),
    ({"recorded": RECORDED}, {"recorded": MOVED}),
    ({}, {"domain_type": "kvm"}),
    ({}, {"topology": TOPOLOGY}),
], ids=["pillar", "recorded", "recorded address", "domain type", "topology"])
def test_any_input_changed_is_another_plan(tmp_path, base, changed) -> None:
    before, after = Planner(**base), Planner(**{**base, **changed})
    assert after.key != before.key
    before.remembered(tmp_path)
    assert after.remembered(tmp_path) == after()
    assert after.made == 2  # planned for itself, not loaded from the other's file


def test_the_key_is_the_same_in_another_process_for_the_same_inputs(tmp_path) -> None:
    code = ("from tests.unit.virt.test_plan_memo import Planner, RECORDED;"
            "print(Planner(recorded=RECORDED).key)")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).parents[3],
                           env={**os.environ, "PYTHONHASHSEED": "random"})
    assert other.stdout.strip() == Planner(recorded=RECORDED).key


def _kept(tmp_path: Path, planner: Planner) -> Path:
    planner.remembered(tmp_path)
    return tmp_path / planner.file


@pytest.mark.parametrize("spoil", [
    lambda path: os.chmod(path, 0o620),  # another may write the file
    lambda path: os.chmod(path.parent, 0o770),  # another may write the folder
    lambda path: os.chown(path, NOBODY, NOBODY),  # another's file
    lambda path: os.chown(path.parent, NOBODY, NOBODY),  # another's folder
    lambda path: path.write_bytes(b"not a pickle"),
    lambda path: path.write_bytes(path.read_bytes()[:1000]),  # cut short
    lambda path: path.write_bytes(pickle.dumps({"not": "a plan"})),
], ids=["group-writable file", "group-writable folder", "foreign file", "foreign folder",
        "garbage", "truncated", "not a plan"])
def test_a_kept_plan_not_safely_the_caches_own_is_made_again(tmp_path, spoil) -> None:
    if os.geteuid() != 0 and "chown" in spoil.__code__.co_names:
        pytest.skip("needs root to give a file away")
    planner = Planner()
    spoil(_kept(tmp_path, planner))
    assert planner.remembered(tmp_path) == planner()
    assert planner.made == 3


def test_a_symlink_in_place_of_a_kept_plan_is_not_followed(tmp_path) -> None:
    planner = Planner()
    real = _kept(tmp_path / "real", planner)
    (tmp_path / "plans").mkdir(mode=0o700)
    (tmp_path / "plans" / real.name).symlink_to(real)
    assert planner.remembered(tmp_path / "plans") == planner()
    assert planner.made == 3


class Planted:
    """What a planted pickle would run while it is read, if anything."""

    def __reduce__(self):
        return (Path.touch, (Path(os.environ["PLANTED"]),))


def test_a_planted_pickle_naming_anything_but_a_plans_classes_runs_nothing(tmp_path,
                                                                          monkeypatch) -> None:
    planner = Planner()
    kept = _kept(tmp_path / "plans", planner)
    monkeypatch.setenv("PLANTED", str(tmp_path / "ran"))
    kept.write_bytes(pickle.dumps(Planted()))
    with kept.open("rb") as file, pytest.raises(pickle.UnpicklingError,
                                                match="Path.touch is not part of a plan"):
        plan_memo._Unpickler(file).load()
    assert planner.remembered(tmp_path / "plans") == planner()  # made again, and kept
    assert not (tmp_path / "ran").exists()
    assert planner.remembered(tmp_path / "plans") == planner() and planner.made == 4


def _remember_in_order(folder: Path, planners: list[Planner]) -> None:
    """Each planner's plan kept and then dated after every file before it, in the past: file
    times are coarse (a few ms), so plans written within one tick would be as old as each other,
    and a plan being written is still the newest when its folder is pruned."""
    for planner in planners:
        planner.remembered(folder)
        kept = folder / planner.file
        if kept.exists():
            dated = [p.stat().st_mtime_ns for p in folder.iterdir() if p != kept]
            when = max([10**18, *dated]) + 10**6  # 2001: before any file written now
            os.utime(kept, ns=(when, when))


def test_each_workstations_newest_plans_are_kept(tmp_path) -> None:
    other = Planner(_pillar(workstation="ws-other"))
    _remember_in_order(tmp_path, [other])
    files = []
    for memory in range(256, 256 + 32 * (MAX_PLANS + 2), 32):
        planner = Planner(_pillar(memory))
        _remember_in_order(tmp_path, [planner])
        files.append(planner.file)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*files[-MAX_PLANS:],
                                                                 other.file])


def test_the_folder_keeps_the_newest_plans_of_all_workstations(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(plan_memo, "MAX_FILES", 3)
    planners = [Planner(_pillar(workstation=f"ws-{i}")) for i in range(5)]
    _remember_in_order(tmp_path, planners)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.file for p in planners[-3:])


def test_a_name_that_is_no_workstations_only_means_planning(tmp_path, caplog) -> None:
    planner = Planner()
    assert remembered_plan(str(tmp_path), "../etc", lambda: planner.key, planner) == planner()
    assert list(tmp_path.iterdir()) == [] and "not a workstation name" in caplog.text


def test_a_cache_that_cannot_be_written_still_gives_the_plan(tmp_path, caplog) -> None:
    (tmp_path / "file").write_text("in the way")
    planner = Planner()
    assert planner.remembered(tmp_path / "file" / "plans") == planner()
    assert "cannot keep the plan" in caplog.text


def test_a_key_that_cannot_be_computed_only_means_planning(tmp_path, caplog) -> None:
    planner = Planner()

    def broken() -> str:
        raise TypeError("a value the key cannot serialise")

    assert remembered_plan(str(tmp_path), "ws-memo", broken, planner) == planner()
    assert planner.made == 2 and list(tmp_path.iterdir()) == []
    assert "planning without the plan cache" in caplog.text


def test_a_plan_that_cannot_be_pickled_is_still_the_plan(tmp_path, caplog) -> None:
    planner = Planner()
    plan = planner()
    object.__setattr__(plan, "domain_type", lambda: "not picklable")
    assert remembered_plan(str(tmp_path), "ws-memo", lambda: planner.key, lambda: plan) is plan
    assert "cannot keep the plan" in caplog.text and not list(tmp_path.glob("*.plan"))


PLANNING = """
import sys
from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.plan.cpu_topology import HostCpu, HostTopology
image = {"kind": "kernel", "root": "/i/root.img", "kernel": "/i/vmlinuz", "initrd": "/i/initrd"}
pillar = load_pillar({
    "host": {"workstation": "ws-memo", "pool": "p", "pool_path": "/tmp/p",
             "cpu_partitions": {"all": {"cpus": "0-1", "labels": [
                 "red", "orange", "yellow", "green", "gray", "blue", "purple", "black"]}}},
    "domains": {"tpl": {"class": "template", "image": image, "netvm": "none"},
                "net": {"class": "app", "template": "tpl", "provides_network": True,
                        "netvm": "none"},
                "work": {"class": "app", "template": "tpl", "netvm": "net",
                         "firewall": [{"action": "accept", "proto": "tcp", "dstports": 443}]}}})
topology = HostTopology((HostCpu(0, (0, 0, 0), frozenset()), HostCpu(1, (0, 0, 1), frozenset())))
plan_workstation(pillar, {}, domain_type="qemu", topology=topology)
print("\\n".join(m.__file__ for n, m in sorted(sys.modules.items())
                  if n.startswith("saltext.bulkhead") and getattr(m, "__file__", None)))
"""


def test_the_code_fingerprint_covers_every_module_planning_loads() -> None:
    # In a new process: bulkhead's own modules that validating a pillar and planning import.
    loaded = subprocess.run([sys.executable, "-c", PLANNING], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parents[3]).stdout.split()
    assert len(loaded) > 20
    assert sorted(set(loaded) - {str(f) for f in plan_memo.code_files()}) == []
