"""Which disposable of a template a call may run in.

First choice: the pillar's ``class: disposable`` domains, each tied to one template. A call gets
one that is halted (so it starts with a fresh root and private volume) and that no other call has
taken; a running disposable is never handed to a second call, even if it is idle, because what the
first call left in it would leak into the next. With none free, the host creates one for the call
(``dispvm_factory.py``).
"""

from __future__ import annotations

from collections.abc import Container

from ..policy import System


def free_disposable(system: System, template: str, taken: Container[str]) -> str | None:
    """The first (by name, so the choice is predictable) halted disposable of ``template``."""
    for name in sorted(system.guests):
        info = system.guests[name]
        if (info.type == "DispVM" and info.default_dispvm == template
                and info.power_state == "Halted" and name not in taken):
            return name
    return None
