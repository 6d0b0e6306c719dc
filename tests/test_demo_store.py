"""`monitor demo --db PATH` recreates its own store only: a store of real runs, or any other
file at the path, is refused in one line and left byte for byte as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from monitor.cli.common import CliError
from monitor.cli.run import DEMO_MARK, _fresh_demo_store
from portalcrawl.store.database import Store
from tests.clirun import run_main


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _real_store(path: Path) -> None:
    with Store(path) as store:
        store.start_run(mode="incremental", sections=[], portal_url="https://dongthap.gov.vn")


FOREIGN = {
    "a store of real runs": _real_store,
    "an empty store": lambda p: Store(p).close(),
    "a text file": lambda p: p.write_text("notes\n", encoding="utf-8"),
    "an empty file": lambda p: p.write_bytes(b""),
    "another SQLite database": lambda p: sqlite3.connect(p).execute("CREATE TABLE t(x)"),
}


@pytest.mark.parametrize("make", FOREIGN.values(), ids=list(FOREIGN))
def test_the_demo_refuses_what_it_did_not_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, make
) -> None:
    path = tmp_path / "portal.sqlite3"
    make(path)
    files = sorted(p.name for p in tmp_path.iterdir())
    before = digest(path)
    code, out, err = run_main(monkeypatch, capsys, "demo", "--db", str(path), "--articles", "10")
    assert code == 1 and out == "", err
    assert err.strip() == (
        f"error: --db {path} is not a store the demo made: the demo recreates its store on "
        "each run, give it a path of its own"
    )
    assert digest(path) == before and sorted(p.name for p in tmp_path.iterdir()) == files


def test_the_demo_refuses_a_directory_or_a_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "dir").mkdir()
    _real_store(tmp_path / "real.sqlite3")
    (tmp_path / "link.sqlite3").symlink_to(tmp_path / "real.sqlite3")
    for name, why in (("dir", "is a directory"), ("link.sqlite3", "not a regular file")):
        code, _, err = run_main(monkeypatch, capsys, "demo", "--db", str(tmp_path / name))
        assert code in (1, 2) and len(err.splitlines()) == 1 and why in err, err
        assert err.startswith("error: ")
    assert (tmp_path / "dir").is_dir() and (tmp_path / "link.sqlite3").is_symlink()


def test_the_demo_marks_its_store_and_recreates_only_that(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    _fresh_demo_store(path)
    with Store(path) as store:
        assert store.db.execute("SELECT 1 FROM meta WHERE key = ?", [DEMO_MARK]).fetchone()
        store.start_run(mode="incremental", sections=[], portal_url="http://127.0.0.1:1")
    _fresh_demo_store(path)  # its own store, with a run in it: recreated
    with Store(path, readonly=True) as store:
        assert store.recent_runs(5) == []
        assert store.db.execute("SELECT 1 FROM meta WHERE key = ?", [DEMO_MARK]).fetchone()
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM meta WHERE key = ?", [DEMO_MARK])
    conn.close()
    with pytest.raises(CliError):  # unmarked and without a run: not the demo's
        _fresh_demo_store(path)


def test_the_demo_store_of_the_release_before_the_mark_is_still_its_own(tmp_path: Path) -> None:
    """Unmarked, but holding only runs of the local copy (on loopback): the demo's, recreated;
    one run of a real portal among them and it is refused."""
    path = tmp_path / "demo.sqlite3"
    with Store(path) as store:
        store.start_run(mode="incremental", sections=[], portal_url="http://127.0.0.1:8123")
    _fresh_demo_store(path)
    with Store(path, readonly=True) as store:
        assert store.recent_runs(5) == []
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM meta WHERE key = ?", [DEMO_MARK])
    conn.close()
    with Store(path) as store:
        store.start_run(mode="incremental", sections=[], portal_url="http://127.0.0.1:8123")
        store.finish_run(store.last_run_id(("running",)) or 1, "ok")
        store.start_run(mode="incremental", sections=[], portal_url="https://dongthap.gov.vn")
    before = digest(path)
    with pytest.raises(CliError):
        _fresh_demo_store(path)
    assert digest(path) == before
