"""Evaluation semantics: token matching, first match, redirects, ask candidates, fail closed."""

from __future__ import annotations

import pytest

from saltext.bulkhead.policy import Policy, Request, System, Verdict, evaluate

from .policy_helpers import GUESTS, decide, make_system


def verdict_of(policy_text: str, call: str, source: str, target: str) -> dict:
    return decide(policy_text, call, source, target).to_json()


ALLOW_ANY_TARGET = "s * {source} @anyvm allow\n"


@pytest.mark.parametrize(
    "token, matching, not_matching",
    [
        ("*", ["work", "disp7", "dom0"], []),
        # As in the reference: a call naming the admin domain as source is matched by @anyvm,
        # @tag: and @type:AdminVM, and @adminvm only matches a source written "@adminvm".
        ("@anyvm", ["work", "disp7", "tpl", "dom0", "ghost"], ["@adminvm"]),
        ("@adminvm", ["@adminvm"], ["work", "dom0"]),
        ("dom0", ["@adminvm"], ["work", "dom0"]),
        ("@type:AdminVM", ["dom0"], ["work"]),
        ("uuid:u-work", ["work", "uuid:u-work"], ["personal"]),
        ("work", ["work"], ["personal", "dom0"]),
        ("@tag:office", ["work", "personal"], ["vault", "dom0"]),
        ("@type:TemplateVM", ["tpl"], ["work", "dom0"]),
        ("@type:DispVM", ["disp7"], ["dvm"]),
        # the reference never matches a domain with these in the source column
        ("@dispvm:dvm", [], ["disp7", "dvm", "work"]),
        ("@dispvm:@tag:dvmtag", [], ["disp7", "dvm"]),
    ],
)
def test_source_tokens(token, matching, not_matching):
    policy = f"s * {token} vault allow\n"
    for source in matching:
        assert verdict_of(policy, "s", source, "vault") == {
            "decision": "allow",
            "target": "vault",
        }, source
    for source in not_matching:
        assert verdict_of(policy, "s", source, "vault") == {"decision": "deny"}, source


@pytest.mark.parametrize(
    "token, matching, not_matching",
    [
        ("*", ["vault", "@dispvm", "@dispvm:otherdvm", "dom0", "@adminvm", "@default"], []),
        ("@anyvm", ["vault", "@dispvm", "@dispvm:dvm", "@default"], ["dom0", "@adminvm"]),
        ("@adminvm", ["dom0", "@adminvm"], ["vault", "@default"]),
        ("@default", ["@default", ""], ["vault", "@dispvm"]),
        ("@dispvm", ["@dispvm"], ["@dispvm:dvm", "dvm"]),
        (
            "@dispvm:dvm",
            ["@dispvm:dvm", "@dispvm"],
            ["@dispvm:otherdvm", "dvm"],
        ),  # work's default is dvm
        ("@dispvm:@tag:dvmtag", ["@dispvm:dvm", "@dispvm"], ["@dispvm:otherdvm", "dvm"]),
        ("@tag:secret", ["vault"], ["work", "@dispvm"]),
        ("@type:AppVM", ["vault", "dvm"], ["tpl", "@dispvm:dvm", "dom0"]),
        ("vault", ["vault", "uuid:u-vault"], ["tpl"]),
        ("uuid:u-vault", ["vault", "uuid:u-vault"], ["tpl", "@default"]),
        ("@dispvm:uuid:u-dvm", ["@dispvm:dvm", "@dispvm"], ["@dispvm:otherdvm"]),
        ("@default", ["ghost"], []),  # an unknown target means @default
    ],
)
def test_target_tokens(token, matching, not_matching):
    policy = f"s * work {token} deny\ns * work * ask\n"
    for target in matching:
        assert verdict_of(policy, "s", "work", target) == {"decision": "deny"}, target
    for target in not_matching:
        assert verdict_of(policy, "s", "work", target)["decision"] == "ask", target


def test_first_match_wins_across_files_and_no_match_denies(tmp_path):
    (tmp_path / "10-first.policy").write_text("s * work vault deny\n")
    (tmp_path / "20-second.policy").write_text("s * @anyvm @anyvm allow\n")
    policy, system = Policy.load(tmp_path), make_system()
    decision = policy.evaluate(Request.from_call("s", "work", "vault"), system)
    assert (
        decision.verdict is Verdict.DENY and decision.rule.where == f"{tmp_path}/10-first.policy:1"
    )
    assert (
        policy.evaluate(Request.from_call("s", "personal", "vault"), system).verdict
        is Verdict.ALLOW
    )
    unmatched = policy.evaluate(Request.from_call("other", "work", "vault"), system)
    assert unmatched.verdict is Verdict.DENY and unmatched.rule is None
    assert "default deny" in unmatched.explain()


def test_service_and_argument_matching():
    policy = "s +a work vault allow\ns * work vault deny\n* * work tpl allow\n"
    assert verdict_of(policy, "s+a", "work", "vault")["decision"] == "allow"
    assert verdict_of(policy, "s+b", "work", "vault")["decision"] == "deny"
    assert verdict_of(policy, "s", "work", "vault")["decision"] == "deny"  # '+' is not '+a'
    assert verdict_of("s + work vault allow\n", "s", "work", "vault")["decision"] == "allow"
    assert verdict_of(policy, "t+anything", "work", "tpl")["decision"] == "allow"


def test_allow_resolves_and_redirects():
    assert verdict_of("s * work @dispvm allow\n", "s", "work", "@dispvm") == {
        "decision": "allow", "target": "@dispvm:dvm"}  # the source's default_dispvm
    assert verdict_of("s * @anyvm @dispvm allow\n", "s", "personal", "@dispvm") == {
        "decision": "allow", "target": "@dispvm:otherdvm"}
    assert verdict_of("s * work @default allow target=vault\n", "s", "work", "") == {
        "decision": "allow", "target": "vault"}
    assert verdict_of("s * work @default allow target=dom0\n", "s", "work", "@default") == {
        "decision": "allow", "target": "dom0"}
    assert verdict_of("s * work @anyvm allow target=@dispvm:otherdvm\n", "s", "work", "vault") == {
        "decision": "allow", "target": "@dispvm:otherdvm"}
    assert verdict_of("s * work @adminvm allow\n", "s", "work", "dom0") == {
        "decision": "allow", "target": "dom0"}
    # a target written as uuid: is reported as written; an unknown source still matches @anyvm
    assert verdict_of("s * @anyvm @anyvm allow\n", "s", "ghost", "uuid:u-vault") == {
        "decision": "allow", "target": "uuid:u-vault"}


@pytest.mark.parametrize(
    "policy, source, target, reason",
    [
        ("s * work @anyvm allow\n", "work", "@default", "names a target"),  # no target anywhere
        ("s * vault @dispvm allow\n", "vault", "@dispvm", "no default disposable"),
        ("s * work @anyvm allow target=ghost\n", "work", "vault", "names a target"),
        ("s * work @anyvm allow target=@dispvm:vault\n", "work", "tpl", "not a template"),
        ("s * work @anyvm allow autostart=no\n", "work", "vault", "not running"),  # vault is halted
        ("s * work @dispvm allow autostart=no\n", "work", "@dispvm", "not running"),
        ("s * @anyvm @anyvm allow\n", "work", "ghost", "names a target"),  # ghost is @default
        ("s * @anyvm @anyvm allow\n", "work", "@dispvm:vault", "not a template for disposables"),
        ("s * @anyvm @anyvm allow\n", "work", "@tag:office", "invalid target"),
        ("s * work tpl deny\ns * work @anyvm ask default_target=tpl\n", "work", "vault",
         "not among the candidates"),
        ("s * work @tag:nothing ask\n", "work", "vault", "no rule matched"),
        ("s * work @default ask\n", "work", "@default", "no domain to ask about"),
    ],
)
def test_unresolvable_allows_are_denied(policy, source, target, reason):
    decision = decide(policy, "s", source, target)
    assert decision.verdict is Verdict.DENY
    assert reason in decision.explain()


def test_running_target_with_autostart_no_is_allowed():
    assert verdict_of("s * vault @anyvm allow autostart=no\n", "s", "vault", "work") == {
        "decision": "allow", "target": "work"}


def test_ask_candidates_are_the_token_expansion_without_the_source():
    everything = [*GUESTS, "@dispvm:dvm", "@dispvm:otherdvm"]
    decision = decide("s * work @anyvm ask\n", "s", "work", "@default")
    assert decision.to_json() == {
        "decision": "ask", "targets": sorted(set(everything) - {"work"}), "default_target": None}
    # '*' adds the admin domain (as dom0); nothing is pre-selected unless the rule says so.
    decision = decide("s * work * ask\n", "s", "work", "vault")
    assert decision.targets == tuple(sorted({*everything, "dom0"} - {"work"}))
    assert decision.default_target is None
    # every allow or ask rule for the call's service and source adds its targets; deny removes
    decision = decide("s * work vault ask\ns * work tpl allow\ns * work tpl deny\n"
                      "s * @anyvm personal ask\n", "s", "work", "vault")
    assert decision.targets == ("personal", "tpl", "vault")
    policy = "s * work vault ask\ns * work tpl deny\ns * work tpl allow\n"
    decision = decide(policy, "s", "work", "vault")
    assert decision.targets == ("vault",)


def test_ask_with_tags_default_target_and_redirect():
    assert verdict_of("s * work @tag:office ask\n", "s", "work", "personal") == {
        "decision": "ask", "targets": ["personal"], "default_target": None}
    policy = "s * work @tag:office ask default_target=personal\n"
    assert verdict_of(policy, "s", "work", "personal") == {
        "decision": "ask", "targets": ["personal"], "default_target": "personal"}
    # target= makes it the only candidate
    assert verdict_of("s * work @anyvm ask target=vault\n", "s", "work", "personal") == {
        "decision": "ask", "targets": ["vault"], "default_target": None}
    assert verdict_of("s * work @dispvm:@tag:dvmtag ask\n", "s", "work", "@dispvm:dvm") == {
        "decision": "ask", "targets": ["@dispvm:dvm"], "default_target": None}
    assert verdict_of("s * work @dispvm ask default_target=@dispvm\n", "s", "work", "@dispvm") == {
        "decision": "ask", "targets": ["@dispvm:dvm"], "default_target": "@dispvm:dvm"}


def test_ask_with_autostart_no_offers_only_running_domains():
    decision = decide("s * work @anyvm ask autostart=no\n", "s", "work", "@default")
    assert decision.targets == ("disp7", "personal")


def test_admin_domain_under_another_name():
    system = System.from_json({"domains": {
        "admin": {"type": "AdminVM", "power_state": "Running"},
        "work": {"type": "AppVM", "power_state": "Running"},
    }})
    for target in ("admin", "dom0", "@adminvm"):
        assert decide("s * work admin allow\n", "s", "work", target, system).target == "dom0"
        assert (
            decide("s * work @anyvm allow\n", "s", "work", target, system).verdict is Verdict.DENY
        )
    assert decide("s * admin work allow\n", "s", "admin", "work", system).verdict is Verdict.ALLOW
    admin_rule = "s * @adminvm work allow\n"
    assert decide(admin_rule, "s", "@adminvm", "work", system).verdict is Verdict.ALLOW
    assert decide("s * @adminvm work allow\n", "s", "admin", "work", system).verdict is Verdict.DENY


def test_without_a_valid_policy_everything_is_denied():
    decision = evaluate(None, Request.from_call("s", "work", "vault"), make_system())
    assert decision.verdict is Verdict.DENY and "no valid policy" in decision.explain()


def test_explanation_names_file_line_and_rule_text():
    decision = decide("# c\ns * work vault allow user=root\n", "s", "work", "vault")
    assert decision.explain() == "t.policy:2: s * work vault allow user=root"
    assert decision.user == "root"
