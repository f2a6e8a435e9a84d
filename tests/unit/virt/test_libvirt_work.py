"""virt's Work reports a step's libvirt error as a failed outcome; a bug still propagates."""

from __future__ import annotations

import libvirt
import pytest

from saltext.bulkhead.reconcile import Work
from saltext.bulkhead.virt.errors import BulkheadVirtError
from saltext.bulkhead.virt.work import LibvirtWork


def _lookup_missing() -> None:
    libvirt.open("test:///default").lookupByName("no-such-domain")


def _work(cls: type[Work], failing) -> Work:
    work = cls()
    work.changes["volume"] = {"old": None, "new": "made"}
    work.step("create the volume", lambda: None)
    work.changes["domain"] = {"old": None, "new": "defined"}
    work.step("define the domain", failing)
    return work


def test_a_libvirt_error_is_a_failed_outcome_with_libvirts_message():
    outcome = _work(LibvirtWork, _lookup_missing).finish(False, "Domain x")
    assert outcome.result is False and outcome.changes == {"volume": {"old": None, "new": "made"}}
    assert outcome.comment.startswith("Domain x: failed to define the domain: Domain not found")
    assert outcome.comment.endswith("(done before: create the volume).")


def test_a_virt_error_is_a_failed_outcome():
    def refuse() -> None:
        raise BulkheadVirtError("not ours")

    outcome = _work(LibvirtWork, refuse).finish(False, "Domain x")
    assert (outcome.result, outcome.comment) == (
        False, "Domain x: failed to define the domain: not ours (done before: create the volume).")


def test_the_reconcile_vocabulary_knows_no_libvirt():
    with pytest.raises(libvirt.libvirtError):
        _work(Work, _lookup_missing).finish(False, "Domain x")


@pytest.mark.parametrize("cls", [Work, LibvirtWork])
def test_a_bug_in_a_step_propagates(cls):
    def bug() -> None:
        raise TypeError("a bug")

    with pytest.raises(TypeError, match="a bug"):
        _work(cls, bug).finish(False, "Domain x")
