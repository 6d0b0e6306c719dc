"""The crawl's manners and its budget: one downloader middleware, closest to the network.

Scrapy does not read robots.txt `Crawl-delay`, and its retry middleware ignores `Retry-After`.
The live portal is a public service on modest hardware that may ask for both, so:

- `Crawl-delay` (read when Scrapy parses robots.txt), plus a small margin, becomes the floor of
  the host's download slot delay, without jitter: two requests to the host never start closer
  than it, whatever AutoThrottle or `DOWNLOAD_DELAY` say (AutoThrottle's adjustment is floored
  after each answer).
- `Retry-After` on 429/503 holds the host's slot until it has elapsed: no request to the host
  leaves before. A wait past PORTALCRAWL_RETRY_AFTER_MAX (or waits adding up past it) ends the
  run (`portal_busy`, a partial run).
- A burst of 503s without a usable Retry-After (PORTALCRAWL_MAINTENANCE_BURST in a row) is a
  portal in maintenance: the run ends (`maintenance`) instead of failing hundreds of requests.
- The budget: PORTALCRAWL_MAX_REQUESTS requests (robots.txt and retries included) and
  PORTALCRAWL_TIME_BUDGET seconds. At either the run closes itself (`budget`, `time_budget`),
  so the store commits its open batch and records a partial run, rather than being killed.

Requests refused because the run is ending raise RunEnding: the spider does not count them as
failures (what they would have fetched is left for the next run, see PortalSpider.unfinished).
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

BUSY_STATUSES = (429, 503)
# Run end reasons that make a partial run (when it made progress), not a failed one.
PARTIAL_REASONS = ("budget", "time_budget", "portal_busy", "maintenance")
CHECK_SECONDS = 0.5
RETRY_AFTER_TIMES = 10  # a request asked again after Retry-After, before retries take over


class RunEnding(IgnoreRequest):
    """Not sent: the run is at its budget or closing."""


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """A Retry-After header in seconds: delta-seconds or an HTTP date; None when unusable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class PolitenessMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("PORTALCRAWL_POLITENESS_ENABLED", True):
            raise NotConfigured("politeness off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_requests = settings.getint("PORTALCRAWL_MAX_REQUESTS")
        self.time_budget = settings.getfloat("PORTALCRAWL_TIME_BUDGET")
        self.wait_cap = settings.getfloat("PORTALCRAWL_RETRY_AFTER_MAX")
        self.burst = max(1, settings.getint("PORTALCRAWL_MAINTENANCE_BURST"))
        self.download_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.crawl_delay = 0.0
        self.sent = 0
        self.waited = 0.0
        self.unavailable = 0  # 503s in a row without a usable Retry-After
        self.busy = 0  # 429/503 answers in a row, Retry-After or not
        self.end_reason: str | None = None
        self.started = time.monotonic()
        self.timer: task.LoopingCall | None = None
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        return cls(crawler)

    # -- the run's clock -----------------------------------------------------------------------

    def spider_opened(self, spider: Any = None) -> None:
        self.started = time.monotonic()
        self._record()
        if self.time_budget > 0:
            self.timer = task.LoopingCall(self._check_clock)
            self.timer.start(CHECK_SECONDS, now=False)

    def spider_closed(self, spider: Any = None, reason: str = "") -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.end_reason = self.end_reason or reason or "closed"

    def _check_clock(self) -> None:
        if self.time_budget > 0 and time.monotonic() - self.started >= self.time_budget:
            self.end("time_budget")

    def end(self, reason: str) -> None:
        """Close the run for this reason (the first reason given is the one recorded)."""
        if self.end_reason is not None:
            return
        self.end_reason = reason
        self.stats.set_value("portalcrawl/end_reason", reason)
        logger.info("ending the run: %s (%d requests sent)", reason, self.sent)
        engine = self.crawler.engine
        if engine is None or engine.spider is None:
            return
        deferred_from_coro(engine.close_spider_async(reason=reason))
        # Requests waiting in a slot (behind a Retry-After, say) are not sent: closing would
        # otherwise wait for them, and they would go out before the portal asked.
        for slot in list(getattr(engine.downloader, "slots", {}).values()):
            while slot.queue:
                _, waiting = slot.queue.popleft()
                waiting.errback(Failure(RunEnding(f"not sent: the run is ending ({reason})")))

    # -- requests ------------------------------------------------------------------------------

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.end_reason is not None:
            raise RunEnding(f"not sent: the run is ending ({self.end_reason})")
        if self.max_requests and self.sent >= self.max_requests:
            self.end("budget")
            raise RunEnding(f"not sent: the run's budget of {self.max_requests} is spent")
        self.sent += 1
        self.stats.set_value("portalcrawl/requests_sent", self.sent)
        return None

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if response.status not in BUSY_STATUSES:
            self.unavailable = self.busy = 0
            return response
        self.busy += 1
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        usable = wait is not None and wait <= self.wait_cap
        if wait is not None:
            self.stats.inc_value("portalcrawl/retry_after/count")
            self.stats.max_value("portalcrawl/retry_after/max_seconds", wait)
            if usable:
                self.waited += wait
                self.stats.set_value("portalcrawl/retry_after/waited_seconds", self.waited)
                self._hold(request, wait)
        asked = request.meta.get("retry_after_times", 0)
        if usable and asked < RETRY_AFTER_TIMES and self.waited <= self.wait_cap:
            # Asked again after the wait, not as one of RETRY_TIMES: the portal said when.
            self.stats.inc_value("portalcrawl/retry_after/asked_again")
            again = request.replace(dont_filter=True)
            again.meta["retry_after_times"] = asked + 1
            return again
        if response.status == 503 and not usable:
            self.unavailable += 1
        if wait is not None and (not usable or self.waited > self.wait_cap):
            logger.warning(
                "%s asks to wait %.0f s (%.0f s waited this run, cap %.0f s)",
                urlsplit(request.url).netloc,
                wait,
                self.waited,
                self.wait_cap,
            )
            self.end("portal_busy")
        elif self.unavailable >= self.burst or self.busy >= 2 * self.burst:
            self.end("maintenance")
        return response

    # -- the host's slot -----------------------------------------------------------------------

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        user_agent = self.crawler.settings.get("USER_AGENT") or "*"
        try:
            delay = robotparser.crawl_delay(user_agent)
        except Exception:  # a parser without Crawl-delay support: none asked for
            delay = None
        if delay:
            self.crawl_delay = max(self.crawl_delay, float(delay))
            logger.info("robots.txt asks for Crawl-delay %g s: honoured", self.crawl_delay)
        self._record()
        self._floor(request)

    def response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        """After AutoThrottle adjusted the slot (its receiver was connected first): floor it."""
        self._floor(request)

    def _slot(self, request: Request) -> Any:
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None) if engine else None
        if downloader is None:
            return None
        key = downloader.get_slot_key(request)
        return downloader.slots.get(key)

    def _floor(self, request: Request) -> None:
        if self.crawl_delay <= 0:
            return
        slot = self._slot(request)
        if slot is not None:
            slot.delay = max(slot.delay, self.spacing_floor)
            slot.jitter = 0.0  # a random delay could fall below the floor

    @property
    def spacing_floor(self) -> float:
        """Crawl-delay plus a margin (5%, at most 50 ms): Scrapy spaces the moments requests
        leave, the portal sees them arrive, and a late first arrival (a new connection, a busy
        server thread: 14 ms on the loaded local copy) shortens the next gap it sees."""
        return self.crawl_delay + min(self.crawl_delay * 0.05, 0.05) if self.crawl_delay else 0.0

    def _hold(self, request: Request, seconds: float) -> None:
        """No request leaves the host's slot for `seconds` (Scrapy waits delay after lastseen)."""
        slot = self._slot(request)
        if slot is None:
            return
        if slot.delay <= 0:
            slot.delay = max(self.crawl_delay, 0.001)
        slot.lastseen = max(slot.lastseen, time.monotonic() + seconds - slot.delay)

    def _record(self) -> None:
        self.stats.set_value("portalcrawl/crawl_delay", self.crawl_delay)
        self.stats.set_value(
            "portalcrawl/request_spacing", max(self.spacing_floor, self.download_delay)
        )
