"""``json.dumps(value, sort_keys=True, indent=1)`` byte for byte, in a fraction of its time.

The standard library's C encoder only runs without ``indent``; with it, every value goes through
the pure-Python generators. The guest's config.json is indented (its bytes are hashed, so they stay
what they were) and every plan writes one per domain: this formats the few types a config holds,
each string through the C string encoder.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any


def dumps_indented(value: Any, depth: int = 0) -> str:
    """str, int, bool, None, and lists, tuples and dicts (str keys) of them; TypeError for anything
    else (floats included: a config holds none)."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    inner = "\n" + " " * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{encode_basestring_ascii(_key(k))}: {dumps_indented(v, depth + 1)}"
                 for k, v in sorted(value.items())]
        return "{" + inner + ("," + inner).join(items) + "\n" + " " * depth + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [dumps_indented(v, depth + 1) for v in value]
        return "[" + inner + ("," + inner).join(items) + "\n" + " " * depth + "]"
    raise TypeError(f"{type(value).__name__} is not one of the types a guest config holds")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"a guest config's keys are strings, not {type(key).__name__}")
    return key
