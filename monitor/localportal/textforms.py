"""Representation-only text changes (Unicode form, tone-mark placement, odd spaces) and back.

Editors on the portal re-save articles with the same words in another form; these functions
make such forms, and `clean` is the storage form a correct crawler ends with.
"""

from __future__ import annotations

import random
import re
import unicodedata

NBSP = "\u00a0"
ZWSP = "\u200b"
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_WS = re.compile(r"\s+")

# New placement (mark on the main vowel) -> old placement (mark on the last vowel), for the
# open syllables oa, oe, uy at the end of a word ("hoà"/"hòa", "uỷ"/"ủy"; not "hoàn", "quý").
_NEW_OLD: dict[str, str] = {}
for _first, _second in (("o", "a"), ("o", "e"), ("u", "y")):
    for _mark in "\u0300\u0301\u0303\u0309\u0323":
        for _upper in (False, True):
            _a, _b = (_first.upper(), _second) if _upper else (_first, _second)
            _new = unicodedata.normalize("NFC", _a + _mark + _b)
            _old = unicodedata.normalize("NFC", _a + _b + _mark)
            _NEW_OLD[_new] = _old
_OLD_NEW = {old: new for new, old in _NEW_OLD.items()}
_SWAP = {**_NEW_OLD, **_OLD_NEW}
_SWAP_RE = re.compile(r"(?<![qQ])(" + "|".join(map(re.escape, _SWAP)) + r")(?!\w)")
_OLD_RE = re.compile(r"(?<![qQ])(" + "|".join(map(re.escape, _NEW_OLD)) + r")(?!\w)")


def clean(text: str) -> str:
    """Storage form: NFC, zero-width characters removed, white space (NBSP too) folded."""
    text = unicodedata.normalize("NFC", text.translate(_ZERO_WIDTH))
    return _WS.sub(" ", text).strip()


def is_nfd(text: str) -> bool:
    """Whether the text is stored decomposed (differs from its NFC form)."""
    return unicodedata.normalize("NFC", text) != text


def toggle_nfd(text: str) -> str:
    """NFC text becomes NFD and NFD text becomes NFC: same words, other code points."""
    return unicodedata.normalize("NFC" if is_nfd(text) else "NFD", text)


def old_tones(text: str) -> str:
    """Every word-final oa/oe/uy syllable written with the old placement ('hoà', 'Uỷ')."""
    return _OLD_RE.sub(lambda m: _NEW_OLD[m.group(1)], text)


def swap_tones(text: str) -> str:
    """Old placement becomes new and new becomes old, keeping the Unicode form."""
    decomposed = is_nfd(text)
    swapped = _SWAP_RE.sub(lambda m: _SWAP[m.group(1)], unicodedata.normalize("NFC", text))
    return unicodedata.normalize("NFD", swapped) if decomposed else swapped


def has_swappable(text: str) -> bool:
    """Whether swap_tones would change anything in the text."""
    return bool(_SWAP_RE.search(unicodedata.normalize("NFC", text)))


def space_noise(text: str, rng: random.Random) -> str:
    """The same words with a no-break space, a zero-width space and a doubled space."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return text + ZWSP
    chars = list(text)
    nbsp_at = rng.choice(spaces)
    chars[nbsp_at] = NBSP
    zw_at = rng.choice(spaces)
    chars[zw_at] = chars[zw_at] + ZWSP
    double_at = rng.choice(spaces)
    chars[double_at] = chars[double_at] + " "
    return "".join(chars)
