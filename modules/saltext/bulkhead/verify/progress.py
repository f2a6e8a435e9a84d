"""Each check's outcome the moment it finishes, from the suite's pytest to ``bulkhead verify``.

The child pytest writes one JSON line per check to a file descriptor the runner passes it
(``--bulkhead-progress-fd``); the runner prints each as it comes. The JUnit report at the end
stays the record of the run: progress lines only say what finished, never more.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .skips import NOT_APPLICABLE

OPTION = "--bulkhead-progress-fd"


def check_name(nodeid: str) -> str:
    """``test_host_ports.py::test_x[local]`` -> ``host_ports: x [local]`` (as read_junit names it)."""
    path, _, name = nodeid.partition("::")
    module = path.rsplit("/", 1)[-1].removesuffix(".py").removeprefix("test_")
    name = name.rsplit("::", 1)[-1].removeprefix("test_").replace("[", " [")
    return f"{module}: {name}" if module else name


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def finished(report: Any) -> dict[str, str] | None:
    """A pytest ``TestReport`` as a check that finished, or None when the check goes on (a
    passed setup) or already ended (the teardown of a check that ran)."""
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.skipped:
            outcome = "n/a" if _skip_reason(report).startswith(NOT_APPLICABLE) else "skipped"
        else:
            outcome = report.outcome if report.when == "call" else "error"
        return {"check": check_name(report.nodeid), "outcome": outcome}
    return None


class ProgressWriter:
    """The suite's side: a pytest plugin object writing to the inherited descriptor."""

    def __init__(self, fd: int):
        self.out = os.fdopen(fd, "w", buffering=1, encoding="utf-8")

    def pytest_runtest_logreport(self, report: Any) -> None:
        line = finished(report)
        if line is not None:
            self.out.write(json.dumps(line) + "\n")

    def pytest_unconfigure(self) -> None:
        self.out.close()
