"""Credentials in notifier URLs never reach logs, `status` or errors: find and mask them."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

JSONL_SCHEME = "jsonl://"
MASK = "****"
_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key|auth|sig", re.IGNORECASE)
_USERINFO_PASSWORD = re.compile(r"(://[^/\s:@]*:)[^/\s@]+@")


@cache
def apprise_asset() -> Any:
    """Apprise's settings for our senders; Apprise itself is imported on first use (a tenth of
    a second that a run without notifier channels does not pay). A send runs in the calling
    thread (no async mode, no service_timeout, which would hand it to Apprise's own threads),
    so its log records can be told apart from another channel's; the socket time-outs (rto,
    cto) and monitor.notify.delivery bound it."""
    import apprise

    return apprise.AppriseAsset(
        app_id="portalcrawl",
        storage_mode=apprise.PersistentStoreMode.MEMORY,
        async_mode=False,
        service_timeout=0,
    )


class Captured(logging.Handler):
    """Apprise's records from one thread: warnings for our one-line report, its debug-level
    "Socket Exception" lines to tell a time-out or a refused login from a connection error."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.records.append(record)

    def last_warning(self, default: str) -> str:
        lines = [
            r.getMessage().strip()
            for r in self.records
            if r.levelno >= logging.WARNING and r.getMessage().strip()
        ]
        return lines[-1] if lines else default

    def exceptions(self) -> list[str]:
        """The exceptions Apprise caught and only logged (at debug level)."""
        prefix = "Socket Exception:"
        return [
            r.getMessage()[len(prefix) :].strip()
            for r in self.records
            if r.getMessage().startswith(prefix)
        ]


_capturing = threading.Lock()
_captures: list[Captured] = []
_saved: dict[str, Any] = {}


@contextmanager
def apprise_log() -> Iterator[Captured]:
    """Apprise's log captured for our own (masked, one-line) report, not printed. Channels send
    from several threads at once: the logger is switched to debug, unpropagated, while any
    capture is open, and each capture keeps only its own thread's records."""
    import apprise  # noqa: F401 - its logger, set up

    apprise_logger = logging.getLogger("apprise")
    captured = Captured()
    with _capturing:
        if not _captures:
            _saved.update(propagate=apprise_logger.propagate, level=apprise_logger.level)
            apprise_logger.propagate = False
            apprise_logger.setLevel(logging.DEBUG)
        _captures.append(captured)
        apprise_logger.addHandler(captured)
    try:
        yield captured
    finally:
        with _capturing:
            apprise_logger.removeHandler(captured)
            _captures.remove(captured)
            if not _captures:
                apprise_logger.propagate = _saved["propagate"]
                apprise_logger.setLevel(_saved["level"])


def _secrets(url: str) -> set[str]:
    """Parts of a notifier URL that are credentials: password, key-like values, tokens."""
    if url.startswith(JSONL_SCHEME):
        return set()
    try:
        parts = urlsplit(url)
    except ValueError:  # "json://u:pw@[::1": no part can be told apart, so all of it is hidden
        return {url.partition("://")[2]}
    userinfo, _, hostport = parts.netloc.rpartition("@")
    found = {userinfo.partition(":")[2]} if ":" in userinfo else set()
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if value and (key.startswith(("+", "%2B", "%2b")) or _SECRET_KEY.search(key)):
            found.add(value)
    with apprise_log():
        import apprise

        plugin = apprise.Apprise.instantiate(url, asset=apprise_asset())
    if plugin is not None:
        shown = set(re.split(r"[/:@?&=#,]+", plugin.url(privacy=True)))
        port = hostport.rpartition(":")[2]
        for token in re.split(r"[/:@,]+", parts.netloc + parts.path):
            if token and token not in shown and not (token == port and port.isdigit()):
                found.add(token)
    return found | {unquote(s) for s in found}


def mask_secrets(text: str, urls: Iterable[str]) -> str:
    """The text with every credential of these URLs (and any URL password) replaced by ****."""
    secrets: set[str] = set()
    for url in urls:
        secrets |= _secrets(url)
    for secret in sorted((s for s in secrets if len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _USERINFO_PASSWORD.sub(rf"\g<1>{MASK}@", text)


def mask_url(url: str) -> str:
    """The URL as logs, errors and `status` may show it."""
    return mask_secrets(url, [url])
