"""apt's answers, remembered for as long as what they depend on stays the same.

A cached build only needs to know that nothing changed, yet asking apt (``apt-cache show``) costs
seconds: with no package cache kept on disk (Docker-style hosts) apt parses every package list for
each question. Its answer depends only on apt's configuration, its package lists and dpkg's status,
so the answers are kept beside the images under a fingerprint of those files (path, size, mtime);
any change to them (``apt-get update``, a new source, a pin) asks apt again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from ..atomic_file import write_atomically

APT_STATE = (Path("/etc/apt"), Path("/var/lib/apt/lists"), Path("/var/lib/dpkg/status"))


def _files(roots: Iterable[Path]) -> Iterable[tuple[str, int, int]]:
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            st = path.stat()
            yield str(path), st.st_size, st.st_mtime_ns


def apt_fingerprint(roots: Iterable[Path] = APT_STATE) -> str:
    """Changes whenever a file apt reads is added, removed, resized or rewritten."""
    return hashlib.sha256(json.dumps(list(_files(roots))).encode()).hexdigest()


def remembered(memo: Path | None, question: str, ask: Callable[[], str],
               roots: Iterable[Path] = APT_STATE) -> str:
    """``ask()``'s answer, from ``memo`` when apt's state is the one it was recorded under."""
    if memo is None:
        return ask()
    state = apt_fingerprint(roots)
    try:
        record = json.loads(memo.read_text())
    except (OSError, ValueError):
        record = {}
    if not isinstance(record, dict) or record.get("apt_state") != state:
        record = {"apt_state": state, "answers": {}}
    answers = record.setdefault("answers", {})
    if isinstance(answers.get(question), str):
        return answers[question]
    answers[question] = ask()
    memo.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(memo, json.dumps(record, sort_keys=True).encode())
    return answers[question]


def memo_path(cache: Path) -> Path:
    """Where the answers for the images in ``cache`` are kept."""
    return cache / "debs" / "apt-answers.json"

