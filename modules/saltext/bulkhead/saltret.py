"""Translate library outcomes into Salt state ``ret`` dicts (Salt-free, shared by all state modules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import PillarError, load_pillar


def ret(name: str, result: bool | None, comment: str, changes: dict | None = None) -> dict[str, Any]:
    return {"name": name, "result": result, "comment": comment, "changes": changes or {}}


def pillar_from(salt_pillar: dict) -> Any:
    """The validated model of ``salt_pillar['bulkhead']``; PillarError lists every problem."""
    return load_pillar(salt_pillar.get("bulkhead"))


def run_state(name: str, salt_pillar: dict, action: Callable[..., Any], **kwargs: Any) -> dict:
    """Validate the pillar, run one reconcile action, and shape its Outcome for Salt.

    An invalid pillar fails the state with one `path: message` line per problem and changes nothing.
    """
    try:
        model = pillar_from(salt_pillar)
    except PillarError as exc:
        return ret(name, False, "Invalid pillar, nothing changed:\n" + "\n".join(exc.lines))
    try:
        outcome = action(model, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure must reach the admin as a failed state
        return ret(name, False, f"{type(exc).__name__}: {exc}")
    return ret(name, outcome.result, outcome.comment, outcome.changes)


def reconcile(name: str, salt_pillar: dict, reconciler: Callable[..., Any], *args: Any,
              test: bool, **kwargs: Any) -> dict:
    """Run a ``virt`` reconcile function on a connection to the pillar's libvirt URI."""
    from .virt import connect  # libvirt is only needed by states that touch it

    def action(model: Any) -> Any:
        with connect(model.host.uri) as conn:
            return reconciler(conn, model, *args, test=test, **kwargs)

    return run_state(name, salt_pillar, action)
