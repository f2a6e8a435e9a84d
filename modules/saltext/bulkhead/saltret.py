"""Library outcomes as Salt state ``ret`` dicts (Salt-free, shared by all state modules)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .apply_lock import Lease, LockTimeout, holder_now, lock_path, pillar_lock
from .model import PillarError, load_pillar
from .untrusted.text import printable


def ret(
    name: str, result: bool | None, comment: str, changes: dict | None = None
) -> dict[str, Any]:
    # A comment can carry a guest's text (an agent's refusal): escaped before Salt prints it.
    # Printable ASCII (the usual comment) has nothing to escape: not scanned character by
    # character (tests/unit/test_saltret.py: the same comment as escaping it).
    if not (isinstance(comment, str) and comment.isascii() and comment.isprintable()):
        comment = printable(comment, keep="\n\t", backslash=False)
    return {"name": name, "result": result, "comment": comment, "changes": changes or {}}


def pillar_from(salt_pillar: dict, minion_id: str | None = None) -> Any:
    """The validated model of ``salt_pillar['bulkhead']``; PillarError lists every problem.
    ``minion_id`` (Salt's ``__opts__['id']``) is the workstation unless the pillar names one."""
    return load_pillar(salt_pillar.get("bulkhead"), minion_id)


MODELS_KEY = "bulkhead.models"
INVENTORIES_KEY = "bulkhead.inventories"
LEASES_KEY = "bulkhead.apply_leases"


def _model(salt_pillar: dict, context: dict | None, minion_id: str | None) -> Any:
    """The validated pillar; validated once per run when Salt's ``__context__`` is given."""
    if context is None:
        return pillar_from(salt_pillar, minion_id)
    # Kept with a copy of what was validated: a pillar refreshed (or changed in place) during the
    # run is validated again. Comparing is a fraction of serialising the pillar for a key.
    raw = salt_pillar.get("bulkhead")
    models = context.setdefault(MODELS_KEY, {})
    held = models.get(minion_id)
    if held is None or held[0] != raw:
        models.clear()
        models[minion_id] = (_snapshot(raw), pillar_from(salt_pillar, minion_id))
    return models[minion_id][1]


_ATOMS = frozenset({str, bytes, int, float, bool, type(None)})


def _snapshot(value: Any) -> Any:
    """A copy of pillar data to compare the pillar with later: every dict and list copied (the
    pillar may change in place), immutable values shared, anything else deep-copied
    (``copy.deepcopy`` of the whole pillar took as long as a no-op's domain state)."""
    kind = type(value)
    if kind is dict:
        return {key: _snapshot(item) for key, item in value.items()}
    if kind is list:
        return [_snapshot(item) for item in value]
    return value if kind in _ATOMS else copy.deepcopy(value)


def run_state(name: str, salt_pillar: dict, action: Callable[..., Any], context: dict | None = None,
              *, test: bool = False, lock_timeout: float | None = None,
              minion_id: str | None = None, **kwargs: Any) -> dict:
    """Validate the pillar, run one reconcile action under the apply lock, shape its Outcome.

    An invalid pillar fails the state with one `path: message` line per problem and changes nothing.
    A real run holds the host's apply lock (``apply_lock``) for this one state, waiting at most
    ``lock_timeout`` s (default ``bulkhead:formula:lock_timeout``); test mode takes no lock and
    says who holds it, if anyone: its report may be out of date once that run is done.
    """
    return _state(name, salt_pillar, lambda model, _lease: action(model, **kwargs),
                  _run_dict(context), test, lock_timeout, minion_id)


def _run_dict(context: Any) -> dict | None:
    """The run's dict behind Salt's ``__context__``: a module is given a proxy that finds it
    again at each access (a context variable, the loader, its pack); found once per state."""
    return context.value() if callable(getattr(type(context), "value", None)) else context


def _state(name: str, salt_pillar: dict, action: Callable[[Any, Lease | None], Any],
           context: dict | None, test: bool, lock_timeout: float | None,
           minion_id: str | None) -> dict:
    """``run_state``, where ``action(model, lease)`` also gets the lease it runs under (None in
    test mode)."""
    try:
        model = _model(salt_pillar, context, minion_id)
    except PillarError as exc:
        return ret(name, False, "Invalid pillar, nothing changed:\n" + "\n".join(exc.lines))
    try:
        if test:
            outcome = action(model, None)
        else:
            with pillar_lock(model, lock_timeout) as lease:
                outcome = action(model, lease)
    except LockTimeout as exc:
        return ret(name, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - every failure must reach the admin as a failed state
        return ret(name, False, f"{type(exc).__name__}: {exc}")
    comment = outcome.comment
    if test:
        holder = holder_now(lock_path(Path(model.formula.paths.locks)))
        if holder is not None:
            comment += f" (A run is changing the host meanwhile: {holder}.)"
    return ret(name, outcome.result, comment, outcome.changes)


@functools.cache
def _virt() -> Any:
    from . import virt  # libvirt is only needed by states that touch it; imported once

    return virt


def reconcile(name: str, salt_pillar: dict, reconciler: Callable[..., Any], *args: Any,
              test: bool, context: dict | None = None, lock_timeout: float | None = None,
              minion_id: str | None = None, xml_diff: bool | None = None, **kwargs: Any) -> dict:
    """Run a ``virt`` reconcile function on a connection to the pillar's libvirt URI.

    ``xml_diff`` (a state's argument) overrides ``bulkhead:formula:xml_diff``: the full XML
    diff of a redefinition in ``changes`` instead of one line per property.

    With Salt's ``__context__`` (one dict per state run), the states of a run share one
    connection (``virt.on_run_connection``) and one read of libvirt's definitions per URI
    (``virt.InventoryCache``), kept current by their own changes; when another process held the
    apply lock since this run's previous state, it is read again.
    """
    virt = _virt()
    context = _run_dict(context)

    def action(model: Any, lease: Lease | None) -> Any:
        if xml_diff is not None:
            model = model.model_copy(update={
                "formula": model.formula.model_copy(update={"xml_diff": bool(xml_diff)})})
        uri = model.host.uri
        if context is None:
            with virt.connect(uri) as conn:
                return reconciler(virt.tracked(conn), model, *args, test=test, **kwargs)
        cache = _run_cache(context, uri, virt.InventoryCache)
        if lease is not None:  # None: test mode, which takes no lease
            _forget_others_changes(context, uri, cache, lease)
        return virt.on_run_connection(
            context, uri,
            lambda conn: reconciler(virt.tracked(conn, cache), model, *args, test=test, **kwargs),
            failed=_failed, reopened=cache.forget_all)

    return _state(name, salt_pillar, action, context, test, lock_timeout, minion_id)


def _failed(outcome: Any) -> bool:
    return outcome.result is False


def _run_cache(context: dict, uri: str, new: Callable[[], Any]) -> Any:
    """The run's inventory cache for ``uri`` (made by ``new`` only when there is none yet)."""
    caches = context.setdefault(INVENTORIES_KEY, {})
    cache = caches.get(uri)
    if cache is None:
        cache = caches[uri] = new()
    return cache


def _forget_others_changes(context: dict, uri: str, cache: Any, lease: Lease) -> None:
    """The cache holds what this run read under its own leases; a lease of another process in
    between (an apply, the broker's disposables) may have changed anything: read it all again."""
    seen = context.setdefault(LEASES_KEY, {})
    if seen.get(uri) not in (lease.previous, lease.token):
        cache.forget_all()
    seen[uri] = lease.token
