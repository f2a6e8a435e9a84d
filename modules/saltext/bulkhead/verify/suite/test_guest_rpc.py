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
settled as the running broker settles an ``ask`` (its ``--ask``: ``deny`` refuses, and so does
``terminal``, where nobody here answers; ``default-target`` takes the rule's default), lets
``qubes.Filecopy`` through to the named target. It then sends the copy of no files with
``bulkhead-rpc`` inside the caller: the real broker must log the call allowed, and the receiver in
the target must answer that it received 0 entries, exit 0. All the call leaves in the target is
its empty ``/rw/incoming/<caller>/`` folder.
"""

from __future__ import annotations

from saltext.bulkhead.guest.client import REFUSED_RC
from saltext.bulkhead.policy import Policy, PolicySyntaxError
from saltext.bulkhead.rpc.authorize import authorize
from saltext.bulkhead.rpc.prompt import HookPrompt, RefusePrompt, prompt_for
from saltext.bulkhead.rpcwire.messages import SERVICE, CallRequest
from saltext.bulkhead.verify.skips import no_subject, skipped

from .rpc_calls import NO_FILES, broker_facts, broker_log, broker_policy_dir, logged_since

PROBE_SERVICE = "bulkhead.VerifyProbe"
FILECOPY = CallRequest("qubes.Filecopy", "+", "@default").call
RECEIVER = "/usr/lib/bulkhead/rpc-services/qubes.Filecopy"
# Counts as allowing whatever an ask rule offers: only calls denied regardless of the answer count.
LENIENT = HookPrompt(lambda _source, _call, targets, default: default or (targets[0] if targets else None))


def _services(policy_dir: str) -> list[str]:
    try:
        rules = Policy.load(policy_dir).rules
    except (PolicySyntaxError, OSError):
        return []  # the broker denies everything then; the probe service shows it
    named = {rule.service for rule in rules if SERVICE.fullmatch(rule.service or "")}
    return sorted(named - {PROBE_SERVICE})


def test_calls_the_policy_denies_are_refused(host, guest, bulkhead_pillar, libvirt_conn, running_domains,
                                             rpc_broker, not_running, paused_domains):
    policy_dir = broker_policy_dir(host, bulkhead_pillar, rpc_broker)
    facts = broker_facts(bulkhead_pillar, libvirt_conn)
    services = [PROBE_SERVICE, *_services(policy_dir)]
    log = broker_log(host, rpc_broker)
    # A paused domain could neither make a call nor be called: what it would be refused is unknown.
    problems, tried, without_tools = sorted(paused_domains.values()), 0, []
    for source in running_domains:
        inside = guest(source)
        if not inside.exists("bulkhead-rpc"):
            without_tools.append(source)
            continue
        denied = next((CallRequest(service, "+", target)
                       for service in services for target in running_domains
                       if target != source
                       and authorize(source, CallRequest(service, "+", target), facts, policy_dir,
                                     LENIENT).target is None), None)
        if denied is None:
            continue
        tried += 1
        before = log.size if log.exists else 0
        out = inside.run("bulkhead-rpc %s %s </dev/null", denied.target, denied.call)
        what = f"{source}: bulkhead-rpc {denied.target} {denied.call}"
        if out.rc != REFUSED_RC or "request refused" not in out.stderr:
            problems.append(f"{what} was not refused: exit {out.rc}, {out.stderr.strip()[:200]!r}")
            continue
        logged = logged_since(log, before)
        if f"call {denied.call} from {source} to {denied.target}: denied" not in logged:
            problems.append(f"{what} was refused, but the broker's log {log.path} has no denial for it")
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
    return RefusePrompt() if mode == "terminal" else prompt_for(mode)


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
    out = guest(source).run(f"{NO_FILES} | bulkhead-rpc %s %s", target, FILECOPY)
    what = f"{source}: bulkhead-rpc {target} {FILECOPY} (an empty file copy)"
    assert out.rc == 0 and out.stdout.startswith("received 0 entries"), (
        f"{what} was not served: exit {out.rc}, {out.stdout.strip()[:200]!r} "
        f"{out.stderr.strip()[:200]!r}")
    logged = logged_since(log, before)
    assert f"call {FILECOPY} from {source} to {target}: allowed to {target}" in logged, (
        f"{what} was served, but the broker's log {log.path} does not show it allowed")
