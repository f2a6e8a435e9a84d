"""The one escaping of guest-influenced text before it reaches a terminal, a log or a comment.

A terminal obeys what it is sent: ESC and CSI (C1 0x9b) start sequences that set the window title,
clear the screen, remap keys or write files on some terminals; CR and backspace overwrite what was
printed; bidi overrides and isolates reorder a line (``invoice\u202efdp.exe``) and zero-width
characters hide text. ``printable`` writes every such character as a visible escape: ``\\x1b``
for ASCII controls and undecodable bytes, ``\\u202e`` for every other code point that is not a
plainly visible character (Unicode categories Cc, Cf, Cs, Co, Cn, Zl, Zp). With ``backslash``
(the default) a backslash is written ``\\\\``, so distinct inputs always give distinct outputs.
"""

from __future__ import annotations

import re
import unicodedata

_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Candidates only: printable ASCII other than the backslash never needs a look.
_SUSPECT = re.compile(r"[^\x20-\x5b\x5d-\x7e]|\\")
_BYTE = range(0xDC80, 0xDD00)  # where surrogateescape puts an undecodable byte


def _escape(char: str, keep: str, backslash: bool, from_bytes: bool) -> str:
    code = ord(char)
    if char in keep:
        return char
    if char == "\\":
        return "\\\\" if backslash else char
    if code < 0x80:  # a C0 control or DEL
        return f"\\x{code:02x}"
    if from_bytes and code in _BYTE:
        return f"\\x{code - 0xDC00:02x}"
    if unicodedata.category(char) not in _HIDDEN:
        return char
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str | bytes, *, keep: str = "", backslash: bool = True) -> str:
    """``text`` with every control, escape sequence, bidi or invisible character escaped.

    ``keep`` names the controls a caller lets through as they are (``"\\n"`` for a multi-line
    comment, ``"\\n\\t"`` for command output); bytes are decoded as UTF-8, an invalid byte is
    written ``\\xNN``. ``backslash=False`` leaves backslashes alone (command output, where the
    point is a safe terminal, not an unambiguous record).
    """
    if not set(keep) <= {"\n", "\t"}:
        raise ValueError("only newline and tab may be kept")
    from_bytes = isinstance(text, bytes | bytearray)
    if from_bytes:
        text = bytes(text).decode("utf-8", errors="surrogateescape")
    return _SUSPECT.sub(lambda m: _escape(m.group(), keep, backslash, from_bytes), text)
