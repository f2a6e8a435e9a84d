"""Rules and their actions: one policy line after parsing, with where it came from.

``parse_line`` reads the 5-column form, ``parse_service_line`` the 3-column form of a file
pulled in by ``!include-service`` (old syntax included: ``$`` for ``@``, commas between the
action and its parameters); ``format_rule`` writes a rule back as one line.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import Enum

from .tokens import REDIRECT_KINDS, SOURCE_KINDS, TARGET_KINDS, Kind, Token, parse_token

ANY = "*"
RPCNAME_CHARS = frozenset(string.ascii_letters + string.digits + "+-._")


class Verdict(Enum):
    ALLOW = "allow"
    DENY = "deny"
    ASK = "ask"


# Parameters each action accepts.
PARAMS: dict[Verdict, tuple[str, ...]] = {
    Verdict.ALLOW: ("target", "user", "notify", "autostart"),
    Verdict.DENY: ("notify",),
    Verdict.ASK: ("target", "default_target", "user", "notify", "autostart"),
}


@dataclass(frozen=True, slots=True)
class Action:
    verdict: Verdict
    target: Token | None = None
    default_target: Token | None = None
    user: str | None = None
    notify: bool = False
    autostart: bool = True


@dataclass(frozen=True, slots=True)
class Rule:
    service: str  # a service name or "*"
    argument: str  # "+ARG" or "*"
    source: Token
    target: Token
    action: Action
    file: str
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return format_rule(self)


def check_service(service: str, argument: str) -> None:
    """Validate the service and argument columns (also used by !include-service)."""
    if service != ANY:
        bad = sorted(set(service) - (RPCNAME_CHARS - {"+"}))
        if bad:
            raise ValueError(f"service {service!r} contains invalid characters: {''.join(bad)!r}")
    if argument != ANY:
        bad = sorted(set(argument) - RPCNAME_CHARS)
        if bad:
            raise ValueError(f"argument {argument!r} contains invalid characters: {''.join(bad)!r}")
        if not argument.startswith("+"):
            raise ValueError(f"argument {argument!r} does not start with '+'")
        if service == ANY:
            raise ValueError("a '*' service must have a '*' argument")


def _yes_no(key: str, value: str) -> bool:
    if value in ("yes", "no"):
        return value == "yes"
    raise ValueError(f"{key}= must be yes or no, not {value!r}")


def parse_action(fields: list[str]) -> Action:
    """Parse ``ACTION [key=value ...]``."""
    try:
        verdict = Verdict(fields[0])
    except ValueError:
        raise ValueError(f"unknown action {fields[0]!r} (allow, deny or ask)") from None
    values: dict[str, str] = {}
    for field in fields[1:]:
        key, eq, value = field.partition("=")
        if not eq:
            raise ValueError(f"invalid parameter {field!r} (expected key=value)")
        if key in values:
            raise ValueError(f"parameter {key!r} given twice")
        values[key] = value
    unknown = sorted(set(values) - set(PARAMS[verdict]))
    if unknown:
        allowed = ", ".join(PARAMS[verdict])
        raise ValueError(
            f"unknown parameter {unknown[0]!r} for {verdict.value} (allowed: {allowed})"
        )
    flags = {k: _yes_no(k, values[k]) for k in ("notify", "autostart") if k in values}
    return Action(
        verdict=verdict,
        target=_redirect(values, "target"),
        default_target=_redirect(values, "default_target"),
        user=values.get("user"),
        notify=flags.get("notify", verdict is Verdict.DENY),
        autostart=flags.get("autostart", True),
    )


def _redirect(values: dict[str, str], key: str) -> Token | None:
    if key not in values:
        return None
    return parse_token(
        values[key],
        REDIRECT_KINDS,
        f"{key}= (it must name one destination: a domain, @adminvm, @dispvm or @dispvm:TEMPLATE)",
    )


def build_rule(
    service: str, argument: str, fields: list[str], file: str, line: int, text: str
) -> Rule:
    """A rule from ``SOURCE TARGET ACTION [PARAMS]`` under a service and argument."""
    if len(fields) < 3:
        raise ValueError(
            "a rule needs SOURCE TARGET ACTION [PARAMS] after the service and argument"
        )
    check_service(service, argument)
    source = parse_token(fields[0], SOURCE_KINDS, "a source")
    target = parse_token(fields[1], TARGET_KINDS, "a target")
    action = parse_action(fields[2:])
    if target.kind is Kind.DEFAULT and action.verdict is Verdict.ALLOW and action.target is None:
        raise ValueError("allow for target @default must say where: add target=")
    return Rule(service, argument, source, target, action, file, line, text)


def parse_line(line: str, file: str = "<rule>", number: int = 1) -> Rule:
    """One 5-column line: ``SERVICE ARGUMENT SOURCE TARGET ACTION [PARAMS]``."""
    fields = line.split()
    if len(fields) < 5:
        raise ValueError("a rule needs SERVICE ARGUMENT SOURCE TARGET ACTION [PARAMS]")
    return build_rule(fields[0], fields[1], fields[2:], file, number, line.strip())


def old_syntax(line: str) -> str:
    """The substitutions the reference makes in !include-service files (Qubes 4.0 syntax)."""
    return line.replace("$include:", "!include ").replace("$", "@").replace(",", " ")


def parse_service_line(
    service: str, argument: str, line: str, file: str = "<rule>", number: int = 1
) -> Rule:
    """One 3-column line of an !include-service file, old syntax accepted."""
    return build_rule(service, argument, old_syntax(line).split(), file, number, line.strip())


def format_action(action: Action) -> str:
    words = [action.verdict.value]
    for key in ("target", "default_target"):
        token = getattr(action, key)
        if token is not None:
            words.append(f"{key}={token}")
    if action.user is not None:
        words.append(f"user={action.user}")
    if action.notify != (action.verdict is Verdict.DENY):
        words.append(f"notify={'yes' if action.notify else 'no'}")
    if not action.autostart:
        words.append("autostart=no")
    return " ".join(words)


def format_rule(rule: Rule) -> str:
    """The rule as one tab-separated line that parses back to the same rule."""
    return "\t".join(
        [
            rule.service,
            rule.argument,
            str(rule.source),
            str(rule.target),
            format_action(rule.action),
        ]
    )
