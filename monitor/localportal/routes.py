"""URL routing of the local portal: which page (or file) answers a request target, and how."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.localportal.model import Article
from monitor.localportal.render import Renderer
from monitor.localportal.site import (
    DEFAULT_DELTA,
    PRESS_PATH,
    SECTION_BY_PATH,
    SECTIONS,
    valid_delta,
)
from monitor.localportal.variants import CUSTOM_ROUTE

HTML = "text/html; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"
# robots.txt disallows these; they answer 200 so a test can see a crawler that went there.
DISALLOWED = ("/c/", "/tim-kiem", "/video")
_ROBOTS = "User-Agent: *\n" + "".join(f"Disallow: {p}\n" for p in DISALLOWED)
_ARTICLE = re.compile(
    r"^/([a-z0-9-]+)/-/asset_publisher/([A-Za-z0-9]+)/content/(?:id/(\d+)|([^/]+))/?$"
)
_DISPLAY = re.compile(r"^/(-|w)/([^/]+)/?$")
_SIMPLE = {
    "/c": ("Đăng nhập", "Vui lòng đăng nhập để tiếp tục."),
    "/tim-kiem": ("Tìm kiếm", "Nhập từ khóa để tìm kiếm."),
    "/video": ("Video", "Thư viện video của Cổng Thông tin điện tử Đồng Tháp."),
    "/ban-tin-chi-dao-dieu-hanh": ("Bản tin chỉ đạo điều hành", "Bản tin chỉ đạo điều hành."),
    "/tin-do-hoa": ("Tin đồ họa", "Tin đồ họa."),
}
_FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
_FAKE_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


@dataclass
class Response:
    """What the server sends: status, content type and body."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def respond(renderer: Renderer, target: str) -> Response:
    """The answer to a GET of `target` (path and query); call under `corpus.lock`."""
    parts = urlsplit(target)
    path = unquote(parts.path) or "/"
    query = parse_qs(parts.query)
    variant = renderer.variant
    if variant.prefix and (path == variant.prefix or path.startswith(variant.prefix + "/")):
        path = path[len(variant.prefix) :] or "/"
    if path == "/":
        return _page(renderer.home())
    if path == "/robots.txt":
        return Response(200, TEXT, robots(renderer.base).encode())
    if path == "/sitemap.xml":
        return Response(200, "application/xml; charset=UTF-8", sitemap(renderer.base).encode())
    if path.startswith("/documents/"):
        return document(path)
    head = "/c" if path.startswith("/c/") else path.rstrip("/")
    if head in _SIMPLE:
        return _page(renderer.simple(*_SIMPLE[head], canonical_path=head))
    if head == f"/{PRESS_PATH}":
        return _page(renderer.press_landing())
    section = SECTION_BY_PATH.get(head[1:])
    if section is not None:
        pid = section.pid
        cur = "page" if variant.pager == "custom" else f"_{pid}_cur"
        page = _int(query.get(cur, ["1"])[0], 1)
        delta = valid_delta(query.get(f"_{pid}_delta", [str(DEFAULT_DELTA)])[0])
        return _page(renderer.listing(section.path, page, delta))
    match = _ARTICLE.match(path)
    if match:
        return _article(renderer, match, query)
    if head == CUSTOM_ROUTE and variant.full_content == "custom":
        number = query.get("id", [""])[0]
        found = renderer.corpus.by_id(int(number)) if number.isdigit() else None
        return _show(renderer, found, None, None)
    match = _DISPLAY.match(path)
    if match and variant.display_path == "/" + match.group(1):
        return _show(renderer, renderer.corpus.by_slug(match.group(2)), None, None)
    return _page(renderer.not_found(), 404)


def _article(renderer: Renderer, match: re.Match[str], query: dict[str, list[str]]) -> Response:
    section = SECTION_BY_PATH.get(match.group(1))
    if section is None or section.instance != match.group(2):
        return _page(renderer.not_found(), 404)
    corpus = renderer.corpus
    article = (
        corpus.by_id(int(match.group(3))) if match.group(3) else corpus.by_slug(match.group(4))
    )
    if article is not None and section.path not in article.sections:
        article = None
    redirect = query.get(f"_{section.pid}_redirect", [None])[0]
    return _show(renderer, article, section.path, redirect)


def _show(
    renderer: Renderer, article: Article | None, section: str | None, redirect: str | None
) -> Response:
    """An article's page (under `section`, else its own), or the page that says it is gone."""
    if article is None or article.state == "gone":
        return _page(renderer.not_found(), 404)
    if article.state == "soft404":
        if renderer.variant.unpublished_warning:
            return _page(renderer.unpublished(), 200)
        return _page(renderer.not_found(), 200)
    return _page(renderer.article(article, section or article.primary, redirect))


def _page(html: str, status: int = 200) -> Response:
    return Response(status, HTML, html.encode("utf-8"))


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def robots(base: str) -> str:
    """robots.txt as on the portal."""
    return f"{_ROBOTS}Sitemap: {base}/sitemap.xml\n"


def sitemap(base: str) -> str:
    """Liferay's sitemap: the site's pages (layouts), not its articles."""
    paths = ["/", *(f"/{s.path}" for s in SECTIONS), f"/{PRESS_PATH}"]
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
    )


def document(path: str) -> Response:
    """A small fake file with the right content type for a /documents/ path, else 404."""
    segments = [s.lower() for s in path.split("/") if s]
    tag = path.encode("utf-8", "replace")
    if any(s.endswith(".pdf") for s in segments):
        body = (
            b"%PDF-1.4\n1 0 obj << /Title (" + tag + b") >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n"
        )
        return Response(200, "application/pdf", body)
    if segments[-1].endswith((".jpg", ".jpeg")):
        return Response(200, "image/jpeg", _FAKE_JPEG + tag + b"\xff\xd9")
    if segments[-1].endswith(".png"):
        return Response(200, "image/png", _FAKE_PNG + tag)
    return Response(404, TEXT, b"Not Found\n")
