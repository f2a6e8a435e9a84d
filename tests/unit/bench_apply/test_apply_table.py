"""bench.apply's table: the first no-op and the steady no-op reported apart (medians over every
round's timings), per domain over N + 1 domains, and bulkhead's ratio to each other tool."""

from __future__ import annotations

from bench.apply.table import BULKHEAD, SALTVIRT, table

URI = "qemu:///system"


def _rows(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[2]] = cells
    return rows


def test_first_and_steady_no_ops_are_medians_of_their_own_timings():
    times = {
        (URI, 10, BULKHEAD, "cold"): [0.40, 0.50, 0.45],
        (URI, 10, BULKHEAD, "first"): [0.013, 0.014, 0.015],
        (URI, 10, BULKHEAD, "noop"): [0.010, 0.011, 0.009, 0.020, 0.011, 0.012],
        (URI, 10, SALTVIRT, "cold"): [0.5, 0.5, 0.5],
        (URI, 10, SALTVIRT, "first"): [0.14, 0.14, 0.14],
        (URI, 10, SALTVIRT, "noop"): [0.13, 0.12, 0.13],
        (URI, 10, BULKHEAD, "new"): [0.016, 0.017, 0.0165],
        (URI, 10, SALTVIRT, "new"): [0.2, 0.3, 0.1],
    }
    calls = {(URI, 10, BULKHEAD, "cold"): (31.0, 40), (URI, 10, BULKHEAD, "noop"): (1.9, 0)}
    rows = _rows(table(times, calls, [URI], [10]))
    ours = rows[BULKHEAD]
    assert ours[3:8] == ["0.45", "40.9", "14.0", "11.0", "1.00"]  # 11 ms over 11 domains
    assert ours[8:10] == ["16.5", "1.50"]
    assert ours[10:] == ["31.0", "1.9", "0"]
    assert rows[SALTVIRT][5:7] == ["140.0", "130.0"]
    ratio = rows[f"**ratio bulkhead / {SALTVIRT}**"]
    assert ratio[3] == "0.90" and ratio[5:7] == ["0.100", "0.085"] and ratio[8] == "0.083"


def test_no_new_process_column_where_none_was_measured():
    times = {(URI, 30, tool, k): [0.1] for tool in (BULKHEAD, SALTVIRT)
             for k in ("cold", "first", "noop")}
    rows = _rows(table(times, {}, [URI], [30]))
    assert rows[BULKHEAD][8:10] == ["", ""]
    assert rows[f"**ratio bulkhead / {SALTVIRT}**"][8] == ""


def test_a_tool_without_every_timing_gets_no_row_and_no_ratio():
    times = {(URI, 30, BULKHEAD, k): [0.1] for k in ("cold", "first", "noop")}
    times[URI, 30, SALTVIRT, "cold"] = [1.0]  # it failed before its no-ops
    rows = _rows(table(times, {}, [URI], [30]))
    assert list(rows) == [BULKHEAD]
