"""Renderings of the same corpus as other Liferay portals (SPEC Part 2), for `--variant NAME`.

- default: the reference copy (Part 1), unchanged.
- liferay74: Clay pagination with icon arrows and "Hiển thị 1 - 20 of N kết quả.", a fixed
  page size of 20 that ignores `_delta`, asset entry id ≠ article id, every third article linked
  as a display page `/w/slug`, the 7.4 abstract and full-content markup, Liferay's not-found.
- liferay73: everything under `/web/guest`, the page iterator "Trước / Tiếp theo" with
  `small.search-results` on the news sections only, a fixed page size of 10, a custom listing
  template (`a.text-tletin` timeline items, no `asset-abstract`), display pages `/web/guest/-/slug`
  for every fourth article, a display template with the date line "(Thứ hai, …)" inside the body.
- custom-route: the portal's own portlets: articles at `/tin-tuc/chi-tiet?id=N` (N is the
  identity; no Asset Publisher markup), its own listing and `?page=N` pager, its own not-found.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from monitor.localportal.fragments import esc
from monitor.localportal.model import Article
from monitor.localportal.site import NOT_FOUND_TEXT, SECTION_BY_PATH, listing_path

LIFERAY_NOT_FOUND = "Tài sản không thể được tìm thấy."
CUSTOM_NOT_FOUND = "Bài viết không tồn tại hoặc đã bị gỡ."
UNPUBLISHED = "Nội dung này hiện không còn được hiển thị."
CUSTOM_ROUTE = "/tin-tuc/chi-tiet"


@dataclass(frozen=True)
class Variant:
    name: str
    prefix: str = ""  # "/web/guest": before every page and article path
    abstract: str = "stock72"  # stock72 | stock74 | timeline | custom
    pager: str = "arrows"  # arrows | clay | iterator | custom
    counter: str | None = "Hiển thị {0} đến {1} trong {2} kết quả"
    counter_groups: tuple[str, ...] = ("news", "press")  # sections (by group) with a counter
    fixed_delta: int | None = None  # a paginating Asset Publisher's own size; None: `_delta`
    article_id_offset: int = 0  # data-analytics-asset-id = asset id - offset
    display_every: int = 0  # every Nth article (by asset id) linked as a display page
    display_path: str = ""  # "/w" (7.4) or "/-" (7.0–7.3)
    full_content: str = "stock72"  # stock72 | stock74 | custom
    inner: str | None = None  # the display template inside the wrapper; None: the server's
    not_found_text: str = NOT_FOUND_TEXT
    unpublished_warning: bool = False  # a soft 404 shows an alert-warning instead

    def display(self, article: Article) -> bool:
        """Whether listings link this article as a display page."""
        return bool(self.display_every) and article.asset_id % self.display_every == 0

    def article_path(self, article: Article, section: str) -> str:
        """The site-relative path listings link the article by (without the redirect)."""
        if self.full_content == "custom":
            return f"{CUSTOM_ROUTE}?id={article.asset_id}"
        if self.display(article):
            return f"{self.prefix}{self.display_path}/{article.url_title}"
        return self.prefix + article.path(section)

    def canonical_path(self, article: Article, section: str) -> str:
        if self.full_content == "custom":
            return f"{CUSTOM_ROUTE}?id={article.asset_id}"
        if self.display(article):
            return f"{self.prefix}{self.display_path}/{article.url_title}"
        return self.prefix + article.path(section, "slug")

    def delta(self, asked: int) -> int:
        return self.fixed_delta or asked

    def page_path(self, section: str, page: int, delta: int) -> str:
        if self.pager == "custom":
            return f"/{section}" if page <= 1 else f"/{section}?page={page}"
        return self.prefix + listing_path(section, page, delta)


VARIANTS: dict[str, Variant] = {
    "default": Variant("default"),
    "liferay74": Variant(
        "liferay74",
        abstract="stock74",
        pager="clay",
        counter="Hiển thị {0} - {1} of {2} kết quả.",
        fixed_delta=20,
        article_id_offset=7,
        display_every=3,
        display_path="/w",
        full_content="stock74",
        not_found_text=LIFERAY_NOT_FOUND,
    ),
    "liferay73": Variant(
        "liferay73",
        prefix="/web/guest",
        abstract="timeline",
        pager="iterator",
        counter="Hiển thị {0} - {1} of {2} kết quả.",
        counter_groups=("news",),
        fixed_delta=10,
        article_id_offset=5,
        display_every=4,
        display_path="/-",
        inner="datebody",
        not_found_text=LIFERAY_NOT_FOUND,
        unpublished_warning=True,
    ),
    "custom-route": Variant(
        "custom-route",
        abstract="custom",
        pager="custom",
        counter="Tổng số {2} bài viết",
        fixed_delta=12,
        full_content="custom",
        inner="custom",
        not_found_text=CUSTOM_NOT_FOUND,
        unpublished_warning=True,
    ),
}


def get_variant(name: str) -> Variant:
    """The variant by name; ValueError naming the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}") from None


def abstract(v: Variant, article: Article, href: str, cover: str) -> str:
    """One listing entry in the variant's listing template."""
    title, day = esc(article.title), f"{article.published:%d/%m/%Y}"
    summary = esc(article.summary)
    if v.abstract == "stock74":
        return (
            '<div class="asset-abstract mb-5">\n <div class="d-flex mb-2"><p class="component-'
            f'title h4"><a class="asset-title d-inline" href="{href}">{title}</a></p></div>\n'
            f' <div class="asset-content mb-3"><div class="asset-summary">{cover}\n'
            f'  <span class="news-date">{day}</span>\n  {summary}\n </div></div>\n</div>'
        )
    if v.abstract == "timeline":
        return (
            '<div class="item-timeline row">\n <div class="col-md-3 time-line"><span '
            f'class="ngay-dang">{day}</span></div>\n <div class="col-md-9"><a class="text-tletin" '
            f'href="{href}">{title}</a>\n  <div class="mo-ta">{summary}</div></div>\n</div>'
        )
    if v.abstract == "custom":
        return (
            f'<li class="news-item" onclick="location.href=\'{href}\'">'
            f'<h3 class="news-title"><a href="{href}">{title}</a></h3>'
            f'<span class="news-time">{day}</span><p class="news-desc">{summary}</p></li>'
        )
    return ""  # stock72: the renderer's own


def wrap_items(v: Variant, items: str) -> str:
    if v.abstract == "custom":
        return f'<ul class="news-list">{items}</ul>'
    if v.abstract == "timeline":
        return f'<div class="timeline-list">{items}</div>'
    return items


def pager(v: Variant, base: str, section: str, page: int, delta: int, last: int, total: int) -> str:
    """The variant's pager and counter (empty for "arrows": the renderer's own)."""
    start = (page - 1) * delta
    shown = min(start + delta, total)
    sec = SECTION_BY_PATH[section]
    counter = ""
    if v.counter and sec.group in v.counter_groups:
        counter = v.counter.format(start + 1, shown, total)

    def url(n: int) -> str:
        return esc(base + v.page_path(section, n, delta))

    if v.pager == "clay":
        arrow = (
            '<li class="page-item{dis}"><a class="page-link" href="{href}"><svg class="lexicon-'
            'icon lexicon-icon-angle-{side}" role="presentation"><use href="/o/classic-theme/'
            'images/clay/icons.svg#angle-{side}"></use></svg></a></li>'
        )
        items = [
            arrow.format(
                dis="" if page > 1 else " disabled",
                href=url(page - 1) if page > 1 else "javascript:;",
                side="left",
            )
        ]
        for n in sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)}):
            active = " active" if n == page else ""
            items.append(
                f'<li class="page-item{active}"><a class="page-link" href="{url(n)}">{n}</a></li>'
            )
        items.append(
            arrow.format(
                dis="" if page < last else " disabled",
                href=url(page + 1) if page < last else "javascript:;",
                side="right",
            )
        )
        results = f'<p class="pagination-results">{counter}</p>' if counter else ""
        return (
            f'<div class="pagination-bar">{results}<nav aria-label="Phân trang">'
            f'<ul class="pagination">{"".join(items)}</ul></nav></div>'
        )
    if v.pager == "iterator":
        prev = (
            f'<li><a href="{url(page - 1)}">Trước</a></li>'
            if page > 1
            else '<li class="disabled"><a href="javascript:;">Trước</a></li>'
        )
        nxt = (
            f'<li><a href="{url(page + 1)}">Tiếp theo</a></li>'
            if page < last
            else '<li class="disabled"><a href="javascript:;">Tiếp theo</a></li>'
        )
        results = f'<small class="search-results">{counter}</small>' if counter else ""
        return (
            '<div class="taglib-page-iterator"><div class="clearfix lfr-pagination">'
            f'{results}<ul class="lfr-pagination-buttons pager">{prev}{nxt}</ul></div></div>'
        )
    if v.pager == "custom":
        links = [
            f'<span class="current">{n}</span>' if n == page else f'<a href="{url(n)}">{n}</a>'
            for n in range(max(1, page - 3), min(last, page + 3) + 1)
        ]
        if page < last:
            links.append(f'<a class="next" href="{url(page + 1)}">Trang sau</a>')
        return (
            f'<div class="tong-so">{counter}</div><div class="paging">{" ".join(links)}</div>'
            if counter
            else f'<div class="paging">{" ".join(links)}</div>'
        )
    return ""


def full_content(
    v: Variant, article: Article, body: str, back: str, analytics_id: int, title: str
) -> str:
    """The article's full-content block around the display template's markup."""
    if v.full_content == "custom":
        return f'<div class="chi-tiet-tin" data-id="{article.asset_id}">\n{body}\n</div>'
    heading = (
        '<div class="d-flex mb-2"><p class="component-title h4">'
        if v.full_content == "stock74"
        else '<div class="mb-2"><h4 class="component-title">'
    )
    closing = "</p></div>" if v.full_content == "stock74" else "</h4></div>"
    return (
        '<div class="asset-full-content clearfix mb-5 show-asset-title">\n'
        f" {heading}\n"
        f'  <span class="header-back-to lfr-portal-tooltip"><a href="{esc(back)}"><svg '
        'class="lexicon-icon lexicon-icon-angle-left" role="presentation"><use href="/o/'
        'classic-theme/images/clay/icons.svg#angle-left"></use></svg><span class="taglib-'
        'text hide-accessible">null</span></a></span>\n'
        f'  <span class="asset-title d-inline">{title}</span>{closing}\n'
        f' <span class="asset-anchor lfr-asset-anchor" id="{article.asset_id}"></span>\n'
        ' <div class="asset-content mb-3">\n'
        f'  <div class="journal-content-article" data-analytics-asset-id="{analytics_id}" '
        f'data-analytics-asset-title="{title}" data-analytics-asset-type="web-content">\n'
        f"{body}\n  </div>\n </div>\n</div>\n"
    )


def redirect_query(section: str, redirect_quoted: str) -> str:
    return f"?_{SECTION_BY_PATH[section].pid}_redirect={redirect_quoted}"


def quoted(url: str) -> str:
    return quote(url, safe="")
