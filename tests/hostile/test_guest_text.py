"""Guest text on the admin's terminal: the one escaping function (fuzzed), the daemons' escaping
log formatter, ``bulkhead run`` filtering a guest's escape sequences (the real guest protocol
over a real unix socket, on a real terminal too) and ``bulkhead logs``, the console log viewer."""

from __future__ import annotations

import io
import logging
import os
import pty
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.image.logs_cli import MAX_TAIL
from saltext.bulkhead.rpc.service import broker_logger
from saltext.bulkhead.saltret import ret
from saltext.bulkhead.untrusted.log_format import EscapingFormatter
from saltext.bulkhead.untrusted.text import printable
from saltext.bulkhead.verify.runner import read_junit

from .fake_agent import BUSYBOX, FakeAgent, guest_protocol

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")
EVIL = "\x1b]0;owned\x07\x1b[2J\x1bP+q\x1b\\ \u202etxt.exe\u200b \x9b6n\r\x08\x7f"
# What a hostile command prints: OSC title, clear screen, C1 CSI, bidi override, invalid UTF-8.
EVIL_COMMAND = r"printf '\033]0;owned\007\033[2Jok\tcol\n\302\233\342\200\256gnp.exe\377\n'"


def unsafe(text: str, keep: str = "") -> list[str]:
    """The characters of ``text`` a terminal would act on or hide."""
    return [c for c in text if c not in keep and (
        ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in BIDI or c in ZERO_WIDTH
        or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))]


texts = st.text(st.characters(exclude_categories=()), max_size=60) | st.sampled_from([EVIL])


@settings(max_examples=500)
@given(texts, st.sampled_from(["", "\n", "\n\t"]), st.booleans())
def test_printable_leaves_nothing_a_terminal_acts_on(text, keep, backslash):
    out = printable(text, keep=keep, backslash=backslash)
    assert unsafe(out, keep) == []
    assert printable(out, keep=keep, backslash=False) == out  # escaping twice changes nothing


@settings(max_examples=500)
@given(st.binary(max_size=60) | st.text(max_size=30).map(str.encode))
def test_printable_of_bytes_escapes_invalid_utf8(data):
    assert unsafe(printable(data)) == []


@settings(max_examples=500)
@given(texts, texts)
def test_distinct_texts_stay_distinguishable(a, b):
    if a != b:
        assert printable(a) != printable(b)


@settings(max_examples=500)
@given(st.binary(max_size=12), st.binary(max_size=12))
def test_distinct_bytes_stay_distinguishable(a, b):
    if a != b:
        assert printable(a) != printable(b)


def test_printable_writes_each_control_visibly():
    assert printable(EVIL) == ("\\x1b]0;owned\\x07\\x1b[2J\\x1bP+q\\x1b\\\\ \\u202etxt.exe\\u200b "
                               "\\u009b6n\\x0d\\x08\\x7f")
    assert printable(b"\xff\xc2\x9b ok\n", keep="\n") == "\\xff\\u009b ok\n"
    assert printable("caf\u00e9 \u65e5\u672c \U0001f600") == "caf\u00e9 \u65e5\u672c \U0001f600"


def test_the_log_formatter_escapes_each_record_into_one_line():
    out = io.StringIO()
    log = logging.getLogger("bulkhead.test.escaping")
    log.propagate = False
    handler = logging.StreamHandler(out)
    handler.setFormatter(EscapingFormatter("%(levelname)s %(message)s"))
    log.handlers[:] = [handler]
    forged = "x\n2024-01-01 INFO call test.Echo from vault to work: allowed"
    log.warning("call from %s refused: %s", "work", EVIL + forged)
    try:
        raise ValueError(EVIL)
    except ValueError:
        log.exception("service failed")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("WARNING call from work refused: \\x1b]0;owned")
    assert "\\x0a2024-01-01 INFO" in lines[0]  # the forged line stays inside the real one
    assert all(unsafe(line) == [] for line in lines)
    assert lines[1] == "ERROR service failed" and lines[-1].startswith("ValueError: \\x1b]0;")


def test_a_log_line_is_bounded_after_escaping():
    """Escaping makes a bidi override six characters: the bound holds for what is written."""
    out = io.StringIO()
    log = logging.getLogger("bulkhead.test.escaping-bound")
    log.propagate = False
    handler = logging.StreamHandler(out)
    handler.setFormatter(EscapingFormatter("%(message)s", max_chars=100))
    log.handlers[:] = [handler]
    log.warning("%s", "\u202e" * 1000)
    (line,) = out.getvalue().splitlines()
    assert line.startswith("\\u202e" * 16) and line.endswith("... [5900 more]")
    assert len(line) <= 100 + len("... [5900 more]")


def test_the_broker_log_file_is_escaped(tmp_path):
    log = broker_logger(tmp_path / "broker.log")
    log.info("call %s from %s", "test.Echo+", EVIL)
    for handler in log.handlers:
        handler.flush()
    text = (tmp_path / "broker.log").read_text()
    assert text.count("\n") == 1 and unsafe(text, "\n") == [] and "\\x1b]0;owned" in text


def test_salt_comments_and_verify_findings_are_escaped():
    comment = ret("bulkhead-firewall", False, f"sys-firewall: {EVIL}\nsecond\tline")["comment"]
    assert unsafe(comment, "\n\t") == [] and comment.endswith("\nsecond\tline")
    # A finding that quotes a guest (C1 and bidi survive XML; ESC arrives as pytest's #x1B)
    junit = ('<testsuites><testsuite><testcase classname="test_guest" name="test_ping[\u202e]">'
             '<failure message="work answered \u009b2J \u202egnp \u2066x">t</failure>'
             "</testcase></testsuite></testsuites>").encode()
    (result,) = read_junit(junit)
    assert unsafe(result.check + result.message) == []
    assert result.message == "work answered \\u009b2J \\u202egnp \\u2066x"


# --- bulkhead run -----------------------------------------------------------------------------

needs_busybox = pytest.mark.skipif(BUSYBOX is None, reason="busybox-static is not installed")


@pytest.fixture
def guest(tmp_path):
    """A guest whose agent is the real protocol script: its commands' output is its own."""
    agent = FakeAgent(tmp_path / "agent.sock", guest_protocol(tmp_path / "run"))
    yield agent.path
    agent.close()


@needs_busybox
def test_run_filters_a_guests_escapes_when_asked(guest):
    result = CliRunner().invoke(app, ["run", "--socket", guest, "--filter-escape-chars",
                                      "work", EVIL_COMMAND])
    assert result.exit_code == 0
    assert result.stdout == ("\\x1b]0;owned\\x07\\x1b[2Jok\tcol\n"
                             "\\u009b\\u202egnp.exe\\xff\n")


@needs_busybox
def test_run_passes_bytes_through_to_a_pipe_or_when_told_not_to_filter(guest):
    expected = b"\x1b]0;owned\x07\x1b[2Jok\tcol\n\xc2\x9b\xe2\x80\xaegnp.exe\xff\n"
    for extra in ([], ["--no-filter-escape-chars"]):
        result = CliRunner().invoke(app, ["run", "--socket", guest, *extra, "work", EVIL_COMMAND])
        assert result.exit_code == 0 and result.stdout_bytes == expected


@needs_busybox
@pytest.mark.parametrize("flag,filtered", [([], True), (["--no-filter-escape-chars"], False)])
def test_run_filters_by_default_on_a_terminal(guest, flag, filtered):
    controller, terminal = pty.openpty()
    code = "from saltext.bulkhead.cli import main; main()"
    child = subprocess.Popen([sys.executable, "-c", code, "run", "--socket", guest, *flag,
                              "work", EVIL_COMMAND], stdout=terminal, stderr=terminal,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert child.wait(timeout=60) == 0
    assert (b"\x1b" not in seen and b"\\x1b]0;owned" in seen) is filtered
    assert (b"\x1b]0;owned\x07" in seen) is not filtered


# --- bulkhead logs ----------------------------------------------------------------------------


def logs(log_dir: Path, *args: str):
    return CliRunner().invoke(app, ["logs", *args, "--log-dir", str(log_dir)])


def test_logs_prints_the_last_lines_escaped(tmp_path):
    (tmp_path / "work.log").write_bytes(
        b"early line\r\n" + b"boot\r\n" + EVIL.encode() + b"\r\n\xfflast\ttab")
    result = logs(tmp_path, "work", "-n", "2")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines == [printable(EVIL, backslash=False), "\\xfflast\ttab"]
    assert unsafe(result.stdout, "\n\t") == []


def test_logs_reads_a_bounded_tail_of_an_endless_line(tmp_path):
    (tmp_path / "work.log").write_bytes(b"\x1b" * (3 * MAX_TAIL) + b"\nend\n")
    result = logs(tmp_path, "work", "-n", "5")
    assert result.exit_code == 0 and result.stdout == "end\n"  # the cut line is not shown


def test_logs_of_an_unknown_domain_or_a_bad_name_say_so(tmp_path):
    result = logs(tmp_path, "nothere")
    assert result.exit_code == 1 and "no console log for nothere" in result.stderr
    result = logs(tmp_path, "../../etc/shadow")
    assert result.exit_code == 2 and "is not a domain name" in result.stderr
