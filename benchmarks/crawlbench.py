"""Crawl figures: the local copy served by its own process, `monitor run` against the floor.

Each crawl is a real process, timed from outside as an operator pays for it (interpreter start
and the monitor's own work included). Memory is read two ways: wait4's ru_maxrss for the whole
`monitor run` tree (the largest single process in it: the crawl) and VmHWM of each crawl process
(the crawl and its reader helper), polled from /proc every 20 ms.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT / "benchmarks" / "floor_spider.py"
# Politeness lifted for a local copy; the floor gets exactly the same.
LOCAL_SETTINGS = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=0",
    "CONCURRENT_REQUESTS=8",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
)
REVISIT = timedelta(hours=48)
POLL = 0.02


def _env() -> dict[str, str]:
    """Children import this checkout; no config file or store override leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTALCRAWL_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _sets() -> list[str]:
    return [arg for pair in LOCAL_SETTINGS for arg in ("--set", pair)]


class Portal:
    """`python -m monitor.localportal` in its own process, so its CPU is not the crawler's."""

    def __init__(self, articles: int, seed: int) -> None:
        self.articles = articles
        self.seed = seed
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> Portal:
        cmd = [sys.executable, "-m", "monitor.localportal", "--port", "0"]
        cmd += ["--articles", str(self.articles), "--seed", str(self.seed)]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env()
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "local portal at " not in line:
            self.__exit__()
            raise RuntimeError(f"local portal did not start: {line!r}")
        self.url = line.split("local portal at ", 1)[1].split()[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/robots.txt", timeout=5) as answer:
                    answer.read()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@dataclass
class Measured:
    """One process run: wall time, peak memory, output."""

    wall: float
    returncode: int
    tree_rss_kb: int  # wait4 ru_maxrss: the largest process of the tree
    stdout: str
    stderr: str
    child_rss_kb: int = 0  # VmHWM of the largest crawl process (polled)
    child_total_rss_kb: int = 0  # the crawl and its reader helper together (sum of peaks)
    child_wall: float = 0.0  # the crawl child's lifetime (polled)


@dataclass
class _Watch:
    """Polls /proc for the descendants of a pid: the crawl child's peak RSS and lifetime."""

    pid: int
    mark: str
    peaks: dict[int, int] = field(default_factory=dict)
    first: float = 0.0
    last: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            for child in _descendants(self.pid):
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                    status = Path(f"/proc/{child}/status").read_text()
                except OSError:
                    continue
                if self.mark.encode() not in cmdline:
                    continue
                now = time.perf_counter()
                self.first = self.first or now
                self.last = now
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peaks[child] = max(self.peaks.get(child, 0), int(line.split()[1]))
            time.sleep(POLL)


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            text = Path(f"/proc/{current}/task/{current}/children").read_text()
        except OSError:
            continue
        kids = [int(k) for k in text.split()]
        out += kids
        todo += kids
    return out


def measure(cmd: list[str], cwd: Path, watch: str | None = None) -> Measured:
    """Run cmd to its end: wall time from outside, ru_maxrss from wait4, /proc polling."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=_env(), text=True)
        watcher = _Watch(proc.pid, watch) if watch else None
        thread = threading.Thread(target=watcher.run, daemon=True) if watcher else None
        if thread:
            thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if watcher and thread:
            watcher.stop.set()
            thread.join()
        out.seek(0)
        err.seek(0)
        result = Measured(wall, proc.returncode, usage.ru_maxrss, out.read(), err.read())
    if watcher:
        result.child_rss_kb = max(watcher.peaks.values(), default=0)
        result.child_total_rss_kb = sum(watcher.peaks.values())
        result.child_wall = watcher.last - watcher.first if watcher.first else 0.0
    return result


def monitor_run(url: str, db: Path, *, full: bool) -> dict[str, Any]:
    """`python -m monitor run` with politeness lifted; its wall time, memory and run row."""
    cmd = [sys.executable, "-m", "monitor", "run", "--portal-url", url, "--db", str(db)]
    cmd += [*(["--full"] if full else []), *_sets(), "--json"]
    result = measure(cmd, db.parent, watch="portalcrawl.crawl")
    if result.returncode != 0:
        raise RuntimeError(f"monitor run failed: {result.stderr.strip()[-500:]}")
    outcome = json.loads([ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1])
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM runs WHERE id=?", [outcome["run_id"]]).fetchone())
    return {
        "wall": result.wall,
        "crawl_child_wall": result.child_wall,
        "tree_rss_mb": result.tree_rss_kb / 1024,
        "crawl_child_rss_mb": result.child_rss_kb / 1024,
        "crawl_total_rss_mb": result.child_total_rss_kb / 1024,
        "requests": row["requests"],
        "pages": row["pages"],
        "articles": row["articles"],
        "status": row["status"],
    }


def floor_run(url: str, workdir: Path) -> dict[str, Any]:
    """The bare Scrapy spider over the same walk, same settings (see floor_spider.py)."""
    cmd = [sys.executable, str(FLOOR), url, *_sets()]
    result = measure(cmd, workdir)
    if result.returncode != 0:
        raise RuntimeError(f"floor crawl failed: {result.stderr.strip()[-500:]}")
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "wall": result.wall,
        "tree_rss_mb": result.tree_rss_kb / 1024,
        "requests": int(stats.get("downloader/request_count", 0)),
        "scrapy_elapsed": float(stats.get("elapsed_time_seconds", 0.0)),
    }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def compare(url: str, workdir: Path, reps: int, log: Any) -> dict[str, Any]:
    """Full crawls against floor crawls, interleaved so that both see the same machine."""
    ours: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    for rep in range(reps):
        floors.append(floor_run(url, workdir))
        db = workdir / f"full-{rep}" / "portal.sqlite3"
        db.parent.mkdir(parents=True, exist_ok=True)
        ours.append(monitor_run(url, db, full=True))
        log(
            f"  rep {rep + 1}/{reps}: ours {ours[-1]['wall']:.2f} s "
            f"({ours[-1]['requests']} req), floor {floors[-1]['wall']:.2f} s "
            f"({floors[-1]['requests']} req)"
        )
    ours_wall = median([r["wall"] for r in ours])
    floor_wall = median([r["wall"] for r in floors])
    return {
        "ours_wall_s": ours_wall,
        "ours_walls_s": [r["wall"] for r in ours],
        "ours_crawl_child_wall_s": median([r["crawl_child_wall"] for r in ours]),
        "floor_wall_s": floor_wall,
        "floor_walls_s": [r["wall"] for r in floors],
        "floor_scrapy_elapsed_s": median([r["scrapy_elapsed"] for r in floors]),
        "ours_requests": ours[0]["requests"],
        "floor_requests": floors[0]["requests"],
        "time_ratio": ours_wall / floor_wall,
        "request_ratio": ours[0]["requests"] / max(floors[0]["requests"], 1),
        "peak_rss_mb": max(r["tree_rss_mb"] for r in ours),
        "crawl_child_rss_mb": max(r["crawl_child_rss_mb"] for r in ours),
        "crawl_total_rss_mb": max(r["crawl_total_rss_mb"] for r in ours),
        "floor_rss_mb": max(r["tree_rss_mb"] for r in floors),
    }


def quiet(url: str, workdir: Path) -> dict[str, Any]:
    """A full crawl, then a run with nothing new: its requests as a share of the full one's."""
    db = workdir / "quiet" / "portal.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    floor = floor_run(url, workdir)
    full = monitor_run(url, db, full=True)
    calm = monitor_run(url, db, full=False)
    cutoff = datetime.now(UTC) - REVISIT
    with sqlite3.connect(db) as conn:
        dates = [r[0] for r in conn.execute("SELECT published_at FROM articles") if r[0]]
    recent = sum(1 for d in dates if datetime.fromisoformat(d) >= cutoff)
    return {
        "full_requests": full["requests"],
        "full_wall_s": full["wall"],
        "floor_wall_s": floor["wall"],
        "time_ratio": full["wall"] / floor["wall"],
        "quiet_requests": calm["requests"],
        "quiet_pages": calm["pages"],
        "quiet_articles": calm["articles"],
        "quiet_wall_s": calm["wall"],
        "in_revisit_window": recent,
        "share": calm["requests"] / max(full["requests"], 1),
    }


def memory(url: str, workdir: Path, name: str) -> dict[str, Any]:
    """One full crawl for its peak memory, then a quiet run over the store it left: what a
    scheduled run costs once the archive is stored (the store's state is loaded at its start)."""
    db = workdir / name / "portal.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    run = monitor_run(url, db, full=True)
    return {
        "peak_rss_mb": run["tree_rss_mb"],
        "crawl_child_rss_mb": run["crawl_child_rss_mb"],
        "crawl_total_rss_mb": run["crawl_total_rss_mb"],
        "wall_s": run["wall"],
        "requests": run["requests"],
        "quiet_child_rss_mb": quiet_memory(url, db),
    }


def quiet_memory(url: str, db: Path) -> float:
    """Peak RSS of the crawl process in a run with nothing new over a stored archive."""
    return monitor_run(url, db, full=False)["crawl_child_rss_mb"]
