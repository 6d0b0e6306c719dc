"""Delivery to channels and what each gets: jsonl files, keyword and section filters (alerts
pass keywords but follow kinds), a channel's life cycle (new ones start now, returning ones catch
up, one failing stops no other, a notice is given up only while its channel works), and channel
URLs: validated, named and masked wherever they are shown. (Email and webhook receivers are
test_delivery_receivers.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import ChannelConfig, ConfigError
from monitor.notify import delivery
from monitor.notify.channels import Channel, build_channels, validate_channel_url
from monitor.notify.delivery import MAX_ATTEMPTS, deliver
from monitor.notify.masking import mask_secrets, mask_url
from monitor.notify.notices import alert
from monitor.notify.senders import DeliveryError
from portalcrawl.store.database import Store
from tests import outbox
from tests.outbox import (
    ESCAPED,
    LANDSLIDE,
    deliveries,
    jsonl,
    new_run,
)
from tests.receivers import Hook
from tests.storefactory import FLOOD
from tests.storefactory import section_article as article


def fixed_key() -> bytes:
    return bytes(32)


pytestmark = pytest.mark.usefixtures("in_turn")
in_turn, store = outbox.in_turn, outbox.store  # the delivery tests' fixtures (tests/outbox.py)


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
