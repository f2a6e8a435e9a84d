"""Properties of the compiler over random rule lists that the model accepts."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from saltext.bulkhead.model import FirewallRule
from saltext.bulkhead.net import FirewallCompileError, check_ruleset, compile_netvm_ruleset
from saltext.bulkhead.net.nft_text import chain_name
from tests.unit.net.firewall_strategies import (
    client_addresses,
    client_maps,
    fake_resolver,
    hostile_strings,
)
from tests.unit.net.nft_helpers import chains, needs_nft, vmap_entries

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = 1_700_000_000


def compile_(clients, resolve=fake_resolver):
    return compile_netvm_ruleset("sys-net", clients, NOW, resolve, dns=["10.137.0.2"])


@needs_nft
@SETTINGS
@given(client_maps())
def test_valid_rules_always_compile_to_text_nft_accepts(clients):
    check_ruleset(compile_(clients).text)


@SETTINGS
@given(client_maps())
def test_every_client_chain_ends_in_drop(clients):
    parsed = chains(compile_(clients).text)
    client_chains = {name: body for name, body in parsed.items() if name.startswith("client-")}
    assert len(client_chains) == len(clients)
    for body in client_chains.values():
        assert body[-1].startswith("drop comment ")
        assert all(" jump " not in s and " goto " not in s for s in body)


@SETTINGS
@given(client_maps(), client_addresses)
def test_only_listed_clients_can_be_jumped_to(clients, stranger):
    assume(stranger not in {addr for addr, _ in clients.values()})
    rs = compile_(clients)
    assert rs.clients == tuple(sorted(rs.clients, key=lambda c: c.address))
    expected = {str(addr): chain_name(addr) for addr, _ in clients.values()}
    jump_statements = [s for body in chains(rs.text).values() for s in body if "jump" in s]
    for statement in jump_statements:
        assert vmap_entries(statement) == expected
    assert chain_name(stranger) not in chains(rs.text)


@SETTINGS
@given(client_maps())
def test_same_input_same_bytes(clients):
    assert compile_(clients).text == compile_(dict(sorted(clients.items(), reverse=True))).text


@SETTINGS
@given(hostile_strings, st.booleans())
def test_hostile_dsthost_is_refused_or_absent(hostile, expired):
    with pytest.raises(ValidationError):
        FirewallRule.model_validate({"action": "accept", "dsthost": hostile})
    rule = FirewallRule.model_construct(
        action="accept", dsthost=hostile, expire=1 if expired else None
    )
    # Every hostile string carries a metacharacter, so the compiler must refuse it outright.
    with pytest.raises(FirewallCompileError, match="dsthost"):
        compile_({"a": ("10.137.0.5", [rule])})


@SETTINGS
@given(hostile_strings)
def test_hostile_resolver_answers_never_reach_the_text(hostile):
    rule = FirewallRule(action="accept", dsthost="mirror.example.org")
    rs = compile_({"a": ("10.137.0.5", [rule])}, resolve=lambda name: ["192.0.2.1", hostile])
    # The answer closes the client: the text is exactly that of a name that did not resolve.
    assert not rs.clients[0].applied
    assert rs.text == compile_({"a": ("10.137.0.5", [rule])}, resolve=lambda name: []).text


@SETTINGS
@given(hostile_strings)
def test_hostile_comment_is_refused(hostile):
    with pytest.raises(ValidationError):
        FirewallRule.model_validate({"action": "accept", "comment": hostile})
    with pytest.raises(FirewallCompileError):
        compile_(
            {"a": ("10.137.0.5", [FirewallRule.model_construct(action="accept", comment=hostile)])}
        )


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)), min_size=1, max_size=8))
def test_overlapping_destinations_from_a_name_collapse_to_a_valid_set(nets):
    # A name may resolve to addresses that a later one covers; the set stays duplicate-free.
    answers = [str(ipaddress.IPv4Address(a)) for a, _ in nets]
    rs = compile_(
        {"a": ("10.137.0.5", [FirewallRule(action="accept", dsthost="many.example.org")])},
        resolve=lambda name: answers,
    )
    first = chains(rs.text)["client-10-137-0-5"][0]
    for answer in answers:
        assert ipaddress.IPv4Address(answer) in _matched(first)


def _matched(statement: str):
    inner = statement.removeprefix("ip daddr ").removesuffix(" accept").strip("{} ")
    networks = [ipaddress.IPv4Network(part) for part in inner.split(", ")]

    class Matched:
        def __contains__(self, addr):
            return any(addr in n for n in networks)

    return Matched()
