"""Text normalisation for Vietnamese portal text: storage form, comparison form, search folding.

Pure functions (no Scrapy, no click): the loaders, the store, the monitor's diff and the search
all depend on these agreeing with each other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# What stored text never carries besides: the controls no text means (C0 but tab, line feed and
# carriage return; DEL; C1) and the two noncharacters XML cannot hold. Raw, they reach
# terminals (ESC sequences), feeds and emails. The C0/C1 ones that are white space to Python
# (VT, FF, the separators U+001C-U+001F, NEL) become a space, so words stay apart. Bidi controls
# (U+202E, ...) are text in right-to-left languages: kept, and shown as their code point
# wherever people read stored text (text/shown.py).
_CONTROLS = [*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0x85), *range(0x86, 0xA0)]
INVISIBLE = {
    **ZERO_WIDTH,
    **dict.fromkeys([*_CONTROLS, 0xFFFE, 0xFFFF], None),
    **dict.fromkeys([0x0B, 0x0C, *range(0x1C, 0x20), 0x85], " "),
}
# str.translate looks every character up; a search finds the rare text that needs it faster.
_HAS_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(INVISIBLE)) + "]")
# The five Vietnamese tone marks as combining characters; vowel-quality marks (circumflex,
# breve, horn) are part of the letter and stay.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def strip_invisible(value: str) -> str:
    """The text without zero-width characters, soft hyphens and control characters (INVISIBLE);
    tabs and line breaks stay where they are."""
    return value.translate(INVISIBLE) if _HAS_INVISIBLE.search(value) else value


def clean_text(value: str | None) -> str:
    """Storage form of one paragraph: NFC, no invisible characters, white space folded."""
    if not value:
        return ""
    value = strip_invisible(value)
    # str.split() splits on exactly what re's \s matches: re.sub(r"\s+", " ", text).strip().
    return " ".join(unicodedata.normalize("NFC", value).split())


# The most a stored field holds: characters, entries for the list fields. Real articles stay far
# below (titles under 300 characters, bodies under 100,000); a longer value is a hostile or
# broken page, cut (text ends in "…") and counted in the run's stats (portalcrawl/capped/NAME).
# The README's schema section says each (generated from portalcrawl.store.schema).
FIELD_CAPS = {
    "title": 1_000,
    "summary": 5_000,
    "author": 500,
    "source": 500,
    "body_text": 500_000,
    "body_html": 1_000_000,
    "images": 1_000,
    "attachments": 1_000,
}
ELLIPSIS = "\u2026"


def cap_text(value: str, limit: int) -> str:
    """`value` if it fits `limit` characters, else cut (after a space when one is near the
    cut) to end in "…" within the limit."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ", max(0, limit - 80))
    return (cut[:space] if space > 0 else cut).rstrip() + ELLIPSIS


def drop_null(value: str | None) -> str | None:
    """Liferay prints a stray 'null' where a field is empty: treat it as no value."""
    if value is None:
        return None
    return None if value.strip().lower() in ("", "null") else value


def join_paragraphs(paragraphs: list[str]) -> str:
    """Body text: cleaned, non-empty paragraphs separated by one blank line."""
    cleaned = (clean_text(p) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p and p.lower() != "null")


def clean_multiline(value: str | None) -> str:
    """Storage form of multi-paragraph text: each paragraph cleaned, breaks kept."""
    if not value:
        return ""
    return join_paragraphs(re.split(r"\n\s*\n", strip_invisible(value)))


@lru_cache(maxsize=1 << 14)  # the words every page repeats; bounded, so memory does not grow
def _syllable_key(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(sorted(c for c in decomposed if c in TONE_MARKS))
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    return f"{base}\u2063{tones}" if tones else base


def comparison_words(value: str | None) -> list[str]:
    """Words in a form where Unicode form, spacing and tone-mark placement no longer matter.

    "uỷ" and "ủy", "hoà" and "hòa" give the same word; "hoa" and "hòa" do not.
    """
    return [_syllable_key(w) for w in clean_text(value).split(" ") if w]


def comparison_form(value: str | None) -> str:
    """One string per field for hashing and equality: see comparison_words."""
    return " ".join(comparison_words(value))


class _StrayMark(Exception):
    """A combining mark in the text: fold's one-for-one table cannot say what it becomes."""


class _FoldTable(dict[int, str]):
    """Each character folded, filled in as str.translate asks for it: a pass over each text to
    find its new characters first took 40% of folding a page's title, summary and body.
    A combining mark is kept as it is, or (`marks_kept` false) stops the translation for fold's
    slow path. Bounded: emptied past 65,536 characters."""

    def __init__(self, marks_kept: bool) -> None:
        super().__init__()
        self.marks_kept = marks_kept

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if unicodedata.combining(char) and not self.marks_kept:
            raise _StrayMark
        if len(self) >= 1 << 16:
            self.clear()
        self[code] = folded = char if unicodedata.combining(char) else _fold_char(char)
        return folded


_FOLD_TABLE = _FoldTable(marks_kept=False)
_FOLD_OFFSETS = _FoldTable(marks_kept=True)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    decomposed = unicodedata.normalize("NFD", char)
    # Strip marks only: a Hangul syllable or an Indic two-part vowel decomposes into letters.
    marks_only = all(unicodedata.combining(c) for c in decomposed[1:])
    base = decomposed[0] if marks_only else char
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


def fold(value: str | None) -> str:
    """Search folding: lower case, accents and tone marks removed, đ → d.

    Maps each character of the NFC text to exactly one character, so a match found in the
    folded text has the same offsets in the NFC original (used for snippets). A stray
    combining mark (one NFC could not attach, as in a doubled tone mark) is kept unless it
    would combine with the folded letter before it; then it becomes a space, so that folding
    stays idempotent and the folded text stays NFC.
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value)
    try:
        return text.translate(_FOLD_TABLE)  # no stray mark: one character for one
    except _StrayMark:
        pass
    out: list[str] = []
    cluster = 0  # index in out of the last character that starts a cluster
    for char in text:
        if unicodedata.combining(char):
            tail = "".join(out[cluster:]) + char
            if unicodedata.normalize("NFC", tail) != tail:
                char, cluster = " ", len(out)
            out.append(char)
        else:
            cluster = len(out)
            out.append(_fold_char(char))
    return "".join(out)


def fold_offsets(text: str) -> str:
    """fold of NFC text one character for one, as one str.translate: a match found in it has
    the same offsets in the text (search snippets). The same words as fold: where fold turns a
    stray combining mark into a space this keeps the mark, and neither is a word character."""
    return text.translate(_FOLD_OFFSETS)
