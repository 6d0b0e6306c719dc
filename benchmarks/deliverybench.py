"""Benchmark of delivery under slow receivers (issue #13): what one slow webhook costs the
notices behind it, how often a late answer makes a notice be sent again, a fast webhook's
throughput, and what the jsonl duplicate check costs on a long file.

    .venv/bin/python benchmarks/deliverybench.py [--notices 20] [--slow 20]
        [--out benchmarks/results/delivery.json]

A real webhook receiver on 127.0.0.1 answers the first notice after --slow seconds and the others
at once. Each scenario is a fresh store with --notices new notices; deliver() is called twice
(two runs), and the receiver counts what it got. Not a test: the suite never runs it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.notify import senders  # noqa: E402
from monitor.notify.channels import Channel  # noqa: E402
from monitor.notify.delivery import deliver  # noqa: E402
from monitor.notify.notices import create_notices  # noqa: E402
from portalcrawl.store.database import Store  # noqa: E402

PORTAL = "https://dongthap.gov.vn"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Receiver:
    """Arrival times per notice id list; the first notice answered after `slow` seconds."""

    def __init__(self, slow: float) -> None:
        self.slow = slow
        self.began = time.monotonic()
        self.arrivals: list[tuple[str, float, bool]] = []  # ids, seconds, marked as a repeat
        self.lock = threading.Lock()


@contextmanager
def receiver(slow: float) -> Iterator[tuple[Receiver, int]]:
    state = Receiver(slow)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ids = payload["notice_ids"]
            with state.lock:
                at = time.monotonic() - state.began
                state.arrivals.append((ids, at, payload.get("repeat") == "true"))
            if ids == "1":
                threading.Event().wait(state.slow)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            with suppress(OSError):
                self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield state, server.server_port
    finally:
        server.shutdown()
        server.server_close()


def store_with_notices(path: Path, count: int) -> Store:
    store = Store(path)
    for articles in ([10**6], range(1, count + 1)):  # a baseline run, then the new ones
        run = store.start_run(portal_url=PORTAL)
        for i in articles:
            store.save_article(
                {
                    "asset_id": i,
                    "url": f"{PORTAL}/tin/{i}",
                    "title": f"Tin số {i}",
                    "summary": "Sapo.",
                    "body_text": "Nội dung.",
                    "sections": ["tin-hoat-dong"],
                    "section": "tin-hoat-dong",
                },
                run,
            )
        store.finish_run(run, "ok")
        create_notices(store, run)
    return store


def slow_scenario(tmp: Path, notices: int, slow: float, timeout: float) -> dict[str, Any]:
    with receiver(slow) as (state, port):
        store = store_with_notices(tmp / f"slow-{timeout:g}.sqlite3", notices)
        channel = Channel("web", f"json://127.0.0.1:{port}/hook", timeout=timeout)
        state.began = started = time.monotonic()
        first = deliver(store, [channel], run_id=2).channels[0]
        first_call = time.monotonic() - started
        others = [at for ids, at, _ in state.arrivals if ids != "1"]
        second = deliver(store, [channel], run_id=2).channels[0]
        store.close()
    sent = [ids for ids, _, _ in state.arrivals]
    return {
        "timeout_s": timeout,
        "slow_answer_s": slow,
        "first_run_s": round(first_call, 2),
        "others_all_arrived_s": round(max(others), 2) if others else None,
        "first_run": {"delivered": first.delivered, "unknown": first.unknown},
        "second_run": {"delivered": second.delivered, "unknown": second.unknown},
        "requests": len(sent),
        "notice_1_sent": sent.count("1"),
        "marked_repeats": sum(1 for _, _, repeat in state.arrivals if repeat),
    }


def throughput(tmp: Path, notices: int) -> dict[str, Any]:
    with receiver(0) as (_, port):
        store = store_with_notices(tmp / "fast.sqlite3", notices)
        channel = Channel("web", f"json://127.0.0.1:{port}/hook")
        started = time.monotonic()
        delivered = deliver(store, [channel], run_id=2).delivered
        seconds = time.monotonic() - started
        store.close()
    return {"notices": delivered, "seconds": round(seconds, 2), "per_s": round(delivered / seconds)}


def jsonl_check(tmp: Path, lines: int) -> dict[str, Any]:
    path = tmp / "long.jsonl"
    row = {"notice_id": 0, "title": "Tin " * 100, "diff": "x" * 1500}
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(json.dumps({**row, "idempotency_key": f"portalcrawl:f:{i}"}) + "\n")
    started = time.monotonic()
    keys = senders._keys_in(path)
    seconds = time.monotonic() - started
    return {
        "lines": len(keys),
        "mb": round(path.stat().st_size / 1e6, 1),
        "scan_s": round(seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=20)
    parser.add_argument("--slow", type=float, default=20.0)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "delivery.json"))
    args = parser.parse_args()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        log("slow receiver, default time-out ...")
        within = slow_scenario(base, args.notices, args.slow, 30.0)
        log("slow receiver, time-out shorter than its answer ...")
        short = slow_scenario(base, args.notices, args.slow, 5.0)
        log("fast receiver ...")
        fast = throughput(base, 200)
        log("jsonl duplicate check ...")
        scan = jsonl_check(base, 20000)
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "slow_within_timeout": within,
        "slow_past_timeout": short,
        "fast_webhook": fast,
        "jsonl_repeat_scan": scan,
        "minutes": round((time.monotonic() - began) / 60, 1),
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    rows = [
        ("slow answer (s) / notices", f"{args.slow:g} / {args.notices}"),
        *(
            (
                f"time-out {r['timeout_s']:g} s: notices 2..{args.notices} all arrived at",
                f"{r['others_all_arrived_s']} s (first run {r['first_run_s']} s; "
                f"{r['first_run']['delivered']} delivered, {r['first_run']['unknown']} unknown)",
            )
            for r in (within, short)
        ),
        *(
            (
                f"time-out {r['timeout_s']:g} s: notice 1 sent, over two runs",
                f"{r['notice_1_sent']} time(s), {r['marked_repeats']} marked as a repeat",
            )
            for r in (within, short)
        ),
        ("fast webhook", f"{fast['per_s']} notices/s ({fast['notices']} in {fast['seconds']} s)"),
        (
            "jsonl duplicate check (resend only)",
            f"{scan['scan_s']} s for {scan['lines']} lines ({scan['mb']} MB)",
        ),
    ]
    table = "| figure | value |\n|---|---|\n" + "".join(f"| {a} | {b} |\n" for a, b in rows)
    table += f"\n{result['date']}, {result['cpus']} CPUs, Python {result['python']}; "
    table += f"{result['minutes']} min.\n"
    Path(args.out).with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
