"""Each invalid input gives exactly one line naming the path and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from saltext.bulkhead.model import DomainClass, Label, Pillar, load_pillar

NAME_RULE = (
    "domain names are lowercase letters, digits and '-', start with a letter, at most 31 characters"
)
D = "bulkhead:domains"


def with_domain(data: dict[str, Any], name: str, **domain: Any) -> dict[str, Any]:
    data["domains"][name] = domain
    return data


def with_change(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``data`` with ``value`` set at a colon path below ``bulkhead`` (``domains:work:vcpus``)."""
    *parents, last = path.split(":")
    node = data
    for part in parents:
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[int(part)]
    node[last] = value
    return data


def test_valid_pillar_loads_with_derived_values(valid):
    pillar = load_pillar(valid)
    work = pillar.domains["work"]
    assert work.class_ is DomainClass.app and work.has_network and work.memory.maximum == 192
    assert pillar.domains["net"].netvm is None  # 'none' is stored as "no netvm"
    assert Label.red.trust_level == 0 and Label.black.trust_level == 7
    assert load_pillar(None).domains == {}


@pytest.mark.parametrize("extra", [
    {},
    {"memory": {"reserve_mib": 256}, "images": {"deb": {"kind": "debian"}}, "prune": True,
     "purge": ["gone"], "formula": {"paths": {"broker_log": "/srv/b.log"}}, "tcb": {}},
], ids=["plain", "every-section"])
def test_the_loaded_pillar_is_the_model_its_parts_validate_to(valid, extra):
    """Built from parts validated one by one, it is the model pydantic makes of those parts."""
    pillar = load_pillar({**valid, **extra}, "ws")
    again = Pillar(**{field: getattr(pillar, field) for field in pillar.model_fields_set})
    assert again == pillar and again.model_fields_set == pillar.model_fields_set
    assert again.model_dump() == pillar.model_dump()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Work", "'Work'"),
        ("<x>", "'<x>'"),
        ("a/b", "'a/b'"),
        ("..", "'..'"),
        ("a b", "'a b'"),
        ("café", "'café'"),
        ("@anyvm", "'@anyvm'"),
        ("9lives", "'9lives'"),
        ("a" * 32, "'" + "a" * 32 + "'"),
        ("a;reboot", "'a;reboot'"),
    ],
)
def test_bad_domain_names(name, shown, valid, errors_of):
    lines = errors_of(with_domain(valid, name, **{"class": "app", "template": "base"}))
    shown_text = shown if len(name) <= 40 else None
    assert len(lines) == 1
    assert lines[0].endswith(f": {NAME_RULE} (got the text {shown_text})")


def test_bad_name_path_is_quoted_when_it_is_not_a_plain_word(valid, errors_of):
    assert errors_of(with_domain(valid, "a b", **{"class": "app", "template": "base"})) == [
        f"{D}:'a b': {NAME_RULE} (got the text 'a b')"
    ]


@pytest.mark.parametrize("name", ["none", "dom0", "default"])
def test_reserved_names(name, valid, errors_of):
    assert errors_of(with_domain(valid, name, **{"class": "app", "template": "base"})) == [
        f"{D}:{name}: '{name}' is reserved (default, dom0, none); choose another name"
    ]


def test_non_text_name(valid, errors_of):
    data = valid
    data["domains"][False] = {"class": "app", "template": "base"}  # YAML `no:` as a key
    assert errors_of(data) == [f"{D}:False: {NAME_RULE} (got the YAML boolean false)"]


CASES = [
    # class and template relations
    (
        "domains:work:class",
        "vm",
        f"{D}:work:class: must be one of template, app, disposable, standalone (got the text 'vm')",
    ),
    (
        "domains:work:template",
        None,
        f"{D}:work:template: required for a app domain: the name of a template domain",
    ),
    (
        "domains:work:template",
        "nope",
        f"{D}:work:template: no domain named 'nope' in bulkhead:domains",
    ),
    (
        "domains:work:template",
        "net",
        f"{D}:work:template: 'net' is a app domain; an app's template must have class: template",
    ),
    (
        "domains:disp:template",
        "work",
        f"{D}:disp:template: 'work' is not a disposable template; a disposable's template must be "
        f"an app domain with template_for_dispvms: true",
    ),
    (
        "domains:disp:template",
        None,
        f"{D}:disp:template: required for a disposable domain: the name of an app domain with "
        f"template_for_dispvms: true",
    ),
    (
        "domains:base:template",
        "base",
        f"{D}:base:template: a template domain has no template; remove this key",
    ),
    (
        "domains:base:image",
        None,
        f"{D}:base:image: required for a template domain: where its root comes from (kind, root, "
        f"...)",
    ),
    (
        "domains:work:image",
        {"kind": "disk", "root": "/x.qcow2"},
        f"{D}:work:image: a app domain takes its root from its template; remove this key",
    ),
    (
        "domains:base:template_for_dispvms",
        True,
        f"{D}:base:template_for_dispvms: only app domains can be disposable templates, this is a "
        f"template",
    ),
    (
        "domains:base:image:kernel",
        None,
        f"{D}:base:image:kernel: required with kind: kernel (an absolute path)",
    ),
    (
        "domains:base:image:root",
        "/i/../etc/shadow",
        f"{D}:base:image:root: '/i/../etc/shadow' contains a '..' component; must be an absolute "
        f"path of letters, digits and . _ / + -, without '..' components",
    ),
    (
        "domains:base:image:root",
        "relative.img",
        f"{D}:base:image:root: must be an absolute path of letters, digits and . _ / + -, without "
        f"'..' components (got the text 'relative.img')",
    ),
    (
        "domains:net:gui",
        True,
        f"{D}:net:gui: a domain that provides network or has an uplink gets "
        "no GUI; set gui: false (run the application in an app domain)",
    ),
    ("domains:work:gui", "yes", f"{D}:work:gui: must be true or false (got the text 'yes')"),
    (
        "host:gui:wayland_display",
        "wayland-1",
        "bulkhead:host:gui:wayland_display: must be an absolute path of letters, digits and . _ / "
        "+ -, "
        "without '..' components (got the text 'wayland-1')",
    ),
    (
        "domains:work:provides_network",
        "yes",
        f"{D}:work:provides_network: must be true or false (got the text 'yes')",
    ),
    # netvm
    (
        "domains:work:netvm",
        False,
        f"{D}:work:netvm: got the YAML boolean false (unquoted yes/no/on/off are booleans); write "
        f"netvm: none for no network, or a domain name",
    ),
    (
        "domains:work:netvm",
        "dvm",
        f"{D}:work:netvm: 'dvm' does not provide network; set provides_network: true on it or "
        f"choose another netvm",
    ),
    (
        "domains:work:netvm",
        "ghost",
        f"{D}:work:netvm: no domain named 'ghost' in bulkhead:domains; name a domain with "
        f"provides_network: true, or 'none'",
    ),
    ("domains:fw:netvm", "fw", f"{D}:fw:netvm: a domain cannot be its own netvm"),
    ("domains:net:netvm", "fw", f"{D}:fw:netvm: netvm cycle: fw -> net -> fw"),
    (
        "domains:work:netvm",
        "Sys Net",
        f"{D}:work:netvm: must be the name of a domain with provides_network: true, or 'none' (no "
        f"network interface) (got the text 'Sys Net')",
    ),
    # memory, cpus, booleans, labels
    (
        "domains:work:memory:initial",
        16,
        f"{D}:work:memory:initial: must be a whole number of MiB from 32 to 1048576 (got the "
        f"number 16)",
    ),
    (
        "domains:work:memory:initial",
        128.0,
        f"{D}:work:memory:initial: must be a whole number of MiB from 32 to 1048576 (got the "
        f"decimal number 128.0)",
    ),
    (
        "domains:work:memory:initial",
        "1e3",
        f"{D}:work:memory:initial: must be a whole number of MiB from 32 to 1048576 (got the text "
        f"'1e3')",
    ),
    (
        "domains:work:memory",
        "1e3",
        f"{D}:work:memory: must be a mapping with keys initial, max, min (got the text '1e3')",
    ),
    (
        "domains:work:memory:max",
        64,
        f"{D}:work:memory:max: must be at least memory:initial (128 MiB), got 64",
    ),
    (
        "domains:work:memory:min",
        256,
        f"{D}:work:memory:min: must be at most memory:initial (128 MiB), got 256",
    ),
    (
        "domains:work:vcpus",
        "2",
        f"{D}:work:vcpus: must be a whole number from 1 to 256 (got the text '2')",
    ),
    (
        "domains:work:vcpus",
        0,
        f"{D}:work:vcpus: must be a whole number from 1 to 256 (got the number 0)",
    ),
    (
        "domains:work:vcpus",
        257,
        f"{D}:work:vcpus: must be a whole number from 1 to 256 (got the number 257)",
    ),
    (
        "domains:work:vcpus",
        True,
        f"{D}:work:vcpus: must be a whole number from 1 to 256 (got the YAML boolean true)",
    ),
    (
        "domains:work:running",
        "yes",
        f"{D}:work:running: must be true or false (got the text 'yes')",
    ),
    ("domains:work:running", 1, f"{D}:work:running: must be true or false (got the number 1)"),
    (
        "domains:work:label",
        "pink",
        f"{D}:work:label: must be one of red, orange, yellow, green, gray, blue, purple, black "
        f"(least to most trusted) (got the text 'pink')",
    ),
    (
        "domains:work:tags",
        ["ok", "Bad"],
        f"{D}:work:tags:1: must be a list of tags: lowercase letters, digits, '_' and '-', "
        f"starting with a letter, at most 31 characters (got the text 'Bad')",
    ),
    # addresses
    (
        "domains:work:ip",
        "192.168.1.5",
        f"{D}:work:ip: 192.168.1.5 is outside host:address_pool (10.137.0.0/16)",
    ),
    (
        "domains:work:ip",
        "10.137.0.0",
        f"{D}:work:ip: 10.137.0.0 is the network address of host:address_pool (10.137.0.0/16)",
    ),
    (
        "domains:work:ip",
        "10.137.255.255",
        f"{D}:work:ip: 10.137.255.255 is the broadcast address of "
        "host:address_pool (10.137.0.0/16)",
    ),
    (
        "domains:work:ip",
        "10.137.0.1",
        f"{D}:work:ip: 10.137.0.1 is reserved (the first address) of host:address_pool "
        f"(10.137.0.0/16)",
    ),
    (
        "domains:work:ip",
        177799178,
        f"{D}:work:ip: must be an IPv4 address written as text (got the number 177799178)",
    ),
    (
        "domains:work:ip",
        "10.137.0.300",
        f"{D}:work:ip: must be an IPv4 address such as 10.137.0.10 inside host:address_pool, not "
        f"its network, first or broadcast address, unique (got the text '10.137.0.300')",
    ),
    (
        "domains:base:ip",
        "10.137.0.9",
        f"{D}:base:ip: this domain has no network interface (netvm is none and it provides no "
        f"network); remove ip",
    ),
    # host
    (
        "host:address_pool",
        "8.8.8.0/24",
        "bulkhead:host:address_pool: 8.8.8.0/24 is not a private network; must be a private IPv4 "
        "network (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) with a prefix from /8 to "
        "/28, such as 10.137.0.0/16",
    ),
    (
        "host:address_pool",
        "10.0.0.0/30",
        "bulkhead:host:address_pool: prefix /30 is out of range; must be a private IPv4 network "
        "(inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) with a prefix from /8 to /28, such "
        "as 10.137.0.0/16",
    ),
    (
        "host:address_pool",
        "10.137.0.1/16",
        "bulkhead:host:address_pool: '10.137.0.1/16' is not a network address (10.137.0.1/16 has "
        "host bits set); must be a private IPv4 network (inside 10.0.0.0/8, 172.16.0.0/12 or "
        "192.168.0.0/16) with a prefix from /8 to /28, such as 10.137.0.0/16",
    ),
    (
        "host:domain_type",
        "vmware",
        "bulkhead:host:domain_type: must be one of auto, kvm, qemu, xen (got the text 'vmware')",
    ),
    (
        "host:uri",
        "qemu:///system; rm -rf /",
        "bulkhead:host:uri: must be a libvirt URI such as qemu:///system (letters, digits and . _ "
        "@ : / ? = & -) (got the text 'qemu:///system; rm -rf /')",
    ),
    (
        "host:pool",
        "Pool",
        "bulkhead:host:pool: pool names are lowercase letters, digits and '-', start with a "
        "letter, at most 31 characters (got the text 'Pool')",
    ),
    (
        "host:pool_path",
        "/var/../etc",
        "bulkhead:host:pool_path: '/var/../etc' contains a '..' component; must be an absolute "
        "path of letters, digits and . _ / + -, without '..' components",
    ),
    (
        "formula:shutdown_timeout",
        "60",
        "bulkhead:formula:shutdown_timeout: must be a whole number of seconds from 1 to 3600 (got "
        "the text '60')",
    ),
    (
        "formula:lock_timeout",
        86401,
        "bulkhead:formula:lock_timeout: must be a whole number of seconds from 0 to 86400 (got the "
        "number 86401)",
    ),
    (
        "formula:lock_timeout",
        "300",
        "bulkhead:formula:lock_timeout: must be a whole number of seconds from 0 to 86400 (got the "
        "text '300')",
    ),
    (
        "formula:paths:memd_pidfile",
        "run/memd.pid",
        "bulkhead:formula:paths:memd_pidfile: must be an absolute path of letters, digits and . _ "
        "/ + -, without '..' components (got the text 'run/memd.pid')",
    ),
    (
        "formula:paths:locks",
        "/run/../etc",
        "bulkhead:formula:paths:locks: '/run/../etc' contains a '..' component; must be an "
        "absolute path of letters, digits and . _ / + -, without '..' components",
    ),
    (
        "formula:paths:nosuch",
        "/x",
        "bulkhead:formula:paths:nosuch: unknown key 'nosuch'; allowed: memd_config, memd_pidfile, "
        "memd_log, broker_pillar, broker_pidfile, broker_log, dispvm_registry, firewall_records, "
        "image_records, plan_cache, locks, exclusive",
    ),
    # unknown keys
    (
        "domains:work:memroy",
        {"initial": 64},
        f"{D}:work:memroy: unknown key 'memroy'; allowed: class, template, netvm, uplink, "
        f"provides_network, default_dispvm, template_for_dispvms, label, vcpus, memory, "
        f"private_mib, image, running, autostart, ip, cpu_partition, gui, tags, firewall",
    ),
    (
        "domains:work:class_",
        "app",
        f"{D}:work:class_: unknown key 'class_'; allowed: class, template, netvm, uplink, "
        f"provides_network, default_dispvm, template_for_dispvms, label, vcpus, memory, "
        f"private_mib, image, running, autostart, ip, cpu_partition, gui, tags, firewall",
    ),
    (
        "domains:work:memory:maximum",
        64,
        f"{D}:work:memory:maximum: unknown key 'maximum'; allowed: initial, max, min",
    ),
    (
        "host:url",
        "x",
        "bulkhead:host:url: unknown key 'url'; allowed: uri, domain_type, pool, pool_path, "
        "address_pool, cpu_partitions, workstation, uplinks, gui",
    ),
    (
        "polcy",
        {},
        "bulkhead:polcy: unknown key 'polcy'; allowed: host, domains, formula, images, policy, "
        "memory, tcb, prune, purge",
    ),
    (
        "memory",
        {"interval": 0},
        "bulkhead:memory:interval: must be a number of seconds from 0.1 to 3600 (got the number 0)",
    ),
    (
        "memory",
        {"reserve_mib": "512"},
        "bulkhead:memory:reserve_mib: must be a whole number of MiB from 0 to 1073741824 (got the "
        "text '512')",
    ),
    (
        "memory",
        {"reserve_mib": 512, "host_mib": 400},
        "bulkhead:memory:host_mib: 400 MiB leaves nothing for domains above reserve_mib (512); "
        "must be more than reserve_mib",
    ),
    (
        "memory",
        {"band": 1.0},
        "bulkhead:memory:band: must be a number from 0 up to, not including, 1 (got the decimal "
        "number 1.0)",
    ),
    (
        "memory",
        {"cache_factor": 0.5},
        "bulkhead:memory:cache_factor: must be a number from 1 to 10 (got the decimal number 0.5)",
    ),
    (
        "memory",
        {"socket": "memd.sock"},
        "bulkhead:memory:socket: must be an absolute path of letters, digits and . _ / + -, "
        "without '..' components (got the text 'memd.sock')",
    ),
    (
        "memory",
        {"intervall": 2},
        "bulkhead:memory:intervall: unknown key 'intervall'; allowed: interval, reserve_mib, "
        "host_mib, cache_factor, floor_mib, threshold_mib, band, stats_period, hold_seconds, "
        "socket",
    ),
    (
        "policy:files",
        {"a b.policy": "x"},
        "bulkhead:policy:files: invalid policy file name 'a b.policy': file names are letters, "
        "digits, '_', '.' and '-', ending in .policy, not starting with '.'",
    ),
    (
        "policy:files",
        {"a.policy": 3},
        "bulkhead:policy:files:a.policy: must be the file's text, or a list of its lines (each one "
        "line of text) (got the number 3)",
    ),
    (
        "policy:dir",
        "etc",
        "bulkhead:policy:dir: must be an absolute path of letters, digits and . _ / + -, without "
        "'..' components (got the text 'etc')",
    ),
    (
        "policy:dispvm_limit",
        101,
        "bulkhead:policy:dispvm_limit: must be a whole number from 0 to 100 (got the number 101)",
    ),
    (
        "policy:dispvm_limit",
        "4",
        "bulkhead:policy:dispvm_limit: must be a whole number from 0 to 100 (got the text '4')",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "line"), CASES, ids=[f"{c[0]}={c[1]!r}"[:60] for c in CASES]
)
def test_each_bad_value_gives_its_exact_line(path, value, line, valid, errors_of):
    data = with_change(valid, path, value)
    if value is None:
        data_path = path.split(":")
        node = data
        for part in data_path[:-1]:
            node = node[part]
        del node[data_path[-1]]
    assert errors_of(data) == [line]


def test_missing_class_says_what_is_allowed(valid, errors_of):
    assert errors_of(with_domain(valid, "solo")) == [
        f"{D}:solo:class: required key is missing; it must be one of template, app, disposable, "
        f"standalone"
    ]


def test_duplicate_pinned_address_is_reported_on_the_second_owner(valid, errors_of):
    data = with_change(valid, "domains:work:ip", "10.137.0.7")
    data["domains"]["disp"]["ip"] = "10.137.0.7"
    assert errors_of(data) == [
        f"{D}:work:ip: 10.137.0.7 is already the address of 'disp'; addresses must be unique"
    ]


def test_non_mapping_roots(errors_of):
    assert errors_of(["x"]) == [
        "bulkhead: must be a mapping with keys host, domains, formula, images, policy, memory, "
        "tcb, prune, purge (got a list)"
    ]
    assert errors_of({"domains": ["work"]}) == [
        "bulkhead:domains: must be a mapping of domain name to domain (got a list)"
    ]
    assert errors_of({"domains": {"work": "app"}}) == [
        f"{D}:work: must be a mapping with keys class, template, netvm, uplink, provides_network, "
        f"default_dispvm, template_for_dispvms, label, vcpus, memory, private_mib, image, running, "
        f"autostart, ip, cpu_partition, gui, tags, firewall (got the text 'app')"
    ]


def test_all_errors_are_reported_at_once(valid, errors_of):
    data = valid
    data["host"]["domain_type"] = "vmware"
    data["domains"]["Bad"] = {"class": "app", "template": "base"}
    data["domains"]["work"]["vcpus"] = "2"
    data["domains"]["fw"]["memory"] = {"initial": 64, "max": 32}
    data["domains"]["disp"]["netvm"] = "dvm"
    # 'work' is broken (vcpus), so a reference to it is not judged against contents nobody knows.
    data["domains"]["extra"] = {"class": "app", "template": "base", "netvm": "work"}
    assert errors_of(data) == [
        f"{D}:Bad: {NAME_RULE} (got the text 'Bad')",
        f"{D}:disp:netvm: 'dvm' does not provide network; set provides_network: true on it or "
        f"choose another netvm",
        f"{D}:fw:memory:max: must be at least memory:initial (64 MiB), got 32",
        f"{D}:work:vcpus: must be a whole number from 1 to 256 (got the text '2')",
        "bulkhead:host:domain_type: must be one of auto, kvm, qemu, xen (got the text 'vmware')",
    ]


def test_every_issue_stays_on_one_line_whatever_the_key(errors_of):
    assert errors_of({"\n": None}) == [
        "bulkhead:'\\n': unknown key '\\n'; allowed: host, domains, formula, images, policy, "
        "memory, tcb, prune, purge"
    ]


@pytest.mark.parametrize(
    "where,value,message",
    [
        ("work", "nosuch", "no domain named 'nosuch' in bulkhead:domains"),
        (
            "work",
            "work",
            "'work' is not a disposable template; name an app domain with template_for_dispvms: "
            "true",
        ),
        ("disp", "dvm", "a disposable's @dispvm is its own template; remove this key"),
    ],
)
def test_bad_default_dispvm(where, value, message, valid, errors_of):
    assert errors_of(with_change(valid, f"domains:{where}:default_dispvm", value)) == [
        f"{D}:{where}:default_dispvm: {message}"]


def test_default_dispvm_names_a_disposable_template(valid):
    assert (
        load_pillar(with_change(valid, "domains:work:default_dispvm", "dvm"))
        .domains["work"]
        .default_dispvm
        == "dvm"
    )


UPLINK = {
    "network": "default",
    "address": "192.168.122.2/24",
    "gateway": "192.168.122.1",
    "dns": ["192.168.122.1"],
}


def test_an_uplink_loads_on_a_netvm_without_netvm(valid):
    data = with_change(valid, "domains:net:uplink", dict(UPLINK))
    net = load_pillar(data).domains["net"]
    assert (str(net.uplink.address), str(net.uplink.gateway), net.has_way_out) == (
        "192.168.122.2/24",
        "192.168.122.1",
        True,
    )


@pytest.mark.parametrize(
    "where,change,message",
    [
        (
            "work",
            {},
            "uplink: a domain goes out through its netvm or its own uplink, not both; set netvm: "
            "none or remove uplink",
        ),
        (
            "net",
            {"network": "bulkhead-fw"},
            "uplink:network: networks named bulkhead-* belong to bulkhead's netvms; name a network "
            "bulkhead does not manage",
        ),
        (
            "net",
            {"address": "10.137.9.9/24", "gateway": "10.137.9.1"},
            "uplink:address: 10.137.9.0/24 overlaps host:address_pool (10.137.0.0/16); routing "
            "would be ambiguous",
        ),
        (
            "net",
            {"gateway": "192.168.123.1"},
            "uplink:gateway: 192.168.123.1 must be another address inside 192.168.122.0/24",
        ),
        (
            "net",
            {"gateway": "192.168.122.2"},
            "uplink:gateway: 192.168.122.2 must be another address inside 192.168.122.0/24",
        ),
        (
            "net",
            {"address": "192.168.122.0/24"},
            "uplink:address: '192.168.122.0/24': must be an IPv4 address with its prefix length, "
            "such as 192.168.122.2/24, not the network or broadcast address",
        ),
        (
            "net",
            {"address": "192.168.122.2"},
            "uplink:address: '192.168.122.2': must be an IPv4 address with its prefix length, such "
            "as 192.168.122.2/24, not the network or broadcast address",
        ),
        (
            "net",
            {"network": "a b;reboot"},
            "uplink:network: must be the name of an existing libvirt network that bulkhead does "
            "not manage (letters, digits, '_', '.' and '-', not starting with 'bulkhead-') (got "
            "the text 'a b;reboot')",
        ),
        ("net", {"dns": ["8.8.8.8; x"]}, None),
    ],
)
def test_bad_uplinks_name_their_key(where, change, message, valid, errors_of):
    data = with_change(valid, f"domains:{where}:uplink", {**UPLINK, **change})
    errors = errors_of(data)
    assert len(errors) == 1 and errors[0].startswith(f"{D}:{where}:uplink")
    if message is not None:
        assert errors[0] == f"{D}:{where}:{message}"
