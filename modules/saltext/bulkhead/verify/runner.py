"""Run the shipped suite in a child pytest and read back one result per check.

A child process keeps pytest's global state (plugins, imported test modules, the testinfra host
cache) out of the caller, and its JUnit XML report is a stable, parseable record of each check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..untrusted.text import printable
from .progress import OPTION as PROGRESS
from .skips import NOT_APPLICABLE

SUITE_DIR = Path(__file__).resolve().parent / "suite"


@dataclass(frozen=True)
class CheckResult:
    check: str  # e.g. "host_bridges: no_host_address_on_bulkhead_bridges [local]"
    outcome: str  # passed | failed | error | skipped | n/a (nothing to check, by the pillar)
    message: str
    # Wall time of its setup, call and teardown; a fixture shared by several checks (a module's
    # agent calls, the probes' one command) counts in the first check that needs it.
    seconds: float = 0.0


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    results: tuple[CheckResult, ...]
    output: str  # pytest's own output, for when the report alone does not explain a failure

    @property
    def ok(self) -> bool:
        """Every check passed or had nothing to check by the pillar: a skip is not a pass."""
        return self.returncode == 0 and bool(self.results) and all(
            r.outcome in ("passed", "n/a") for r in self.results)

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def exit_code(self) -> int:
        """0: all passed (or n/a); 1: a check failed or the suite did not run; 3: none failed,
        but a check was skipped (2 is ``bulkhead verify``'s for a pillar it cannot use)."""
        if self.ok:
            return 0
        if self.returncode != 0 or not self.results or self.count("failed") or self.count("error"):
            return 1
        return 3

    def counts(self) -> str:
        """e.g. "40 passed, 1 failed, 3 not applicable"."""
        names = (("passed", "passed"), ("failed", "failed"), ("error", "errors"),
                 ("n/a", "not applicable"), ("skipped", "skipped"))
        return ", ".join(f"{self.count(key)} {label}" for key, label in names if self.count(key))


# A check's outcome as a Salt-style result: True holds, False does not, None nobody checked.
RESULTS = {"passed": True, "n/a": True, "failed": False, "error": False, "skipped": None}


def report_data(run: SuiteRun) -> dict:
    """The run as data (``bulkhead.verify``): every check's name, result and message."""
    data = {
        "result": run.ok,
        "exit_code": run.exit_code,
        "summary": run.counts() or "no checks ran",
        "checks": [
            {
                "name": r.check,
                "result": RESULTS.get(r.outcome, False),
                "outcome": r.outcome,
                "message": r.message,
                "seconds": round(r.seconds, 2),
            }
            for r in run.results
        ],
    }
    if not run.results:  # the suite did not run: its own output says why
        data["output"] = run.output[-4000:]
    return data


def _clean(message: str) -> str:
    """The assertion's own text, without pytest's 'AssertionError:' prefix and operands' repr."""
    lines = message.removeprefix("AssertionError: ").splitlines()
    kept = []
    for line in lines:
        if line.startswith("assert "):
            break
        kept.append(line.strip())
    return "\n".join(kept).strip()


def _safe(text: str) -> str:
    return printable(text, keep="\n\t", backslash=False)


def _seconds(text: str | None) -> float:
    try:
        return max(0.0, float(text or 0))
    except ValueError:
        return 0.0


def slowest(run: SuiteRun, count: int) -> list[CheckResult]:
    """The ``count`` checks that took longest, longest first (``bulkhead verify --durations``)."""
    return sorted(run.results, key=lambda r: r.seconds, reverse=True)[:count]


def read_junit(xml: bytes) -> tuple[CheckResult, ...]:
    root = etree.fromstring(xml)
    out = []
    for case in root.iter("testcase"):
        # "test_host_ports" + "test_x[local]" -> "host_ports: x [local]": short, still greppable.
        module = (case.get("classname") or "").rsplit(".", 1)[-1].removeprefix("test_")
        name = str(case.get("name")).removeprefix("test_").replace("[", " [")
        check = f"{module}: {name}" if module else name
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = case.find(tag)
            if el is not None:
                outcome = "failed" if tag == "failure" else tag
                message = _clean(el.get("message") or el.text or "")
                break
        if outcome == "skipped" and message.startswith(NOT_APPLICABLE):
            outcome, message = "n/a", message.removeprefix(NOT_APPLICABLE)
        # Findings quote what guests answered (agent output, names): safe for the terminal.
        out.append(CheckResult(_safe(check), outcome, _safe(message), _seconds(case.get("time"))))
    return tuple(out)


def suite_command(
    *,
    hosts: str,
    pillar_file: Path | None,
    pillar_data: dict | None,
    uri: str | None,
    workdir: Path,
    extra: tuple[str, ...] = (),
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(SUITE_DIR),
        f"--hosts={hosts}",
        "-q",
        "--no-header",
        f"--junitxml={workdir / 'report.xml'}",
        f"--rootdir={workdir}",
        "-o",
        f"cache_dir={workdir / 'cache'}",
    ]
    if pillar_file is not None:
        cmd += ["--bulkhead-pillar", str(pillar_file)]
    elif pillar_data is not None:
        data_file = workdir / "pillar.json"
        data_file.write_text(json.dumps(pillar_data))
        cmd += ["--bulkhead-pillar-json", str(data_file)]
    if uri:
        cmd += ["--bulkhead-uri", uri]
    return cmd + list(extra)


def _follow(read_fd: int, on_check: Callable[[str, str], None]) -> threading.Thread:
    """Call ``on_check(check, outcome)`` for each progress line until the child closes it."""
    def follow() -> None:
        with os.fdopen(read_fd, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    item = json.loads(line)
                    on_check(_safe(str(item["check"])), str(item["outcome"]))
                except (ValueError, KeyError, TypeError):
                    continue  # progress is a courtesy: the JUnit report is the record
    thread = threading.Thread(target=follow, name="verify-progress", daemon=True)
    thread.start()
    return thread


def run_suite(
    *,
    hosts: str = "local://",
    pillar_file: Path | None = None,
    pillar_data: dict | None = None,
    uri: str | None = None,
    extra: tuple[str, ...] = (),
    timeout: float = 900,
    on_check: Callable[[str, str], None] | None = None,
) -> SuiteRun:
    """Run the suite; ``on_check(check, outcome)`` is called as each check finishes."""
    with tempfile.TemporaryDirectory(prefix="bulkhead-verify-") as tmp:
        workdir = Path(tmp)
        cmd = suite_command(hosts=hosts, pillar_file=pillar_file, pillar_data=pillar_data, uri=uri,
                            workdir=workdir, extra=extra)
        read_fd, write_fd = os.pipe()
        with open(workdir / "output.txt", "w+", encoding="utf-8", errors="replace") as output:
            try:
                proc = subprocess.Popen([*cmd, f"{PROGRESS}={write_fd}"], stdout=output,
                                        stderr=subprocess.STDOUT, text=True, pass_fds=(write_fd,))
            finally:
                os.close(write_fd)
            follower = _follow(read_fd, on_check or (lambda check, outcome: None))
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
            follower.join()
            output.seek(0)
            text = output.read()
        report = workdir / "report.xml"
        results = read_junit(report.read_bytes()) if report.exists() else ()
    return SuiteRun(proc.returncode, results, _safe(text))
