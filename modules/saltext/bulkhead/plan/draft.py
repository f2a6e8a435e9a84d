"""Domain documents drafted as a shape and its values, rendered by filling in the shape's text.

lxml builds a document one element at a time (a Python object each) and serialises it twice per
domain (canonical, to hash; pretty, to define). Most domains of a plan share a shape: the same
elements, attribute names and places for text; only the values differ (names, paths, MACs). A
``Draft`` records the shape and the values; ``Renderer`` (one per plan) writes each shape's two
serialisations once as text with a gap per value (``shape_text``, in Python: cheaper than building
the elements with lxml) and fills in every domain's values. A document with a value either
serialiser would escape (or lxml would refuse), or a shape ``shape_text`` leaves out, is built and
serialised by lxml. Either way the bytes are lxml's (tests/unit/plan/test_draft_render.py).

Elements are added under their parent's index (``Draft.sub``: no object per element, which was a
fifth of drafting a domain), or through a ``Node``, added to like an lxml element.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from lxml import etree

from .draft_document import Element, document
from .element_text import verbatim
from .metadata import canonical_form, record_hash
from .shape_text import Shape, ShapeWriter, Template
from .xmlutil import render


class Draft:
    """One document: its shape (elements in the order added) and values (in the same order).

    Elements are added as lxml's are (``xmlutil.sub``, ``text_sub``): under a parent, here its
    index (the root's is 0); each addition gives the new element's index."""

    def __init__(self, tag: str, **attrs: str) -> None:
        # a list while drafted; once rendered, a tuple (``Renderer.render``)
        self.shape: list[Shape] | Shapes = [(-1, tag, tuple(attrs), False, None)]
        self.values: list[str] = list(attrs.values())

    def sub(self, parent: int, tag: str, nsmap: dict[str, str] | None = None, /,
            **attrs: str) -> int:
        shape: list[Shape] = self.shape  # type: ignore[assignment]
        shape.append((parent, tag, tuple(attrs), False,
                      None if nsmap is None else tuple(nsmap.items())))
        self.values.extend(attrs.values())
        return len(shape) - 1

    def text_sub(self, parent: int, tag: str, text: str | int, /, **attrs: str) -> int:
        shape: list[Shape] = self.shape  # type: ignore[assignment]
        shape.append((parent, tag, tuple(attrs), True, None))
        values = self.values
        values.extend(attrs.values())
        values.append(str(text))
        return len(shape) - 1

    @property
    def root(self) -> Node:
        # Not kept: a node refers to its draft, and a draft kept by its root would be a cycle.
        return Node(self, 0)

    def document(self) -> Element:
        """The root of the document as parsing its rendering gives it, less what rendering
        records in it (the config hash and the workstation's mark): read without writing it out
        and parsing it back."""
        return document(self.shape, self.values)


class Node:
    """An element of a draft, added to like an lxml element itself."""

    __slots__ = ("draft", "index")

    def __init__(self, draft: Draft, index: int) -> None:
        self.draft = draft
        self.index = index

    def sub(self, tag: str, nsmap: dict[str, str] | None = None, **attrs: str) -> Node:
        return Node(self.draft, self.draft.sub(self.index, tag, nsmap, **attrs))

    def text_sub(self, tag: str, text: str | int, **attrs: str) -> Node:
        return Node(self.draft, self.draft.text_sub(self.index, tag, text, **attrs))


def build(shape: Sequence[Shape], values: Sequence[str]) -> list[etree._Element]:
    """The lxml elements of a draft, in document order (the first is the root)."""
    given = iter(values)
    elements: list[etree._Element] = []
    for parent, tag, names, has_text, nsmap in shape:
        attrs = dict(zip(names, given))  # noqa: B905 (names first: takes no value too many)
        ns = None if nsmap is None else dict(nsmap)
        el = (etree.SubElement(elements[parent], tag, attrs, nsmap=ns) if parent >= 0
              else etree.Element(tag, attrs, nsmap=ns))
        if has_text:
            el.text = next(given)
        elements.append(el)
    return elements


def render_built(draft: Draft, meta: Node, workstation: str) -> tuple[str, str]:
    """(pretty XML, config hash) of ``draft`` by lxml, its hash recorded in ``meta``."""
    elements = build(draft.shape, draft.values)
    digest = hashlib.sha256(canonical_form(elements[0])).hexdigest()
    record_hash(elements[meta.index], digest, workstation)
    return render(elements[0]), digest


class Renderer:
    """Renders a plan's drafts: each shape is written out once per plan (never across plans: every
    run renders from its own pillar) and filled in per draft; lxml renders what that cannot."""

    def __init__(self) -> None:
        self._writer = ShapeWriter()
        # each shape (shared by its drafts) and its serialisations (None: lxml's to write)
        self._templates: dict[_Key, tuple[Shapes, tuple[Template, Template] | None]] = {}

    def render(self, draft: Draft, meta: Node, workstation: str) -> tuple[str, str]:
        """(pretty XML, config hash), the hash and ``workstation`` recorded in ``meta``."""
        values = [*draft.values, workstation]
        if not verbatim(values):
            return render_built(draft, meta, workstation)
        key = _key(draft, meta)
        try:
            shape, templates = self._templates[key]
        except KeyError:
            shape, templates = self._templates[key] = (
                key[0], self._writer.templates(draft.shape, meta.index))
        # Finished: its shape the one its like share (a plan keeps its drafts; each its own
        # shape would be ~100 objects more per domain for the garbage collector to go over).
        draft.shape = shape
        if templates is None:
            return render_built(draft, meta, workstation)
        canonical, pretty = templates
        digest = hashlib.sha256(canonical.fill(values).encode()).hexdigest()
        values.append(digest)
        return pretty.fill(values), digest


Shapes = tuple[Shape, ...]
_Key = tuple[Shapes, int]


def _key(draft: Draft, meta: Node) -> _Key:
    return tuple(draft.shape), meta.index

