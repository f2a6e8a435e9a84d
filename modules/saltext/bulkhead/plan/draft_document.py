"""A draft's document read as a parsed lxml element is, without writing it out and parsing it.

A plan keeps each domain's draft (``Draft.document``): apply compares the planned properties with
the defined ones on every run (``virt.domain_props.properties_of`` reads either), and parsing the
planned XML again cost as much as reading the properties. tests/unit/virt/test_planned_props.py
holds it to what parsing the rendered XML gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .shape_text import Shape


def document(shape: Sequence[Shape], values: list[str]) -> Element:
    """The root of a draft's document (``shape`` filled in with ``values``) as parsing its
    rendering gives it: tags, attributes, texts (an empty one is None), children."""
    at = 0  # the first value of the element
    elements: list[Element] = []
    append = elements.append
    for parent, tag, names, has_text, _ in shape:
        el = Element()  # attributes set here: an __init__ costs a third more per element
        el.tag = tag
        el.names = names
        el.values = values
        el.at = at
        at += len(names)
        if has_text:
            el.text = values[at] or None
            at += 1
        else:
            el.text = None
        if parent >= 0:
            elements[parent].append(el)
        append(el)
    return elements[0]


class Element(list):  # type: ignore[type-arg]
    """An element of a draft's document, read as a parsed lxml element is: ``tag``, ``text``,
    ``get`` an attribute, its ``items``; like lxml's, a sequence of its children. Its attributes
    are read where the draft holds them (a dict per element cost a quarter more to read a
    domain's properties)."""

    __slots__ = ("tag", "names", "values", "at", "text")
    tag: str
    names: tuple[str, ...]  # its attributes' names, their values from ``values[at]`` on
    values: list[str]
    at: int
    text: str | None

    def get(self, name: str, default: str | None = None) -> str | None:
        names = self.names
        return self.values[self.at + names.index(name)] if name in names else default

    def items(self) -> list[tuple[str, str]]:
        return list(zip(self.names, self.values[self.at:], strict=False))
