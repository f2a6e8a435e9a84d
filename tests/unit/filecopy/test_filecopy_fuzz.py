"""Hypothesis: random and mutated streams never crash the receiver (only FileCopyError), never
write outside incoming_root/<source>/, and either arrive whole, exactly as sent, or leave the
folder exactly as it was (no partial transfer, no staging directory, no unsafe name)."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from saltext.bulkhead.filecopy import FileCopyError, Limits, receive
from saltext.bulkhead.filecopy.wire import DIR

from .helpers import d, f, looks_like_itself, stream, tree

LIMITS = Limits(max_file_bytes=64, max_total_bytes=200, max_entries=12, max_path_bytes=300,
                max_depth=4)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Mostly ordinary names, with hostile ones mixed in; "planted" exists in the destination as a
# symlink to a directory outside it, and LONG as a file: a second LONG has no free name to go to.
LONG = "L" * 255
GOOD = st.sampled_from(["a", "b", "c", "planted", "kept.txt", "é", "日本", LONG])
BAD = st.sampled_from(["..", ".", "", "x\x00y", "/abs", "n\x1b", "a\x7f", "c\x85", "\u202efdp",
                       "z\u200bw", "\u2067", "e\u0301", "\u00a0", "\u3164", "\u05d0", "\ufeff"])
names = st.one_of(GOOD, GOOD, GOOD, GOOD, GOOD, BAD)
paths = st.lists(names, min_size=1, max_size=4).map("/".join)
entry = st.one_of(
    st.builds(d, paths),
    st.builds(f, paths, st.binary(max_size=80)),
    st.builds(f, paths, st.binary(max_size=8)),
    st.builds(d, paths),
    st.builds(f, paths, st.binary(max_size=20)),
    st.builds(
        lambda p, m, data: f(p, data, m), paths, st.integers(0, 2**32 - 1), st.binary(max_size=8)
    ),
)


def with_parents(items: list) -> list:
    """Send each entry's missing parent directories first, as a real sender does."""
    out, made = [], set()
    for item in items:
        parts = item[1].split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            if parent not in made:
                made.add(parent)
                out.append(d(parent))
        out.append(item)
    return out


hostile = st.tuples(st.lists(entry, max_size=6), st.booleans()).map(
    lambda x: with_parents(x[0]) if x[1] else x[0])
# Mostly well-formed transfers of several top-level entries, so that placing them is exercised too
# (a LONG among them has no free name: the ones placed before it must not stay).
good_paths = st.lists(GOOD, min_size=1, max_size=2).map("/".join)
good_entry = st.one_of(st.builds(d, good_paths), st.builds(f, good_paths, st.binary(max_size=8)))
well_formed = st.lists(good_entry, max_size=5, unique_by=lambda e: e[1]).map(with_parents)
entries = st.one_of(hostile, well_formed)


@st.composite
def streams(draw) -> tuple[bytes, list | None]:
    """A stream and, unless it was mutated after being built, the entries it was built from."""
    items = draw(entries)
    data = stream(*items)
    mutation = draw(
        st.sampled_from(["none", "none", "none", "truncate", "flip", "insert", "random"])
    )
    if mutation == "none" or not data:
        return data, items
    at = draw(st.integers(0, len(data) - 1))
    if mutation == "truncate":
        return data[:at], None
    if mutation == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:], None
    if mutation == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:], None
    return draw(st.binary(max_size=200)), None


def setup(root: Path) -> tuple[Path, dict, dict]:
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"do not touch\n")
    incoming = root / "incoming"
    (incoming / "work").mkdir(parents=True)
    (incoming / "work" / "planted").symlink_to(outside)
    (incoming / "work" / "kept.txt").write_bytes(b"already here\n")
    (incoming / "work" / LONG).write_bytes(b"long\n")
    return incoming, tree(outside), tree(incoming / "work")


def as_sent(items: list, placed: tuple[str, ...]) -> dict[str, bytes | str]:
    """What a stream built from ``items`` must leave, its top-level names as they were placed."""
    top = iter(placed)
    renamed: dict[str, str] = {}
    out: dict[str, bytes | str] = {}
    for kind, path, _mode, data in items:
        first, *rest = path.split("/")
        if not rest:
            renamed[first] = next(top)
        out["/".join([renamed[first], *rest])] = "dir" if kind == DIR else data
    return out


@SETTINGS
@given(streams())
def test_receiver_is_total_confined_and_all_or_nothing(case):
    data, items = case
    mutated = items is None
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        incoming, outside_before, work_before = setup(root)
        try:
            got = receive(io.BytesIO(data), incoming, "work", LIMITS)
        except FileCopyError:
            got = None
        assert sorted(os.listdir(root)) == ["incoming", "outside"]
        assert tree(root / "outside") == outside_before
        assert os.listdir(incoming) == ["work"]
        after = tree(incoming / "work")
        assert {k: v for k, v in after.items() if k in work_before} == work_before
        new = {k: v for k, v in after.items() if k not in work_before}
        assert not any(name.startswith(".incoming-") for name in os.listdir(incoming / "work"))
        assert all(looks_like_itself(part) for path in new for part in path.split("/"))
        event(
            f"{'mutated' if mutated else 'built'} stream {'refused' if got is None else 'accepted'}"
        )
        if got is None:
            assert new == {}
            return
        assert all(
            not isinstance(v, str) or v == "dir" for v in new.values()
        )  # no links, no devices
        assert len(new) == got.entries
        assert sum(len(v) for v in new.values() if isinstance(v, bytes)) == got.bytes
        assert set(got.placed) == {k for k in new if "/" not in k}
        if items is not None:
            assert new == as_sent(items, got.placed)  # all of it, exactly as sent


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.binary(max_size=30)),
        max_size=5,
        unique_by=lambda e: e[0],
    )
)
def test_valid_streams_arrive_exactly(files):
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        data = stream(d("top"), *(f(f"top/{name}", body) for name, body in files))
        got = receive(io.BytesIO(data), root, "work", LIMITS)
        assert got.placed == ("top",)
        assert tree(root / "work") == {
            "top": "dir",
            **{f"top/{name}": body for name, body in files},
        }
