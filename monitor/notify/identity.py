"""Names of `--notify` channels: one per full URL, secrets included, with no secret in the name.

A channel's name is its key in the store (deliveries, channel_state) and shows in `status` and
the log, so it must tell apart two URLs that differ only in a token or password (two tenants of
one webhook) and yet give nothing of the secret away. It is an HMAC of the whole URL under a
random key kept in a file beside the store (mode 0600, made on first use): the name is stable
for a given store, and without that file a short password cannot be guessed back from it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from monitor.config import ConfigError
from monitor.notify.masking import mask_url

logger = logging.getLogger(__name__)

KEY_SUFFIX = ".channel-key"
_KEY_BYTES = 32


def key_path(db: str | os.PathLike) -> Path:
    """`portal.sqlite3.channel-key` beside `portal.sqlite3`."""
    path = Path(db)
    return path.with_name(path.name + KEY_SUFFIX)


def channel_key(db: str | os.PathLike) -> bytes:
    """The store's naming key: read, or made once (two processes racing keep the first)."""
    path = key_path(db)
    try:
        return _read_or_make(path)
    except OSError as exc:
        raise ConfigError(f"channel key {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise ConfigError(f"{path} is not a channel key (move it away to make one)") from None


def _read_or_make(path: Path) -> bytes:
    if not path.exists():
        _make(path)
    text = path.read_text(encoding="ascii").strip()
    if len(text) != 2 * _KEY_BYTES:
        raise ValueError(path)
    return bytes.fromhex(text)


def _make(path: Path) -> None:
    """Written aside, then linked into place: the key file is whole or absent, and a process
    that loses the race uses the winner's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(_KEY_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(aside, path)
        logger.info("made the channel naming key %s", path)
    except FileExistsError:
        pass
    finally:
        aside.unlink(missing_ok=True)


def adhoc_name(url: str, key: bytes) -> str:
    """`notify-<10 hex digits>`: the same URL, the same name, for this store."""
    return "notify-" + hmac.new(key, url.encode(), hashlib.sha256).hexdigest()[:10]


def legacy_name(url: str) -> str:
    """The name releases before this one gave the URL (a hash of the masked URL, so URLs that
    differed only in a secret shared it): its channel_state row is carried over on first use."""
    return "notify-" + hashlib.sha256(mask_url(url).encode()).hexdigest()[:10]
