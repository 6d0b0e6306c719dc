"""Stored text as people are shown it: bidi controls as their visible code point.

Stored text keeps the bidi controls (text/normalise.py: they are text in right-to-left
languages), but shown raw an override reorders the rest of its line, so a hostile page's title
"Thông báo \u202egnp.exe" reads as "Thông báo exe.png". Every output people read (the terminal,
emails, chat and webhook messages, the Atom feeds, the static site) shows each one as
`<U+202E>`, applied to stored text where it enters the output, before any HTML or XML escaping.
JSON keeps the same value, with these characters written as `\\u202e` escapes. Exports are data
for machines and stay exact.
"""

from __future__ import annotations

import re

# A regex character class's contents: the Arabic letter mark, LRM and RLM, the embeddings,
# overrides and their pop (U+202A-U+202E), the isolates (U+2066-U+2069).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# json.dumps escapes C0 itself; C1 (a terminal's CSI is U+009B) and the bidi controls it leaves.
_NOT_RAW_IN_JSON = re.compile(f"[\x7f-\x9f{BIDI_CONTROLS}]")


def code_point(char: str) -> str:
    """One character as people are shown it in its place: `<U+202E>`."""
    return f"<U+{ord(char):04X}>"


def show_bidi(text: str) -> str:
    """The text with each bidi control shown as its code point (code_point)."""
    return _BIDI.sub(lambda m: code_point(m.group(0)), text)


def json_escaped(text: str) -> str:
    """JSON text (json.dumps with ensure_ascii=False) with C1 and bidi controls as `\\u`
    escapes: the same JSON value, Vietnamese still readable, harmless wherever it is shown."""
    return _NOT_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
