"""Hypothesis strategies shared by the memory property tests: running domains and a capacity."""

from __future__ import annotations

from hypothesis import strategies as st

from saltext.bulkhead.memory import BalancerConfig, DomainMemory

MIB = 1024


@st.composite
def domains(draw: st.DrawFn, max_size: int = 8, managed_only: bool = False) -> list[DomainMemory]:
    count = draw(st.integers(1, max_size))
    result = []
    for index in range(count):
        low = draw(st.integers(32, 1024)) * MIB
        high = low + draw(st.integers(0, 4096)) * MIB
        # Current sizes mostly within bounds, sometimes outside (bounds changed in the pillar).
        current = draw(st.one_of(st.integers(low, high), st.integers(0, high + 512 * MIB)))
        used = draw(st.integers(0, high + 256 * MIB))
        if not managed_only and draw(st.integers(0, 9)) == 0:
            used = None
        overhead = draw(st.integers(0, 128)) * MIB  # the guest kernel's own share of its balloon
        result.append(DomainMemory(f"d{index}", low, high, current, used, overhead))
    return result


@st.composite
def feasible(draw: st.DrawFn, max_size: int = 8) -> tuple[list[DomainMemory], int]:
    """Domains and a capacity that covers their minimums (and what unmanaged ones hold)."""
    running = draw(domains(max_size))
    needed = sum(d.min_kib for d in running if d.managed) + sum(
        d.current_kib for d in running if not d.managed
    )
    return running, needed + draw(st.integers(0, 8192)) * MIB + draw(st.integers(0, 1023))


configs = st.builds(
    BalancerConfig,
    cache_factor=st.floats(1.0, 2.0),
    floor_kib=st.integers(1, 512).map(lambda mib: mib * MIB),
    threshold_kib=st.integers(0, 64).map(lambda mib: mib * MIB),
    band=st.floats(0.0, 0.6),
)
