"""Whole pages of the local portal, markup as in the reference copy, noise new on every render.

Noise (changes between two fetches without an edit): p_auth/authToken values, the view and
comment counts, the "Tin xem nhiều" box (items, order, counts), the rotating banner, the date
in the top bar, the footer visit counter. Content (title, lead, body, ...) never changes.
Call the Renderer under `corpus.lock`.
"""

from __future__ import annotations

import random
import string
from datetime import datetime
from urllib.parse import quote

from monitor.localportal import variants
from monitor.localportal.corpus import Corpus
from monitor.localportal.fragments import TEMPLATES, esc, fragment
from monitor.localportal.model import Article
from monitor.localportal.site import (
    PAGE_SIZES,
    PRESS,
    PRESS_BLURB,
    PRESS_NAME,
    PRESS_PATH,
    SECTION_BY_PATH,
    SITE_NAME,
    VN_TZ,
    WEEKDAYS,
    listing_path,
)

_TOKEN_CHARS = string.ascii_letters + string.digits


def _nav(prefix: str) -> str:
    return (
        ' <nav id="navigation" aria-label="Danh mục chính" role="navigation">\n'
        '  <h2 class="hide-accessible">Danh mục chính Menu</h2>\n'
        f'  <ul><li><a href="{prefix}/">Trang chủ</a></li>'
        + "".join(
            f'<li><a href="{prefix}/{s.path}"><span>{s.name}</span></a></li>'
            for s in SECTION_BY_PATH.values()
            if s.group == "news"
        )
        + f'<li><a href="{prefix}/{PRESS_PATH}">{PRESS_NAME}</a></li></ul>\n </nav>\n'
    )


def _press_links(prefix: str) -> str:
    return (
        "<ul>"
        + "".join(f'<li><a href="{prefix}/{p}">{SECTION_BY_PATH[p].name}</a></li>' for p in PRESS)
        + "</ul>"
    )


def _cqvbc(prefix: str) -> str:
    return (
        f' <section class="portlet" id="portlet_cqvbc"><h2 class="portlet-title-text">'
        f"{PRESS_NAME}</h2>\n  <p>{PRESS_BLURB}</p>{_press_links(prefix)}</section>\n"
    )


_BANNERS = (
    ' <div class="banner"><a href="/video"><img alt="Banner Video" '
    'src="/documents/banner/video.png"/></a></div>\n'
    ' <div class="banner"><a href="https://megastory.baodongthap.vn/"><img alt="Banner Megastory"'
    ' src="/documents/banner/mega.png"/></a></div>\n'
    ' <div class="banner"><a href="/tin-do-hoa"><img alt="Banner Tin đồ họa" '
    'src="/documents/banner/dohoa.png"/></a></div>\n'
)
_FOOTER_ADDRESS = (
    "Cơ quan chủ quản: Uỷ ban nhân dân tỉnh Đồng Tháp. Địa chỉ: Số 12, đường 30/4, Phường 1, "
    "TP. Cao Lãnh."
)


class Renderer:
    """Renders pages of one corpus for one base URL; `template` picks the article markup."""

    def __init__(
        self, corpus: Corpus, base_url: str, template: str = "default", variant: str = "default"
    ) -> None:
        if template not in TEMPLATES:
            raise ValueError(f"template must be one of {TEMPLATES}")
        self.corpus = corpus
        self.base = base_url.rstrip("/")
        self.template = template
        self.variant = variants.get_variant(variant)
        prefix = self.variant.prefix
        self._nav, self._cqvbc, self._press = _nav(prefix), _cqvbc(prefix), _press_links(prefix)
        self.rng = random.Random()
        self._home_redirect = quote(self.base + "/", safe="")

    # -- furniture ----------------------------------------------------------------------------

    def token(self) -> str:
        """A fresh p_auth / authToken value."""
        return "".join(self.rng.choices(_TOKEN_CHARS, k=8))

    def link(self, article: Article, section: str, redirect_quoted: str) -> str:
        """Absolute article link as a listing or box writes it (with the redirect query)."""
        path = self.variant.article_path(article, section)
        if "/-/asset_publisher/" not in path:
            return self.base + path  # display pages and custom routes carry no redirect
        pid = SECTION_BY_PATH[section].pid
        return f"{self.base}{path}?_{pid}_redirect={redirect_quoted}"

    def page(self, title: str, canonical: str, main: str) -> str:
        """The full Liferay page around the first column's markup."""
        token = self.token()
        now = datetime.now(VN_TZ)
        return (
            '<!DOCTYPE html>\n<html class="ltr" dir="ltr" lang="vi-VN">\n<head>\n'
            f"<title>{esc(title)} - {SITE_NAME}</title>\n"
            '<meta content="text/html; charset=UTF-8" http-equiv="content-type" />\n'
            f'<link href="{esc(canonical)}" rel="canonical" />\n'
            '<script type="text/javascript">// <![CDATA[\n'
            f"var Liferay = {{authToken: '{token}', currentURL: '{esc(canonical)}', "
            "themeDisplay: {getLanguageId: function() { return 'vi_VN'; }}};\n"
            "// ]]></script>\n</head>\n"
            '<body class="controls-visible guest-site signed-out public-page site">\n'
            '<div id="wrapper">\n<header id="banner" role="banner">\n'
            f' <div class="top-bar"><span class="current-date">{WEEKDAYS[now.weekday()]}, '
            f"{now:%d/%m/%Y}</span>\n"
            '  <a href="https://www.facebook.com/congthongtindientudongthap">trang fb</a>\n'
            f'  <a href="/c/portal/login?p_l_id=20139&amp;p_auth={token}">Đăng nhập</a>\n'
            f'  <form action="/tim-kiem?p_auth={token}" method="get"><input name="q" '
            'type="text"/></form></div>\n'
            f"{self._nav}</header>\n"
            '<section id="content">\n<div class="columns-2-1" id="main-content" role="main">\n'
            '<div class="portlet-column portlet-column-first" id="column-1">\n'
            f"{main}\n</div>\n"
            '<div class="portlet-column portlet-column-last" id="column-2">\n'
            f"{self._most_viewed()}{self._cqvbc}"
            ' <div class="banner"><a href="/ban-tin-chi-dao-dieu-hanh"><img alt="Banner Bản tin '
            f'chỉ đạo điều hành" src="/documents/banner/{self.rng.randint(1, 4)}.png"/></a></div>\n'
            f"{_BANNERS}</div>\n</div>\n</section>\n"
            f'<footer id="footer"><p>{_FOOTER_ADDRESS}</p>\n'
            f"<p>Lượt truy cập: {self.rng.randint(14_000_000, 20_000_000)}</p></footer>\n"
            "</div>\n"
            '<script type="text/javascript">// <![CDATA[\n'
            f"Liferay.Portlet.runtimePortletIds = ['{token}']; AUI().use('liferay-menu', "
            "function(A) { Liferay.Menu.init(); });\n// ]]></script>\n</body></html>"
        )

    def _most_viewed(self) -> str:
        pool = self.corpus.recent()[:300]
        items = "".join(
            f'<li><a href="{self.link(a, a.primary, self._home_redirect)}">{esc(a.title)}</a> '
            f'<span class="views">({self.rng.randint(100, 9000)})</span></li>'
            for a in self.rng.sample(pool, min(5, len(pool)))
        )
        return (
            ' <section class="portlet" id="portlet_tin_xem_nhieu"><h2 class="portlet-title-'
            f'text">Tin xem nhiều</h2><ul class="most-viewed">{items}</ul></section>\n'
        )

    # -- pages --------------------------------------------------------------------------------

    def home(self) -> str:
        """Home page: the newest articles of all sections under "Tin nổi bật"."""
        items = "".join(
            f'<li><a href="{self.link(a, a.primary, self._home_redirect)}">{esc(a.title)}</a></li>'
            for a in self.corpus.recent()[:8]
        )
        main = (
            '<section class="portlet"><h2 class="portlet-title-text">Tin nổi bật</h2>'
            f"<ul>{items}</ul></section>"
        )
        return self.page("Trang chủ", self.base + "/", main)

    def press_landing(self) -> str:
        """/chinh-quyen-voi-bao-chi: the three press sections."""
        main = (
            f'<section class="portlet"><h2 class="portlet-title-text">{PRESS_NAME}</h2>'
            f"<p>{PRESS_BLURB}</p>{self._press}</section>"
        )
        return self.page(PRESS_NAME, f"{self.base}{self.variant.prefix}/{PRESS_PATH}", main)

    def simple(self, title: str, text: str, canonical_path: str = "/") -> str:
        """A page with one plain portlet (search, login, video, banner targets)."""
        main = (
            f'<section class="portlet"><div class="portlet-content"><h2 class="portlet-'
            f'title-text">{esc(title)}</h2><p>{esc(text)}</p></div></section>'
        )
        return self.page(title, self.base + canonical_path, main)

    def not_found(self) -> str:
        """Liferay's not-found page (answered with 404, or 200 for a soft 404)."""
        main = (
            '<section class="portlet"><div class="portlet-content"><h2 class="portlet-title-'
            f'text">Xuất bản thông tin</h2><div class="alert alert-danger">'
            f"{self.variant.not_found_text}</div></div></section>"
        )
        return self.page("Không tìm thấy", self.base + "/", main)

    def unpublished(self) -> str:
        """An unpublished article's page on portals that say so (200, an alert-warning)."""
        main = (
            '<section class="portlet"><div class="portlet-content"><h2 class="portlet-title-'
            f'text">Xuất bản thông tin</h2><div class="alert alert-warning">{variants.UNPUBLISHED}'
            "</div></div></section>"
        )
        return self.page("Xuất bản thông tin", self.base + "/", main)

    def listing(self, section: str, page: int, delta: int) -> str:
        """One listing page; `page` past the end is clamped to the last page."""
        sec = SECTION_BY_PATH[section]
        variant = self.variant
        delta = variant.delta(delta)
        listed = self.corpus.listed(section)
        total = len(listed)
        last = max(1, -(-total // delta))
        page = min(max(page, 1), last)
        start = (page - 1) * delta
        redirect = quote(self.base + variant.page_path(section, page, delta), safe="")
        items = "".join(self._abstract(a, section, redirect) for a in listed[start : start + delta])
        items = variants.wrap_items(variant, items)
        if total and variant.pager != "arrows":
            bar = variants.pager(variant, self.base, section, page, delta, last, total)
        elif total:
            bar = self._pagination(section, page, delta, last, start, total)
        else:
            items, bar = '<div class="alert alert-info">Không có kết quả nào.</div>', ""
        portlet = "tintuc_WAR_tintucportlet" if variant.pager == "custom" else sec.pid
        main = (
            f'<section class="portlet" id="portlet_{portlet}">\n'
            f'<div class="portlet-content"><h2 class="portlet-title-text">{sec.name}</h2>\n'
            '<div class="portlet-content-container"><div class="portlet-body">\n'
            f"{items}\n{bar}</div></div></div></section>"
        )
        return self.page(sec.name, f"{self.base}{variant.prefix}/{section}", main)

    def _abstract(self, article: Article, section: str, redirect: str) -> str:
        images = article.images
        cover = (
            f'<div class="cover-image mb-3" style="background-image: url({esc(images[0])})"></div>'
            if images
            else ""
        )
        if self.variant.abstract != "stock72":
            href = self.link(article, section, redirect)
            return variants.abstract(self.variant, article, href, cover)
        return (
            '<div class="asset-abstract mb-5">\n'
            ' <div class="mb-2"><h4 class="component-title"><a class="asset-title d-inline" '
            f'href="{self.link(article, section, redirect)}">{esc(article.title)}</a></h4></div>\n'
            f' <div class="asset-content mb-3"><div class="asset-summary">{cover}\n'
            f'  <span class="news-date">{article.published:%d/%m/%Y}</span>\n'
            f"  {esc(article.summary)}\n"
            " </div></div>\n</div>"
        )

    def _page_url(self, section: str, page: int, delta: int) -> str:
        return esc(self.base + listing_path(section, page, delta))

    def _pagination(
        self, section: str, page: int, delta: int, last: int, start: int, total: int
    ) -> str:
        sizes = "".join(
            f'<li><a class="dropdown-item" href="{self._page_url(section, 1, size)}">{size}</a>'
            "</li>"
            for size in PAGE_SIZES
        )
        shown = (
            range(1, last + 1)
            if last <= 7
            else sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
        )
        items: list[str] = [self._arrow("&laquo;", section, page - 1, delta, page > 1)]
        previous = 0
        for number in shown:
            if number > previous + 1:
                items.append(
                    '<li class="page-item disabled"><a class="page-link" '
                    'href="javascript:;">...</a></li>'
                )
            active = "active page-item" if number == page else "page-item"
            items.append(
                f'<li class="{active}"><a class="page-link" href="'
                f'{self._page_url(section, number, delta)}"><span class="sr-only">'
                f"Trang</span>{number}</a></li>"
            )
            previous = number
        items.append(self._arrow("&raquo;", section, page + 1, delta, page < last))
        return (
            '<div class="pagination-bar">\n'
            ' <div class="dropdown pagination-items-per-page"><a class="dropdown-toggle '
            f'page-link" href="javascript:;">{delta} mục</a><ul class="dropdown-menu">{sizes}'
            "</ul></div>\n"
            f' <p class="pagination-results">Hiển thị {start + 1} đến '
            f"{min(start + delta, total)} trong {total} kết quả</p>\n"
            f' <ul class="pagination">{"".join(items)}</ul>\n</div>\n'
        )

    def _arrow(self, label: str, section: str, target: int, delta: int, enabled: bool) -> str:
        if not enabled:
            return (
                f'<li class="page-item disabled"><a class="page-link" href="javascript:;">'
                f"{label}</a></li>"
            )
        return (
            f'<li class="page-item"><a class="page-link" '
            f'href="{self._page_url(section, target, delta)}">{label}</a></li>'
        )

    def article(self, article: Article, section: str, redirect: str | None = None) -> str:
        """An article page under `section`; the back link follows a same-site redirect."""
        sec = SECTION_BY_PATH[section]
        variant = self.variant
        canonical = self.base + variant.canonical_path(article, section)
        back = redirect if redirect and redirect.startswith(self.base) else f"{self.base}/{section}"
        title = esc(article.title)
        head, tail = fragment(article, variant.inner or self.template)
        if tail:
            article.views += self.rng.randint(1, 3)
            body = f"{head}{article.views}{tail}"
        else:
            body = head
        if self.rng.random() < 0.2:
            article.comments += 1
        images = article.images
        thumb = f'<img alt="thumbnail" src="{esc(images[0])}"/>' if images else "thumbnail"
        main = (
            f'<section class="portlet" id="portlet_{sec.pid}">\n'
            '<div class="portlet-content"><h2 class="portlet-title-text">Xuất bản thông tin</h2>\n'
            '<div class="portlet-content-container"><div class="portlet-body">\n'
            + variants.full_content(
                variant, article, body, back, article.asset_id - variant.article_id_offset, title
            )
            + f'<div class="thumbnail">{thumb}</div>\n'
            '<div class="taglib-discussion"><h3>Ý kiến của bạn</h3>\n'
            f' <form action="/c/portal/comment/edit_discussion?p_auth={self.token()}" '
            'method="post"><textarea name="body"></textarea><button type="submit">Gửi</button>'
            "</form>\n"
            f' <p class="comments-count">Ý kiến bạn đọc ({article.comments})</p>'
            '<button class="btn">Follow</button></div>\n'
            "</div></div></div></section>"
        )
        return self.page(article.title, canonical, main)
