"""A check that checked nothing: not applicable (the pillar gives it nothing) or skipped (the host
lacks what the pillar asks for, so an isolation property went unchecked).

Both end the check with ``pytest.skip``; a not-applicable reason carries ``NOT_APPLICABLE`` in
front, which the runner reads back from the JUnit report. Every reason is the suite's own text
(never a guest's), so nothing a guest says can turn a skip into "not applicable".
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NoReturn

import pytest

NOT_APPLICABLE = "not applicable: "


def not_applicable(reason: str) -> NoReturn:
    """Nothing to check, by the pillar's design: reported "n/a", which fails no run."""
    pytest.skip(NOT_APPLICABLE + reason)


def skipped(reason: str) -> NoReturn:
    """Not checked because the host is not as it should be: reported "skipped", fails the run."""
    pytest.skip(reason)


def no_subject(reason: str, not_running: Collection[str]) -> NoReturn:
    """No running domain gives the check anything to check. Not applicable when every domain the
    pillar runs does run (the checks' subjects only grow with the running domains, so the pillar's
    own domains would give none either); skipped when some of them are not running."""
    if not_running:
        missing = ", ".join(sorted(not_running))
        skipped(f"{reason}; not running, though the pillar runs them: {missing}")
    not_applicable(reason)
