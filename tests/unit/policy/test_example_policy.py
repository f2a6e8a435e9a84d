"""The example workstation's RPC policy (pillar/examples/workstation.sls, `make demo`), as the
broker evaluates it: against the example's own domains, and against the integration tier's copy
whose every domain name (policy lines included) carries a prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from saltext.bulkhead.model import Pillar, load_pillar_file
from saltext.bulkhead.policy import Policy, Request, Verdict
from saltext.bulkhead.policy.lint import lint
from saltext.bulkhead.rpc.authorize import authorize
from saltext.bulkhead.rpc.facts import system_from
from saltext.bulkhead.rpc.host import StaticHost
from saltext.bulkhead.rpc.prompt import prompt_for
from saltext.bulkhead.rpcwire.messages import CallRequest
from tests.topology import prefixed_pillar_text

EXAMPLE = Path(__file__).resolve().parents[3] / "pillar/examples/workstation.sls"


@pytest.fixture(params=["", "it-"], ids=["example", "prefixed"])
def workstation(request, tmp_path) -> tuple[Pillar, str]:
    """(the pillar, the prefix its domain names carry)."""
    prefix = request.param
    if not prefix:
        return load_pillar_file(EXAMPLE), prefix
    text = prefixed_pillar_text(EXAMPLE, prefix, "it-pool", tmp_path / "files")
    (tmp_path / "workstation.sls").write_text(text)
    return load_pillar_file(tmp_path / "workstation.sls"), prefix


def _setting(pillar: Pillar):
    """The policy and the system the broker would see: every domain defined, the pillar's
    running ones running (untrusted, a disposable, is halted until a call starts it)."""
    defined = {name: ("Running" if entry.running else "Halted", f"uuid-{name}")
               for name, entry in pillar.domains.items()}
    files = {name: pillar.policy.text_of(name) for name in pillar.policy.files}
    return Policy.from_files(files), system_from(pillar, defined)


def _decide(pillar: Pillar, prefix: str, call: str, source: str, target: str):
    policy, system = _setting(pillar)
    named = target if target.startswith("@") else prefix + target
    return policy.evaluate(Request.from_call(call, prefix + source, named), system)


def test_file_copy_from_work_to_vault_asks_with_vault_preselected(workstation):
    pillar, p = workstation
    decision = _decide(pillar, p, "qubes.Filecopy+", "work", "vault")
    assert decision.verdict is Verdict.ASK
    assert p + "vault" in decision.targets
    assert decision.default_target == p + "vault"


@pytest.mark.parametrize("call", ["qubes.Filecopy+", "qubes.OpenURL+https://x", "test.Anything+"])
@pytest.mark.parametrize("target", ["work", "personal", "untrusted", "@dispvm", "@default"])
def test_nothing_leaves_vault(workstation, call, target):
    pillar, p = workstation
    decision = _decide(pillar, p, call.replace("https://x", "https.x"), "vault", target)
    assert decision.verdict is Verdict.DENY
    assert decision.rule is not None and "vault @anyvm deny" in decision.rule.text


def test_untrusted_opens_links_in_a_disposable_of_dvm_template(workstation):
    pillar, p = workstation
    decision = _decide(pillar, p, "qubes.OpenURL+", "untrusted", "@dispvm")
    assert decision.verdict is Verdict.ALLOW
    assert decision.target == f"@dispvm:{p}dvm-template"


@pytest.mark.parametrize("source, target", [("untrusted", "work"), ("work", "@dispvm"),
                                            ("personal", "@dispvm")])
def test_links_go_nowhere_else(workstation, source, target):
    pillar, p = workstation
    assert _decide(pillar, p, "qubes.OpenURL+", source, target).verdict is Verdict.DENY


def test_personal_hands_files_to_work_and_not_back(workstation):
    pillar, p = workstation
    allowed = _decide(pillar, p, "qubes.Filecopy+", "personal", "work")
    assert (allowed.verdict, allowed.target) == (Verdict.ALLOW, p + "work")
    assert _decide(pillar, p, "qubes.Filecopy+", "work", "personal").verdict is Verdict.DENY


def test_the_headless_broker_refuses_the_ask_and_serves_the_allow(workstation, tmp_path):
    """With the example's ask mode (deny: nobody to ask) the broker refuses work -> vault, the
    call `bulkhead verify` makes (personal -> work) is allowed, and vault -> work is refused."""
    pillar, p = workstation
    policy_dir = tmp_path / "policy.d"
    policy_dir.mkdir()
    for name in pillar.policy.files:
        (policy_dir / name).write_text(pillar.policy.text_of(name))
    host = StaticHost(_setting(pillar)[1])
    prompt = prompt_for(pillar.policy.ask)

    def served(source: str, target: str) -> str | None:
        request = CallRequest("qubes.Filecopy", "+", p + target)
        return authorize(p + source, request, host, policy_dir, prompt).target

    assert pillar.policy.ask == "deny"
    assert served("work", "vault") is None
    assert served("personal", "work") == p + "work"
    assert served("vault", "work") is None


def test_the_example_policy_lints_clean(workstation):
    pillar, _ = workstation
    assert lint(_setting(pillar)[0]) == []


def test_the_prefixed_copy_keeps_the_policy_in_its_own_directory(tmp_path):
    """The integration tier's copy: one policy section (a second would be a duplicate key), the
    example's files, the test's own directory (never the installed /etc/bulkhead/policy.d)."""
    text = prefixed_pillar_text(EXAMPLE, "it-", "it-pool", tmp_path / "files")
    (tmp_path / "workstation.sls").write_text(text)
    prefixed, example = load_pillar_file(tmp_path / "workstation.sls"), load_pillar_file(EXAMPLE)
    assert prefixed.policy.dir == str(tmp_path / "files/etc/policy.d")
    assert set(prefixed.policy.files) == set(example.policy.files)
