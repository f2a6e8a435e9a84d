"""``nft -c``: let the real nftables parser and evaluator judge a ruleset before it is delivered."""

from __future__ import annotations

import shutil
import subprocess

from .errors import RulesetCheckError


def nft_binary() -> str | None:
    return shutil.which("nft") or next(
        (p for p in ("/usr/sbin/nft", "/sbin/nft") if shutil.which(p)), None
    )


def check_ruleset(text: str, *, timeout: float = 30.0) -> None:
    """Raise ``RulesetCheckError`` unless ``nft -c -f -`` accepts ``text``.

    ``-c`` parses and evaluates against the running kernel's capabilities without committing, so
    nothing on the host changes. Needs nft (and, for the kernel part, CAP_NET_ADMIN).
    """
    nft = nft_binary()
    if nft is None:
        raise RulesetCheckError("cannot check the ruleset", "nft is not installed")
    try:
        done = subprocess.run(
            [nft, "-c", "-f", "-"],
            input=text,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RulesetCheckError("nft -c did not answer", f"no answer within {timeout} s") from None
    if done.returncode != 0:
        raise RulesetCheckError(f"nft -c refused the ruleset (exit {done.returncode})", done.stderr)
