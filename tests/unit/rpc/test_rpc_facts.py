"""The system the broker evaluates the policy against: pillar facts for defined domains only."""

from __future__ import annotations

import libvirt

from saltext.bulkhead.model import load_pillar
from saltext.bulkhead.policy import Policy, Request
from saltext.bulkhead.policy.system import POWER_STATES
from saltext.bulkhead.rpc.facts import POLICY_POWER, policy_power, system_from
from saltext.bulkhead.virt.power import STATES

IMAGE = {"kind": "kernel", "root": "/i/root.img", "kernel": "/i/vmlinuz", "initrd": "/i/initrd.img"}
PILLAR = load_pillar({"domains": {
    "tpl": {"class": "template", "image": IMAGE},
    "work": {"class": "app", "template": "tpl", "tags": ["office"]},
    "dvm": {"class": "app", "template": "tpl", "template_for_dispvms": True},
    "disp1": {"class": "disposable", "template": "dvm"},
    "vault": {"class": "app", "template": "tpl", "netvm": "none"},
}})


def test_types_tags_templates_and_power_come_from_pillar_and_libvirt():
    system = system_from(
        PILLAR,
        {
            "tpl": ("Halted", "u0"),
            "work": ("Running", "u1"),
            "dvm": ("Halted", "u2"),
            "disp1": ("Running", "u3"),
        },
    )
    assert set(system.domains) == {"dom0", "tpl", "work", "dvm", "disp1"}  # vault is not defined
    assert system.domains["dom0"].type == "AdminVM"
    work = system.domains["work"]
    assert (work.type, work.tags, work.power_state, work.uuid) == (
        "AppVM",
        frozenset({"office"}),
        "Running",
        "u1",
    )
    assert system.domains["tpl"].type == "TemplateVM"
    assert system.domains["dvm"].template_for_dispvms
    assert (system.domains["disp1"].type, system.domains["disp1"].default_dispvm) == (
        "DispVM",
        "dvm",
    )


def test_a_disposable_whose_template_is_gone_has_none():
    system = system_from(PILLAR, {"disp1": ("Running", "u3")})
    assert system.domains["disp1"].default_dispvm is None


def test_an_undefined_domain_cannot_be_called():
    system = system_from(PILLAR, {"work": ("Running", "u1")})
    policy = Policy.from_text("qubes.Filecopy * @anyvm @anyvm allow\n")
    assert policy.evaluate(Request("qubes.Filecopy", "+", "work", "vault"), system).to_json() == {
        "decision": "deny"
    }
    # As in the reference, an undefined source still matches @anyvm; the broker only takes calls
    # from the channels of defined domains, so no call has such a source.
    assert policy.evaluate(Request("qubes.Filecopy", "+", "vault", "work"), system).to_json() == {
        "decision": "allow", "target": "work"}
    tagged = Policy.from_text("qubes.Filecopy * @tag:office @anyvm allow\n")
    system = system_from(PILLAR, {"work": ("Running", "u1"), "tpl": ("Halted", "u0")})
    decision = tagged.evaluate(Request("qubes.Filecopy", "+", "work", "tpl"), system)
    assert decision.to_json() == {"decision": "allow", "target": "tpl"}


def test_an_apps_default_dispvm_resolves_at_dispvm_in_its_calls():
    pillar = load_pillar({"domains": {
        "tpl": {"class": "template", "image": IMAGE},
        "work": {"class": "app", "template": "tpl", "default_dispvm": "dvm"},
        "dvm": {"class": "app", "template": "tpl", "template_for_dispvms": True},
        "disp1": {"class": "disposable", "template": "dvm"},
    }})
    defined = {
        "tpl": ("Halted", "u0"),
        "work": ("Running", "u1"),
        "dvm": ("Halted", "u2"),
        "disp1": ("Halted", "u3"),
    }
    system = system_from(pillar, defined)
    assert system.domains["work"].default_dispvm == "dvm"
    policy = Policy.from_text("qubes.Filecopy * work @dispvm allow\n")
    decision = policy.evaluate(Request("qubes.Filecopy", "+", "work", "@dispvm"), system).to_json()
    assert decision == {"decision": "allow", "target": "@dispvm:dvm"}
    # Without the key (or with its template undefined) '@dispvm' has nothing to mean: denied.
    del defined["dvm"]
    assert policy.evaluate(
        Request("qubes.Filecopy", "+", "work", "@dispvm"), system_from(pillar, defined)
    ).to_json() == {"decision": "deny"}


def test_libvirt_states_reach_the_policy_through_virts_one_map():
    """Each state virt/power.py names has the policy's name for it (a state added there is never
    silently Transient for the policy); what libvirt does not name is Transient."""
    assert set(STATES.values()) == set(POLICY_POWER)
    assert set(POLICY_POWER.values()) <= POWER_STATES
    expected = {
        libvirt.VIR_DOMAIN_RUNNING: "Running",
        libvirt.VIR_DOMAIN_BLOCKED: "Running",
        libvirt.VIR_DOMAIN_PAUSED: "Paused",
        libvirt.VIR_DOMAIN_SHUTOFF: "Halted",
        libvirt.VIR_DOMAIN_SHUTDOWN: "Dying",
        libvirt.VIR_DOMAIN_CRASHED: "Crashed",
        libvirt.VIR_DOMAIN_PMSUSPENDED: "Suspended",
        libvirt.VIR_DOMAIN_NOSTATE: "Transient",
    }
    assert {state: policy_power(state) for state in expected} == expected
    assert policy_power(99) == "Transient"
