"""``is_domain_name`` (the fast path of every name of every validation) accepts exactly the text
``DomainName`` accepts, and leaves anything else to it."""

from __future__ import annotations

import pydantic
from hypothesis import example, given
from hypothesis import strategies as st

from saltext.bulkhead.model.fields import RESERVED_NAMES, DomainName, is_domain_name

_VALIDATOR = pydantic.TypeAdapter(DomainName)


def _valid(value: object) -> bool:
    try:
        _VALIDATOR.validate_python(value)
    except pydantic.ValidationError:
        return False
    return True


class _Text(str):
    """A str subclass: left to pydantic, whatever it makes of it."""


@given(st.one_of(
    st.text(alphabet="az09-A_\n ", max_size=34), st.sampled_from(sorted(RESERVED_NAMES)),
    st.integers(), st.none(), st.booleans(), st.binary(max_size=4),
))
@example("a" * 31)
@example("a" * 32)
@example("work\n")
@example(_Text("work"))
def test_it_accepts_exactly_what_the_type_accepts(value: object) -> None:
    if type(value) is str:
        assert is_domain_name(value) == _valid(value)
    else:
        assert not is_domain_name(value)  # left to pydantic, which says what is wrong
