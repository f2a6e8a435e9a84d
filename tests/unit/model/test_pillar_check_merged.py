"""``bulkhead pillar check A.sls B.sls`` checks what Salt gives the minion: the files merged in
order (later ones override, mappings merge, lists are replaced); ``--salt`` asks salt-call."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saltext.bulkhead.cli import app
from saltext.bulkhead.model.merged import _recurse, merge_data

BASE = """\
bulkhead:
  domains:
    base:
      class: template
      image: {kind: disk, root: /i/base.qcow2}
    work:
      class: app
      template: base
      memory: {initial: 128, max: 512}
      tags: [office, mail]
"""
ALICE = """\
bulkhead:
  domains:
    alice:
      class: app
      template: base
    work:
      memory: {max: 1024}
"""
BROKEN = """\
bulkhead:
  domains:
    work:
      memory:
        max: 64
"""


def check(tmp_path: Path, *texts: str):
    paths = []
    for number, text in enumerate(texts):
        path = tmp_path / f"f{number}.sls"
        path.write_text(text)
        paths.append(str(path))
    return CliRunner().invoke(app, ["pillar", "check", *paths]), paths


def test_a_user_file_alone_is_incomplete_but_merged_over_the_base_it_is_valid(tmp_path):
    alone, _ = check(tmp_path, ALICE)
    assert alone.exit_code == 1  # work has no class nor template on its own
    merged, paths = check(tmp_path, BASE, ALICE)
    assert merged.exit_code == 0, merged.output
    assert merged.output == f"{paths[0]} + {paths[1]}: OK (3 domains, 0 running)\n"


def test_a_problem_is_located_in_the_file_that_wrote_it(tmp_path):
    result, paths = check(tmp_path, BASE, BROKEN)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{paths[1]}:5: bulkhead:domains:work:memory:max: must be at least memory:initial "
        "(128 MiB), got 64"]


def test_merge_is_salts_recurse_later_wins_lists_replaced():
    merged = merge_data([{"a": {"x": 1, "l": [1, 2]}, "b": 1}, {"a": {"y": 2, "l": [3]}}, None])
    assert merged == {"a": {"x": 1, "y": 2, "l": [3]}, "b": 1}
    # the fallback for a machine without Salt does what Salt's merge does
    assert _recurse(_recurse({}, {"a": {"x": 1, "l": [1, 2]}, "b": 1}),
                    {"a": {"y": 2, "l": [3]}}) == merged


def test_files_and_salt_together_or_neither_are_a_usage_error(tmp_path):
    assert CliRunner().invoke(app, ["pillar", "check"]).exit_code == 2
    both = CliRunner().invoke(app, ["pillar", "check", "--salt", "x.sls"])
    assert both.exit_code == 2 and "bulkhead: error: give pillar files, or --salt" in both.stderr


@pytest.fixture
def fake_salt_call(tmp_path, monkeypatch):
    """A salt-call on PATH answering pillar.items and config.get id as a minion would."""
    def install(pillar: dict) -> None:
        answers = {"pillar.items": {"local": {"bulkhead": pillar}},
                   "config.get": {"local": "ws1"}}
        script = tmp_path / "salt-call"
        script.write_text("#!/usr/bin/env python3\nimport json, sys\nanswers = "
                          f"{json.dumps(answers)!r}\n"
                          "op = next(a for a in sys.argv[1:] if '.' in a and not a.startswith('-'))\n"
                          "print(json.dumps(json.loads(answers)[op]))\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return install


def test_salt_mode_checks_the_minions_rendered_pillar(fake_salt_call):
    import yaml

    fake_salt_call(yaml.safe_load(BASE)["bulkhead"])
    ok = CliRunner().invoke(app, ["pillar", "check", "--salt"])
    assert ok.exit_code == 0 and ok.output == "salt pillar of ws1: OK (2 domains, 0 running)\n"
    fake_salt_call({"domains": {"work": {"class": "app"}}})
    bad = CliRunner().invoke(app, ["pillar", "check", "--salt"])
    assert bad.exit_code == 1 and bad.output.startswith("salt pillar of ws1: bulkhead:domains:work")
