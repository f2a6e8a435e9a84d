"""Properties over random systems, policies and requests: the index decides exactly as the
linear first-match scan does, and nothing is allowed that the first matching rule forbids."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from saltext.bulkhead.policy import Policy, Verdict
from saltext.bulkhead.policy.errors import RequestError
from saltext.bulkhead.policy.match import rule_matches
from saltext.bulkhead.policy.request import normalize

from .policy_strategies import policies, requests, systems

SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(policies, systems(), st.lists(requests, min_size=1, max_size=30))
def test_index_and_linear_scan_decide_identically(policy, system, batch):
    for request in batch:
        assert policy.evaluate(request, system) == policy.evaluate_linear(request, system)


@SETTINGS
@given(policies, systems(), requests)
def test_decision_comes_from_the_first_matching_rule(policy, system, request):
    decision = policy.evaluate(request, system)
    try:
        call = normalize(request, system)
    except RequestError:
        assert decision.verdict is Verdict.DENY and decision.rule is None
        return
    matching = [r for r in policy.rules if rule_matches(r, call, system)]
    if not matching:
        assert decision.verdict is Verdict.DENY and decision.rule is None
        return
    first = matching[0]
    assert decision.rule is first
    if first.action.verdict is Verdict.DENY:
        assert decision.verdict is Verdict.DENY
    else:
        # allow/ask either keep the rule's verdict or fall back to deny, never the other way round
        assert decision.verdict in (first.action.verdict, Verdict.DENY)


@SETTINGS
@given(policies, systems(), requests)
def test_a_leading_deny_for_the_exact_call_always_wins(policy, system, request):
    # A call from the admin domain is never evaluated (as in the reference, whose AdminVM token
    # is no source); the broker only evaluates guests' calls, whose source is their channel's.
    assume(request.source != system.admin_name)
    target = "*"  # unknown and uuid: names, dom0 and @dispvm:X resolve: cover them all
    guard = Policy.from_text(f"{request.service} {request.argument} {request.source} {target} deny\n")
    combined = Policy(guard.rules + policy.rules)
    assert combined.evaluate(request, system).verdict is Verdict.DENY


@SETTINGS
@given(policies, systems(), requests)
def test_admin_domain_is_reached_only_by_rules_that_name_it(policy, system, request):
    decision = policy.evaluate(request, system)
    if decision.verdict is Verdict.ALLOW and decision.target == "dom0":
        rule = decision.rule
        named = {str(rule.target), str(rule.action.target)}
        assert named & {"@adminvm", "*", "uuid:0"}


@SETTINGS
@given(policies, systems(), requests)
def test_deny_only_policies_deny_everything(policy, system, request):
    denies = Policy([r for r in policy.rules if r.action.verdict is Verdict.DENY])
    assert denies.evaluate(request, system).verdict is Verdict.DENY
