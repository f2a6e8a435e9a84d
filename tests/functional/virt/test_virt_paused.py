"""Paused domains through the reconcile functions, with every libvirt call counted.

The test driver pauses a domain as ``virsh suspend`` does (reason: a user). A pause for any other
reason (an I/O error on a disk) it cannot produce: ``IoErrorPaused`` is libvirt as it reports
such a domain, over the real test-driver domain, so that the refusal path runs against libvirt.
"""

from __future__ import annotations

from typing import Any

import libvirt
import pytest

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.virt import connect, counting, domain_halted, domain_present, domain_running

from .test_virt_apply import apply_both, assert_settled
from .virt_fixtures import node_file, pillar_data


@pytest.fixture
def paused(tmp_path):
    """``work`` defined, started and then suspended by a user; the call log cleared."""
    with connect(node_file(tmp_path)) as raw:
        conn, log = counting(raw)
        pillar = load_pillar(pillar_data(str(tmp_path / "pool")))
        for name in ("tpl", "net", "work"):
            assert domain_present(conn, pillar, name).result is True
        assert domain_running(conn, pillar, "work").result is True
        raw.lookupByName("work").suspend()
        log.clear()
        yield conn, log, pillar


def state_of(conn: Any) -> tuple[int, int]:
    return tuple(conn.lookupByName("work").state(0))


def test_running_resumes_a_user_pause_and_does_nothing_else(paused) -> None:
    conn, log, pillar = paused
    out = apply_both(domain_running, conn, log, pillar, "work")
    assert out.changes == {"state": {"old": "paused", "new": "running"}}
    assert log.mutating == ["domain.resume"]  # no root recreated under it, no second start
    assert state_of(conn)[0] == libvirt.VIR_DOMAIN_RUNNING
    assert_settled(domain_running, conn, log, pillar, "work")


def test_a_call_through_the_broker_does_not_resume_it(paused) -> None:
    conn, log, pillar = paused
    out = domain_running(conn, pillar, "work", resume=False)
    assert out.result is False and "work is paused by a user" in out.comment, out.comment
    assert log.mutating == [] and state_of(conn)[0] == libvirt.VIR_DOMAIN_PAUSED


class _PausedByIoError:
    def __init__(self, dom: Any) -> None:
        self._dom = dom

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dom, name)

    def state(self, flags: int = 0) -> list[int]:
        state, reason = self._dom.state(flags)
        io_error = state == libvirt.VIR_DOMAIN_PAUSED
        return [state, libvirt.VIR_DOMAIN_PAUSED_IOERROR if io_error else reason]

    def diskErrors(self, flags: int = 0) -> dict[str, int]:  # noqa: N802 - libvirt's name
        return {"vda": libvirt.VIR_DOMAIN_DISK_ERROR_NO_SPACE,
                "vdb": libvirt.VIR_DOMAIN_DISK_ERROR_NONE}


class IoErrorPaused:
    """The connection, with ``work`` reported as paused by libvirt after an I/O error (looked up
    or listed: a run acts on the domains its listing gave)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def _seen(self, dom: Any) -> Any:
        return _PausedByIoError(dom) if dom.name() == "work" else dom

    def lookupByName(self, name: str) -> Any:  # noqa: N802 - libvirt's name
        return self._seen(self._conn.lookupByName(name))

    def listAllDomains(self, flags: int = 0) -> list[Any]:  # noqa: N802 - libvirt's name
        return [self._seen(dom) for dom in self._conn.listAllDomains(flags)]


def test_a_pause_libvirt_made_is_refused_and_halted_destroys_it_at_once(paused) -> None:
    conn, log, pillar = paused
    failing = IoErrorPaused(conn)
    out = domain_running(failing, pillar, "work")
    assert out.result is False, out.comment
    assert "paused by libvirt after an I/O error on a disk (vda: no space left)" in out.comment
    assert log.mutating == [] and state_of(conn)[0] == libvirt.VIR_DOMAIN_PAUSED
    preview = domain_halted(failing, pillar, "work", test=True, timeout=60)
    assert preview.changes["state"] == {"old": "paused", "new": "shutoff"} and log.mutating == []
    out = domain_halted(failing, pillar, "work", timeout=60)
    assert out.result is True, out.comment
    assert log.mutating == ["domain.destroy"]  # neither resumed nor asked to shut down: destroyed
    assert "cannot shut down: destroyed" in out.comment
    assert state_of(conn)[0] == libvirt.VIR_DOMAIN_SHUTOFF


class _IgnoresShutdown:
    """``work`` as a guest that answers no ACPI shutdown request."""

    def __init__(self, dom: Any) -> None:
        self._dom = dom

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dom, name)

    def shutdown(self) -> int:
        return 0


class DeafGuest(IoErrorPaused):
    def _seen(self, dom: Any) -> Any:
        return _IgnoresShutdown(dom) if dom.name() == "work" else dom


def test_halted_waits_the_pillars_shutdown_timeout_by_default(tmp_path) -> None:
    """The formula's shutdown_timeout is read from the pillar model, not from a second default."""
    with connect(node_file(tmp_path)) as raw:
        data = pillar_data(str(tmp_path / "pool"))
        data["formula"] = {"shutdown_timeout": 1}
        pillar = load_pillar(data)
        for name in ("tpl", "net", "work"):
            assert domain_present(raw, pillar, name).result is True
        assert domain_running(raw, pillar, "work").result is True
        out = domain_halted(DeafGuest(raw), pillar, "work")
        assert out.result is True, out.comment
        assert "work did not shut down within 1s" in out.comment and "was destroyed" in out.comment
        assert not raw.lookupByName("work").isActive()
