"""textnorm: storage form, comparison form and search folding, by example and by property."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from portalcrawl.text.normalise import (
    clean_multiline,
    clean_text,
    comparison_form,
    comparison_words,
    drop_null,
    fold,
    fold_offsets,
    join_paragraphs,
)

TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
# Unaccented letter -> the Vietnamese letters written on it (before a tone mark).
LETTERS = {
    "a": "aăâ",
    "e": "eê",
    "i": "i",
    "o": "oôơ",
    "u": "uư",
    "y": "y",
    "d": "dđ",
    **{c: c for c in "bcghklmnpqrstvx"},
}
VOWELS = frozenset("aeiouy")
# Same syllable, old and new tone-mark placement.
TONE_SWAPS = (("oà", "òa"), ("uỷ", "ủy"), ("oé", "óe"), ("Uỷ", "Ủy"), ("hoá", "hóa"))


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@st.composite
def vn_letter(draw: st.DrawFn) -> tuple[str, str]:
    """(written letter, its unaccented lower-case form)."""
    plain = draw(st.sampled_from(sorted(LETTERS)))
    letter = draw(st.sampled_from(LETTERS[plain]))
    tone = draw(st.sampled_from(TONES)) if plain in VOWELS else ""
    written = unicodedata.normalize("NFC", letter + tone)
    return (written.upper() if draw(st.booleans()) else written), plain


@st.composite
def vn_text(draw: st.DrawFn) -> tuple[str, str]:
    """(Vietnamese-looking text, its unaccented lower-case form), words split by spaces."""
    words = draw(st.lists(st.lists(vn_letter(), min_size=1, max_size=7), min_size=1, max_size=8))
    written = " ".join("".join(w for w, _ in word) for word in words)
    plain = " ".join("".join(p for _, p in word) for word in words)
    return written, plain


vn_words = vn_text().map(lambda pair: pair[0])


@st.composite
def resaved(draw: st.DrawFn, text: str) -> str:
    """text as an editor or a migration might re-save it without changing a word."""
    for old, new in TONE_SWAPS:
        if draw(st.booleans()):
            text = text.replace(old, new)
    spaces = draw(st.sampled_from([" ", "  ", "\u00a0", " \u00a0", "\t", " \u200b "]))
    text = spaces.join(text.split(" "))
    text = draw(st.sampled_from(["", " ", "\u200b", "\u00a0"])) + text + " "
    if draw(st.booleans()):
        text = nfd(text)
    chars = list(text)
    for _ in range(draw(st.integers(0, 4))):
        chars.insert(draw(st.integers(0, len(chars))), "\u200b")
    return "".join(chars)


def test_clean_text_examples() -> None:
    assert clean_text(nfd("Ủy ban")) == "Ủy ban"
    assert clean_text("  a\u00a0\u00a0b\u200b c\n d ") == "a b c d"
    assert clean_text("Đồng\u00adTháp") == "ĐồngTháp"
    assert clean_text(None) == "" and clean_text("") == ""


def test_paragraph_helpers() -> None:
    assert join_paragraphs([" a ", "", "null", "b\u00a0c"]) == "a\n\nb c"
    assert clean_multiline("a \n \n b\n c\n\n\n d") == "a\n\nb c\n\nd"
    assert drop_null(" NULL ") is None and drop_null("") is None and drop_null("x") == "x"
    assert drop_null(None) is None


def test_comparison_words_examples() -> None:
    assert comparison_words("Uỷ ban") == comparison_words("Ủy  ban")
    assert comparison_form("hoà bình") == comparison_form(nfd("hòa\u00a0bình"))
    assert comparison_form("hoa") != comparison_form("hòa")
    assert comparison_form("ủy") != comparison_form("Ủy")
    assert comparison_form(None) == ""


def test_fold_examples() -> None:
    assert fold("Đảng viên ĐỒNG THÁP") == "dang vien dong thap"
    assert fold(nfd("Nguyễn Thị Ánh")) == "nguyen thi anh"
    assert fold(None) == ""
    # A doubled tone mark cannot attach to the NFC letter; once folded it would, so it
    # becomes a space (folding stays idempotent and keeps one character per NFC character).
    assert fold("vie\u0323\u0302\u0301t") == "vie t"
    assert fold("q\u0301") == "q\u0301"
    assert fold("각") == "각"


@given(st.text())
def test_fold_keeps_nfc_length_and_is_idempotent(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(unicodedata.normalize("NFC", text))
    assert fold(folded) == folded


@given(st.text())
def test_fold_offsets_keeps_offsets_and_fold_s_words(text: str) -> None:
    """The snippets' one-for-one fold: the same length as the NFC text, and the same word
    tokens as fold (a stray mark kept where fold makes it a space)."""
    nfc = unicodedata.normalize("NFC", text)
    folded = fold_offsets(nfc)
    assert len(folded) == len(nfc)
    assert re.findall(r"[^\W_]+", folded) == re.findall(r"[^\W_]+", fold(text))


@given(vn_text(), st.booleans())
def test_fold_removes_every_vietnamese_accent(pair: tuple[str, str], decompose: bool) -> None:
    written, plain = pair
    assert fold(nfd(written) if decompose else written) == plain
    assert fold(written) == fold(plain)


@given(st.text())
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert "\u200b" not in once and "\u00a0" not in once and "  " not in once


@given(st.text())
def test_comparison_form_ignores_unicode_form(text: str) -> None:
    form = comparison_form(text)
    assert comparison_form(nfd(text)) == form
    assert comparison_form(unicodedata.normalize("NFC", text)) == form


@given(st.data(), vn_words)
def test_comparison_form_ignores_resaving(data: st.DataObject, text: str) -> None:
    assert comparison_form(data.draw(resaved(text))) == comparison_form(text)


@given(st.sampled_from(TONE_SWAPS), st.text("bcdhklmnqt", max_size=3), st.text("cmnt", max_size=2))
def test_tone_placement_does_not_count(swap: tuple[str, str], head: str, tail: str) -> None:
    old, new = swap
    assert comparison_form(head + old + tail) == comparison_form(head + new + tail)
    assert comparison_form(head + old + tail) != comparison_form(fold(head + old + tail))
