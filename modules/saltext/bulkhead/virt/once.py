"""A question asked of libvirt at most once, and only if some decision needs its answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
_UNASKED = object()


class Once(Generic[T]):
    """``ask()`` on the first call, its answer after that. Made in every domain state, where
    ``functools.cache`` around a closure cost more than the rest of the state's bookkeeping."""

    __slots__ = ("_ask", "_answer")

    def __init__(self, ask: Callable[[], T]) -> None:
        self._ask = ask
        self._answer: object = _UNASKED

    def __call__(self) -> T:
        if self._answer is _UNASKED:
            self._answer = self._ask()
        return self._answer  # type: ignore[return-value]  # set from ask() above
