"""Input hashing and the cache check that makes a rebuild with equal inputs a no-op."""

import hashlib

from saltext.bulkhead.image import manifest


def make_template(directory, inputs):
    for name in manifest.OUTPUTS:
        (directory / name).write_bytes(f"content of {name}".encode())
    wanted = manifest.inputs_hash(inputs)
    manifest.write_manifest(directory, {"input_hash": wanted,
                                        "outputs": manifest.output_digests(directory)})
    return wanted


def test_inputs_hash_ignores_key_order_but_not_values():
    a = {"packages": [{"name": "nftables", "version": "1.0.6-2"}], "root_size_mib": 64}
    b = {"root_size_mib": 64, "packages": [{"version": "1.0.6-2", "name": "nftables"}]}
    assert manifest.inputs_hash(a) == manifest.inputs_hash(b)
    c = {"root_size_mib": 64, "packages": [{"name": "nftables", "version": "1.0.6-3"}]}
    assert manifest.inputs_hash(a) != manifest.inputs_hash(c)


def test_inputs_hash_is_sha256_of_canonical_json_with_format():
    inputs = {"x": 1}
    expected = hashlib.sha256(b'{"format":%d,"x":1}' % manifest.FORMAT).hexdigest()
    assert manifest.inputs_hash(inputs) == expected


def test_sha256_file_matches_hashlib(tmp_path):
    data = bytes(range(256)) * 5000  # spans several read chunks
    (tmp_path / "f").write_bytes(data)
    assert manifest.sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()


def test_current_template_is_recognised(tmp_path):
    wanted = make_template(tmp_path, {"a": 1})
    assert manifest.is_current(tmp_path, wanted)
    assert not manifest.is_current(tmp_path, manifest.inputs_hash({"a": 2}))


def test_damaged_or_incomplete_template_is_not_current(tmp_path):
    wanted = make_template(tmp_path, {"a": 1})
    (tmp_path / "root.img").write_bytes(b"bit rot")
    assert not manifest.is_current(tmp_path, wanted)
    (tmp_path / "root.img").unlink()
    assert not manifest.is_current(tmp_path, wanted)


def test_missing_or_corrupt_manifest_is_not_current(tmp_path):
    assert manifest.read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text("{not json")
    assert manifest.read_manifest(tmp_path) is None
    assert not manifest.is_current(tmp_path, "0" * 64)
