"""monitor.diff: word diffs that show edits and nothing else."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st
from test_textnorm import resaved, vn_words

from monitor.diff import (
    changed,
    field_diffs,
    render_ansi,
    render_plain,
    short_diff,
    word_diff,
)
from portalcrawl.text.normalise import comparison_words

OLD = "Uỷ ban nhân dân tỉnh họp báo.\n\nNội dung cũ ở đây.\n\nKết thúc."
NEW = "Ủy  ban nhân\u00a0dân tỉnh họp báo.\n\nNội dung mới ở đây.\n\nĐoạn thêm.\n\nKết thúc."


def test_word_diff_shows_only_edits() -> None:
    assert word_diff(OLD, NEW) == [
        ("equal", "Ủy ban nhân dân tỉnh họp báo.\n\nNội dung"),
        ("delete", "cũ"),
        ("insert", "mới"),
        ("equal", "ở đây."),
        ("insert", "\n\nĐoạn thêm."),
        ("equal", "\n\nKết thúc."),
    ]
    assert changed(OLD, NEW)
    assert not changed(OLD, OLD.replace("Uỷ", "Ủy"))
    assert word_diff(OLD, OLD.replace("Uỷ", "Ủy")) == [("equal", OLD.replace("Uỷ", "Ủy"))]


def test_paragraph_breaks_are_not_edits() -> None:
    assert not changed("a b\n\nc", "a\n\nb c")
    assert word_diff("a b\n\nc", "a\n\nb c") == [("equal", "a\n\nb c")]
    assert word_diff("", "") == [] and not changed(None, "  \u200b ")


def test_render_plain() -> None:
    assert render_plain(word_diff(OLD, NEW)) == (
        "Ủy ban nhân dân tỉnh họp báo.\n\nNội dung [-cũ-] {+mới+} ở đây.\n\n"
        "{+Đoạn thêm.+}\n\nKết thúc."
    )
    assert render_plain(word_diff("a\n\nb", "a\n\nc")) == "a\n\n[-b-] {+c+}"
    assert (
        render_plain(word_diff("a b\n\nc d", "a x\n\ny d")) == "a [-b-]\n\n[-c-] {+x+}\n\n{+y+} d"
    )


def test_render_with_context() -> None:
    old = " ".join(f"w{i}" for i in range(30))
    new = old.replace("w15", "X")
    ops = word_diff(old, new)
    assert render_plain(ops, context=2) == "… w13 w14 [-w15-] {+X+} w16 w17 …"
    assert render_plain(ops, context=0) == "… [-w15-] {+X+} …"
    twice = word_diff(old, new.replace("w25", "Y"))
    assert render_plain(twice, context=1) == "… w14 [-w15-] {+X+} w16 … w24 [-w25-] {+Y+} w26 …"
    assert render_plain(twice, context=5) == (  # w16..w24 (9 words) and w26..w29 are kept
        "… w10 w11 w12 w13 w14 [-w15-] {+X+} w16 w17 w18 w19 w20 w21 w22 w23 w24 [-w25-] {+Y+} "
        "w26 w27 w28 w29"
    )
    assert render_plain(word_diff(old, old), context=3) == ""
    assert render_plain(word_diff(old, old)) == old


def test_render_ansi() -> None:
    out = render_ansi(word_diff("a b c", "a x c"))
    assert out == "a \x1b[31;9mb\x1b[0m \x1b[32mx\x1b[0m c"


def test_short_diff() -> None:
    old = " ".join(f"w{i}" for i in range(300))
    new = old.replace("w150", "X").replace("w151", "Y")
    assert short_diff(old, new) == (
        "… w142 w143 w144 w145 w146 w147 w148 w149 [-w150 w151-] {+X Y+} "
        "w152 w153 w154 w155 w156 w157 w158 w159 …"
    )
    assert short_diff(old, old) == ""
    long = short_diff("", old, limit=100)
    assert long.startswith("{+w0 w1") and long.endswith("+} …") and len(long) <= 102
    # Context before the first change shrinks rather than hiding the change.
    assert "[-w150 w151-]" in short_diff(old, new, context=8, limit=40)
    assert short_diff("", "x" * 50, limit=20) == "{+xxxxxxxxxxxxxxxx+} …"


def test_field_diffs() -> None:
    old = {
        "title": "Hội nghị sơ kết",
        "summary": "Uỷ ban",
        "images": json.dumps(["https://a/1.jpg", "https://a/2.jpg"]),
        "attachments": [],
        "author": None,
    }
    new = {
        "title": "Hội nghị tổng kết",
        "summary": "Ủy ban",
        "images": ["https://a/2.jpg", "https://a/3.jpg"],
        "attachments": "[]",
        "author": "",
    }
    fields = ["title", "summary", "images", "attachments", "author", "source"]
    assert field_diffs(old, new, fields) == {
        "title": "Hội nghị [-sơ-] {+tổng+} kết",
        "images": "added: https://a/3.jpg; removed: https://a/1.jpg",
    }
    reordered = {"images": '["https://a/2.jpg", "https://a/1.jpg"]'}
    assert field_diffs(old, reordered, ["images"]) == {}


def _side(ops: list[tuple[str, str]], kind: str) -> list[str]:
    return comparison_words(" ".join(text for k, text in ops if k in ("equal", kind)))


@given(st.text(), st.text())
def test_diff_reconstructs_both_sides(old: str, new: str) -> None:
    ops = word_diff(old, new)
    assert _side(ops, "delete") == comparison_words(old)
    assert _side(ops, "insert") == comparison_words(new)
    assert changed(old, new) == any(kind != "equal" for kind, _ in ops)
    assert all(text.strip() for _, text in ops)
    assert all(a[0] != b[0] for a, b in zip(ops, ops[1:], strict=False))


@given(st.data(), vn_words)
def test_resaving_is_not_a_change(data: st.DataObject, text: str) -> None:
    again = data.draw(resaved(text))
    assert not changed(text, again)
    assert [kind for kind, _ in word_diff(text, again)] == ["equal"]
    assert short_diff(text, again) == ""


@given(st.data(), vn_words, st.from_regex(r"\A[A-Z][0-9]{2}\Z"))
def test_changing_a_word_shows_in_the_diff(data: st.DataObject, text: str, fresh: str) -> None:
    words = text.split(" ")
    index = data.draw(st.integers(0, len(words) - 1))
    removed = words[index]
    words[index] = fresh
    new = data.draw(resaved(" ".join(words)))
    assert changed(text, new)
    ops = word_diff(text, new)
    assert [text for kind, text in ops if kind == "insert"] == [fresh]
    deleted = [text for kind, text in ops if kind == "delete"]
    assert [comparison_words(d) for d in deleted] == [comparison_words(removed)]
    plain = render_plain(ops)
    assert f"{{+{fresh}+}}" in plain and f"[-{deleted[0]}-]" in plain
    assert f"{{+{fresh}+}}" in render_plain(ops, context=2)
    assert re.search(r"\{\+" + fresh, short_diff(text, new))
