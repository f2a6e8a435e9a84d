"""The pytest11 plugin loads in every pytest run: without testinfra pytest must still start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import saltext.bulkhead

PLUGIN = "saltext.bulkhead.verify.pytest_plugin"
PACKAGE_ROOT = str(Path(saltext.bulkhead.__file__).parents[2])
# As if testinfra were not installed: its import fails, and its own plugin is not loaded.
BLOCK = """
import sys


class NoTestinfra:
    def find_spec(self, name, path=None, target=None):
        if name == "testinfra" or name.startswith("testinfra."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, NoTestinfra())
"""


def _pytest(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """pytest with bulkhead's plugin alone (others' plugins autoload no more: testinfra's own
    would fail to import too), in an environment where testinfra cannot be imported."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BLOCK)
    (tmp_path / "test_one.py").write_text("def test_runs():\n    pass\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), PACKAGE_ROOT]),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", PLUGIN, "-q", "test_one.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_the_entry_point_is_this_plugin():
    project = tomllib.loads((Path(PACKAGE_ROOT).parent / "pyproject.toml").read_text())
    assert list(project["project"]["entry-points"]["pytest11"].values()) == [PLUGIN]
    assert {"pytest", "pytest-testinfra"} <= {re.split(r"[<>=!~ ]", dep)[0]
                                              for dep in project["project"]["dependencies"]}


def test_pytest_starts_without_testinfra_and_says_what_is_missing(tmp_path):
    run = _pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "testinfra is not installed, so the bulkhead:// host backend is unavailable" in (
        run.stdout)


def test_the_backend_registers_when_testinfra_is_there():
    import pytest
    from testinfra import backend

    from saltext.bulkhead.verify import pytest_plugin

    # the hook reads nothing of the config when testinfra is there
    config = pytest.Config.__new__(pytest.Config)
    backend.BACKENDS.pop("bulkhead", None)
    pytest_plugin.pytest_configure(config)
    assert backend.BACKENDS["bulkhead"] == "saltext.bulkhead.verify.agent_backend.AgentBackend"
