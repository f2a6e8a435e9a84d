"""A draft filled into its shape's serialisations is byte for byte what lxml writes for it."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead.plan.draft import Draft, Node, Renderer, render_built
from saltext.bulkhead.plan.xmlutil import NSMAP, ns

# Characters either serialiser escapes or lxml refuses, markers' own, and plain ones.
AWKWARD = st.text(alphabet=" aZ09-_/:.=,()@{}\"'&<>\t\n\r\x01\x7fé€", max_size=8)
VALUES = st.lists(AWKWARD | st.text(max_size=8), min_size=9, max_size=9)


def _draft(values: list[str]) -> tuple[Draft, Node]:
    draft = Draft("domain", type=values[0])
    root = draft.root
    root.text_sub("name", values[1])
    meta = root.sub("metadata").sub(ns("domain"), NSMAP, b=values[2], a=values[3])
    meta.sub(ns("interface"), mac=values[4])
    devices = root.sub("devices")
    devices.sub("disk", type=values[5]).sub("readonly")
    devices.text_sub("memory", values[6], unit=values[7])
    devices.sub("empty")
    return draft, meta


def _outcome(render: Callable[[], tuple[str, str]]) -> tuple[str, str] | str:
    try:
        return render()
    except ValueError as error:  # lxml refuses a value: both ways, with the same words
        return str(error)


@settings(max_examples=400, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=3), AWKWARD)
def test_filled_in_is_what_lxml_writes(documents: list[list[str]], workstation: str) -> None:
    drafts = [_draft(values) for values in documents + documents]  # each shape is shared
    renderer = Renderer(drafts)
    for draft, meta in drafts:
        assert (_outcome(lambda: renderer.render(draft, meta, workstation))  # noqa: B023
                == _outcome(lambda: render_built(draft, meta, workstation)))  # noqa: B023


def test_a_shared_shape_is_serialised_once_per_renderer_and_a_lone_one_never() -> None:
    drafts = [_draft([name] * 9) for name in ("work", "mail", "vault")]
    lone = Draft("network")
    lone.root.text_sub("name", "net")
    renderer = Renderer([*drafts, (lone, lone.root)])
    for draft, meta in [*drafts, (lone, lone.root)]:
        assert renderer.render(draft, meta, "ws") == render_built(draft, meta, "ws")
    assert len({id(s) for s in renderer._shape_of.values() if s.templates is not None}) == 1
