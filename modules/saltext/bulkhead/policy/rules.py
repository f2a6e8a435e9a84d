"""Rules and their actions: one policy line after parsing, with where it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .tokens import REDIRECT_KINDS, SOURCE_KINDS, TARGET_KINDS, Token, parse_token

SERVICE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
ARGUMENT = re.compile(r"\+[A-Za-z0-9_.+-]{0,64}")
USER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
ANY = "*"


class Verdict(Enum):
    ALLOW = "allow"
    DENY = "deny"
    ASK = "ask"


# Parameters each action accepts. deny takes only notify=: a redirect or user on a refusal
# would mean nothing and probably hides a typo in the action.
PARAMS: dict[Verdict, frozenset[str]] = {
    Verdict.ALLOW: frozenset({"target", "user", "notify", "autostart"}),
    Verdict.DENY: frozenset({"notify"}),
    Verdict.ASK: frozenset({"target", "default_target", "user", "notify", "autostart"}),
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


def check_service(service: str, argument: str) -> None:
    """Validate the service and argument columns (also used by !include-service)."""
    if service != ANY and not SERVICE_NAME.fullmatch(service):
        raise ValueError(f"invalid service name {service!r}")
    if argument != ANY and not ARGUMENT.fullmatch(argument):
        raise ValueError(f"invalid argument {argument!r} (must be '*' or start with '+')")
    if service == ANY and argument != ANY:
        raise ValueError("a '*' service must have a '*' argument")


def _yes_no(key: str, value: str) -> bool:
    if value == "yes":
        return True
    if value == "no":
        return False
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
        if field.startswith("#"):
            raise ValueError("comments must be on a line of their own")
        if not eq or not key or not value:
            raise ValueError(f"invalid parameter {field!r} (expected key=value)")
        if key not in PARAMS[verdict]:
            allowed = ", ".join(sorted(PARAMS[verdict]))
            raise ValueError(f"unknown parameter {key!r} for {verdict.value} (allowed: {allowed})")
        if key in values:
            raise ValueError(f"parameter {key!r} given twice")
        values[key] = value
    user = values.get("user")
    if user is not None and not USER_NAME.fullmatch(user):
        raise ValueError(f"invalid user name {user!r}")
    return Action(
        verdict=verdict,
        target=_redirect(values, "target"),
        default_target=_redirect(values, "default_target"),
        user=user,
        notify=_yes_no("notify", values["notify"]) if "notify" in values else verdict is Verdict.DENY,
        autostart=_yes_no("autostart", values["autostart"]) if "autostart" in values else True,
    )


def _redirect(values: dict[str, str], key: str) -> Token | None:
    if key not in values:
        return None
    return parse_token(values[key], REDIRECT_KINDS, f"{key}= (it must name one destination: a domain, "
                       "@adminvm, @dispvm or @dispvm:TEMPLATE)")


def parse_rule(service: str, argument: str, fields: list[str], file: str, line: int, text: str) -> Rule:
    """Build a rule from ``SOURCE TARGET ACTION [PARAMS]`` under a service and argument."""
    if len(fields) < 3:
        raise ValueError("a rule needs SERVICE ARGUMENT SOURCE TARGET ACTION [PARAMS]")
    check_service(service, argument)
    return Rule(
        service=service,
        argument=argument,
        source=parse_token(fields[0], SOURCE_KINDS, "a source"),
        target=parse_token(fields[1], TARGET_KINDS, "a target"),
        action=parse_action(fields[2:]),
        file=file,
        line=line,
        text=text,
    )

