"""Translate library outcomes into Salt state ``ret`` dicts (Salt-free, shared by all state modules)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .model import PillarError, load_pillar
from .untrusted.text import printable


def ret(name: str, result: bool | None, comment: str, changes: dict | None = None) -> dict[str, Any]:
    # A comment can carry a guest's text (an agent's refusal): escaped before Salt prints it.
    comment = printable(comment, keep="\n\t", backslash=False)
    return {"name": name, "result": result, "comment": comment, "changes": changes or {}}


def pillar_from(salt_pillar: dict) -> Any:
    """The validated model of ``salt_pillar['bulkhead']``; PillarError lists every problem."""
    return load_pillar(salt_pillar.get("bulkhead"))


MODELS_KEY = "bulkhead.models"
INVENTORIES_KEY = "bulkhead.inventories"


def _model(salt_pillar: dict, context: dict | None) -> Any:
    """The validated pillar; validated once per run when Salt's ``__context__`` is given."""
    if context is None:
        return pillar_from(salt_pillar)
    # Keyed by the pillar's content: a pillar refreshed during the run is validated again.
    key = json.dumps(salt_pillar.get("bulkhead"), sort_keys=True, default=str)
    models = context.setdefault(MODELS_KEY, {})
    if key not in models:
        models.clear()
        models[key] = pillar_from(salt_pillar)
    return models[key]


def run_state(name: str, salt_pillar: dict, action: Callable[..., Any], context: dict | None = None,
              **kwargs: Any) -> dict:
    """Validate the pillar, run one reconcile action, and shape its Outcome for Salt.

    An invalid pillar fails the state with one `path: message` line per problem and changes nothing.
    """
    try:
        model = _model(salt_pillar, context)
    except PillarError as exc:
        return ret(name, False, "Invalid pillar, nothing changed:\n" + "\n".join(exc.lines))
    try:
        outcome = action(model, **kwargs)
    except Exception as exc:  # noqa: BLE001 - every failure must reach the admin as a failed state
        return ret(name, False, f"{type(exc).__name__}: {exc}")
    return ret(name, outcome.result, outcome.comment, outcome.changes)


def reconcile(name: str, salt_pillar: dict, reconciler: Callable[..., Any], *args: Any,
              test: bool, context: dict | None = None, **kwargs: Any) -> dict:
    """Run a ``virt`` reconcile function on a connection to the pillar's libvirt URI.

    With Salt's ``__context__`` (one dict per state run), the states of a run share one read of
    libvirt's definitions per URI (``virt.InventoryCache``), kept current by their own changes.
    """
    from .virt import (  # libvirt is only needed by states that touch it
        InventoryCache,
        connect,
        tracked,
    )

    def action(model: Any) -> Any:
        cache = None
        if context is not None:
            cache = context.setdefault(INVENTORIES_KEY, {}).setdefault(model.host.uri, InventoryCache())
        with connect(model.host.uri) as conn:
            return reconciler(tracked(conn, cache), model, *args, test=test, **kwargs)

    return run_state(name, salt_pillar, action, context)
