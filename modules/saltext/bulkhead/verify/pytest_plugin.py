"""pytest plugin (entry point ``pytest11``): registers the ``bulkhead://`` testinfra backend.

pytest loads this plugin in every run of an environment that has bulkhead installed, so it
imports testinfra only when pytest configures, and without testinfra it says what is missing
instead of stopping pytest from starting.
"""

from __future__ import annotations

import pytest

MISSING = ("bulkhead: testinfra is not installed, so the bulkhead:// host backend is unavailable "
           "(`bulkhead verify` and `pytest --hosts=bulkhead://DOMAIN` need pytest-testinfra: "
           "pip install pytest-testinfra)")


def pytest_configure(config: pytest.Config) -> None:
    try:
        from .agent_backend import register
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("testinfra"):
            raise
        config.issue_config_time_warning(pytest.PytestConfigWarning(MISSING), stacklevel=2)
        return
    register()
