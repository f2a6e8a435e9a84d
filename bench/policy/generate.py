"""Deterministic (seeded) workload for the policy bench: a system, a policy directory, requests."""

from __future__ import annotations

import random
from pathlib import Path

from saltext.bulkhead.policy import Request, System

TAGS = [f"tag{i}" for i in range(8)]
TYPES = ["AppVM", "TemplateVM", "StandaloneVM", "DispVM"]


def generate_system(domains: int, rng: random.Random) -> System:
    """``domains`` domains in all: the admin domain, disposable templates, disposables, others."""
    names = [f"vm{i:03d}" for i in range(domains - 1)]
    templates = names[:6]
    data: dict[str, dict] = {
        "dom0": {"type": "AdminVM", "power_state": "Running", "default_dispvm": templates[0]}
    }
    for index, name in enumerate(names):
        type_ = (
            "AppVM"
            if name in templates
            else ("DispVM" if index % 12 == 11 else rng.choice(TYPES[:3] + ["AppVM"] * 5))
        )
        data[name] = {
            "type": type_,
            "tags": rng.sample(TAGS, rng.randint(0, 2)),
            "default_dispvm": rng.choice(templates),
            "template_for_dispvms": name in templates,
            "power_state": rng.choice(["Running", "Halted"]),
            "uuid": f"00000000-0000-0000-0000-{index:012d}",
        }
    return System.from_json({"domains": data})


def _token(rng: random.Random, names: list[str], templates: list[str], target: bool) -> str:
    roll = rng.random()
    if roll < 0.62:
        return rng.choice(names)
    if roll < 0.77:
        return "@tag:" + rng.choice(TAGS)
    if roll < 0.83:
        return "@type:" + rng.choice(TYPES)
    if roll < 0.88:
        return rng.choice([f"@dispvm:{rng.choice(templates)}", "@dispvm:@tag:" + rng.choice(TAGS)])
    if roll < 0.93:
        return "@anyvm"
    if target:
        return rng.choice(["@default", "@dispvm", "@adminvm"])
    return "@adminvm"


def generate_rules(
    count: int, services: list[str], system: System, rng: random.Random
) -> list[str]:
    names = sorted(system.guests)
    templates = list(system.dispvm_templates)
    lines = []
    for _ in range(count - 1):
        service = rng.choice(services)
        argument = rng.choice(["*", "*", "+", f"+arg{rng.randint(0, 3)}"])
        action = rng.choices(["allow", "deny", "ask"], weights=[45, 40, 15])[0]
        params = ""
        if action == "allow" and rng.random() < 0.1:
            params = f" target={rng.choice(names)}"
        elif action == "ask" and rng.random() < 0.3:
            params = f" default_target={rng.choice(names)}"
        source = _token(rng, names, templates, target=False)
        target = _token(rng, names, templates, target=True)
        if action == "allow" and target == "@default" and not params:
            params = f" target={names[len(lines) % len(names)]}"  # the grammar requires one
        lines.append(f"{service} {argument} {source} {target} {action}{params}")
    lines.append("* * @anyvm @anyvm deny")  # the usual closing rule
    return lines


def write_policy_dir(root: Path, lines: list[str], files: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    per_file = -(-len(lines) // files)
    for index in range(files):
        chunk = lines[index * per_file:(index + 1) * per_file]
        (root / f"{index * 10:02d}-generated.policy").write_text("\n".join(chunk) + "\n")


def generate_requests(
    count: int, services: list[str], system: System, rng: random.Random
) -> list[Request]:
    names = sorted(system.guests)
    requests = []
    for _ in range(count):
        service = rng.choice(services + ["unknown.Service"])
        argument = rng.choice(["+", "+arg0", "+arg1", "+arg2", "+other"])
        source = rng.choice(names + ["dom0"])
        roll = rng.random()
        if roll < 0.7:
            target = rng.choice(names)
        elif roll < 0.8:
            target = "@default"
        elif roll < 0.9:
            target = "@dispvm"
        elif roll < 0.95:
            target = "@dispvm:" + rng.choice(system.dispvm_templates)
        else:
            target = "dom0"
        requests.append(Request(service, argument, source, target))
    return requests
