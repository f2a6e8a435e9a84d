"""The boot plan: netvms before their clients, only autostart domains and the netvms they need."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from saltext.bulkhead.boot.order import boot_order, netvm_chain
from saltext.bulkhead.model import load_pillar

TEMPLATE = {"class": "template", "image": {"kind": "kernel", "root": "/i/root.img",
                                          "kernel": "/i/vmlinuz", "initrd": "/i/initrd.img"}}


def app(netvm: str | None = None, *, provides: bool = False, autostart: bool | None = None) -> dict:
    domain = {
        "class": "app",
        "template": "tpl",
        "netvm": netvm or "none",
        "provides_network": provides,
    }
    if autostart is not None:
        domain["autostart"] = autostart
    return domain


def pillar(domains: dict, **formula):
    return load_pillar({"formula": formula, "domains": {"tpl": TEMPLATE, **domains}})


@st.composite
def netvm_forests(draw):
    """Random netvm chains: domain i may take any earlier netvm as its netvm (so no cycles), any
    domain may provide network, and autostart is true, false or absent (its default)."""
    count = draw(st.integers(1, 12))
    domains: dict = {}
    for i in range(count):
        netvms = [n for n, d in domains.items() if d["provides_network"]]
        netvm = draw(st.sampled_from([None, *netvms]))
        domains[f"d{i}"] = app(netvm, provides=draw(st.booleans()),
                               autostart=draw(st.sampled_from([None, True, False])))
    # the names' order must not be what orders the plan
    order = draw(st.permutations(list(domains)))
    renamed = {name: f"x{draw(st.integers(0, 99))}-{name}" for name in order}
    return pillar({renamed[n]: {**d, "netvm": renamed.get(d["netvm"], "none")}
                   for n, d in domains.items()})


@given(netvm_forests())
def test_every_domain_starts_after_its_whole_netvm_chain(model):
    order = boot_order(model)
    position = {name: i for i, name in enumerate(order)}
    assert len(position) == len(order)  # each once
    for name in order:
        for netvm in netvm_chain(model, name):
            assert position[netvm] < position[name], (netvm, name, order)


@given(netvm_forests())
def test_exactly_the_autostart_domains_and_the_netvms_they_need_start(model):
    wanted = {n for n, d in model.domains.items() if d.starts_at_boot}
    needed = {netvm for name in wanted for netvm in netvm_chain(model, name)}
    assert set(boot_order(model)) == wanted | needed


@given(netvm_forests())
def test_the_plan_is_deterministic(model):
    again = load_pillar(model.model_dump(mode="json", by_alias=True))
    assert boot_order(again) == boot_order(model)


def test_netvms_start_by_default_and_other_domains_do_not():
    model = pillar({"sys-net": app(provides=True), "sys-firewall": app("sys-net", provides=True),
                    "work": app("sys-firewall"), "vault": app()})
    assert boot_order(model) == ["sys-net", "sys-firewall"]
    assert model.domains["sys-net"].starts_at_boot and not model.domains["vault"].starts_at_boot


def test_an_autostart_domain_pulls_in_its_netvm_chain_even_if_that_says_no():
    model = pillar({"sys-net": app(provides=True, autostart=False),
                    "sys-firewall": app("sys-net", provides=True, autostart=False),
                    "work": app("sys-firewall", autostart=True), "vault": app(autostart=False)})
    assert boot_order(model) == ["sys-net", "sys-firewall", "work"]


def test_a_netvm_can_opt_out():
    model = pillar({"sys-net": app(provides=True, autostart=False), "work": app("sys-net")})
    assert boot_order(model) == []


def test_nothing_starts_when_the_formula_does_not_manage_power():
    model = pillar({"sys-net": app(provides=True), "work": app("sys-net", autostart=True)},
                   manage_power=False)
    assert boot_order(model) == []


def test_autostart_must_be_a_boolean():
    from saltext.bulkhead.model import PillarError
    try:
        pillar({"work": {**app(), "autostart": "yes"}})
    except PillarError as exc:
        assert any("domains:work:autostart" in line for line in exc.lines), exc.lines
    else:
        raise AssertionError("autostart: 'yes' (text) was accepted")
