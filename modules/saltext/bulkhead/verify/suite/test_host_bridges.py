"""The host has no address on a bridge that faces domains: nothing on the host is reachable."""

from __future__ import annotations

from saltext.bulkhead.verify.observe import host_addresses


def test_no_host_address_on_bulkhead_bridges(host, bulkhead_bridges):
    problems = []
    for bridge, what in sorted(bulkhead_bridges.items()):
        shown = host.run("ip -j addr show dev %s", bridge)
        if shown.rc != 0:
            problems.append(f"{bridge} ({what}): missing on the host ({shown.stderr.strip()})")
            continue
        addrs = host_addresses(shown.stdout)
        if addrs:
            problems.append(f"{bridge} ({what}) has host address(es) {', '.join(addrs)}")
    assert not problems, "the host must have no address on a domain-facing bridge:\n" + "\n".join(
        problems
    )
