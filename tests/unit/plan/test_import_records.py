"""Import records in a domain's bulkhead metadata: written by apply, outside the config hash."""

from __future__ import annotations

import pytest

from saltext.bulkhead.plan.metadata import find_ours, read_imports, recorded_hash, with_imports

DOMAIN = """<domain type='qemu'><name>tpl</name><metadata>
<bulkhead:domain xmlns:bulkhead="https://bulkhead.invalid/ns" class="template">
<bulkhead:config-hash>abc</bulkhead:config-hash></bulkhead:domain>
</metadata></domain>"""


@pytest.fixture
def domain() -> str:
    from saltext.bulkhead import NAMESPACE

    return DOMAIN.replace("https://bulkhead.invalid/ns", NAMESPACE)


def test_records_round_trip_and_replace(domain) -> None:
    assert read_imports(domain) == {}
    once = with_imports(domain, {"tpl-root.raw": "1" * 64, "b.raw": "2" * 64})
    assert read_imports(once) == {"tpl-root.raw": "1" * 64, "b.raw": "2" * 64}
    twice = with_imports(once, {"tpl-root.raw": "3" * 64})
    assert read_imports(twice) == {"tpl-root.raw": "3" * 64}
    assert read_imports(with_imports(twice, {})) == {}
    assert recorded_hash(find_ours(twice)) == "abc"  # the rest of the metadata is untouched


def test_records_need_bulkhead_metadata() -> None:
    with pytest.raises(ValueError, match="not a bulkhead domain"):
        with_imports("<domain><name>x</name></domain>", {"v": "1" * 64})
