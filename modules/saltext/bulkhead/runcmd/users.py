"""``--user``: the guest image has no /etc/passwd, so a user is a number, or one of two names."""

from __future__ import annotations

import re

NAMES = {"root": None, "user": (1000, 1000)}  # None: as root, the agent's own way
_NUMERIC = re.compile(r"([0-9]{1,9})(?::([0-9]{1,9}))?")


def parse_user(text: str) -> tuple[int, int] | None:
    """(uid, gid) to drop to, or None for root; ValueError naming the accepted forms."""
    if text in NAMES:
        return NAMES[text]
    match = _NUMERIC.fullmatch(text)
    if match is None:
        raise ValueError(f"--user {text!r}: use root, user or UID[:GID] (the image has no "
                         "other user names)")
    uid = int(match.group(1))
    gid = int(match.group(2)) if match.group(2) is not None else uid
    return None if uid == 0 and gid == 0 else (uid, gid)
