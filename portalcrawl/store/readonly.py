"""Opening a store only to read it, without writing anything beside it.

A WAL database opened `mode=ro` still creates its `-wal` and `-shm` files when they are
missing (so a read in a read-only directory fails with "unable to open database file", and a
read as root leaves root-owned files the crawl cannot write), and leaves them behind. So:

- a store with a `-wal` beside it is in use (or a writer left it): read through it, `mode=ro`;
  nothing is created, the files are there already;
- a store without one has no connection open: with `untouched`, read it `immutable=1`, which
  creates nothing. A crawl that starts during such a read and checkpoints before it ends could
  give it a mixed view: the read commands are short and accept that; the crawl's own reads do
  not ask for `untouched`;
- when the `mode=ro` open fails and the directory is not writable, the store is read
  `immutable=1` as it is on disk, without what its `-wal` holds; the caller is told in a note.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def _connect(path: Path, flags: str, timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def connect_readonly(
    path: Path, timeout: float, *, untouched: bool = False
) -> tuple[sqlite3.Connection, str | None]:
    """A read-only connection to the store at `path`, and a note to show when it is read as
    it is on disk because its directory is not writable (else None)."""
    directory = path.resolve().parent
    writable = os.access(directory, os.W_OK)
    in_use = Path(f"{path}-wal").exists()
    if untouched and not in_use:
        note = None if writable else f"{directory} is not writable: {path} read as it is on disk"
        return _connect(path, "mode=ro&immutable=1", timeout), note
    try:
        return _connect(path, "mode=ro", timeout), None
    except sqlite3.OperationalError:
        if writable:
            raise
    note = f"{directory} is not writable: {path} read as it is on disk" + (
        ", without the changes its -wal file still holds" if in_use else ""
    )
    return _connect(path, "mode=ro&immutable=1", timeout), note
