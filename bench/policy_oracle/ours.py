"""bulkhead's decisions on the corpus, as records of the same shape as the reference's."""

from __future__ import annotations

import pathlib

from saltext.bulkhead.policy import Policy, PolicySyntaxError, Request, System, Verdict
from saltext.bulkhead.policy.errors import RequestError


def decide_all(policy_dir: pathlib.Path, system: dict, requests) -> list[dict] | str:
    try:
        policy = Policy.load(policy_dir)
    except PolicySyntaxError as exc:
        return str(exc)
    system_ = System.from_json(system)
    return [record(policy, system_, request, policy_dir) for request in requests]


def record(policy: Policy, system: System, request, policy_dir: pathlib.Path) -> dict:
    try:
        found = policy.evaluate(Request(*request), system)
    except RequestError:  # a request the broker refuses before the policy: denied
        return {"decision": "deny", "notify": True, "rule": None}
    where = None
    if found.rule is not None:
        where = f"{pathlib.PurePath(found.rule.file).relative_to(policy_dir)}:{found.rule.line}"
    if found.verdict is Verdict.DENY:
        return {"decision": "deny", "notify": found.notify, "rule": where}
    result = {"notify": found.notify, "autostart": found.autostart, "user": found.user}
    if found.verdict is Verdict.ALLOW:
        result.update(decision="allow", target=found.target)
    else:
        result.update(decision="ask", targets=sorted(found.targets),
                      default_target=found.default_target)
    result["rule"] = where
    return result


def accepts(files: dict[str, str], main: str) -> str | None:
    try:
        Policy.from_files(files, main)
    except PolicySyntaxError as exc:
        return str(exc)
    return None
