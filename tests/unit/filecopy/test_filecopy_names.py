"""The name rule (names.py), checked against ``looks_like_itself`` (helpers.py), which states the
property independently of how the rule is written."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.filecopy import FileCopyError, receive, send
from saltext.bulkhead.filecopy.names import name_problem

from .helpers import f, looks_like_itself, stream

ACCEPTED = ["report.pdf", "a b", "-rf", "~$lock#1", "Ünïcödé", "日本語.txt", "한국어", "カタカナ",
            "Ελληνικά", "русский", "€100 × 2 ≤ 3", "«quoted»", "x" * 255, "é" * 127]
REFUSED = ["", ".", "..", "a/b", "x" * 256, "é" * 128, "a\x00b", "a\x1b[2Jb", "a\x7fb", "a\x9bb",
           "a\x85b", "invoice\u202efdp.exe", "a\u2066b", "a\u200eb", "a\u200bb", "a\u200cb",
           "a\u200db", "\ufeffa", "a\u00adb", "a\u2060b", "a\U000e0041b", "a\u00a0b", "a\u3000b",
           "a\u2028b", "a\u2029b", "e\u0301", "a\ufe0f", "a\u3164", "a\u115fb", "\u05d0", "\u0627",
           "a\u0660", "a\ue000", "a\U0010fffd", "a\ufdd0", "a\uffff", "a\U0001f600", "a\u2800b"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_ordinary_names_of_many_languages_are_accepted(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name", REFUSED, ids=[ascii(n)[:24] for n in REFUSED])
def test_names_that_hide_reorder_or_overlay_text_are_refused(tmp_path, name):
    assert name_problem(name) is not None
    if "/" not in name:
        with pytest.raises(FileCopyError, match=" has "):
            receive(io.BytesIO(stream(f(name))), tmp_path, "work")
        assert os.listdir(tmp_path / "work") == []


def test_every_accepted_code_point_looks_like_itself():
    accepted = [chr(cp) for cp in range(0x110000) if name_problem(f"a{chr(cp)}") is None]
    assert all(looks_like_itself(c) for c in accepted)
    assert {chr(cp) for cp in range(0x20, 0x7F)} - {"/"} <= set(accepted)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_accepted_name_looks_like_itself(name):
    if name_problem(name) is None:
        assert looks_like_itself(name) and name not in ("", ".", "..") and "/" not in name


def test_the_sender_refuses_what_the_receiver_would(tmp_path):
    for name in ("invoice\u202efdp.exe", "a\u200bb", "a\x85b"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(FileCopyError, match="unsafe character|control character"):
            b"".join(send([tmp_path / name]))
        os.unlink(tmp_path / name)
