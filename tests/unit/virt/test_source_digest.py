"""The image digest cache: a file whose identity is unchanged is not read again."""

from __future__ import annotations

import hashlib
import json
import os

from saltext.bulkhead.virt.source_digest import identity, source_sha256


def test_digest_is_the_files_sha256_and_is_cached(tmp_path) -> None:
    image, cache = tmp_path / "root.img", tmp_path / "c.json"
    image.write_bytes(b"x" * 5000)
    assert source_sha256(str(image), cache) == hashlib.sha256(b"x" * 5000).hexdigest()
    assert json.loads(cache.read_text())["digests"] == {
        identity(str(image)): hashlib.sha256(b"x" * 5000).hexdigest()
    }


def test_an_unchanged_file_is_not_hashed_again(tmp_path) -> None:
    image, cache = tmp_path / "root.img", tmp_path / "c.json"
    image.write_bytes(b"content")
    planted = "a" * 64  # only a cache hit can return this
    cache.write_text(json.dumps({"digests": {identity(str(image)): planted}}))
    assert source_sha256(str(image), cache) == planted


def test_rewriting_the_file_misses_the_cache_even_with_the_same_size_and_mtime(tmp_path) -> None:
    image, cache = tmp_path / "root.img", tmp_path / "c.json"
    image.write_bytes(b"old!")
    st = os.stat(image)
    cache.write_text(json.dumps({"digests": {identity(str(image)): "a" * 64}}))
    image.write_bytes(b"new!")
    os.utime(image, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime set back; ctime cannot be
    assert source_sha256(str(image), cache) == hashlib.sha256(b"new!").hexdigest()


def test_a_broken_cache_file_is_ignored_and_replaced(tmp_path) -> None:
    image, cache = tmp_path / "root.img", tmp_path / "c.json"
    image.write_bytes(b"data")
    for junk in (
        "not json",
        '{"digests": []}',
        json.dumps({"digests": {identity(str(image)): "zz"}}),
    ):
        cache.write_text(junk)
        assert source_sha256(str(image), cache) == hashlib.sha256(b"data").hexdigest()
    assert (
        json.loads(cache.read_text())["digests"][identity(str(image))]
        == hashlib.sha256(b"data").hexdigest()
    )


def test_an_unwritable_cache_still_gives_the_digest(tmp_path) -> None:
    image = tmp_path / "root.img"
    image.write_bytes(b"data")
    (tmp_path / "file").write_text("")
    cache = tmp_path / "file" / "c.json"  # its parent is a file: cannot be created
    assert source_sha256(str(image), cache) == hashlib.sha256(b"data").hexdigest()


def test_only_the_entry_asked_for_must_be_well_formed_and_a_rewrite_drops_the_others(
        tmp_path) -> None:
    image, other, cache = tmp_path / "root.img", tmp_path / "other.img", tmp_path / "c.json"
    image.write_bytes(b"data")
    other.write_bytes(b"other")
    planted = "b" * 64  # only a cache hit can return this
    cache.write_text(json.dumps({"digests": {"junk": "zz", identity(str(image)): planted}}))
    assert source_sha256(str(image), cache) == planted
    assert source_sha256(str(other), cache) == hashlib.sha256(b"other").hexdigest()  # a miss
    assert json.loads(cache.read_text())["digests"] == {
        identity(str(image)): planted, identity(str(other)): hashlib.sha256(b"other").hexdigest()}
