"""bench.gui's measurement helpers: frames and keys read from a WAYLAND_DEBUG=server log (the
format libwayland 1.21 writes), the 32-bit stamps made whole, rates, key latencies, and display
updates grouped from SPICE's rectangles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.gui import guest_cpu, measures, wayland_log

LOG = """\
00:00:01.234 [INFO] [sway/server.c:123] Starting backend on wayland display 'wayland-1'
[ 431409.413] wl_surface@3.attach(wl_buffer@30, 0, 0)
[ 431409.415] wl_surface@3.damage_buffer(0, 0, 1280, 720)
[ 431409.419] wl_surface@3.commit()
[ 431409.500] xdg_surface@5.ack_configure(12)
[ 431409.510] wl_surface@3.commit()
[ 431410.000] zwp_virtual_keyboard_v1@6.key(1, 30, 1)
[ 431410.010]  -> wl_keyboard@31.key(16, 1, 30, 1)
[ 431410.050] zwp_virtual_keyboard_v1@6.key(51, 30, 0)
[ 431410.060]  -> wl_keyboard@31.key(17, 51, 30, 0)
[ 431425.001] wl_surface@9.attach(wl_buffer@28, 0, 0)
[ 431425.002] wl_surface@3.attach(nil, 0, 0)
[ 431425.003] wl_surface@3.commit()
[ 431425.104] wl_surface@9.commit()
[ 431425.200]  -> wl_surface@3.enter(wl_output@7)
"""


def test_frames_are_commits_with_a_buffer_attached():
    marks = wayland_log.parse(LOG)
    # the configure's bare commit, the commit after attach(nil) and the event are not frames
    assert marks.frames == [431409419, 431425104]


def test_presses_and_their_delivery_not_releases():
    marks = wayland_log.parse(LOG)
    assert marks.presses == [431410000]
    assert marks.delivered == [431410010]


def test_unwrap_makes_the_stamp_whole_across_the_wrap():
    reference = 7 * wayland_log.WRAP + 1000  # just after the 32-bit counter wrapped
    before_wrap = wayland_log.WRAP - 500  # stamped 1.5 ms before the reference
    assert wayland_log.unwrap(before_wrap, reference) == reference - 1500
    assert wayland_log.unwrap(400, reference) == reference - 600


@given(st.integers(0, 2**62), st.integers(0, wayland_log.WRAP - 1))
def test_unwrap_is_the_latest_time_at_or_before_the_reference(reference, age):
    full = reference - age
    assert wayland_log.unwrap(full % wayland_log.WRAP, reference) == full


def test_rate_counts_in_a_half_open_window():
    assert measures.rate([0.5, 1.0, 1.5, 2.0, 3.0], 1.0, 3.0) == 1.5
    with pytest.raises(ValueError):
        measures.rate([], 2.0, 2.0)


def test_key_latency_is_the_first_frame_before_the_next_key():
    frames = [0.5, 1.02, 1.05, 3.5]
    assert measures.key_latencies([1.0, 2.0, 3.0], frames) == pytest.approx([0.02, None, 0.5])


def test_bursts_group_back_to_back_messages():
    times = [1.0, 1.001, 1.002, 1.033, 1.034, 1.2]
    assert measures.bursts(times, 0.008) == [1.0, 1.033, 1.2]
    assert measures.bursts([], 0.008) == []


@given(st.lists(st.floats(0, 100), max_size=50), st.floats(0.001, 1))
def test_bursts_partition_the_times(times, gap):
    starts = measures.bursts(times, gap)
    assert len(starts) <= len(times)
    assert all(b - a > gap for a, b in zip(starts, starts[1:], strict=False))
    assert set(starts) <= set(times)


def test_median_skips_missing_values():
    assert measures.median([None, 3.0, 1.0, 2.0]) == 2.0
    assert measures.median([None]) is None


STAT_BEFORE = ("1 (systemd) S 0 1 1 0 -1 4194560 0 0 0 0 50 20 0 0 20 0 1 0 5 0\n"
               "300 (foot) S 1 300 300 0 -1 0 0 0 0 0 100 10 0 0 20 0 1 0 9 0\n"
               "301 (sh) R 300 301 301 0 -1 0 0 0 0 0 40 60 0 0 20 0 1 0 9 0\n")
STAT_AFTER = ("1 (systemd) S 0 1 1 0 -1 4194560 0 0 0 0 50 21 0 0 20 0 1 0 5 0\n"
              "300 (foot) S 1 300 300 0 -1 0 0 0 0 0 300 60 0 0 20 0 1 0 9 0\n"
              "301 (sh) R 300 301 301 0 -1 0 0 0 0 0 90 110 0 0 20 0 1 0 9 0\n"
              "302 (a (odd) name) R 1 302 302 0 -1 0 0 0 0 0 30 0 0 0 20 0 1 0 9 0\n")


def test_parse_stat_takes_the_command_up_to_the_last_parenthesis():
    parsed = guest_cpu.parse_stat("523.25 410.02\n" + STAT_AFTER + "garbage\n")
    assert parsed[302] == ("a (odd) name", 30)
    assert parsed[300] == ("foot", 360)
    assert len(parsed) == 4


def test_busiest_ranks_what_each_command_used_in_between():
    ranked = guest_cpu.busiest(guest_cpu.parse_stat(STAT_BEFORE),
                               guest_cpu.parse_stat(STAT_AFTER), seconds=5.0)
    # foot 250 ticks, sh 100, the new process 30 (from zero), all over 5 s at 100 ticks/s
    assert ranked == [("foot", 0.5), ("sh", 0.2), ("a (odd) name", 0.06)]


def test_uptime_is_the_first_number():
    assert guest_cpu.uptime("523.25 410.02\n1 (systemd) S 0") == 523.25
