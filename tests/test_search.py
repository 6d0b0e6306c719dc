"""Search: folding through the real FTS index, FTS syntax read as words, ranking, filters."""

from __future__ import annotations

import contextlib
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.data.search import Query, SearchError, search
from monitor.data.snippets import PLAIN_MARKS, highlight, render_segments, snippet
from portalcrawl.store.database import Store
from portalcrawl.text.dates import VN_TZ
from portalcrawl.text.normalise import fold
from tests.storefactory import article, crawl_run

TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VOWELS = "aăâeêioôơuưy"
CONSONANTS = "bcdđghklmnpqrstvx"
NASTY = [
    '"',
    "(",
    ")",
    "AND",
    "a OR",
    "NEAR(",
    "*",
    "title:x",
    "x^",
    "-x",
    '"unclosed',
    "a AND (b OR",
    "NOT",
    "a NEAR/2 b",
    "'",
    "{title}: x",
    ";DROP TABLE articles;--",
    "x*y",
    "\\",
    "\u0301",
    "_",
    "đảng\x00viên",
]


def syllables() -> st.SearchStrategy[str]:
    """Vietnamese-looking syllables: consonants, a vowel with any tone, maybe a final."""
    vowel = st.tuples(st.sampled_from(VOWELS), st.sampled_from(TONES)).map(
        lambda vt: unicodedata.normalize("NFC", vt[0] + vt[1])
    )
    letters = st.text(alphabet=CONSONANTS, max_size=2)
    return st.tuples(letters, vowel, st.text(alphabet="cmnpt", max_size=2)).map("".join)


def phrases() -> st.SearchStrategy[str]:
    """One to four syllables, each in lower, upper or title case."""
    word = st.tuples(syllables(), st.sampled_from([str.lower, str.upper, str.title])).map(
        lambda wc: wc[1](wc[0])
    )
    return st.lists(word, min_size=1, max_size=4).map(" ".join)


def unaccented(text: str) -> str:
    """Written independently of textnorm: drop every combining mark, đ -> d, lower case."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "portal.sqlite3") as st_:
        crawl_run(
            st_,
            [
                article(
                    1,
                    "Hội nghị Đảng viên tiêu biểu",
                    "Biểu dương đảng viên.",
                    sections=["xay-dung-dang"],
                    published_at="2026-11-01T08:00:00+07:00",
                ),
                article(
                    2,
                    "Uỷ ban nhân dân tỉnh họp phiên thường kỳ",
                    "Chủ tịch Uỷ ban chủ trì.",
                    published_at="2026-11-10T08:00:00+07:00",
                ),
                article(
                    3,
                    "Thông cáo báo chí về xoài Cao Lãnh",
                    "Sản lượng xoài tăng.\n\nỦy ban tỉnh chỉ đạo.",
                    sections=["thong-cao-bao-chi"],
                    published_at="2026-11-20T08:00:00+07:00",
                ),
                article(
                    4,
                    "Tin đã gỡ về đảng viên",
                    "Bài bị gỡ.",
                    published_at="2026-11-21T08:00:00+07:00",
                ),
            ],
        )
        crawl_run(st_, removed=[4])
        yield st_


def ids(hits) -> list[int]:
    return [h.asset_id for h in hits]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phrases())
def test_accented_text_found_by_its_unaccented_and_upper_case_forms(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.sqlite3") as st_:
        crawl_run(st_, [article(7, f"Tiêu đề {text} cuối", "Thân bài.")])
        for query in (unaccented(text), text.upper(), text.lower(), text):
            assert ids(search(st_, query)) == [7], query


@given(phrases())
def test_highlight_marks_the_original_words(text: str) -> None:
    segments = highlight(f"1. {text} (2)", Query.parse(unaccented(text)).pattern())
    assert "".join(s for s, _ in segments) == unicodedata.normalize("NFC", f"1. {text} (2)")
    marked = [s for s, hit in segments if hit]
    assert [fold(s) for s in marked] == [fold(w) for w in text.split()]


@pytest.mark.parametrize("query", ["dang vien", "ĐẢNG VIÊN", "đảng viên", "Dang Vien"])
def test_dang_vien_in_every_form(store: Store, query: str) -> None:
    assert ids(search(store, query)) == [1]


def test_tone_mark_placement_does_not_matter(store: Store) -> None:
    assert set(ids(search(store, "Ủy ban"))) == {2, 3}
    assert set(ids(search(store, "Uỷ ban"))) == {2, 3}


@pytest.mark.parametrize("query", NASTY)
def test_fts_syntax_is_read_as_words(store: Store, query: str) -> None:
    try:
        hits = search(store, query)
    except SearchError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(hits, list)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_text_is_a_query_or_a_one_line_error(store: Store, query: str) -> None:
    try:
        hits = search(store, query, include_removed=True)
    except SearchError as exc:
        assert "\n" not in str(exc).replace(repr(query), "")
    else:
        terms = Query.parse(query).terms
        for hit in hits:  # every marked piece of a title is a query word (or the prefix)
            for piece, marked in hit.title_segments:
                assert not marked or fold(piece) in terms or fold(piece).startswith(terms[-1])


@pytest.mark.parametrize("query", ['"', "(", "*", "   ", "-", "^:"])
def test_query_without_words_is_an_error(store: Store, query: str) -> None:
    with pytest.raises(SearchError, match="nothing to search for"):
        search(store, query)


def test_operators_are_plain_words(store: Store) -> None:
    assert Query.parse('title:xoài OR "Cao').match_expression() == (
        '"title" AND "xoai" AND "or" AND "cao"'
    )
    assert ids(search(store, "xoài AND")) == []  # "and" is a word to find, not an operator


def test_last_word_is_a_prefix_only_when_the_words_match_nothing(store: Store) -> None:
    assert ids(search(store, "cao lan")) == [3]
    assert Query.parse("cao lan").as_prefix().match_expression() == '"cao" AND "lan"*'
    assert Query.parse("dong xo").as_prefix() is None  # too short: would match half the index
    assert ids(search(store, "xoai cao")) == [3]  # exact words found: no prefix widening


def test_title_ranks_above_summary_above_body(tmp_path: Path) -> None:
    with Store(tmp_path / "rank.sqlite3") as st_:
        crawl_run(
            st_,
            [
                article(1, "Tin khác", "Nông dân trồng sen.", summary="Tin tổng hợp."),
                article(2, "Tin khác nữa", "Thân bài.", summary="Sen Tháp Mười."),
                article(3, "Sen Đồng Tháp", "Thân bài.", summary="Tin tổng hợp."),
            ],
        )
        hits = search(st_, "sen")
    assert ids(hits) == [3, 2, 1]
    assert hits[0].score > hits[1].score > hits[2].score


def test_removed_articles_only_with_include_removed(store: Store) -> None:
    assert ids(search(store, "đảng viên")) == [1]
    hits = search(store, "đảng viên", include_removed=True)
    assert sorted(ids(hits)) == [1, 4]
    assert {h.asset_id: h.status for h in hits}[4] == "removed"


def test_section_and_since_filters(store: Store) -> None:
    assert ids(search(store, "uy ban", section="thong-cao-bao-chi")) == [3]
    assert ids(search(store, "uy ban", section="nowhere")) == []
    since = datetime(2026, 11, 15, tzinfo=VN_TZ)
    assert ids(search(store, "uy ban", since=since)) == [3]
    assert ids(search(store, "uy ban", since=datetime(2027, 1, 1, tzinfo=VN_TZ))) == []


def test_rank_window_keeps_newest_matches_that_pass_filters(tmp_path: Path) -> None:
    with Store(tmp_path / "w.sqlite3") as st_:
        crawl_run(
            st_,
            [article(i, f"Lúa gạo số {i}", sections=["a" if i < 3 else "b"]) for i in range(1, 7)],
        )
        assert sorted(ids(search(st_, "lua gao", window=2))) == [5, 6]
        assert sorted(ids(search(st_, "lua gao", window=2, section="a"))) == [1, 2]
        assert len(search(st_, "lua gao", limit=3)) == 3


def test_snippet_highlights_original_text(store: Store) -> None:
    [hit] = search(store, "chi dao")
    text = render_segments(hit.snippet)
    assert "«chỉ» «đạo»" in text
    assert "Ủy ban tỉnh" in text  # accents of the original, not the folded index


def test_snippet_windows_long_text_around_matches() -> None:
    body = " ".join(["lời mở đầu"] * 80 + ["Đồng Tháp phát triển sen"] + ["kết"] * 80)
    segments = snippet(body, Query.parse("sen dong thap").pattern(), width=120)
    text = render_segments(segments, PLAIN_MARKS)
    assert text.startswith("… ") and text.endswith(" …")
    assert "«Đồng» «Tháp» phát triển «sen»" in text
    assert len(text) < 200


def test_json_has_sections_as_array(store: Store) -> None:
    [hit] = search(store, "xoai")
    data = hit.to_json()
    assert data["sections"] == ["thong-cao-bao-chi"]
    assert {"asset_id", "title", "url", "published_at", "status", "snippet", "score"} <= set(data)
    assert data["title"] == "Thông cáo báo chí về xoài Cao Lãnh"


def test_search_works_on_a_read_only_store(store: Store) -> None:
    with Store(store.path, readonly=True) as ro:
        assert ids(search(ro, "uy ban", since=datetime(2026, 11, 1, tzinfo=VN_TZ))) == [2, 3]
        for query in NASTY:
            with contextlib.suppress(SearchError):
                search(ro, query, section="tin-hoat-dong", include_removed=True)
