"""Real Liferay's forms (SPEC Part 2): counters, the next-page link, article URL forms, identity.

Property tests: whatever the numbers, slugs, instance ids, prefixes and pager markup, the
parsers read the counter, find page current + 1 and reduce every link form to one key.
"""

from __future__ import annotations

import dataclasses
import string
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st
from parsel import Selector

from portalcrawl.parsing.article import is_not_found, parse_article
from portalcrawl.parsing.listing import next_page_link, parse_listing
from portalcrawl.site.profile import PORTLET_ID, Section, load_profile
from portalcrawl.site.routes import compile_route
from portalcrawl.site.urls import article_key, canonical_url, parse_results

BASE = "http://127.0.0.1:8123"
PROFILE = load_profile()
COUNTERS = (
    "Hiển thị {0} đến {1} trong {2} kết quả",
    "Hiển thị {0} - {1} of {2} kết quả.",
    "Showing {0} to {1} of {2} entries",
    "Showing {0} - {1} of {2} results",
)


def _thousands(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@given(
    st.integers(1, 50_000),
    st.integers(0, 200),
    st.integers(0, 50_000),
    st.sampled_from(COUNTERS),
    st.sampled_from(("", ".", ",")),
)
def test_every_counter_form_reads_first_last_total(
    first: int, span: int, more: int, form: str, sep: str
) -> None:
    last = first + span
    total = last + more
    text = form.format(*(_thousands(n, sep) if sep else str(n) for n in (first, last, total)))
    assert parse_results(text) == (first, last, total)


def test_counterless_and_odd_counters() -> None:
    assert parse_results(None) is None
    assert parse_results("") is None
    assert parse_results("Trang 2") is None
    assert parse_results("Hiển thị 20 - 10 of 57 kết quả.") is None  # not a counter
    assert parse_results("Showing 7 results") == (0, 0, 7)  # a total alone
    assert parse_results("Tổng số 1.234 bài viết") == (0, 0, 1234)


@given(st.dates(), st.sampled_from(("/", "-", ".")), st.sampled_from(("", "kết quả", "bài")))
def test_a_date_is_never_a_counter(day, sep: str, word: str) -> None:
    """A summary "Sáng 11/11/2026, … tổng kết" that a counter rule matches is not "11 to 11
    of 2026" (discover proposed such a rule; the backfill then counted 2,026 listed)."""
    date = day.strftime(f"%d{sep}%m{sep}%Y")
    assert parse_results(f"Sáng ngày {date} 08:30, Sở Y tế tổng kết {word}") is None


def test_the_counter_is_the_first_element_that_reads_as_one() -> None:
    """A profile's counter rule that also matches summaries (discover proposed one) still finds
    the real counter after them."""
    items = "".join(
        f'<li class="news-item"><a href="/tin-tuc/chi-tiet?id={n}">Bài {n}</a>'
        f'<p class="news-desc">Ngày {n}/11/2026, Sở Y tế tổng kết năm.</p></li>'
        for n in range(1, 4)
    )
    counter = '<div class="tong-so">Tổng số 57 bài viết</div>'
    html = f"<html><body><ul>{items}</ul>{counter}</body></html>"
    profile = load_profile(None)
    rules = {**profile.listing, "item": "li.news-item", "results": "div.tong-so, p.news-desc"}
    profile = dataclasses.replace(profile, listing=rules)
    page = parse_listing(Selector(text=html), f"{BASE}/tin-tuc", profile, BASE)
    assert page.results == (0, 0, 57)


ICONS = (
    '<svg class="lexicon-icon lexicon-icon-angle-right"><use href="#angle-right"/></svg>',
    "Tiếp theo",
    "Next",
    "Last →",
    "&raquo;",
    "Sau",
    "Trang sau",
    "",
)
instances = st.text(string.ascii_letters + string.digits, min_size=12, max_size=12)


def _page_url(section: str, pid: str, page: int, delta: int) -> str:
    return (
        f"{BASE}/{section}?p_p_id={pid}&amp;p_p_lifecycle=0&amp;_{pid}_delta={delta}"
        f"&amp;p_r_p_resetCur=false&amp;_{pid}_cur={page}"
    )


@given(instances, st.integers(1, 40), st.integers(0, 40), st.sampled_from(ICONS), st.booleans())
def test_the_next_page_is_the_link_to_current_plus_one(
    instance: str, current: int, more: int, label: str, iterator: bool
) -> None:
    last = current + more
    pid = PORTLET_ID.format(instance=instance)
    section = Section("tin-tuc", "Tin tức", "news", instance)
    links = []
    for n in sorted({1, max(1, current - 1), current, min(last, current + 1), last}):
        links.append(f'<li><a href="{_page_url("tin-tuc", pid, n, 20)}">{n}</a></li>')
    if current < last:
        nxt = f'<li><a href="{_page_url("tin-tuc", pid, current + 1, 20)}">{label}</a></li>'
    else:
        nxt = f'<li class="disabled"><a href="javascript:;">{label}</a></li>'
    pager_class = "lfr-pagination-buttons pager" if iterator else "pagination"
    html = f'<html><body><ul class="{pager_class}">{"".join(links)}{nxt}</ul></body></html>'
    here = _page_url("tin-tuc", pid, current, 20).replace("&amp;", "&")
    page = Selector(text=html).root
    found = next_page_link(page, here, PROFILE, BASE, current, PROFILE.page_param(section))
    if current < last:
        assert found is not None and f"_{pid}_cur={current + 1}" in found
    else:
        assert found is None


slugs = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=30).filter(
    lambda s: s.strip("-") and s not in ("id", "-")
)
prefixes = st.sampled_from(("", "/web/guest", "/web/sctdt", "/vi", "/en", "/vi/web/guest"))


@given(prefixes, slugs, st.integers(1, 10**12), instances, st.sampled_from(("content", "Content")))
def test_every_article_link_form_reduces_to_one_key(
    prefix: str, slug: str, number: int, instance: str, kind: str
) -> None:
    pid = PORTLET_ID.format(instance=instance)
    redirect = f"?_{pid}_redirect={quote(BASE + '/tin-tuc?x=1', safe='')}&inheritRedirect=true"
    page = f"{prefix}/tin-tuc/-/asset_publisher/{instance}/{kind}"
    slug_forms = [
        f"{BASE}{page}/{slug}",
        f"{BASE}{page}/{slug}/20182",
        f"{BASE}{prefix}/-/asset_publisher//{kind}/{slug}",
        f"{BASE}{prefix}/-/{slug}",
        f"{BASE}{prefix}/w/{slug}",
    ]
    for url in slug_forms:
        assert article_key(url) == f"slug:{slug}", url
        assert article_key(url + redirect) == f"slug:{slug}", url
        assert canonical_url(url + redirect) == canonical_url(url)
        assert "?" not in canonical_url(url + redirect)
    route = compile_route("/tin-tuc/chi-tiet?id={id}")
    id_forms = [
        f"{BASE}{page}/id/{number}",
        f"{BASE}/tin-tuc?p_p_id={pid}&_{pid}_assetEntryId={number}",
        f"{BASE}{prefix}/tin-tuc/chi-tiet?id={number}",
    ]
    for url in id_forms:
        assert article_key(url, [route]) == f"id:{number}", url
    assert canonical_url(f"{BASE}/tin-tuc/chi-tiet?id={number}&p_p_id=x") == (
        f"{BASE}/tin-tuc/chi-tiet?id={number}"
    )


def test_routes_with_slug_and_id_and_refused_routes() -> None:
    route = compile_route("/chi-tiet-tin/{slug}/{id}")
    assert route.key(f"{BASE}/chi-tiet-tin/ban-tin-so-1/345") == "id:345"
    in_query = compile_route("/chi-tiet-tin?/{slug}/{id}")  # a query that is a path
    assert article_key(f"{BASE}/web/sct/chi-tiet-tin?/ban-tin/346", [in_query]) == "id:346"
    assert (
        canonical_url(f"{BASE}/chi-tiet-tin?/ban-tin/346#x") == f"{BASE}/chi-tiet-tin?/ban-tin/346"
    )
    assert route.key(f"{BASE}/chi-tiet-tin/ban-tin-so-1") is None
    assert article_key(f"{BASE}/-/categories/12") is None
    assert article_key(f"{BASE}/tin-tuc") is None
    try:
        compile_route("/tin-tuc/chi-tiet")
    except ValueError as exc:
        assert "{id}" in str(exc)
    else:
        raise AssertionError("a route without {id} or {slug} must be refused")


def _article_page(body: str) -> Selector:
    return Selector(text=f"<html><body><section class='portlet'>{body}</section></body></html>")


def test_identity_is_the_anchor_and_the_article_id_is_kept_apart() -> None:
    sel = _article_page(
        '<div class="asset-full-content"><div class="mb-2"><h4 class="component-title">'
        '<span class="asset-title d-inline">Tiêu đề</span></h4></div>'
        '<span class="asset-anchor lfr-asset-anchor" id="7282220"></span>'
        '<div class="asset-content"><div class="journal-content-article" '
        'data-analytics-asset-id="7282213"><p>(Thứ hai, 19/04/2021 15:17)</p>'
        "<p>Mở đầu bài viết đủ dài để là đoạn dẫn.</p><p>Thân bài thứ nhất.</p>"
        "<p>Thân bài thứ hai.</p></div></div></div>"
    )
    raw = parse_article(sel, f"{BASE}/w/tieu-e", PROFILE, BASE)
    assert raw is not None
    assert (raw.asset_id, raw.article_id) == (7282220, 7282213)
    assert raw.title == "Tiêu đề" and raw.date_text == "(Thứ hai, 19/04/2021 15:17)"
    assert raw.extraction == "fallback" and "(Thứ hai" not in " ".join(raw.paragraphs)


def test_liferays_own_not_found_text_and_the_unpublished_warning() -> None:
    liferay = _article_page(
        '<div class="alert alert-danger">Tài sản không thể được tìm thấy.</div>'
    )
    warning = _article_page('<div class="alert alert-warning">Nội dung này đã hết hạn.</div>')
    empty = _article_page("<p>Hệ thống đang bảo trì.</p>")
    assert is_not_found(liferay, PROFILE) and is_not_found(warning, PROFILE)
    assert not is_not_found(empty, PROFILE)


def test_a_custom_listing_template_is_read_by_its_article_links() -> None:
    instance = "Ab3dEf6hIj9k"
    pid = PORTLET_ID.format(instance=instance)
    items = "".join(
        f'<div class="timeline-item"><a class="text-tletin" href="/web/guest/-/bai-{n}">Bài {n}'
        f'</a><span class="ngay">0{n}/03/2021</span><p>Tóm tắt {n}.</p></div>'
        for n in range(1, 4)
    )
    html = (
        f'<html><body><section class="portlet" id="portlet_{pid}">{items}'
        '<div class="taglib-page-iterator"><small class="search-results">'
        "Hiển thị 1 - 3 of 7 kết quả.</small><ul class='lfr-pagination-buttons pager'>"
        '<li class="disabled"><a href="javascript:;">Trước</a></li>'
        f'<li><a href="{_page_url("tin-tuc", pid, 2, 3)}">Tiếp theo</a></li></ul></div>'
        '</section><section class="portlet"><h2>Tin xem nhiều</h2>'
        '<a href="/web/guest/-/khac">Khác</a></section></body></html>'
    )
    section = Section("tin-tuc", "Tin tức", "news", instance)
    page = parse_listing(Selector(text=html), f"{BASE}/tin-tuc", PROFILE, BASE, section)
    assert page.rule == "generic"
    assert [e.key for e in page.entries] == ["slug:bai-1", "slug:bai-2", "slug:bai-3"]
    assert [e.title for e in page.entries] == ["Bài 1", "Bài 2", "Bài 3"]
    assert page.entries[0].date_text == "01/03/2021"
    assert page.results == (1, 3, 7) and page.next_href and f"_{pid}_cur=2" in page.next_href


def test_onclick_links_are_read() -> None:
    html = (
        '<html><body><section class="portlet"><div class="asset-abstract">'
        "<div onclick=\"location.href='/tin-tuc/chi-tiet?id=77'\">Bài bảy bảy</div>"
        '<span class="news-date">01/02/2021</span></div></section></body></html>'
    )
    page = parse_listing(Selector(text=html), f"{BASE}/tin-tuc", PROFILE, BASE)  # its route
    assert [(e.key, e.url) for e in page.entries] == [("id:77", f"{BASE}/tin-tuc/chi-tiet?id=77")]


def test_a_date_line_opening_the_first_paragraph_is_the_date() -> None:
    sel = _article_page(
        '<div class="asset-full-content"><span class="asset-title">Tiêu đề</span>'
        '<span class="asset-anchor" id="55"></span><div class="asset-content">'
        '<div class="journal-content-article"><p>(Thứ hai, 19/04/2021 15:17) Sáng nay, tỉnh tổ '
        "chức hội nghị tổng kết công tác năm.</p><p>Đoạn hai của bài viết, đủ dài để là thân "
        "bài.</p><p>Đoạn ba của bài viết, cũng đủ dài để là thân bài.</p></div></div></div>"
    )
    raw = parse_article(sel, f"{BASE}/w/tieu-e", PROFILE, BASE)
    assert raw is not None and raw.date_text == "(Thứ hai, 19/04/2021 15:17)"
    assert raw.summary.startswith("Sáng nay") and "(Thứ hai" not in " ".join(raw.paragraphs)


FOOTER = (
    '<section class="portlet"><div class="journal-content-article" data-analytics-asset-id="11">'
    "<p>Cơ quan chủ quản: Uỷ ban nhân dân tỉnh Đồng Tháp.</p><p>Địa chỉ: Số 12.</p></div></section>"
)


def test_a_web_content_display_elsewhere_on_the_page_is_not_the_article() -> None:
    gone = _article_page(
        '<div class="alert alert-danger">Tài sản không thể được tìm thấy.</div>' + FOOTER
    )
    assert is_not_found(gone, PROFILE)
    article = _article_page(
        FOOTER + '<div class="asset-full-content"><span class="asset-title">Tiêu đề</span>'
        '<span class="asset-anchor lfr-asset-anchor" id="900"></span><div class="asset-content">'
        '<div class="journal-content-article" data-analytics-asset-id="893"><p>Thứ Hai, '
        "19/04/2021 15:17</p><p>Đoạn dẫn của bài.</p><p>Thân bài một.</p><p>Thân bài hai.</p>"
        "</div></div></div>"
    )
    assert not is_not_found(article, PROFILE)
    raw = parse_article(article, f"{BASE}/w/tieu-e", PROFILE, BASE)
    assert raw is not None and (raw.asset_id, raw.article_id) == (900, 893)
    assert "Cơ quan chủ quản" not in " ".join(raw.paragraphs)
