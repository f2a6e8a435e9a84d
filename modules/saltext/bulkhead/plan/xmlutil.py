"""Small lxml helpers so every XML document bulkhead renders is serialised the same way."""

from __future__ import annotations

from lxml import etree

from .. import NAMESPACE

NS_PREFIX = "bulkhead"
NSMAP = {NS_PREFIX: NAMESPACE}


def sub(
    parent: etree._Element, tag: str, text: str | int | None = None, **attrs: str
) -> etree._Element:
    """A child of ``parent`` with ``attrs`` in the order given (a plan builds hundreds: cheap)."""
    el = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


def ns(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def render(root: etree._Element) -> str:
    return etree.tostring(root, pretty_print=True, encoding="unicode")
