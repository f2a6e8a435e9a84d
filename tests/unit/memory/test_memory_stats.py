import pytest

from saltext.bulkhead.memory import BalloonStats, DomainMemory


def test_used_is_available_minus_usable_when_the_guest_reports_usable():
    stats = BalloonStats.from_libvirt(
        {
            "actual": 524288,
            "available": 500000,
            "usable": 300000,
            "unused": 100000,
            "disk_caches": 150000,
            "rss": 9,
        }
    )
    assert stats.used_kib() == 200000


def test_used_falls_back_to_unused_and_caches():
    stats = BalloonStats.from_libvirt(
        {"actual": 524288, "available": 500000, "unused": 100000, "disk_caches": 150000}
    )
    assert stats.used_kib() == 250000


def test_no_guest_statistics_means_unknown_use():
    assert BalloonStats.from_libvirt({"actual": 524288}).used_kib() is None
    assert BalloonStats.from_libvirt({"actual": 524288, "available": 500000}).used_kib() is None


def test_a_domain_built_from_stats_uses_the_balloon_size_as_current():
    stats = BalloonStats(actual=400 * 1024, available=390 * 1024, usable=190 * 1024)
    domain = DomainMemory.from_stats("work", 128 * 1024, 1024 * 1024, stats)
    assert (domain.current_kib, domain.used_kib, domain.managed) == (400 * 1024, 200 * 1024, True)


def test_overhead_is_the_balloon_less_what_the_guest_kernel_counts():
    # Measured on a Debian guest: a 224 MiB balloon showed a MemTotal of 171 MiB.
    stats = BalloonStats(actual=224 * 1024, available=171 * 1024, usable=31 * 1024)
    assert stats.overhead_kib() == 53 * 1024
    assert DomainMemory.from_stats("hog", 96 * 1024, 384 * 1024, stats).overhead_kib == 53 * 1024
    assert BalloonStats(actual=224 * 1024).overhead_kib() == 0  # nothing reported, nothing assumed
    assert BalloonStats(actual=100, available=200).overhead_kib() == 0  # never negative


def test_rejects_missing_actual_and_negative_values():
    with pytest.raises(ValueError, match="actual"):
        BalloonStats.from_libvirt({"available": 1})
    with pytest.raises(ValueError):
        BalloonStats(actual=-1)


@pytest.mark.parametrize("low, high", [(0, 10), (20, 10)])
def test_domain_bounds_are_checked(low, high):
    with pytest.raises(ValueError):
        DomainMemory("x", low, high, 5, 5)
