"""How the broker settles an ``ask`` decision: pick one of the candidate targets, or refuse.

Pluggable: the pillar default (``deny``, or ``default-target`` to take the policy's pre-selected
target when there is one), the user on the host through the answer socket (``user``, asks.py),
an interactive terminal, or any callable (a test hook). A prompt may
only answer with one of the candidates; anything else is treated as a refusal by the broker.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable
from typing import Protocol

from ..untrusted.text import printable
from .asks import AskPrompt, PendingAsks

ASK_MODES = ("deny", "default-target", "user", "terminal")


class Prompt(Protocol):
    def choose(
        self, source: str, call: str, targets: tuple[str, ...], default: str | None
    ) -> str | None:
        """One of ``targets``, or None to refuse the call."""


class RefusePrompt:
    """Nobody to ask: every ``ask`` is a deny (the safe default)."""

    def choose(
        self, source: str, call: str, targets: tuple[str, ...], default: str | None
    ) -> str | None:
        return None


class DefaultTargetPrompt:
    """Answer with the policy's pre-selected target (``default_target=`` or the caller's own
    choice when it is a candidate); refuse when there is none."""

    def choose(
        self, source: str, call: str, targets: tuple[str, ...], default: str | None
    ) -> str | None:
        return default if default in targets else None


class HookPrompt:
    """Delegate to a callable with the same arguments (tests, embedding programs)."""

    def __init__(self, hook: Callable[[str, str, tuple[str, ...], str | None], str | None]):
        self._hook = hook

    def choose(
        self, source: str, call: str, targets: tuple[str, ...], default: str | None
    ) -> str | None:
        return self._hook(source, call, targets, default)


class TerminalPrompt:
    """Ask on a terminal: the candidates numbered, Enter takes the default, anything else (or no
    answer within ``timeout`` seconds) refuses."""

    def __init__(self, tty: str = "/dev/tty", timeout: float = 60.0):
        self._tty = tty
        self._timeout = timeout

    def choose(
        self, source: str, call: str, targets: tuple[str, ...], default: str | None
    ) -> str | None:
        lines = [f"\n{source} asks to call {printable(call)}. Allow it towards:"]
        lines += [f"  {number}) {target}{'  (default)' if target == default else ''}"
                  for number, target in enumerate(targets, 1)]
        lines.append(
            f"number{', Enter for the default' if default else ''}, anything else refuses: "
        )
        fd = os.open(self._tty, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, "\n".join(lines).encode())
            readable, _, _ = select.select([fd], [], [], self._timeout)
            answer = os.read(fd, 64).decode(errors="replace").strip() if readable else None
        finally:
            os.close(fd)
        return pick(answer, targets, default)


def pick(answer: str | None, targets: tuple[str, ...], default: str | None) -> str | None:
    """The target a typed answer selects: a number of the list, or empty for the default."""
    if answer is None:
        return None
    if answer == "":
        return default if default in targets else None
    if answer.isdigit() and 1 <= int(answer) <= len(targets):
        return targets[int(answer) - 1]
    return None


def prompt_for(mode: str, asks: PendingAsks | None = None) -> Prompt:
    """The prompt of an ``--ask`` mode; ``user`` waits in ``asks`` (the answer socket's)."""
    if mode == "user" and asks is not None:
        return AskPrompt(asks)
    if mode == "deny":
        return RefusePrompt()
    if mode == "default-target":
        return DefaultTargetPrompt()
    if mode == "terminal":
        return TerminalPrompt()
    if mode == "user":
        raise ValueError("ask mode user needs the pending asks of an answer socket")
    raise ValueError(f"ask mode must be one of {', '.join(ASK_MODES)}, not {mode!r}")
