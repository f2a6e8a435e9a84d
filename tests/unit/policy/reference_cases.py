"""The reference engine's parser tests (qubes-core-qrexec qrexec/tests/policy_parser.py), ported
case by case as data: inputs and the decisions the reference gives. Checked by
test_policy_reference.py; ``python -m tests.unit.policy.reference_check`` prints the agreement."""

from __future__ import annotations

from .reference_system import ALL, TEMPLATES, U

UUID0 = "uuid:" + U["dom0"]
D8A = "uuid:d8a249f1-b02b-4944-a9e5-437def2fbe2c"

# (position, token, accepted) -- TC_00 test_010, 020, 030, 040
_TOKENS = {
    "source": (
        "test-vm1 @adminvm dom0 @anyvm * @type:AppVM @tag:tag1 @dispvm:default-dvm "
        f"@dispvm:@tag:tag3 {D8A}",
        f"@default @uuid: @uuid:{D8A[5:]} @dispvm @invalid @dispvm: @dispvm:@tag: @tag: @type:",
    ),
    "target": (
        f"test-vm1 @adminvm dom0 @anyvm * @default @type:AppVM @tag:tag1 @dispvm "
        f"@dispvm:default-dvm @dispvm:@tag:tag3 {D8A}",
        "@invalid @dispvm: @dispvm:@tag: @tag: @type:",
    ),
    "redirect": (
        f"test-vm1 @adminvm dom0 {UUID0} @dispvm @dispvm:default-dvm",
        "@anyvm * @default @type:AppVM @tag:tag1 @dispvm:@tag:tag3 @invalid @dispvm: "
        "@dispvm:@tag: @tag: @type:",
    ),
    "intended": (
        f"{UUID0} test-vm1 @adminvm dom0 @default @dispvm @dispvm:default-dvm",
        "@anyvm * @type:AppVM @tag:tag1 @dispvm:@tag:tag3 @invalid @dispvm: @dispvm:@tag: "
        "@tag: @type:",
    ),
}
TOKENS = [
    (pos, tok, ok)
    for pos, (good, bad) in _TOKENS.items()
    for ok, words in ((True, good), (False, bad))
    for tok in words.split()
]
TOKENS += [(pos, "", False) for pos in _TOKENS]

_APPVMS = [
    "test-vm1",
    "test-vm2",
    "test-vm3",
    "test-vm4",
    "default-dvm",
    "test2-vm1",
    "test2-relayvm1",
    "test2-relayvm2",
    "test-invalid-dvm",
    "test-no-dvm",
    "test-relayvm1",
]
_TAG1 = ["test-vm1", "test-invalid-dvm", "test-template", "test-standalone", "test-no-dvm"]
# (target token, what it expands to as ask candidates) -- TC_00 test_021; "@dispvm" itself is
# dropped because the asking source here has no default disposable template.
EXPAND = [
    ("test-vm1", ["test-vm1"]),
    ("@adminvm", ["dom0"]),
    ("dom0", ["dom0"]),
    (UUID0, ["dom0"]),
    ("uuid:" + U["test-vm2"], ["test-vm2"]),
    ("@anyvm", ALL + TEMPLATES),
    ("*", ALL + TEMPLATES + ["dom0"]),
    ("@default", []),
    ("@type:AppVM", _APPVMS),
    ("@type:TemplateVM", ["test-template"]),
    ("@tag:tag1", _TAG1),
    ("@tag:tag2", _TAG1 + ["test-vm2"]),
    ("@tag:no-such-tag", []),
    ("@dispvm", []),
    ("@dispvm:default-dvm", ["@dispvm:default-dvm"]),
    ("@dispvm:test-vm1", []),
    ("@dispvm:test-vm3", ["@dispvm:test-vm3"]),
    ("@dispvm:@tag:tag1", []),
    ("@dispvm:@tag:tag3", ["@dispvm:test-vm3"]),
    ("@dispvm:uuid:" + U["test-vm3"], ["@dispvm:test-vm3"]),
]

F3E = "uuid:" + U["default-dvm"]
# (target token, intended target, matches) -- TC_00 test_100
MATCH = [
    (UUID0, "@adminvm", True),
    (UUID0, "dom0", True),
    (UUID0, "@dispvm:default-dvm", False),
    (UUID0, "test-vm1", False),
    ("@anyvm", "test-vm1", True),
    ("@anyvm", "@default", True),
    ("@default", "@default", True),
    ("@tag:tag1", "test-vm1", True),
    ("@type:AppVM", "test-vm1", True),
    ("@type:TemplateVM", "test-template", True),
    ("@anyvm", "@dispvm", True),
    ("@anyvm", "@dispvm:default-dvm", True),
    ("@dispvm", "@dispvm", True),
    ("@dispvm:@tag:tag3", "@dispvm:test-vm3", True),
    ("@adminvm", "@adminvm", True),
    ("@adminvm", "dom0", True),
    ("dom0", "@adminvm", True),
    ("dom0", "dom0", True),
    ("@dispvm:default-dvm", "@dispvm:default-dvm", True),
    ("*", "test-vm1", True),
    ("*", "@dispvm", True),
    ("*", "@adminvm", True),
    ("@default", "no-such-vm", True),
    ("@default", "test-vm1\n", True),
    ("@default", "test-vm1  ", True),
    ("@default", "test-vm1", False),
    ("@tag:tag1", "test-vm3", False),
    ("@dispvm:@tag:tag1", "@dispvm:test-vm3", False),
    ("@dispvm:@tag:tag3", "@dispvm:default-dvm", False),
    ("@anyvm", "dom0", False),
    ("@anyvm", "@adminvm", False),
    ("@tag:dom0-tag", "@adminvm", False),
    ("@type:AdminVM", "@adminvm", False),
    ("@tag:dom0-tag", "dom0", False),
    ("@type:AdminVM", "dom0", False),
    ("@tag:tag1", "dom0", False),
    ("@dispvm", "test-vm1", False),
    ("@dispvm", "default-dvm", False),
    ("@dispvm:default-dvm", "default-dvm", False),
    ("uuid:" + U["test-standalone"], "test-standalone", True),
    (F3E, "default-dvm", True),
    ("@dispvm:" + F3E, "@dispvm:" + F3E, True),
    ("@dispvm:" + F3E, "@dispvm:default-dvm", True),
    ("@dispvm:default-dvm", "@dispvm:" + F3E, True),
    ("test-standalone", "uuid:" + U["test-standalone"], True),
]

# Request targets refused before any rule -- TC_00 test_101, TC_01 test_002
REFUSED_TARGETS = [
    "@dispvm:test-vm1",
    "@tag:tag1",
    "@type:AppVM",
    "@invalid",
    "@dispvm:test-invalid-dvm",
    "@anyvm",
    "@dispvm:@tag:tag1",
]

S = "test.Service +argument "
# 5-column lines the reference refuses -- TC_10 test_030
# Rests of lines the reference refuses in both forms -- TC_10 and TC_11 test_030
_BAD_RESTS = [
    "@dispvm @default allow",
    "@default @default allow",
    "@anyvm @default allow,target=@dispvm:@tag:tag1",
    "@anyvm @default allow,target=@tag:tag1",
    "@anyvm @default deny,target=test-vm1",
    "@anyvm @anyvm deny,default_target=test-vm1",
    "@anyvm @anyvm deny,user=user",
    "@anyvm @anyvm invalid",
    "@anyvm @anyvm allow,invalid=xx",
    "@anyvm @anyvm",
    "@anyvm @anyvm allow,default_target=test-vm1",
    "@invalid @anyvm allow",
    "@anyvm @invalid deny",
    "@anyvm @anyvm allow extra",
    "@anyvm @default allow",
]
# 5-column lines the reference refuses
BAD_LINES = [S + rest for rest in _BAD_RESTS] + [
    S + "@anyvm @anyvm allow notify",
    S + "@anyvm @anyvm allow notify=xx",
    "",
    "* +argument @anyvm @default allow",
]
# 3-column (!include-service) lines the reference refuses
BAD_SERVICE_LINES = [*_BAD_RESTS, ""]
# (line, source, target, verdict, action target, default_target, user) -- TC_10/TC_11 test_02x;
# the same rest of line is read in both forms (the last one only in the 3-column form).
GOOD_LINES = [
    ("@anyvm @anyvm ask", "@anyvm", "@anyvm", "ask", None, None, None),
    (
        "@tag:tag1 @type:AppVM ask target=test-vm2 user=user",
        "@tag:tag1",
        "@type:AppVM",
        "ask",
        "test-vm2",
        None,
        "user",
    ),
    (
        "@anyvm @default allow target=@dispvm:test-vm2",
        "@anyvm",
        "@default",
        "allow",
        "@dispvm:test-vm2",
        None,
        None,
    ),
    (
        "@anyvm @default ask default_target=test-vm1",
        "@anyvm",
        "@default",
        "ask",
        None,
        "test-vm1",
        None,
    ),
    (
        "@anyvm @adminvm ask default_target=@adminvm",
        "@anyvm",
        "@adminvm",
        "ask",
        None,
        "@adminvm",
        None,
    ),
]
GOOD_SERVICE_ONLY = [
    (
        "@anyvm @default ask,default_target=test-vm1",
        "@anyvm",
        "@default",
        "ask",
        None,
        "test-vm1",
        None,
    )
]
# Lines that format back to themselves -- TC_10 test_060
ROUND_TRIP = [
    "test.Service\t+argument\t@anyvm\t@anyvm\tallow",
    "test.Service\t+argument\t@anyvm\t@anyvm\task",
    "test.Service\t+argument\t@anyvm\t@anyvm\tdeny",
    "test.Service\t*\t@anyvm\t@anyvm\tdeny",
    "test.Service\t+argument\t@anyvm\t@dispvm:default-dvm\tallow",
    "test.Service\t+argument\t@tag:tag1\t@type:AppVM\task target=test-vm2 user=user",
    "test.Service\t+argument\t@anyvm\t@anyvm\tallow target=@adminvm",
]
# (action, parameter, notify, autostart) -- test_line_notify, test_line_autostart
FLAGS = [("deny", "", True, True), ("ask", "", False, True), ("allow", "", False, True)]
FLAGS += [(a, "notify=yes", True, True) for a in ("deny", "ask", "allow")]
FLAGS += [(a, "notify=no", False, True) for a in ("deny", "ask", "allow")]
FLAGS += [(a, f"autostart={v}", False, v == "yes") for a in ("ask", "allow") for v in ("yes", "no")]

# Decisions. Each: (files or text, source, target, expected); expected is a dict with "verdict" and
# optionally "target", "targets", "default", "line" (of the deciding rule; None: no rule), "notify".
P10 = """\
* * test-vm1 test-vm2 allow
* * test-vm1 @anyvm ask
* * test-vm2 @tag:tag1 deny
* * test-vm2 @tag:tag2 allow
* * test-vm2 @dispvm:@tag:tag3 allow
* * test-vm2 @dispvm:@tag:tag2 allow
* * test-vm2 @dispvm:default-dvm allow
* * @type:AppVM @default allow target=test-vm3
* * @tag:tag1 @type:AppVM allow
"""
P20 = """\
* * test-vm1 test-vm2 allow
* * test-vm1 @anyvm ask
* * test-vm2 @tag:tag1 deny
* * test-vm2 @tag:tag2 allow
* * test-no-dvm @type:AppVM deny
* * @type:AppVM @default allow target=test-vm3
* * @tag:tag1 @type:AppVM allow
* * test-no-dvm @dispvm allow
* * test-standalone @dispvm allow
* * test-standalone @adminvm allow
* * uuid:c9024a97-9b15-46cc-8341-38d75d5d421b bogus2 deny
* * uuid:c798d6db-360f-473a-b902-1cc58ffd3ab0 uuid:6d7a02b5-532b-467f-b9fb-6596bae03c33 ask
* * test2-vm1 @dispvm:uuid:91e4fe8d-083b-4ddf-ad7b-fb4ebac537b9 ask
"""
# The same policy with a first rule that makes every request an ask: its candidates are then
# exactly what the reference's collect_targets_for_ask returns (TC_20 test_020).
P20_ASK = "* * * @default ask\n" + P20
P40 = """\
* * test-vm1 test-vm2 allow
* * test-vm1 @default allow target=test-vm2
* * @tag:tag1 test-vm2 ask
* * @tag:tag1 test-vm3 ask default_target=test-vm3
* * @tag:tag2 @anyvm allow
* * test-vm3 @anyvm deny
"""
_ASK_ALL = ALL + TEMPLATES


def _ask(targets, default=None, line=None):
    return {"verdict": "ask", "targets": sorted(targets), "default": default, "line": line}


def _allow(target, line=1, notify=None):
    found = {"verdict": "allow", "target": target, "line": line}
    return found if notify is None else {**found, "notify": notify}


def _deny(line="any", notify=None):
    found = {"verdict": "deny", "line": line}
    return found if notify is None else {**found, "notify": notify}


DECISIONS = [
    # TC_10 test_050: a rule matches a request
    ("* * @anyvm @anyvm allow", "test-vm1", "test-vm2", _allow("test-vm2")),
    ("* * @anyvm @anyvm allow", "no-such-vm", "test-vm2", _allow("test-vm2")),
    ("* * @anyvm @dispvm allow", "test-vm1", "@dispvm", _allow("@dispvm:default-dvm")),
    ("* * @anyvm @dispvm allow", "test-vm1", "@dispvm:default-dvm", _deny(None)),
    ("* * @anyvm @dispvm:default-dvm allow", "test-vm1", "@dispvm", _allow("@dispvm:default-dvm")),
    (
        "* * @anyvm @dispvm:default-dvm allow",
        "test-vm1",
        "@dispvm:default-dvm",
        _allow("@dispvm:default-dvm"),
    ),
    (
        "* * @anyvm @dispvm:@tag:tag3 allow",
        "test-vm1",
        "@dispvm:test-vm3",
        _allow("@dispvm:test-vm3"),
    ),
    # TC_20 test_010: the first matching rule
    (P10, "test-vm1", "test-vm2", _allow("test-vm2", 1)),
    (P10, "test-vm1", "test-vm3", {"verdict": "ask", "line": 2}),
    (P10, "test-vm2", "test-vm2", _allow("test-vm2", 4)),
    (P10, "test-vm2", "test-no-dvm", _deny(3)),
    (P10, "test-vm1", "@default", {"verdict": "ask", "line": 2}),
    (P10, "test-vm2", "@default", _allow("test-vm3", 8)),
    (P10, "test-no-dvm", "test-vm3", _allow("test-vm3", 9)),
    (P10, "test-vm2", "@dispvm:test-vm3", _allow("@dispvm:test-vm3", 5)),
    (P10, "test-vm2", "@dispvm", _allow("@dispvm:default-dvm", 7)),
    (P10, "test-no-dvm", "test-standalone", _deny(None)),
    (P10, "test-no-dvm", "@dispvm", _deny(None)),
    (P10, "test-standalone", "@default", _deny(None)),
    # TC_20 test_020: candidates for an ask
    (P20_ASK, "test-vm1", "@default", _ask([t for t in _ASK_ALL if t != "test-vm1"], line=1)),
    (P20_ASK, "test-vm2", "@default", _ask(["test-vm3"], line=1)),
    (P20_ASK, "test-vm3", "@default", _deny(1)),
    (
        P20_ASK,
        "test-standalone",
        "@default",
        _ask(
            [
                "@dispvm:default-dvm",
                "default-dvm",
                "dom0",
                "test-invalid-dvm",
                "test-no-dvm",
                "test-relayvm1",
                "test-vm1",
                "test-vm2",
                "test-vm3",
                "test-vm4",
                "test2-relayvm1",
                "test2-relayvm2",
                "test2-vm1",
            ],
            line=1,
        ),
    ),
    (P20_ASK, "test-no-dvm", "@default", _deny(1)),
    (
        P20_ASK,
        "test2-vm1",
        "@default",
        _ask(["test-standalone", "@dispvm:test-vm4", "test-vm3"], line=1),
    ),
    # TC_30: notify of allow and ask resolutions
    ("* * @anyvm @anyvm allow", "test-vm1", "test-vm2", _allow("test-vm2", notify=False)),
    ("* * @anyvm @anyvm allow notify=yes", "test-vm1", "test-vm2", _allow("test-vm2", notify=True)),
    ("* * @anyvm @anyvm ask", "test-vm1", "test-vm2", {"verdict": "ask", "notify": False}),
    (
        "* * @anyvm @anyvm ask notify=yes",
        "test-vm1",
        "test-vm2",
        {"verdict": "ask", "notify": True},
    ),
    ("* * @anyvm @anyvm ask", "test-vm1", "test-vm2", {"verdict": "ask", "default": None}),
    # TC_40
    ("* * @anyvm @anyvm deny", "test-vm1", "test-vm2", _deny(1, True)),
    ("* * @anyvm @anyvm deny notify=no", "test-vm1", "test-vm2", _deny(1, False)),
    ("* * test-vm1 test-vm2 allow", "test-vm1", "test-vm2", _allow("test-vm2")),
    ("* * test-vm1 test-vm2 allow", "test-vm2", "@default", _deny(None)),
    (P40, "test-vm1", "@default", _allow("test-vm2", 2)),
    (P40, "test-standalone", "@default", _deny(5)),
    (
        "* * test-vm1 test-vm2 allow autostart=no\n* * test-vm1 test-vm3 allow autostart=no",
        "test-vm1",
        "test-vm2",
        _allow("test-vm2"),
    ),
    (
        "* * test-vm1 test-vm2 allow autostart=no\n* * test-vm1 test-vm3 allow autostart=no",
        "test-vm1",
        "test-vm3",
        _deny(2, False),
    ),
    (
        P40,
        "test-standalone",
        "test-vm2",
        _ask([t for t in _ASK_ALL if t != "test-standalone"], None, 3),
    ),
    (
        P40,
        "uuid:" + U["test-standalone"],
        "test-vm3",
        _ask([t for t in _ASK_ALL if t != "test-standalone"], "test-vm3", 4),
    ),
    ("* * test-vm3 @default ask", "test-vm3", "@default", _deny(1)),
    (
        "* * test-vm1 @anyvm ask",
        "test-vm1",
        "test-vm2",
        _ask([t for t in _ASK_ALL if t != "test-vm1"], line=1),
    ),
    (
        "* * test-vm1 @anyvm ask autostart=no",
        "test-vm1",
        "test-vm2",
        _ask(
            [
                "test-relayvm1",
                "test-remotevm1",
                "test-vm2",
                "test2-relayvm1",
                "test2-relayvm2",
                "test2-remotevm1",
                "test2-remotevm2",
                "test2-vm1",
            ],
            line=1,
        ),
    ),
    ("* * test-vm3 @dispvm allow", "test-vm3", "@dispvm", _allow("@dispvm:default-dvm")),
    ("* * test-no-dvm @dispvm allow", "test-no-dvm", "@dispvm", _deny(1)),
    ("* * @anyvm @dispvm allow", "test-vm3", "@dispvm", _allow("@dispvm:default-dvm")),
    (
        "* * @anyvm @anyvm allow target=@dispvm",
        "test-vm3",
        "test-vm1",
        _allow("@dispvm:default-dvm"),
    ),
    (
        "* * @anyvm @anyvm ask default_target=@dispvm\n* * @anyvm @dispvm ask",
        "test-vm3",
        "test-vm1",
        {"verdict": "ask", "default": "@dispvm:default-dvm", "line": 1},
    ),
    ("* * test-vm3 @adminvm allow", "test-vm3", "dom0", _allow("dom0")),
    ("* * test-vm3 @adminvm allow", "test-vm3", "@adminvm", _allow("dom0")),
    ("* * test-vm3 dom0 ask default_target=dom0", "test-vm3", "dom0", _ask(["dom0"], "dom0", 1)),
    (
        "* * test-vm3 dom0 ask default_target=@adminvm",
        "test-vm3",
        "dom0",
        _ask(["dom0"], "dom0", 1),
    ),
    (
        "* * test-vm3 @adminvm ask default_target=dom0",
        "test-vm3",
        "dom0",
        _ask(["dom0"], "dom0", 1),
    ),
    (
        "* * test-vm3 @adminvm ask default_target=@adminvm",
        "test-vm3",
        "dom0",
        _ask(["dom0"], "dom0", 1),
    ),
    ("* * @anyvm @anyvm allow target=test-vm2", "test-vm3", "test-vm1", _allow("test-vm2")),
    (
        "* * @anyvm @anyvm allow target=@dispvm",
        "test-vm3",
        "test-vm1",
        _allow("@dispvm:default-dvm"),
    ),
    (
        "* * @anyvm @anyvm allow target=@dispvm:test-vm3",
        "test-vm3",
        "test-vm1",
        _allow("@dispvm:test-vm3"),
    ),
    ("* * @anyvm @anyvm allow target=@dispvm", "test-no-dvm", "test-vm1", _deny(1)),
    ("* * @anyvm @anyvm allow target=dom0", "test-vm3", "test-vm1", _allow("dom0")),
    ("* * @anyvm @anyvm allow target=@adminvm", "test-vm3", "test-vm1", _allow("dom0")),
    ("* * test-vm3 @anyvm allow target=no-such-vm", "test-vm3", "@default", _deny(1)),
    (
        "* * @anyvm @anyvm allow target=uuid:" + U["test-vm2"],
        "test-vm3",
        "test-vm1",
        _allow("uuid:" + U["test-vm2"]),
    ),
    ("* * @anyvm @anyvm allow target=" + UUID0, "test-vm3", "test-vm1", _allow("dom0")),
    (
        "* * @anyvm @anyvm allow target=@dispvm:uuid:" + U["test-vm3"],
        "test-vm3",
        "test-vm1",
        _allow("@dispvm:uuid:" + U["test-vm3"]),
    ),
]
# Policies the reference loads: (files, main, [(source, target, verdict, file, line)]) -- TC_20
LOADS = [
    (
        {
            "main": "* * test-vm1 test-vm2 allow\n\n# comment\n* * test-vm2 test-vm3 ask\n"
            "    # comment with trailing whitespace:    \n* * @anyvm @anyvm ask\n"
        },
        "main",
        [
            ("test-vm1", "test-vm2", "allow", "main", 1),
            ("test-vm2", "test-vm3", "ask", "main", 4),
            ("@anyvm", "@anyvm", "ask", "main", 6),
        ],
    ),
    (
        {
            "main": "    * * test-vm1 test-vm2 allow\n    !include file2\n"
            "    * * @anyvm @anyvm deny\n",
            "file2": "    * * test-vm3 @default allow target=test-vm2\n",
        },
        "main",
        [
            ("test-vm1", "test-vm2", "allow", "main", 1),
            ("test-vm3", "@default", "allow", "file2", 1),
            ("@anyvm", "@anyvm", "deny", "main", 3),
        ],
    ),
    (
        {
            "main": "!include-service * * new-syntax\n!include-service * * old-syntax\n",
            "new-syntax": "test-vm2 test-vm3 ask\n# comment with whitespace  \n"
            "@anyvm @dispvm ask default_target=@dispvm\n",
            "old-syntax": "test-vm2 test-vm3 ask\n# comment with whitespace  \n"
            "$anyvm $dispvm ask,default_target=$dispvm\n",
        },
        "main",
        [
            ("test-vm2", "test-vm3", "ask", "new-syntax", 1),
            ("@anyvm", "@dispvm", "ask", "new-syntax", 3),
            ("test-vm2", "test-vm3", "ask", "old-syntax", 1),
            ("@anyvm", "@dispvm", "ask", "old-syntax", 3),
        ],
    ),
]
# The user's answer to "* * @anyvm @anyvm ask [params]" from test-vm1 to test-vm2:
# (params, answer, verdict, target, notify) -- TC_40 test_110..115
ANSWERS = [
    ("", "test-vm2", "allow", "test-vm2", False),
    ("notify=yes", "test-vm2", "allow", "test-vm2", True),
    ("", "test-vm1", "deny", None, True),
    ("", None, "deny", None, False),
    ("notify=yes", None, "deny", None, True),
    ("default_target=test-vm2", "test-vm2", "allow", "test-vm2", False),
]
