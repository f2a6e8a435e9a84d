"""Which libvirt states and pause reasons bulkhead may act on (virt/power.py)."""

from __future__ import annotations

import libvirt
from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.virt.power import PAUSE_REASONS, power_of, settled_power


class Reported:
    """What libvirt reports of one domain: ``state()`` and, after an I/O error, ``diskErrors()``."""

    def __init__(self, state: int, reason: int, disks: dict[str, int] | None = None) -> None:
        self._state, self._reason, self._disks = state, reason, disks or {}

    def state(self, flags: int = 0) -> list[int]:
        return [self._state, self._reason]

    def diskErrors(self, flags: int = 0) -> dict[str, int]:  # noqa: N802 - libvirt's name
        return self._disks


@given(st.integers(-1, 20), st.integers(-1, 40))
def test_only_a_users_pause_is_ever_resumable_and_a_frozen_guest_never_answers(state, reason):
    power = power_of(Reported(state, reason))
    if power.resumable:
        assert state == libvirt.VIR_DOMAIN_PAUSED
        assert reason in (libvirt.VIR_DOMAIN_PAUSED_USER, libvirt.VIR_DOMAIN_PAUSED_UNKNOWN)
    if power.held:
        assert not power.answers and power.why.startswith(("paused", "suspended"))
    assert power.answers == (state in (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_BLOCKED,
                                       libvirt.VIR_DOMAIN_SHUTDOWN))


def test_every_pause_reason_libvirt_knows_has_its_own_words():
    known = {getattr(libvirt, n) for n in dir(libvirt)
             if n.startswith("VIR_DOMAIN_PAUSED_") and n != "VIR_DOMAIN_PAUSED_LAST"}
    assert known <= set(PAUSE_REASONS)
    assert len(set(PAUSE_REASONS.values())) == len(PAUSE_REASONS)


def test_an_io_error_pause_names_the_full_disk():
    power = power_of(Reported(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_IOERROR,
                              {"vda": libvirt.VIR_DOMAIN_DISK_ERROR_NONE,
                               "vdb": libvirt.VIR_DOMAIN_DISK_ERROR_NO_SPACE}))
    assert (power.state, power.resumable) == ("paused", False)
    assert power.why == "paused by libvirt after an I/O error on a disk (vdb: no space left)"


def test_no_domain_is_undefined():
    assert power_of(None).state == "undefined" and not power_of(None).held


class Starting(Reported):
    """A domain libvirt is still starting (for another client) for ``polls`` reads, then running."""

    def __init__(self, polls: int) -> None:
        super().__init__(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_STARTING_UP)
        self.polls = polls

    def state(self, flags: int = 0) -> list[int]:
        if self.polls <= 0:
            return [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED]
        self.polls -= 1
        return super().state(flags)


def test_a_start_in_progress_is_waited_for_not_refused(monkeypatch):
    monkeypatch.setattr("saltext.bulkhead.virt.power.STARTING_POLL_S", 0.0)
    dom = Starting(polls=5)
    assert power_of(dom).held  # as read mid-start: "paused while libvirt starts it"
    dom.polls = 5
    assert settled_power(dom).state == "running"


def test_a_start_that_never_ends_is_reported_as_it_is_after_the_wait():
    dom = Starting(polls=10**9)
    power = settled_power(dom, wait=0.0)
    assert (power.state, power.resumable) == ("paused", False)
    assert power.why == "paused while libvirt starts it"


def test_settling_never_waits_on_a_settled_or_missing_domain():
    for dom in (None, Reported(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER)):
        assert settled_power(dom, wait=3600).state in ("undefined", "paused")
