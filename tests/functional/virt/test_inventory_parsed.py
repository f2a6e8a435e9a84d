"""The trees of a run's definitions are handed out read only: every caller gets them as libvirt's
XML says, whether the reader threads parsed them (``PARSE_IN_READERS``) or the first caller did.
A definition that does not parse fails where and as it did when the caller parsed it; a read no
longer wanted before it started is not made."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from lxml import etree

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import (
    InventoryCache,
    cache_of,
    domain_absent,
    inventory_cache,
    network_absent,
    tracked,
)
from saltext.bulkhead.virt.inventory_cache.section import PREFETCH_MIN, Section
from saltext.bulkhead.virt.readers import Batch

from .test_inventory_cache import apply_all, define_domains
from .virt_fixtures import pillar_data


@pytest.mark.parametrize("in_readers", [False, True])
def test_a_runs_definitions_are_parsed_once_and_handed_out_as_read(
        driver, tmp_path, monkeypatch, in_readers) -> None:
    monkeypatch.setattr(inventory_cache, "PARSE_IN_READERS", in_readers)
    conn, _log = driver
    pillar = load_pillar(pillar_data(str(tmp_path / "pool")))
    assert all(result is True for _, result, _ in apply_all(conn, pillar))
    parse, by_readers, by_main = etree.fromstring, set(), set()

    def parse_seen(text, *args, **kwargs):
        tree = parse(text, *args, **kwargs)
        reader = threading.current_thread().name.startswith("bulkhead-read")
        (by_readers if reader else by_main).add(id(tree))
        return tree

    monkeypatch.setattr(etree, "fromstring", parse_seen)
    run = tracked(conn, InventoryCache())
    assert all((result, changes) == (True, {}) for _, result, changes in apply_all(run, pillar))
    # Callers that look at every domain's tree: a template's dependents, a network's users.
    assert domain_absent(run, pillar, "tpl", test=True).result is False
    assert network_absent(run, pillar, "net", test=True).result is False
    monkeypatch.setattr(etree, "fromstring", parse)
    cache = cache_of(run)
    domains = cache.domains.all(run)
    assert set(pillar.domains) <= set(domains)
    for name in pillar.domains:  # every definition the plan read: parsed where said, then kept
        assert id(cache.domains.parsed(name, domains[name])) in (
            by_readers if in_readers else by_main), name
    held = [(cache.domains, name, xml) for name, xml in domains.items()]
    held += [(cache.networks, name, xml) for name, xml in cache.networks.all(run).items()]
    for section, name, xml in held:
        assert (etree.tostring(section.parsed(name, xml))
                == etree.tostring(etree.fromstring(xml.encode()))), f"{name}'s tree was changed"


class _Listed:
    """An object as libvirt lists it: its name, and a definition (not necessarily XML)."""

    def __init__(self, name: str, xml: str) -> None:
        self._name, self._xml = name, xml

    def name(self) -> str:
        return self._name

    def XMLDesc(self, flags: int) -> str:  # noqa: N802 - libvirt's name
        return self._xml


def test_a_definition_that_does_not_parse_fails_where_it_is_parsed_as_before() -> None:
    broken = "<domain><name>bad</name>"
    objects = [_Listed(f"ok{i}", f"<domain><name>ok{i}</name></domain>")
               for i in range(PREFETCH_MIN)] + [_Listed("bad", broken)]
    section = Section(lambda conn: objects, 0, lambda conn, name: None, True, parse=True)
    section.prefetch(None, [obj.name() for obj in objects])
    assert section.get(None, "bad") == broken  # read: the text is there, unparsed
    with pytest.raises(etree.XMLSyntaxError) as before:
        etree.fromstring(broken.encode())
    with pytest.raises(etree.XMLSyntaxError) as now:
        section.parsed("bad", broken)
    assert str(now.value) == str(before.value)
    assert section.parsed("ok0", section.get(None, "ok0")).findtext("name") == "ok0"


def test_a_prefetched_read_forgotten_before_it_started_is_not_made(driver) -> None:
    conn, log = driver
    names = define_domains(conn, "fgt", 5)
    section = InventoryCache().domains
    section.current_version(conn)  # listed
    batch = Batch()
    section.prefetch(conn, names, batch)
    section.forget("fgt0")  # changed by this run before the batch started: read again, alone
    log.clear()
    batch.start()
    assert all(section.get(conn, name) is not None for name in names)
    # The four others prefetched, fgt0 read alone once (looked up again): not prefetched too.
    assert Counter(log.calls) == {"domain.XMLDesc": len(names), "connect.lookupByName": 1}
