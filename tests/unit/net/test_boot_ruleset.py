"""The firewall volume's layout, on both sides: ``encode``/``decode`` on the host and the guest's
``load_boot_ruleset`` (agent-protocol.sh) run by busybox sh with a stand-in ``nft``."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.net import BootRulesetError, boot_ruleset

BUSYBOX = shutil.which("busybox")
PROTOCOL = resources.files("saltext.bulkhead.image") / "guest" / "agent-protocol.sh"
TEXT = "table inet bulkhead\ndelete table inet bulkhead\ntable inet bulkhead {\n}\n"


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(min_codepoint=1, max_codepoint=126), max_size=2000))
def test_decode_gives_the_sha_of_what_encode_wrote(text):
    content = boot_ruleset.encode(text)
    assert len(content) == boot_ruleset.VOLUME_BYTES
    assert boot_ruleset.decode(content) == hashlib.sha256(text.encode()).hexdigest()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1200), st.integers(0, 512 + len(TEXT) - 1))
def test_damaged_or_foreign_content_is_never_taken_for_a_ruleset(noise, cut):
    whole = boot_ruleset.encode(TEXT)
    assert boot_ruleset.decode(noise) is None
    assert boot_ruleset.decode(whole[:cut]) is None  # cut short: the body is missing
    flipped = bytearray(whole)
    flipped[boot_ruleset.HEADER_BYTES + cut % len(TEXT)] ^= 0x01
    assert boot_ruleset.decode(bytes(flipped)) is None


def test_a_ruleset_larger_than_the_volume_is_refused():
    with pytest.raises(BootRulesetError, match="does not fit"):
        boot_ruleset.encode("x" * (boot_ruleset.MAX_RULESET_BYTES + 1))
    assert (
        boot_ruleset.decode(boot_ruleset.encode("x" * boot_ruleset.MAX_RULESET_BYTES)) is not None
    )


def guest_load(tmp_path: Path, content: bytes, nft_exit: int = 0) -> tuple[str, Path]:
    """Run the guest's loader on ``content`` as its volume; (what it said, its run directory)."""
    volume, run, bin_dir = tmp_path / "vdd", tmp_path / "run", tmp_path / "bin"
    volume.write_bytes(content)
    bin_dir.mkdir(exist_ok=True)
    nft = bin_dir / "nft"  # records what it was asked to load, then accepts or refuses it
    nft.write_text(f'#!/bin/sh\ncp "$2" "{tmp_path}/loaded.nft"\nexit {nft_exit}\n')
    nft.chmod(0o755)
    script = (
        f'PATH={bin_dir}:$PATH; AGENT_RUN={run}; name=t; . "{PROTOCOL}"; load_boot_ruleset {volume}'
    )
    out = subprocess.run([BUSYBOX, "sh", "-c", script], capture_output=True, text=True, check=True,
                         timeout=20)
    return out.stdout.strip(), run


needs_busybox = pytest.mark.skipif(BUSYBOX is None, reason="busybox-static is not installed")


@needs_busybox
def test_the_guest_loads_an_intact_ruleset_and_reports_it_as_enforced(tmp_path):
    said, run = guest_load(tmp_path, boot_ruleset.encode(TEXT))
    sha = hashlib.sha256(TEXT.encode()).hexdigest()
    assert said == f"boot ruleset {sha[:12]} loaded"
    assert (run / "firewall.nft").read_text() == TEXT  # firewall_status hashes this file
    assert (tmp_path / "loaded.nft").read_text() == TEXT


@needs_busybox
@pytest.mark.parametrize("damage, expected", [
    (lambda c: b"\0" * len(c), "no boot ruleset on"),
    (lambda c: c[:boot_ruleset.HEADER_BYTES + 5], "boot ruleset damaged: not loaded"),
    (lambda c: c[:boot_ruleset.HEADER_BYTES] + b"X" + c[boot_ruleset.HEADER_BYTES + 1:],
     "boot ruleset damaged: not loaded"),
    (lambda c: c.replace(b"bulkhead-firewall 1 ", b"bulkhead-firewall 1 x", 1), "header damaged"),
    (lambda c: b"$(reboot) * ; `id`\n" + c, "no boot ruleset on"),
])
def test_the_guest_keeps_its_boot_firewall_unless_the_volume_is_whole(tmp_path, damage, expected):
    said, run = guest_load(tmp_path, damage(boot_ruleset.encode(TEXT)))
    assert expected in said
    assert not (tmp_path / "loaded.nft").exists() and not (run / "firewall.nft").exists()


@needs_busybox
def test_a_ruleset_nft_refuses_is_not_reported_as_enforced(tmp_path):
    said, run = guest_load(tmp_path, boot_ruleset.encode(TEXT), nft_exit=1)
    assert said == "boot ruleset refused by nft"
    assert not (run / "firewall.nft").exists()
