"""``python -m saltext.bulkhead.boot``: what bulkhead-boot.service runs (``bulkhead boot``)."""

import typer

from .cli import boot_command

if __name__ == "__main__":
    typer.run(boot_command)
