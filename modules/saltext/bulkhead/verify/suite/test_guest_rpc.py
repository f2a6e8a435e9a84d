"""From inside the guests: a call the installed policy denies is refused, and one it allows is
served, end to end.

For each running domain that has the RPC tools, the check looks for a call (a service no domain
offers, then the services the policy names) towards another running domain that the installed
policy denies whatever an ``ask`` prompt would answer, makes it with ``bulkhead-rpc`` inside the
domain and expects the refusal (exit 126) and the broker's log line for it. The probe service
exists nowhere, so even a broker that wrongly allowed it would run nothing (the target's daemon
would answer 127, which fails the check).

The denial check passes just as well when the broker denies everything; the second check proves
the other side. It looks for two running domains between which the installed policy,
settled as the running broker settles an ``ask`` (its ``--ask``: ``deny`` refuses, and so do
``terminal`` and ``user``, where nobody here answers; ``default-target`` takes the rule's
default), lets
``qubes.Filecopy`` through to the named target. It then sends the copy of no files with
``bulkhead-rpc`` inside the caller: the real broker must log the call allowed, and the receiver in
the target must answer that it received 0 entries, exit 0. All the call leaves in the target is
its empty ``/rw/incoming/<caller>/`` folder.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from saltext.bulkhead.agent import AgentClient
from saltext.bulkhead.guest.client import REFUSED_RC
from saltext.bulkhead.plan import names
from saltext.bulkhead.policy import Policy, PolicySyntaxError
from saltext.bulkhead.rpc.authorize import authorize
from saltext.bulkhead.rpc.prompt import HookPrompt, RefusePrompt, prompt_for
from saltext.bulkhead.rpcwire.messages import SERVICE, CallRequest
from saltext.bulkhead.untrusted.text import printable
from saltext.bulkhead.verify.skips import no_subject, skipped

from .rpc_calls import NO_FILES, broker_facts, broker_log, broker_policy_dir, logged_since

PROBE_SERVICE = "bulkhead.VerifyProbe"
COPY_LIMIT_S = 120
FILECOPY = CallRequest("qubes.Filecopy", "+", "@default").call
RECEIVER = "/usr/lib/bulkhead/rpc-services/qubes.Filecopy"
# Counts as allowing whatever an ask rule offers: only calls denied regardless of the answer count.
LENIENT = HookPrompt(
    lambda _source, _call, targets, default: default or (targets[0] if targets else None)
)


def _services(policy_dir: str) -> list[str]:
    try:
        rules = Policy.load(policy_dir).rules
    except (PolicySyntaxError, OSError):
        return []  # the broker denies everything then; the probe service shows it
    named = {rule.service for rule in rules if SERVICE.fullmatch(rule.service or "")}
    return sorted(named - {PROBE_SERVICE})


def _refused(inside, source: str, denied: CallRequest | None, log) -> tuple[bool, str | None]:
    """Whether ``source`` has bulkhead-rpc, and what is wrong with its refusal of ``denied``."""
    if not inside.exists("bulkhead-rpc"):
        return False, None
    if denied is None:
        return True, None
    before = log.size if log.exists else 0
    out = inside.run("bulkhead-rpc %s %s </dev/null", denied.target, denied.call)
    what = f"{source}: bulkhead-rpc {denied.target} {denied.call}"
    if out.rc != REFUSED_RC or "request refused" not in out.stderr:
        return True, f"{what} was not refused: exit {out.rc}, {out.stderr.strip()[:200]!r}"
    line = f"call {denied.call} from {source} to {denied.target}: denied"
    if line not in logged_since(log, before):  # other domains' lines may come between: any order
        return True, f"{what} was refused, but the broker's log {log.path} has no denial for it"
    return True, None


def test_calls_the_policy_denies_are_refused(
    host,
    guest,
    bulkhead_pillar,
    libvirt_conn,
    running_domains,
    rpc_broker,
    not_running,
    paused_domains,
):
    policy_dir = broker_policy_dir(host, bulkhead_pillar, rpc_broker)
    facts = broker_facts(bulkhead_pillar, libvirt_conn)
    services = [PROBE_SERVICE, *_services(policy_dir)]
    log = broker_log(host, rpc_broker)
    # A paused domain could neither make a call nor be called: what it would be refused is unknown.
    problems, tried, without_tools = sorted(paused_domains.values()), 0, []
    denials = {}
    for source in running_domains:
        denials[source] = next((CallRequest(service, "+", target)
                                for service in services for target in running_domains
                                if target != source
                                and authorize(source, CallRequest(service, "+", target), facts,
                                              policy_dir, LENIENT).target is None), None)
    # Each domain's call in its own thread: a guest's Python start under TCG is the wait.
    with ThreadPoolExecutor(max_workers=max(len(denials), 1)) as pool:
        found = {source: pool.submit(_refused, guest(source), source, denied, log)
                 for source, denied in denials.items()}
    for source in running_domains:
        has_tools, problem = found[source].result()
        if not has_tools:
            without_tools.append(source)
        tried += denials[source] is not None and has_tools
        problems += [problem] if problem else []
    if not tried and not problems:
        if without_tools and len(without_tools) == len(running_domains):
            skipped("no running domain has bulkhead-rpc (templates built before the RPC tools): "
                    + ", ".join(without_tools))
        if len(running_domains) < 2:
            no_subject("fewer than two domains run", not_running)
        no_subject("the installed policy allows every call between the running domains",
                   not_running)
    assert not problems, "\n".join(problems)


def _broker_prompt(rpc_broker):
    mode = rpc_broker.option("--ask") or "deny"
    # Nobody answers a terminal here; the user's asks have a check of their own (guest_rpc_ask)
    return RefusePrompt() if mode in ("terminal", "user") else prompt_for(mode)


def test_a_file_copy_the_policy_allows_is_served(host, guest, bulkhead_pillar, libvirt_conn,
                                                 running_domains, rpc_broker, not_running):
    policy_dir = broker_policy_dir(host, bulkhead_pillar, rpc_broker)
    facts, prompt = broker_facts(bulkhead_pillar, libvirt_conn), _broker_prompt(rpc_broker)
    allowed = [(source, target) for source in running_domains for target in running_domains
               if source != target and authorize(source, CallRequest("qubes.Filecopy", "+", target),
                                                 facts, policy_dir, prompt).target == target]
    if not allowed:
        no_subject("the installed policy (as the broker settles ask) allows no file copy between "
                   "the running domains", not_running)
    usable = [(s, t) for s, t in allowed
              if guest(s).exists("bulkhead-rpc") and guest(t).file(RECEIVER).exists]
    if not usable:
        skipped("no domain pair the policy lets copy files has bulkhead-rpc and the receiver "
                f"(templates built before the RPC tools): {', '.join(map('->'.join, allowed))}")
    source, target = usable[0]
    log = broker_log(host, rpc_broker)
    before = log.size if log.exists else 0
    # Two guests' Python and the broker in one call: more than a plain command's 20 s under load
    ran = AgentClient(names.agent_socket(source)).run(
        f"{NO_FILES} | bulkhead-rpc {target} {FILECOPY}", timeout=COPY_LIMIT_S)
    stdout, stderr = (printable(b, backslash=False) for b in (ran.stdout, ran.stderr))
    what = f"{source}: bulkhead-rpc {target} {FILECOPY} (an empty file copy)"
    assert ran.rc == 0 and stdout.startswith("received 0 entries"), (
        f"{what} was not served: exit {ran.rc}, {stdout.strip()[:200]!r} "
        f"{stderr.strip()[:200]!r}")
    logged = logged_since(log, before)
    assert f"call {FILECOPY} from {source} to {target}: allowed to {target}" in logged, (
        f"{what} was served, but the broker's log {log.path} does not show it allowed")
