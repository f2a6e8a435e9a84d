"""Hypothesis strategies: firewall rules the model accepts, client maps, and hostile text."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

from saltext.bulkhead.model import FirewallRule

# The host part of addresses stays in 10.137.0.0/16 (the default pool) for clients and anywhere for
# destinations, including /0 and /32 networks.
client_addresses = st.integers(min_value=2, max_value=2**16 - 2).map(
    lambda n: ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.137.0.0")) + n)
)
addresses = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)
networks = st.builds(
    lambda a, p: str(ipaddress.IPv4Network(f"{a}/{p}", strict=False)), addresses, st.integers(0, 32)
)
dns_names = st.from_regex(r"[a-z][a-z0-9]{0,8}(\.[a-z][a-z0-9-]{0,6}[a-z0-9]){0,2}", fullmatch=True)
dsthosts = st.one_of(addresses.map(str), networks, dns_names)
ports = st.integers(1, 65535)
port_values = st.one_of(
    ports,
    ports.map(str),
    st.tuples(ports, ports).map(lambda p: f"{min(p)}-{max(p)}"),
)
comments = st.from_regex(r"[A-Za-z0-9 ._,:()/@+=#%!?-]{1,128}", fullmatch=True)
expiries = st.integers(0, 253402300799)


@st.composite
def rules(draw: st.DrawFn) -> FirewallRule:
    """A rule valid for both the model and its cross-key checks (checks.py)."""
    data: dict[str, object] = {"action": draw(st.sampled_from(["accept", "drop"]))}
    proto = draw(st.sampled_from([None, "tcp", "udp", "icmp"]))
    if draw(st.booleans()) and proto != "icmp":
        data["specialtarget"] = "dns"
        if proto is not None:
            data["proto"] = proto
    else:
        if proto is not None:
            data["proto"] = proto
        if draw(st.booleans()):
            data["dsthost"] = draw(dsthosts)
        if proto in ("tcp", "udp") and draw(st.booleans()):
            data["dstports"] = draw(port_values)
        if proto == "icmp" and draw(st.booleans()):
            data["icmptype"] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data["expire"] = draw(expiries)
    if draw(st.booleans()):
        data["comment"] = draw(comments)
    return FirewallRule.model_validate(data)


def client_maps(max_clients: int = 4, max_rules: int = 6) -> st.SearchStrategy[dict]:
    names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
    return st.dictionaries(
        names,
        st.tuples(client_addresses, st.lists(rules(), max_size=max_rules)),
        max_size=max_clients,
    ).filter(lambda m: len({addr for addr, _ in m.values()}) == len(m))


# Characters that mean something to nft (quotes, braces, ';', '$', '@' sets, '#' comments, '\')
# or to a shell; a hostile string always carries at least one of them.
METACHARACTERS = "\"'`;{}$\\|&<>\n\r\t*[]"
hostile_strings = st.builds(
    lambda before, meta, after: before + meta + after,
    st.text(max_size=20),
    st.sampled_from(list(METACHARACTERS)),
    st.text(max_size=20),
)


def fake_resolver(name: str) -> list[str]:
    """A deterministic stand-in for DNS: each name maps to a documentation address (TEST-NET-3)."""
    return [str(ipaddress.IPv4Address("203.0.113.0") + (sum(name.encode()) % 256))]
