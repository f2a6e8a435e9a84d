"""One check per ported reference case (reference_cases.py): True when bulkhead agrees."""

from __future__ import annotations

from saltext.bulkhead.policy import (
    Policy,
    PolicySyntaxError,
    Request,
    System,
    Verdict,
    format_rule,
    parse_line,
    parse_service_line,
)
from saltext.bulkhead.policy import tokens as tk

from . import reference_cases as rc
from .reference_system import SYSTEM_INFO

POSITIONS = {
    "source": tk.SOURCE_KINDS,
    "target": tk.TARGET_KINDS,
    "redirect": tk.REDIRECT_KINDS,
    "intended": tk.INTENDED_KINDS,
}


def system() -> System:
    return System.from_json(SYSTEM_INFO)


def both(policy: Policy, source: str, target: str):
    request = Request("test.Service", "+argument", source, target)
    found = policy.evaluate(request, system())
    assert found == policy.evaluate_linear(request, system()), "index and linear scan differ"
    return found


def token_ok(position: str, text: str, accepted: bool) -> bool:
    try:
        tk.parse_token(text, POSITIONS[position], position)
    except ValueError:
        return not accepted
    return accepted


def expands(token: str, expected: list[str]) -> bool:
    policy = Policy.from_text(f"* * @anyvm @default ask\n* * @anyvm {token} ask\n")
    found = both(policy, "nobody", "@default")
    if not expected:
        return found.verdict is Verdict.DENY
    return found.verdict is Verdict.ASK and sorted(found.targets) == sorted(expected)


def matches(token: str, intended: str, expected: bool) -> bool:
    policy = Policy.from_text(f"* * @anyvm {token} allow target=test-vm2\n* * * * deny notify=no\n")
    found = both(policy, "test-vm1", intended)
    return (found.verdict is Verdict.ALLOW) == expected and found.rule is not None


def refused_target(target: str) -> bool:
    found = both(Policy.from_text("* * * * deny notify=no\n"), "test-vm1", target)
    return found.verdict is Verdict.DENY and found.rule is None


def unknown_target_is_default() -> bool:
    policy = Policy.from_text("* * @anyvm @default allow target=test-vm3\n")
    return both(policy, "test-vm1", "no-such-vm").target == "test-vm3"


def rejects(line: str, service: bool) -> bool:
    try:
        parse_service_line("test.Service", "+argument", line) if service else parse_line(line)
    except ValueError:
        return True
    return False


def reads(case: tuple, service: bool) -> bool:
    line, source, target, verdict, redirect, default, user = case
    rule = (
        parse_service_line("test.Service", "+argument", line)
        if service
        else parse_line(rc.S + line)
    )
    action = rule.action
    return (
        (str(rule.source), str(rule.target), action.verdict.value, action.user)
        == (source, target, verdict, user)
        and (str(action.target) if action.target else None) == redirect
        and (str(action.default_target) if action.default_target else None) == default
    )


def round_trips(line: str) -> bool:
    return format_rule(parse_line(line)) == line


def flags(action: str, param: str, notify: bool, autostart: bool) -> bool:
    rule = parse_line(f"test.Service +argument @anyvm @anyvm {action} {param}")
    return rule.action.notify is notify and rule.action.autostart is autostart


def decides(text: str, source: str, target: str, expected: dict) -> bool:
    found = both(Policy.from_files({"p": text}, main="p"), source, target)
    got = {
        "verdict": found.verdict.value,
        "target": found.target,
        "targets": sorted(found.targets),
        "default": found.default_target,
        "notify": found.notify,
        "line": found.rule.line if found.rule else None,
    }
    if expected.get("line") == "any":
        expected = {k: v for k, v in expected.items() if k != "line"}
    return all(got[k] == v for k, v in expected.items())


def loads(files: dict, main: str, expected: list) -> bool:
    try:
        policy = Policy.from_files(files, main=main)
    except PolicySyntaxError:
        return False
    got = [
        (str(r.source), str(r.target), r.action.verdict.value, r.file, r.line) for r in policy.rules
    ]
    return got == expected


def answers(
    params: str, choice: str | None, verdict: str, target: str | None, notify: bool
) -> bool:
    asked = both(Policy.from_text(f"* * @anyvm @anyvm ask {params}\n"), "test-vm1", "test-vm2")
    found = asked.answer(choice)
    return (found.verdict.value, found.target, found.notify) == (verdict, target, notify)


def all_checks() -> list[tuple[str, object]]:
    """(case id, zero-argument check) for every case."""
    checks: list[tuple[str, object]] = []
    add = checks.append
    for case in rc.TOKENS:
        add((f"token-{case[0]}-{case[1]!r}", lambda c=case: token_ok(*c)))
    for case in rc.EXPAND:
        add((f"expand-{case[0]}", lambda c=case: expands(*c)))
    for case in rc.MATCH:
        add((f"match-{case[0]}-{case[1]!r}", lambda c=case: matches(*c)))
    for target in rc.REFUSED_TARGETS:
        add((f"refused-{target}", lambda t=target: refused_target(t)))
    add(("unknown-target-is-default", unknown_target_is_default))
    for line in rc.BAD_LINES:
        add((f"bad-line-{line!r}", lambda x=line: rejects(x, False)))
    for line in rc.BAD_SERVICE_LINES:
        add((f"bad-service-line-{line!r}", lambda x=line: rejects(x, True)))
    for case in rc.GOOD_LINES:
        add((f"line-{case[0]}", lambda c=case: reads(c, False)))
    for case in rc.GOOD_LINES + rc.GOOD_SERVICE_ONLY:
        add((f"service-line-{case[0]}", lambda c=case: reads(c, True)))
    for line in rc.ROUND_TRIP:
        add((f"format-{line!r}", lambda x=line: round_trips(x)))
    for case in rc.FLAGS:
        add((f"flags-{case[0]}-{case[1]}", lambda c=case: flags(*c)))
    for number, case in enumerate(rc.DECISIONS):
        add((f"decision-{number}-{case[1]}-{case[2]}", lambda c=case: decides(*c)))
    for number, case in enumerate(rc.LOADS):
        add((f"load-{number}", lambda c=case: loads(*c)))
    for case in rc.ANSWERS:
        add((f"answer-{case[0]}-{case[1]}", lambda c=case: answers(*c)))
    return checks


def agreement() -> tuple[int, int, list[str]]:
    agreed, failed = 0, []
    checks = all_checks()
    for name, check in checks:
        try:
            ok = bool(check())
        except Exception:  # noqa: BLE001 - an API the engine lacks counts as a disagreement
            ok = False
        agreed += ok
        if not ok:
            failed.append(name)
    return agreed, len(checks), failed


if __name__ == "__main__":  # python -m tests.unit.policy.reference_check
    agreed, total, failed = agreement()
    print("\n".join(failed))
    print(f"agreement with the reference: {agreed} / {total}")
