"""The local copy of the portal changed under the crawler, over real HTTP on loopback: the
request log, editors' changes (remove, soft-remove, restore, new, edit, re-save, redesign,
hostile body), injected faults (failures, delays, truncation) and changes made while pages are
being served. Each test has a small server of its own, since each changes it."""

from __future__ import annotations

import http.client
import time
import unicodedata
import urllib.request

import pytest
from parsel import Selector

from monitor.localportal import NOT_FOUND_TEXT, PortalServer, build_corpus, listing_path
from monitor.localportal.routes import DISALLOWED
from monitor.localportal.textforms import clean, has_swappable
from tests.portalpages import TODAY, UA, body_blocks, content_of, fetch

TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def comparable(text: str) -> list[str]:
    """Words with Unicode form, spacing and tone-mark placement no longer mattering."""
    words = []
    for word in clean(text).split(" "):
        decomposed = unicodedata.normalize("NFD", word)
        tones = "".join(sorted(c for c in decomposed if c in TONES))
        words.append("".join(c for c in decomposed if c not in TONES) + tones)
    return words


@pytest.fixture
def fresh():
    """A small server of one's own, for tests that change the corpus or inject faults."""
    with PortalServer(build_corpus(seed=11, n=60, today=TODAY)) as server:
        yield server


# -- the request log ---------------------------------------------------------------------------


def test_disallowed_paths_answer_and_are_logged(fresh):
    fresh.clear_log()
    paths = ["/c/portal/login?p_l_id=20139", "/tim-kiem?q=x", "/video"]
    assert all(p.startswith(DISALLOWED) for p in paths)
    for path in paths:
        assert fetch(fresh.base_url + path)[0] == 200
    robots = fetch(fresh.base_url + "/robots.txt")[2]
    assert [f"Disallow: {p}" for p in DISALLOWED] == [
        line for line in robots.splitlines() if line.startswith("Disallow")
    ]
    assert [r.path for r in fresh.requests] == [*paths, "/robots.txt"]
    assert {r.user_agent for r in fresh.requests} == {UA}
    assert all(r.method == "GET" and r.status == 200 and r.time > 0 for r in fresh.requests)
    fresh.clear_log()
    assert fresh.requests == []


# -- editors' changes --------------------------------------------------------------------------


def test_remove_soft_remove_and_restore(fresh):
    corpus, base = fresh.corpus, fresh.base_url
    gone, soft = corpus.listing("tin-hoat-dong")[:2]
    corpus.remove(gone.asset_id)
    corpus.remove(soft.asset_id, soft=True)
    for article, status in ((gone, 404), (soft, 200)):
        for form in ("slug", "id"):
            code, _, html = fetch(base + article.path(article.primary, form))
            assert code == status
            assert NOT_FOUND_TEXT in html and "journal-content-article" not in html
    listed = fetch(base + listing_path("tin-hoat-dong", 1, 75))[2]
    assert gone.title not in listed and soft.title not in listed
    corpus.restore(gone.asset_id)
    code, _, html = fetch(base + gone.path())
    assert code == 200 and content_of(html)["id"] == str(gone.asset_id)
    assert corpus.listing("tin-hoat-dong")[0] is gone


def test_new_article_and_edit(fresh):
    corpus, base = fresh.corpus, fresh.base_url
    new = corpus.new_article("xay-dung-dang", title="Quyết định về đảng viên mới")
    assert new.url_title == "quyet-inh-ve-ang-vien-moi"
    assert corpus.listing("xay-dung-dang")[0] is new
    first = Selector(text=fetch(base + "/xay-dung-dang")[2]).css("a.asset-title::text").get()
    assert first == new.title
    corpus.edit(new.asset_id, title="Tiêu đề mới", paragraphs=["Đoạn một.", "Đoạn hai."])
    html = fetch(base + new.path())[2]
    sel = Selector(text=html)
    assert sel.css("h1.title-detail::text").get() == "Tiêu đề mới"
    assert sel.css("div.content-detail > p:not(.author-detail)::text").getall() == [
        "Đoạn một.",
        "Đoạn hai.",
    ]
    assert corpus.expected()[new.asset_id]["body"] == ["Đoạn một.", "Đoạn hai."]
    with pytest.raises(TypeError):
        corpus.edit(new.asset_id, colour="red", title="not applied")
    with pytest.raises(ValueError):
        corpus.edit(new.asset_id, sections=["no-such-section"])
    assert new.title == "Tiêu đề mới" and new.sections == ["xay-dung-dang"]
    odd = corpus.new_article(title='A < B & "C"', summary="x<script>y")
    html = fetch(base + odd.path())[2]
    assert "A &lt; B &amp; &quot;C&quot;" in html and "x&lt;script&gt;y" in html
    assert Selector(text=html).css("h1.title-detail::text").get() == 'A < B & "C"'


@pytest.mark.parametrize("mode", ["nfd", "tone", "spaces"])
def test_resave_changes_representation_only(fresh, mode):
    corpus = fresh.corpus
    article = next(
        a
        for a in corpus.listing("tin-hoat-dong")
        if a.template == "news" and has_swappable("\n".join(a.texts()))
    )
    url = fresh.base_url + article.path()
    before_html, before = content_of(fetch(url)[2]), article.expected()
    corpus.resave(article.asset_id, mode)
    after_html, after = content_of(fetch(url)[2]), article.expected()
    assert after_html != before_html
    for name in ("title", "summary", "author", "body_text"):
        assert comparable(after[name]) == comparable(before[name])
    if mode != "tone":
        assert after == before
    corpus.bump_noise(article.asset_id)
    assert article.expected() == after


def test_template_redesign_and_hostile_body(fresh):
    article = fresh.corpus.listing("tin-hoat-dong")[0]
    url = fresh.base_url + article.path()
    fresh.set_template("redesign")
    sel = Selector(text=fetch(url)[2])
    assert not sel.css("div.news-detail, h1.title-detail, div.content-detail")
    assert sel.css("div.article-detail h1.article-title::text").get() == article.title
    assert sel.css("div.journal-content-article::attr(data-analytics-asset-id)").get() == str(
        article.asset_id
    )
    assert sel.css("span.asset-title::text").get() == article.title
    assert len(sel.css("div.journal-content-article p")) >= 3
    fresh.set_template("default")
    fresh.hostile(article.asset_id)
    sel = Selector(text=fetch(url)[2])
    body = sel.css("div.content-detail").get()
    assert "<script>" in body and "onerror=" in body and 'href="javascript:' in body
    assert body_blocks(sel) == article.expected()["body"]


# -- faults ------------------------------------------------------------------------------------


def test_fail_next_and_path_prefix(fresh):
    base = fresh.base_url
    fresh.fail_next(2, status=503)
    assert [fetch(base + "/")[0] for _ in range(3)] == [503, 503, 200]
    fresh.fail_next(1, path_prefix="/kinh-te-xa-hoi")
    assert fetch(base + "/")[0] == 200
    assert fetch(base + "/kinh-te-xa-hoi")[0] == 500
    assert fetch(base + "/kinh-te-xa-hoi")[0] == 200
    assert [r.status for r in fresh.requests][-6:] == [503, 503, 200, 200, 500, 200]


def test_delay_and_truncation(fresh):
    base = fresh.base_url
    fresh.set_delay(3, path_prefix="/robots.txt")  # long enough that load cannot mimic it
    started = time.monotonic()
    fetch(base + "/robots.txt")
    assert time.monotonic() - started >= 3
    started = time.monotonic()
    fetch(base + "/")
    assert time.monotonic() - started < 3
    fresh.set_delay(0, path_prefix="/robots.txt")
    fresh.truncate_next(1)
    with (
        pytest.raises(http.client.IncompleteRead),
        urllib.request.urlopen(base + "/tin-hoat-dong", timeout=10) as response,
    ):
        response.read()
    assert fetch(base + "/tin-hoat-dong")[0] == 200


def test_concurrent_changes_while_serving(fresh):
    """Pages stay whole while the corpus changes under them."""
    import threading

    corpus, base = fresh.corpus, fresh.base_url
    errors: list[str] = []

    def reader() -> None:
        for _ in range(15):
            status, _, html = fetch(base + listing_path("tin-hoat-dong", 1, 75))
            if status != 200 or not html.endswith("</body></html>"):
                errors.append(str(status))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(15):
        article = corpus.new_article("tin-hoat-dong")
        corpus.resave(article.asset_id, "nfd")
        corpus.remove(article.asset_id)
    for thread in threads:
        thread.join()
    assert errors == []
