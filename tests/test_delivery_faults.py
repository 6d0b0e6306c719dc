"""Delivery under field conditions: a full disk under a jsonl channel, a crash between writing
and recording, a webhook that answers late, tenants whose URLs differ only in a secret, a store
named the old way, and a refused SMTP login."""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.config import ChannelConfig
from monitor.notify.channels import DEFAULT_TIMEOUT, Channel, build_channels
from monitor.notify.delivery import deliver
from monitor.notify.identity import channel_key, key_path, legacy_name
from portalcrawl.store.database import Store
from tests import outbox
from tests.outbox import (
    DiedAfterSending,
    deliveries,
    dying_after_each_send,
    jsonl,
    new_run,
    three_notices,
)
from tests.receivers import Hook
from tests.smallfs import fill, tmpfs
from tests.storefactory import FLOOD
from tests.storefactory import section_article as article

MB = 1024 * 1024


store = outbox.store  # the delivery tests' store fixture (tests/outbox.py)


def poll(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def long_articles(first: int, count: int) -> list[dict]:
    """Articles whose notices make jsonl lines of a few kilobytes each."""
    return [
        article(i, f"{FLOOD} — bản tin số {i} " + "tin dài " * 300, "tin-hoat-dong")
        for i in range(first, first + count)
    ]


# -- jsonl -----------------------------------------------------------------------------------


def test_jsonl_on_a_full_disk_keeps_whole_lines_and_writes_each_notice_once(
    store: Store, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "fs", 2 * MB) as fs:
        path = fs / "notices.jsonl"
        channel = Channel("file", f"jsonl://{path}")
        assert deliver(store, [channel], run_id=2).channels[0].delivered == 3
        before = path.read_bytes()

        run = new_run(store, *long_articles(10, 30))
        filler = fill(fs, leave=16 * 1024)
        full = deliver(store, [channel], run_id=run)
        assert "No space left" in (full.channels[0].error or "")
        assert full.channels[0].pending == 30
        assert path.read_bytes() == before  # rolled back to where the append began

        filler.unlink()
        assert deliver(store, [channel], run_id=run).channels[0].delivered == 30
        deliver(store, [channel], run_id=run)
        ids = [line["notice_id"] for line in jsonl(path)]  # every line parses
        assert ids == list(range(1, 34))


def test_a_store_on_a_full_disk_fails_its_channels_and_loses_no_notice(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "fs", 4 * MB) as fs, three_notices(fs / "portal.sqlite3") as store:
        channels = [Channel(n, f"jsonl://{tmp_path / n}.jsonl") for n in ("a", "b")]
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no old WAL frames to reuse
        run = new_run(store, *long_articles(10, 5))
        filler = fill(fs, leave=0)
        report = deliver(store, channels, run_id=run)  # recording the attempts fails
        assert all("full" in (c.error or "") for c in report.channels)
        filler.unlink()
        deliver(store, channels, run_id=run)
        deliver(store, channels, run_id=run)
    for name in ("a", "b"):
        assert [x["notice_id"] for x in jsonl(tmp_path / f"{name}.jsonl")] == [4, 5, 6, 7, 8]


def test_jsonl_written_but_not_recorded_is_not_written_again(tmp_path: Path) -> None:
    path = tmp_path / "notices.jsonl"
    channel = Channel("file", f"jsonl://{path}")
    with (
        three_notices(tmp_path / "portal.sqlite3") as store,
        dying_after_each_send(),
        pytest.raises(DiedAfterSending),
    ):
        deliver(store, [channel], run_id=2)
    with path.open("a", encoding="utf-8") as out:  # and a writer killed mid-line
        out.write('{"notice_id": 4, "idempotency_key": "portalcrawl:fi')
    with Store(tmp_path / "portal.sqlite3") as store:  # the next process
        run = new_run(store, article(4, "Tin thứ tư", "thong-bao"))
        assert deliver(store, [channel], run_id=run).channels[0].delivered == 4
        assert {d["status"] for d in deliveries(store, "file")} == {"delivered"}
    assert [line["notice_id"] for line in jsonl(path)] == [1, 2, 3, 4]


def test_jsonl_into_a_fifo_is_written_through(store: Store, tmp_path: Path) -> None:
    fifo = tmp_path / "notices.fifo"
    os.mkfifo(fifo)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(fifo.open(encoding="utf-8")))
    reader.start()
    report = deliver(store, [Channel("pipe", f"jsonl://{fifo}")], run_id=2)
    reader.join(timeout=60)
    assert report.ok and [json.loads(line)["notice_id"] for line in lines] == [1, 2, 3]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


# -- slow webhooks ---------------------------------------------------------------------------


def slow_channel(hook: Hook, timeout: float) -> Channel:
    return Channel.from_config(ChannelConfig("web", hook.url(), timeout_seconds=timeout))


def test_no_answer_in_time_is_unknown_and_resent_marked_as_a_repeat(
    store: Store, hook: Hook
) -> None:
    hook.slow = {"1": 3.0}
    web = slow_channel(hook, 1)
    first = deliver(store, [web], run_id=2)
    result = first.channels[0]
    assert (result.unknown, result.delivered, result.pending) == (1, 2, 1)
    assert [d["status"] for d in deliveries(store, "web")] == ["unknown", "delivered", "delivered"]
    poll(lambda: ("answered", "1") in hook.events)

    hook.slow = {}
    assert deliver(store, [web], run_id=2).channels[0].delivered == 1
    deliver(store, [web], run_id=2)
    assert hook.notice_ids() == ["1", "2", "3", "1"]
    keys = [h["Idempotency-Key"] for h, _ in hook.received]
    assert keys == ["portalcrawl:web:1", "portalcrawl:web:2", "portalcrawl:web:3"] + keys[:1]
    assert [p.get("repeat") for _, p in hook.received] == [None, None, None, "true"]
    assert [h.get("X-Portalcrawl-Redelivery") for h, _ in hook.received] == [None] * 3 + ["1"]
    assert {d["status"] for d in deliveries(store, "web")} == {"delivered"}


def test_a_slow_answer_within_the_time_out_holds_back_nothing_and_is_sent_once(
    store: Store, hook: Hook, tmp_path: Path
) -> None:
    hook.hold = {"1": ("2", 10.0)}  # notice 1 answered once notice 2 has come: not if sent in turn
    web = slow_channel(hook, 20)
    log = Channel("log", f"jsonl://{tmp_path / 'log.jsonl'}")
    report = deliver(store, [web, log], run_id=2)
    assert [c.delivered for c in report.channels] == [3, 3] and report.ok
    assert hook.events.index(("arrived", "2")) < hook.events.index(("answered", "1"))
    deliver(store, [web, log], run_id=2)
    assert sorted(hook.notice_ids()) == ["1", "2", "3"]


def test_the_time_out_of_a_notify_url_is_its_rto(hook: Hook, tmp_path: Path) -> None:
    key = functools.partial(channel_key, tmp_path / "portal.sqlite3")
    [plain, quick] = build_channels([], [hook.url(), hook.url("?rto=1.5")], key)
    assert (plain.timeout, quick.timeout) == (DEFAULT_TIMEOUT, 1.5)


# -- channel identity ------------------------------------------------------------------------

SECRETS = ("Tenant-A-Pass-9f3k2", "Tenant-B-Pass-7q8w1", "tok-A-55aa66bb", "tok-B-77cc88dd")


def tenant(headers: dict[str, str]) -> str:
    if "X-Token" in headers:
        return headers["X-Token"]
    return base64.b64decode(headers["Authorization"].split()[1]).decode().partition(":")[2]


def test_urls_differing_only_in_a_secret_are_channels_of_their_own(
    tmp_path: Path, hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "portal.sqlite3"
    base = f"127.0.0.1:{hook.port}/hook"
    urls = [f"json://desk:{SECRETS[0]}@{base}", f"json://desk:{SECRETS[1]}@{base}"]
    urls += [f"json://{base}?+X-Token={SECRETS[2]}", f"json://{base}?+X-Token={SECRETS[3]}"]
    key = functools.partial(channel_key, db)
    with three_notices(db) as store:
        channels = build_channels([], urls, key)
        assert len({c.name for c in channels}) == 4
        assert len({c.formerly for c in channels}) == 2  # the old names merged them
        deliver(store, channels, run_id=2)
        run = new_run(store, article(4, "Tin thứ tư", "thong-bao"))
        deliver(store, build_channels([], urls, key), run_id=run)
        names = sorted(store.channel_totals())
    got: dict[str, list[str]] = {}
    for headers, payload in hook.received:
        got.setdefault(tenant(headers), []).append(payload["notice_ids"])
    assert got == {secret: ["1", "2", "3", "4"] for secret in SECRETS}
    assert names == sorted(c.name for c in channels)

    stored = b"".join(p.read_bytes() for p in tmp_path.glob("portal.sqlite3*") if p.is_file())
    logged = caplog.text + "\n".join(names)
    for secret in SECRETS:
        assert secret.encode() not in stored and secret not in logged
    assert stat.S_IMODE(os.stat(key_path(db)).st_mode) == 0o600


def test_a_channel_named_the_old_way_keeps_its_place_and_its_pending_notices(
    tmp_path: Path, hook: Hook
) -> None:
    db = tmp_path / "portal.sqlite3"
    url = hook.url("?+X-Token=Old-Secret-31337")
    with three_notices(db) as store:
        hook.fail = 1  # the release before: its name for the URL, and the webhook down
        deliver(store, [Channel(legacy_name(url), url)], run_id=2)
        assert len(deliveries(store, legacy_name(url))) == 3
        run = new_run(store, article(4, "Tin thứ tư", "thong-bao"))
        [channel] = build_channels([], [url], functools.partial(channel_key, db))
        assert deliver(store, [channel], run_id=run).channels[0].delivered == 4
        assert deliveries(store, legacy_name(url)) == []
        assert list(store.channel_totals()) == [channel.name]
    assert hook.notice_ids() == ["1", "2", "3", "4"]


# -- email -----------------------------------------------------------------------------------


def test_a_refused_smtp_login_is_an_authentication_failure(store: Store, smtp: tuple) -> None:
    box, port = smtp
    url = (
        f"mailto://reporter:Sai-Mat-Khau-123@127.0.0.1:{port}"
        "?from=portalcrawl@example.com&to=newsroom@example.com&mode=insecure"
    )
    error = deliver(store, [Channel("email", url)], run_id=2).channels[0].error or ""
    assert error.startswith("authentication failed: 535"), error
    assert "Sai-Mat-Khau-123" not in error and box.messages == []
    assert json.dumps(deliveries(store, "email")).count("authentication failed") == 1
