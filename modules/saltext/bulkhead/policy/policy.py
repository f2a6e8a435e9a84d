"""``Policy``: the rules of one policy, compiled, and evaluation against a system."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from .decision import Decision, deny
from .errors import RequestError
from .index import RuleIndex
from .loader import read_policy_dir, read_policy_files, read_policy_text
from .match import first_match_linear, sources_linear
from .request import Call, Request, normalize
from .resolve import Sources, resolve
from .rules import Rule
from .system import System

DEFAULT_POLICY_DIR = "/etc/bulkhead/policy.d"


class Policy:
    """An immutable, fully parsed policy. Build one with ``load`` (a directory), ``from_files``
    (in-memory files) or ``from_text``; all raise PolicySyntaxError, so an object of this class
    has always parsed cleanly."""

    def __init__(self, rules: Sequence[Rule], files: Sequence[str] = ()):
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.files: tuple[str, ...] = tuple(files)
        self._index = RuleIndex(self.rules)

    @classmethod
    def load(cls, directory: str | os.PathLike[str] = DEFAULT_POLICY_DIR) -> Policy:
        loaded = read_policy_dir(directory)
        return cls(loaded.rules, loaded.files)

    @classmethod
    def from_files(cls, files: Mapping[str, str | bytes], main: str | None = None) -> Policy:
        """``{name: text}``: every top-level ``*.policy`` in order (or only ``main``), with
        includes resolved among the names."""
        loaded = read_policy_files(files, main)
        return cls(loaded.rules, loaded.files)

    @classmethod
    def from_text(cls, text: str, file: str = "<policy>") -> Policy:
        loaded = read_policy_text(text, file)
        return cls(loaded.rules, loaded.files)

    def first_match(self, call: Call, system: System) -> Rule | None:
        return self._index.first_match(call, system)

    def first_match_linear(self, call: Call, system: System) -> Rule | None:
        return first_match_linear(self.rules, call, system)

    def evaluate(self, request: Request, system: System) -> Decision:
        return self._decide(request, system, self.first_match, self._index.sources)

    def evaluate_linear(self, request: Request, system: System) -> Decision:
        """The same decision found by scanning every rule in order (reference and benchmark)."""
        return self._decide(
            request,
            system,
            self.first_match_linear,
            lambda call, sys_: sources_linear(self.rules, call, sys_),
        )

    @staticmethod
    def _decide(
        request: Request,
        system: System,
        find: Callable[[Call, System], Rule | None],
        sources: Sources,
    ) -> Decision:
        try:
            call = normalize(request, system)
        except RequestError as exc:
            return deny(str(exc))
        return resolve(find(call, system), call, system, sources)


def evaluate(policy: Policy | None, request: Request, system: System) -> Decision:
    """Fail closed: without a policy that parsed, every request is denied."""
    if policy is None:
        return deny("no valid policy loaded")
    return policy.evaluate(request, system)
