"""balance_once and request against libvirt's test driver: real API calls, no guest booted."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import libvirt
import pytest

from saltext.bulkhead.memd.daemon import DaemonState, balance_once, request
from saltext.bulkhead.memd.daemon_config import DaemonConfig
from saltext.bulkhead.memd.libvirt_source import bounds_from_xml
from saltext.bulkhead.memory import DomainMemory, balance

from .memd_fixtures import domain_xml, live_kib, private_host, start

MiB = 1024


@pytest.fixture
def conn(tmp_path):
    conn = private_host(tmp_path)
    yield conn
    conn.close()


def config(host_mib: int = 2048, reserve_mib: int = 512, **extra) -> DaemonConfig:
    extra.setdefault("request_wait", 0.0)  # refusals at once, unless a test is about waiting
    return DaemonConfig(uri="unused", host_kib=host_mib * MiB, reserve_kib=reserve_mib * MiB,
                        **extra)


def test_only_running_bulkhead_domains_are_balanced_and_match_the_pure_balancer(conn):
    work = start(conn, domain_xml("work", 1024, 800))
    mail = start(conn, domain_xml("mail", 1024, 600, min_mib=200))
    foreign = start(conn, domain_xml("foreign", 1024, 900, ours=False))
    conn.defineXML(domain_xml("stopped", 1024, 500))
    expected = balance(
        [DomainMemory("work", 128 * MiB, 1024 * MiB, 800 * MiB, 400 * MiB),
         DomainMemory("mail", 200 * MiB, 1024 * MiB, 600 * MiB, 300 * MiB)],
        1024 * MiB,
    ).targets

    changes = balance_once(conn, config(host_mib=1536))

    assert {c.domain for c in changes} <= {"work", "mail"}
    assert changes, "1400 MiB held in 1024 MiB of capacity: the balancer must shrink"
    assert all(c.applied for c in changes)
    # the balancer's targets, rounded down to whole 4 KiB pages (what a balloon can hold)
    assert live_kib(work) == expected["work"] - expected["work"] % 4
    assert live_kib(mail) == expected["mail"] - expected["mail"] % 4
    assert live_kib(foreign) == 900 * MiB
    assert live_kib(work) + live_kib(mail) <= 1024 * MiB


def test_state_remembers_stats_enabled_per_domain_run_and_the_last_decision(conn):
    dom = start(conn, domain_xml("work", 1024, 800))
    state = DaemonState()
    balance_once(conn, config(), state)
    assert state.stats_enabled == {f"{dom.UUIDString()}/{dom.ID()}"}
    assert state.capacity_kib == 1536 * MiB
    assert set(state.last.targets) == {"work"}
    dom.destroy()
    dom.create()  # a restarted domain needs its stats period set again
    balance_once(conn, config(), state)
    assert f"{dom.UUIDString()}/{dom.ID()}" in state.stats_enabled
    assert len(state.stats_enabled) == 2


def test_minimums_that_do_not_fit_change_nothing(conn):
    work = start(conn, domain_xml("work", 1024, 800, min_mib=600))
    mail = start(conn, domain_xml("mail", 1024, 600, min_mib=600))
    assert balance_once(conn, config(host_mib=1536)) == []
    assert (live_kib(work), live_kib(mail)) == (800 * MiB, 600 * MiB)


def test_a_domain_without_balloon_is_left_alone(conn):
    plain = start(conn, domain_xml("plain", 1024, 700, balloon=False))
    start(conn, domain_xml("work", 1024, 800))
    assert {c.domain for c in balance_once(conn, config(host_mib=1024))} == {"work"}
    assert live_kib(plain) == 700 * MiB


class StaleListing:
    """A real connection whose listing was taken before a domain was destroyed: the race the
    daemon meets when a domain shuts down between listing and reading it."""

    def __init__(self, conn: libvirt.virConnect, listing: list[libvirt.virDomain]) -> None:
        self._conn, self._listing = conn, listing

    def listAllDomains(self, flags: int = 0) -> list[libvirt.virDomain]:  # noqa: N802 - libvirt's name
        return self._listing


def test_a_domain_vanishing_mid_iteration_is_skipped(conn):
    gone = start(conn, domain_xml("gone", 1024, 800))
    work = start(conn, domain_xml("work", 1024, 800))
    listing = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    gone.destroy()
    gone.undefine()
    changes = balance_once(StaleListing(conn, listing), config(host_mib=1024))
    assert [c.domain for c in changes] == ["work"]
    assert live_kib(work) <= 512 * MiB


def test_capacity_from_meminfo_adds_back_what_guests_hold(conn, tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  8000000 kB\nMemFree:  100 kB\nMemAvailable:  1000000 kB\n")
    start(conn, domain_xml("work", 1024, 800))
    state = DaemonState()
    cfg = DaemonConfig(uri="unused", reserve_kib=100_000, meminfo=meminfo)
    balance_once(conn, cfg, state)
    assert state.capacity_kib == 1_000_000 + 800 * MiB - 100_000


def test_request_frees_memory_from_donors_and_holds_it_for_the_new_domain(conn):
    work = start(conn, domain_xml("work", 1024, 1000))
    mail = start(conn, domain_xml("mail", 1024, 500))
    state = DaemonState()
    cfg = config(host_mib=2048)  # capacity 1536: 36 MiB free; preferences 650 + 325
    admission = request(conn, cfg, state, "new", 300 * MiB)
    assert admission.granted
    assert live_kib(work) + live_kib(mail) + 300 * MiB <= 1536 * MiB
    assert live_kib(work) >= 650 * MiB and live_kib(mail) >= 325 * MiB
    assert state.held["new"][0] == 300 * MiB
    # the next pass must not hand the held memory back to the running domains
    balance_once(conn, cfg, state)
    assert state.capacity_kib == 1236 * MiB
    assert live_kib(work) + live_kib(mail) <= 1236 * MiB
    # once the new domain runs, its memory is balanced like the others' and the hold ends
    start(conn, domain_xml("new", 1024, 300))
    balance_once(conn, cfg, state)
    assert "new" not in state.held


def test_request_that_would_overcommit_is_refused_and_changes_nothing(conn):
    work = start(conn, domain_xml("work", 1024, 1000))
    state = DaemonState()
    admission = request(conn, config(host_mib=2048), state, "big", 1200 * MiB)
    assert not admission.granted and admission.short_kib > 0
    assert live_kib(work) == 1000 * MiB
    assert state.held == {}


def test_a_refused_request_waits_for_memory_being_freed(conn):
    work = start(conn, domain_xml("work", 1024, 1000, min_mib=1000))  # cannot give anything
    with ThreadPoolExecutor(1) as pool:
        asking = pool.submit(
            request, conn, config(request_wait=10.0), DaemonState(), "big", 1200 * MiB
        )
        time.sleep(0.3)
        assert not asking.done(), "refused at once although it may wait"
        work.destroy()  # memory becomes free while the request waits
        admission = asking.result(timeout=10)
    assert admission.granted


def test_bounds_default_minimum_follows_the_model():
    small = bounds_from_xml(domain_xml("a", 512, 100))
    large = bounds_from_xml(domain_xml("b", 2048, 1024))
    assert (small.min_kib, small.max_kib) == (100 * MiB, 512 * MiB)
    assert (large.min_kib, large.max_kib) == (128 * MiB, 2048 * MiB)
    assert bounds_from_xml(domain_xml("c", 512, 256, ours=False)) is None


def test_recorded_bounds_win_over_the_defaults_and_never_exceed_memory(conn):
    recorded = bounds_from_xml(domain_xml("a", 512, 300, min_mib=40))
    assert (recorded.min_kib, recorded.max_kib) == (40 * MiB, 512 * MiB)
    lower = domain_xml("b", 512, 300, min_mib=40).replace('max="512"', 'max="400"')
    assert bounds_from_xml(lower).max_kib == 400 * MiB
    higher = domain_xml("c", 512, 300, min_mib=40).replace('max="512"', 'max="4096"')
    assert bounds_from_xml(higher).max_kib == 512 * MiB  # libvirt caps the balloon at <memory>


def test_a_domain_with_a_malformed_record_is_not_balanced(conn):
    broken = domain_xml("broken", 1024, 800, min_mib=100).replace('min="100"', 'min="many"')
    dom = start(conn, broken)
    start(conn, domain_xml("work", 1024, 800))
    changes = balance_once(conn, config(host_mib=1536))
    assert "broken" not in {c.domain for c in changes}
    assert live_kib(dom) == 800 * MiB


def test_a_daemon_given_names_balances_only_those(conn):
    work = start(conn, domain_xml("work", 1024, 800))
    other = start(conn, domain_xml("other", 1024, 900))  # another workstation's domain
    changes = balance_once(conn, config(host_mib=1024, domains=frozenset({"work"})))
    assert {c.domain for c in changes} == {"work"}
    assert live_kib(work) <= 512 * MiB and live_kib(other) == 900 * MiB


def test_growth_waits_for_memory_that_shrinking_balloons_have_really_freed(conn):
    # 1000 of 1024 MiB held; the balancer moves memory from big to small in one decision. A real
    # balloon shrinks over seconds while a raised target can be used at once, so the first pass
    # may only grow small by what is free before big shrinks: 24 MiB.
    big = start(conn, domain_xml("big", 1024, 900))
    small = start(conn, domain_xml("small", 1024, 100, min_mib=64))
    wanted = balance(
        [DomainMemory("big", 128 * MiB, 1024 * MiB, 900 * MiB, 450 * MiB),
         DomainMemory("small", 64 * MiB, 1024 * MiB, 100 * MiB, 50 * MiB)], 1024 * MiB).targets
    assert wanted["big"] < 900 * MiB and wanted["small"] > 124 * MiB  # the case under test
    balance_once(conn, config(host_mib=1536))
    assert live_kib(big) == wanted["big"] - wanted["big"] % 4
    assert live_kib(small) == 124 * MiB
    for _ in range(3):  # later passes: within capacity, and settled (small is within the band)
        balance_once(conn, config(host_mib=1536))
        assert live_kib(big) + live_kib(small) <= 1024 * MiB
    assert balance_once(conn, config(host_mib=1536)) == []
