"""A workstation name is checked without its pattern where it becomes part of a file name: the
check and the pattern agree on every string."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.model.workstation import WORKSTATION_PATTERN, is_workstation_name

NAMES = st.one_of(
    st.text(max_size=70),
    st.text(alphabet="ab09._-/\n Z\u00e9", max_size=70),
    st.from_regex(WORKSTATION_PATTERN, fullmatch=True),
)


@given(NAMES)
def test_the_check_is_the_pattern(name: str) -> None:
    assert is_workstation_name(name) == bool(re.fullmatch(WORKSTATION_PATTERN, name))


def test_names_at_the_edges() -> None:
    assert is_workstation_name("a") and is_workstation_name("a" * 64)
    for name in ("", "a" * 65, ".a", "-a", "_a", "a/b", "a\n", "..", "\u00e9"):
        assert not is_workstation_name(name)
