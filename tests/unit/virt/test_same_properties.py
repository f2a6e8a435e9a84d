"""Comparisons remembered across runs (virt/same_properties.py): a definition found as planned is
not compared again while both XML texts and the comparing code stay the same, and the remembered
answer is always the one comparing would give."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.virt import InventoryCache, connect, same_properties, tracked
from saltext.bulkhead.virt.domain_props import differences, properties_of
from saltext.bulkhead.virt.same_properties import property_differences
from tests.unit.plan.workstation_pillar import TOPOLOGY, WORKSTATION
from tests.unit.virt import kept_runs

PLANS = {dtype: plan_workstation(load_pillar(WORKSTATION), {}, domain_type=dtype,
                                 topology=TOPOLOGY) for dtype in ("qemu", "kvm")}
DOMAINS = sorted(PLANS["qemu"].domains)
WORKSTATION_NAME = "ws-same"
NAME = f"same-properties@{WORKSTATION_NAME}"

# Edits of a definition: as libvirt may show it back, or as someone changed it.
EDITS = {
    "as planned": lambda xml: xml,
    "indented otherwise": lambda xml: re.sub(r"\n\s*", "\n", xml),
    "an element libvirt adds": lambda xml: xml.replace(
        "</domain>", "<on_crash>destroy</on_crash></domain>"),
    "memory": lambda xml: re.sub(r'<memory unit="MiB">\d+', '<memory unit="MiB">1024', xml),
    "a MAC": lambda xml: re.sub(r'<mac address="([0-9a-f:]+)"',
                                lambda m: f'<mac address="{m[1][:-2]}ff"', xml, count=1),
    "a disk": lambda xml: xml.replace('<target dev="vdb"', '<target dev="vdz"', 1),
}


@pytest.fixture(scope="module")
def conn():
    with connect("test:///default") as c:
        yield c


class Runs(kept_runs.Runs):
    def differences(self, dtype: str, name: str, edit: str):
        dplan = PLANS[dtype].domains[name]
        current = EDITS[edit](dplan.xml)
        return property_differences(self.run, self.directory, WORKSTATION_NAME, dplan, current,
                                    lambda: etree.fromstring(current.encode()))


def compared(dtype: str, name: str, edit: str):
    dplan = PLANS[dtype].domains[name]
    current = EDITS[edit](dplan.xml)
    return differences(properties_of(etree.fromstring(current.encode())),
                       properties_of(dplan.draft.document()))


@pytest.fixture
def counted(monkeypatch):
    """How many definitions were really compared."""
    return kept_runs.counted_calls(monkeypatch, same_properties, "properties_of")


def test_a_definition_found_as_planned_is_not_compared_again(conn, tmp_path, counted) -> None:
    runs = Runs(conn, tmp_path)
    assert runs.differences("qemu", "work", "as planned") == {}
    assert len(counted) == 2  # both sides
    for _ in range(2):
        runs.new()
        assert runs.differences("qemu", "work", "as planned") == {}
    assert len(counted) == 2
    assert oct((tmp_path / NAME).stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(("first", "then"), [
    (("qemu", "work", "as planned"), ("qemu", "work", "memory")),
    (("qemu", "work", "as planned"), ("kvm", "work", "as planned")),
    (("qemu", "work", "as planned"), ("qemu", "vault", "as planned")),
    (("qemu", "work", "as planned"), ("qemu", "work", "indented otherwise")),
], ids=["the definition", "the plan", "another domain", "the text alone"])
def test_a_change_of_either_text_is_compared_again(conn, tmp_path, counted, first, then) -> None:
    runs = Runs(conn, tmp_path)
    runs.differences(*first)
    runs.new()
    assert runs.differences(*then) == compared(*then)
    assert len(counted) == 4


def test_a_change_of_the_comparing_code_is_compared_again(conn, tmp_path, counted,
                                                          monkeypatch) -> None:
    runs = Runs(conn, tmp_path)
    runs.differences("qemu", "work", "as planned")
    monkeypatch.setattr(same_properties, "CODE_FINGERPRINT", "domain_props.py changed")
    runs.new()
    assert runs.differences("qemu", "work", "as planned") == {}
    assert len(counted) == 4


def test_differences_are_never_kept(conn, tmp_path, counted) -> None:
    assert set(compared("qemu", "work", "memory")) == {"memory_mib"}
    counted.clear()
    runs = Runs(conn, tmp_path)
    for _ in range(2):
        runs.new()
        assert runs.differences("qemu", "work", "memory") == compared("qemu", "work", "memory")
    assert len(counted) == 4 and not (tmp_path / NAME).exists()


@pytest.mark.parametrize("spoil", [
    lambda path: os.chmod(path, 0o660),
    lambda path: os.chmod(path.parent, 0o775),
    lambda path: os.chown(path, 65534, 65534),
    lambda path: path.write_bytes(b"x" * (same_properties._MAX_BYTES + 1)),
], ids=["group-writable file", "group-writable folder", "foreign file", "too long"])
def test_a_file_not_safely_the_caches_own_is_not_believed(conn, tmp_path, counted,
                                                          spoil) -> None:
    if os.geteuid() != 0 and "chown" in spoil.__code__.co_names:
        pytest.skip("needs root to give a file away")
    runs = Runs(conn, tmp_path)
    runs.differences("qemu", "work", "as planned")
    spoil(tmp_path / NAME)
    runs.new()
    assert runs.differences("qemu", "work", "as planned") == {}
    assert len(counted) == 4


def test_the_file_keeps_the_newest_half_once_full(conn, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(same_properties, "MAX_LINES", 4)
    monkeypatch.setattr(same_properties, "_FULL", 65 * 4)
    runs = Runs(conn, tmp_path)
    for name in DOMAINS[:4]:
        runs.differences("qemu", name, "as planned")
    lines = (tmp_path / NAME).read_text().split()
    assert len(lines) == 4
    last = PLANS["qemu"].domains[DOMAINS[4]]
    runs.differences("qemu", DOMAINS[4], "as planned")
    line = same_properties._line(last, hashlib.sha256(last.xml.encode()).digest())
    assert (tmp_path / NAME).read_text().split() == [*lines[-2:], line.decode()]


def test_lines_that_are_not_digests_match_nothing_and_go_at_the_rotation(conn, tmp_path,
                                                                        monkeypatch) -> None:
    monkeypatch.setattr(same_properties, "MAX_LINES", 4)
    monkeypatch.setattr(same_properties, "_FULL", 65 * 4)
    runs = Runs(conn, tmp_path)
    runs.differences("qemu", DOMAINS[0], "as planned")
    with (tmp_path / NAME).open("a") as file:
        file.write("not a digest\n" + "A" * 64 + "\n" + "b" * 300 + "\n")
    runs.new()
    assert runs.differences("qemu", DOMAINS[0], "memory") == compared("qemu", DOMAINS[0], "memory")
    runs.differences("qemu", DOMAINS[1], "as planned")  # the file is full: rotated
    assert all(len(line) == 64 for line in (tmp_path / NAME).read_text().split())


def test_an_unwritable_cache_still_compares(conn, tmp_path, caplog) -> None:
    (tmp_path / "file").write_text("in the way")
    runs = Runs(conn, tmp_path / "file")
    assert runs.differences("qemu", "work", "as planned") == {}
    assert "cannot keep a comparison" in caplog.text


STEPS = st.lists(st.tuples(st.sampled_from(sorted(PLANS)), st.sampled_from(DOMAINS),
                           st.sampled_from(sorted(EDITS)), st.booleans()),
                 min_size=1, max_size=25)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STEPS)
def test_the_remembered_answer_is_the_compared_one(conn, tmp_path_factory, steps) -> None:
    runs = Runs(conn, tmp_path_factory.mktemp("same"))
    for dtype, name, edit, new_run in steps:
        if new_run:
            runs.new()
        assert runs.differences(dtype, name, edit) == compared(dtype, name, edit)


def test_each_workstation_keeps_its_own_comparisons(conn, tmp_path, counted) -> None:
    runs = Runs(conn, tmp_path)
    runs.differences("qemu", "work", "as planned")
    dplan = PLANS["qemu"].domains["work"]
    doc = etree.fromstring(dplan.xml.encode())
    assert property_differences(tracked(conn, InventoryCache()), str(tmp_path), "ws-other",
                                dplan, dplan.xml, lambda: doc) == {}
    assert len(counted) == 4  # compared again: another workstation's file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same-properties@ws-other", NAME]


def test_the_folder_keeps_the_newest_workstations_comparisons(conn, tmp_path,
                                                               monkeypatch) -> None:
    monkeypatch.setattr(same_properties, "MAX_FILES", 2)
    dplan = PLANS["qemu"].domains["work"]
    doc = etree.fromstring(dplan.xml.encode())
    for name in ("ws-a", "ws-b", "ws-c"):
        property_differences(tracked(conn, InventoryCache()), str(tmp_path), name, dplan,
                             dplan.xml, lambda: doc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same-properties@ws-b",
                                                           "same-properties@ws-c"]


def test_a_plan_knows_its_texts_digests() -> None:
    for plan in PLANS.values():
        for dplan in plan.domains.values():
            assert dplan.xml_sha256 == hashlib.sha256(dplan.xml.encode()).digest()
