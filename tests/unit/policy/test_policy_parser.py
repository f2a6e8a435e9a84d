"""Parsing: the grammar, every class of error (with file and line), directory order, includes."""

from __future__ import annotations

from pathlib import Path

import pytest

from saltext.bulkhead.policy import Kind, Policy, PolicySyntaxError, Token, Verdict

from .policy_helpers import write_policy


def parse_error(text: str) -> PolicySyntaxError:
    with pytest.raises(PolicySyntaxError) as info:
        Policy.from_text(text, "t.policy")
    return info.value


def test_rule_fields_and_params_are_parsed():
    policy = Policy.from_text(
        "# a comment\n\n  \t\n"
        "qubes.Filecopy +x @tag:work @dispvm:@tag:dvms ask default_target=@dispvm:dvm user=root "
        "notify=yes\n"
        "* * @anyvm dom0 allow target=@adminvm autostart=no\n"
        "qubes.Gpg * @type:AppVM vault deny notify=no\n",
        "t.policy",
    )
    first, second, third = policy.rules
    assert (first.service, first.argument, first.line) == ("qubes.Filecopy", "+x", 4)
    assert first.source == Token(Kind.TAG, "work")
    assert first.target == Token(Kind.DISPVM_TAG, "dvms")
    assert first.action.verdict is Verdict.ASK
    assert first.action.default_target == Token(Kind.DISPVM_TEMPLATE, "dvm")
    assert (first.action.user, first.action.notify, first.action.autostart) == ("root", True, True)
    assert second.target == Token(Kind.ADMINVM)  # the literal dom0 is the admin domain
    assert second.action.target == Token(Kind.ADMINVM) and second.action.autostart is False
    assert third.action.notify is False and third.source == Token(Kind.TYPE, "AppVM")
    assert first.where == "t.policy:4" and first.text.startswith("qubes.Filecopy +x")


def test_deny_notifies_by_default_allow_does_not():
    deny, allow = Policy.from_text("a * @anyvm @anyvm deny\nb * @anyvm @anyvm allow\n").rules
    assert deny.action.notify is True and allow.action.notify is False


@pytest.mark.parametrize(
    "line, message",
    [
        ("a * work vault allw", "unknown action 'allw'"),
        ("a * work vault allow colour=red", "unknown parameter 'colour'"),
        ("a * work vault deny target=vault", "unknown parameter 'target' for deny"),
        ("a * work vault deny user=root", "unknown parameter 'user' for deny"),
        (
            "a * work vault allow default_target=vault",
            "unknown parameter 'default_target' for allow",
        ),
        ("a * @anyvmx vault allow", "unknown token '@anyvmx'"),
        ("a * work @tag: allow", "empty value"),
        ("a * work @dispvm:@tag: allow", "empty value"),
        ("a * work @tag:@x allow", "unknown token"),
        ("a * work @default allow", "add target="),
        ("a * @default vault allow", "not allowed as a source"),
        ("a * @dispvm vault allow", "not allowed as a source"),
        ("a * work vault allow target=@anyvm", "must name one destination"),
        ("a * work vault allow target=@tag:x", "must name one destination"),
        ("a * work vault allow target=@default", "must name one destination"),
        ("a * work vault ask default_target=@type:AppVM", "must name one destination"),
        ("a * work vault allow notify=maybe", "notify= must be yes or no"),
        ("a * work vault allow notify=yes notify=no", "given twice"),
        ("a * work vault allow # why", "invalid parameter '#'"),
        ("* +x work vault allow", "'*' service must have a '*' argument"),
        ("a+b * work vault allow", "contains invalid characters"),
        ("a x work vault allow", "does not start with '+'"),
        ("a * work vault", "needs SERVICE ARGUMENT SOURCE TARGET ACTION"),
        ("!frobnicate x", "unknown directive"),
        ("!include a b", "wrong number of arguments"),
        ("!include x", "no such file: x"),
    ],
)
def test_errors_name_file_line_and_cause(line: str, message: str):
    error = parse_error(f"# first line\n{line}\n")
    assert (error.file, error.line) == ("t.policy", 2)
    assert message in str(error), str(error)
    assert str(error).startswith("t.policy:2: ")


def test_every_error_is_reported_not_only_the_first():
    error = parse_error("a * work vault allw\nb * work vault allow\nc * @x vault allow\n")
    assert [(i.line) for i in error.issues] == [1, 3]


def test_directory_is_read_in_c_locale_order_and_ignores_non_policy_files(tmp_path: Path):
    root = write_policy(tmp_path / "p", {
        "b.policy": "s * work vault deny\n",
        "_.policy": "s * work personal deny\n",  # '_' sorts before lower case
        "sub.policy/x": "a directory named like a policy file is not read",
        "10-x.policy": "s * work tpl deny\n",  # digits first
        "README": "this is not policy",
        "old.policy~": "garbage",
        ".hidden.policy": "garbage",
        "notes.policy.bak": "garbage",
    })
    policy = Policy.load(root)
    assert [Path(r.file).name for r in policy.rules] == ["10-x.policy", "_.policy", "b.policy"]


def test_policy_file_with_invalid_name_is_an_error_not_skipped(tmp_path: Path):
    root = write_policy(tmp_path / "p", {"my rules.policy": "s * work vault deny\n"})
    with pytest.raises(PolicySyntaxError) as info:
        Policy.load(root)
    assert info.value.file.endswith("my rules.policy") and info.value.line == 0


def test_uppercase_policy_file_name_is_an_error_as_in_the_reference(tmp_path: Path):
    root = write_policy(tmp_path / "p", {"B.policy": "s * work vault deny\n"})
    with pytest.raises(PolicySyntaxError, match="invalid policy file name"):
        Policy.load(root)


def test_missing_directory_is_an_error(tmp_path: Path):
    with pytest.raises(PolicySyntaxError, match="cannot read policy directory"):
        Policy.load(tmp_path / "absent")


def test_includes_are_expanded_in_place(tmp_path: Path):
    root = write_policy(tmp_path / "p", {
        "30-main.policy": (
            "s * work a deny\n"
            "!include inc/one\n"
            "!include-service qubes.Gpg +key inc/gpg\n"
            "!include-dir more\n"
            "s * work z deny\n"
        ),
        "inc/one": "s * work b deny\n",
        "inc/gpg": "# 3 columns\nwork vault allow\n!include inc/gpg-extra\n",
        "inc/gpg-extra": "@anyvm @anyvm deny\n",
        "more/2.policy": "s * work d deny\n",
        "more/1.policy": "s * work c deny\n",
        "more/ignored": "not read",
    })
    rules = Policy.load(root).rules
    assert [(r.service, r.argument, str(r.target)) for r in rules] == [
        ("s", "*", "a"), ("s", "*", "b"), ("qubes.Gpg", "+key", "vault"),
        ("qubes.Gpg", "+key", "@anyvm"), ("s", "*", "c"), ("s", "*", "d"), ("s", "*", "z"),
    ]
    assert rules[2].where == f"{root}/inc/gpg:2"


@pytest.mark.parametrize(
    "files, message, where",
    [
        ({"a.policy": "!include missing\n"}, "no such file", ("a.policy", 1)),
        ({"a.policy": "\n!include-dir missing\n"}, "no such directory", ("a.policy", 2)),
        ({"a.policy": "!include ../etc/passwd\n"}, "invalid include path", ("a.policy", 1)),
        ({"a.policy": "!include /etc/passwd\n"}, "invalid include path", ("a.policy", 1)),
        (
            {"a.policy": "!include inc/x\n", "inc/x": "!include inc/x\n"},
            "include loop",
            ("inc/x", 1),
        ),
        (
            {"a.policy": "!include-service * +x inc/x\n", "inc/x": ""},
            "'*' service",
            ("a.policy", 1),
        ),
        (
            {
                "a.policy": "!include-service s * inc/x\n",
                "inc/x": "!include-service t * inc/y\n",
                "inc/y": "",
            },
            "only !include",
            ("inc/x", 1),
        ),
        (
            {"a.policy": "!include-service s * inc/x\n", "inc/x": "work vault\n"},
            "SOURCE TARGET ACTION",
            ("inc/x", 1),
        ),
        (
            {"a.policy": "!include-service s * inc/x\n", "inc/x": "work vault allow bogus=1\n"},
            "unknown parameter",
            ("inc/x", 1),
        ),
    ],
)
def test_include_errors(tmp_path: Path, files, message, where):
    root = write_policy(tmp_path / "p", files)
    with pytest.raises(PolicySyntaxError) as info:
        Policy.load(root)
    assert message in str(info.value)
    assert (info.value.file, info.value.line) == (f"{root}/{where[0]}", where[1])


def test_a_policy_with_any_error_yields_no_rules(tmp_path: Path):
    root = write_policy(
        tmp_path / "p", {"10.policy": "s * work vault deny\n", "20.policy": "s * a b allw\n"}
    )
    with pytest.raises(PolicySyntaxError):
        Policy.load(root)


def test_crlf_and_tabs_are_accepted():
    (rule,) = Policy.from_text("s\t*  work\tvault allow\r\n").rules
    assert str(rule.target) == "vault"


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path):
    root = write_policy(tmp_path / "p", {"a.policy": b"s * work vault allow\n\xff\n"})
    with pytest.raises(PolicySyntaxError, match="cannot read") as info:
        Policy.load(root)
    assert info.value.file.endswith("a.policy")


def test_old_syntax_in_include_service_files():
    policy = Policy.from_files({"a.policy": "!include-service s +x old\n",
                                "old": "$anyvm $dispvm allow\n"
                                "$tag:t $anyvm allow,target=vm-003,user=u\n"
                                       "$include:more\n", "more": "@anyvm @anyvm deny\n"})
    assert [str(r) for r in policy.rules] == [
        "s\t+x\t@anyvm\t@dispvm\tallow", "s\t+x\t@tag:t\t@anyvm\tallow target=vm-003 user=u",
        "s\t+x\t@anyvm\t@anyvm\tdeny"]
    assert [r.where for r in policy.rules] == ["old:1", "old:2", "more:1"]


def test_include_dir_under_include_service_is_refused_as_in_the_reference(tmp_path: Path):
    root = write_policy(tmp_path / "p", {
        "a.policy": "!include-service qubes.Gpg +k inc/gpg\n",
        "inc/gpg": "!include-dir inc/more\n",
        "inc/more/1.policy": "work vault allow\n",
    })
    with pytest.raises(PolicySyntaxError, match="only !include"):
        Policy.load(root)
