"""The broker's copy and paste keys: which domain a key press acts on comes from sway's tree (the
focused window's client pid, among the running filters'), never from the binding event; every
other shape of input acts on nothing. And a policy ``ask`` goes to the prompt, with the target
as the only candidate."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.gui import clipboard_buffer
from saltext.bulkhead.gui.labels import COPY_BINDING, PASTE_BINDING, SWAY_CONFIG
from saltext.bulkhead.policy.decision import Decision, deny
from saltext.bulkhead.policy.rules import Verdict
from saltext.bulkhead.rpc.clipboard_keys import binding_command, focused_domain
from saltext.bulkhead.rpc.clipboard_steps import SERVICE, allowed
from saltext.bulkhead.rpc.prompt import HookPrompt

FILTERS = {4242: "work", 4343: "personal"}


def _tree(focused: dict) -> dict:
    return {"type": "root", "nodes": [{"type": "output", "nodes": [
        {"type": "workspace", "nodes": [{"pid": 4343, "focused": False, "marks": []}],
         "floating_nodes": [focused]}]}]}


def test_the_focused_windows_client_names_the_domain():
    assert focused_domain(_tree({"pid": 4242, "focused": True}), FILTERS) == "work"
    # the mark the domain's title imitates, or any mark, counts for nothing
    assert focused_domain(_tree({"pid": 77, "focused": True, "name": "[work] x",
                                 "marks": ["bulkhead:work"]}), FILTERS) is None
    assert focused_domain(_tree({"pid": 4242, "focused": False}), FILTERS) is None
    assert focused_domain(_tree({"pid": "4242", "focused": True}), FILTERS) is None
    assert focused_domain(_tree({"pid": True, "focused": True}), {1: "work"}) is None


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["nodes", "floating_nodes", "pid",
                                                       "focused", "marks", "x"]), inner,
                                      max_size=5), max_leaves=30)


@given(JSON)
def test_any_tree_gives_a_running_filters_domain_or_none(tree):
    assert focused_domain(tree, FILTERS) in (None, "work", "personal")


def _event(command) -> bytes:
    return json.dumps({"change": "run", "binding": {"command": command, "symbol": "c"}}).encode()


def test_only_a_run_binding_events_command_is_read():
    assert binding_command(_event(COPY_BINDING)) == COPY_BINDING
    assert binding_command(_event(42)) is None
    assert binding_command(b'{"change": "run"}') is None
    assert binding_command(b"[1, 2]") is None
    assert binding_command(b'{"change": "run", "binding": {"command": "x"}, "change": "y"}') is None
    assert binding_command(b"\xff not json") is None


@given(st.binary(max_size=200))
def test_any_line_is_a_command_or_none(line):
    assert binding_command(line) is None or isinstance(binding_command(line), str)


def test_the_snippet_binds_qubes_keys_to_commands_sway_does_not_run():
    assert f"bindsym Ctrl+Shift+c {COPY_BINDING}\n" in SWAY_CONFIG
    assert f"bindsym Ctrl+Shift+v {PASTE_BINDING}\n" in SWAY_CONFIG
    assert COPY_BINDING.startswith("nop ") and PASTE_BINDING.startswith("nop ")


ASK = Decision(Verdict.ASK, targets=("personal", "vault"), default_target="personal")


def test_an_ask_goes_to_the_prompt_with_the_target_alone():
    calls = []

    def hook(source, call, targets, default):
        calls.append((source, call, targets, default))
        return "personal"

    assert allowed(ASK, "work", "personal", HookPrompt(hook)) is None
    assert calls == [("work", SERVICE, ("personal",), "personal")]


def test_an_ask_refused_unanswered_or_without_a_prompt_pastes_nothing():
    assert "refused" in allowed(ASK, "work", "personal", HookPrompt(lambda *_: None))
    assert "refused" in allowed(ASK, "work", "personal", HookPrompt(lambda *_: "vault"))
    assert "no prompt" in allowed(ASK, "work", "personal", None)
    # a target the policy does not ask about is not offered to the user at all
    assert "not bank" in allowed(ASK, "work", "bank", HookPrompt(lambda *_: "bank"))


def test_allow_must_name_the_target_and_deny_is_final():
    assert allowed(Decision(Verdict.ALLOW, target="personal"), "work", "personal", None) is None
    assert allowed(Decision(Verdict.ALLOW, target="vault"), "work", "personal", None) is not None
    assert allowed(deny("no"), "work", "personal", HookPrompt(lambda *_: "personal")) == "no"


def test_the_command_refuses_an_ask_clearly_and_keeps_the_buffer(tmp_path):
    buffer_file, policy, system = tmp_path / "buffer", tmp_path / "policy.d", tmp_path / "s.json"
    clipboard_buffer.store(buffer_file, "work", b"text")
    policy.mkdir()
    (policy / "50-clip.policy").write_text("qubes.ClipboardPaste * work personal ask\n")
    system.write_text(json.dumps({"domains": {d: {"type": "AppVM", "power_state": "Running"}
                                              for d in ("work", "personal")}}))
    result = CliRunner().invoke(app, ["clipboard", "paste", "personal", "--policy-dir",
                                      str(policy), "--system", str(system), "--buffer",
                                      str(buffer_file), "--session-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "refused by policy: the policy says ask, and this command has no prompt" in \
        result.output.replace("\n", " ")
    assert clipboard_buffer.load(buffer_file) == ("work", b"text")
