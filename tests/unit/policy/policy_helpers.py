"""Shared data for the policy tests (imported by name: the test folders are not packages)."""

from __future__ import annotations

from pathlib import Path

from saltext.bulkhead.policy import Decision, Policy, Request, System

# dom0 (admin), work and personal (AppVM, running), vault (AppVM, halted, tag secret),
# dvm (disposable template, tag dvmtag), otherdvm (disposable template),
# disp7 (a running disposable of dvm), tpl (TemplateVM).
SYSTEM = {
    "domains": {
        "dom0": {"type": "AdminVM", "tags": [], "default_dispvm": "dvm", "power_state": "Running"},
        "work": {
            "type": "AppVM",
            "tags": ["office"],
            "default_dispvm": "dvm",
            "power_state": "Running",
        },
        "personal": {
            "type": "AppVM",
            "tags": ["office"],
            "default_dispvm": "otherdvm",
            "power_state": "Running",
        },
        "vault": {
            "type": "AppVM",
            "tags": ["secret"],
            "default_dispvm": None,
            "power_state": "Halted",
        },
        "dvm": {
            "type": "AppVM",
            "tags": ["dvmtag"],
            "template_for_dispvms": True,
            "power_state": "Halted",
        },
        "otherdvm": {
            "type": "AppVM",
            "tags": [],
            "template_for_dispvms": True,
            "power_state": "Halted",
        },
        "disp7": {"type": "DispVM", "tags": [], "default_dispvm": "dvm", "power_state": "Running"},
        "tpl": {"type": "TemplateVM", "tags": [], "power_state": "Halted"},
    }
}
for _name, _info in SYSTEM["domains"].items():
    _info["uuid"] = f"u-{_name}"
GUESTS = sorted(n for n in SYSTEM["domains"] if n != "dom0")


def make_system() -> System:
    return System.from_json(SYSTEM)


def write_policy(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: content} under root (created) and return root."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def decide(
    policy_text: str, call: str, source: str, target: str, system: System | None = None
) -> Decision:
    """Evaluate one request with both evaluators; they must agree."""
    policy = Policy.from_text(policy_text, "t.policy")
    system = system or make_system()
    request = Request.from_call(call, source, target)
    decision = policy.evaluate(request, system)
    assert decision == policy.evaluate_linear(request, system)
    return decision
