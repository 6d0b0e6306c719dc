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
  DIGEST_MAX notices each). A message is marked 'sending' before it goes and 'delivered' after:
  a crash in between sends it again (at-least-once), marked as a possible repeat; webhooks
  carry a stable idempotency key (per notice and channel) so a receiver can drop repeats.
- Time: every channel sends at once, each within its own time-out per message (timeout_seconds,
  or the URL's `rto`) and its own deadline per call; a message unanswered for PATIENCE seconds
  gets the next one started beside it, so a slow receiver delays nothing behind it.
- Outcomes: no answer within the time-out is 'unknown' (it may have arrived): the channel goes
  on, and the notice is sent again on the next run, marked as a repeat (`repeat` field and
  X-Portalcrawl-Redelivery header), until it is answered. A refusal (connection, HTTP error,
  login) stops the channel for this call (it is down: the rest wait for the next run). A notice
  that failed MAX_ATTEMPTS times is skipped over and marked 'failed' once a later notice gets
  through on that channel, so an outage alone never gives one up. One channel's failure never
  stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

from monitor.notify.channels import Channel
from monitor.notify.masking import mask_secrets
from monitor.notify.senders import NoAnswer, send
from portalcrawl.store.crawlstate import utcnow
from portalcrawl.store.database import Store
from portalcrawl.text.compare import as_list

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
DIGEST_MAX = 50
PATIENCE = 2.0  # seconds a message may go unanswered before the next is started beside it
IN_FLIGHT = 4  # messages of one channel in flight at once, at most
DEADLINE_TIMEOUTS = 4  # a channel starts no new message after this many time-outs in a call
MIN_DEADLINE = 60.0  # ... and never before a minute
ABANDON_TIMEOUTS = 3  # a message unanswered this many time-outs after it began is given up on


# -- enqueueing ------------------------------------------------------------------------------


def enqueue(store: Store, channel: Channel, run_id: int | None = None) -> int:
    """Pending deliveries for the notices this channel has not considered yet."""
    now = utcnow()
    added = 0
    with store.atomic():
        if channel.formerly and store.adopt_channel(channel.formerly, channel.name):
            logger.info("channel %s: carried over from %s", channel.name, channel.formerly)
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

MAYBE_SENT = frozenset({"sending", "unknown"})  # an earlier attempt may have got through


@dataclass
class ChannelReport:
    channel: str
    enqueued: int = 0
    delivered: int = 0
    failed: int = 0
    unknown: int = 0  # sent, no answer within the time-out: resent (marked) next run
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
        return [rows] if rows else []
    if channel.digest:
        return [rows[i : i + DIGEST_MAX] for i in range(0, len(rows), DIGEST_MAX)]
    return [[row] for row in rows]


@dataclass
class _Pass:
    """One channel's sending in one deliver() call: its queue, what is in flight, its clock."""

    channel: Channel
    report: ChannelReport
    batches: deque[list[dict[str, Any]]]
    began: float
    in_flight: list[tuple[Future[None], list[dict[str, Any]], float]] = field(default_factory=list)
    stopped: bool = False  # refused: the channel is down, the rest wait for the next run
    worn_out: list[int] = field(default_factory=list)  # given up once a later one gets through

    @property
    def patience(self) -> float:
        return min(PATIENCE, self.channel.timeout)

    def may_start(self, now: float) -> bool:
        if self.stopped or not self.batches or now >= self.began + channel_deadline(self.channel):
            return False
        if not self.in_flight:
            return True
        return len(self.in_flight) < IN_FLIGHT and now - self.in_flight[-1][2] >= self.patience

    def abandon_at(self, started: float) -> float:
        return started + ABANDON_TIMEOUTS * self.channel.timeout

    def wake_at(self) -> float | None:
        """When another message may start beside the unanswered ones (None: not this call)."""
        if self.stopped or not self.batches or len(self.in_flight) in (0, IN_FLIGHT):
            return None
        at = self.in_flight[-1][2] + self.patience
        return at if at < self.began + channel_deadline(self.channel) else None


def channel_deadline(channel: Channel) -> float:
    """Seconds into a deliver() call after which a channel starts no new message."""
    return max(MIN_DEADLINE, DEADLINE_TIMEOUTS * channel.timeout)


def _spawn(fn: Callable[..., None], *args: Any) -> Future[None]:
    """fn(*args) in a daemon thread: a receiver that never answers cannot keep the process
    from exiting once its message has been given up on."""
    future: Future[None] = Future()

    def target() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)

    threading.Thread(target=target, name="deliver", daemon=True).start()
    return future


def _start(store: Store, run: _Pass, now: float) -> None:
    batch = run.batches.popleft()
    repeat = any(row["delivery_status"] in MAYBE_SENT for row in batch)
    store.deliveries_sending([row["delivery_id"] for row in batch], utcnow())  # before: a
    # crash during the send leaves them 'sending', and their resend is marked as a repeat
    run.in_flight.append((_spawn(send, run.channel, batch, repeat), batch, now))


def _record(store: Store, run: _Pass, future: Future[None], batch: list[dict[str, Any]]) -> None:
    """One message's outcome in the store and the channel's report."""
    ids = [row["delivery_id"] for row in batch]
    channel = run.channel
    worn = min(row["attempts"] for row in batch) + 1 >= MAX_ATTEMPTS
    try:
        if not future.done():
            raise NoAnswer(f"no answer within {channel.timeout:g} s: it may have been delivered")
        future.result()
    except NoAnswer as exc:
        store.deliveries_unanswered(ids, str(exc))
        run.report.unknown += len(batch)
        logger.warning("channel %s: notices %s: %s", channel.name, _ids(batch), exc)
        if worn:
            run.worn_out += ids
        return
    except Exception as exc:  # any failure is this channel's: recorded, not raised
        error = mask_secrets(str(exc) or type(exc).__name__, [channel.url])
        repeat = any(row["delivery_status"] in MAYBE_SENT for row in batch)
        store.delivery_attempt_failed(ids, error, maybe_sent=repeat)
        run.report.error = error
        logger.warning("channel %s: %s", channel.name, error)
        if worn:
            run.worn_out += ids
        else:
            run.stopped = True
        return
    now = utcnow()
    store.deliveries_delivered(ids, now)
    run.report.delivered += len(batch)
    if run.worn_out:
        store.deliveries_given_up(run.worn_out, now)
        run.report.failed += len(run.worn_out)
        run.worn_out = []


def _ids(batch: list[dict[str, Any]]) -> str:
    return ",".join(str(row["id"]) for row in batch)


def _send_all(store: Store, runs: list[_Pass]) -> None:
    """Every channel at once, each in notice order: a message unanswered for `patience` has
    the next one started beside it (at most IN_FLIGHT at a time), so one slow notice never
    holds back the ones after it, and one slow channel never holds back another. All store
    writes stay on this thread; the senders only send. A message still unanswered long past
    its time-out (a receiver trickling its answer) is recorded unknown and left behind."""
    while any(run.batches and not run.stopped or run.in_flight for run in runs):
        now = time.monotonic()
        for run in runs:
            while run.may_start(now):
                try:
                    _start(store, run, now)
                except Exception as exc:  # the attempt cannot be recorded: nothing is sent
                    _channel_error(run.report, run.channel, exc)
                    run.stopped = True
            if not run.in_flight:
                run.batches.clear()  # stopped or past the deadline: the rest wait for next run
        futures = [f for run in runs for f, _, _ in run.in_flight]
        if not futures:
            break
        wakes = [w for w in (run.wake_at() for run in runs) if w is not None]
        wakes += [run.abandon_at(at) for run in runs for _, _, at in run.in_flight]
        wait(futures, timeout=max(0.0, min(wakes) - time.monotonic()), return_when=FIRST_COMPLETED)
        now = time.monotonic()
        for run in runs:
            for entry in list(run.in_flight):
                future, batch, at = entry
                if future.done() or now >= run.abandon_at(at):
                    run.in_flight.remove(entry)
                    try:
                        _record(store, run, future, batch)
                    except Exception as exc:  # left 'sending': resent, marked, next run
                        _channel_error(run.report, run.channel, exc)
                        run.stopped = True


def _channel_error(result: ChannelReport, channel: Channel, exc: Exception) -> None:
    """A failure of the channel's own bookkeeping (the store full, locked, broken): reported
    as the channel's error, never raised, so the other channels go on."""
    result.error = mask_secrets(str(exc) or type(exc).__name__, [channel.url])
    logger.error("channel %s: %s", channel.name, result.error)


def deliver(store: Store, channels: Iterable[Channel], run_id: int | None = None) -> DeliveryReport:
    """Enqueue and send every channel's notices; a failing channel never holds back another."""
    channels = list(channels)
    report = DeliveryReport()
    runs = []
    began = time.monotonic()
    for channel in channels:
        result = ChannelReport(channel.name)
        report.channels.append(result)
        try:
            result.enqueued = enqueue(store, channel, run_id)
            rows = store.pending_deliveries(channel.name)
        except Exception as exc:  # one channel must not stop the others
            _channel_error(result, channel, exc)
            continue
        runs.append(_Pass(channel, result, deque(_batches(channel, rows)), began))
    _send_all(store, runs)
    for result, channel in zip(report.channels, channels, strict=True):
        try:
            result.pending = store.pending_count(channel.name)
        except Exception as exc:  # said as the channel's error
            _channel_error(result, channel, exc)
    return report
