"""Each element of a shape written out as lxml serialises it, a gap for each value (``shape_text``
writes the shapes).

What is written here holds for plain XML names and values neither serialiser escapes
(``verbatim``); anything else gives None, and lxml renders the document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Scope = tuple[tuple[str, str], ...]  # (namespace, prefix) declared where an element is
# An element as written, but for its children: canonical and pretty when it has none (its text's
# gap in it if it holds text), then both up to the children, both ends, and which of its
# attributes each gap of the canonical form takes when not in order (the pretty form: in order).
Written = tuple[str, str, str, str, str, str, tuple[int, ...] | None]

GAP = "\x00"  # where a value goes: verbatim values never hold it (it is not printable)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_QUALIFIED = re.compile(r"\{([^{}]*)\}(.*)")
_ATTRIBUTE = ' {}="' + GAP + '"'
_VERBATIM = re.compile(r"[ !#-%'-;=?-~]*")  # printable ASCII (space to ~) but " & < >


def declared(scope: Scope, nsmap: tuple[tuple[str, str], ...]) -> Scope | None:
    """The scope with ``nsmap`` declared in it; None when that is not written here."""
    if len(nsmap) != 1:
        return None
    ((prefix, uri),) = nsmap
    if prefix is None or not _NAME.fullmatch(prefix) or not verbatim((uri,)) or any(
            prefix == taken for _, taken in scope):
        return None  # a default namespace, or a prefix declared again (shadowing its namespace)
    return (*scope, (uri, prefix))


def written(tag: str, names: tuple[str, ...], has_text: bool,
            nsmap: tuple[tuple[str, str], ...] | None, scope: Scope, depth: int) -> Written | None:
    """The element as written at ``depth`` (0: the root) under ``scope``'s declarations."""
    name = written_name(tag, scope) if "{" in tag else tag if _NAME.fullmatch(tag) else None
    if name is None or not all(map(_NAME.fullmatch, names)):
        return None
    opening = "<" + name if nsmap is None else "<{}{}".format(
        name, ' xmlns:{}="{}"'.format(*nsmap[0]))
    attrs = opening + "".join(map(_ATTRIBUTE.format, names))
    by_name = sorted(names)  # c14n's order (names are unique: keyword arguments)
    if by_name == list(names):
        canonical, permuted = attrs, None
    else:
        canonical = opening + "".join(map(_ATTRIBUTE.format, by_name))
        permuted = tuple(map(names.index, by_name))
    newline = "\n" + "  " * depth  # before the element in the pretty form (the root: at the start)
    pretty = newline + attrs if depth else attrs
    end = f"</{name}>"
    if has_text:
        return (f"{canonical}>{GAP}{end}", f"{pretty}>{GAP}{end}", "", "", end, "", permuted)
    return (f"{canonical}>{end}", pretty + "/>", canonical + ">", pretty + ">", end,
            newline + end, permuted)


def written_name(tag: str, scope: Scope) -> str | None:
    """A qualified tag's name as written (its namespace's prefix in ``scope``); None when that is
    not written here."""
    qualified = _QUALIFIED.fullmatch(tag)
    if qualified is None:
        return None
    # the innermost declaration of its namespace
    prefix = next((prefix for uri, prefix in reversed(scope) if uri == qualified[1]), None)
    return f"{prefix}:{qualified[2]}" if prefix is not None and _NAME.fullmatch(qualified[2]) \
        else None


def verbatim(values: Sequence[str]) -> bool:
    """Whether both serialisers write every value as it is: printable ASCII but " & < > (what
    one or the other escapes), looked at all at once."""
    return _VERBATIM.fullmatch("".join(values)) is not None
