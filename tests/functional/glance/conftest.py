from __future__ import annotations

import libvirt
import pytest

from .workstation import URI, define, undefine


@pytest.fixture
def held():
    """The test driver's default host, held open for one test and emptied of ours after it."""
    conn = libvirt.open(URI)
    yield conn
    undefine(conn)
    conn.close()


@pytest.fixture
def workstation(held, tmp_path):
    """The workstation's pillar file, with gl-net, gl-fw and gl-work running."""
    return define(held, tmp_path, running=("gl-net", "gl-fw", "gl-work"))
