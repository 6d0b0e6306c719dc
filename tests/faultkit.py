"""Tools for fault-injection tests: run the monitor as a killable process group, read the
store as a data team would, check that a store is whole, see which sockets a process listens on.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from monitor.localportal import PortalServer
from monitor.localportal.site import content_path
from tests.clirun import LOCAL_COPY, ROOT, monitor_cli


def start_run(
    server: PortalServer,
    db: Path,
    *extra: str,
    config: Path | None = None,
    env: dict[str, str] | None = None,
    limit_file_size: int | None = None,
) -> subprocess.Popen[str]:
    """`monitor run` in its own process group (its crawl child joins it), not waited for;
    `limit_file_size` caps every file it writes (RLIMIT_FSIZE), as a filling disk would."""

    def limits() -> None:
        if limit_file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    global_options = ["--config", str(config)] if config else []
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            *global_options,
            "run",
            "--portal-url",
            server.base_url,
            "--db",
            str(db),
            "--json",
            *LOCAL_COPY,
            *extra,
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=limits if limit_file_size is not None else None,
    )


def cycle(server: PortalServer, db: Path, config: Path) -> dict[str, Any]:
    """`monitor --config FILE run` against the local copy, waited for: the outcome JSON."""
    args = ["--config", str(config), "run", "--portal-url", server.base_url, "--db", str(db)]
    result = monitor_cli(*args, "--json", *LOCAL_COPY)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def wait_for(condition: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or condition}")


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the store as a data team would, without ever writing or waiting."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # the schema is being created
        return []
    finally:
        conn.close()


def check_store(db: Path) -> None:
    """The store is whole: SQLite's own check, and every article's rows in step."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        broken = conn.execute(
            """SELECT a.asset_id FROM articles a WHERE
                 (SELECT count(*) FROM article_versions v WHERE v.asset_id = a.asset_id)
                   != a.version
              OR (SELECT content_hash FROM article_versions v
                  WHERE v.asset_id = a.asset_id AND v.version = a.version) != a.content_hash
              OR (SELECT count(*) FROM article_events e
                  WHERE e.asset_id = a.asset_id AND e.kind = 'new') != 1
              OR NOT EXISTS (SELECT 1 FROM articles_fts f WHERE f.rowid = a.asset_id)"""
        ).fetchall()
        assert broken == [], f"articles with rows out of step: {broken}"
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM articles_fts), "
            "(SELECT count(DISTINCT asset_id) FROM article_versions)"
        ).fetchone()
        assert counts[0] == counts[1] == counts[2]
        assert (
            conn.execute(
                "SELECT count(*) FROM notices GROUP BY event_id HAVING count(*) > 1"
            ).fetchall()
            == []
        )
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    rows = query(db, f"SELECT count(*) FROM {table}")
    return rows[0][0] if rows else 0


def live_on_portal(corpus: Any) -> set[int]:
    return {a.asset_id for a in corpus.articles if a.state == "live"}


def live_in_store(db: Path) -> set[int]:
    return {r[0] for r in query(db, "SELECT asset_id FROM articles WHERE status = 'live'")}


def article_path(article: Any) -> str:
    return content_path(article.sections[0], article.url_title)


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr
    return lines[0]


def listening_sockets(pid: int) -> set[int]:
    """Inodes of the TCP sockets process `pid` holds in LISTEN state (IPv4 and IPv6)."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            held.add(int(target[8:-1]))
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                listening.add(int(fields[9]))
    return held & listening


def group_pids(pgid: int) -> list[int]:
    """Every live process in process group `pgid`: the monitor, its crawl and their helpers."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def family(pid: int) -> list[int]:
    """`pid` and every live process descended from it (its crawl child is in a session of its
    own, so not in its process group)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        each = todo.pop()
        found.append(each)
        todo.extend(children.get(each, []))
    return found


def gone(pids: list[int]) -> bool:
    """None of `pids` runs any more (zombies count as gone)."""
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            return False
    return True


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL to the monitor's process group, as the OOM killer or a power cut: its crawl dies
    with it (the kernel's parent-death signal); returns once every one of them is gone."""
    pids = family(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    wait_for(lambda: gone(pids), timeout=30, what=f"processes {pids} gone")


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file read-only in a way that stops root too (chattr +i); undone afterwards."""
    root = os.geteuid() == 0
    if not root:
        path.chmod(0o444)
        path.parent.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip(
            "running as root where chattr +i is refused: no way to make a file read-only for root"
        )
    try:
        yield
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.parent.chmod(0o755)
            path.chmod(0o644)


class SlowHook:
    """A webhook that answers 503 while `down`, and can hold its 200 until `hold` is set."""

    def __init__(self) -> None:
        self.down = False
        self.hold = threading.Event()
        self.hold.set()
        self.got = threading.Event()
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.port = 0


@contextmanager
def slow_hook() -> Iterator[SlowHook]:
    """A SlowHook served on 127.0.0.1 for the length of the block."""
    hook = SlowHook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if hook.down:
                self.send_response(503)
            else:
                hook.received.append((self.headers.get("Idempotency-Key", ""), json.loads(body)))
                hook.got.set()
                hook.hold.wait(10)
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.port = server.server_port
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield hook
    finally:
        hook.hold.set()
        server.shutdown()
        server.server_close()
