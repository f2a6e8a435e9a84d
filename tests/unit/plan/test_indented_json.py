"""The config volume's JSON formatter writes what ``json.dumps(sort_keys=True, indent=1)`` does."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.plan.indented_json import dumps_indented

SCALARS = st.none() | st.booleans() | st.integers() | st.text()
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_same_text_as_the_standard_library(value: object) -> None:
    assert dumps_indented(value) == json.dumps(value, sort_keys=True, indent=1)


def test_tuples_are_lists_as_for_the_standard_library() -> None:
    assert dumps_indented({"a": (1, "b")}) == json.dumps({"a": [1, "b"]}, sort_keys=True, indent=1)


@pytest.mark.parametrize("value", [1.5, {1: "a"}, {"a": {2}}, b"x"])
def test_anything_else_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        dumps_indented(value)
