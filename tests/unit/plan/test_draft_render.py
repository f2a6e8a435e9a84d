"""A draft filled into its shape's serialisations is byte for byte what lxml writes for it."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from saltext.bulkhead import NAMESPACE
from saltext.bulkhead.plan.draft import Draft, Node, Renderer, render_built
from saltext.bulkhead.plan.shape_text import ShapeWriter
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
    renderer = Renderer()
    for draft, meta in drafts:
        assert (_outcome(lambda: renderer.render(draft, meta, workstation))  # noqa: B023
                == _outcome(lambda: render_built(draft, meta, workstation)))  # noqa: B023


# Shapes the writer covers: plain names, our namespace where it is declared (under ours).
TAGS = st.sampled_from(["disk", "source", "a", "b", ns("interface"), ns("x")])
NAMES = st.lists(st.sampled_from(["type", "name", "a", "b"]), unique=True, max_size=3)
STEPS = st.lists(st.tuples(st.integers(0, 99), st.booleans(), TAGS, NAMES), max_size=12)
PLAIN = st.text(alphabet=" aZ09-_/:.=,", max_size=5)
# One oddity at most per shape: the writer covers the first two and leaves the others to lxml
# (which writes them or refuses them).
COVERED = ("none", "another namespace")
ODDITIES = (*COVERED, "mixed content", "an undeclared namespace", "a tag lxml refuses",
            "an attribute lxml refuses", "a namespace to escape", "a default namespace",
            "our namespace again", "ours by another prefix", "a prefix rebound", "two at once",
            "the hash in an element with text",
            "the mark over an attribute", "the hash elsewhere")


def _add_oddity(oddity: str, node: Node, meta: Node) -> Node:
    """Adds ``oddity`` at ``node``; returns the element to record the hash in."""
    match oddity:
        case "another namespace":
            node.sub("a", {"o": "urn:o"}).sub("{urn:o}y", a="v")
        case "mixed content":
            node.text_sub("a", "t").sub("b")
        case "an undeclared namespace":
            node.sub("{urn:o}y")
        case "a tag lxml refuses":
            node.sub("no name")
        case "an attribute lxml refuses":
            node.sub("a", **{"no name": "v"})
        case "a namespace to escape":
            node.sub("a", {"o": 'urn:&"'})
        case "a default namespace":
            node.sub("a", {None: "urn:o"}).sub("b")  # type: ignore[dict-item]
        case "our namespace again":
            node.sub("a", NSMAP).sub(ns("y"))
        case "ours by another prefix":
            node.sub("a", {"o": NAMESPACE}).sub(ns("y"))
        case "a prefix rebound":
            rebound = node.sub("a", {"bulkhead": "urn:o"})
            rebound.sub("{urn:o}y")
            rebound.sub(ns("y"))
        case "two at once":
            node.sub("a", {"o": "urn:o", "p": "urn:p"}).sub("{urn:p}y")
        case "the hash in an element with text":
            return meta.text_sub(ns("x"), "t")
        case "the mark over an attribute":
            return meta.sub(ns("x"), workstation="w")
        case "the hash elsewhere":
            return node
    return meta


@settings(max_examples=600, deadline=None)
@given(STEPS, st.sampled_from(ODDITIES), st.integers(0, 99),
       st.lists(PLAIN | PLAIN | AWKWARD, min_size=1, max_size=6), PLAIN | AWKWARD)
def test_any_shape_is_rendered_as_lxml_writes_it(
        steps: list[tuple[int, bool, str, list[str]]], oddity: str, odd_at: int,
        values: list[str], workstation: str) -> None:
    given_values = iter(values * 60)
    draft = Draft("domain", type=next(given_values))
    meta = draft.root.sub("metadata").sub(ns("domain"), NSMAP, b=next(given_values))
    parents = [(draft.root, False), (meta, True)]  # and whether our namespace is declared there
    for parent, has_text, tag, names in steps:
        fitting = [(node, ours) for node, ours in parents if ours or not tag.startswith(ns(""))]
        node, ours = fitting[parent % len(fitting)]
        attrs = {name: next(given_values) for name in names}
        if has_text:
            node.text_sub(tag, next(given_values), **attrs)
        else:
            parents.append((node.sub(tag, **attrs), ours))
    meta = _add_oddity(oddity, parents[(odd_at + 1) % len(parents)][0], meta)  # 0: ours
    if oddity in COVERED:
        assert ShapeWriter().templates(draft.shape, meta.index) is not None
    renderer = Renderer()
    for _ in range(2):
        assert (_outcome(lambda: renderer.render(draft, meta, workstation))  # noqa: B023
                == _outcome(lambda: render_built(draft, meta, workstation)))  # noqa: B023


def test_a_shape_is_written_once_per_renderer_however_many_drafts_share_it() -> None:
    drafts = [_draft([name] * 9) for name in ("work", "mail", "vault")]
    lone = Draft("network")
    lone.root.text_sub("name", "net")
    renderer = Renderer()
    for draft, meta in [*drafts, (lone, lone.root)]:
        assert renderer.render(draft, meta, "ws") == render_built(draft, meta, "ws")
    assert len(renderer._templates) == 2
