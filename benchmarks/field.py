"""Field benchmark: a stretch of days against the local copy, politeness scaled to minutes.

The live portal (tens of thousands of articles, one request a second, an hour a run, a week's
audit cycle) is scaled together: N articles, a request budget B a run, a robots.txt
Crawl-delay of a fraction of a second, an audit cycle of a few minutes, a removal confirmed
after seconds. The copy's archive is mostly migrated; it is served with a Crawl-delay and sees
a Retry-After window, a maintenance window, a transient 404 and a backdated post on the way.

    python -m benchmarks.field [--articles 300] [--budget 80] [--readme README.md]

Prints the figures and writes benchmarks/results/field.json and field.md; --readme also puts
the table into the README's field section.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.localportal import SECTIONS, PortalServer, build_corpus
from monitor.localportal.faults import (
    FieldFaults,
    backdated_post,
    maintenance,
    migrate_archive,
    transient_404,
)
from monitor.runner import run_cycle
from portalcrawl.docsection import replace_marked

RESULTS = Path(__file__).parent / "results"
NEWEST_PAGE = 10  # Liferay's default page size: "the newest page" a reader sees
# Scaled, but not below what a loaded 2-core machine can time: at 0.02 s a reactor busy for
# 20 ms (a batch commit) sends two queued requests together; at 0.1 s the gaps hold.
CRAWL_DELAY = 0.1
CYCLE_SECONDS = 90.0
CONFIRM_SECONDS = 6.0
SCALED = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "2",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    "RETRY_BACKOFF_BASE": "0.05",
    "PORTALCRAWL_RETRY_AFTER_MAX": "5",
}


def _notices(db: Path, run_id: int) -> list[tuple[str, int | None, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT kind, asset_id, title FROM notices WHERE run_id = ?", [run_id]
        ).fetchall()
    finally:
        conn.close()


def _coverage(db: Path, since: str) -> float:
    conn = sqlite3.connect(db)
    try:
        live, covered = conn.execute(
            "SELECT count(*), sum(verified_at >= ?) FROM articles WHERE status = 'live'", [since]
        ).fetchone()
    finally:
        conn.close()
    return (covered or 0) / live if live else 1.0


def run(articles: int, budget: int) -> dict[str, Any]:
    corpus = build_corpus(seed=12, n=articles)
    migrate_archive(corpus, share=0.8)
    db = Path(tempfile.mkdtemp()) / "field.sqlite3"
    figures: dict[str, Any] = {"articles": articles, "budget": budget}
    false_removed = template_alerts = partial_alerts = other_alerts = 0
    with PortalServer(corpus) as server:
        faults = FieldFaults(server)
        faults.crawl_delay(CRAWL_DELAY)
        config = Config(
            portal_url=server.base_url,
            db=str(db),
            settings=SCALED,
            max_requests=budget,
            audit_cycle_days=CYCLE_SECONDS / 86400,
            removal_confirm_minutes=CONFIRM_SECONDS / 60,
        )
        gone: set[int] = set()

        def cycle() -> Any:
            nonlocal false_removed, template_alerts, partial_alerts, other_alerts
            server.clear_log()
            outcome = run_cycle(config)
            log = server.requests
            # as the portal saw them come (the log is in order of answer), after robots.txt
            came = sorted(r.time for r in log)[1:]
            gaps = [b - a for a, b in zip(came, came[1:], strict=False)]
            figures["min_gap"] = min([figures.get("min_gap", 1e9), *gaps])
            figures.setdefault("gaps", []).extend(gaps)
            for kind, asset_id, title in _notices(db, outcome.run_id):
                if kind == "removed" and asset_id not in gone:
                    false_removed += 1
                if kind == "crawler_alert":
                    if "template" in title:
                        template_alerts += 1
                    elif "maintenance" in title:
                        pass  # the one alert a maintenance window is expected to raise
                    elif outcome.status == "partial":
                        partial_alerts += 1
                    else:
                        other_alerts += 1
            return outcome, len(log)

        newest = {
            s.path: [a.asset_id for a in corpus.listing(s.path)[:NEWEST_PAGE]] for s in SECTIONS
        }
        listed = {a.asset_id for a in corpus.articles if a.state == "live"}
        runs, first = 0, None
        faults.busy(1.0, retry_after=0.5)  # the portal is busy as the first run starts
        while True:
            outcome, _ = cycle()
            runs += 1
            if first is None:
                first = outcome
                conn = sqlite3.connect(db)
                stored = {r[0] for r in conn.execute("SELECT asset_id FROM articles")}
                conn.close()
                figures["newest_page_share_after_run_1"] = {
                    s: round(len(set(ids) & stored) / len(ids), 2)
                    for s, ids in newest.items()
                    if ids
                }
            if (outcome.stats.backfill or {}).get("done") or runs > 60:
                break
        figures["backfill_runs"] = runs
        figures["backfill_target"] = math.ceil(len(listed) / budget) + 1
        figures["crawl_delay_used"] = first.stats.crawl_delay if first else None
        backfilled_at = datetime.now(UTC)
        quiet, quiet_requests = cycle()
        figures["quiet_run_requests"] = quiet_requests
        # The week: a new post, edits to a recent and an old article, a removal, and noise.
        recent = corpus.listing("tin-hoat-dong")[1]
        old = next(a for a in reversed(corpus.listing("kinh-te-xa-hoi")) if a.template == "news")
        removed = corpus.listing("xay-dung-dang")[-3]
        new = corpus.new_article("tin-hoat-dong")
        corpus.edit(recent.asset_id, paragraphs=[*recent.paragraphs, "Cập nhật thêm."])
        corpus.edit(old.asset_id, paragraphs=[*old.paragraphs, "Đính chính số liệu."])
        corpus.remove(removed.asset_id)
        gone.add(removed.asset_id)
        backdated = backdated_post(corpus, days=10)
        transient_404(server, corpus.listing("thong-cao-bao-chi")[0])
        wanted = {
            "new_post": ("new", new.asset_id),
            "backdated_post": ("new", backdated.asset_id),
            "edit_recent": ("edited", recent.asset_id),
            "edit_old": ("edited", old.asset_id),
            "removal": ("removed", removed.asset_id),
        }
        latency: dict[str, int | None] = dict.fromkeys(wanted)
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < CYCLE_SECONDS * 1.2 and n < 60:
            n += 1
            if n == 3:
                with maintenance(corpus):
                    cycle()
                continue
            outcome, _ = cycle()
            got = {(k, a) for k, a, _ in _notices(db, outcome.run_id)}
            for name, key in wanted.items():
                if latency[name] is None and key in got:
                    latency[name] = n
            if all(v is not None for v in latency.values()) and (
                time.monotonic() - start >= CYCLE_SECONDS
            ):
                break
        figures["detection_latency_runs"] = latency
        figures["runs_per_cycle"] = n
        figures["audit_coverage_after_one_cycle"] = round(
            _coverage(db, (backfilled_at - timedelta(seconds=1)).isoformat()), 3
        )
        figures["false_removed"] = false_removed
        figures["false_template_alerts"] = template_alerts
        figures["alerts_for_partial_runs_that_progressed"] = partial_alerts
        figures["other_alerts"] = other_alerts
    gaps = sorted(figures.pop("gaps"))
    figures["median_gap"] = gaps[len(gaps) // 2]
    figures["gaps_under_half_the_delay"] = round(
        sum(g < CRAWL_DELAY / 2 for g in gaps) / len(gaps), 4
    )
    return figures


def table(f: dict[str, Any]) -> str:
    lat = f["detection_latency_runs"]
    share = f["newest_page_share_after_run_1"]
    rows = [
        (
            "Runs to finish the backfill",
            f"{f['backfill_runs']} (N={f['articles']}, B={f['budget']})",
            f"≤ ⌈N/B⌉ + 1 = {f['backfill_target']}",
            f["backfill_runs"] <= f["backfill_target"],
        ),
        (
            "Each section's newest page stored after run 1",
            f"min {min(share.values()):.0%}",
            "100%",
            min(share.values()) >= 1.0,
        ),
        (
            "Requests per quiet run",
            str(f["quiet_run_requests"]),
            "a small share of B",
            f["quiet_run_requests"] <= f["budget"],
        ),
        (
            "Audit coverage after one cycle",
            f"{f['audit_coverage_after_one_cycle']:.0%}",
            "100%",
            f["audit_coverage_after_one_cycle"] >= 1.0,
        ),
        (
            "Detection latency (runs): new / edit recent / edit old / removal",
            f"{lat['new_post']} / {lat['edit_recent']} / {lat['edit_old']} / {lat['removal']}",
            f"old edit within one cycle ({f['runs_per_cycle']} runs)",
            lat["edit_old"] is not None and None not in lat.values(),
        ),
        (
            "Backdated post announced (runs)",
            str(lat["backdated_post"]),
            "announced",
            lat["backdated_post"] is not None,
        ),
        (
            "False removed / template alerts / alerts for partial runs",
            f"{f['false_removed']} / {f['false_template_alerts']} / "
            f"{f['alerts_for_partial_runs_that_progressed']}",
            "0 / 0 / 0",
            f["false_removed"]
            == f["false_template_alerts"]
            == f["alerts_for_partial_runs_that_progressed"]
            == 0,
        ),
        (
            # Arrival times: a request that arrives late (a server thread descheduled on a
            # loaded machine) shortens the next gap, so single gaps are given, not judged.
            "Spacing of requests as the portal saw them arrive: median (smallest; share under "
            "half the delay)",
            f"{f['median_gap']:.3f} s ({f['min_gap']:.3f} s; {f['gaps_under_half_the_delay']:.1%})",
            f"median ≥ Crawl-delay {CRAWL_DELAY} s",
            f["median_gap"] >= CRAWL_DELAY,
        ),
    ]
    out = ["| figure | measured | target | |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {'PASS' if ok else 'FAIL'} |" for a, b, c, ok in rows]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--budget", type=int, default=80)
    parser.add_argument("--readme", type=Path, help="also update this README's table")
    args = parser.parse_args()
    started = time.monotonic()
    figures = run(args.articles, args.budget)
    text = table(figures)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "field.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "field.md").write_text(text + "\n")
    if args.readme:
        when = datetime.now(UTC).strftime("%Y-%m-%d")
        took = (time.monotonic() - started) / 60
        replace_marked(
            args.readme, "field-bench", f"{text}\n\n{when}; the benchmark took {took:.1f} min."
        )


if __name__ == "__main__":
    main()
