"""Our metadata element, a domain's record, its config hash and import records are found by plain
walks of the parsed definition, exactly as the path searches they replace (``metadata/{ns}*``,
``uuid``, ``{ns}interface``, ``{ns}config-hash``, ``{ns}import``) find them, in any definition:
several ``<metadata>`` (the first with an element of ours wins), other namespaces first, comments,
a missing or repeated UUID, hash or import, metadata of ours that is not a domain's.
"""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from saltext.bulkhead import NAMESPACE
from saltext.bulkhead.plan.metadata import (
    imports_in,
    ours_in,
    recorded_hash,
    recorded_with_owner_in,
)
from saltext.bulkhead.plan.ownership import owner_of
from saltext.bulkhead.plan.recorded import RecordedDomain, RecordedInterface

OTHER = "https://example.invalid/other"


def _ours(tag: str, workstation: str | None, nics: list[tuple[str, str | None]],
          records: list[str]) -> str:
    owner = f' workstation="{workstation}"' if workstation is not None else ""
    inner = "".join(f'<b:interface network="n{i}" mac="{mac}"'
                    + (f' address="{addr}"/>' if addr else "/>")
                    for i, (mac, addr) in enumerate(nics))
    return f'<b:{tag} xmlns:b="{NAMESPACE}"{owner}>{inner}{"".join(records)}</b:{tag}>'


_record = st.sampled_from([
    "<b:config-hash>h1</b:config-hash>", "<b:config-hash>h2</b:config-hash>",
    "<b:config-hash/>", '<b:import volume="v1" sha256="s1"/>', '<b:import volume="v1"/>',
    '<b:import volume="v2" sha256="s2"/>', "<!-- b:config-hash -->",
    f'<o:config-hash xmlns:o="{OTHER}">o</o:config-hash>', "<config-hash>plain</config-hash>",
])


_nic = st.tuples(st.sampled_from(["52:54:00:00:00:01", "52:54:00:aa:bb:cc"]),
                 st.sampled_from([None, "10.137.0.5", "10.0.0.1"]))
_inside = st.one_of(
    st.just("<!-- a comment -->"),
    st.just(f'<o:note xmlns:o="{OTHER}">x</o:note>'),
    st.builds(_ours, st.sampled_from(["domain", "network"]),
              st.sampled_from([None, "ws-a", "ws-b"]), st.lists(_nic, max_size=3),
              st.lists(_record, max_size=4)),
)
_child = st.one_of(
    st.builds(lambda parts: "<metadata>" + "".join(parts) + "</metadata>",
              st.lists(_inside, max_size=3)),
    st.sampled_from(["<uuid>6a3c1b52-0000-4000-8000-000000000001</uuid>", "<uuid/>",
                     "<uuid>second</uuid>", "<name>x</name>", "<!-- c -->", "<memory>1</memory>",
                     f'<o:metadata xmlns:o="{OTHER}"/>']),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_child, max_size=6))
def test_walks_find_what_the_path_searches_find(children: list[str]) -> None:
    doc = etree.fromstring(("<domain>" + "".join(children) + "</domain>").encode())
    meta = doc.find(f"metadata/{{{NAMESPACE}}}*")
    assert ours_in(doc) is meta or ours_in(doc) == meta
    if meta is not None:
        found = meta.find(f"{{{NAMESPACE}}}config-hash")
        assert recorded_hash(meta) == (None if found is None else found.text)
        assert imports_in(meta) == {el.get("volume", ""): el.get("sha256", "")
                                    for el in meta.iterfind(f"{{{NAMESPACE}}}import")}
    if meta is None or meta.tag != f"{{{NAMESPACE}}}domain":
        assert recorded_with_owner_in(doc) is None
        return
    nics = tuple(
        RecordedInterface(el.get("network", ""), el.get("mac", ""),
                          ipaddress.IPv4Address(el.get("address")) if el.get("address") else None)
        for el in meta.findall(f"{{{NAMESPACE}}}interface"))
    assert recorded_with_owner_in(doc) == (RecordedDomain(doc.findtext("uuid"), nics),
                                           owner_of(meta))
