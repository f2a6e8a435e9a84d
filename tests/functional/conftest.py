"""Salt loaders (salt-factories) with this checkout's formula and a per-test pillar.

The bulkhead_* modules are found through the installed package's salt.loader entry point, exactly
as on a user's machine.
"""

from __future__ import annotations

import itertools

import libvirt
import pytest
import yaml
from saltfactories.utils.functional import Loaders

from tests.conftest import REPO
from tests.guests import DRIVER_URI

_serial = itertools.count()


@pytest.fixture(scope="session")
def minion_config(salt_factories, tmp_path_factory):
    pillar_dir = tmp_path_factory.mktemp("pillar")
    (pillar_dir / "top.sls").write_text("base:\n  '*':\n    - bulkhead\n")
    (pillar_dir / "bulkhead.sls").write_text("{}\n")
    factory = salt_factories.salt_minion_daemon(
        "bulkhead-functional",
        overrides={
            "file_client": "local",
            "file_roots": {"base": [str(REPO / "states")]},
            "pillar_roots": {"base": [str(pillar_dir)]},
        },
    )
    factory.pillar_dir = pillar_dir
    return factory


@pytest.fixture
def loaders(minion_config):
    loaders = Loaders(minion_config.config.copy())
    yield loaders
    loaders.reset_state()


@pytest.fixture
def set_pillar(loaders, minion_config):
    """Write the bulkhead pillar for this test and refresh the loaders' view of it."""

    def _set(bulkhead: dict) -> None:
        # A new file name per write: Salt's file server caches (hashes, file lists) would otherwise
        # serve a previous test's pillar.
        name = f"bulkhead{next(_serial)}"
        (minion_config.pillar_dir / f"{name}.sls").write_text(
            yaml.safe_dump({"bulkhead": bulkhead})
        )
        (minion_config.pillar_dir / "top.sls").write_text(f"base:\n  '*':\n    - {name}\n")
        loaders.reload_all()  # loaded modules keep the pillar they were created with

    return _set


@pytest.fixture(scope="module")
def default_driver():
    """A connection to the test driver held for the module: its default host keeps the states'
    definitions only while a connection is open (each state opens and closes its own)."""
    conn = libvirt.open(DRIVER_URI)
    yield conn
    conn.close()
