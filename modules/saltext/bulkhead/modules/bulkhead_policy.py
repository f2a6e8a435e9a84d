"""Execution module ``bulkhead_policy``: check the installed RPC policy and evaluate calls with it.

.. code-block:: bash

    salt-call --local bulkhead_policy.check
    salt-call --local bulkhead_policy.evaluate qubes.Filecopy+ work vault \\
        system=/etc/bulkhead/system.json
"""

from saltext.bulkhead.model import PillarError
from saltext.bulkhead.policy import Policy, PolicySyntaxError, Request, System, SystemInfoError
from saltext.bulkhead.policy import evaluate as decide
from saltext.bulkhead.saltret import pillar_from

__virtualname__ = "bulkhead_policy"


def __virtual__():
    return __virtualname__


def _directory(directory):
    if directory:
        return directory
    try:
        return pillar_from(__pillar__, __opts__.get("id")).policy.dir
    except PillarError as exc:
        raise ValueError("invalid pillar:\n" + "\n".join(exc.lines)) from None


def check(directory=None):
    """``{"valid": True, "rules": N, "files": [...]}`` or ``{"valid": False, "errors": [...]}``
    (each error ``file:line: ...``), for ``directory`` (default ``bulkhead:policy:dir``); retcode 1
    when invalid.

    CLI Example:

    .. code-block:: bash

        salt-call --local bulkhead_policy.check
        salt-call --local bulkhead_policy.check directory=/etc/bulkhead/policy.d
    """
    path = _directory(directory)
    try:
        policy = Policy.load(path)
    except PolicySyntaxError as exc:
        __context__["retcode"] = 1
        return {"valid": False, "directory": path, "errors": [str(issue) for issue in exc.issues]}
    return {
        "valid": True,
        "directory": path,
        "rules": len(policy.rules),
        "files": list(policy.files),
    }


def evaluate(call, source, target="", system="/etc/bulkhead/system.json", directory=None):
    """The decision for one call (``SERVICE+ARG SOURCE TARGET``); an invalid policy denies.

    ``system`` is the domains' facts (names, tags, classes) the policy is evaluated with.

    CLI Example:

    .. code-block:: bash

        salt-call --local bulkhead_policy.evaluate qubes.Filecopy+ work vault
    """
    try:
        info = System.from_file(system)
    except SystemInfoError as exc:
        __context__["retcode"] = 1
        return {"decision": "deny", "error": f"SYSTEM.json: {exc}"}
    try:
        policy = Policy.load(_directory(directory))
    except PolicySyntaxError as exc:
        __context__["retcode"] = 1
        return {"decision": "deny", "error": str(exc)}
    decision = decide(policy, Request.from_call(call, source, target), info)
    return {**decision.to_json(), "explain": decision.explain()}
