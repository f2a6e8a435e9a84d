"""The libraries of the guest image: the DT_NEEDED closure of nft and Python, plus what glibc
dlopens. Without libgcc_s.so.1 a guest program whose thread ends by pthread_exit (a Python
daemon thread at interpreter exit) aborted with exit 134 instead of exiting as it meant to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from saltext.bulkhead.image import build, debs
from saltext.bulkhead.image.python_closure import PYTHON

HOST = Path("/")  # a Debian host carries the same nft and python3.11 the image is built from


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    if not (HOST / PYTHON).exists() or not (HOST / "usr/sbin/nft").exists() or not shutil.which(
            "dpkg-query"):
        pytest.skip("needs a Debian host with python3.11 and nft installed")
    pyroot = tmp_path_factory.mktemp("pyroot")
    for rel, data in build.guest_package_sources().items():
        (pyroot / "saltext/bulkhead" / rel).parent.mkdir(parents=True, exist_ok=True)
        (pyroot / "saltext/bulkhead" / rel).write_bytes(data)
    return build.image_programs(HOST, pyroot)


def test_the_image_carries_libgcc_s_that_glibc_dlopens_for_pthread_exit(programs):
    _stdlib, libraries, _interpreter = programs
    by_name = {lib.name: lib for lib in libraries}
    assert "libc.so.6" in by_name
    assert "libgcc_s.so.1" in by_name, sorted(by_name)
    assert debs.owning_package(by_name["libgcc_s.so.1"]).name == "libgcc-s1"


def test_every_library_is_listed_once_and_the_interpreter_is_found(programs):
    _stdlib, libraries, interpreter = programs
    names = [lib.name for lib in libraries]
    assert names == sorted(set(names))
    assert interpreter is not None and interpreter.name == "ld-linux-x86-64.so.2"
