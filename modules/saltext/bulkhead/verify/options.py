"""The options of every command that reads the pillar the way ``bulkhead verify`` does
(``verify``, ``tcb``, ``ls``, ``show``, ``firewall``): one definition, one wording."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PillarOption = Annotated[Path | None, typer.Option(
    "--pillar", exists=True, dir_okay=False, metavar="FILE",
    help="pillar SLS file with the bulkhead key; default: this minion's pillar through salt-call "
         "(from its master, or masterless with file_client: local)")]
UriOption = Annotated[str | None, typer.Option(
    metavar="URI", help="libvirt URI (default: the pillar's host.uri)")]
SaltConfigOption = Annotated[str | None, typer.Option(
    metavar="DIR", help="salt-call -c DIR when reading Salt's pillar")]
