"""guest_rpc's denial check for one domain (run side by side for every domain): a refusal counts
only with exit 126, the guest's "request refused" and the broker's denial logged after the call."""

from __future__ import annotations

from types import SimpleNamespace

from saltext.bulkhead.rpcwire.messages import CallRequest
from saltext.bulkhead.verify.suite.test_guest_rpc import _refused

DENIED = CallRequest("bulkhead.VerifyProbe", "+", "vault")
LINE = "call bulkhead.VerifyProbe+ from work to vault: denied\n"


class Log:
    """The broker's log: ``grows_by`` is appended while the call runs (its own or others')."""

    def __init__(self, before: str, grows_by: str):
        self.path, self.text, self.grows_by = "/var/log/bulkhead/rpc.log", before, grows_by

    @property
    def exists(self):
        return True

    @property
    def size(self):
        return len(self.text.encode())

    @property
    def content(self):
        return self.text.encode()


class Guest:
    def __init__(self, log: Log, rc: int = 126, stderr: str = "request refused", tools=True):
        self.log, self.rc, self.stderr, self.tools, self.ran = log, rc, stderr, tools, []

    def exists(self, command):
        return self.tools

    def run(self, command, *args):
        self.ran.append(command % args)
        self.log.text += self.log.grows_by
        return SimpleNamespace(rc=self.rc, stderr=self.stderr)


def test_a_refusal_the_broker_logged_after_the_call_passes_among_other_lines():
    log = Log(LINE, "call x from personal to work: denied\n" + LINE)
    guest = Guest(log)
    assert _refused(guest, "work", DENIED, log) == (True, None)
    assert guest.ran == ["bulkhead-rpc vault bulkhead.VerifyProbe+ </dev/null"]


def test_a_refusal_logged_only_before_the_call_is_a_problem():
    log = Log(LINE, "")  # an earlier run's line does not count
    has_tools, problem = _refused(Guest(log), "work", DENIED, log)
    assert has_tools and "has no denial for it" in problem


def test_a_call_that_was_not_refused_is_a_problem():
    log = Log("", LINE)
    has_tools, problem = _refused(Guest(log, rc=127, stderr="no such service"), "work", DENIED,
                                  log)
    assert has_tools and "was not refused: exit 127" in problem


def test_a_domain_without_the_tools_or_a_denial_makes_no_call():
    log = Log("", LINE)
    without, with_nothing_denied = Guest(log, tools=False), Guest(log)
    assert _refused(without, "work", DENIED, log) == (False, None)
    assert _refused(with_nothing_denied, "work", None, log) == (True, None)
    assert without.ran == with_nothing_denied.ran == []
