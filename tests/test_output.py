"""`--out` of every writer (export, feed, datasette-metadata) through the real CLI process:
never over the store or its -wal/-shm, written through to devices and FIFOs, symlinks followed,
regular files replaced whole."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest

from tests.clirun import monitor_cli
from tests.faultkit import one_error_line
from tests.storefactory import article, build_store

WRITERS = {
    "export": ("export", "--format", "csv"),
    "feed": ("feed",),
    "datasette-metadata": ("datasette-metadata",),
}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = build_store(tmp_path / "portal.sqlite3", [article(1, "Giá lúa ổn định", "Giá lúa.")])
    for suffix in ("-wal", "-shm"):  # a reader may have left them; they are the store's too
        Path(f"{db}{suffix}").write_bytes(b"")
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(writer: str, db: Path, out: str | Path):
    return monitor_cli(*WRITERS[writer], "--db", str(db), "--out", str(out), timeout=60)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("target", ["", "-wal", "-shm", "link"])
def test_a_writer_never_overwrites_the_store(store: Path, writer: str, target: str) -> None:
    before = {p.name: digest(p) for p in store.parent.iterdir()}
    out: Path = Path(f"{store}{target}")
    if target == "link":
        out = store.parent / "export.csv"
        out.symlink_to(store)
    result = write(writer, store, out)
    assert result.returncode == 1
    assert "store" in one_error_line(result.stderr)
    if target == "link":
        assert out.is_symlink()
        out.unlink()
    assert {p.name: digest(p) for p in store.parent.iterdir()} == before


def test_another_sqlite_database_is_not_overwritten_either(store: Path, tmp_path: Path) -> None:
    other = build_store(tmp_path / "other.db", [article(2, "Bài khác", "Nội dung.")])
    before = digest(other)
    assert write("export", store, other).returncode == 1
    assert digest(other) == before


@pytest.mark.parametrize("writer", WRITERS)
def test_a_character_device_is_written_through(store: Path, writer: str) -> None:
    assert write(writer, store, "/dev/null").returncode == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    result = write(writer, store, "/dev/full")
    assert result.returncode == 1
    assert "No space left" in one_error_line(result.stderr)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_fifo_is_written_through(store: Path, tmp_path: Path, writer: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = write(writer, store, fifo)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and len(received[0]) > 10


@pytest.mark.parametrize("writer", WRITERS)
def test_a_symlink_is_followed_and_kept(store: Path, tmp_path: Path, writer: str) -> None:
    target = tmp_path / "real" / "out.txt"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "out-link"
    link.symlink_to(target)
    result = write(writer, store, link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text(encoding="utf-8-sig") != "old"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]


def test_a_directory_is_refused_in_one_line(store: Path, tmp_path: Path) -> None:
    result = write("export", store, tmp_path)
    assert result.returncode == 1
    assert "directory" in one_error_line(result.stderr)
