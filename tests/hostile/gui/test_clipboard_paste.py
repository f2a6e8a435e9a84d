"""Copying between domains' clipboards against a real headless sway: only by the explicit steps
(``bulkhead clipboard copy FROM``, ``paste TO``), only where the RPC policy allows
``qubes.ClipboardPaste`` FROM -> TO; the host's buffer is emptied after a paste."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from .sway_rig import MODULES

SECRET = "work-secret ünïcode \x1b[31m"  # an escape sequence must never reach a terminal
CLI = ("from saltext.bulkhead.cli import main; main()",)


@pytest.fixture
def rig(sway, filters, tmp_path):
    sessions, policy = tmp_path / "sessions", tmp_path / "policy.d"
    policy.mkdir()
    (policy / "50-clipboard.policy").write_text(
        "qubes.ClipboardPaste * work personal allow\n")
    system = tmp_path / "system.json"
    system.write_text(json.dumps({"domains": {d: {"type": "AppVM", "power_state": "Running"}
                                              for d in ("work", "personal", "bank")}}))
    started = {}
    for domain in ("work", "personal", "bank"):
        (sessions / domain).mkdir(parents=True)
        started[domain] = filters(domain, "--control",
                                  str(sessions / domain / "clipboard.sock"))

    def bulkhead(*args: str) -> subprocess.CompletedProcess:
        common = ["--session-dir", str(sessions), "--buffer", str(tmp_path / "buffer")]
        if args[0] == "paste":
            common += ["--policy-dir", str(policy), "--system", str(system)]
        return subprocess.run([sys.executable, "-c", *CLI, "clipboard", *args, *common],
                              env={"PYTHONPATH": MODULES, "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=120, check=False)

    return started, bulkhead, tmp_path / "buffer"


def paste_through(sway, filter_) -> subprocess.CompletedProcess:
    return sway.run(filter_.socket, "wl-paste", "--no-newline", "--type", "text/plain")


def test_text_copied_from_one_domain_is_pasted_into_another_only_as_policy_allows(sway, rig):
    domains, bulkhead, buffer = rig
    copier = subprocess.Popen(["wl-copy", "--foreground", "--type", "text/plain", SECRET],
                              env=sway.env(domains["work"].socket),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):  # wl-copy owns the selection once an unfiltered client sees it
            if sway.run(sway.socket, "wl-paste", "--no-newline").stdout == SECRET:
                break
            time.sleep(0.05)
        before = paste_through(sway, domains["personal"])
        copied = bulkhead("copy", "work")
    finally:
        copier.terminate()
        copier.communicate(timeout=30)
    assert before.stdout == "" and before.returncode != 0  # no paste without the steps
    assert copied.returncode == 0, copied.stderr
    assert "copied 27 bytes from work" in copied.stdout and SECRET not in copied.stdout
    assert buffer.exists() and buffer.stat().st_mode & 0o077 == 0

    refused = bulkhead("paste", "bank")  # no rule: default deny
    assert refused.returncode == 1
    assert "qubes.ClipboardPaste from work to bank refused by policy" in refused.stderr
    assert paste_through(sway, domains["bank"]).stdout == ""
    assert buffer.exists()  # a refused paste leaves the buffer

    pasted = bulkhead("paste", "personal")
    assert pasted.returncode == 0, pasted.stderr
    assert SECRET not in pasted.stdout + pasted.stderr
    assert not buffer.exists()  # emptied after the paste
    assert paste_through(sway, domains["personal"]).stdout == SECRET
    assert paste_through(sway, domains["bank"]).stdout == ""  # pasted into personal only
    again = bulkhead("paste", "bank")
    assert again.returncode == 1 and "buffer is empty" in again.stderr
    logs = "".join(f.stop() for f in domains.values())
    assert SECRET not in logs and "work-secret" not in logs


def test_copy_from_a_domain_without_a_selection_is_refused(sway, rig):
    domains, bulkhead, buffer = rig
    subprocess.run(["wl-copy", "--clear"], env=sway.env(sway.socket), check=False, timeout=60)
    refused = bulkhead("copy", "bank")
    assert refused.returncode == 1 and "no text selection" in refused.stderr
    assert not buffer.exists()
