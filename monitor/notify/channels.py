"""Channels: where notices go (Apprise URLs, jsonl files), what each keeps, what each is called.

A [[channels]] entry is known by its name; a `--notify URL` by a keyed hash of the whole URL
(monitor.notify.identity), so URLs differing only in a secret are channels of their own.
Every URL is checked before a crawl starts: a bad one is one line, its secrets masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from monitor.config import KINDS, MAX_CHANNEL_TIMEOUT, ChannelConfig, ConfigError
from monitor.notify.identity import adhoc_name, legacy_name
from monitor.notify.masking import JSONL_SCHEME, apprise_asset, apprise_log, mask_secrets, mask_url
from portalcrawl.text.normalise import fold

DEFAULT_TIMEOUT = 30.0  # seconds for one message: a webhook answering after 20 s is delivered


def url_timeout(url: str) -> float | None:
    """The read time-out (Apprise's `rto`, seconds) the URL itself sets; None if it sets none,
    or none that can be used (validate_channel_url refuses those)."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "rto":
            try:
                seconds = float(value)
            except ValueError:
                return None
            return seconds if 0 < seconds <= MAX_CHANNEL_TIMEOUT else None
    return None


@dataclass(frozen=True)
class Channel:
    name: str
    url: str
    sections: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    kinds: tuple[str, ...] = KINDS
    digest: bool = False
    timeout: float = DEFAULT_TIMEOUT  # seconds one message may take; then its outcome is unknown
    formerly: str | None = None  # the name an older release gave it: its place is carried over

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
            config.timeout_seconds or url_timeout(config.url) or DEFAULT_TIMEOUT,
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
    try:
        urlsplit(url)
    except ValueError as exc:  # "json://[::1": no masking can read it either, so not shown
        raise ConfigError(f"bad notifier URL {url.partition(':')[0]}://...: {exc}") from None
    if url.startswith(JSONL_SCHEME):
        if not url[len(JSONL_SCHEME) :].strip():
            raise ConfigError(f"bad notifier URL {url!r}: jsonl:// needs a file path")
        return url
    if "rto" in dict(parse_qsl(urlsplit(url).query)) and url_timeout(url) is None:
        raise ConfigError(
            f"bad notifier URL {mask_url(url)!r}: rto must be seconds between 0 and "
            f"{MAX_CHANNEL_TIMEOUT:g}"
        )
    with apprise_log() as captured:
        import apprise

        ok = apprise.Apprise(asset=apprise_asset()).add(url)
    if not ok:
        reason = mask_secrets(captured.last_warning("not a URL Apprise can use"), [url])
        raise ConfigError(f"bad notifier URL {mask_url(url)!r}: {reason}")
    return url


def build_channels(
    configs: Iterable[ChannelConfig],
    notify: Iterable[str] = (),
    key: Callable[[], bytes] | None = None,
) -> list[Channel]:
    """Config channels plus ad-hoc `--notify URL` ones, named by a keyed hash of the whole URL
    (identity.adhoc_name; `key` gives the store's identity.channel_key, asked for only once
    every URL is known good) so a URL given again in a later run picks up its own held-back
    notices, and URLs that differ only in a secret are two channels."""
    channels = [Channel.from_config(c) for c in configs]
    urls = [validate_channel_url(url) for url in dict.fromkeys(notify)]
    if urls and key is None:
        raise ValueError("--notify channels are named with the store's channel key")
    secret = key() if key and urls else b""
    for url in urls:
        timeout = url_timeout(url) or DEFAULT_TIMEOUT
        name = adhoc_name(url, secret)
        channels.append(Channel(name, url, timeout=timeout, formerly=legacy_name(url)))
    return channels
