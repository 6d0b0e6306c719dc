"""A real small filesystem for disk-full tests: a tmpfs of a given size, mounted for the test
(skipped where mounting is not allowed), and a filler file that leaves only so many bytes."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs(path: Path, size: int) -> Iterator[Path]:
    """`path` as a fresh tmpfs of `size` bytes for the duration."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def resize(path: Path, size: int) -> None:
    """Grow (or shrink) the tmpfs at `path`: space comes back, nothing on it moves."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def fill(path: Path, leave: int = 0) -> Path:
    """A filler file on path's filesystem that leaves about `leave` bytes free."""
    filler = path / "filler"
    free = shutil.disk_usage(path).free - leave
    with open(filler, "ab") as out:
        chunk = b"\0" * 65536
        while free > 0:
            try:
                free -= out.write(chunk[: min(len(chunk), free)])
                out.flush()
            except OSError:
                break
        os.fsync(out.fileno())
    return filler
