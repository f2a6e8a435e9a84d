"""``python -m saltext.bulkhead.memd``: the memory commands, as the state starts the daemon."""

from .cli import memory_app

memory_app(prog_name="bulkhead memory")
