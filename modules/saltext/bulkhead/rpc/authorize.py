"""From a caller's request to the one domain the call may go to, or a refusal with its reason.

The installed policy is loaded for every call, so the policy in force is always the one on disk
(an invalid policy denies everything, as the engine does). The source is the channel's domain,
never something the caller wrote.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..policy import (
    Policy,
    PolicySyntaxError,
    Request,
    RequestError,
    System,
    SystemInfoError,
    Verdict,
    evaluate,
)
from ..policy.decision import ADMIN_OUTPUT
from ..policy.request import DISPVM_PREFIX
from ..rpcwire.messages import CallRequest
from .host import Host
from .prompt import Prompt


@dataclass(frozen=True)
class Authorization:
    target: str | None  # the domain to run the service in; None: denied
    why: str  # the deciding rule or the reason for a refusal (for the log)
    running: bool = False  # the target was running when the policy was evaluated
    # Set when the call goes to a disposable of this template (the target is "@dispvm:X"): the
    # broker picks a halted one from ``system``, the facts the policy was evaluated against.
    disposable_of: str | None = None
    system: System | None = None


def authorize(source: str, request: CallRequest, host: Host, policy_dir: str | os.PathLike[str],
              prompt: Prompt) -> Authorization:
    try:
        system = host.system()
    except (SystemInfoError, OSError, ValueError) as exc:
        return Authorization(None, f"the host's domains cannot be read: {exc}")
    try:
        policy: Policy | None = Policy.load(policy_dir)
        broken = ""
    except PolicySyntaxError as exc:
        policy, broken = None, f" (policy does not parse: {len(exc.issues)} issue(s))"
    try:
        decision = evaluate(
            policy, Request(request.service, request.argument, source, request.target), system
        )
    except RequestError as exc:
        return Authorization(None, str(exc))
    why = decision.explain() + broken
    if decision.verdict is Verdict.DENY:
        return Authorization(None, why)
    target = decision.target
    if decision.verdict is Verdict.ASK:
        target = prompt.choose(source, request.call, decision.targets, decision.default_target)
        if target not in decision.targets:
            return Authorization(None, f"{why}; ask: refused")
        why = f"{why}; ask: chose {target}"
    if target is not None and target.startswith(DISPVM_PREFIX):
        # The engine resolved @dispvm (through the caller's default_dispvm) to this form already.
        return Authorization(target, why, disposable_of=target[len(DISPVM_PREFIX):], system=system)
    if target is None or target.startswith("@") or target == ADMIN_OUTPUT:
        # The admin domain (the engine reports it as "dom0") runs no services for guests.
        return Authorization(None, f"{why}; {target} is not served by this broker")
    if target == source:
        return Authorization(None, f"{why}; a domain cannot call itself")
    info = system.guest(target)
    return Authorization(target, why, running=info is not None and info.running)
