"""From inside the guests: a file copy the installed policy allows is served, end to end.

The denial check (test_guest_rpc.py) passes just as well when the broker denies everything; this
one proves the other side. It looks for two running domains between which the installed policy,
settled as the running broker settles an ``ask`` (its ``--ask``: ``deny`` refuses, and so does
``terminal``, where nobody here answers; ``default-target`` takes the rule's default), lets
``qubes.Filecopy`` through to the named target. It then sends the copy of no files with
``bulkhead-rpc`` inside the caller: the real broker must log the call allowed, and the receiver in
the target must answer that it received 0 entries, exit 0. All the call leaves in the target is
its empty ``/rw/incoming/<caller>/`` folder.
"""

from __future__ import annotations

from saltext.bulkhead.rpc.authorize import authorize
from saltext.bulkhead.rpc.prompt import RefusePrompt, prompt_for
from saltext.bulkhead.rpcwire.messages import CallRequest
from saltext.bulkhead.verify.skips import no_subject, skipped

from .rpc_calls import NO_FILES, broker_facts, broker_log, broker_policy_dir, logged_since

FILECOPY = CallRequest("qubes.Filecopy", "+", "@default").call
RECEIVER = "/usr/lib/bulkhead/rpc-services/qubes.Filecopy"


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
