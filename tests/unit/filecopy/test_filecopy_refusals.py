"""Hostile streams: each is refused with FileCopyError and leaves the source directory empty."""

from __future__ import annotations

import io
import os
import stat

import pytest

from saltext.bulkhead.filecopy import FileCopyError, Limits, receive
from saltext.bulkhead.filecopy.wire import MAGIC, encode_end, encode_header

from .helpers import d, f, stream

LIMITS = Limits(
    max_file_bytes=10, max_total_bytes=15, max_entries=4, max_path_bytes=40, max_depth=3
)

CASES = {
    "parent": (stream(f("../escape")), "'..' component"),
    "dot": (stream(d("a"), f("a/./b")), "'..' component"),
    "absolute": (stream(f("/etc/passwd")), "absolute path"),
    "empty component": (stream(d("a"), f("a//b")), "empty"),
    "trailing slash": (stream(d("a/")), "empty"),
    "empty path": (stream(f("")), "empty"),
    "nul": (stream(f("a\x00b")), "control character"),
    "escape": (stream(f("a\x1b[2Jb")), "control character"),
    "not utf-8": (
        MAGIC
        + b"F\x00\x01\xff"
        + (stat.S_IFREG | 0o644).to_bytes(4, "big")
        + bytes(8)
        + encode_end(1),
        "UTF-8",
    ),
    "symlink mode": (stream(f("l", b"/etc/passwd", stat.S_IFLNK | 0o777)), "not a plain file"),
    "device mode": (stream(f("dev", b"", stat.S_IFCHR | 0o600)), "not a plain file"),
    "file mode on dir": (stream(d("x", stat.S_IFREG | 0o755)), "not a plain directory"),
    "stray mode bits": (
        stream(f("x", b"", stat.S_IFREG | 0o644 | 0o100000000)),
        "not a plain file",
    ),
    "symlink type": (
        MAGIC + encode_header(b"L", "l", stat.S_IFLNK | 0o777, 0) + encode_end(1),
        "only files and directories",
    ),
    "directory with data": (
        MAGIC + encode_header(b"D", "x", stat.S_IFDIR | 0o755, 3) + b"abc" + encode_end(1),
        "directory with data",
    ),
    "file too big": (stream(f("big", b"x" * 11)), "over the limit of 10"),
    "total too big": (stream(f("a", b"x" * 8), f("b", b"x" * 8)), "transfer over the limit of 15"),
    "too many entries": (stream(*(f(str(n)) for n in range(5))), "more than 4 entries"),
    "path too long": (stream(f("p" * 41)), "longer than 40 bytes"),
    "too deep": (stream(d("a"), d("a/b"), d("a/b/c"), f("a/b/c/d")), "deeper than 3"),
    "parent not sent": (stream(f("dir/file")), "not sent before"),
    "file as parent": (stream(f("a"), f("a/b")), "not sent before"),
    "duplicate file": (stream(f("a"), f("a")), "sent twice"),
    "duplicate dir": (stream(d("a"), d("a")), "sent twice"),
    "wrong count": (stream(f("a"), count=2), "end marker counts 2"),
    "trailing data": (stream(f("a")) + b"F", "after the end marker"),
    "no end": (stream(f("a"))[:-5], "ended"),
    "truncated data": (MAGIC + encode_header(b"F", "a", stat.S_IFREG | 0o644, 5) + b"ab", "ended"),
    "bad magic": (b"BHFC2\n" + stream(f("a"))[6:], "bad magic"),
    "empty stream": (b"", "bad magic"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_refused_and_nothing_left(tmp_path, case):
    data, message = CASES[case]
    with pytest.raises(FileCopyError, match=message):
        receive(io.BytesIO(data), tmp_path, "work", LIMITS)
    assert os.listdir(tmp_path) == ["work"]
    assert os.listdir(tmp_path / "work") == []


def test_the_same_stream_within_limits_is_accepted(tmp_path):
    got = receive(
        io.BytesIO(stream(d("a"), d("a/b"), f("a/b/c", b"0123456789"), f("z", b"x" * 5))),
        tmp_path,
        "work",
        LIMITS,
    )
    assert (got.entries, got.bytes, got.placed) == (4, 15, ("a", "z"))
    assert (tmp_path / "work/a/b/c").read_bytes() == b"0123456789"


def test_stream_may_arrive_in_tiny_pieces(tmp_path):
    data = stream(d("a"), f("a/b", b"hello"))
    got = receive((data[i:i + 1] for i in range(len(data))), tmp_path, "work")
    assert got.placed == ("a",) and (tmp_path / "work/a/b").read_bytes() == b"hello"


def test_a_stream_yielding_non_bytes_is_refused(tmp_path):
    with pytest.raises(FileCopyError, match="other than bytes"):
        receive(iter([MAGIC, "text"]), tmp_path, "work")
    assert os.listdir(tmp_path / "work") == []
