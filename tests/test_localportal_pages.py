"""The local copy of the portal as it serves pages, over real HTTP on loopback: the corpus and
its quirks, listings and their pagination, both URL forms of an article, reprints and documents,
the home page, robots.txt and 404s, links under a public URL, and loopback only. One read-only
server is shared by the module, so that the crawler's view is checked against many articles at
the cost of one corpus: nothing here changes it (test_localportal_changes does)."""

from __future__ import annotations

import unicodedata
import urllib.request

import pytest
from parsel import Selector

from monitor.localportal import (
    NOT_FOUND_TEXT,
    SECTIONS,
    PortalServer,
    build_corpus,
    listing_path,
    slugify,
    with_redirect,
)
from monitor.localportal.textforms import clean
from tests.portalpages import TODAY, body_blocks, content_of, fetch


@pytest.fixture(scope="module")
def portal():
    """A read-only server for the tests that change nothing."""
    with PortalServer(build_corpus(n=300, today=TODAY)) as server:
        yield server


# -- corpus ------------------------------------------------------------------------------------


def test_slug_drops_d_and_accents():
    assert slugify("Năm 2020, Đảng bộ Khối kết nạp 284 đảng viên") == (
        "nam-2020-ang-bo-khoi-ket-nap-284-ang-vien"
    )
    assert slugify("trao quyết định") == "trao-quyet-inh"
    assert slugify(unicodedata.normalize("NFD", "Uỷ ban (47)")) == "uy-ban-47"
    assert len(slugify("Thông cáo báo chí: " + "xây dựng nông thôn mới " * 9)) == 80


def test_corpus_is_deterministic():
    one = build_corpus(seed=5, n=80, today=TODAY).expected()
    two = build_corpus(seed=5, n=80, today=TODAY).expected()
    other = build_corpus(seed=6, n=80, today=TODAY).expected()
    assert one == two
    assert one != other


def test_default_corpus_has_every_quirk(portal):
    corpus = portal.corpus
    articles = corpus.articles
    texts = ["\n".join(a.texts()) for a in articles]
    assert len(articles) == 300
    assert all(corpus.listing(s.path) for s in SECTIONS)
    assert any(unicodedata.normalize("NFC", t) != t for t in texts), "NFD text"
    assert any("\u00a0" in t for t in texts) and any("\u200b" in t for t in texts)
    joined = "\n".join(texts)
    assert "Uỷ ban" in joined and "Ủy ban" in joined and "hoà" in joined and "hòa" in joined
    reprints = [a for a in articles if len(a.sections) == 2]
    assert reprints and all(a.sections[1] == "bao-chi-voi-dong-thap" and a.source for a in reprints)
    assert any("id" in a.link_form.values() for a in articles)
    releases = corpus.listing("thong-cao-bao-chi")
    assert releases and all(
        a.attachments and a.attachments[0].startswith("/documents/") and ".pdf" in a.attachments[0]
        for a in releases
    )
    migrated = [a for a in articles if a.template == "migrated"]
    assert migrated and all((a.published.hour, a.published.minute) == (0, 0) for a in migrated)
    recent = [a for a in articles if 0 < (TODAY - a.published).total_seconds() < 48 * 3600]
    assert len(recent) >= 3
    assert len({a.url_title for a in articles}) == len(articles)
    assert all("đ" not in a.url_title and len(a.url_title) <= 84 for a in articles)
    order = [a.published for a in corpus.listing("tin-hoat-dong")]
    assert order == sorted(order, reverse=True)


def test_expected_is_clean_and_complete(portal):
    expected = portal.corpus.expected(portal.base_url)
    assert len(expected) == 300
    for fields in expected.values():
        for name in ("title", "summary", "author", "source", *fields["body"]):
            value = fields.get(name, name)
            assert value == clean(value) and "\u200b" not in value
        assert fields["published"].endswith("+07:00") and len(fields["published"]) == 25
        assert all(
            u.startswith(portal.base_url + "/documents/")
            for u in fields["images"] + fields["attachments"]
        )
        assert fields["body_text"] == "\n\n".join(fields["body"])


@pytest.mark.parametrize("kind", ["news", "migrated", "table"])
def test_expected_matches_the_markup(portal, kind):
    """The documented body/summary/author rules, checked against the served HTML."""
    corpus = portal.corpus
    kinds = {"news": {"figure", "h3"}, "table": {"table"}, "migrated": set()}[kind]
    article = next(
        a
        for a in corpus.articles
        if a.template == ("migrated" if kind == "migrated" else "news")
        and kinds <= {b.kind for b in a.paragraphs}
    )
    _, _, html = fetch(portal.base_url + article.path())
    want = article.expected()
    sel = Selector(text=html)
    if article.template == "migrated":
        paragraphs = [
            clean(" ".join(p.css("::text").getall()))
            for p in sel.css("div.journal-content-article > p")
        ]
        assert paragraphs[0] == want["summary"] and paragraphs[-1] == want["author"]
        assert paragraphs[1:-1] == want["body"]
        return
    assert body_blocks(sel) == want["body"]
    author = sel.css("div.content-detail p.author-detail ::text").getall()
    assert clean(" ".join(author)) == want["author"]
    assert clean(" ".join(sel.css("div.sapo-detail ::text").getall())) == want["summary"]


# -- listings ----------------------------------------------------------------------------------


def test_listing_walk_follows_the_next_link_to_the_end(portal):
    section = "tin-hoat-dong"
    url = portal.base_url + listing_path(section, 1, 20)
    seen, pages = [], 0
    while True:
        status, _, html = fetch(url)
        assert status == 200
        pages += 1
        sel = Selector(text=html)
        seen += sel.css("div.asset-abstract a.asset-title::attr(href)").getall()
        nxt = sel.css("ul.pagination li")[-1]
        if "disabled" in nxt.attrib["class"]:
            assert nxt.css("a::attr(href)").get() == "javascript:;"
            break
        url = nxt.css("a::attr(href)").get()
        assert "_delta=20" in url
    listed = portal.corpus.listing(section)
    assert pages == -(-len(listed) // 20)
    assert [h.split("?")[0] for h in seen] == [portal.base_url + a.path(section) for a in listed]
    results = Selector(text=html).css("p.pagination-results::text").get()
    assert results == (
        f"Hiển thị {(pages - 1) * 20 + 1} đến {len(listed)} trong {len(listed)} kết quả"
    )


def test_page_past_the_end_is_the_last_page(portal):
    section = "xay-dung-dang"
    total = len(portal.corpus.listing(section))
    last = -(-total // 10)

    def titles(page: int) -> list[str]:
        html = fetch(portal.base_url + listing_path(section, page, 10))[2]
        return Selector(text=html).css("a.asset-title::text").getall()

    assert titles(last + 5) == titles(last) and titles(last)
    assert titles(0) == titles(1)
    assert len(titles(1)) == 10


@pytest.mark.parametrize(("delta", "shown"), [(5, 5), (30, 30), (75, 75), (7, 10), (100, 10)])
def test_page_sizes(portal, delta, shown):
    section = "tin-hoat-dong"
    html = fetch(portal.base_url + listing_path(section, 1, delta))[2]
    sel = Selector(text=html)
    assert len(sel.css("div.asset-abstract")) == min(shown, len(portal.corpus.listing(section)))
    assert sel.css("div.pagination-items-per-page a.dropdown-toggle::text").get() == f"{shown} mục"
    page2 = sel.css("ul.pagination li.page-item a::attr(href)").getall()[2]
    assert f"_delta={shown}&" in page2 and page2.endswith("_cur=2")


def test_listing_links_carry_the_redirect_and_the_id_form(portal):
    corpus = portal.corpus
    section, article = next(
        (s, a)
        for a in corpus.articles
        for s, f in a.link_form.items()
        if f == "id" and a.state == "live"
    )
    index = corpus.listing(section).index(article)
    page = index // 75 + 1
    listing = listing_path(section, page, 75)
    html = fetch(portal.base_url + listing)[2]
    hrefs = Selector(text=html).css("a.asset-title::attr(href)").getall()
    link = portal.base_url + article.path(section)
    assert with_redirect(link, section, portal.base_url + listing) in hrefs
    assert f"/content/id/{article.asset_id}" in link


# -- articles ----------------------------------------------------------------------------------


def test_both_url_forms_reach_the_same_article(portal):
    article = portal.corpus.listing("kinh-te-xa-hoi")[3]
    base = portal.base_url
    slug_url = base + article.path("kinh-te-xa-hoi", "slug")
    id_url = base + article.path("kinh-te-xa-hoi", "id")
    pages = [
        fetch(slug_url),
        fetch(id_url),
        fetch(with_redirect(id_url, "kinh-te-xa-hoi", base + "/kinh-te-xa-hoi")),
    ]
    for status, ctype, html in pages:
        assert status == 200 and ctype == "text/html; charset=UTF-8"
        sel = Selector(text=html)
        assert sel.css("div.journal-content-article::attr(data-analytics-asset-id)").get() == str(
            article.asset_id
        )
        assert sel.css("span.asset-anchor::attr(id)").get() == str(article.asset_id)
        assert sel.css('link[rel="canonical"]::attr(href)').get() == slug_url
        assert sel.css("span.taglib-text::text").get() == "null"
    assert content_of(pages[0][2]) == content_of(pages[1][2])


def test_reprint_is_served_under_both_sections_only(portal):
    article = next(a for a in portal.corpus.articles if len(a.sections) == 2)
    canonicals = []
    for section in article.sections:
        status, _, html = fetch(portal.base_url + article.path(section, "slug"))
        assert status == 200
        sel = Selector(text=html)
        canonicals.append(sel.css('link[rel="canonical"]::attr(href)').get())
        assert sel.css("div.source-detail::text").get() == f"Nguồn: {article.source}"
    assert canonicals == [portal.base_url + article.path(s, "slug") for s in article.sections]
    other = next(s.path for s in SECTIONS if s.path not in article.sections)
    assert fetch(portal.base_url + article.path(other, "slug"))[0] == 404


def test_quirks_reach_the_raw_html(portal):
    corpus = portal.corpus
    nfd = next(a for a in corpus.articles if unicodedata.normalize("NFC", a.title) != a.title)
    html = fetch(portal.base_url + nfd.path(nfd.primary, "slug"))[2]
    assert nfd.title in html and unicodedata.normalize("NFC", nfd.title) not in html
    spaced = next(
        a for a in corpus.articles if any("\u00a0" in b.text for b in a.paragraphs if b.kind == "p")
    )
    html = fetch(portal.base_url + spaced.path(spaced.primary, "slug"))[2]
    body = Selector(text=html).css("div.content-detail").get()
    assert "&nbsp;" in html and "\u200b" in body and "\u00a0" in body


def test_press_release_attachment_and_documents(portal):
    release = portal.corpus.listing("thong-cao-bao-chi")[0]
    html = fetch(portal.base_url + release.path())[2]
    links = Selector(text=html).css("div.file-detail a::attr(href)").getall()
    assert links == release.attachments
    status, ctype, _ = fetch(portal.base_url + links[0])
    assert (status, ctype) == (200, "application/pdf")
    image = next(a for a in portal.corpus.articles if a.images).images[0]
    request = urllib.request.urlopen(portal.base_url + image, timeout=10)
    assert request.headers["Content-Type"] == "image/jpeg" and request.read(2) == b"\xff\xd8"
    assert fetch(portal.base_url + "/documents/20182/1/nothing")[0] == 404


def test_noise_changes_between_fetches_but_content_does_not(portal):
    article = portal.corpus.listing("tin-hoat-dong")[1]
    url = portal.base_url + article.path()
    first, second = fetch(url)[2], fetch(url)[2]
    assert first != second
    assert content_of(first) == content_of(second)
    one, two = Selector(text=first), Selector(text=second)
    assert one.css("span.views::text").get() != two.css("span.views::text").get()
    assert one.css("form::attr(action)").get() != two.css("form::attr(action)").get()
    listing = portal.base_url + "/tin-hoat-dong"
    a, b = Selector(text=fetch(listing)[2]), Selector(text=fetch(listing)[2])
    assert a.css("div.portlet-body").get() == b.css("div.portlet-body").get()


# -- site --------------------------------------------------------------------------------------


def test_home_landing_robots_and_not_found(portal):
    base = portal.base_url
    status, _, home = fetch(base + "/")
    newest = portal.corpus.listing("tin-hoat-dong")[0]
    assert status == 200 and newest.title in home and "Tin nổi bật" in home
    assert "https://megastory.baodongthap.vn/" in home and 'href="/c/portal/login' in home
    status, _, landing = fetch(base + "/chinh-quyen-voi-bao-chi")
    assert status == 200 and all(
        f'href="/{p}"' in landing
        for p in ("thong-cao-bao-chi", "nguoi-phat-ngon", "bao-chi-voi-dong-thap")
    )
    status, ctype, robots = fetch(base + "/robots.txt")
    assert ctype.startswith("text/plain")
    for line in (
        "Disallow: /c/",
        "Disallow: /tim-kiem",
        "Disallow: /video",
        f"Sitemap: {base}/sitemap.xml",
    ):
        assert line in robots.splitlines()
    for path in (
        "/no-such-page",
        "/tin-hoat-dong/-/asset_publisher/hV2tQm8LsW4a/content/nope",
        "/tin-hoat-dong/-/asset_publisher/WRONGinstanc/content/id/3700001",
    ):
        status, _, html = fetch(base + path)
        assert status == 404
        assert Selector(text=html).css("div.alert-danger::text").get() == NOT_FOUND_TEXT


def test_public_url_for_links():
    with PortalServer(build_corpus(n=20, today=TODAY), public_url="https://dongthap.gov.vn") as s:
        html = fetch(s.base_url + "/tin-hoat-dong")[2]
        links = Selector(text=html).css("a.asset-title::attr(href)").getall()
        assert links and all(
            u.startswith("https://dongthap.gov.vn/tin-hoat-dong/-/") for u in links
        )
        assert (
            "Sitemap: https://dongthap.gov.vn/sitemap.xml" in fetch(s.base_url + "/robots.txt")[2]
        )


def test_loopback_only():
    for host in ("0.0.0.0", "192.168.1.10", "example.org"):
        with pytest.raises(ValueError):
            PortalServer(build_corpus(n=10), host=host)
