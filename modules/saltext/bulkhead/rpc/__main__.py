"""``python -m saltext.bulkhead.rpc broker ...``: how the Salt state starts the broker."""

from .cli import rpc_app

rpc_app(prog_name="bulkhead-rpc")
