"""A draft's shape written out as lxml serialises it, with a gap for each value.

Two serialisations per shape: canonical (c14n: what the config hash is taken of) and pretty (what
libvirt is given, with the hash and the workstation's mark recorded in our metadata element). They
hold for values neither serialiser escapes (``draft._verbatim``); tests/unit/plan/
test_draft_render.py compares them with lxml's. A shape outside what this writes (an element with
text and children; a namespace declared twice, shadowed, default or not at all; a name that is
not a plain XML name) gives None, and lxml renders it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .. import NAMESPACE
from .ownership import WORKSTATION_ATTR

# parent's index (-1: the root), tag, attribute names in order, holds text, namespace map items
Shape = tuple[int, str, tuple[str, ...], bool, tuple[tuple[str, str], ...] | None]
Scope = tuple[tuple[str, str], ...]  # (namespace, prefix) declared where an element is
# An element's start as written (up to its '>'): its name, pretty start (attributes in order),
# canonical start (sorted) and which of its attributes each gap of the canonical one takes.
Start = tuple[str, str, str, tuple[int, ...]]

HASH_TAG = f"{{{NAMESPACE}}}config-hash"  # metadata.HASH_TAG in our namespace
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_QUALIFIED = re.compile(r"\{([^{}]*)\}(.*)")
_GAP = "\x00"  # where a value goes: verbatim values never hold it (it is not printable)


class Template:
    """Literal text at even places of ``parts``, a value at each odd place (``order``: which)."""

    def __init__(self, text: str, order: list[int]) -> None:
        literals = text.split(_GAP)
        self._parts = [""] * (2 * len(literals) - 1)
        self._parts[::2] = literals
        self._order = order

    def fill(self, values: Sequence[str]) -> str:
        parts = self._parts.copy()
        parts[1::2] = [values[i] for i in self._order]
        return "".join(parts)


class ShapeWriter:
    """Writes a plan's shapes (one per plan: never across plans). Their elements recur, across
    shapes and within one, so each element's start is written once."""

    def __init__(self) -> None:
        self._starts: dict[tuple[str, tuple[str, ...], object, Scope], Start | None] = {}

    def templates(self, shape: Sequence[Shape], meta: int) -> tuple[Template, Template] | None:
        """(canonical, pretty) of ``shape``, its values followed by the workstation (the mark of
        element ``meta``) and the config hash (the text of meta's last child), pretty only."""
        starts: list[Start] = []
        scopes: list[Scope] = []
        firsts: list[int] = []  # each element's first value (values are in the shape's order)
        count = 0
        children: list[list[int]] = [[] for _ in shape]
        for index, (parent, tag, names, has_text, nsmap) in enumerate(shape):
            scope = scopes[parent] if parent >= 0 else ()
            if nsmap is not None:
                declared = _declared(scope, nsmap)
                if declared is None:
                    return None
                scope = declared
            start = self._start(tag, names, nsmap, scope)
            if start is None:
                return None
            if parent >= 0:
                if shape[parent][3]:
                    return None  # children beside text: mixed content, not indented by lxml
                children[parent].append(index)
            starts.append(start)
            scopes.append(scope)
            firsts.append(count)
            count += len(names) + has_text
        _, _, names, has_text, _ = shape[meta]
        hash_name = _written_name(HASH_TAG, dict(scopes[meta]))
        if hash_name is None or has_text or WORKSTATION_ATTR in names:
            return None
        writer = _Writer(shape, starts, children, firsts, (meta, hash_name, count))
        writer.element(0, "\n")
        return writer.templates()

    def _start(self, tag: str, names: tuple[str, ...], nsmap: tuple[tuple[str, str], ...] | None,
               scope: Scope) -> Start | None:
        key = (tag, names, nsmap, scope)
        try:
            return self._starts[key]
        except KeyError:
            start = self._starts[key] = _start(tag, names, nsmap, scope)
            return start


def _declared(scope: Scope, nsmap: tuple[tuple[str, str], ...]) -> Scope | None:
    """The scope with ``nsmap`` declared in it; None when that is not written here."""
    if len(nsmap) != 1:
        return None
    ((prefix, uri),) = nsmap
    if prefix is None or not _NAME.fullmatch(prefix) or not _plain(uri) or any(
            prefix == declared for _, declared in scope):
        return None  # a default namespace, or a prefix declared again (shadowing its namespace)
    return (*scope, (uri, prefix))


def _start(tag: str, names: tuple[str, ...], nsmap: tuple[tuple[str, str], ...] | None,
           scope: Scope) -> Start | None:
    name = _written_name(tag, dict(scope))
    if name is None or not all(map(_NAME.fullmatch, names)):
        return None
    opening = f"<{name}"
    if nsmap is not None:
        ((prefix, uri),) = nsmap
        opening += f' xmlns:{prefix}="{uri}"'
    by_name = tuple(sorted(range(len(names)), key=names.__getitem__))
    return (name, opening + "".join(f' {attr}="{_GAP}"' for attr in names),
            opening + "".join(f' {names[i]}="{_GAP}"' for i in by_name), by_name)


def _written_name(tag: str, scope: dict[str, str]) -> str | None:
    if "{" not in tag:
        return tag if _NAME.fullmatch(tag) else None
    qualified = _QUALIFIED.fullmatch(tag)
    prefix = None if qualified is None else scope.get(qualified[1])
    return f"{prefix}:{qualified[2]}" if prefix is not None and _NAME.fullmatch(qualified[2]) \
        else None


def _plain(text: str) -> bool:
    return text.isascii() and text.isprintable() and not any(c in text for c in '"&<>')


class _Writer:
    """Writes both forms in one walk: canonical as c14n does (attributes sorted, empty elements
    opened and closed), pretty as lxml's pretty printer does (attributes in order, two spaces per
    level, empty elements closed at once), the mark and the hash in meta (pretty only)."""

    def __init__(self, shape: Sequence[Shape], starts: list[Start], children: list[list[int]],
                 firsts: list[int], hashed: tuple[int, str, int]) -> None:
        """``hashed``: meta, the hash element's name and how many values the shape has (the
        workstation's and the hash's places follow them)."""
        self._shape, self._starts, self._children = shape, starts, children
        self._firsts = firsts
        self._meta, self._hash_name, self._count = hashed
        self._canonical: list[str] = []
        self._canonical_values: list[int] = []
        self._pretty: list[str] = []
        self._pretty_values: list[int] = []

    def templates(self) -> tuple[Template, Template]:
        self._pretty.append("\n")
        return (Template("".join(self._canonical), self._canonical_values),
                Template("".join(self._pretty), self._pretty_values))

    def element(self, index: int, newline: str) -> None:
        """``newline``: what goes before the element's children in the pretty form (a newline,
        indented)."""
        _, _, names, has_text, _ = self._shape[index]
        name, pretty_start, canonical_start, by_name = self._starts[index]
        canonical, pretty = self._canonical, self._pretty
        first = self._firsts[index]
        self._pretty_values += range(first, first + len(names))
        self._canonical_values += [first + i for i in by_name]
        if index == self._meta:  # its mark and last child: the workstation and the hash
            self._pretty_values.append(self._count)
            pretty.append(f'{pretty_start} {WORKSTATION_ATTR}="{_GAP}">')
            canonical.append(canonical_start + ">")
            self._children_of(index, newline + "  ")
            self._pretty_values.append(self._count + 1)
            pretty.append(f"{newline}  <{self._hash_name}>{_GAP}</{self._hash_name}>{newline}"
                          f"</{name}>")
            canonical.append(f"</{name}>")
        elif has_text:
            self._canonical_values.append(first + len(names))
            self._pretty_values.append(first + len(names))
            canonical.append(f"{canonical_start}>{_GAP}</{name}>")
            pretty.append(f"{pretty_start}>{_GAP}</{name}>")
        elif self._children[index]:
            canonical.append(canonical_start + ">")
            pretty.append(pretty_start + ">")
            self._children_of(index, newline + "  ")
            canonical.append(f"</{name}>")
            pretty.append(f"{newline}</{name}>")
        else:
            canonical.append(f"{canonical_start}></{name}>")
            pretty.append(pretty_start + "/>")

    def _children_of(self, index: int, inner: str) -> None:
        for child in self._children[index]:
            self._pretty.append(inner)
            self.element(child, inner)
