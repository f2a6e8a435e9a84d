"""A seeded corpus for comparing decisions with the reference qrexec engine: a system as Qubes
writes it (fields bulkhead ignores included), policy files using every form of the grammar
(``*``, ``@anyvm``, ``dom0``, ``@tag:``, ``@type:``, ``@dispvm:``, ``@dispvm:@tag:``,
``@default``, unknown names, every parameter, ``!include``, ``!include-service`` in the Qubes 4.0
syntax) and requests, unknown names and malformed targets included.

Left out: ``uuid:`` forms and ``internal`` domains, which the stored reference version predates.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

TAGS = [f"tag{i}" for i in range(8)]
TYPES = ["AppVM", "TemplateVM", "StandaloneVM", "DispVM", "AdminVM"]
UNKNOWN = ["ghost1", "ghost2"]


@dataclass(frozen=True)
class Corpus:
    system: dict  # {"domains": {NAME: {...}}}
    files: dict[str, str]  # policy directory: file name -> text
    requests: list[tuple[str, str, str, str]]  # service, argument, source, target
    lines: list[str]  # single rules, valid or not, checked one by one for acceptance

    def fingerprint(self) -> str:
        """Changes whenever the generator does: recorded decisions then need recording again."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    def write_policy_dir(self, root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (root / name).parent.mkdir(exist_ok=True)
            (root / name).write_text(text)
        return root

    def acceptance_cases(self) -> list[tuple[dict[str, str], str]]:
        """(files, main file): each line as a policy of its own, and every fourth in the Qubes
        4.0 syntax through ``!include-service`` (params joined to the action by commas)."""
        cases = [({"a.policy": line + "\n"}, "a.policy") for line in self.lines]
        for line in self.lines[::4]:
            words = line.split()[2:]  # SOURCE TARGET ACTION PARAMS
            text = " ".join(words[:2] + [",".join(words[2:])]).replace("@", "$")
            cases.append(({"a.policy": "!include-service svc * inc\n", "inc": text + "\n"},
                          "a.policy"))
        return cases


def generate_system(domains: int, rng: random.Random) -> dict:
    names = [f"vm{i:03d}" for i in range(domains - 1)]
    templates = names[:6]
    data = {"dom0": {"type": "AdminVM", "tags": ["admin"], "default_dispvm": templates[0],
                     "template_for_dispvms": False, "power_state": "Running",
                     "icon": "adminvm-black", "label": "black"}}
    for index, name in enumerate(names):
        roll = index % 12
        type_ = "AppVM" if name in templates else (
            "DispVM" if roll == 11 else rng.choice(["AppVM"] * 5 + TYPES[1:3]))
        data[name] = {
            "type": type_,
            "tags": rng.sample(TAGS, rng.randint(0, 2)),
            # some have none; one points at a domain that is no disposable template
            "default_dispvm": (
                None if roll == 7 else (names[8] if roll == 5 else rng.choice(templates))),
            "template_for_dispvms": name in templates,
            "power_state": rng.choice(["Running", "Halted", "Paused"]),
            "icon": "appvm-red", "label": rng.choice(["red", "blue", "green"]), "guivm": "dom0",
        }
    return {"domains": data}


def _name(rng: random.Random, names: list[str]) -> str:
    return rng.choice(UNKNOWN) if rng.random() < 0.04 else rng.choice(names)


def _source(rng, names, templates) -> str:
    if rng.random() < 0.45:
        return _name(rng, names)
    return rng.choice([
        "@tag:" + rng.choice(TAGS + ["admin"]), "@type:" + rng.choice(TYPES), "@anyvm", "*",
        "@adminvm", "dom0", "@dispvm:" + rng.choice(templates), "@dispvm:@tag:" + rng.choice(TAGS),
    ])


def _target(rng, names, templates) -> str:
    roll = rng.random()
    if roll < 0.5:
        return _name(rng, names)
    return rng.choice([
        "@tag:" + rng.choice(TAGS + ["admin"]), "@type:" + rng.choice(TYPES), "@anyvm", "*",
        "@adminvm", "dom0", "@default", "@dispvm", "@dispvm:" + rng.choice(templates),
        "@dispvm:" + rng.choice(names), "@dispvm:@tag:" + rng.choice(TAGS),
    ])


def _redirect(rng, names, templates) -> str:
    return rng.choice([_name(rng, names), _name(rng, names), "dom0", "@adminvm", "@dispvm",
                       "@dispvm:" + rng.choice(templates)])


def _params(rng, action: str, names, templates, target: str) -> list[str]:
    params = []
    if action != "deny" and (rng.random() < 0.15 or (action == "allow" and target == "@default")):
        params.append("target=" + _redirect(rng, names, templates))
    if action == "ask" and rng.random() < 0.35:
        params.append("default_target=" + _redirect(rng, names, templates))
    if action != "deny" and rng.random() < 0.1:
        params.append("user=" + rng.choice(["root", "user"]))
    if action != "deny" and rng.random() < 0.15:
        params.append("autostart=" + rng.choice(["yes", "no"]))
    if rng.random() < 0.2:
        params.append("notify=" + rng.choice(["yes", "no"]))
    rng.shuffle(params)
    return params


def _rule(rng, services, names, templates) -> tuple[str, str, str, str, list[str]]:
    source, target = _source(rng, names, templates), _target(rng, names, templates)
    action = rng.choices(["allow", "deny", "ask"], weights=[40, 35, 25])[0]
    return source, target, action, _params(rng, action, names, templates, target)


def generate_files(count: int, services: list[str], system: dict, rng: random.Random) -> dict:
    names = sorted(n for n in system["domains"] if n != "dom0")
    templates = sorted(n for n, d in system["domains"].items() if d["template_for_dispvms"])
    lines = []
    for _ in range(count - 41):
        service = rng.choice(services + ["*"])
        argument = "*" if service == "*" else rng.choice(
            ["*", "*", "+", f"+arg{rng.randint(0, 3)}"])
        source, target, action, params = _rule(rng, services, names, templates)
        lines.append(" ".join([service, argument, source, target, action, *params]))
    old = []  # the Qubes 4.0 syntax, as !include-service reads it
    for _ in range(40):
        source, target, action, params = _rule(rng, services, names, templates)
        old.append(" ".join([source, target, ",".join([action, *params])]).replace("@", "$"))
    files, per_file = {}, -(-len(lines) // 8)
    for index in range(8):
        files[f"{index * 10 + 10:02d}-generated.policy"] = "\n".join(
            lines[index * per_file:(index + 1) * per_file]) + "\n"
    files["05-include.policy"] = (
        f"!include-service {services[0]} * old-syntax\n!include shared\n"
        f"!include-service {services[1]} +arg1 old-syntax\n!include-dir included\n")
    files["old-syntax"] = "\n".join(old[:30]) + "\n$include:old-more\n"
    files["old-more"] = "\n".join(old[30:]) + "\n"
    files["included/10-a.policy"] = f"{services[3]} * @anyvm @dispvm allow\n"
    files["included/20-b.policy"] = f"{services[3]} +arg1 @anyvm @anyvm ask target=@dispvm\n"
    files["shared"] = f"{services[2]} * @anyvm @anyvm ask default_target=@dispvm\n"
    files["99-final.policy"] = "* * @anyvm @anyvm deny\n"
    return files


def generate_requests(count: int, services: list[str], system: dict, rng: random.Random) -> list:
    names = sorted(n for n in system["domains"] if n != "dom0")
    templates = sorted(n for n, d in system["domains"].items() if d["template_for_dispvms"])
    requests = []
    for _ in range(count):
        service = rng.choice(services + ["unknown.Service"])
        argument = rng.choice(["+", "+arg0", "+arg1", "+arg2", "+other"])
        source = rng.choice(names + ["dom0", "ghost1"])
        target = rng.choice([
            *[_name(rng, names)] * 14, "@default", "", "@dispvm",
            "@dispvm:" + rng.choice(templates),
            "@dispvm:" + rng.choice(names), "dom0", "@adminvm", "@anyvm", "@tag:tag1",
        ])
        requests.append((service, argument, source, target))
    return requests


def generate_lines(count: int, system: dict, rng: random.Random) -> list[str]:
    """Rules one at a time, each a small mutation of a valid one: for acceptance only."""
    names = sorted(n for n in system["domains"] if n != "dom0")
    templates = sorted(n for n, d in system["domains"].items() if d["template_for_dispvms"])
    mutations = [lambda f: f] * 12 + [  # a third valid as generated
        lambda f: f[:-1], lambda f: [*f, "notify=maybe"], lambda f: [*f, "bogus=1"],
        lambda f: [*f, "target=@anyvm"], lambda f: [*f, "target=@default"], lambda f: [*f, "x"],
        lambda f: [*f, "default_target=vm001"], lambda f: [*f, "notify=yes", "notify=no"],
        lambda f: [f[0], "arg", *f[2:]], lambda f: ["*", "+a", *f[2:]], lambda f: [*f[:4], "maybe"],
        lambda f: [f[0], f[1], "@default", *f[3:]],
        lambda f: [f[0], f[1], f[2], "@dispvm:", *f[4:]],
        lambda f: [f[0], f[1], "@tag:", *f[3:]], lambda f: [f[0], f[1], f[2], "@invalid", *f[4:]],
        lambda f: ["a+b", *f[1:]], lambda f: [f[0], "+a/b", *f[2:]],
        lambda f: [*f[:3], "@default", "allow"], lambda f: [*f[:3], "@default", "ask"],
        lambda f: [*f, "autostart=no", "user=u"], lambda f: [*f, "target=@dispvm:@tag:x"],
    ]
    lines = []
    for _ in range(count):
        source, target, action, params = _rule(rng, [], names, templates)
        fields = ["svc", rng.choice(["*", "+", "+a"]), source, target, action, *params]
        lines.append(" ".join(rng.choice(mutations)(fields)))
    return lines + DIRECTIVES


# Directive lines, each a policy of its own (no file "inc" exists): all refused but !compat-4.0.
DIRECTIVES = ["!include", "!include a b", "!include inc", "!include-dir", "!include-dir a b",
              "!include-service svc *", "!include-service svc * inc", "!include-service s+v * inc",
              "!include-service * +a inc", "!compat-4.0", "!compat-4.0 x", "!bogus", "!"]


def generate(seed: int = 1, domains: int = 60, rules: int = 1000, requests: int = 20000,
             lines: int = 2000) -> Corpus:
    rng = random.Random(seed)
    services = [f"bench.Service{i}" for i in range(12)]
    system = generate_system(domains, rng)
    return Corpus(system, generate_files(rules, services, system, rng),
                  generate_requests(requests, services, system, rng),
                  generate_lines(lines, system, rng))
