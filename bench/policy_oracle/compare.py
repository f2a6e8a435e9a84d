"""Records compared field by field; differences counted by the fields that differ."""

from __future__ import annotations

import collections

FIELDS = ("decision", "target", "targets", "default_target", "notify", "autostart", "user", "rule")


def same(reference: dict, ours: dict) -> bool:
    if reference["decision"] == "error":  # the reference fails; a failed qrexec call is denied
        return ours["decision"] == "deny"
    return all(reference.get(f) == ours.get(f) for f in FIELDS)


def cause(reference: dict, ours: dict) -> str:
    if reference["decision"] != ours["decision"]:
        return f"decision {reference['decision']} vs {ours['decision']}"
    return "differ in " + ",".join(f for f in FIELDS if reference.get(f) != ours.get(f))


def tally(requests, reference: list[dict], ours: list[dict]):
    """(identical count, Counter of causes, first example per cause)."""
    causes: collections.Counter[str] = collections.Counter()
    examples: dict[str, tuple] = {}
    identical = 0
    for request, ref, our in zip(requests, reference, ours, strict=True):
        if same(ref, our):
            identical += 1
            continue
        key = cause(ref, our)
        causes[key] += 1
        examples.setdefault(key, (request, ref, our))
    return identical, causes, examples
