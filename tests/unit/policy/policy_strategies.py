"""Hypothesis strategies: small random systems, policies over their names, and requests."""

from __future__ import annotations

from hypothesis import strategies as st

from saltext.bulkhead.policy import Policy, Request, System

NAMES = ["work", "vault", "dvm", "dvm2", "disp1"]
TAGS = ["red", "blue"]
SERVICES = ["a", "b"]
ARGS = ["+", "+x"]


@st.composite
def systems(draw) -> System:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=3, unique=True))
    templates = [n for n in names if n.startswith("dvm")]
    domains: dict[str, dict] = {
        "dom0": {
            "type": "AdminVM",
            "power_state": "Running",
            "uuid": "0",
            "tags": draw(st.lists(st.sampled_from(TAGS), unique=True)),
            "default_dispvm": draw(st.sampled_from([None, *templates])),
        }
    }
    for name in names:
        domains[name] = {
            "type": "DispVM" if name.startswith("disp") else draw(
                st.sampled_from(["AppVM", "TemplateVM", "StandaloneVM", "RemoteVM"])),
            "uuid": str(NAMES.index(name) + 1),
            "internal": draw(st.integers(0, 5)) == 0,
            "label": "red",  # a field the engine ignores
            "tags": draw(st.lists(st.sampled_from(TAGS), unique=True)),
            "default_dispvm": draw(st.sampled_from([None, *templates])),
            "template_for_dispvms": name in templates and draw(st.integers(0, 3)) > 0,
            "power_state": draw(st.sampled_from(["Running", "Halted"])),
        }
    return System.from_json({"domains": domains})


UUIDS = ["uuid:0", "uuid:1", "uuid:3", "uuid:9"]  # dom0, work, dvm, nobody
SOURCE_TOKENS = ["*", "@anyvm", "@adminvm", "dom0", *NAMES, "ghost", *(f"@tag:{t}" for t in TAGS),
                 "@type:AppVM", "@type:DispVM", "@type:AdminVM", "@dispvm:dvm", "@dispvm:@tag:red",
                 *UUIDS, "@dispvm:ghost"]
TARGET_TOKENS = [*SOURCE_TOKENS, "@default", "@dispvm", "@dispvm:dvm2", "@dispvm:uuid:3"]
REDIRECTS = ["vault", "dom0", "@adminvm", "@dispvm", "@dispvm:dvm", "ghost", "uuid:3", "uuid:0",
             "@dispvm:uuid:4", "@dispvm:ghost"]


@st.composite
def rule_lines(draw) -> str:
    service = draw(st.sampled_from([*SERVICES, "*"]))
    argument = "*" if service == "*" else draw(st.sampled_from(["*", *ARGS]))
    source = draw(st.sampled_from(SOURCE_TOKENS))
    target = draw(st.sampled_from(TARGET_TOKENS))
    action = draw(st.sampled_from(["allow", "deny", "ask"]))
    params = []
    if action != "deny":
        if draw(st.booleans()) or (action == "allow" and target == "@default"):
            params.append(f"target={draw(st.sampled_from(REDIRECTS))}")
        if draw(st.booleans()):
            params.append(f"autostart={draw(st.sampled_from(['yes', 'no']))}")
    if action == "ask" and draw(st.booleans()):
        params.append(f"default_target={draw(st.sampled_from(REDIRECTS))}")
    return " ".join([service, argument, source, target, action, *params])


policies = st.lists(rule_lines(), max_size=30).map(
    lambda lines: Policy.from_text("\n".join(lines) + "\n")
)

requests = st.builds(
    Request,
    st.sampled_from([*SERVICES, "c"]),
    st.sampled_from(ARGS),
    st.sampled_from([*NAMES, "dom0", "@adminvm", "ghost", "uuid:1", "uuid:9", "@dispvm:dvm"]),
    st.sampled_from([*NAMES, "dom0", "@adminvm", "ghost", "", "@default", "@dispvm", "@dispvm:dvm",
                     "@dispvm:dvm2", "@dispvm:vault", *UUIDS, "@dispvm:uuid:3", "@tag:red"]),
)
