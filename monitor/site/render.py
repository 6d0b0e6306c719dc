"""The static site's pages as HTML text: pure functions of rows from the store.

Every page is a whole document in Vietnamese (lang="vi") that needs no script and loads nothing
but the site's own style sheet: the Content-Security-Policy meta allows 'self' only, so a
published copy can never be made to fetch from elsewhere. No inline style either (the policy
would refuse it). Diffs use <del>/<ins>, which the style sheet strikes through and underlines:
readable without colour, in print and by screen readers. Stored text is shown with each bidi
control as its code point (`<U+202E>`, portalcrawl.text.shown), so no title reads reversed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

from monitor.diff import LIST_FIELDS, render_html, word_diff
from monitor.notify.messages import FIELD_LABELS, KIND_LABELS, published_label
from monitor.site import paths
from portalcrawl.text.compare import as_list
from portalcrawl.text.shown import show_bidi

CSP = "default-src 'self'; base-uri 'none'; form-action 'none'"
SITE_TITLE = "Cổng TTĐT Đồng Tháp: các thay đổi"
KINDS = ("new", "edited", "removed", "restored")
REEXTRACT_LABEL = "Trích xuất lại"
TEXT_FIELDS = ("title", "summary", "body_text")

STYLE = """\
html { -webkit-text-size-adjust: 100%; }
body { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
  line-height: 1.55; margin: 0 auto; max-width: 50rem; padding: 0 1rem 3rem;
  overflow-wrap: anywhere; color: #111; background: #fff; }
header, footer { border-bottom: 1px solid #999; padding: .5rem 0; margin-bottom: 1rem; }
footer { border-top: 1px solid #999; border-bottom: 0; margin-top: 2rem; font-size: .9em; }
nav ul { list-style: none; padding: 0; margin: .25rem 0; display: flex; flex-wrap: wrap;
  gap: .25rem 1rem; }
h1 { font-size: 1.5rem; line-height: 1.3; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
del { text-decoration: line-through; text-decoration-thickness: 2px; }
ins { text-decoration: underline; text-decoration-thickness: 2px; font-weight: 600; }
del::before { content: "[−"; font-size: .8em; }
del::after { content: "]"; font-size: .8em; }
ins::before { content: "[+"; font-size: .8em; }
ins::after { content: "]"; font-size: .8em; }
.changes { list-style: none; padding: 0; }
.changes li { border-bottom: 1px solid #ccc; padding: .5rem 0; }
.meta { font-size: .9em; color: #333; }
.kind { font-weight: 700; text-transform: uppercase; font-size: .8em; letter-spacing: .03em;
  border: 1px solid #333; padding: 0 .3em; }
.status { border: 2px solid #111; padding: .5rem; font-weight: 700; }
.sbs { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.sbs > div { min-width: 0; border-top: 1px solid #999; }
@media (max-width: 40rem) { .sbs { grid-template-columns: 1fr; } }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; min-width: 0; }
code { font-size: .85em; }
"""


# The site's own icon, so a browser asks for nothing that is not there (a 404 in its console).
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" fill="#111"/><path d="M3 8h10M8 3v10" stroke="#fff"/></svg>\n'
)


def _e(value: Any) -> str:
    """A value as page text or an attribute: bidi controls shown as `<U+202E>`, then escaped."""
    return escape(show_bidi("" if value is None else str(value)))


def when(value: str | None) -> str:
    """A stored time as a reader in Đồng Tháp writes it (portal time, +07:00)."""
    return published_label(value) if value else ""


def _time(value: str | None) -> str:
    if not value:
        return ""
    try:
        stamp = datetime.fromisoformat(value).isoformat()
    except ValueError:
        return _e(value)
    return f'<time datetime="{_e(stamp)}">{_e(when(value))}</time>'


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def document(
    page: str,
    title: str,
    body: str,
    sections: Sequence[tuple[str, str]],
    feeds: Iterable[tuple[str, str]] = (),
) -> str:
    """A whole page: head (CSP, viewport, style sheet, feeds), the site's navigation, body."""
    link = lambda to: _e(paths.href(page, to))  # noqa: E731
    alternates = "".join(
        f'<link rel="alternate" type="application/atom+xml" title="{_e(t)}" href="{link(f)}">\n'
        for f, t in feeds
    )
    kinds = "".join(
        f'<li><a href="{link(paths.kind_page(k))}">{_e(kind_label(k))}</a></li>' for k in KINDS
    )
    section_links = "".join(
        f'<li><a href="{link(paths.section_page(path))}">{_e(name)}</a></li>'
        for path, name in sections
    )
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>{_e(title)}</title>
<link rel="stylesheet" href="{link(paths.STYLE)}">
<link rel="icon" href="{link(paths.ICON)}" type="image/svg+xml">
{alternates}</head>
<body>
<header>
<nav aria-label="Trang">
<ul><li><a href="{link(paths.INDEX)}">Thay đổi gần đây</a></li>{kinds}</ul>
<ul>{section_links}</ul>
</nav>
</header>
<main>
{body}
</main>
<footer>
<p>Trang do portalcrawl tạo từ kho lưu trữ; bản gốc của mỗi trang cổng được lưu dạng WARC.
<a href="{link(paths.FEED)}">Atom</a></p>
</footer>
</body>
</html>
"""


def change_list(page: str, rows: Sequence[Mapping[str, Any]], empty: str) -> str:
    """Changes newest first: kind, section, time, title, each linking to its permalink."""
    if not rows:
        return f"<p>{_e(empty)}</p>"
    items = []
    for row in rows:
        target = paths.change_page(row["kind"], row["asset_id"], row.get("version"))
        section = f" · {_e(row['section'])}" if row.get("section") else ""
        items.append(
            f'<li><span class="kind">{_e(kind_label(row["kind"]))}</span>'
            f'<span class="meta">{section} · {_time(row["created_at"])}</span><br>'
            f'<a href="{_e(paths.href(page, target))}">{_e(row["title"])}</a></li>'
        )
    return '<ol class="changes">\n' + "\n".join(items) + "\n</ol>"


def _paragraphs(text: str | None) -> str:
    blocks = [p.strip() for p in (text or "").split("\n\n") if p.strip()]
    return "\n".join(f"<p>{_e(p)}</p>" for p in blocks)


def _list_change(old: Any, new: Any) -> str:
    before, after = as_list(old), as_list(new)
    gone = [i for i in before if i not in after]
    added = [i for i in after if i not in before]
    lines = [f"<li><del>{_e(i)}</del></li>" for i in gone]
    lines += [f"<li><ins>{_e(i)}</ins></li>" for i in added]
    return "<ul>" + "".join(lines) + "</ul>"


def field_diff(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """One changed field: the inline word diff, then old and new side by side."""
    if name in LIST_FIELDS:
        return _list_change(old.get(name), new.get(name))
    ops = word_diff(_text(name, old.get(name)), _text(name, new.get(name)))
    inline = "\n".join(f"<p>{p}</p>" for p in render_html(ops))
    before = "\n".join(f"<p>{p}</p>" for p in render_html(ops, ("equal", "delete")))
    after = "\n".join(f"<p>{p}</p>" for p in render_html(ops, ("equal", "insert")))
    return (
        f'<div class="inline">{inline}</div>\n'
        f'<div class="sbs"><div><h3>Trước</h3>{before or "<p>(trống)</p>"}</div>'
        f"<div><h3>Sau</h3>{after or '<p>(trống)</p>'}</div></div>"
    )


def _text(name: str, value: Any) -> str:
    if name == "published_at":
        return when(value)
    return "" if value is None else str(value)


def _original(page: str, target: str | None, row: Mapping[str, Any]) -> str:
    if not target or not row.get("warc_record_id"):
        return "<dd>không có bản lưu (kho lưu trữ tắt khi đó)</dd>"
    return (
        f'<dd><a href="{_e(paths.href(page, target))}">bản gốc đã lưu (WARC)</a> '
        f"<code>{_e(row['warc_record_id'])}</code>, <code>{_e(row['warc_file'])}</code> "
        f"@ {_e(row['warc_offset'])}</dd>"
    )


def version_body(
    page: str,
    article: Mapping[str, Any],
    version: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    latest: int,
) -> str:
    """Version n against n-1: what changed (inline and side by side), when, and the proof."""
    asset_id, number = article["asset_id"], version["version"]
    fields = as_list(version["changed_fields"])
    reextracted = version.get("origin") == "reextract"
    label = REEXTRACT_LABEL if reextracted else kind_label("new" if number == 1 else "edited")
    link = lambda to: _e(paths.href(page, to))  # noqa: E731
    nav = [f'<a href="{link(paths.article_page(asset_id))}">Mọi phiên bản</a>']
    if number > 1:
        nav.insert(
            0, f'<a href="{link(paths.version_page(asset_id, number - 1))}">← v{number - 1}</a>'
        )
    if number < latest:
        nav.append(
            f'<a href="{link(paths.version_page(asset_id, number + 1))}">v{number + 1} →</a>'
        )
    parts = [
        f'<p><span class="kind">{_e(label)}</span> phiên bản {number}'
        + (f" so với {number - 1}" if previous else "")
        + "</p>",
        f"<h1>{_e(version['title'])}</h1>",
        f'<nav aria-label="Phiên bản"><ul>{"".join(f"<li>{n}</li>" for n in nav)}</ul></nav>',
    ]
    if reextracted:
        parts.append(
            '<p class="status">Không phải thay đổi trên cổng: trang đã lưu được đọc lại bằng '
            "bộ trích xuất mới.</p>"
        )
    if article["status"] == "removed":
        parts.append(
            f'<p class="status">Bài đã bị gỡ khỏi cổng lúc {_time(article["removed_at"])}.</p>'
        )
    facts = [
        ("Ghi nhận lúc", _time(version["recorded_at"])),
        ("Đăng lúc", _e(when(version.get("published_at")))),
        ("Trên cổng", f'<a href="{_e(version["url"])}">{_e(version["url"])}</a>'),
    ]
    if fields:
        facts.append(("Trường thay đổi", _e(", ".join(field_label(f) for f in fields))))
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    original = _original(page, paths.version_original(asset_id, number), version)
    parts.append(f'<dl class="facts">{rows}<dt>Bản gốc</dt>{original}</dl>')
    if previous is not None and fields:
        for name in fields:
            parts.append(f"<h2>{_e(field_label(name))}</h2>")
            parts.append(field_diff(name, previous, version))
    parts.append("<h2>Nội dung phiên bản này</h2>")
    if version.get("summary"):
        parts.append(f"<p><strong>{_e(version['summary'])}</strong></p>")
    parts.append(_paragraphs(version["body_text"]))
    return "\n".join(parts)


def article_body(
    page: str,
    article: Mapping[str, Any],
    versions: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
) -> str:
    """Every version and every removal or restoration, then the last text kept."""
    asset_id = article["asset_id"]
    link = lambda to: _e(paths.href(page, to))  # noqa: E731
    timeline: list[tuple[str, str]] = []
    for version in versions:
        number = version["version"]
        label = (
            REEXTRACT_LABEL
            if version.get("origin") == "reextract"
            else kind_label("new" if number == 1 else "edited")
        )
        fields = ", ".join(field_label(f) for f in as_list(version["changed_fields"]))
        timeline.append(
            (
                version["recorded_at"],
                f'<span class="kind">{_e(label)}</span> {_time(version["recorded_at"])} · '
                f'<a href="{link(paths.version_page(asset_id, number))}">phiên bản {number}</a>'
                + (f" · {_e(fields)}" if fields else ""),
            )
        )
    for event in events:
        if event["kind"] not in ("removed", "restored"):
            continue
        proof = ""
        if event.get("warc_record_id"):
            proof = (
                f' · <a href="{link(paths.event_original(asset_id, event["id"]))}">'
                f"bản gốc đã lưu (WARC)</a>"
            )
        reason = f" ({_e(event['reason'])})" if event.get("reason") else ""
        timeline.append(
            (
                event["created_at"],
                f'<span class="kind">{_e(kind_label(event["kind"]))}</span> '
                f"{_time(event['created_at'])}{reason}{proof}",
            )
        )
    timeline.sort(key=lambda item: item[0])
    status = (
        f'<p class="status">Đã gỡ khỏi cổng lúc {_time(article["removed_at"])}; '
        "nội dung cuối cùng được giữ dưới đây.</p>"
        if article["status"] == "removed"
        else ""
    )
    sections = ", ".join(as_list(article["sections"]))
    items = "".join(f"<li>{text}</li>" for _, text in reversed(timeline))
    return f"""<h1>{_e(article["title"])}</h1>
{status}<dl class="facts"><dt>Chuyên mục</dt><dd>{_e(sections)}</dd>
<dt>Đăng lúc</dt><dd>{_e(when(article.get("published_at")))}</dd>
<dt>Trên cổng</dt><dd><a href="{_e(article["url"])}">{_e(article["url"])}</a></dd></dl>
<h2>Lịch sử</h2>
<ol class="changes">{items}</ol>
<h2>Nội dung (phiên bản {article["version"]})</h2>
{f"<p><strong>{_e(article['summary'])}</strong></p>" if article.get("summary") else ""}
{_paragraphs(article["body_text"])}"""
