"""Installing policy files: validated as a whole, atomic per file, ours removed, others kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from saltext.bulkhead.policy import Policy
from saltext.bulkhead.policy.install import install_policy
from saltext.bulkhead.policy.managed_files import HEADER, plan_changes

GOOD = "qubes.Filecopy * work vault ask default_target=vault\n"
ALSO_GOOD = "qubes.ClipboardPaste * @anyvm @anyvm deny\n"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def test_install_writes_header_and_body_and_is_idempotent(tmp_path):
    root = tmp_path / "etc" / "policy.d"
    first = install_policy(root, {"30-user.policy": GOOD}, test=False)
    assert first.result is True, first.comment
    assert (root / "30-user.policy").read_text() == HEADER + GOOD
    assert (
        "+qubes.Filecopy * work vault ask default_target=vault"
        in first.changes["files"]["30-user.policy"]
    )
    assert oct((root / "30-user.policy").stat().st_mode & 0o777) == "0o644"
    again = install_policy(root, {"30-user.policy": GOOD}, test=False)
    assert (again.result, again.changes) == (True, {})
    assert "1 rules in 1 files" in again.comment
    # Nothing left behind next to the directory.
    assert sorted(p.name for p in root.parent.iterdir()) == ["policy.d"]


def test_invalid_policy_is_never_installed_and_the_old_one_stays(tmp_path):
    root = tmp_path / "policy.d"
    assert install_policy(root, {"30-user.policy": GOOD}, test=False).result is True
    before = snapshot(root)
    bad = install_policy(
        root, {"30-user.policy": GOOD + "qubes.Filecopy * work vault alow\n"}, test=False
    )
    assert bad.result is False and bad.changes == {}
    # The line counts the header: line 1 is the header, the bad rule is line 3.
    assert f"{root}/30-user.policy:3: " in bad.comment
    assert snapshot(root) == before
    assert sorted(os.listdir(tmp_path)) == ["policy.d"]


def test_validation_includes_unmanaged_files(tmp_path):
    root = tmp_path / "policy.d"
    root.mkdir()
    (root / "10-admin.policy").write_text("!include-dir local.d\n")
    (root / "local.d").mkdir()
    (root / "local.d" / "x.policy").write_text("qubes.VMShell * @anyvm @anyvm deny\n")
    # The new file is checked in the directory's context: it may include the admin's files...
    uses = install_policy(root, {"30-user.policy": "!include-dir local.d\n" + GOOD}, test=False)
    assert uses.result is True, uses.comment
    assert "3 rules in 4 files" in uses.comment
    # ... and an include that would loop through the admin's file is refused at its line.
    looping = install_policy(
        root,
        {
            "30-user.policy": "!include 10-admin.policy\n",
            "10-admin.policy": "!include 30-user.policy\n",
        },
        test=False,
    )
    assert looping.result is False and "include loop" in looping.comment
    assert (root / "30-user.policy").read_text() == HEADER + "!include-dir local.d\n" + GOOD


def test_an_invalid_unmanaged_file_blocks_installation(tmp_path):
    root = tmp_path / "policy.d"
    root.mkdir()
    (root / "05-broken.policy").write_text("this is not policy\n")
    out = install_policy(root, {"30-user.policy": GOOD}, test=False)
    assert out.result is False and f"{root}/05-broken.policy:1:" in out.comment
    assert not (root / "30-user.policy").exists()


def test_only_our_files_are_removed(tmp_path):
    root = tmp_path / "policy.d"
    assert install_policy(
        root, {"30-user.policy": GOOD, "40-more.policy": ALSO_GOOD}, test=False
    ).result
    (root / "20-admin.policy").write_text(ALSO_GOOD)
    (root / "50-copy.policy.bak").write_text(HEADER + GOOD)  # ours by header, but not a policy name
    out = install_policy(root, {"30-user.policy": GOOD}, test=False)
    assert out.result is True
    assert (
        list(out.changes) == ["removed"]
        and "-qubes.ClipboardPaste" in out.changes["removed"]["40-more.policy"]
    )
    assert sorted(os.listdir(root)) == ["20-admin.policy", "30-user.policy", "50-copy.policy.bak"]


def test_test_mode_reports_diffs_and_writes_nothing(tmp_path):
    root = tmp_path / "policy.d"
    assert install_policy(
        root, {"30-user.policy": GOOD, "40-more.policy": ALSO_GOOD}, test=False
    ).result
    before = snapshot(root)
    out = install_policy(root, {"30-user.policy": ALSO_GOOD}, test=True)
    assert out.result is None
    diff = out.changes["files"]["30-user.policy"]
    assert "-qubes.Filecopy" in diff and "+qubes.ClipboardPaste" in diff
    assert set(out.changes["removed"]) == {"40-more.policy"}
    assert snapshot(root) == before and sorted(os.listdir(tmp_path)) == ["policy.d"]
    fresh = tmp_path / "new.d"
    assert install_policy(fresh, {"30-user.policy": GOOD}, test=True).result is None
    assert not fresh.exists()
    assert install_policy(fresh, {"30-user.policy": "nonsense\n"}, test=True).result is False


def test_a_symlink_at_a_managed_name_is_replaced_not_written_through(tmp_path):
    root = tmp_path / "policy.d"
    root.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    (root / "30-user.policy").symlink_to(victim)
    assert install_policy(root, {"30-user.policy": GOOD}, test=False).result is True
    assert victim.read_text() == "keep\n"
    assert not (root / "30-user.policy").is_symlink()
    assert Policy.load(root).rules[0].line == 2


def test_existing_file_without_header_is_taken_over_with_a_diff(tmp_path):
    root = tmp_path / "policy.d"
    root.mkdir()
    (root / "30-user.policy").write_text(GOOD)
    changes = plan_changes(root, {"30-user.policy": GOOD})
    assert (
        list(changes.write) == ["30-user.policy"]
        and "+" + HEADER in changes.diffs["30-user.policy"]
    )


@pytest.mark.parametrize(
    "name", ["../x.policy", "x.conf", ".hidden.policy", "a/b.policy", "a b.policy"]
)
def test_library_refuses_bad_names(tmp_path, name):
    with pytest.raises(ValueError, match="invalid policy file name"):
        install_policy(tmp_path / "p", {name: GOOD}, test=False)
    assert not (tmp_path / "p").exists()
