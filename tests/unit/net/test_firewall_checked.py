"""compile_checked: a client whose chain the checker refuses is closed; others keep their rules."""

from __future__ import annotations

import pytest

from saltext.bulkhead.model import FirewallRule
from saltext.bulkhead.net import RulesetCheckError, check_ruleset, compile_checked
from tests.unit.net.firewall_strategies import fake_resolver
from tests.unit.net.nft_helpers import chains, needs_nft

R = FirewallRule


def no_smtp(text: str) -> None:
    """A site policy on top of nft -c: no client may be allowed to reach SMTP."""
    check_ruleset(text)
    if "tcp dport 25 accept" in text:
        raise RulesetCheckError("site policy refused the ruleset", "SMTP may not be opened")


CLIENTS = {
    "work": ("10.137.0.5", [R(action="accept", proto="tcp", dstports=443)]),
    "spam": (
        "10.137.0.6",
        [
            R(action="accept", proto="udp", dstports=53),
            R(action="accept", proto="tcp", dstports=25),
        ],
    ),
}


def compile_(clients, check):
    return compile_checked("sys-net", clients, 1000, fake_resolver, dns=["10.137.0.2"], check=check)


@needs_nft
def test_an_acceptable_ruleset_is_returned_as_compiled():
    rs = compile_(CLIENTS, check_ruleset)
    assert all(c.applied for c in rs.clients)


@needs_nft
def test_only_the_refused_client_is_closed():
    rs = compile_(CLIENTS, no_smtp)
    parsed = chains(rs.text)
    assert parsed["client-10-137-0-6"] == ['drop comment "client spam fails closed"']
    assert parsed["client-10-137-0-5"] == ["tcp dport 443 accept", 'drop comment "client work"']
    spam = next(c for c in rs.clients if c.name == "spam")
    assert "SMTP may not be opened" in spam.closed_reason and spam.rules_applied == 0


@needs_nft
def test_a_refusal_no_client_explains_delivers_nothing():
    def refuse_everything(text: str) -> None:
        raise RulesetCheckError("refused", "whatever the clients")

    with pytest.raises(RulesetCheckError):
        compile_(CLIENTS, refuse_everything)
