"""Properties: accepted names are safe, nothing crashes the validator, valid pillars round-trip."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saltext.bulkhead.model import Label, Pillar, PillarError, load_pillar
from saltext.bulkhead.model.load import load_pillar_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
APP = {"class": "app", "template": "base"}
BASE = {"class": "template", "image": {"kind": "disk", "root": "/i/base.qcow2"}}

near_names = st.from_regex(r"[a-zA-Z0-9@<>/. ;$é_-]{0,40}", fullmatch=True)


@SETTINGS
@given(st.one_of(st.text(max_size=40), near_names))
def test_any_accepted_name_is_lowercase_ascii_letters_digits_and_dash(name):
    try:
        pillar = load_pillar({"domains": {"base": BASE, name: APP}})
    except PillarError:
        return
    assert re.fullmatch(r"[a-z0-9-]{1,31}", name) and name[0].isalpha() and name in pillar.domains


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)
keys = st.sampled_from(
    [
        "host",
        "domains",
        "formula",
        "class",
        "template",
        "netvm",
        "memory",
        "initial",
        "max",
        "firewall",
        "action",
        "dstports",
        "ip",
        "image",
        "kind",
        "root",
        "base",
        "work",
    ]
)
pillar_like = st.recursive(
    json_like,
    lambda inner: st.dictionaries(keys, inner, max_size=5) | st.lists(inner, max_size=3),
    max_leaves=30,
)


@SETTINGS
@given(pillar_like)
def test_random_data_gives_a_pillar_or_pillar_error(data):
    try:
        load_pillar(data)
    except PillarError as exc:
        assert exc.lines and all("\n" not in line for line in exc.lines)


yaml_ish = st.text(
    alphabet=st.sampled_from(list("bulkhead:domains{}[]-,'\"#&*!|>%@`?\n\t 0129.e~")), max_size=120
)


@SETTINGS
@given(st.one_of(st.text(max_size=120), yaml_ish, yaml_ish.map(lambda t: "bulkhead:\n  " + t)))
def test_random_text_gives_a_pillar_or_pillar_error(text):
    try:
        load_pillar_text(text)
    except PillarError as exc:
        assert exc.lines


names = st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True).filter(
    lambda n: n not in {"none", "dom0", "default"}
)
rules = st.one_of(
    st.fixed_dictionaries({"action": st.sampled_from(["accept", "drop"])}),
    st.fixed_dictionaries(
        {
            "action": st.just("accept"),
            "proto": st.sampled_from(["tcp", "udp"]),
            "dstports": st.integers(1, 65535)
            | st.integers(1, 65535).map(lambda p: f"{p}-{min(p + 10, 65535)}"),
            "dsthost": st.sampled_from(["10.0.0.0/8", "192.168.1.1", "example.org"]),
        }
    ),
    st.fixed_dictionaries(
        {"action": st.just("accept"), "proto": st.just("icmp"), "icmptype": st.integers(0, 255)}
    ),
    st.fixed_dictionaries(
        {
            "action": st.just("accept"),
            "specialtarget": st.just("dns"),
            "comment": st.just("dns (any)"),
        }
    ),
)


@st.composite
def valid_pillars(draw) -> dict[str, Any]:
    """Acyclic by construction: a domain's netvm is always a provider drawn before it."""
    chosen = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    domains: dict[str, Any] = {"base": BASE}
    providers: list[str] = []
    hosts = iter(
        draw(
            st.lists(st.integers(2, 65534), min_size=len(chosen), max_size=len(chosen), unique=True)
        )
    )
    for name in (n for n in chosen if n != "base"):
        initial = draw(st.integers(32, 4096))
        domain = {
            "class": "app",
            "template": "base",
            "label": draw(st.sampled_from([label.value for label in Label])),
            "vcpus": draw(st.integers(1, 256)),
            "running": draw(st.booleans()),
            "memory": {
                "initial": initial,
                "max": initial + draw(st.integers(0, 1024)),
                "min": draw(st.integers(32, initial)),
            },
            "tags": draw(
                st.lists(st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True), max_size=2)
            ),
        }
        netvm = draw(st.sampled_from(["none", *providers]))
        if netvm != "none":
            domain["netvm"] = netvm
            domain["firewall"] = draw(st.lists(rules, max_size=3))
            if draw(st.booleans()):
                host = next(hosts)
                domain["ip"] = f"10.137.{host // 256}.{host % 256}"
        if draw(st.booleans()):
            domain["provides_network"] = True
            providers.append(name)
        domains[name] = domain
    return {
        "host": {
            "address_pool": "10.137.0.0/16",
            "domain_type": draw(st.sampled_from(["auto", "kvm", "qemu", "xen"])),
        },
        "domains": domains,
    }


@SETTINGS
@given(valid_pillars())
def test_valid_pillars_round_trip(data):
    pillar = load_pillar(data)
    dumped = pillar.model_dump(mode="json", by_alias=True)
    again = load_pillar(dumped)
    assert again == pillar and isinstance(again, Pillar)
    assert again.model_dump(mode="json", by_alias=True) == dumped


def _properties(cls: type) -> list[str]:
    return [name for klass in cls.__mro__ for name, value in vars(klass).items()
            if isinstance(value, property) and not name.startswith("_")]


def _instances(pillar: Pillar) -> list[Any]:
    """Every model object in ``pillar`` and every member of the model's enumerations."""
    objects: list[Any] = [pillar, pillar.host, pillar.formula, *pillar.domains.values()]
    objects += [part for d in pillar.domains.values()
                for part in (d.memory, d.image, d.uplink) if part]
    enums = {type(value) for obj in objects for value in vars(obj).values()
             if isinstance(value, Enum)}
    return objects + [member for enum in sorted(enums, key=str) for member in enum]


def test_every_model_property_evaluates(valid):
    """A property reading an attribute its class does not have (Label once carried Domain's
    has_way_out and starts_at_boot) raises AttributeError only when called."""
    valid["domains"]["net"]["uplink"] = {"network": "default", "address": "192.168.122.2/24",
                                         "gateway": "192.168.122.1"}
    objects = _instances(load_pillar(valid))
    assert Label.red in objects and any(type(obj).__name__ == "Uplink" for obj in objects)
    for obj in objects:
        for name in _properties(type(obj)):
            getattr(obj, name)  # raises on a property reading what its class does not have
