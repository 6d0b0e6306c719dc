"""Handing messages to a channel: Apprise URLs and jsonl files, with the three outcomes.

A send is delivered (returns), refused (DeliveryError: the channel is down or rejects it) or
unanswered (NoAnswer: the message went out but no answer came within the channel's time-out,
so it may have arrived). Apprise only logs what went wrong, so the outcome and a useful reason
(a refused login is not a connection error) are read from the exception it logged.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from monitor.notify.channels import Channel
from monitor.notify.masking import apprise_asset, apprise_log
from monitor.notify.messages import digest_message
from portalcrawl.text.shown import json_escaped

logger = logging.getLogger(__name__)

WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})  # headers as `+Name=value` too
REDELIVERY_HEADER = "X-Portalcrawl-Redelivery"
_NOT_IN_JSONL = frozenset({"id", "delivery_id", "attempts", "delivery_status"})
_SMTP_REPLY = re.compile(r"^\((\d{3}), b?['\"](.*)['\"]\)$", re.S)
_SMTP_AUTH_CODES = frozenset({"530", "534", "535", "538"})
_AUTH_PROBLEM = re.compile(r"SMTP AUTH extension|authentication method|authentication failed", re.I)


class DeliveryError(Exception):
    """A channel refused or could not take a message."""


class NoAnswer(Exception):
    """The message went out, but no answer came in time: it may have been delivered."""


def idempotency_key(channel: str, notice_ids: Sequence[int]) -> str:
    """Same notices to the same channel, same key: a receiver can drop a repeat."""
    return f"portalcrawl:{channel}:{','.join(str(i) for i in notice_ids)}"


def _with_extras(url: str, extras: Mapping[str, str]) -> str:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in extras.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _failure(captured: Any, timeout: float, default: str) -> Exception:
    """What Apprise's logged exception means: no answer, a refused login, or a failure."""
    problems = captured.exceptions()
    detail = problems[-1] if problems else ""
    lowered = detail.lower()
    if "connect timeout" in lowered or "connecttimeout" in lowered:
        return DeliveryError(f"could not connect within {timeout:g} s")
    if "timed out" in lowered:
        return NoAnswer(f"no answer within {timeout:g} s: it may have been delivered")
    reply = _SMTP_REPLY.match(detail)
    if reply and reply.group(1) in _SMTP_AUTH_CODES:
        return DeliveryError(f"authentication failed: {reply.group(1)} {reply.group(2)}")
    if _AUTH_PROBLEM.search(detail) and not reply:
        return DeliveryError(f"authentication failed: {detail}")
    return DeliveryError(captured.last_warning(default))


def apprise_send(
    channel: Channel, notices: Sequence[Mapping[str, Any]], repeat: bool = False
) -> None:
    """One message through Apprise, within the channel's time-out (Apprise's rto/cto unless
    the URL sets them). Webhooks carry the notice ids, the idempotency key (body and header)
    and, on a resend that may repeat an earlier one, a `repeat` field and a header; emails the
    same headers."""
    ids = [int(n["id"]) for n in notices]
    url = channel.url
    query = dict(parse_qsl(urlsplit(url).query))
    extras = {k: f"{channel.timeout:g}" for k in ("rto", "cto") if k not in query}
    scheme = urlsplit(url).scheme.lower()
    key = idempotency_key(channel.name, ids)
    if scheme in WEBHOOK_SCHEMES:
        extras |= {
            ":notice_ids": ",".join(map(str, ids)),
            ":idempotency_key": key,
            ":kind": notices[0]["kind"] if len(notices) == 1 else "digest",
        }
        if repeat:
            extras[":repeat"] = "true"
    if scheme in WEBHOOK_SCHEMES | EMAIL_SCHEMES:
        extras["+Idempotency-Key"] = key
        if repeat:
            extras[f"+{REDELIVERY_HEADER}"] = "1"
    url = _with_extras(url, extras)
    message = digest_message(notices)
    with apprise_log() as captured:
        import apprise

        sender = apprise.Apprise(asset=apprise_asset())
        if not sender.add(url):
            raise DeliveryError(captured.last_warning("Apprise cannot use this URL"))
        use_html = sender[0].resolve_format(None) == apprise.NotifyFormat.HTML
        ok = sender.notify(
            title=message.title,
            body=message.html if use_html else message.text,
            body_format=apprise.NotifyFormat.HTML if use_html else apprise.NotifyFormat.TEXT,
        )
        if not ok:
            raise _failure(captured, channel.timeout, "notification failed")


@contextlib.contextmanager
def _appending(path: Path) -> Iterator[int]:
    """The file open for appending, locked against other writers (another channel on the same
    file, another process), and rolled back to where the append began if it fails: a full
    disk leaves no partial line behind. A FIFO or a device (jsonl:///dev/stdout) is written
    through as it is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            yield fd
        finally:
            os.close(fd)
        return
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        start = os.lseek(fd, 0, os.SEEK_END)
        start = _cut_torn_line(fd, path, start)
        try:
            yield fd
            os.fsync(fd)
        except BaseException:
            os.ftruncate(fd, start)
            with contextlib.suppress(OSError):
                os.fsync(fd)
            raise
    finally:
        os.close(fd)


def _cut_torn_line(fd: int, path: Path, size: int) -> int:
    """A last line without its newline (a writer killed mid-line) is cut off: it could never
    be read, and the notice it began is written whole again."""
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    end = size
    while end > 0:
        chunk = os.pread(fd, min(65536, end), max(0, end - 65536))
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            end = end - len(chunk) + cut + 1
            break
        end -= len(chunk)
    os.ftruncate(fd, end)
    logger.warning("%s: cut a torn last line (%d bytes)", path, size - end)
    return end


def _keys_in(path: Path) -> set[str]:
    """Idempotency keys of the lines already in the file."""
    keys = set()
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                keys.add(json.loads(line)["idempotency_key"])
            except (ValueError, KeyError, TypeError):
                continue
    return keys


def jsonl_send(
    path: Path, channel: Channel, notices: Sequence[Mapping[str, Any]], repeat: bool = False
) -> None:
    """One line per notice, all or none, bidi controls as `\\u` escapes (the same JSON value:
    a `tail -f` of the file cannot be reordered by a hostile title). On a resend (`repeat`: an
    earlier attempt may have written them before its outcome was recorded) the lines already
    in the file are skipped."""
    with _appending(path) as fd:
        present = _keys_in(path) if repeat and path.is_file() else set()
        lines = []
        for notice in notices:
            key = idempotency_key(channel.name, [notice["id"]])
            if key in present:
                continue
            line = {
                "notice_id": notice["id"],
                "idempotency_key": key,
                "channel": channel.name,
                **{k: v for k, v in notice.items() if k not in _NOT_IN_JSONL},
                "fields": json.loads(notice["fields"] or "[]"),
            }
            lines.append(json_escaped(json.dumps(line, ensure_ascii=False)) + "\n")
        data = "".join(lines).encode("utf-8")
        while data:
            data = data[os.write(fd, data) :]


def send(channel: Channel, notices: Sequence[Mapping[str, Any]], repeat: bool = False) -> None:
    """Hand notices to the channel (one message, or one jsonl line each); raise on failure."""
    if channel.jsonl_path is not None:
        jsonl_send(channel.jsonl_path, channel, notices, repeat)
    else:
        apprise_send(channel, notices, repeat)
