"""Read commands write nothing beside the store: no -wal/-shm appears, the file is unchanged,
and a store in a directory that is not writable is read (with a one-line note)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from portalcrawl.store.database import Store
from tests.clirun import ROOT, run_main

READS = [
    ("status",),
    ("search", "x"),
    ("history", "5"),
    ("export", "--format", "csv", "--out", "-"),
    ("notices",),
    ("feed", "--out", "-"),
    ("archive", "verify"),
]
NOBODY = 65534


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PORTALCRAWL_CONFIG", raising=False)
    monkeypatch.setenv("PORTALCRAWL_URL", "http://127.0.0.1:9")
    path = tmp_path / "store" / "portal.sqlite3"
    Store(path).close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["portal.sqlite3"]
    return path


def test_reads_of_a_closed_store_create_nothing_and_change_nothing(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    before = digest(store)
    for args in READS:
        code, _, err = run_main(monkeypatch, capsys, *args, "--db", str(store))
        assert code in (0, 1) and "Traceback" not in err and "note:" not in err, (args, err)
        assert sorted(p.name for p in store.parent.iterdir()) == ["portal.sqlite3"], args
    assert digest(store) == before


def test_reads_of_a_store_in_use_go_through_its_wal(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A writer has it open (a crawl): the reader sees its committed rows, creates nothing."""
    writer = sqlite3.connect(store)
    try:
        writer.execute("INSERT INTO meta(key, value) VALUES ('probe', 'committed')")
        writer.commit()
        files = sorted(p.name for p in store.parent.iterdir())
        assert "portal.sqlite3-wal" in files
        with Store(store, readonly=True, untouched=True) as reader:
            row = reader.db.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()
        assert row == ("committed",) and reader.note is None
        code, _, err = run_main(monkeypatch, capsys, "status", "--db", str(store))
        assert code == 0, err
        assert sorted(p.name for p in store.parent.iterdir()) == files
    finally:
        writer.close()


def _read_only_directory_reads(store: Path, as_nobody: bool) -> list[tuple[int, str]]:
    """Each read command on `store` whose directory is mode 0555: as this user, or as nobody."""
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTALCRAWL_URL": "http://127.0.0.1:9"}
    env.pop("PORTALCRAWL_CONFIG", None)
    results = []
    for args in READS[:3]:
        cmd = [*prefix] if as_nobody else []
        cmd += [sys.executable, "-m", "monitor", *args, "--db", str(store)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        results.append((done.returncode, done.stderr))
    return results


def test_a_store_in_a_read_only_directory_is_read_with_a_note(tmp_path: Path) -> None:
    """Root writes anywhere, so as root the commands run as nobody (setpriv)."""
    as_nobody = os.geteuid() == 0
    if as_nobody and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: a read-only directory stops nothing")
    top = Path(tempfile.mkdtemp(prefix="portalcrawl-ro-"))  # tmp_path: 0700, nobody can't enter
    try:
        top.chmod(0o755)
        store = top / "store" / "portal.sqlite3"
        Store(store).close()
        store.chmod(0o644)
        before = digest(store)
        store.parent.chmod(0o555)
        for code, err in _read_only_directory_reads(store, as_nobody):
            assert code in (0, 1) and "Traceback" not in err, err
            assert "unable to open" not in err, err
            assert f"note: {store.parent} is not writable" in err.splitlines()[0], err
        assert sorted(p.name for p in store.parent.iterdir()) == ["portal.sqlite3"]
        assert digest(store) == before
    finally:
        (top / "store").chmod(0o755)
        shutil.rmtree(top)
