"""apt's answers are remembered while apt's files stay the same, and asked again once they change."""

from __future__ import annotations

import os

from saltext.bulkhead.image.apt_memo import apt_fingerprint, remembered


def asker(answers: list[str]):
    asked = []

    def ask() -> str:
        asked.append(1)
        return answers[len(asked) - 1]
    return ask, asked


def test_an_answer_is_remembered_until_an_apt_file_changes(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "Packages").write_text("Package: busybox-static\nVersion: 1\n")
    memo, roots = tmp_path / "memo" / "answers.json", (lists,)
    ask, asked = asker(["1", "2"])
    assert remembered(memo, "candidate busybox-static", ask, roots) == "1"
    assert remembered(memo, "candidate busybox-static", ask, roots) == "1"
    assert len(asked) == 1
    (lists / "Packages").write_text("Package: busybox-static\nVersion: 2\n")  # apt-get update
    assert remembered(memo, "candidate busybox-static", ask, roots) == "2"
    assert len(asked) == 2


def test_same_size_rewrite_new_file_and_removal_change_the_fingerprint(tmp_path):
    (tmp_path / "a").write_text("1")
    first = apt_fingerprint((tmp_path,))
    os.utime(tmp_path / "a", ns=(1, 1))
    second = apt_fingerprint((tmp_path,))
    (tmp_path / "b").write_text("")
    third = apt_fingerprint((tmp_path,))
    (tmp_path / "b").unlink()
    assert len({first, second, third}) == 3
    assert apt_fingerprint((tmp_path,)) == second


def test_a_damaged_memo_or_none_asks_apt(tmp_path):
    memo = tmp_path / "answers.json"
    memo.write_text("{not json")
    ask, asked = asker(["7", "8"])
    assert remembered(memo, "q", ask, (tmp_path / "none",)) == "7"
    assert remembered(None, "q", ask, ()) == "8"
    assert len(asked) == 2
