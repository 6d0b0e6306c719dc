"""The markup inside `div.journal-content-article`, built once per article and template.

A fragment is cached on the article as (head, tail): the per-request view count goes between.
Templates: "default" (the portal's display template: news-detail, title-detail, ...),
"redesign" (other class names, same stock Liferay wrapper) and, whatever the server's
template, the bare `<p>` markup of articles migrated from the old portal.
"""

from __future__ import annotations

import html

from monitor.localportal.model import Article, Block
from monitor.localportal.site import date_line

TEMPLATES = ("default", "redesign")
INNER = ("datebody", "custom")  # display templates of the variants (monitor.localportal.variants)
EMAIL = "banbientap@dongthap.gov.vn"
P_JUSTIFY = '<p style="text-align: justify;">'
_HOSTILE_AFTER = (
    "<script>alert('xss')</script>"
    '<img alt="" src="javascript:alert(4)" onerror="alert(5)"/>'
    '<iframe src="javascript:alert(6)"></iframe>'
)


def esc(text: str) -> str:
    """Text for HTML (content and attributes), no-break spaces written as &nbsp; like Liferay."""
    return html.escape(text, quote=True).replace("\u00a0", "&nbsp;")


def fragment(article: Article, template: str) -> tuple[str, str]:
    """(head, tail) of the article's content markup, from the cache when unchanged."""
    key = "migrated" if article.template == "migrated" and template != "custom" else template
    cached = article.cache.get(key)
    if cached is None:
        if key == "migrated":
            cached = (_migrated(article), "")
        elif key == "datebody":
            cached = (_datebody(article), "")
        elif key == "custom":
            cached = _custom(article)
        elif key == "redesign":
            cached = _redesign(article)
        else:
            cached = _default(article)
        article.cache[key] = cached
    return cached


def file_name(path: str) -> str:
    """The file name shown for an attachment path ('/documents/1/2/TCBC-007.pdf/uuid')."""
    parts = [p for p in path.split("/") if p]
    named = [p for p in parts if "." in p]
    return named[-1] if named else parts[-1]


def _blocks(article: Article, p_open: str) -> str:
    out: list[str] = []
    hostile = article.hostile
    for block in article.paragraphs:
        if hostile and block.kind == "p":
            out.append(
                f'{p_open[:-1]} onclick="alert(1)"><a href="javascript:alert(2)" '
                f'onmouseover="alert(3)">{esc(block.text)}</a></p>{_HOSTILE_AFTER}'
            )
            hostile = False
        else:
            out.append(_block(block, p_open))
    return "".join(out)


def _block(block: Block, p_open: str) -> str:
    if block.kind == "h3":
        return f"<h3><strong>{esc(block.text)}</strong></h3>"
    if block.kind == "figure":
        caption = f"<figcaption>{esc(block.text)}</figcaption>" if block.text else ""
        return f'<figure class="image"><img alt="" src="{esc(block.src)}"/>{caption}</figure>'
    if block.kind == "table":
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
            for row in block.rows
        )
        return (
            f'<table border="1" cellpadding="1" cellspacing="1" style="width: 100%;">'
            f"<tbody>{rows}</tbody></table>"
        )
    return f"{p_open}{esc(block.text)}</p>"


def _files(article: Article, wrap: str, item: str) -> str:
    links = "".join(
        item.format(href=esc(path), name=esc(file_name(path))) for path in article.attachments
    )
    return wrap.format(links=links) if links else ""


def _default(article: Article) -> tuple[str, str]:
    title = esc(article.title)
    source = (
        f'<div class="source-detail">Nguồn: {esc(article.source)}</div>' if article.source else ""
    )
    files = _files(
        article,
        '<div class="file-detail"><p>Tệp đính kèm:</p><ul>{links}</ul></div>',
        '<li><a href="{href}">{name}</a></li>',
    )
    head = (
        '<div class="news-detail">\n'
        f' <h1 class="title-detail">{title}</h1>\n'
        f' <div class="date-detail"><span class="date">{date_line(article.published)}</span>'
        ' | <span class="views">Lượt xem: '
    )
    tail = (
        "</span></div>\n"
        f' <div class="sapo-detail"><strong>{esc(article.summary)}</strong></div>\n'
        ' <div class="content-detail">\n'
        f"  {_blocks(article, P_JUSTIFY)}\n"
        '  <p class="author-detail" style="text-align: right;">'
        f"<strong>{esc(article.author)}</strong></p>\n"
        " </div>\n"
        f" {source}{files}\n"
        f' <div class="email-detail"><a href="mailto:{EMAIL}">{EMAIL}</a></div>\n'
        "</div>"
    )
    return head, tail


def _redesign(article: Article) -> tuple[str, str]:
    source = (
        f'<div class="article-source">Nguồn: {esc(article.source)}</div>' if article.source else ""
    )
    files = _files(
        article,
        '<div class="article-attachments">{links}</div>',
        '<a class="article-file" href="{href}">{name}</a>',
    )
    head = (
        '<div class="article-detail">\n'
        f' <h1 class="article-title">{esc(article.title)}</h1>\n'
        f' <p class="article-meta">{date_line(article.published)} | Lượt xem: '
    )
    tail = (
        "</p>\n"
        f' <div class="article-lead"><p><strong>{esc(article.summary)}</strong></p></div>\n'
        f' <div class="article-body">{_blocks(article, "<p>")}</div>\n'
        f" {source}{files}\n"
        f' <p class="article-signature"><strong>{esc(article.author)}</strong></p>\n'
        "</div>"
    )
    return head, tail


def _datebody(article: Article) -> str:
    """A Liferay 7.3 portal's display template: the title is the stock one outside, the date
    line "(Thứ hai, 19/04/2021 15:17)" the first paragraph of the body."""
    when = date_line(article.published)
    when = when[:4] + when[4:].lower() if when.startswith("Thứ") else when
    source = f'<p class="nguon">Nguồn: {esc(article.source)}</p>' if article.source else ""
    files = _files(article, '<div class="tai-lieu">{links}</div>', '<a href="{href}">{name}</a>')
    return (
        '<div class="tin-chi-tiet">\n <div class="noi-dung">\n'
        f'  <p class="thoi-gian"><em>({when})</em></p>\n'
        f"  <p><strong>{esc(article.summary)}</strong></p>\n"
        f"  {_blocks(article, P_JUSTIFY)}\n"
        f'  <p style="text-align: right;"><strong>{esc(article.author)}</strong></p>\n'
        f" </div>\n {source}{files}\n</div>"
    )


def _custom(article: Article) -> tuple[str, str]:
    """A custom portlet's article (the custom-route portal): its own class names throughout."""
    source = f'<div class="nguon">Nguồn: {esc(article.source)}</div>' if article.source else ""
    files = _files(
        article,
        '<div class="dinh-kem"><b>Tài liệu đính kèm</b><ul>{links}</ul></div>',
        '<li><a href="{href}">{name}</a></li>',
    )
    head = (
        f'<h1 class="tieu-de">{esc(article.title)}</h1>\n'
        f'<div class="thoi-gian">{date_line(article.published)} | Lượt xem: '
    )
    tail = (
        "</div>\n"
        f'<div class="tom-tat"><strong>{esc(article.summary)}</strong></div>\n'
        f'<div class="noi-dung">{_blocks(article, "<p>")}\n'
        f'<p class="tac-gia" style="text-align: right;"><strong>{esc(article.author)}'
        f"</strong></p></div>\n{source}{files}"
    )
    return head, tail


def _migrated(article: Article) -> str:
    return (
        f"<p>{esc(article.summary)}</p>{_blocks(article, '<p>')}"
        f"<p><strong>{esc(article.author)}</strong></p>"
    )
