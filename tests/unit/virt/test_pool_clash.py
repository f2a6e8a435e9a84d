"""A storage pool bulkhead would take over is refused: another pool at its path, or a pool of
its name that is not a dir pool at that path. Pools whose XML does not hold the path are not
parsed, and that never hides a clash."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from saltext.bulkhead.virt.pool import _clash

PATH = "/var/lib/bulkhead/pool"
PLAN = SimpleNamespace(pool=SimpleNamespace(name="bulkhead", path=PATH))


def pool(name: str, path: str, kind: str = "dir") -> str:
    return (f"<pool type='{kind}'>\n  <name>{name}</name>\n  <target>\n    <path>{path}</path>\n"
            "  </target>\n</pool>\n")


@pytest.mark.parametrize(("pools", "refused"), [
    ({"default": pool("default", "/var/lib/libvirt/images")}, None),
    ({"bulkhead": pool("bulkhead", PATH)}, None),
    ({"other": pool("other", PATH)}, "storage pool 'other' already manages"),
    ({"other": pool("other", PATH + "-2"), "third": pool("third", "/srv" + PATH)}, None),
    ({"bulkhead": pool("bulkhead", "/srv/elsewhere")}, "exists but is not bulkhead's"),
    ({"bulkhead": pool("bulkhead", PATH, kind="logical")}, "exists but is not bulkhead's"),
], ids=["unrelated", "ours", "another at our path", "paths that only start alike",
        "ours elsewhere", "ours of another kind"])
def test_a_pool_in_the_way_is_refused(pools, refused) -> None:
    found = _clash(pools, PLAN)
    assert (found is None) if refused is None else (refused in found)
