"""Every file a command writes (`--out`, exports, feeds, archives, site pages) goes through
open_output, so one rule holds for all of them:

- '-' is standard output;
- a symlink is followed: its target is written, the link stays;
- a character device (/dev/null, /dev/full, a terminal) or a FIFO is written through, never
  replaced by a regular file;
- a regular file is replaced only when the new one is complete (a temporary file beside it,
  fsynced, renamed over it), keeping the old file's permissions; a failed write leaves it as it
  was and no temporary file behind;
- an SQLite database (a store) and the -wal / -shm / -journal files beside one are refused, and
  so are directories, block devices and sockets: an export aimed at the store by mistake never
  turns the archive into a CSV.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

STDOUT = "-"
SQLITE_HEADER = b"SQLite format 3\x00"
STORE_SIDE_FILES = ("-wal", "-shm", "-journal")


class OutputError(Exception):
    """A target that must not be written, said in one line."""


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_output(out: str | os.PathLike[str]) -> Path:
    """The real path `out` writes to (symlinks followed), or OutputError saying why not."""
    real = Path(os.path.realpath(out))
    for suffix in STORE_SIDE_FILES:
        if real.name.endswith(suffix) and _is_sqlite(real.with_name(real.name[: -len(suffix)])):
            raise OutputError(f"{out} belongs to the SQLite store beside it: not overwritten")
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror}") from None
    if stat.S_ISREG(mode):
        if _is_sqlite(real):
            raise OutputError(f"{out} is an SQLite store: not overwritten")
    elif not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file, device or FIFO"
        raise OutputError(f"cannot write {out}: {kind}")
    return real


@contextmanager
def open_output(
    out: str | os.PathLike[str],
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """A stream for `out` under the rules above (text, or bytes with binary=True)."""
    if str(out) == STDOUT:
        stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    real = check_output(out)
    text = {} if binary else {"encoding": encoding, "newline": newline}
    mode = "wb" if binary else "w"
    try:
        existing = real.stat().st_mode
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing):
        with open(real, mode, **text) as stream:  # device or FIFO: written through
            yield stream
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        with os.fdopen(fd, mode, **text) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, stat.S_IMODE(existing) if existing is not None else 0o666 & ~_umask())
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
