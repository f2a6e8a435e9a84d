"""Host side of the guest agent channel: one JSON request line out, one JSON answer line back.

The guest is untrusted, so its side of the socket is treated as hostile input: answers are
length-limited, must parse as a JSON object carrying our request id, and anything else on the
line (stale answers, noise) is skipped until the deadline; a line over the size or nesting bound
is a protocol error. Text of the guest's that an error carries is escaped (``untrusted.text``),
so every consumer (CLI, Salt comments, logs) gets it safe for a terminal. A connection is opened
per request: QEMU serves one client at a time on the channel socket and a fresh connection leaves
no state from an earlier, abandoned request.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import time
from pathlib import Path
from typing import Any

from ..untrusted.json_value import JSONLimitError
from ..untrusted.text import printable
from .protocol import (
    MAX_ID,
    MAX_LINE,
    MAX_REQUEST,
    MAX_STDIN,
    AgentError,
    AgentProtocolError,
    AgentRequestFailed,
    AgentTimeout,
    RunResult,
    b64_field,
    check_request,
    parse_answer,
    sha256_field,
)


class AgentClient:
    """``AgentClient(path).request("ping", timeout=5)`` -> the agent's answer as a dict."""

    def __init__(self, socket_path: str | Path):
        self.socket_path = str(socket_path)
        self._next_id = secrets.randbelow(MAX_ID // 2) + 1

    def _new_id(self) -> int:
        request_id = self._next_id
        self._next_id = self._next_id + 1 if self._next_id < MAX_ID else 1
        return request_id

    def request(self, op: str, *, timeout: float = 10.0, **args: Any) -> dict[str, Any]:
        check_request(op, args)
        request_id = self._new_id()
        line = json.dumps({"id": request_id, "op": op, **args}, separators=(", ", ": ")) + "\n"
        if len(line) > MAX_REQUEST:
            raise ValueError(f"agent request over {MAX_REQUEST} characters")
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(max(timeout, 0.001))
            try:
                sock.connect(self.socket_path)
                sock.sendall(line.encode())
            except TimeoutError as exc:
                raise AgentTimeout(f"{self.socket_path}: could not send within {timeout}s") from exc
            except OSError as exc:
                raise AgentError(f"{self.socket_path}: {exc.strerror or exc}") from exc
            return self._await_answer(sock, request_id, op, deadline, timeout)

    def run(self, command: str, *, timeout: int = 30, stdin: bytes | None = None,
            uid: int | None = None, gid: int | None = None) -> RunResult:
        """Run ``command`` with ``sh`` in the guest, as root unless ``uid``/``gid`` say otherwise,
        reading ``stdin`` (at most MAX_STDIN bytes; none: /dev/null); killed after ``timeout``
        seconds (rc 137, ``expired``). The host is the guest's master (as dom0 is in Qubes), so
        this is by design."""
        if not command:
            raise ValueError("empty command")
        if stdin is not None and len(stdin) > MAX_STDIN:
            raise ValueError(f"input over {MAX_STDIN // 1024} KiB")
        extra: dict[str, Any] = {} if uid is None else {"uid": uid, "gid": uid if gid is None else gid}
        if stdin:
            extra["stdin"] = base64.b64encode(stdin).decode()
        answer = self.request("run", timeout=timeout + 10, limit=timeout,
                              cmd=base64.b64encode(command.encode()).decode(), **extra)
        rc = answer.get("rc")
        if type(rc) is not int:
            raise AgentProtocolError("run answer without an integer rc")
        return RunResult(rc, b64_field(answer, "stdout"), b64_field(answer, "stderr"),
                         answer.get("truncated") is True, answer.get("expired") is True)

    def load_firewall(self, ruleset: str, clients: list[str], *, timeout: float = 30) -> str:
        """Make ``ruleset`` (nft text) the guest's firewall and route to ``clients`` (IPv4
        addresses); the sha256 of the ruleset now in force, as the guest computed it."""
        answer = self.request("firewall", timeout=timeout, clients=" ".join(clients),
                              ruleset=base64.b64encode(ruleset.encode()).decode())
        return sha256_field(answer)

    def firewall_status(self, *, timeout: float = 10) -> str | None:
        """The sha256 of the ruleset the guest enforces; None if it was never given one."""
        answer = self.request("firewall_status", timeout=timeout)
        return None if answer.get("sha256") is None else sha256_field(answer)

    def _await_answer(self, sock: socket.socket, request_id: int, op: str, deadline: float,
                      timeout: float) -> dict[str, Any]:
        buffer = b""
        skipped = 0
        while True:
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                try:
                    answer = parse_answer(raw)
                except JSONLimitError as exc:  # deep or huge: never noise, always hostile
                    raise AgentProtocolError(f"{self.socket_path}: {exc}") from None
                answer_id = None if answer is None else answer.get("id")
                if type(answer_id) is not int or answer_id != request_id:
                    skipped += 1  # noise or the late answer to someone else's request
                    continue
                if answer.get("ok") is not True:
                    reason = printable(str(answer.get("error", "no reason given"))[:1000])
                    raise AgentRequestFailed(f"agent refused {op!r}: {reason}", answer)
                return answer
            if len(buffer) > MAX_LINE:
                raise AgentProtocolError(f"{self.socket_path}: answer line over {MAX_LINE} bytes")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AgentTimeout(f"{self.socket_path}: no answer to {op!r} within {timeout}s"
                                   + (f" ({skipped} unusable lines skipped)" if skipped else ""))
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError as exc:
                raise AgentError(f"{self.socket_path}: {exc.strerror or exc}") from exc
            if not chunk:
                raise AgentError(
                    f"{self.socket_path}: connection closed before an answer to {op!r}")
            buffer += chunk
