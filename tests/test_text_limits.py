"""What stored text may carry and how long it may be, and how a terminal is shown it: control
characters stripped at normalisation (tabs and line breaks kept where text keeps them), fields
cut at their documented caps, bidi and control characters neutralised on every printed line.
Properties (hypothesis) over text with every control, bidi and invisible character in it.
"""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from monitor.cli.common import BOLD, terminal_safe
from monitor.diff import ANSI
from portalcrawl.parsing.article import RawArticle
from portalcrawl.parsing.loaders import article_item
from portalcrawl.store.schemadoc import markdown
from portalcrawl.text.normalise import (
    ELLIPSIS,
    FIELD_CAPS,
    INVISIBLE,
    cap_text,
    clean_multiline,
    clean_text,
    strip_invisible,
)

C0 = "".join(map(chr, range(0x20)))
C1 = "".join(map(chr, range(0x7F, 0xA0)))
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
hostile_text = st.text(
    st.sampled_from(list("Lũ lụt ở Tân Hồng đĐ.\u0301") + list(C0 + C1 + BIDI) + ["\ufffe"]),
    max_size=60,
) | st.text(max_size=30)
CONTROLS = set(C0 + C1) - {"\t", "\n"}


@given(hostile_text)
def test_clean_text_carries_no_control_character(value: str) -> None:
    cleaned = clean_text(value)
    assert not set(cleaned) & (set(C0 + C1) | {"\ufffe", "\uffff"})
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)


@given(st.lists(hostile_text, max_size=5))
def test_multiline_text_keeps_only_its_paragraph_breaks(paragraphs: list[str]) -> None:
    cleaned = clean_multiline("\n\n".join(paragraphs))
    assert not set(cleaned) & CONTROLS and "\t" not in cleaned
    assert all(p and p == p.strip() for p in cleaned.split("\n\n")) or cleaned == ""
    assert clean_multiline(cleaned) == cleaned


@given(hostile_text)
def test_strip_invisible_keeps_tabs_and_line_breaks(value: str) -> None:
    stripped = strip_invisible(value)
    assert not {chr(c) for c in INVISIBLE} & set(stripped)
    assert stripped.count("\n") == value.count("\n") and stripped.count("\t") == value.count("\t")
    assert strip_invisible(stripped) == stripped


@given(hostile_text, st.integers(2, 80))
def test_a_capped_text_fits_and_is_the_start_of_the_value(value: str, limit: int) -> None:
    capped = cap_text(value, limit)
    assert len(capped) <= limit
    if len(value) <= limit:
        assert capped == value
    else:
        assert capped.endswith(ELLIPSIS) and value.startswith(capped[:-1])


@given(hostile_text)
def test_a_terminal_is_shown_no_control_or_bidi_character(value: str) -> None:
    shown = terminal_safe(value)
    assert not set(shown) & (set(BIDI) | CONTROLS)
    if not set(value) & (set(BIDI) | CONTROLS):
        assert shown == value


def test_our_own_colours_still_reach_the_terminal() -> None:
    on, off = ANSI["insert"]
    text = f"{BOLD[0]}tiêu đề{BOLD[1]} {on}thêm{off} \x1b[8mẩn\u202e"
    assert terminal_safe(text) == f"{BOLD[0]}tiêu đề{BOLD[1]} {on}thêm{off} <U+001B>[8mẩn<U+202E>"


def test_every_field_is_cut_at_its_cap_and_said_so() -> None:
    huge = "Lũ lụt " * 75_000  # past every cap: 525,000 characters
    raw = RawArticle(
        asset_id=1,
        canonical="http://127.0.0.1/tin-hoat-dong/-/asset_publisher/x/content/a",
        title=huge,
        date_text="",
        summary=huge,
        paragraphs=[huge, "đoạn hai"],
        body_html="<p><b>" + "Lũ lụt <i>ở</i> " * 70_000 + "</b></p>",
        author=huge,
        source=huge,
        images=[f"http://127.0.0.1/{n}.jpg" for n in range(1_500)],
    )
    item = article_item(raw)
    for name, limit in FIELD_CAPS.items():
        if name == "attachments":
            continue
        assert len(item[name]) <= limit, name
    assert item["title"].endswith(ELLIPSIS) and item["title"].startswith("Lũ lụt Lũ")
    assert item["body_html"].endswith("</b></p>")  # cut between tags, closed again
    assert sorted(item["capped"]) == sorted(set(FIELD_CAPS) - {"attachments"})


def test_the_readme_schema_section_names_each_cap() -> None:
    doc = markdown()
    for name, limit in FIELD_CAPS.items():
        line = next(ln for ln in doc.splitlines() if ln.startswith(f"| `{name}` |"))
        assert f"At most {limit:,}" in line, name
