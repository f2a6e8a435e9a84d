"""Module dependency closure from a small, hand-written modules.dep."""

import pytest

from saltext.bulkhead.image.modules_dep import (
    ModuleNotFound,
    closure,
    module_name,
    parse_builtin,
    parse_modules_dep,
)

FAKE_DEP = """\
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko kernel/lib/crc16.ko
kernel/fs/jbd2/jbd2.ko:
kernel/fs/mbcache.ko:
kernel/lib/crc16.ko:
kernel/crypto/crc32c-intel.ko:
kernel/unrelated/big.ko: kernel/lib/crc16.ko
"""


def test_closure_puts_dependencies_first_and_skips_unrelated():
    deps = parse_modules_dep(FAKE_DEP)
    order = closure(deps, ["virtio_blk", "ext4", "virtio_pci"])
    assert set(order) == {
        "kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
        "kernel/drivers/block/virtio_blk.ko", "kernel/fs/ext4/ext4.ko", "kernel/fs/jbd2/jbd2.ko",
        "kernel/fs/mbcache.ko", "kernel/lib/crc16.ko", "kernel/drivers/virtio/virtio_pci.ko",
        "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
    }
    assert len(order) == len(set(order))
    for path in order:
        for dep in deps[path]:
            assert order.index(dep) < order.index(path), f"{dep} must load before {path}"


def test_closure_is_deterministic():
    deps = parse_modules_dep(FAKE_DEP)
    assert closure(deps, ["ext4", "virtio_blk"]) == closure(deps, ["ext4", "virtio_blk"])
    assert closure(deps, ["ext4"])[-1] == "kernel/fs/ext4/ext4.ko"


def test_dash_and_underscore_name_the_same_module():
    deps = parse_modules_dep(FAKE_DEP)
    assert closure(deps, ["crc32c_intel"]) == ["kernel/crypto/crc32c-intel.ko"]
    assert module_name("kernel/crypto/crc32c-intel.ko.xz") == "crc32c_intel"


def test_builtin_modules_need_no_loading_but_unknown_ones_fail():
    deps = parse_modules_dep(FAKE_DEP)
    builtin = parse_builtin("kernel/drivers/char/virtio_console.ko\nkernel/fs/ext2.ko\n")
    assert closure(deps, ["virtio_console"], builtin) == []
    with pytest.raises(ModuleNotFound, match="virtio_net"):
        closure(deps, ["virtio_net"], builtin)


def test_dangling_dependency_and_cycle_are_errors():
    with pytest.raises(ModuleNotFound, match="missing.ko"):
        closure(parse_modules_dep("a.ko: missing.ko\n"), ["a"])
    with pytest.raises(ValueError, match="cycle"):
        closure(parse_modules_dep("a.ko: b.ko\nb.ko: a.ko\n"), ["a"])


def test_malformed_line_is_reported_with_its_number():
    with pytest.raises(ValueError, match="line 2"):
        parse_modules_dep("a.ko:\nthis is not a dep line\n")
