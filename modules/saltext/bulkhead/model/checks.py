"""Rules between keys and between domains, checked after each part validated on its own.

A domain that failed its own validation is still known by name (``broken``): references to it are
not reported as missing, and no rule is checked against its unknown contents, so each real problem
is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .errors import PillarIssue
from .images import DebianImage, built_image
from .messages import colon_path
from .pillar import Domain, DomainClass, Host

ROOT = "bulkhead"
# Tuples: a member is found by identity, where a set would hash it (in Python, for an Enum).
NEEDS_TEMPLATE = (DomainClass.app, DomainClass.disposable)
NEEDS_IMAGE = (DomainClass.template, DomainClass.standalone)


def check_pillar(
    domains: Mapping[str, Domain], broken: set[str], host: Host | None,
    images: Mapping[str, DebianImage] | None = None,
) -> list[PillarIssue]:
    issues: list[PillarIssue] = []
    for name, domain in domains.items():
        at = (ROOT, "domains", name)
        issues += _template(at, domain, domains, broken)
        issues += _image(at, domain)
        # The rules of optional keys, for a domain that sets them (each run checks every domain,
        # most set few of them).
        if domain.netvm is not None:
            issues += _netvm(at, name, domain, domains, broken)
        if domain.uplink is not None:
            issues += _uplink(at, domain, host)
        if domain.default_dispvm is not None:
            issues += _default_dispvm(at, domain, domains, broken)
        if domain.memory.max is not None or domain.memory.min is not None:
            issues += _memory(at, domain)
        if domain.firewall:
            issues += _firewall(at, domain)
        if domain.gui:
            issues += _gui(at, domain)
            issues += _gui_image(at, name, domains, images or {})
    issues += _netvm_cycles(domains)
    if host is not None:
        issues += _addresses(domains, host)
        issues += _uplink_networks(host)
    return issues


def _issue(at: tuple[object, ...], message: str) -> PillarIssue:
    return PillarIssue(colon_path(at), message)


def _template(
    at: tuple, domain: Domain, domains: Mapping[str, Domain], broken: set[str]
) -> Iterator[PillarIssue]:
    cls = domain.class_
    if domain.template_for_dispvms and cls is not DomainClass.app:
        yield _issue(
            at + ("template_for_dispvms",),
            f"only app domains can be disposable templates, this is a {cls.value}",
        )
    if cls not in NEEDS_TEMPLATE:
        if domain.template is not None:
            yield _issue(
                at + ("template",), f"a {cls.value} domain has no template; remove this key"
            )
        return
    if domain.template is None:
        wanted = (
            "a template domain"
            if cls is DomainClass.app
            else "an app domain with template_for_dispvms: true"
        )
        yield _issue(at + ("template",), f"required for a {cls.value} domain: the name of {wanted}")
        return
    if domain.template in broken:
        return
    target = domains.get(domain.template)
    if target is None:
        yield _issue(at + ("template",), f"no domain named '{domain.template}' in bulkhead:domains")
    elif cls is DomainClass.app and target.class_ is not DomainClass.template:
        yield _issue(
            at + ("template",),
            f"'{domain.template}' is a {target.class_.value} domain; an app's template must have "
            f"class: template",
        )
    elif cls is DomainClass.disposable and not (
        target.class_ is DomainClass.app and target.template_for_dispvms
    ):
        yield _issue(
            at + ("template",),
            f"'{domain.template}' is not a disposable template; a disposable's template must be an "
            f"app domain with template_for_dispvms: true",
        )


def _image(at: tuple, domain: Domain) -> Iterator[PillarIssue]:
    cls, image = domain.class_, domain.image
    if cls in NEEDS_IMAGE and image is None:
        yield _issue(
            at + ("image",),
            f"required for a {cls.value} domain: where its root comes from (kind, root, ...)",
        )
    elif cls not in NEEDS_IMAGE and image is not None:
        yield _issue(
            at + ("image",),
            f"a {cls.value} domain takes its root from its template; remove this key",
        )
    if image is None:
        return
    if image.kind == "kernel":
        for part in ("kernel", "initrd"):
            if getattr(image, part) is None:
                yield _issue(at + ("image", part), "required with kind: kernel (an absolute path)")
    else:
        for part in ("kernel", "initrd", "cmdline"):
            if getattr(image, part):
                yield _issue(
                    at + ("image", part),
                    "only with kind: kernel; a disk image boots its own kernel",
                )


def _netvm(
    at: tuple, name: str, domain: Domain, domains: Mapping[str, Domain], broken: set[str]
) -> Iterator[PillarIssue]:
    netvm = domain.netvm
    if netvm is None or netvm in broken:
        return
    if netvm == name:
        yield _issue(at + ("netvm",), "a domain cannot be its own netvm")
    elif netvm not in domains:
        yield _issue(
            at + ("netvm",),
            f"no domain named '{netvm}' in bulkhead:domains; name a domain with provides_network: "
            f"true, or 'none'",
        )
    elif not domains[netvm].provides_network:
        yield _issue(
            at + ("netvm",),
            f"'{netvm}' does not provide network; set provides_network: true on it or choose "
            f"another netvm",
        )


def _default_dispvm(
    at: tuple, domain: Domain, domains: Mapping[str, Domain], broken: set[str]
) -> Iterator[PillarIssue]:
    target = domain.default_dispvm
    if target is None or target in broken:
        return
    if domain.class_ is DomainClass.disposable:
        yield _issue(
            at + ("default_dispvm",), "a disposable's @dispvm is its own template; remove this key"
        )
    elif target not in domains:
        yield _issue(at + ("default_dispvm",), f"no domain named '{target}' in bulkhead:domains")
    elif not (domains[target].class_ is DomainClass.app and domains[target].template_for_dispvms):
        yield _issue(
            at + ("default_dispvm",),
            f"'{target}' is not a disposable template; name an app domain with "
            f"template_for_dispvms: true",
        )


def _uplink(at: tuple, domain: Domain, host: Host | None) -> Iterator[PillarIssue]:
    uplink = domain.uplink
    if uplink is None:
        return
    if uplink.network.startswith("bulkhead-"):
        yield _issue(
            at + ("uplink", "network"),
            "networks named bulkhead-* belong to bulkhead's netvms; name a network bulkhead does "
            "not manage",
        )
    if domain.netvm is not None:
        yield _issue(
            at + ("uplink",),
            "a domain goes out through its netvm or its own uplink, not both; set netvm: none or "
            "remove uplink",
        )
    if host is not None and uplink.address.network.overlaps(host.address_pool):
        yield _issue(
            at + ("uplink", "address"),
            f"{uplink.address.network} overlaps host:address_pool ({host.address_pool}); routing "
            f"would be ambiguous",
        )
    if uplink.gateway is not None and (
        uplink.gateway not in uplink.address.network or uplink.gateway == uplink.address.ip
    ):
        yield _issue(
            at + ("uplink", "gateway"),
            f"{uplink.gateway} must be another address inside {uplink.address.network}",
        )


def _gui(at: tuple, domain: Domain) -> Iterator[PillarIssue]:
    # a network domain parses the outside world's packets: it gets no way onto the user's screen
    if domain.gui and (domain.provides_network or domain.uplink is not None):
        yield _issue(at + ("gui",), "a domain that provides network or has an uplink gets no GUI; "
                                    "set gui: false (run the application in an app domain)")


def _gui_image(at: tuple, name: str, domains: Mapping[str, Domain],
               images: Mapping[str, DebianImage]) -> Iterator[PillarIssue]:
    """A GUI domain's root, when it is a bulkhead-built image, must have been built with gui."""
    if not domains[name].gui:
        return
    seen, booted = set(), name  # an app boots its template's root, a disposable its app's one's
    while booted in domains and booted not in seen and domains[booted].image is None:
        seen.add(booted)
        booted = domains[booted].template
    root = domains[booted].image if booted in domains else None
    image = built_image(root.root) if root is not None else None
    if image in images and not images[image].gui:
        yield _issue(at + ("gui",), f"'{booted}' boots bulkhead:images:{image}, built without the "
                                    f"GUI packages: set bulkhead:images:{image}:gui: true")


def _uplink_networks(host: Host) -> Iterator[PillarIssue]:
    for name, net in host.uplinks.items():
        at = (ROOT, "host", "uplinks", name)
        if name.startswith("bulkhead-"):
            yield _issue(at, "networks named bulkhead-* belong to bulkhead's netvms")
        if (net.forward == "nat") != (net.address is not None):
            yield _issue(at + ("address",), "required with forward: nat (the host's address on "
                         "it), and only then: an isolated uplink gives the host no address")
        elif net.address is not None and net.address.network.overlaps(host.address_pool):
            yield _issue(at + ("address",), f"{net.address.network} overlaps host:address_pool "
                         f"({host.address_pool}); routing would be ambiguous")


def _netvm_cycles(domains: Mapping[str, Domain]) -> Iterator[PillarIssue]:
    """Each netvm cycle once, reported on its alphabetically first member."""
    seen: set[str] = set()
    for start in sorted(domains):
        chain: list[str] = []
        current: str | None = start
        while (
            current is not None
            and current in domains
            and current not in seen
            and current not in chain
        ):
            chain.append(current)
            current = domains[current].netvm
        seen.update(chain)
        if current in chain and current != chain[-1]:  # a self-loop is reported by _netvm
            cycle = chain[chain.index(current):]
            first = min(cycle)
            cycle = cycle[cycle.index(first):] + cycle[: cycle.index(first)]
            yield _issue(
                (ROOT, "domains", first, "netvm"), "netvm cycle: " + " -> ".join(cycle + [first])
            )


def _memory(at: tuple, domain: Domain) -> Iterator[PillarIssue]:
    memory = domain.memory
    if memory.max is not None and memory.max < memory.initial:
        yield _issue(
            at + ("memory", "max"),
            f"must be at least memory:initial ({memory.initial} MiB), got {memory.max}",
        )
    if memory.min is not None and memory.min > memory.initial:
        yield _issue(
            at + ("memory", "min"),
            f"must be at most memory:initial ({memory.initial} MiB), got {memory.min}",
        )


def _firewall(at: tuple, domain: Domain) -> Iterator[PillarIssue]:
    for index, rule in enumerate(domain.firewall):
        here = at + ("firewall", index)
        if rule.dstports is not None and rule.proto not in ("tcp", "udp"):
            yield _issue(here + ("dstports",), "only with proto: tcp or proto: udp")
        if rule.icmptype is not None and rule.proto != "icmp":
            yield _issue(here + ("icmptype",), "only with proto: icmp")
        if rule.specialtarget is not None and rule.dsthost is not None:
            yield _issue(
                here + ("dsthost",),
                "not together with specialtarget: the special target names the destination",
            )
        if rule.specialtarget == "dns" and rule.dstports is not None:
            yield _issue(
                here + ("dstports",),
                "not together with specialtarget: dns (it means TCP/UDP port 53)",
            )
        if rule.specialtarget == "dns" and rule.proto == "icmp":
            yield _issue(
                here + ("proto",), "specialtarget: dns takes proto tcp or udp (or none for both)"
            )


def _addresses(domains: Mapping[str, Domain], host: Host) -> Iterator[PillarIssue]:
    if all(domain.ip is None for domain in domains.values()):
        return  # most pillars pin no address: the pool's reserved ones are not worked out
    pool = host.address_pool
    # The plan never hands out the network, first and broadcast addresses; a pin may not take them.
    reserved = {
        pool.network_address: "the network address",
        pool.network_address + 1: "reserved (the first address)",
        pool.broadcast_address: "the broadcast address",
    }
    owners: dict[object, str] = {}
    for name in sorted(domains):
        domain = domains[name]
        if domain.ip is None:
            continue
        at = (ROOT, "domains", name, "ip")
        if not domain.has_network and not domain.provides_network:
            yield _issue(
                at,
                "this domain has no network interface (netvm is none and it provides no network); "
                "remove ip",
            )
        elif domain.ip not in pool:
            yield _issue(at, f"{domain.ip} is outside host:address_pool ({pool})")
        elif domain.ip in reserved:
            yield _issue(at, f"{domain.ip} is {reserved[domain.ip]} of host:address_pool ({pool})")
        elif domain.ip in owners:
            yield _issue(
                at,
                f"{domain.ip} is already the address of '{owners[domain.ip]}'; addresses must be "
                f"unique",
            )
        else:
            owners[domain.ip] = name
