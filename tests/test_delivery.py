"""Delivery over real loopback servers: SMTP (aiosmtpd), a flaky webhook, and jsonl files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from monitor.config import ChannelConfig, ConfigError
from monitor.notify import delivery
from monitor.notify.channels import Channel, build_channels, validate_channel_url
from monitor.notify.delivery import MAX_ATTEMPTS, deliver
from monitor.notify.masking import mask_secrets, mask_url
from monitor.notify.messages import notice_message
from monitor.notify.notices import alert
from monitor.notify.senders import DeliveryError
from portalcrawl.store.database import Store
from tests.outbox import (
    BIDI,
    ESCAPED,
    LANDSLIDE,
    MARKED_TITLE,
    SPOOF_TITLE,
    bidi_notices,
    deliveries,
    jsonl,
    new_run,
    three_notices,
)
from tests.receivers import Hook
from tests.storefactory import FLOOD, PORTAL, PUBLISHED
from tests.storefactory import section_article as article


def fixed_key() -> bytes:
    return bytes(32)


@pytest.fixture(autouse=True)
def in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """One message at a time, however loaded the machine (a send slower than PATIENCE would
    have the next started beside it): these tests count attempts and arrivals in order."""
    monkeypatch.setattr(delivery, "PATIENCE", 600.0)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with three_notices(tmp_path / "portal.sqlite3") as st:
        yield st


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


def test_crash_between_send_and_record_resends_with_same_key(
    store: Store, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Crash(BaseException):
        pass

    real_send = delivery.send

    def send_then_crash(channel: Channel, notices: list, repeat: bool = False) -> None:
        real_send(channel, notices, repeat)
        raise Crash

    web = Channel("web", hook.url())
    monkeypatch.setattr(delivery, "send", send_then_crash)
    with pytest.raises(Crash):
        deliver(store, [web], run_id=2)
    monkeypatch.setattr(delivery, "send", real_send)
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


# -- jsonl and filters -----------------------------------------------------------------------


def test_jsonl_relative_path_gets_one_object_per_notice(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    [channel] = build_channels([ChannelConfig("file", "jsonl://out/notices.jsonl")])
    deliver(store, [channel], run_id=2)
    lines = jsonl(tmp_path / "out" / "notices.jsonl")
    assert [(x["notice_id"], x["kind"], x["title"]) for x in lines] == [
        (1, "new", FLOOD),
        (2, "new", LANDSLIDE),
        (3, "new", ESCAPED),
    ]
    assert lines[0]["idempotency_key"] == "portalcrawl:file:1"
    assert lines[0]["section"] == "tin-hoat-dong" and lines[0]["fields"] == []


@pytest.mark.parametrize(
    ("keywords", "titles"),
    [
        (["ngap"], [FLOOD]),
        (["ngập"], [FLOOD]),
        (["sat lo"], [LANDSLIDE]),
        (["SẠT LỞ"], [LANDSLIDE]),
        (["ngập", "sạt lở"], [FLOOD, LANDSLIDE]),
        (["tranh khu vuc"], [LANDSLIDE]),  # body text counts too
        (["ngap sau"], [FLOOD]),
        (["lu"], []),  # whole words only: not "lưu", not "lũ" inside other words
        (["hạn mặn"], []),
    ],
)
def test_keyword_filter_ignores_accents(
    store: Store, tmp_path: Path, keywords: list[str], titles: list[str]
) -> None:
    path = tmp_path / "kw.jsonl"
    deliver(store, [Channel("kw", f"jsonl://{path}", keywords=tuple(keywords))], run_id=2)
    got = [x["title"] for x in jsonl(path)] if path.exists() else []
    assert got == titles


def test_section_filter(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    deliver(store, [Channel("s", f"jsonl://{path}", sections=("thong-bao",))], run_id=2)
    assert [x["title"] for x in jsonl(path)] == [LANDSLIDE]


def test_alerts_pass_keyword_filters_but_follow_kinds(store: Store, tmp_path: Path) -> None:
    alert(store, 2, "section thong-bao listed no articles (it had 5)", {"section": "thong-bao"})
    follows = Channel("kw", f"jsonl://{tmp_path / 'kw.jsonl'}", keywords=("ngập",))
    ops = Channel("ops", f"jsonl://{tmp_path / 'ops.jsonl'}", kinds=("crawler_alert",))
    deliver(store, [follows, ops], run_id=2)
    assert [x["kind"] for x in jsonl(tmp_path / "kw.jsonl")] == ["new", "crawler_alert"]
    assert [x["kind"] for x in jsonl(tmp_path / "ops.jsonl")] == ["crawler_alert"]


# -- channel life cycle ----------------------------------------------------------------------


def test_new_channel_starts_now_and_returning_one_catches_up(store: Store, tmp_path: Path) -> None:
    old = Channel("old", f"jsonl://{tmp_path / 'old.jsonl'}")
    deliver(store, [old], run_id=2)

    run3 = new_run(store, article(4, "Tin của lượt ba", "thong-bao"))
    fresh = Channel("fresh", f"jsonl://{tmp_path / 'fresh.jsonl'}")
    deliver(store, [fresh], run_id=run3)  # `old` left out of the config for this run
    assert [x["notice_id"] for x in jsonl(tmp_path / "fresh.jsonl")] == [4]

    run4 = new_run(store, article(5, "Tin của lượt bốn", "thong-bao"))
    deliver(store, [old, fresh], run_id=run4)
    assert [x["notice_id"] for x in jsonl(tmp_path / "old.jsonl")] == [1, 2, 3, 4, 5]
    assert [x["notice_id"] for x in jsonl(tmp_path / "fresh.jsonl")] == [4, 5]

    later = Channel("later", f"jsonl://{tmp_path / 'later.jsonl'}")
    assert deliver(store, [later]).channels[0].enqueued == 0  # no run: nothing of the past


def test_failing_channel_does_not_stop_others(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a-directory.jsonl").mkdir()
    broken = Channel("broken", f"jsonl://{tmp_path / 'a-directory.jsonl'}")
    works = Channel("works", f"jsonl://{tmp_path / 'ok.jsonl'}")
    report = deliver(store, [broken, works], run_id=2)
    assert report.channels[0].error and report.channels[0].pending == 3
    assert report.channels[1].delivered == 3 and not report.ok


def test_notice_failing_max_attempts_is_given_up_only_when_channel_works(
    store: Store, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_send = delivery.send
    down = {"all": True}

    def picky(channel: Channel, notices: list, repeat: bool = False) -> None:
        if down["all"] or notices[0]["id"] == 1:
            raise DeliveryError("HTTP 400")
        real_send(channel, notices, repeat)

    monkeypatch.setattr(delivery, "send", picky)
    channel = Channel("picky", hook.url())
    for _ in range(MAX_ATTEMPTS + 2):  # a long outage gives nothing up
        deliver(store, [channel], run_id=2)
    assert {r["status"] for r in deliveries(store, "picky")} == {"pending"}

    down["all"] = False
    report = deliver(store, [channel], run_id=2)
    assert report.channels[0].failed == 1 and report.channels[0].delivered == 2
    rows = deliveries(store, "picky")
    assert [r["status"] for r in rows] == ["failed", "delivered", "delivered"]
    assert rows[0]["last_error"] == "HTTP 400"
    assert hook.notice_ids() == ["2", "3"]


# -- URLs and secrets ------------------------------------------------------------------------


def test_bad_url_is_reported_once_and_masked(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(ConfigError) as info:
        validate_channel_url("mailto://admin:Hunter-22@")
    assert str(info.value).startswith("bad notifier URL 'mailto://admin:****@'")
    assert caplog.records == []  # Apprise's own complaint is folded into the one error
    assert capsys.readouterr().err == ""


def test_ad_hoc_channels_are_named_and_validated() -> None:
    urls = ["json://127.0.0.1:9/a", "jsonl:///tmp/x.jsonl"]
    channels = build_channels([], urls, fixed_key)
    names = [c.name for c in channels]
    assert all(n.startswith("notify-") for n in names) and len(set(names)) == 2
    again = build_channels([], urls[::-1], fixed_key)
    assert [c.name for c in again] == names[::-1]  # stable per URL
    with pytest.raises(ConfigError) as info:
        validate_channel_url("nosuchscheme://admin:Hunter-22@example.com/")
    assert "Hunter-22" not in str(info.value) and "****" in str(info.value)
    with pytest.raises(ConfigError):
        validate_channel_url("jsonl://")


@pytest.mark.parametrize(
    ("url", "secret", "kept"),
    [
        ("mailto://user:pa55word@smtp.example.com?to=a@b.com", "pa55word", "smtp.example.com"),
        ("mailtos://u:s3cr%40t@mail.example.com:587?to=x@y.vn", "s3cr%40t", ":587"),
        ("tgram://123456789:ABCdefGHIjklMNOpqrSTUvwxYZ/-1001234/", "ABCdefGHIjkl", "-1001234"),
        ("json://127.0.0.1:80/h?+X-Token=abcdef123", "abcdef123", "127.0.0.1:80/h"),
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
            "TIiajkdnlaz",
            "#general",
        ),
    ],
)
def test_mask_url_hides_credentials(url: str, secret: str, kept: str) -> None:
    masked = mask_url(url)
    assert secret not in masked and "****" in masked and kept in masked


def test_mask_secrets_covers_decoded_passwords() -> None:
    url = "mailtos://u:s3cr%40t@mail.example.com?to=x@y.vn"
    text = mask_secrets("login u:s3cr@t refused; also see json://a:b-secret@h/", [url])
    assert "s3cr@t" not in text and "b-secret" not in text


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
