"""Lint: which rules count as shadowed, open or admin-bound."""

from __future__ import annotations

import pytest

from saltext.bulkhead.policy import Policy
from saltext.bulkhead.policy.lint import UNKNOWN_TARGET, lint


def messages(text: str) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in lint(Policy.from_text(text, "t.policy"))]


@pytest.mark.parametrize(
    "earlier, later, shadowed",
    [
        ("s * work vault deny", "s * work vault allow", True),
        ("s * @anyvm vault deny", "s * work vault allow", True),
        ("s * @anyvm vault deny", "s * @adminvm vault allow", False),  # @anyvm excludes the admin
        ("s * * vault deny", "s * dom0 vault allow", True),
        ("s * work @anyvm deny", "s * work @adminvm allow", False),
        ("s * work @anyvm deny", "s * work @dispvm:dvm allow", True),
        ("s * work @anyvm deny", "s * work * allow", False),
        ("s +a work vault deny", "s * work vault allow", False),
        ("s * work vault deny", "s +a work vault allow", True),
        ("* * work vault deny", "t +b work vault allow", True),
        ("s * work vault deny", "* * work vault deny", False),
        ("s * @tag:x vault deny", "s * work vault allow", False),  # tags depend on the system
        ("s * work vault deny", "t * work vault allow", False),
    ],
)
def test_shadowing(earlier, later, shadowed):
    found = messages(f"{earlier}\n{later}\n")
    assert ((2, "never used: t.policy:1 matches first") in found) is shadowed


def test_open_and_admin_bound_allows():
    assert messages("* * @anyvm @anyvm allow\n") == [
        (1, "allows every domain to call every service on every domain")
    ]
    assert messages("* * * * allow\n")[:2] == [
        (1, "allows every domain to call every service on every domain"),
        (1, "allows calls into the admin domain (@adminvm/dom0)"),
    ]
    assert messages("s * work @default allow target=dom0\n") == [
        (1, UNKNOWN_TARGET),
        (1, "allows calls into the admin domain (@adminvm/dom0)"),
    ]
    assert messages("s * work dom0 allow target=vault\n") == []  # redirected elsewhere
    assert messages("s * work dom0 ask\ns * @anyvm @anyvm deny\n") == []


def test_rules_reached_by_calls_to_domains_that_do_not_exist():
    assert messages(
        "s * work @default ask\ns * work @anyvm allow target=vault\ns * work * ask\n"
    ) == [(1, UNKNOWN_TARGET), (2, UNKNOWN_TARGET), (3, UNKNOWN_TARGET)]
    # without a redirect an allow to @default is refused at parse time, to @anyvm it denies
    assert messages("s * work @anyvm allow\ns * work @adminvm ask\n") == []


def test_shadow_names_the_first_covering_rule():
    found = messages("s * work vault deny\ns * @anyvm vault deny\ns * work vault allow\n")
    assert (3, "never used: t.policy:1 matches first") in found
