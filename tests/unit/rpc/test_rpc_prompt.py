"""Prompts settle an ask only with one of the candidates."""

from __future__ import annotations

import logging
import os
import pty
import threading

import pytest

from saltext.bulkhead.rpc.asks import AskPrompt, PendingAsks
from saltext.bulkhead.rpc.prompt import (
    DefaultTargetPrompt,
    RefusePrompt,
    TerminalPrompt,
    pick,
    prompt_for,
)

TARGETS = ("vault", "work")


@pytest.mark.parametrize(
    ("answer", "default", "chosen"),
    [
        ("", "work", "work"),
        ("", None, None),
        ("1", None, "vault"),
        ("2", "vault", "work"),
        ("3", None, None),
        ("0", None, None),
        ("vault", None, None),
        (None, "work", None),
        ("", "dom0", None),
    ],
)
def test_pick(answer, default, chosen):
    assert pick(answer, TARGETS, default) == chosen


def test_pillar_defaults():
    assert RefusePrompt().choose("a", "s+", TARGETS, "work") is None
    assert DefaultTargetPrompt().choose("a", "s+", TARGETS, "work") == "work"
    assert DefaultTargetPrompt().choose("a", "s+", TARGETS, None) is None
    assert isinstance(prompt_for("default-target"), DefaultTargetPrompt)
    with pytest.raises(ValueError):
        prompt_for("allow")
    with pytest.raises(ValueError, match="answer socket"):
        prompt_for("user")  # without the pending asks its socket serves, nobody could answer
    assert isinstance(prompt_for("user", PendingAsks(1, logging.getLogger("t"))), AskPrompt)


def test_terminal_prompt_on_a_pseudo_terminal():
    controller, device = pty.openpty()
    name = os.ttyname(device)
    try:
        shown = []

        def answer():
            shown.append(os.read(controller, 4096))
            os.write(controller, b"2\n")

        thread = threading.Thread(target=answer)
        thread.start()
        assert (
            TerminalPrompt(name, timeout=10).choose("alpha", "qubes.Filecopy+", TARGETS, "vault")
            == "work"
        )
        thread.join()
        assert b"alpha asks to call qubes.Filecopy+" in shown[0] and b"(default)" in shown[0]
        assert (
            TerminalPrompt(name, timeout=0.2).choose("alpha", "x+", TARGETS, "vault") is None
        )  # no answer
    finally:
        os.close(controller)
        os.close(device)


def test_the_terminal_prompt_shows_the_guests_call_escaped():
    controller, device = pty.openpty()
    try:
        shown = []

        def answer():
            shown.append(os.read(controller, 4096))
            os.write(controller, b"\n")  # Enter: the default

        thread = threading.Thread(target=answer)
        thread.start()
        prompt = TerminalPrompt(os.ttyname(device), timeout=10)
        assert prompt.choose("alpha", "x\x1b]0;owned\x07+\u202e", TARGETS, "vault") == "vault"
        thread.join()
        assert b"\x1b" not in shown[0] and b"x\\x1b]0;owned\\x07+\\u202e" in shown[0]
    finally:
        os.close(controller)
        os.close(device)
