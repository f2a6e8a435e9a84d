"""The RPC policy engine: qrexec policy v5 files parsed, compiled and evaluated (Salt-free),
deciding as the reference qrexec engine does.

    policy = Policy.load("/etc/bulkhead/policy.d")          # raises PolicySyntaxError (file:line)
    policy = Policy.from_files({"a.policy": "...", "inc": "..."})   # the same, in memory
    system = System.from_file("system.json")
    decision = policy.evaluate(Request.from_call("qubes.Filecopy+", "work", "vault"), system)
    decision.to_record(), decision.explain()    # with the deciding rule's file:line and text
    decision.answer("vault")                                 # an ask, answered by the user
    parse_line("s * work vault allow"), format_rule(rule)   # one rule, and back
"""

from .decision import Decision
from .errors import PolicyIssue, PolicySyntaxError, RequestError, SystemInfoError
from .policy import DEFAULT_POLICY_DIR, Policy, evaluate
from .request import Request
from .rules import Action, Rule, Verdict, format_rule, parse_line, parse_service_line
from .system import DomainInfo, System
from .tokens import Kind, Token

__all__ = [
    "DEFAULT_POLICY_DIR",
    "Action",
    "Decision",
    "DomainInfo",
    "Kind",
    "Policy",
    "PolicyIssue",
    "PolicySyntaxError",
    "Request",
    "RequestError",
    "Rule",
    "System",
    "SystemInfoError",
    "Token",
    "Verdict",
    "evaluate",
    "format_rule",
    "parse_line",
    "parse_service_line",
]
