"""The lock of a pillar (``formula:paths:locks``) and the library entry points that change the
host (``@mutating``), which hold it unless in test mode."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .lock import _Hold, lock_path


def pillar_lock(pillar: Any, timeout: float | None = None) -> Any:
    """``hold`` on the pillar's lock (``formula:paths:locks``, ``formula:lock_timeout``)."""
    formula = pillar.formula
    wait = formula.lock_timeout if timeout is None else timeout
    return _Hold(_lock_in(str(formula.paths.locks)), float(wait))  # ``hold``, on a Path already


@functools.lru_cache(maxsize=16)
def _lock_in(lock_dir: str) -> Path:
    return lock_path(Path(lock_dir))  # once per directory: every state of a run asks


def mutating(reconciler: Callable[..., Any]) -> Callable[..., Any]:
    """A library entry point ``f(conn, pillar, ..., test=...)`` that runs under the pillar's lock,
    unless in test mode (which changes nothing and so never waits)."""
    signature = inspect.signature(reconciler)
    params = list(signature.parameters.values())
    if len(params) < 2 or params[1].kind is not params[1].POSITIONAL_OR_KEYWORD:
        raise TypeError(f"{reconciler.__qualname__}: its second parameter must be the pillar")
    pillar_arg = params[1].name
    # Where ``test`` is, found once (binding every call cost a tenth of a no-op state): None
    # when there is none (always locked), past the end when only a keyword can pass it.
    test_at = _test_index(params)

    @functools.wraps(reconciler)
    def run(*args: Any, **kwargs: Any) -> Any:
        if test_at is not None and (
            args[test_at] if len(args) > test_at else kwargs.get("test", False)
        ):
            return reconciler(*args, **kwargs)
        pillar = args[1] if len(args) > 1 else kwargs.get(pillar_arg, _MISSING)
        if pillar is _MISSING:
            signature.bind(*args, **kwargs)  # raises the TypeError of the missing argument
        with pillar_lock(pillar):
            return reconciler(*args, **kwargs)

    return run


_MISSING = object()


def _test_index(params: list[inspect.Parameter]) -> int | None:
    for index, param in enumerate(params):
        if param.name == "test" and param.kind is param.POSITIONAL_OR_KEYWORD:
            return index
        if param.name == "test" and param.kind is param.KEYWORD_ONLY:
            return len(params)
    return None  # no ``test`` a caller can set on its own: every call is a real one
