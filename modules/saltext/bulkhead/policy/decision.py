"""A decision: allow (to one target), ask (the user picks among candidates), or deny; and what
the user's answer to an ask turns it into. Outputs name the admin domain ``dom0``, as the
reference does."""

from __future__ import annotations

from typing import Any, NamedTuple

from .rules import Rule, Verdict
from .tokens import ADMIN_LITERAL

ADMIN_OUTPUT = ADMIN_LITERAL


class Decision(NamedTuple):
    """Immutable (a tuple: cheap to build, which matters at hundreds of thousands per second)."""

    verdict: Verdict
    target: str | None = None  # allow: a domain (as written), "dom0" or "@dispvm:TEMPLATE"
    targets: tuple[str, ...] = ()  # ask: sorted candidates
    default_target: str | None = None  # ask: pre-selected candidate, if the rule names one
    user: str | None = None
    notify: bool = False
    autostart: bool = True
    rule: Rule | None = None  # the deciding rule; None for the default deny
    reason: str = ""  # why a deny happened without (or despite) a rule

    def to_json(self) -> dict[str, Any]:
        if self.verdict is Verdict.ALLOW:
            return {"decision": "allow", "target": self.target}
        if self.verdict is Verdict.ASK:
            return {
                "decision": "ask",
                "targets": list(self.targets),
                "default_target": self.default_target,
            }
        return {"decision": "deny"}

    def to_record(self) -> dict[str, Any]:
        """Everything a caller acts on: to_json plus the deciding rule, notify, autostart, user."""
        record = self.to_json()
        record["rule"] = self.rule.where if self.rule is not None else None
        record["notify"] = self.notify
        if self.verdict is not Verdict.DENY:
            record["autostart"] = self.autostart
            record["user"] = self.user
        return record

    def explain(self) -> str:
        if self.rule is not None:
            line = f"{self.rule.where}: {self.rule.text}"
            return f"{line} ({self.reason})" if self.reason else line
        return self.reason or "no rule matched: default deny"

    def answer(self, choice: str | None) -> Decision:
        """The user's answer to an ask: a candidate (allowed) or None (refused)."""
        if self.verdict is not Verdict.ASK:
            raise ValueError("only an ask decision can be answered")
        if choice is None:
            return Decision(
                Verdict.DENY, rule=self.rule, notify=self.notify, reason="refused by the user"
            )
        if choice not in self.targets:
            return deny(f"{choice!r} is not one of the candidates", self.rule)
        return self._replace(verdict=Verdict.ALLOW, target=choice, targets=(), default_target=None)


def deny(reason: str, rule: Rule | None = None, notify: bool = True) -> Decision:
    return Decision(Verdict.DENY, rule=rule, reason=reason, notify=notify)


NO_MATCH = deny("no rule matched: default deny")
