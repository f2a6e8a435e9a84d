"""The label rule sway gets is keyed on the host process and puts the host's prefix first."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.gui.labels import COLOURS, MARK_PREFIX, title_format, window_rule
from saltext.bulkhead.model import Label
from saltext.bulkhead.model.fields import NAME_PATTERN

names = st.from_regex(NAME_PATTERN, fullmatch=True)


@given(names, st.sampled_from(list(Label)), st.integers(1, 2**22))
def test_every_rule_names_the_pid_and_only_host_text(domain, label, pid):
    rule = window_rule(pid, domain, label)
    statements = [s.strip() for s in rule.split(", for_window ")]
    assert len(statements) == 3
    assert all(s.removeprefix("for_window ").startswith(f"[pid={pid}] ") for s in statements)
    assert f"mark --add {MARK_PREFIX}{domain}" in rule
    assert '"' not in title_format(domain, label)  # nothing to close the quoted format early


def test_the_prefix_comes_before_the_guest_title():
    fmt = title_format("work", Label.blue)
    assert fmt.index("[work]") < fmt.index("%title")
    assert fmt.count("%") == 1  # the only placeholder is the guest's title, escaped by sway
    assert "background='#3465a4'" in fmt


def test_every_label_has_two_colours():
    assert set(COLOURS) == set(Label)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for pair in COLOURS.values() for c in pair)
