"""A logging.Formatter that escapes every record at the sink (the daemons' log handlers).

A daemon logs what guests send it (names, refusals, their reasons); escaping in one formatter
covers every present and future log call. The message is escaped whole, newlines included, so a
guest cannot forge a log line; a traceback keeps its own line breaks.
"""

from __future__ import annotations

import logging

from .text import printable


class EscapingFormatter(logging.Formatter):
    """``logging.Formatter`` whose output holds no control, escape sequence or bidi character."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.msg, record.args
        # The record is shared with other handlers: escape a copy of the message, then restore.
        record.msg, record.args = printable(record.getMessage()), None
        try:
            return super().format(record)
        finally:
            record.msg, record.args = saved

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return printable(super().formatException(ei), keep="\n")

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return printable(super().formatStack(stack_info), keep="\n")
