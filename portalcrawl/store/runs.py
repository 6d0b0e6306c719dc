"""The `runs` table: one row per crawl, whoever started it, and what readers ask of it.

Mixed into portalcrawl.store.database.Store, like the other tables' query sets, so the monitor
asks the store by name and never writes SQL against a table it does not own.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from portalcrawl.store.crawlstate import to_json, utcnow

# What the command line of a run's owner holds: `python -m portalcrawl.crawl`, `scrapy crawl
# portal`, or the monitor that created the row (`python -m monitor run|schedule`).
CRAWL_MARKS = (b"portalcrawl", b"scrapy", b"monitor")


def portal_urls(conn: sqlite3.Connection) -> list[str | None]:
    """Every portal a store's runs crawled, on a plain connection (the demo tells its own
    store by them, reading it untouched)."""
    return [url for (url,) in conn.execute("SELECT DISTINCT portal_url FROM runs")]


class RunInProgress(Exception):
    """Another run on the same store has not finished: one run at a time."""


def pid_alive(pid: int | None) -> bool:
    """Whether a crawl process still runs (a killed run leaves its row 'running').

    A zombie (killed, not yet reaped) is dead, and so is a pid that, after a reboot or a
    wrap-around, now belongs to something that is not a crawl.
    """
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if not Path("/proc/self").is_dir():  # no procfs: kill(0) is all we know
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    if stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"]):
        return False
    return any(mark in cmdline for mark in CRAWL_MARKS)


class RunLog:
    """The `runs` table: one row per crawl, whoever started it."""

    db: Database

    def mark_aborted_runs(self) -> list[int]:
        """Runs left 'running' by a process that no longer exists were killed: say so."""
        rows = self.db.execute("SELECT id, pid FROM runs WHERE status = 'running'").fetchall()
        dead = [run_id for run_id, pid in rows if not pid_alive(pid)]
        for run_id in dead:
            self.db.execute(
                "UPDATE runs SET status='aborted', error=coalesce(error, "
                "'killed before it finished') WHERE id=?",
                [run_id],
            )
        return dead

    def start_run(
        self,
        *,
        mode: str = "incremental",
        sections: Iterable[str] = (),
        portal_url: str | None = None,
        pid: int | None = None,
    ) -> int:
        """A new run row, owned by `pid` from the start; the first run that will complete on this
        store is a baseline. RunInProgress when another run's owner is alive: the check and the
        insert are one write transaction, so two runs started together cannot both pass."""
        with self.db.atomic():
            self.mark_aborted_runs()
            live = self.db.execute(
                "SELECT id, pid FROM runs WHERE status = 'running' ORDER BY id LIMIT 1"
            ).fetchone()
            if live:
                raise RunInProgress(
                    f"run {live[0]} is still running on this store (pid {live[1]}): "
                    "one run at a time, try again when it has finished"
                )
            done = self.db.execute(
                "SELECT 1 FROM runs WHERE status IN ('ok', 'partial') LIMIT 1"
            ).fetchone()
            cur = self.db.execute(
                "INSERT INTO runs(started_at, status, mode, baseline, sections, portal_url, pid) "
                "VALUES (?, 'running', ?, ?, ?, ?, ?)",
                [utcnow(), mode, 0 if done else 1, to_json(list(sections)), portal_url, pid],
            )
            return int(cur.lastrowid)

    def claim_run(self, run_id: int, pid: int) -> None:
        """The crawl process takes over a run row the monitor created (committed at once)."""
        with self.db.atomic():
            self.db.execute("UPDATE runs SET pid=? WHERE id=?", [pid, run_id])

    def finish_run(
        self,
        run_id: int,
        status: str,
        stats: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Close a run with its outcome and counters (only columns that are given change)."""
        stats = dict(stats or {})
        counters = {
            k: int(stats[k])
            for k in ("pages", "articles", "requests", "errors", "drops")
            if k in stats
        }
        sets = ["finished_at=?", "status=?"]
        params: list[Any] = [utcnow(), status]
        for key, value in counters.items():
            sets.append(f"{key}=?")
            params.append(value)
        if stats:
            sets.append("stats=?")
            params.append(to_json(stats))
        if error is not None:
            sets.append("error=?")
            params.append(error)
        params.append(run_id)
        self.db.execute(f"UPDATE runs SET {', '.join(sets)} WHERE id=?", params)

    def record_unfinished(self, run_id: int, status: str, error: str) -> bool:
        """The end of a run its crawl left `running` (killed, or crashed before writing it),
        as the monitor saw it. A run the crawl closed keeps what the crawl decided: False."""
        cur = self.db.execute(
            "UPDATE runs SET finished_at=?, status=?, error=? WHERE id=? AND status='running'",
            [utcnow(), status, error, run_id],
        )
        return cur.rowcount > 0

    def unreported_ends(self, run_id: int) -> list[dict[str, Any]]:
        """Runs before `run_id`, since the last ok or partial one, that ended failed or aborted
        and have no crawler alert yet (killed, or too short of disk to say so themselves)."""
        return list(
            self.db.query(
                """SELECT * FROM runs r
                WHERE r.id < :run_id AND r.status IN ('failed', 'aborted')
                  AND r.id > (SELECT coalesce(max(id), 0) FROM runs
                              WHERE status IN ('ok', 'partial') AND id < :run_id)
                  AND NOT EXISTS (SELECT 1 FROM notices n
                                  WHERE n.kind = 'crawler_alert' AND n.run_id = r.id)
                ORDER BY r.id""",
                {"run_id": run_id},
            )
        )

    def run(self, run_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM runs WHERE id=?", [run_id]))
        return rows[0] if rows else None

    def recent_runs(self, limit: int) -> list[dict[str, Any]]:
        """The newest runs first, with the columns `status` shows."""
        return list(
            self.db.query(
                "SELECT id, mode, status, baseline, started_at, finished_at, pages, articles, "
                "errors, error FROM runs ORDER BY id DESC LIMIT ?",
                [limit],
            )
        )

    def last_ok_run(self, before: int | None = None) -> dict[str, Any] | None:
        """The newest run that ended ok (before run `before`, if given)."""
        rows = list(
            self.db.query(
                "SELECT * FROM runs WHERE status='ok' AND id < ? ORDER BY id DESC LIMIT 1",
                [before if before is not None else 2**63 - 1],
            )
        )
        return rows[0] if rows else None

    def last_run_id(self, statuses: tuple[str, ...] = ("ok",)) -> int | None:
        """The newest run that ended in one of these statuses."""
        marks = ",".join("?" * len(statuses))
        row = self.db.execute(
            f"SELECT max(id) FROM runs WHERE status IN ({marks})", list(statuses)
        ).fetchone()
        return row[0]

    def backfill_runs_to_go(self) -> int | None:
        """What the newest run that reported on the backfill said was left, in runs."""
        row = self.db.execute(
            "SELECT json_extract(stats, '$.backfill.runs_to_go') FROM runs "
            "WHERE json_extract(stats, '$.backfill') IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def first_ok_run_started(self) -> str | None:
        """When the first run that ended ok (or partial: it made progress) began: the store's
        baseline moment."""
        row = self.db.execute(
            "SELECT started_at FROM runs WHERE status IN ('ok', 'partial') ORDER BY id LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def last_portal_url(self) -> str | None:
        """The portal the newest run that named one crawled."""
        row = self.db.execute(
            "SELECT portal_url FROM runs WHERE portal_url IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None
