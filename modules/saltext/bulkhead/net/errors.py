"""Errors of the firewall compiler: both mean "deliver nothing"."""

from __future__ import annotations


class FirewallCompileError(ValueError):
    """Input that must never reach a ruleset (a value outside the allow-list, duplicate clients...).

    Raised instead of compiling a partial ruleset: the model should have refused this input already,
    so reaching here means a caller bypassed validation, and nothing is delivered.
    """


class RulesetCheckError(RuntimeError):
    """``nft -c`` refused a ruleset; ``output`` is what nft said."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(f"{message}: {output.strip()}" if output.strip() else message)
        self.output = output
