"""The image state's no-op: skipped only while nothing the build digest depends on changed."""

from __future__ import annotations

from saltext.bulkhead.host import build_inputs
from saltext.bulkhead.image import manifest


def template(tmp_path):
    directory = tmp_path / "debian-min"
    directory.mkdir()
    for name in manifest.OUTPUTS:
        (directory / name).write_text(name)
    manifest.write_manifest(
        directory, {"input_hash": "abc", "outputs": manifest.output_digests(directory)}
    )
    return directory


def test_the_fingerprint_follows_apts_state(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "deb_Packages").write_text("Package: nftables\n")
    first = build_inputs.fingerprint((lists,))
    assert build_inputs.fingerprint((lists,)) == first
    (lists / "deb_Packages").write_text("Package: nftables\nVersion: 2\n")
    assert build_inputs.fingerprint((lists,)) != first


def test_a_recorded_fingerprint_holds_only_with_intact_outputs(tmp_path):
    directory, records = template(tmp_path), tmp_path / "records"
    assert not build_inputs.still_current(directory, "key", records)  # never recorded
    build_inputs.record(directory, "key", records)
    assert build_inputs.still_current(directory, "key", records)
    assert not build_inputs.still_current(directory, "other key", records)
    (directory / "root.img").write_text("damaged")
    assert not build_inputs.still_current(directory, "key", records)


def test_a_rebuilt_template_is_checked_again(tmp_path):
    directory, records = template(tmp_path), tmp_path / "records"
    build_inputs.record(directory, "key", records)
    manifest.write_manifest(
        directory, {"input_hash": "new", "outputs": manifest.output_digests(directory)}
    )
    assert not build_inputs.still_current(directory, "key", records)


def test_the_record_is_the_workstations_and_the_image_cache_stays_read_only(tmp_path):
    directory, records = template(tmp_path), tmp_path / "records"
    cache_before = sorted(p.name for p in directory.iterdir())
    build_inputs.record(directory, "key", records)
    assert sorted(p.name for p in directory.iterdir()) == cache_before
    assert [p.name for p in records.iterdir()] == ["debian-min.json"]
    # another cache's template of the same name is not taken for this one
    other = tmp_path / "other-cache" / "debian-min"
    other.parent.mkdir()
    directory.rename(other)
    assert not build_inputs.still_current(other, "key", records)
