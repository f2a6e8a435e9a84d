"""Turn pydantic's validation errors into ``path: message`` issues an admin can act on.

pydantic's own messages ("String should match pattern '^[a-z]...'", "Input should be a valid
integer") name neither the rule nor what was written, so each error is rewritten from the rule of
the field it is about (found by walking the model along the error's location) and the value given.
"""

from __future__ import annotations

import ast
import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import pydantic
from pydantic.fields import FieldInfo

from .errors import PillarIssue
from .fields import Rule, describe

Loc = tuple[Any, ...]


def colon_path(loc: Loc) -> str:
    """Salt's pillar path notation: ``bulkhead:domains:work:memory:max``.

    A part that is not a plain word (an invalid key with ':', spaces or control characters) is
    quoted so that every issue stays one unambiguous line.
    """
    return ":".join(part if _PLAIN.fullmatch(part) else repr(part) for part in map(str, loc))


_PLAIN = re.compile(r"[A-Za-z0-9_.@/+-]+")


_PART = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^:]+""")


def path_parts(path: str) -> list[str]:
    """``colon_path`` undone: the keys of an issue's path, quoted ones unquoted (``'a:b c'``)."""
    parts = [m.group() for m in _PART.finditer(path)]
    return [ast.literal_eval(p) if p[:1] in "'\"" else p for p in parts]


def keys_of(model: type[pydantic.BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def rule_of(model: type[pydantic.BaseModel]) -> str:
    return "must be a mapping with keys " + ", ".join(keys_of(model))


def _strip(tp: Any) -> tuple[Any, list[Any]]:
    """The type without Annotated and Optional wrappers, and the Annotated metadata on the way."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp, *extra = get_args(tp)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(members) != 1:
                return tp, metadata
            tp = members[0]
        else:
            return tp, metadata


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _field_named(model: type[pydantic.BaseModel], key: Any) -> tuple[str, FieldInfo] | None:
    for name, info in model.model_fields.items():
        if key == (info.alias or name):  # only what an admin writes: 'class', never 'class_'
            return name, info
    return None


def _key_rule(mapping: Any, info: FieldInfo | None) -> str | None:
    """What a key of ``mapping`` must be: its type's rule (an image name's, a partition name's),
    else the rule of the mapping's field; never another kind of name's."""
    key_type, metadata = _strip(get_args(mapping)[0])
    return _rule(key_type, metadata, None) or _rule(mapping, [], info)


def _rule(tp: Any, metadata: list[Any], info: FieldInfo | None) -> str | None:
    extra = info.json_schema_extra if info is not None else None
    if isinstance(extra, dict) and isinstance(extra.get("rule"), str):
        return extra["rule"]
    for item in metadata + (list(info.metadata) if info is not None else []):
        if isinstance(item, Rule):
            return item.text
    return rule_of(tp) if _is_model(tp) else None


def locate(model: type[pydantic.BaseModel], loc: Loc) -> tuple[Loc, str | None, list[str] | None]:
    """Follow ``loc`` through ``model``.

    Returns the location trimmed to what an admin wrote (pydantic appends union member tags and
    '[key]' markers), the rule for the value there, and, when the last step names no field of a
    model, that model's allowed keys (the location is an unknown key).
    """
    tp: Any = model
    info: FieldInfo | None = None
    metadata: list[Any] = []
    kept: list[Any] = []
    for index, part in enumerate(loc):
        tp, found = _strip(tp)
        metadata = metadata + found
        if _is_model(tp):
            field = _field_named(tp, part)
            kept.append(part)
            if field is None:
                return tuple(kept), None, keys_of(tp)
            info, tp, metadata = field[1], field[1].annotation, []
        elif get_origin(tp) is dict:
            kept.append(part)
            if loc[index + 1 : index + 2] == ("[key]",):  # the key itself is invalid
                return tuple(kept), _key_rule(tp, info), None
            tp, info, metadata = get_args(tp)[1], None, []
        elif get_origin(tp) is tuple and isinstance(part, int):
            kept.append(part)
            tp = get_args(tp)[0]
            if _is_model(_strip(tp)[0]):
                info, metadata = None, []
        else:
            break  # a union member tag or a validator name: not part of the admin's path
    tp, found = _strip(tp)
    return tuple(kept), _rule(tp, metadata + found, info), None


def issues_from(
    exc: pydantic.ValidationError, model: type[pydantic.BaseModel], prefix: Loc
) -> Iterator[PillarIssue]:
    for error in exc.errors():
        loc, rule, allowed_keys = locate(model, tuple(error["loc"]))
        yield PillarIssue(colon_path(prefix + loc), _message(error, rule, allowed_keys))


def unknown_key(key: Any, allowed: list[str]) -> str:
    # repr() quotes plain keys as 'memroy' and escapes anything that would break the one-line
    # format.
    return f"unknown key {str(key)!r}; allowed: {', '.join(allowed)}"


def _message(error: Any, rule: str | None, allowed_keys: list[str] | None) -> str:
    kind = error["type"]
    if kind == "bulkhead":  # our own validators already say what is wrong and what is allowed
        return error["msg"]
    if kind == "extra_forbidden" or allowed_keys is not None:
        return unknown_key(error["loc"][-1], allowed_keys or [])
    if kind == "missing":
        return f"required key is missing; it {rule}" if rule else "required key is missing"
    if (
        rule is None
    ):  # not expected: every field has a rule; keep pydantic's words rather than nothing
        return f"{error['msg']} (got {describe(error.get('input'))})"
    return f"{rule} (got {describe(error.get('input'))})"
