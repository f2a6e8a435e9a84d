"""Definition records kept across runs (virt/record_memo.py): a definition read before is not
parsed again while its text and the reading code stay the same, and the kept record is always
the one parsing gives."""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from saltext.bulkhead.model import Pillar, load_pillar
from saltext.bulkhead.plan import plan_workstation
from saltext.bulkhead.plan.definition_record import NOT_OURS, DefinitionRecord, record_in
from saltext.bulkhead.plan.metadata import read_imports, read_recorded, with_imports
from saltext.bulkhead.virt import InventoryCache, connect, record_memo, tracked
from saltext.bulkhead.virt.record_memo import definition_record
from tests.unit.plan.workstation_pillar import TOPOLOGY, WORKSTATION
from tests.unit.virt import kept_runs

PILLAR = load_pillar(WORKSTATION)
PLAN = plan_workstation(PILLAR, {}, domain_type="qemu", topology=TOPOLOGY)
DOMAINS = sorted(PLAN.domains)
WS = "ws-records"
FILE = f"records@{WS}"

# Definitions as libvirt may hold them: as defined, after an import, changed by someone, or
# another program's domain of the same name.
EDITS = {
    "as planned": lambda xml: xml,
    "an image imported": lambda xml: with_imports(xml, {"root": "ab" * 32}),
    "another owner": lambda xml: re.sub(r'workstation="[^"]*"', 'workstation="ws-other"', xml,
                                        count=1),
    "another address": lambda xml: re.sub(r'address="10\.137\.0\.(\d+)"',
                                          lambda m: f'address="10.137.0.{int(m[1]) + 100}"', xml),
    "another hash": lambda xml: re.sub(r"(<bulkhead:config-hash>)[0-9a-f]{6}", r"\g<1>000000",
                                       xml, count=1),
    "not ours": lambda xml: re.sub(r"<metadata>.*</metadata>", "", xml, flags=re.S),
}


@pytest.fixture(scope="module")
def conn():
    with connect("test:///default") as c:
        yield c


@pytest.fixture
def parsed(monkeypatch):
    """The definitions really parsed for their records."""
    return kept_runs.counted_calls(monkeypatch, record_memo, "record_in")


class Runs(kept_runs.Runs):
    domains = DOMAINS  # those of the pillar of the runs

    def record(self, name: str, edit: str = "as planned") -> DefinitionRecord:
        return definition_record(self.run, pillar_of(self.directory, WS, self.domains), name,
                                 _xml(name, edit))


def pillar_of(directory: str, workstation: str, domains: list[str]) -> Pillar:
    """The golden pillar as workstation ``workstation``'s, with only ``domains``, its plans and
    records kept in ``directory``."""
    paths = PILLAR.formula.paths.model_copy(update={"plan_cache": directory})
    return PILLAR.model_copy(update={
        "host": PILLAR.host.model_copy(update={"workstation": workstation}),
        "formula": PILLAR.formula.model_copy(update={"paths": paths}),
        "domains": {name: PILLAR.domains[name] for name in domains}})


def _xml(name: str, edit: str) -> str:
    return EDITS[edit](PLAN.domains[name].xml)


def parsed_record(name: str, edit: str) -> DefinitionRecord:
    return record_in(etree.fromstring(_xml(name, edit).encode()))


def test_the_record_is_what_the_metadata_says() -> None:
    xml = _xml("work", "an image imported")
    record = parsed_record("work", "an image imported")
    assert record.ours and record.owner == "ws-golden"
    assert record.recorded == read_recorded(xml)
    assert record.recorded.uuid == PLAN.domains["work"].uuid
    assert str(record.recorded.address) == "10.137.0.50"
    assert record.config_hash == PLAN.domains["work"].config_hash
    assert record.content_digests() == {"work-config.tar": PLAN.volumes[
        "work-config.tar"].content_sha256}
    assert record.import_digests() == read_imports(xml) == {"root": "ab" * 32}
    assert parsed_record("work", "not ours") == NOT_OURS


def test_a_definition_read_before_is_not_parsed_again(conn, tmp_path, parsed) -> None:
    runs = Runs(conn, tmp_path)
    for name in DOMAINS:
        assert runs.record(name) == parsed_record(name, "as planned")
    assert len(parsed) == len(DOMAINS)
    for _ in range(2):
        runs.new()
        for name in DOMAINS:
            assert runs.record(name) == parsed_record(name, "as planned")
    assert len(parsed) == len(DOMAINS)
    assert oct((tmp_path / FILE).stat().st_mode & 0o777) == "0o600"


def test_a_run_asks_once_per_definition(conn, tmp_path, parsed) -> None:
    runs = Runs(conn, tmp_path)
    runs.record("work")
    (tmp_path / FILE).unlink()  # the run holds what it found: the file is not read again
    assert runs.record("work") == parsed_record("work", "as planned")
    assert len(parsed) == 1


def test_a_changed_text_or_reading_code_is_parsed_again(conn, tmp_path, parsed,
                                                        monkeypatch) -> None:
    runs = Runs(conn, tmp_path)
    runs.record("work")
    runs.new()
    assert runs.record("work", "another owner") == parsed_record("work", "another owner")
    monkeypatch.setattr(record_memo, "CODE_FINGERPRINT", "plan/metadata.py changed")
    runs.new()
    assert runs.record("work") == parsed_record("work", "as planned")
    assert len(parsed) == 3


def test_a_torn_tail_keeps_what_came_before(conn, tmp_path, parsed) -> None:
    runs = Runs(conn, tmp_path)
    runs.record("work")
    runs.record("vault")
    data = (tmp_path / FILE).read_bytes()
    (tmp_path / FILE).write_bytes(data[:-7])  # the second record cut short
    runs.new()
    assert runs.record("work") == parsed_record("work", "as planned")
    assert runs.record("vault") == parsed_record("vault", "as planned")
    assert len(parsed) == 3  # vault's again
    runs.new()  # the tail was cut off, so vault's record appended after it is found
    assert runs.record("vault") == parsed_record("vault", "as planned")
    assert len(parsed) == 3


def test_a_file_of_the_former_format_is_written_anew(conn, tmp_path, parsed) -> None:
    runs = Runs(conn, tmp_path)
    (tmp_path / FILE).write_bytes(pickle.dumps(("work", b"x" * 32, NOT_OURS)) * 3)
    os.chmod(tmp_path / FILE, 0o600)
    runs.record("work")
    runs.new()
    assert runs.record("work") == parsed_record("work", "as planned")
    assert len(parsed) == 1
    assert (tmp_path / FILE).read_bytes().startswith(record_memo.MAGIC)


@pytest.mark.parametrize("spoil", [
    lambda path: os.chmod(path, 0o660),
    lambda path: os.chmod(path.parent, 0o775),
    lambda path: os.chown(path, 65534, 65534),
    lambda path: path.write_bytes(path.read_bytes() * (record_memo.MAX_BYTES // 100)),
], ids=["group-writable file", "group-writable folder", "foreign file", "too long"])
def test_a_file_not_safely_the_caches_own_is_not_believed(conn, tmp_path, parsed, spoil) -> None:
    if os.geteuid() != 0 and "chown" in spoil.__code__.co_names:
        pytest.skip("needs root to give a file away")
    runs = Runs(conn, tmp_path)
    runs.record("work")
    spoil(tmp_path / FILE)
    runs.new()
    assert runs.record("work") == parsed_record("work", "as planned")
    assert len(parsed) == 2


class Planted:
    """What a planted record would run while it is read, if anything."""

    def __reduce__(self):
        return (Path.touch, (Path(os.environ["PLANTED"]),))


def _replace_record(folder: Path, name: str, value: object) -> None:
    """The file with ``name``'s record replaced by ``value`` pickled, the frame well formed."""
    digest = record_memo.KeptRecords((folder / FILE).read_bytes()).newest[name]
    (folder / FILE).write_bytes(record_memo.MAGIC
                                + record_memo._frame(name, digest, pickle.dumps(value)))


def test_a_planted_pickle_runs_nothing(conn, tmp_path, parsed, monkeypatch) -> None:
    runs = Runs(conn, tmp_path)
    runs.record("vault")
    monkeypatch.setenv("PLANTED", str(tmp_path / "ran"))
    _replace_record(tmp_path, "vault", Planted())
    runs.new()
    assert runs.record("vault") == parsed_record("vault", "as planned")
    assert not (tmp_path / "ran").exists()
    assert len(parsed) == 2


def test_a_well_formed_value_that_is_no_record_is_parsed_again(conn, tmp_path, parsed) -> None:
    runs = Runs(conn, tmp_path)
    runs.record("vault")
    _replace_record(tmp_path, "vault", ("vault", "not a record"))
    runs.new()
    assert runs.record("vault") == parsed_record("vault", "as planned")
    assert len(parsed) == 2


def test_a_run_unpickles_only_the_records_it_asks_for(conn, tmp_path, monkeypatch) -> None:
    runs = Runs(conn, tmp_path)
    for name in DOMAINS:
        runs.record(name)
    decoded = kept_runs.counted_calls(monkeypatch, record_memo, "unpickled")
    runs.new()
    assert runs.record("work") == parsed_record("work", "as planned")
    assert len(decoded) == 1  # not one per domain the file holds


def test_an_overlong_file_is_written_anew_not_grown(conn, tmp_path, parsed) -> None:
    runs = Runs(conn, tmp_path)
    runs.record("work")
    (tmp_path / FILE).write_bytes(b"\0" * (record_memo.MAX_BYTES + 1))
    runs.new()
    runs.record("vault")
    runs.new()
    assert runs.record("vault") == parsed_record("vault", "as planned")
    assert len(parsed) == 2 and (tmp_path / FILE).stat().st_size < 4096


def test_the_file_keeps_the_newest_record_of_each_domain(conn, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(record_memo, "SLACK", 2)
    runs = Runs(conn, tmp_path)
    for edit in ("as planned", "another hash", "an image imported"):
        runs.new()
        runs.record("work", edit)
    runs.record("vault")  # 4 records of 2 domains: 2 older ones, not more than SLACK
    runs.new()
    runs.record("vault")
    assert len(_records(tmp_path)) == 4
    runs.record("work", "another address")
    runs.new()
    runs.record("vault")  # 3 older ones: written back, the newest of each
    assert [(name, record) for name, _, record in _records(tmp_path)] == [
        ("work", parsed_record("work", "another address")),
        ("vault", parsed_record("vault", "as planned"))]


def test_records_of_domains_the_pillar_dropped_go(conn, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(record_memo, "SLACK", 0)
    runs = Runs(conn, tmp_path)
    runs.record("work")
    runs.record("vault")
    runs.domains = ["work"]
    runs.new()
    assert runs.record("work") == parsed_record("work", "as planned")
    assert [name for name, _, _ in _records(tmp_path)] == ["work"]


def _records(folder: Path) -> list[tuple]:
    data = (folder / FILE).read_bytes()
    kept = record_memo.KeptRecords(data)
    assert kept.count == len(kept.frames) and set(kept.newest.values()) <= set(kept.frames)
    return [(name, digest, record_memo._decoded(data[start:end]))
            for digest, (name, start, end) in kept.frames.items()]


def test_an_unwritable_cache_still_gives_the_record(conn, tmp_path, caplog) -> None:
    (tmp_path / "file").write_text("in the way")
    runs = Runs(conn, tmp_path / "file")
    assert runs.record("work") == parsed_record("work", "as planned")
    assert "cannot keep a definition record" in caplog.text


def test_the_folder_keeps_the_newest_workstations_files(conn, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(record_memo, "MAX_FILES", 2)
    xml = _xml("work", "as planned")
    for ws in ("ws-a", "ws-b", "ws-c"):
        definition_record(tracked(conn, InventoryCache()), pillar_of(str(tmp_path), ws, DOMAINS),
                          "work", xml)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records@ws-b", "records@ws-c"]


STEPS = st.lists(st.tuples(st.sampled_from(DOMAINS), st.sampled_from(sorted(EDITS)),
                           st.booleans()), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STEPS)
def test_the_kept_record_is_the_parsed_one(conn, tmp_path_factory, steps) -> None:
    runs = Runs(conn, tmp_path_factory.mktemp("records"))
    for name, edit, new_run in steps:
        if new_run:
            runs.new()
        assert runs.record(name, edit) == parsed_record(name, edit)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=200))
def test_any_file_content_is_read_without_error(tail, record) -> None:
    data = record_memo.MAGIC + record_memo._frame("work", b"d" * 32, record) + tail
    kept = record_memo.KeptRecords(data)
    for digest, (name, _, _) in kept.frames.items():
        assert kept.get(name, digest) is None or isinstance(kept.get(name, digest),
                                                             DefinitionRecord)
    assert kept.compacted().startswith(record_memo.MAGIC)
    assert record_memo.KeptRecords(kept.compacted()).whole
