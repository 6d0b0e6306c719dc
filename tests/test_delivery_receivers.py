"""Delivery over real loopback servers: email to SMTP (aiosmtpd) and a flaky webhook, each
message once and under its idempotency key, however often the receiver is down or the monitor
dies between sending and recording; bidi controls shown as their code point, never raw; and a
message's text and HTML. (jsonl files, filters, a channel's life cycle and its URL are
test_delivery_channels.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from monitor.notify.channels import Channel
from monitor.notify.delivery import deliver
from monitor.notify.messages import notice_message
from portalcrawl.store.database import Store
from tests import outbox
from tests.outbox import (
    BIDI,
    ESCAPED,
    LANDSLIDE,
    MARKED_TITLE,
    SPOOF_TITLE,
    DiedAfterSending,
    bidi_notices,
    deliveries,
    dying_after_each_send,
    jsonl,
    new_run,
)
from tests.receivers import Hook
from tests.storefactory import FLOOD, PORTAL, PUBLISHED
from tests.storefactory import section_article as article

pytestmark = pytest.mark.usefixtures("in_turn")
in_turn, store = outbox.in_turn, outbox.store  # the delivery tests' fixtures (tests/outbox.py)


# -- email -----------------------------------------------------------------------------------


def test_email_keeps_vietnamese_title_and_escapes_html(store: Store, smtp: tuple) -> None:
    box, port = smtp
    url = f"mailto://127.0.0.1:{port}?from=portalcrawl@example.com&to=newsroom@example.com"
    report = deliver(store, [Channel("email", url)], run_id=2)

    assert report.ok and report.delivered == 3
    subjects = [m["Subject"] for m in box.messages]
    assert subjects == [f"[Tin mới] {FLOOD}", f"[Tin mới] {LANDSLIDE}", f"[Tin mới] {ESCAPED}"]
    assert box.recipients[0] == ["newsroom@example.com"]
    assert [m["Idempotency-Key"] for m in box.messages][:1] == ["portalcrawl:email:1"]
    html = box.messages[2].get_body(preferencelist=("html",)).get_content()
    assert "&lt;2026&gt; &amp; giao lưu" in html and "<2026>" not in html
    assert f'href="{PORTAL}/tin/3"' in html and "tin-hoat-dong" in html
    shown = datetime.fromisoformat(PUBLISHED).strftime("%H:%M %d/%m/%Y")
    assert shown in box.messages[0].get_body(("html",)).get_content()
    assert all(d["status"] == "delivered" for d in deliveries(store, "email"))


def test_smtp_login_failure_is_recorded_masked_then_recovers(store: Store, smtp: tuple) -> None:
    box, port = smtp
    base = f"127.0.0.1:{port}?from=portalcrawl@example.com&to=newsroom@example.com&mode=insecure"
    wrong = Channel("email", f"mailto://reporter:Sai-Mat-Khau-123@{base}")
    report = deliver(store, [wrong], run_id=2)

    assert not report.ok and report.pending == 3 and box.messages == []
    assert "Sai-Mat-Khau-123" not in report.channels[0].error
    rows = deliveries(store, "email")
    assert [r["attempts"] for r in rows] == [1, 0, 0]  # the channel is down: stop at the first
    assert rows[0]["last_error"] and "Sai-Mat-Khau-123" not in rows[0]["last_error"]

    right = Channel("email", f"mailto://reporter:Dung-Mat-Khau@{base}")
    assert deliver(store, [right], run_id=2).delivered == 3
    assert len(box.messages) == 3


# -- webhooks --------------------------------------------------------------------------------


def test_webhook_carries_idempotency_key_and_message(store: Store, hook: Hook) -> None:
    deliver(store, [Channel("web", hook.url(), kinds=("new",), sections=("thong-bao",))], 2)

    [(headers, payload)] = hook.received
    assert headers["Idempotency-Key"] == "portalcrawl:web:2"
    assert payload["idempotency_key"] == "portalcrawl:web:2"
    assert payload["notice_ids"] == "2" and payload["kind"] == "new"
    assert payload["title"] == f"[Tin mới] {LANDSLIDE}"
    assert f"{PORTAL}/tin/2" in payload["message"] and "thong-bao" in payload["message"]


def test_webhook_down_for_several_runs_gets_each_notice_once(
    store: Store, hook: Hook, tmp_path: Path
) -> None:
    web = Channel("web", hook.url())
    log = Channel("log", f"jsonl://{tmp_path / 'log.jsonl'}")
    hook.fail = 3

    first = deliver(store, [web, log], run_id=2)
    assert first.channels[0].error and first.channels[0].pending == 3
    assert first.channels[1].delivered == 3  # the failing webhook held nothing back

    run3 = new_run(store, article(4, "Thêm một tin trong lúc webhook hỏng", "thong-bao"))
    deliver(store, [web, log], run_id=run3)
    run4 = new_run(store, article(5, "Tin thứ năm", "thong-bao"))
    deliver(store, [web, log], run_id=run4)
    assert hook.received == [] and hook.failures == 3

    run5 = new_run(store)
    recovered = deliver(store, [web, log], run_id=run5)
    assert recovered.ok and recovered.channels[0].delivered == 5
    deliver(store, [web, log], run_id=run5)

    assert hook.notice_ids() == ["1", "2", "3", "4", "5"]
    assert [r["attempts"] for r in deliveries(store, "web")] == [4, 1, 1, 1, 1]
    assert [line["notice_id"] for line in jsonl(tmp_path / "log.jsonl")] == [1, 2, 3, 4, 5]


def test_crash_between_send_and_record_resends_with_same_key(store: Store, hook: Hook) -> None:
    web = Channel("web", hook.url())
    with dying_after_each_send(), pytest.raises(DiedAfterSending):
        deliver(store, [web], run_id=2)
    deliver(store, [web], run_id=2)

    keys = [headers["Idempotency-Key"] for headers, _ in hook.received]
    assert keys == [
        "portalcrawl:web:1",
        "portalcrawl:web:1",
        "portalcrawl:web:2",
        "portalcrawl:web:3",
    ]
    # the resend may repeat the first: the receiver is told so; the others are first sends
    assert [p.get("repeat") for _, p in hook.received] == [None, "true", None, None]
    assert [h.get("X-Portalcrawl-Redelivery") for h, _ in hook.received] == [None, "1", None, None]
    assert {r["status"] for r in deliveries(store, "web")} == {"delivered"}


def test_digest_sends_one_message_for_the_run(store: Store, hook: Hook) -> None:
    report = deliver(store, [Channel("digest", hook.url(), digest=True)], run_id=2)

    assert report.delivered == 3
    [(headers, payload)] = hook.received
    assert payload["notice_ids"] == "1,2,3" and payload["kind"] == "digest"
    assert headers["Idempotency-Key"] == "portalcrawl:digest:1,2,3"
    assert "3 thông báo" in payload["title"]
    for title in (FLOOD, LANDSLIDE, ESCAPED):
        assert title in payload["message"]


def test_webhook_credentials_are_masked_in_errors(store: Store, hook: Hook) -> None:
    hook.fail = 1
    url = f"json://editor:Mat-Khau-Bi-Mat@127.0.0.1:{hook.port}/hook"
    report = deliver(store, [Channel("web", url)], run_id=2)
    assert report.channels[0].error
    assert "Mat-Khau-Bi-Mat" not in report.channels[0].error
    assert hook.received == []


# -- bidi controls: shown as their code point, never raw ------------------------------------


@pytest.fixture
def spoofing(tmp_path: Path) -> Iterator[Store]:
    with bidi_notices(tmp_path / "portal.sqlite3") as st:
        yield st


def _shown_not_raw(text: str) -> None:
    """The spoofing title and the edit's summary and body, each control as its marker."""
    assert not set(text) & set(BIDI), text
    for marked in (MARKED_TITLE, "Sapo <U+2066>ẩn<U+2069> mới", "<U+202E>đã sửa<U+202C> xong."):
        assert marked in text, (marked, text)


def test_email_shows_bidi_controls_as_code_points(spoofing: Store, smtp: tuple) -> None:
    box, port = smtp
    url = f"mailto://127.0.0.1:{port}?from=portalcrawl@example.com&to=newsroom@example.com"
    assert deliver(spoofing, [Channel("email", url)], run_id=2).delivered == 2

    new, edited = box.messages
    assert new["Subject"] == f"[Tin mới] {MARKED_TITLE}"
    assert edited["Subject"] == f"[Đã sửa] Bài cũ {MARKED_TITLE}"
    for part in ("plain", "html"):
        body = edited.get_body((part,)).get_content()
        _shown_not_raw(body.replace("&lt;", "<").replace("&gt;", ">"))
    # what was stored is kept as the page said it
    [stored] = spoofing.db.execute("SELECT title FROM notices WHERE id = 1").fetchone()
    assert stored == SPOOF_TITLE


def test_webhook_and_jsonl_never_carry_a_raw_bidi_control(
    spoofing: Store, hook: Hook, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    channels = [Channel("web", hook.url(), digest=True), Channel("log", f"jsonl://{log}")]
    assert deliver(spoofing, channels, run_id=2).delivered == 4

    [(_, payload)] = hook.received
    assert not set(payload["title"] + payload["message"]) & set(BIDI)
    _shown_not_raw(payload["message"])
    # the jsonl lines are data: the same JSON value, its controls written as \u escapes
    text = log.read_text(encoding="utf-8")
    assert not set(text) & set(BIDI) and "\\u202egnp.exe" in text
    assert [line["title"] for line in jsonl(log)] == [SPOOF_TITLE, f"Bài cũ {SPOOF_TITLE}"]


def test_message_escapes_html_but_keeps_text() -> None:
    notice = {
        "kind": "edited",
        "title": "<script>x</script> Bản tin",
        "url": f"{PORTAL}/a",
        "section": "tin-hoat-dong",
        "published_at": PUBLISHED,
        "fields": '["title"]',
        "diff": "title: [-a-] {+<b>+}",
    }
    message = notice_message(notice)
    assert message.title == "[Đã sửa] <script>x</script> Bản tin"
    assert "<script>" not in message.html and "&lt;b&gt;" in message.html
    assert "Thay đổi: tiêu đề" in message.text and "{+<b>+}" in message.text
