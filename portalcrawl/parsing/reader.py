"""Article pages read by a helper process, so that a crawl uses a second core.

The crawl's own process is busy with Scrapy (HTTP, scheduling), the pipelines and the store;
reading an article page (parse, extract, load) is pure work on its text and took as long again.
Building the exchange's WARC records is too: they come back with the reading, and the store's
pipeline only appends them when the page makes a stored change (0.45-0.55 ms a page off the
crawl's own process, of the 5 ms it spends on an article). The crawler's extension
(portalcrawl/reading.py) forks one helper when the crawler is built;
the spider sends it each article page and awaits the reading, in the order sent. Without a
helper (switched off, no fork, a reactor that is not asyncio's) or once it is gone, pages are
read in process: the same function, the same result.

Hand-written rather than a ProcessPoolExecutor, for a measured reason (benchmarks/readerbench.py,
1,500 pages of the local copy's mix, 8 in flight, best of 5): the crawl's own process spends
0.10 ms of CPU a page on the helper's pipes against 0.21 ms on a one-worker pool's (its queue
thread, call items, futures), on the core that is the crawl's bottleneck; wall time was within
noise either way (pool / helper 0.97x; 0.34 against 0.80 ms before pages went as bytes).

Protocol: length-prefixed pickles over two pipes. The helper reads tasks and writes readings,
blocking; the crawl writes without blocking (buffered, flushed when the pipe drains) and reads
readings when the event loop says they are there. The helper exits when its task pipe closes,
which the kernel does for us if the crawl dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import struct
import sys
from dataclasses import dataclass
from typing import Any

from w3lib.encoding import html_to_unicode

from portalcrawl import lifetime
from portalcrawl.archive.warc import Capture, RecordPair, record_pair
from portalcrawl.parsing.article import is_not_found, parse_article
from portalcrawl.parsing.derived import Derived, derive
from portalcrawl.parsing.flatten import parse_page
from portalcrawl.parsing.loaders import article_item
from portalcrawl.site.profile import Profile
from portalcrawl.site.urls import article_key

logger = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux fcntl: a bigger pipe means fewer wake-ups
# The crawl's own process is the crawl's bottleneck: where cores are short, the helper yields
# to it rather than share its core. A full crawl of 2,000 articles on 2 cores (benchmarks/
# bench.py's comparison, 3 runs each): 1.39-1.45x the floor's wall time before, 1.21-1.30x.
NICENESS = 10


@dataclass(frozen=True)
class Reading:
    """What an article page holds, as the spider needs it."""

    not_found: bool = False
    asset_id: int | None = None  # None: no article on the page
    extraction: str | None = None
    item: dict[str, Any] | None = None  # the loaded ArticleItem's fields
    derived: Derived | None = None  # its content hash and search text, worked out here
    pair: RecordPair | None = None  # the exchange's WARC records, when it was given and is one


def read_page(
    text: str,
    url: str,
    profile: Profile,
    base: str,
    section: str | None,
    listing_date: str | None,
    key: str | None,
    capture: Capture | None = None,
) -> Reading:
    """One page: Liferay's not-found portlet, no article, or the loaded article item (with the
    exchange's WARC records built from `capture`, for the archive should it make a change)."""
    sel, flattened = parse_page(text)
    if is_not_found(sel, profile):
        return Reading(not_found=True)
    raw = parse_article(sel, url, profile, base)
    if raw is None:
        return Reading()
    # Every URL the page came by or names: each says who it is (checked by store/identity.py).
    routes = profile.routes
    keys = [key, article_key(url, routes), article_key(raw.canonical, routes), f"id:{raw.asset_id}"]
    item = article_item(
        raw,
        section=section,
        listing_date=listing_date,
        url_keys=[k for k in keys if k],
        fetched_url=url,
    )
    fields = dict(item)
    if flattened:
        fields["capped"] = ["depth", *fields.get("capped", ())]
    return Reading(
        asset_id=raw.asset_id,
        extraction=raw.extraction,
        item=fields,
        derived=derive(fields),
        pair=_records(capture) if capture is not None else None,
    )


def page_text(body: bytes, encoding: str) -> str:
    """A response's body as Scrapy's `TextResponse.text` decodes it, given the response's
    `encoding`: done where the page is read, so the crawl's process neither decodes the page nor
    sends it twice (as text and, in its Capture, as bytes). Frames are half the size, and the
    crawl's process spends 7.6 µs a page on one instead of 17.6 µs (the local copy's 9 KB pages)."""
    return html_to_unicode(f"charset={encoding}", body)[1]


def _records(capture: Capture) -> RecordPair | None:
    """The exchange's WARC records, or None where warcio cannot write its headers (a non-ASCII
    value it cannot %-encode): the page is still read, and the archive says why it has no
    record of it (the store's pipeline tries again and counts the error)."""
    try:
        return record_pair(capture)
    except ValueError:
        return None


class HelperGone(Exception):
    """No helper to ask (it died, or no asyncio loop runs): read in process from now on."""


class ReadError(Exception):
    """Reading the page raised in the helper: the spider sees it as it would in process."""


class Helper:
    """The forked helper process and the crawl's end of its pipes."""

    def __init__(self, pid: int, tasks: int, readings: int, profile: str, base: str) -> None:
        self.pid = pid
        self.profile = profile
        self.base = base
        self.tasks = tasks
        self.readings = readings
        self.pending: dict[int, asyncio.Future[Reading]] = {}
        self.next_id = 0
        self.out = bytearray()
        self.inbox = bytearray()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.writing = False
        self.gone = False

    @classmethod
    def start(cls, profile: Profile, base: str) -> Helper | None:
        """Fork the helper (before Scrapy starts threads); None where that cannot be done."""
        if not hasattr(os, "fork"):
            return None
        task_r, task_w = os.pipe()
        read_r, read_w = os.pipe()
        for fd in (task_w, read_w):
            with contextlib.suppress(OSError, AttributeError):
                import fcntl

                fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the helper
            code = 0
            try:
                os.close(task_w)
                os.close(read_r)
                _serve(task_r, read_w, profile, base)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(read_w)
        os.set_blocking(task_w, False)
        os.set_blocking(read_r, False)
        return cls(pid, task_w, read_r, profile.name, base)

    def read(self, *args: Any) -> asyncio.Future[Reading]:
        """Send a page (read_page's arguments after the profile's); its reading, later."""
        if self.gone:
            raise HelperGone
        if self.loop is None:
            try:
                self.loop = asyncio.get_running_loop()
            except RuntimeError:  # a reactor that is not asyncio's
                self.close()
                raise HelperGone from None
            self.loop.add_reader(self.readings, self._receive)
        self.next_id += 1
        future: asyncio.Future[Reading] = self.loop.create_future()
        self.pending[self.next_id] = future
        frame = pickle.dumps((self.next_id, args), protocol=pickle.HIGHEST_PROTOCOL)
        self.out += _HEADER.pack(len(frame)) + frame
        self._flush()
        return future

    def _flush(self) -> None:
        while self.out:
            try:
                sent = os.write(self.tasks, self.out)
            except BlockingIOError:
                break
            except OSError:
                self._fail()
                return
            del self.out[:sent]
        if self.out and not self.writing and self.loop is not None:
            self.loop.add_writer(self.tasks, self._flush)
            self.writing = True
        elif not self.out and self.writing and self.loop is not None:
            self.loop.remove_writer(self.tasks)
            self.writing = False

    def _receive(self) -> None:
        while True:
            try:
                chunk = os.read(self.readings, 1 << 20)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self._fail()
                return
            self.inbox += chunk
        while len(self.inbox) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.inbox)
            if len(self.inbox) < _HEADER.size + size:
                break
            task_id, ok, value = pickle.loads(self.inbox[_HEADER.size : _HEADER.size + size])
            del self.inbox[: _HEADER.size + size]
            future = self.pending.pop(task_id, None)
            if future is None or future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(ReadError(value))

    def _fail(self) -> None:
        """The helper died: every page still waiting is read in process instead."""
        if self.gone:
            return
        logger.warning("page reader process gone: reading pages in the crawl process")
        self.gone = True
        if self.loop is not None:
            self.loop.remove_reader(self.readings)
            if self.writing:
                self.loop.remove_writer(self.tasks)
        for future in self.pending.values():
            if not future.done():
                future.set_exception(HelperGone())
        self.pending.clear()

    def close(self) -> None:
        """Close the task pipe (the helper exits) and reap it."""
        if self.loop is not None and not self.gone:
            with contextlib.suppress(Exception):
                self.loop.remove_reader(self.readings)
                if self.writing:
                    self.loop.remove_writer(self.tasks)
        self.gone = True
        for fd in (self.tasks, self.readings):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)


def _serve(tasks: int, readings: int, profile: Profile, base: str) -> None:
    """The helper's loop: a task in, its reading out, until the task pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the crawl, which closes us
    lifetime.die_with_parent(signal.SIGKILL, os.getppid())  # a killed crawl leaves no helper
    os.nice(NICENESS)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # hold no pipe of the monitor's open
        os.dup2(devnull, fd)
    with os.fdopen(tasks, "rb") as inbox, os.fdopen(readings, "wb") as outbox:
        while True:
            header = inbox.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return
            task_id, args = pickle.loads(inbox.read(_HEADER.unpack(header)[0]))
            try:
                text = page_text(args[0], args[1])
                reply = (task_id, True, read_page(text, args[2], profile, base, *args[3:]))
            except Exception as exc:
                reply = (task_id, False, f"{type(exc).__name__}: {exc}")
            frame = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
            outbox.write(_HEADER.pack(len(frame)) + frame)
            outbox.flush()


class PageReader:
    """The spider's way to read article pages: through the helper when there is one.

    The crawler owns the one with a helper (portalcrawl/reading.py: forked as the crawler builds
    its extensions, before the reactor starts its threads and before any store write: a clean
    moment to fork), closed on spider_closed.
    """

    def __init__(self, profile: Profile, base: str, helper: Helper | None = None) -> None:
        self.profile = profile
        self.base = base
        self.helper = helper

    @classmethod
    def start(cls, profile: Profile, base: str) -> PageReader:
        """A reader with its helper process, forked now (none where fork does not exist)."""
        return cls(profile, base, Helper.start(profile, base))

    def close(self) -> None:
        """The helper, if any, exits and is reaped; pages are read in process from now on."""
        if self.helper is not None:
            self.helper.close()
            self.helper = None

    async def read(
        self,
        body: bytes,
        encoding: str,
        url: str,
        section: str | None,
        listing_date: str | None,
        key: str | None,
        capture: Capture | None = None,
    ) -> Reading:
        """The page's reading, from its body and its response's encoding (see page_text).
        The capture's body is the same bytes object: pickled once, the frame holds it once."""
        if self.helper is not None:
            try:
                return await self.helper.read(
                    body, encoding, url, section, listing_date, key, capture
                )
            except HelperGone:
                self.helper = None
        text = page_text(body, encoding)
        return read_page(text, url, self.profile, self.base, section, listing_date, key, capture)
