"""A state's comment is escaped as ``untrusted.text.printable`` escapes it, although printable
ASCII skips the scan (saltret.ret)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.saltret import ret
from saltext.bulkhead.untrusted.text import printable


@given(st.text() | st.text(st.characters(max_codepoint=0x7F)) | st.text("\\\n\t\x1b\x7f a\u202e"))
def test_a_comment_is_escaped_as_printable_escapes_it(comment: str) -> None:
    assert ret("x", True, comment)["comment"] == printable(comment, keep="\n\t", backslash=False)


def test_a_guest_control_sequence_in_a_comment_is_escaped() -> None:
    assert ret("x", False, "refused: \x1b]0;owned\x07")["comment"] == "refused: \\x1b]0;owned\\x07"
