"""Balloon figures from a guest, clamped: whatever it reports, they stay in sane relations."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.memory import BalloonStats, DomainMemory
from saltext.bulkhead.memory.guest_figures import clamp_balloon

ANYTHING = st.one_of(st.none(), st.booleans(), st.floats(), st.text(max_size=3),
                     st.integers(-(2**70), 2**70))
KEYS = ("actual", "available", "unused", "usable", "disk_caches", "rss", "swap_in")


@settings(max_examples=300, deadline=None)
@given(raw=st.fixed_dictionaries({"actual": ANYTHING},
                                 optional={k: ANYTHING for k in KEYS[1:]}),
       low=st.integers(1, 10**6), extra=st.integers(0, 10**7))
def test_clamped_figures_stay_within_the_bounds_and_each_other(raw, low, extra):
    high = low + extra
    figures = clamp_balloon(raw, low, high)
    assert low <= figures["actual"] <= high
    assert 0 <= figures.get("available", 0) <= figures["actual"]
    for name in ("unused", "usable", "disk_caches"):
        assert 0 <= figures.get(name, 0) <= figures.get("available", 0)
    domain = DomainMemory.from_stats("d", low, high, BalloonStats.from_libvirt(figures))
    assert domain.used_kib is None or 0 <= domain.used_kib <= domain.current_kib <= high
