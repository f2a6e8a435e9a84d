"""A config volume is byte for byte the archive ``tarfile`` writes for its members."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.plan.guest_config import ConfigArchiver

# Ours, others of up to 160 characters (ustar splits or refuses names of over 100 bytes), and
# others again not ASCII (multibyte, or a lone surrogate tarfile writes as the byte it stands for).
NAMES = (st.sampled_from(["config.json", "name", "network"])
         | st.text(alphabet="abcxyz./-_0189", min_size=1, max_size=20)
         | st.text(alphabet="abcxyz./-_0189", min_size=95, max_size=160)
         | st.text(alphabet="aé€/\udc80", min_size=1, max_size=100))


def _tarfile_archive(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o444
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, st.integers(0, 8**11 - 1) | st.integers(-1, 8**12)),
                min_size=1, max_size=6))
def test_headers_are_tarfiles_whatever_the_size(members: list[tuple[str, int]]) -> None:
    archiver = ConfigArchiver()  # one per plan: names recur with other sizes
    for name, size in members:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, 0, 0o444
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        assert (_outcome(lambda: archiver.header(name, size))  # noqa: B023
                == _outcome(lambda: info.tobuf(tarfile.USTAR_FORMAT, "utf-8",  # noqa: B023
                                               "surrogateescape")))


def _outcome(header: Callable[[], bytes]) -> bytes | str:
    try:
        return header()
    except ValueError as error:  # too long a name or size for ustar: both ways, the same words
        return str(error)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="abz-09", min_size=1, max_size=31), min_size=1, max_size=4),
       st.lists(st.sampled_from(["192.0.2.7", "198.51.100.1"]), max_size=300))
def test_archives_are_tarfiles(names: list[str], clients: list[str]) -> None:
    archiver = ConfigArchiver()
    for name in names:
        config = {"name": name, "label": "red", "interfaces": [], "dns": [], "forward": True,
                  "clients": clients}
        written = archiver.config_tar(config)
        with tarfile.open(fileobj=io.BytesIO(written)) as tar:
            files = {m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
                     for m in tar.getmembers()}
        assert written == _tarfile_archive(files)
        assert files["name"] == f"{name}\n".encode()
