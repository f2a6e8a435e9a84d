"""A draft's shape written out as lxml serialises it, with a gap for each value.

Two serialisations per shape: canonical (c14n: what the config hash is taken of) and pretty (what
libvirt is given, with the hash and the workstation's mark recorded in our metadata element). They
hold for values neither serialiser escapes (``element_text.verbatim``); tests/unit/plan/
test_draft_render.py compares them with lxml's. A shape outside what this writes (an element with
text and children; a namespace declared twice, shadowed, default or not at all; a name that is
not a plain XML name) gives None, and lxml renders it.

Both forms are written in one pass over the shape in document order, each element's start
written once per plan (``element_text``); a shape drafted out of that order (a child added to an
element after other elements) is put in order first.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from operator import itemgetter

from .element_text import GAP, Scope, Written, declared, written, written_name
from .metadata import HASH_TAG as METADATA_HASH_TAG
from .ownership import WORKSTATION_ATTR
from .xmlutil import ns

# parent's index (-1: the root), tag, attribute names in order, holds text, namespace map items
Shape = tuple[int, str, tuple[str, ...], bool, tuple[tuple[str, str], ...] | None]

HASH_TAG = ns(METADATA_HASH_TAG)


class Template:
    """Literal text with a gap for each value: ``order`` says which value each gap takes (an index
    into the values filled in; negative: counted from their end)."""

    def __init__(self, text: str, order: list[int]) -> None:
        literals = text.split(GAP)
        self._parts = [""] * (2 * len(literals) - 1)
        self._parts[::2] = literals
        self._order = order
        # the values in the gaps' order, taken by C code (itemgetter of one index gives no tuple)
        self._taken = itemgetter(*order, 0) if order else None

    def fill(self, values: Sequence[str]) -> str:
        parts = self._parts.copy()
        if self._taken is not None:
            parts[1::2] = self._taken(values)[:-1]
        return "".join(parts)

    def taking(self, positions: Sequence[int]) -> Template:
        """This template filled from values in other places: the value at ``i`` now at
        ``positions[i]`` (the last two, negative, stay where they are)."""
        return Template(GAP.join(self._parts[::2]),
                        [positions[i] if i >= 0 else i for i in self._order])


class ShapeWriter:
    """Writes a plan's shapes (one per plan: never across plans). Their elements recur, across
    shapes and within one, so each element's start is written once."""

    def __init__(self) -> None:
        self._starts: dict[tuple[str, tuple[str, ...], bool, object, Scope, int],
                            Written | None] = {}

    def templates(self, shape: Sequence[Shape], meta: int) -> tuple[Template, Template] | None:
        """(canonical, pretty) of ``shape``, its values followed by the workstation (the mark of
        element ``meta``) and the config hash (the text of meta's last child), pretty only."""
        try:
            return self._written_in_order(shape, meta)
        except _OutOfOrder:
            pass  # a child added to an element after other elements: written in document order
        ordered, positions, values = _in_document_order(shape)
        templates = self._written_in_order(ordered, positions[meta])
        return None if templates is None else (templates[0].taking(values),
                                               templates[1].taking(values))

    def _written_in_order(self, shape: Sequence[Shape],
                          meta: int) -> tuple[Template, Template] | None:
        """``templates`` of a shape in document order (each element after its parent and its
        parent's earlier children's descendants); _OutOfOrder for any other."""
        if shape[meta][3] or WORKSTATION_ATTR in shape[meta][2]:
            return None  # meta holds text, or the mark would be written over an attribute
        starts = self._starts  # each element as written, once per plan
        canonical: list[str] = []
        pretty: list[str] = []
        # the open elements (index, end, pretty end, namespaces declared), over a sentinel
        opened: list[tuple[int, str, str, Scope]] = [(-1, "", "", ())]
        permuted: list[tuple[int, tuple[int, ...]]] = []  # (first value, order) of sorted ones
        count = mark_at = hash_at = 0  # values before: any, the workstation's, the hash's
        last = len(shape) - 1
        for index, (parent, tag, names, has_text, nsmap) in enumerate(shape):
            while opened[-1][0] != parent:
                closed, end, pretty_end, _ = opened.pop()
                if not opened:
                    raise _OutOfOrder  # the sentinel: ``parent`` is not open
                canonical.append(end)
                pretty.append(pretty_end)
                if closed == meta:
                    hash_at = count
            scope = opened[-1][3]
            if nsmap is not None:
                scope = declared(scope, nsmap)
                if scope is None:
                    return None
            depth = len(opened) - 1
            key = (tag, names, has_text, nsmap, scope, depth)
            start = starts.get(key, False)
            if start is False:
                start = starts[key] = written(tag, names, has_text, nsmap, scope, depth)
            if start is None:
                return None
            canonical_leaf, pretty_leaf, canonical_start, pretty_start, end, pretty_end, by_name \
                = start
            if by_name is not None:
                permuted.append((count, by_name))
            count += len(names)
            if index == meta:  # its mark and last child: the workstation and the hash
                hash_name = written_name(HASH_TAG, scope)
                if hash_name is None:
                    return None
                mark_at = count
                canonical.append(canonical_start)
                pretty.append(f'{pretty_start[:-1]} {WORKSTATION_ATTR}="{GAP}">')
                opened.append((index, end, f"\n{'  ' * (depth + 1)}<{hash_name}>{GAP}"
                                           f"</{hash_name}>{pretty_end}", scope))
            elif index < last and shape[index + 1][0] == index:  # it has children
                if has_text:
                    return None  # children beside text: mixed content, not indented by lxml
                canonical.append(canonical_start)
                pretty.append(pretty_start)
                opened.append((index, end, pretty_end, scope))
            else:
                count += has_text
                canonical.append(canonical_leaf)
                pretty.append(pretty_leaf)
        while len(opened) > 1:
            closed, end, pretty_end, _ = opened.pop()
            canonical.append(end)
            pretty.append(pretty_end)
            if closed == meta:
                hash_at = count
        pretty.append("\n")
        canonical_values = list(range(count))
        for first, order in permuted:
            canonical_values[first:first + len(order)] = [first + i for i in order]
        return (Template("".join(canonical), canonical_values),
                Template("".join(pretty), [*range(mark_at), _WORKSTATION, *range(mark_at, hash_at),
                                           _HASH, *range(hash_at, count)]))


class _OutOfOrder(Exception):
    """A shape not in document order."""


# the values after the shape's own in the pretty form: the workstation, then the config hash
_WORKSTATION, _HASH = -2, -1


def _in_document_order(shape: Sequence[Shape]) -> tuple[list[Shape], list[int], list[int]]:
    """``shape`` in document order, where each of its elements went and where each of its values
    came from."""
    children: list[list[int]] = [[] for _ in shape]
    for index in range(1, len(shape)):
        children[shape[index][0]].append(index)
    order: list[int] = []
    pending = [0]
    while pending:
        order.append(pending.pop())
        pending += reversed(children[order[-1]])
    positions = [0] * len(shape)
    for new, old in enumerate(order):
        positions[old] = new
    firsts = list(accumulate(len(names) + has_text for _, _, names, has_text, _ in shape))
    values = [value for old in order
              for value in range(firsts[old] - len(shape[old][2]) - shape[old][3], firsts[old])]
    ordered = [(positions[parent] if parent >= 0 else -1, *rest)
               for parent, *rest in (shape[old] for old in order)]
    return ordered, positions, values  # type: ignore[return-value]
