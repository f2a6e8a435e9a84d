"""A logging.Formatter that escapes every record at the sink (the daemons' log handlers).

A daemon logs what guests send it (names, refusals, their reasons); escaping in one formatter
covers every present and future log call. The message is escaped whole, newlines included, so a
guest cannot forge a log line; a traceback keeps its own line breaks. Escaping can make a message
longer (``\u202e`` for one character), so the bound on a line's length is applied here too, after
escaping: whatever a guest sends, one record costs the log at most ``max_chars`` of message.
"""

from __future__ import annotations

import logging

from .text import printable

MAX_CHARS = 2000


class EscapingFormatter(logging.Formatter):
    """``logging.Formatter`` whose output holds no control, escape sequence or bidi character,
    and at most ``max_chars`` characters of message."""

    def __init__(self, fmt: str | None = None, max_chars: int = MAX_CHARS):
        super().__init__(fmt)
        self.max_chars = max_chars

    def format(self, record: logging.LogRecord) -> str:
        saved = record.msg, record.args
        # The record is shared with other handlers: escape a copy of the message, then restore.
        message = printable(record.getMessage())
        if len(message) > self.max_chars:
            message = f"{message[:self.max_chars]}... [{len(message) - self.max_chars} more]"
        record.msg, record.args = message, None
        try:
            return super().format(record)
        finally:
            record.msg, record.args = saved

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return printable(super().formatException(ei), keep="\n")

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return printable(super().formatStack(stack_info), keep="\n")
