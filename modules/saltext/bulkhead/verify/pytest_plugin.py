"""pytest plugin (entry point ``pytest11``): registers the ``bulkhead://`` testinfra backend."""

from __future__ import annotations

from .agent_backend import register

register()
