"""bulkhead_policy through the real Salt loaders: install, idempotence, test mode, bad policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from saltext.bulkhead.policy.managed_files import HEADER

GOOD = [
    "qubes.Filecopy * work vault ask default_target=vault",
    "qubes.Filecopy * @anyvm @anyvm deny",
]


def managed(loaders, test=False):
    # test is passed to state.single explicitly: a test=True run would otherwise stick in its opts.
    return loaders.states.bulkhead_policy.managed(name="bulkhead-policy", test=test)


def files_of(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


@pytest.fixture
def policy_dir(tmp_path):
    return tmp_path / "policy.d"


@pytest.fixture
def use_pillar(loaders, set_pillar):
    """set_pillar, and reload the loaders: modules loaded earlier in a test keep the old pillar."""

    def _use(bulkhead: dict) -> None:
        set_pillar(bulkhead)
        loaders.reload_all()

    return _use


def test_install_then_no_changes(loaders, use_pillar, policy_dir):
    use_pillar(
        {
            "policy": {
                "dir": str(policy_dir),
                "files": {
                    "30-user.policy": GOOD,
                    "50-x.policy": "qubes.VMShell * @anyvm @anyvm deny\n",
                },
            }
        }
    )
    first = managed(loaders)
    assert first.result is True, first.comment
    assert set(first.changes["files"]) == {"30-user.policy", "50-x.policy"}
    assert (policy_dir / "30-user.policy").read_text() == HEADER + "\n".join(GOOD) + "\n"
    second = managed(loaders)
    assert (second.result, second.changes) == (True, {})
    out = loaders.modules.bulkhead_policy.check()
    assert out["valid"] is True and out["rules"] == 3


def test_test_mode_shows_diffs_and_writes_nothing(loaders, use_pillar, policy_dir):
    use_pillar({"policy": {"dir": str(policy_dir), "files": {"30-user.policy": GOOD}}})
    preview = managed(loaders, test=True)
    assert preview.result is None
    assert "+qubes.Filecopy * @anyvm @anyvm deny" in preview.changes["files"]["30-user.policy"]
    assert not policy_dir.exists()
    real = managed(loaders)
    assert (real.result, real.changes) == (True, preview.changes), (
        real.comment
    )  # what the preview said
    use_pillar({"policy": {"dir": str(policy_dir), "files": {}}})
    before = files_of(policy_dir)
    removal = managed(loaders, test=True)
    assert removal.result is None and list(removal.changes["removed"]) == ["30-user.policy"]
    assert files_of(policy_dir) == before
    assert managed(loaders).result is True and files_of(policy_dir) == {}


def test_invalid_policy_fails_with_file_line_and_keeps_the_old_files(
    loaders, use_pillar, policy_dir
):
    use_pillar({"policy": {"dir": str(policy_dir), "files": {"30-user.policy": GOOD}}})
    assert managed(loaders).result is True
    before = files_of(policy_dir)
    use_pillar(
        {
            "policy": {
                "dir": str(policy_dir),
                "files": {
                    "30-user.policy": [*GOOD, "qubes.Filecopy * work @anyvmx allow"],
                    "40-new.policy": GOOD,
                },
            }
        }
    )
    for test in (True, False):
        failed = managed(loaders, test=test)
        assert failed.result is False and failed.changes == {}
        assert f"{policy_dir}/30-user.policy:4: " in failed.comment and "@anyvmx" in failed.comment
        assert files_of(policy_dir) == before
    assert sorted(p.name for p in policy_dir.parent.iterdir()) == ["policy.d"]  # no staging left
    assert loaders.modules.bulkhead_policy.check()["valid"] is True


def test_unmanaged_files_are_kept_and_validated_with_ours(loaders, use_pillar, policy_dir):
    policy_dir.mkdir()
    (policy_dir / "10-admin.policy").write_text("qubes.VMShell * @anyvm @anyvm deny\n")
    use_pillar({"policy": {"dir": str(policy_dir), "files": {"30-user.policy": GOOD}}})
    assert managed(loaders).result is True
    use_pillar({"policy": {"dir": str(policy_dir), "files": {}}})
    assert list(managed(loaders).changes["removed"]) == ["30-user.policy"]
    assert sorted(files_of(policy_dir)) == ["10-admin.policy"]


def test_invalid_pillar_changes_nothing(loaders, use_pillar, policy_dir):
    use_pillar({"policy": {"dir": str(policy_dir), "files": {"bad name.policy": "x"}}})
    ret = managed(loaders)
    assert ret.result is False and "bulkhead:policy:files: invalid policy file name" in ret.comment
    assert not policy_dir.exists()


def test_execution_module_evaluates_with_the_installed_policy(
    loaders, use_pillar, policy_dir, tmp_path
):
    import json

    use_pillar({"policy": {"dir": str(policy_dir), "files": {"30-user.policy": GOOD}}})
    assert managed(loaders).result is True
    system = tmp_path / "system.json"
    system.write_text(json.dumps({"domains": {
        "dom0": {"type": "AdminVM"}, "work": {"type": "AppVM", "power_state": "Running"},
        "vault": {"type": "AppVM"}, "personal": {"type": "AppVM"}}}))
    asked = loaders.modules.bulkhead_policy.evaluate(
        "qubes.Filecopy", "work", "vault", system=str(system)
    )
    assert asked["decision"] == "ask" and asked["default_target"] == "vault"
    assert "30-user.policy:2:" in asked["explain"]
    denied = loaders.modules.bulkhead_policy.evaluate(
        "qubes.Filecopy", "personal", "work", system=str(system)
    )
    assert denied["decision"] == "deny" and "30-user.policy:3:" in denied["explain"]


def test_formula_renders_the_policy_state_after_the_pillar_check(loaders, use_pillar, policy_dir):
    use_pillar({"policy": {"dir": str(policy_dir), "files": {"30-user.policy": GOOD}}})
    low = loaders.modules.state.show_sls("bulkhead.policy")
    assert isinstance(low, dict), low  # a list would be render errors
    state = low["bulkhead-policy-files"]
    assert state["__sls__"] == "bulkhead.policy"
    assert {"require": [{"bulkhead_pillar": "bulkhead-host-pillar-valid"}]} in state[
        "bulkhead_policy"
    ]
    assert "bulkhead-host-pillar-valid" in low
    assert "bulkhead-policy-files" in loaders.modules.state.show_sls("bulkhead")
