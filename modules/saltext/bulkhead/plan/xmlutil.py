"""Small lxml helpers so every XML document bulkhead renders is serialised the same way."""

from __future__ import annotations

from lxml import etree

from .. import NAMESPACE

NS_PREFIX = "bulkhead"
NSMAP = {NS_PREFIX: NAMESPACE}


# A child with attributes in the order given: lxml's own SubElement, without a wrapper in Python
# (domains are drafted instead: draft.py).
sub = etree.SubElement


def text_sub(
    parent: etree._Element, tag: str, text: str | int, **attrs: str
) -> etree._Element:
    """A child holding ``text`` (a number is written as str() writes it)."""
    el = etree.SubElement(parent, tag, attrs)
    el.text = str(text)
    return el


def ns(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def render(root: etree._Element) -> str:
    return etree.tostring(root, pretty_print=True, encoding="unicode")
