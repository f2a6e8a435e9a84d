"""A draft's shape written out as lxml serialises it, with a gap for each value.

Two serialisations per shape: canonical (c14n: what the config hash is taken of) and pretty (what
libvirt is given, with the hash and the workstation's mark recorded in our metadata element). They
hold for values neither serialiser escapes (``verbatim``); tests/unit/plan/
test_draft_render.py compares them with lxml's. A shape outside what this writes (an element with
text and children; a namespace declared twice, shadowed, default or not at all; a name that is
not a plain XML name) gives None, and lxml renders it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .metadata import HASH_TAG as METADATA_HASH_TAG
from .ownership import WORKSTATION_ATTR
from .xmlutil import ns

# parent's index (-1: the root), tag, attribute names in order, holds text, namespace map items
Shape = tuple[int, str, tuple[str, ...], bool, tuple[tuple[str, str], ...] | None]
Scope = tuple[tuple[str, str], ...]  # (namespace, prefix) declared where an element is
# An element as written, but for its children: canonical and pretty when it has none (its text's
# gap in it if it holds text), then both up to the children, its end tag, and which of its
# attributes each gap of the canonical form takes (the pretty form: all in order).
Written = tuple[str, str, str, str, str, tuple[int, ...]]

HASH_TAG = ns(METADATA_HASH_TAG)
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
        self._written: dict[tuple[str, tuple[str, ...], bool, object, Scope], Written | None] = {}

    def templates(self, shape: Sequence[Shape], meta: int) -> tuple[Template, Template] | None:
        """(canonical, pretty) of ``shape``, its values followed by the workstation (the mark of
        element ``meta``) and the config hash (the text of meta's last child), pretty only."""
        written = self._written  # each element as written, once per plan
        starts: list[Written] = []
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
            key = (tag, names, has_text, nsmap, scope)
            start = written.get(key, False)
            if start is False:
                start = written[key] = _written(tag, names, has_text, nsmap, scope)
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
        writer = _Writer(starts, children, firsts, (meta, hash_name, count))
        writer.element(0, "\n")
        return writer.templates()


def _declared(scope: Scope, nsmap: tuple[tuple[str, str], ...]) -> Scope | None:
    """The scope with ``nsmap`` declared in it; None when that is not written here."""
    if len(nsmap) != 1:
        return None
    ((prefix, uri),) = nsmap
    if prefix is None or not _NAME.fullmatch(prefix) or not verbatim((uri,)) or any(
            prefix == declared for _, declared in scope):
        return None  # a default namespace, or a prefix declared again (shadowing its namespace)
    return (*scope, (uri, prefix))


def _written(tag: str, names: tuple[str, ...], has_text: bool,
             nsmap: tuple[tuple[str, str], ...] | None, scope: Scope) -> Written | None:
    name = _written_name(tag, dict(scope))
    if name is None or not all(map(_NAME.fullmatch, names)):
        return None
    opening = f"<{name}"
    if nsmap is not None:
        ((prefix, uri),) = nsmap
        opening += f' xmlns:{prefix}="{uri}"'
    by_name = tuple(sorted(range(len(names)), key=names.__getitem__))
    pretty = opening + "".join(f' {attr}="{_GAP}"' for attr in names)
    canonical = opening + "".join(f' {names[i]}="{_GAP}"' for i in by_name)
    end = f"</{name}>"
    if has_text:
        return f"{canonical}>{_GAP}{end}", f"{pretty}>{_GAP}{end}", "", "", end, by_name
    return f"{canonical}>{end}", pretty + "/>", canonical + ">", pretty + ">", end, by_name


def _written_name(tag: str, scope: dict[str, str]) -> str | None:
    if "{" not in tag:
        return tag if _NAME.fullmatch(tag) else None
    qualified = _QUALIFIED.fullmatch(tag)
    prefix = None if qualified is None else scope.get(qualified[1])
    return f"{prefix}:{qualified[2]}" if prefix is not None and _NAME.fullmatch(qualified[2]) \
        else None


def verbatim(values: Sequence[str]) -> bool:
    """Whether both serialisers write every value as it is: printable ASCII but " & < > (what
    one or the other escapes). Values are joined by '"' to look at them all at once."""
    joined = '"'.join(values)
    return (joined.isascii() and joined.isprintable() and joined.count('"') == len(values) - 1
            and "&" not in joined and "<" not in joined and ">" not in joined)


class _Writer:
    """Writes both forms in one walk: canonical as c14n does (attributes sorted, empty elements
    opened and closed), pretty as lxml's pretty printer does (attributes in order, two spaces per
    level, empty elements closed at once), the mark and the hash in meta (pretty only)."""

    def __init__(self, starts: list[Written], children: list[list[int]], firsts: list[int],
                 hashed: tuple[int, str, int]) -> None:
        """``hashed``: meta, the hash element's name and how many values the shape has (the
        workstation's and the hash's places follow them)."""
        self._starts, self._children = starts, children
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
        canonical_leaf, pretty_leaf, canonical, pretty, end, by_name = self._starts[index]
        first = self._firsts[index]
        if by_name:
            self._pretty_values += range(first, first + len(by_name))
            self._canonical_values += [first + i for i in by_name]
        children = self._children[index]
        if index == self._meta:  # its mark and last child: the workstation and the hash
            self._pretty_values.append(self._count)
            self._pretty.append(f'{pretty[:-1]} {WORKSTATION_ATTR}="{_GAP}">')
            self._canonical.append(canonical)
            self._children_of(children, newline + "  ")
            self._pretty_values.append(self._count + 1)
            self._pretty.append(f"{newline}  <{self._hash_name}>{_GAP}</{self._hash_name}>"
                                f"{newline}{end}")
            self._canonical.append(end)
        elif not children:
            if not canonical:  # holds text
                self._canonical_values.append(first + len(by_name))
                self._pretty_values.append(first + len(by_name))
            self._canonical.append(canonical_leaf)
            self._pretty.append(pretty_leaf)
        else:
            self._canonical.append(canonical)
            self._pretty.append(pretty)
            self._children_of(children, newline + "  ")
            self._canonical.append(end)
            self._pretty.append(newline + end)

    def _children_of(self, children: list[int], inner: str) -> None:
        for child in children:
            self._pretty.append(inner)
            self.element(child, inner)
