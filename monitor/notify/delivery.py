"""Channels and the deliveries table: each notice reaches each channel once, even across outages.

Rules:
- Enqueueing: a channel considers every notice after its place in the outbox
  (channel_state.last_notice_id) and enqueues those its filters accept as pending deliveries.
  A channel seen for the first time starts at the first notice of the current run (notices.run_id;
  create_notices(store, run_id) gives caught-up events the current run) or, without a run, after
  the newest notice: it never receives the whole history. A channel that was down or left out of
  the config for a while catches up on what it missed.
- Filters: `kinds` for every notice; `sections` and `keywords` for article notices only
  (crawler alerts reach every channel whose kinds include crawler_alert). Keywords match
  whole words of title + summary + body, folded (accents and case ignored).
- Sending: oldest first, one message per notice or, for digest channels, one per run (at most
  DIGEST_MAX notices each). A message is sent BEFORE it is marked delivered: a crash in between
  sends it again (at-least-once); webhooks carry a stable idempotency key to drop repeats.
- Failures: the first failure stops the channel for this call (it is down: the rest wait for
  the next run). A notice that failed MAX_ATTEMPTS times is skipped over and marked 'failed'
  once a later notice gets through on that channel, so an outage alone never gives one up.
  One channel's failure never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from monitor.config import KINDS, ChannelConfig, ConfigError
from monitor.notify.masking import (
    JSONL_SCHEME,
    apprise_asset,
    apprise_log,
    last_line,
    mask_secrets,
    mask_url,
)
from monitor.notify.messages import digest_message
from portalcrawl.store.crawlstate import utcnow
from portalcrawl.store.database import Store
from portalcrawl.text.compare import as_list
from portalcrawl.text.normalise import fold

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
DIGEST_MAX = 50
WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
_NOT_IN_JSONL = frozenset({"id", "delivery_id", "attempts"})


class DeliveryError(Exception):
    """A channel refused or could not take a message."""


# -- channels --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    name: str
    url: str
    sections: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    kinds: tuple[str, ...] = KINDS
    digest: bool = False

    @classmethod
    def from_config(cls, config: ChannelConfig) -> Channel:
        """A validated channel from its [[channels]] table."""
        validate_channel_url(config.url)
        return cls(
            config.name,
            config.url,
            tuple(config.sections),
            tuple(config.keywords),
            tuple(config.kinds),
            config.digest,
        )

    @property
    def jsonl_path(self) -> Path | None:
        """The file of a jsonl:// channel: jsonl:///abs/file or jsonl://relative/file."""
        if not self.url.startswith(JSONL_SCHEME):
            return None
        return Path(self.url[len(JSONL_SCHEME) :])

    def accepts(self, notice: Mapping[str, Any], sections: Sequence[str], text: str) -> bool:
        """Whether the channel wants this notice (text: the article's searchable text)."""
        if notice["kind"] not in self.kinds:
            return False
        if notice["kind"] == "crawler_alert":
            return True
        if self.sections and not set(self.sections) & set(sections):
            return False
        if not self.keywords:
            return True
        folded = " ".join(fold(text).split())
        return any(
            re.search(rf"(?<!\w){re.escape(' '.join(fold(k).split()))}(?!\w)", folded)
            for k in self.keywords
            if k.strip()
        )


def validate_channel_url(url: str) -> str:
    """Refuse a notifier URL Apprise cannot use before any crawl starts."""
    if url.startswith(JSONL_SCHEME):
        if not url[len(JSONL_SCHEME) :].strip():
            raise ConfigError(f"bad notifier URL {url!r}: jsonl:// needs a file path")
        return url
    with apprise_log() as captured:
        import apprise

        ok = apprise.Apprise(asset=apprise_asset()).add(url)
    if not ok:
        reason = mask_secrets(last_line(captured, "not a URL Apprise can use"), [url])
        raise ConfigError(f"bad notifier URL {mask_url(url)!r}: {reason}")
    return url


def build_channels(configs: Iterable[ChannelConfig], notify: Iterable[str] = ()) -> list[Channel]:
    """Config channels plus ad-hoc `--notify URL` ones, named by their URL (`notify-<hash>`)
    so a URL given again in a later run picks up its own held-back notices, and no other's."""
    channels = [Channel.from_config(c) for c in configs]
    for url in dict.fromkeys(notify):
        digest = hashlib.sha256(mask_url(url).encode()).hexdigest()[:10]  # rotating a password
        # keeps the channel's place in the outbox
        channels.append(Channel(f"notify-{digest}", validate_channel_url(url)))
    return channels


# -- enqueueing ------------------------------------------------------------------------------


def enqueue(store: Store, channel: Channel, run_id: int | None = None) -> int:
    """Pending deliveries for the notices this channel has not considered yet."""
    now = utcnow()
    added = 0
    with store.atomic():
        last = store.channel_position(channel.name, run_id)
        for notice in store.notices_after(last):
            last = notice["id"]
            sections = as_list(notice["sections"]) or [s for s in [notice["section"]] if s]
            text = "\n".join(
                t or ""
                for t in (
                    notice["a_title"] or notice["title"],
                    notice["summary"],
                    notice["body_text"],
                )
            )
            if channel.accepts(notice, sections, text):
                added += store.add_delivery(notice["id"], channel.name, now)
        store.set_channel_position(channel.name, last, now)
    return added


# -- sending ---------------------------------------------------------------------------------


def idempotency_key(channel: str, notice_ids: Sequence[int]) -> str:
    """Same notices to the same channel, same key: a receiver can drop a repeat."""
    return f"portalcrawl:{channel}:{','.join(str(i) for i in notice_ids)}"


def _with_extras(url: str, extras: Mapping[str, str]) -> str:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in extras.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _apprise_send(channel: Channel, notices: Sequence[Mapping[str, Any]]) -> None:
    ids = [int(n["id"]) for n in notices]
    url = channel.url
    if urlsplit(url).scheme.lower() in WEBHOOK_SCHEMES:
        key = idempotency_key(channel.name, ids)
        url = _with_extras(
            url,
            {
                ":notice_ids": ",".join(map(str, ids)),
                ":idempotency_key": key,
                ":kind": notices[0]["kind"] if len(notices) == 1 else "digest",
                "+Idempotency-Key": key,
            },
        )
    message = digest_message(notices)
    with apprise_log() as captured:
        import apprise

        sender = apprise.Apprise(asset=apprise_asset())
        if not sender.add(url):
            raise DeliveryError(last_line(captured, "Apprise cannot use this URL"))
        use_html = sender[0].resolve_format(None) == apprise.NotifyFormat.HTML
        ok = sender.notify(
            title=message.title,
            body=message.html if use_html else message.text,
            body_format=apprise.NotifyFormat.HTML if use_html else apprise.NotifyFormat.TEXT,
        )
    if not ok:
        raise DeliveryError(last_line(captured, "notification failed"))


def _jsonl_send(path: Path, channel: Channel, notices: Sequence[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for notice in notices:
            line = {
                "notice_id": notice["id"],
                "idempotency_key": idempotency_key(channel.name, [notice["id"]]),
                "channel": channel.name,
                **{k: v for k, v in notice.items() if k not in _NOT_IN_JSONL},
                "fields": json.loads(notice["fields"] or "[]"),
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())


def send(channel: Channel, notices: Sequence[Mapping[str, Any]]) -> None:
    """Hand notices to the channel (one message, or one jsonl line each); raise on failure."""
    if channel.jsonl_path is not None:
        _jsonl_send(channel.jsonl_path, channel, notices)
    else:
        _apprise_send(channel, notices)


@dataclass
class ChannelReport:
    channel: str
    enqueued: int = 0
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    error: str | None = None


@dataclass
class DeliveryReport:
    channels: list[ChannelReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.error is None for c in self.channels)

    @property
    def delivered(self) -> int:
        return sum(c.delivered for c in self.channels)

    @property
    def pending(self) -> int:
        return sum(c.pending for c in self.channels)


def _batches(channel: Channel, rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    if channel.jsonl_path is not None:
        return [rows]
    if channel.digest:
        return [rows[i : i + DIGEST_MAX] for i in range(0, len(rows), DIGEST_MAX)]
    return [[row] for row in rows]


def _send_pending(store: Store, channel: Channel, report: ChannelReport) -> None:
    rows = store.pending_deliveries(channel.name)
    worn_out: list[int] = []  # failed MAX_ATTEMPTS times: given up once a later one succeeds
    for batch in _batches(channel, rows):
        ids = [row["delivery_id"] for row in batch]
        try:
            send(channel, batch)
        except Exception as exc:  # any failure is this channel's: recorded, not raised
            error = mask_secrets(str(exc) or type(exc).__name__, [channel.url])
            report.error = error
            store.delivery_attempt_failed(ids, error)
            logger.warning("channel %s: %s", channel.name, error)
            if min(row["attempts"] for row in batch) + 1 < MAX_ATTEMPTS:
                break
            worn_out += ids
            continue
        now = utcnow()
        store.deliveries_delivered(ids, now)
        report.delivered += len(batch)
        if worn_out:
            store.deliveries_given_up(worn_out, now)
            report.failed += len(worn_out)
            worn_out = []


def deliver(store: Store, channels: Iterable[Channel], run_id: int | None = None) -> DeliveryReport:
    """Enqueue and send every channel's notices; a failing channel never holds back another."""
    report = DeliveryReport()
    for channel in channels:
        result = ChannelReport(channel.name)
        report.channels.append(result)
        try:
            result.enqueued = enqueue(store, channel, run_id)
            _send_pending(store, channel, result)
        except Exception as exc:  # one channel must not stop the others
            result.error = mask_secrets(str(exc) or type(exc).__name__, [channel.url])
            logger.error("channel %s: %s", channel.name, result.error)
        result.pending = store.pending_count(channel.name)
    return report
