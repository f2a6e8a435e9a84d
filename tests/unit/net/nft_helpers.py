"""Reading compiled rulesets back in tests, and the nft -c availability check."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from saltext.bulkhead.net.check import nft_binary


def chains(text: str) -> dict[str, list[str]]:
    """Chain name -> its statements, from the compiler's one-statement-per-line layout."""
    result: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        start = re.fullmatch(r"\tchain (\S+) \{", line)
        if start:
            current = start[1]
            result[current] = []
        elif line == "\t}":
            current = None
        elif current is not None:
            result[current].append(line.strip())
    return result


def vmap_entries(statement: str) -> dict[str, str]:
    body = re.search(r"vmap \{ (.*) \}", statement)
    assert body, statement
    return dict(entry.split(" : jump ") for entry in body[1].split(", "))


def _nft_check_usable() -> str | None:
    nft = nft_binary()
    if nft is None:
        return "nft is not installed"
    probe = subprocess.run(
        [nft, "-c", "-f", "-"],
        input="table inet probe\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        who = "not root: " if os.geteuid() else ""
        return f"nft -c does not work here ({who}{probe.stderr.strip()})"
    return None


NFT_UNUSABLE = _nft_check_usable()
needs_nft = pytest.mark.skipif(NFT_UNUSABLE is not None, reason=str(NFT_UNUSABLE))
