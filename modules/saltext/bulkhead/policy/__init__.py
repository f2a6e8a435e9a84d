"""The RPC policy engine: qrexec policy v5 files parsed, compiled and evaluated (Salt-free).

    policy = Policy.load("/etc/bulkhead/policy.d")          # raises PolicySyntaxError (file:line)
    system = System.from_file("system.json")
    decision = policy.evaluate(Request.from_call("qubes.Filecopy+", "work", "vault"), system)
    decision.to_json(), decision.explain()                   # the deciding rule's file:line and text
"""

from .decision import Decision
from .errors import PolicyIssue, PolicySyntaxError, RequestError, SystemInfoError
from .policy import DEFAULT_POLICY_DIR, Policy, evaluate
from .request import Request
from .rules import Action, Rule, Verdict
from .system import DomainInfo, System
from .tokens import Kind, Token

__all__ = [
    "DEFAULT_POLICY_DIR", "Action", "Decision", "DomainInfo", "Kind", "Policy", "PolicyIssue",
    "PolicySyntaxError", "Request", "RequestError", "Rule", "System", "SystemInfoError", "Token",
    "Verdict", "evaluate",
]
