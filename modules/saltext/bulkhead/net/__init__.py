"""Per-netvm nftables firewalls compiled on the host from the clients' pillar rules (Salt-free)."""

from __future__ import annotations

from . import boot_ruleset
from .boot_ruleset import BootRulesetError
from .check import check_ruleset
from .checked import compile_checked
from .compile import ClientSummary, NetvmInterfaces, Ruleset, compile_netvm_ruleset
from .destinations import Resolver, system_resolver
from .diff import describe_rule, diff_clients, diff_rules, ruleset_changes
from .errors import FirewallCompileError, RulesetCheckError
from .pillar_rulesets import netvm_clients, pillar_rulesets

__all__ = [
    "BootRulesetError",
    "ClientSummary",
    "boot_ruleset",
    "FirewallCompileError",
    "NetvmInterfaces",
    "Resolver",
    "Ruleset",
    "RulesetCheckError",
    "check_ruleset",
    "compile_checked",
    "compile_netvm_ruleset",
    "describe_rule",
    "diff_clients",
    "diff_rules",
    "netvm_clients",
    "pillar_rulesets",
    "ruleset_changes",
    "system_resolver",
]
