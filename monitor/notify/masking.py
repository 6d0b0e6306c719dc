"""Credentials in notifier URLs never reach logs, `status` or errors: find and mask them."""

from __future__ import annotations

import io
import logging
import re
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
    a second that a run without notifier channels does not pay)."""
    import apprise

    return apprise.AppriseAsset(
        app_id="portalcrawl", storage_mode=apprise.PersistentStoreMode.MEMORY
    )


@contextmanager
def apprise_log() -> Iterator[io.StringIO]:
    """Apprise's warnings captured for our own (masked, one-line) report, not printed."""
    import apprise

    apprise_logger = logging.getLogger("apprise")
    propagate, apprise_logger.propagate = apprise_logger.propagate, False
    try:
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            yield captured
    finally:
        apprise_logger.propagate = propagate


def last_line(captured: io.StringIO, default: str) -> str:
    lines = [ln.strip() for ln in captured.getvalue().splitlines() if ln.strip()]
    return lines[-1] if lines else default


def _secrets(url: str) -> set[str]:
    """Parts of a notifier URL that are credentials: password, key-like values, tokens."""
    if url.startswith(JSONL_SCHEME):
        return set()
    parts = urlsplit(url)
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
