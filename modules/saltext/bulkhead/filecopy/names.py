"""Which names a transfer may carry: the one check for every file and directory name.

A name from another domain ends up in front of a person (a file manager, ``ls``, a shell's
completion), so it must look like what it is. As Qubes' qfile-unpacker does, a name may hold
printable ASCII (space included) and, beyond ASCII, only characters that are

- letters, numbers, punctuation, or math and currency symbols (Unicode categories L*, N*, P*,
  Sm, Sc): not control (Cc, so C0, DEL and C1), format (Cf: bidi overrides, isolates and marks,
  zero-width spaces and joiners, soft hyphen, tags), surrogate, private-use or unassigned
  (Cs, Co, Cn, which also covers noncharacters), line or paragraph separators (Zl, Zp), spaces
  other than the ASCII one (Zs: they pass for a space), combining marks (Mn, Mc, Me: they draw
  over their neighbours, and some draw nothing), modifier and other symbols (Sk, So: emoji,
  blank braille);
- left-to-right or neutral in the bidirectional algorithm (L, EN, ES, ET, CS, WS, ON), so that no
  character can reorder how the rest of the name is shown (Hebrew and Arabic letters and
  Arabic-Indic digits are refused, as in Qubes);
- not one of the Hangul fillers, letters that display as nothing.

Qubes also allows only some scripts (Latin, Greek, Cyrillic, Han, Kana, Hangul, Bopomofo); the
standard library has no script property, so letters of the other left-to-right scripts (e.g.
Devanagari, Thai) are allowed here, without their combining signs. The characters that hide,
reorder or overlay text are refused all the same.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_BYTES = 255  # Linux's NAME_MAX
ALLOWED_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Pc", "Pd", "Ps",
                                "Pe", "Pi", "Pf", "Po", "Sm", "Sc"})
ALLOWED_BIDI = frozenset({"L", "EN", "ES", "ET", "CS", "WS", "ON"})
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")  # category Lo, yet show nothing


def _unsafe(char: str) -> bool:
    if " " <= char <= "~":
        return False
    return (unicodedata.category(char) not in ALLOWED_CATEGORIES
            or unicodedata.bidirectional(char) not in ALLOWED_BIDI
            or char in INVISIBLE_LETTERS)


def _describe(char: str) -> str:
    kind = "a control character" if unicodedata.category(char) == "Cc" else "an unsafe character"
    return f"{kind} U+{ord(char):04X} {unicodedata.name(char, '(unnamed)')}"


def name_problem(name: str) -> str | None:
    """Why ``name`` (one component of a path) is refused, or None if it is safe."""
    if name in ("", ".", ".."):
        return "an empty, '.' or '..' component"
    if "/" in name:
        return "a '/' inside a name"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"a component longer than {MAX_NAME_BYTES} bytes"
    for char in name:
        if _unsafe(char):
            return _describe(char)
    return None
