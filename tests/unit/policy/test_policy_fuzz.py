"""Fuzzing the parser: any input either parses or raises PolicySyntaxError naming a file and a
line of that input — never another exception — and a parsed policy never allows more than its
rules say (checked against the linear reference scan)."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.policy import (
    Policy,
    PolicySyntaxError,
    Verdict,
    format_rule,
    parse_line,
    parse_service_line,
)

from .policy_strategies import requests, rule_lines, systems

SETTINGS = settings(max_examples=300, deadline=None)

WORDS = [
    "*",
    "+",
    "+x",
    "a",
    "qubes.Filecopy",
    "@anyvm",
    "@adminvm",
    "@default",
    "@dispvm",
    "@dispvm:",
    "@dispvm:dvm",
    "@dispvm:@tag:",
    "@dispvm:@tag:t",
    "@tag:",
    "@tag:t",
    "@type:",
    "@type:AppVM",
    "@anyvmx",
    "dom0",
    "work",
    "allow",
    "deny",
    "ask",
    "target=",
    "target=work",
    "target=@anyvm",
    "default_target=@dispvm",
    "user=root",
    "notify=yes",
    "autostart=no",
    "x=y",
    "=",
    "#",
    "!include",
    "!include-dir",
    "!include-service",
    "../x",
    "/etc/passwd",
    "\t",
    "\x00",
    "é",
    "\r",
]
token_soup = st.lists(st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join), max_size=12).map(
    "\n".join
)


def assert_parses_or_points_at_a_line(text: str) -> Policy | None:
    line_count = text.count("\n") + 1
    try:
        policy = Policy.from_text(text, "t.policy")
    except PolicySyntaxError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.file == "t.policy" and 1 <= issue.line <= line_count, issue
        return None
    lines = text.split("\n")
    for rule in policy.rules:
        assert lines[rule.line - 1].strip(" \t\r") == rule.text
    return policy


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    assert_parses_or_points_at_a_line(text)


@SETTINGS
@given(token_soup)
def test_token_soup(text):
    assert_parses_or_points_at_a_line(text)


@st.composite
def mutated_policies(draw) -> str:
    text = "\n".join(draw(st.lists(rule_lines(), min_size=1, max_size=8)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        replacement = draw(st.sampled_from(["", " ", "@", "*", "=", "\n", "#", "x", ":", "+"]))
        cut = draw(st.integers(0, 3))
        text = text[:position] + replacement + text[position + cut :]
    return text


@SETTINGS
@given(mutated_policies(), systems(), st.lists(requests, max_size=10))
def test_mutated_policies_parse_cleanly_or_fail_and_never_allow_beyond_their_rules(
    text, system, batch
):
    policy = assert_parses_or_points_at_a_line(text)
    if policy is None:
        return
    for request in batch:
        decision = policy.evaluate(request, system)
        assert decision == policy.evaluate_linear(request, system)
        if decision.verdict is not Verdict.DENY:
            assert decision.rule is not None and decision.rule.action.verdict is decision.verdict


file_names = st.text(alphabet="ab_.-~ #é", min_size=1, max_size=10)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        file_names, st.sampled_from(["s * work vault deny\n", "s * a b allw\n", ""]), max_size=5
    )
)
def test_directories_with_odd_file_names(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, content in files.items():
            if name in (".", ".."):
                continue
            (root / (name + ".policy" if len(name) % 2 else name)).write_text(content)
        try:
            policy = Policy.load(root)
        except PolicySyntaxError as exc:
            for issue in exc.issues:
                assert issue.file.startswith(str(root)) and issue.line >= 0
            return
        for rule in policy.rules:
            name = Path(rule.file).name
            assert name.endswith(".policy") and not name.startswith(".")


@SETTINGS
@given(rule_lines())
def test_a_formatted_rule_parses_back_to_the_same_rule(line):
    rule = parse_line(line, "t.policy", 7)
    again = parse_line(format_rule(rule), "t.policy", 7)
    assert (again.service, again.argument, again.source, again.target, again.action) == (
        rule.service,
        rule.argument,
        rule.source,
        rule.target,
        rule.action,
    )


@SETTINGS
@given(st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join))
def test_old_syntax_lines_parse_or_raise_a_value_error(line):
    for text in (line, line.replace("@", "$").replace(" target=", ",target=")):
        with contextlib.suppress(ValueError):
            parse_service_line("s", "+x", text)
