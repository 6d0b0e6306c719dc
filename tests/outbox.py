"""A store with notices to deliver, messages sent one at a time, and what a channel got: shared
by the delivery tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from monitor.notify import delivery
from monitor.notify.channels import Channel
from monitor.notify.notices import create_notices
from portalcrawl.store.database import Store
from tests.storefactory import FLOOD, PORTAL
from tests.storefactory import section_article as article

LANDSLIDE = "Cảnh báo sạt lở bờ sông Tiền"
ESCAPED = 'Hội nghị "Xúc tiến đầu tư" <2026> & giao lưu'


@pytest.fixture
def in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """One message at a time, however loaded the machine (a send slower than PATIENCE would
    have the next started beside it): the delivery tests count attempts and arrivals in order.
    A test module takes it for all its tests with `pytestmark = usefixtures("in_turn")`."""
    monkeypatch.setattr(delivery, "PATIENCE", 600.0)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with three notices to deliver (three_notices)."""
    with three_notices(tmp_path / "portal.sqlite3") as st:
        yield st


class DiedAfterSending(BaseException):
    """The monitor killed between a send and its record (a BaseException, as a kill is)."""


@contextmanager
def dying_after_each_send() -> Iterator[None]:
    """Within: each message goes out, then the monitor dies before recording it."""
    real_send = delivery.send

    def send_then_die(channel: Channel, notices: list, repeat: bool = False) -> None:
        real_send(channel, notices, repeat)
        raise DiedAfterSending

    delivery.send = send_then_die
    try:
        yield
    finally:
        delivery.send = real_send


def new_run(store: Store, *articles: dict[str, Any]) -> int:
    """A finished run whose articles are new, with its notices created."""
    run = store.start_run(portal_url=PORTAL)
    for item in articles:
        store.save_article(item, run)
    store.finish_run(run, "ok")
    create_notices(store, run)
    return run


@contextmanager
def three_notices(path: Path) -> Iterator[Store]:
    """Baseline run, then run 2 with three new articles (notices 1, 2, 3)."""
    with Store(path) as st:
        new_run(st, article(100, "Bài cũ", "tin-hoat-dong"))
        new_run(
            st,
            article(1, FLOOD, "tin-hoat-dong", "Nhiều tuyến đường bị ngập sâu sau cơn mưa."),
            article(2, LANDSLIDE, "thong-bao", "Người dân cần tránh khu vực sạt lở."),
            article(3, ESCAPED, "tin-hoat-dong"),
        )
        yield st


# A hostile page's text: an override that shows "Thông báo exe.png", an isolate left open.
SPOOF_TITLE = "Thông báo \u202egnp.exe"
SPOOF_SUMMARY = "Sapo \u2066ẩn\u2069 mới"
SPOOF_BODY = "Nội dung \u202eđã sửa\u202c xong."
BIDI = "\u202e\u2066\u2069\u202c"
MARKED_TITLE = "Thông báo <U+202E>gnp.exe"


@contextmanager
def bidi_notices(path: Path) -> Iterator[Store]:
    """Baseline run, then run 2: article 1 new with a spoofing title (notice 1), article 100
    edited to a spoofing title, summary and body (notice 2, its diff carrying them)."""
    with Store(path) as st:
        new_run(st, article(100, "Bài cũ", "tin-hoat-dong"))
        edited = article(100, f"Bài cũ {SPOOF_TITLE}", "tin-hoat-dong", SPOOF_BODY)
        new_run(
            st,
            article(1, SPOOF_TITLE, "thong-bao", SPOOF_BODY) | {"summary": SPOOF_SUMMARY},
            edited | {"summary": SPOOF_SUMMARY},
        )
        yield st


def deliveries(store: Store, channel: str) -> list[dict[str, Any]]:
    return list(
        store.db.query("SELECT * FROM deliveries WHERE channel=? ORDER BY notice_id", [channel])
    )


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
