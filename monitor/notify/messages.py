"""What a journalist reads: one notice or a digest as a title, plain text and escaped HTML.

Stored text enters each of them through show_bidi (portalcrawl.text.shown): a bidi control
reads `<U+202E>` in a subject, a chat message or an email, never reorders what follows it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from portalcrawl.text.dates import VN_TZ
from portalcrawl.text.shown import show_bidi

KIND_LABELS = {
    "new": "Tin mới",
    "edited": "Đã sửa",
    "removed": "Đã gỡ",
    "restored": "Đăng lại",
    "crawler_alert": "Cảnh báo crawler",
}
PERMALINK_LABEL = "Xem thay đổi"  # the change's page on the static site
FIELD_LABELS = {
    "title": "tiêu đề",
    "summary": "sapo",
    "body_text": "nội dung",
    "published_at": "thời gian đăng",
    "author": "tác giả",
    "source": "nguồn",
    "attachments": "tệp đính kèm",
    "images": "hình ảnh",
}


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str


def published_label(value: str | None) -> str:
    """Portal time as Vietnamese readers write it: '08:00 26/11/2026'."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(VN_TZ)
    return moment.strftime("%H:%M %d/%m/%Y")


def _fields(notice: Mapping[str, Any]) -> Any:
    raw = notice.get("fields")
    if not isinstance(raw, str):
        return raw or []
    try:
        return json.loads(raw or "[]")
    except ValueError:
        return []


def subject(notice: Mapping[str, Any]) -> str:
    """'[Tin mới] <Vietnamese title>': the label first, so an inbox list reads at a glance."""
    return f"[{KIND_LABELS.get(notice['kind'], notice['kind'])}] {show_bidi(notice['title'])}"


def _lines(notice: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs under the title, in reading order, stored text shown safe."""
    fields = _fields(notice)
    if notice["kind"] == "crawler_alert":
        pairs = [("Cổng", notice.get("url") or "")]
        if isinstance(fields, dict):
            pairs += [(str(k), str(v)) for k, v in fields.items()]
        return [(show_bidi(k), show_bidi(v)) for k, v in pairs if v]
    pairs = [
        ("Chuyên mục", notice.get("section") or ""),
        ("Đăng lúc", published_label(notice.get("published_at"))),
        ("Liên kết", notice.get("url") or ""),
    ]
    if notice["kind"] == "edited" and isinstance(fields, list) and fields:
        pairs.append(("Thay đổi", ", ".join(FIELD_LABELS.get(f, f) for f in fields)))
    pairs.append((PERMALINK_LABEL, notice.get("permalink") or ""))
    return [(k, show_bidi(v)) for k, v in pairs if v]


def _text_block(notice: Mapping[str, Any]) -> str:
    parts = [subject(notice)] + [f"{k}: {v}" for k, v in _lines(notice)]
    text = "\n".join(parts)
    if notice.get("diff"):
        text += "\n\n" + show_bidi(notice["diff"])
    return text


def _html_block(notice: Mapping[str, Any]) -> str:
    label = escape(KIND_LABELS.get(notice["kind"], notice["kind"]))
    title = escape(show_bidi(notice["title"]))
    url = notice.get("url")
    if url and notice["kind"] != "crawler_alert":
        title = f'<a href="{escape(url)}">{title}</a>'
    rows = []
    for key, value in _lines(notice):
        shown = escape(value)
        if key in ("Liên kết", PERMALINK_LABEL):
            shown = f'<a href="{escape(value)}">{shown}</a>'
        rows.append(f"{escape(key)}: {shown}")
    html = f"<p><b>[{label}]</b> {title}</p>\n<p>{'<br>'.join(rows)}</p>"
    if notice.get("diff"):
        html += f'\n<pre style="white-space: pre-wrap">{escape(show_bidi(notice["diff"]))}</pre>'
    return html


def notice_message(notice: Mapping[str, Any]) -> Message:
    """One notice: subject line, plain body (text channels) and HTML body (email)."""
    text = _text_block(notice).split("\n", 1)
    return Message(subject(notice), text[1] if len(text) > 1 else "", _html_block(notice))


def digest_message(notices: Sequence[Mapping[str, Any]]) -> Message:
    """Many notices in one message, counted by kind in the subject."""
    if len(notices) == 1:
        return notice_message(notices[0])
    counts = Counter(n["kind"] for n in notices)
    summary = ", ".join(
        f"{counts[k]} {KIND_LABELS[k].lower()}" for k in KIND_LABELS if counts.get(k)
    )
    title = f"Cổng TTĐT Đồng Tháp: {len(notices)} thông báo ({summary})"
    text = "\n\n----------\n\n".join(_text_block(n) for n in notices)
    html = "\n<hr>\n".join(_html_block(n) for n in notices)
    return Message(title, text, html)
