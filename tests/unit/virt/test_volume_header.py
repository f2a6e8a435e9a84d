"""A qcow2 volume's shape is confirmed from its header only when it is exactly the expected one.

Files made by qemu-img, the tool libvirt uses to create them; anything but a regular qcow2 file
naming exactly the expected backing (or none) is "not confirmed", which sends apply to libvirt.
"""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.virt.volume_header import local_files, qcow2_shape_is


def qemu_img(*args: str) -> None:
    subprocess.run(["qemu-img", *args], check=True, capture_output=True)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base.raw"
    path.write_bytes(bytes(1 << 20))
    return path


def test_a_qcow2_without_backing_is_confirmed_only_as_having_none(tmp_path, base) -> None:
    vol = tmp_path / "private.qcow2"
    qemu_img("create", "-f", "qcow2", str(vol), "1M")
    assert qcow2_shape_is(str(vol), None)
    assert not qcow2_shape_is(str(vol), str(base))


@pytest.mark.parametrize("compat", ["0.10", "1.1"])  # header versions 2 and 3
def test_a_qcow2_naming_the_expected_backing_is_confirmed(tmp_path, base, compat) -> None:
    vol = tmp_path / "root.qcow2"
    qemu_img("create", "-f", "qcow2", "-o", f"compat={compat}", "-b", str(base), "-F", "raw",
             str(vol))
    assert qcow2_shape_is(str(vol), str(base))
    assert not qcow2_shape_is(str(vol), None)
    assert not qcow2_shape_is(str(vol), str(base) + "x")


def test_a_relative_backing_name_is_not_confirmed(tmp_path, base) -> None:
    vol = tmp_path / "root.qcow2"
    qemu_img("create", "-f", "qcow2", "-b", base.name, "-F", "raw", str(vol))
    assert not qcow2_shape_is(str(vol), str(base))  # libvirt resolves it: it decides


def test_other_formats_links_and_missing_files_are_not_confirmed(tmp_path, base) -> None:
    raw = tmp_path / "private.raw"
    raw.write_bytes(bytes(1 << 16))
    qcow = tmp_path / "real.qcow2"
    qemu_img("create", "-f", "qcow2", str(qcow), "1M")
    link = tmp_path / "link.qcow2"
    link.symlink_to(qcow)
    assert not qcow2_shape_is(str(raw), None)
    assert not qcow2_shape_is(str(link), None)
    assert not qcow2_shape_is(str(tmp_path / "missing.qcow2"), None)
    assert not qcow2_shape_is(str(tmp_path), None)  # a directory
    empty = tmp_path / "empty.qcow2"
    empty.write_bytes(b"")
    assert not qcow2_shape_is(str(empty), None)


def test_an_external_data_file_is_not_confirmed(tmp_path) -> None:
    vol = tmp_path / "private.qcow2"
    qemu_img("create", "-f", "qcow2", "-o", f"data_file={tmp_path / 'data.raw'}", str(vol), "1M")
    assert not qcow2_shape_is(str(vol), None)


@settings(max_examples=300, deadline=None)
@given(head=st.binary(max_size=120), version=st.sampled_from([1, 2, 3, 4]),
       offset=st.integers(0, 200), size=st.integers(0, 2000), tail=st.binary(max_size=200))
def test_any_header_confirms_at_most_what_it_names(tmp_path_factory, head, version, offset,
                                                   size, tail) -> None:
    # Arbitrary bytes, or a qcow2 magic with arbitrary fields: never an error, and confirmed only
    # for the backing name the bytes really hold at the offset the header gives.
    path = tmp_path_factory.mktemp("h") / "vol"
    for data in (head + tail, b"QFI\xfb" + struct.pack(">IQI", version, offset, size) + tail):
        path.write_bytes(data)
        named = data[offset:offset + size] if offset else None
        for backing in (None, "/srv/base", os.fsdecode(named) if named else "/x"):
            if qcow2_shape_is(str(path), backing):
                assert data[:4] == b"QFI\xfb" and version in (2, 3)
                assert (backing is None) == (offset == 0)
                assert backing is None or os.fsencode(backing) == named


@pytest.mark.parametrize(("uri", "local"), [
    ("qemu:///system", True), ("qemu:///session", True), ("qemu+unix:///system", True),
    ("xen:///system", True), ("test:///default", False), ("qemu+ssh://host/system", False),
    ("qemu+tcp://host/system", False), ("qemu://host/system", False),
    ("qemu+ext:///system", False), ("", False),
])
def test_only_a_local_hypervisor_keeps_its_volumes_here(uri, local) -> None:
    assert local_files(uri) is local
