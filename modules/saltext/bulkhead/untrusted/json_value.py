"""The one parser of JSON a guest (or a memd client) can influence: bounded, strict, crash-free.

``json.loads`` recurses once per nesting level and raises ``RecursionError`` (not a ValueError)
on deep input, which every caller's ``except ValueError`` missed. Here the size is checked first,
then the nesting depth by a linear scan of the brackets outside strings, and only then does
``json.loads`` run: it can no longer recurse deeper than ``max_depth``. NaN, Infinity, numbers
that overflow to infinity and duplicate keys are refused too (a duplicate key is a parser
differential: the guest's parser may take the first, Python's takes the last). Every refusal is a
``JSONValueError``, a ``ValueError``, so the callers' existing handlers fail closed.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
"""Deeper than any message of ours (the deepest is 2 levels) and far below the recursion limit."""

# A whole JSON string (escapes included; an unterminated one runs to the end, as json.loads reads
# it, which also keeps the scan linear) or one bracket outside strings. It tokenizes as json.loads
# does, so the depth counted is at least the depth json.loads would reach.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")


class JSONValueError(ValueError):
    """Not a JSON value within the bounds and rules of the protocol."""


class JSONLimitError(JSONValueError):
    """Over the size or nesting bound: no honest peer sends this."""


def nesting_depth(data: bytes, stop_above: int | None = None) -> int:
    """The deepest bracket nesting of ``data`` outside strings (linear time, no recursion);
    the scan ends as soon as the depth passes ``stop_above``."""
    depth = deepest = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        if len(token) != 1:
            continue  # a string
        if token[0] in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and depth > stop_above:
                break
        elif depth == 0:
            raise JSONValueError("unbalanced closing bracket")
        else:
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise JSONValueError(f"{name} is not allowed")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONValueError(f"number {text[:20]!r} is out of range")
    return value


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise JSONValueError("duplicate key in object")
    return value


def loads(data: bytes | str, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``data`` (UTF-8), or ``JSONValueError``; never another exception."""
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            raise JSONValueError("text is not valid Unicode") from None
    if len(data) > max_bytes:
        raise JSONLimitError(f"JSON of {len(data)} bytes (limit {max_bytes})")
    if nesting_depth(data, stop_above=max_depth) > max_depth:
        raise JSONLimitError(f"JSON nested more than {max_depth} levels deep")
    try:
        text = data.decode("utf-8")
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite,
                          object_pairs_hook=_unique)
    except JSONValueError:
        raise
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, int over 4300 digits
        raise JSONValueError(f"not JSON: {str(exc)[:120]}") from None
    except RecursionError:  # cannot happen below max_depth; fail closed all the same
        raise JSONLimitError("JSON nested too deep") from None
