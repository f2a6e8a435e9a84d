"""The host's answer socket of ``--ask user`` (root's, mode 0600; no guest reaches it): one JSON
object per line in, one out, one request per connection.

``{"op": "list"}`` -> ``{"ok": true, "asks": [{"id", "source", "call", "targets",
"default_target", "asked_at", "seconds_left"}, ...]}``;
``{"op": "answer", "id": ID, "allow": true|false[, "target": T]}`` -> ``{"ok": true, "chosen":
T|null}``, or ``{"ok": false, "error": ...}`` for an unknown ask or a target not offered. Anything
else gets an error reply; a client can never make the broker fail.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from ..line_server import LineServer
from ..untrusted.json_value import loads as load_json
from .asks import AskError, PendingAsks

MAX_LINE = 4096
DEFAULT_ASK_SOCKET = Path("/run/bulkhead/ask.sock")


def handle_line(line: bytes, asks: PendingAsks) -> dict[str, Any]:
    try:
        message = load_json(line, max_bytes=MAX_LINE)
    except ValueError as exc:
        return _error(f"not JSON: {exc}")
    if not isinstance(message, dict):
        return _error("expected a JSON object")
    op = message.get("op")
    if op == "list" and set(message) == {"op"}:
        return {"ok": True, "asks": asks.pending()}
    if op == "answer" and {"op", "id", "allow"} <= set(message) <= {"op", "id", "allow", "target"}:
        return _answer(message, asks)
    return _error('expected {"op": "list"} or {"op": "answer", "id", "allow"[, "target"]}')


def _answer(message: dict[str, Any], asks: PendingAsks) -> dict[str, Any]:
    ask_id, allow, target = message["id"], message["allow"], message.get("target")
    if not isinstance(ask_id, str) or not isinstance(allow, bool) \
            or not (target is None or isinstance(target, str)):
        return _error("id must be a string, allow true or false, target a string")
    try:
        return {"ok": True, "chosen": asks.answer(ask_id, allow, target)}
    except AskError as exc:
        return _error(str(exc))


def _error(text: str) -> dict[str, Any]:
    return {"ok": False, "error": text}


class AskServer(LineServer):
    def __init__(self, path: Path, asks: PendingAsks) -> None:
        self.asks = asks
        super().__init__(path, "RPC broker", MAX_LINE)

    def answer(self, line: bytes) -> dict[str, Any]:
        return handle_line(line, self.asks)

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
