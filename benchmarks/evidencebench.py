"""Benchmark of the evidence features (issue #14): WARC disk cost, re-extraction speed, archive
verification speed, and the static site's build times (full, and incremental over a store of
100,000 articles).

    .venv/bin/python benchmarks/evidencebench.py [--articles 2000] [--site-articles 100000]
        [--full-site-articles 10000] [--out benchmarks/results/evidence.json] [--readme README.md]

A full crawl of the local copy (politeness lifted) gives a store whose every version has its
WARC record. Re-extraction and verification read that archive (medians of 3). The site is built
whole from it; then the store is grown with copies of its rows (new asset ids, same records) to
--full-site-articles for a full build and to --site-articles for the incremental figure: the
site's state is set as if built, a run of 50 edits and 10 removals is recorded through the
store's own API, and the build after it is timed. Not a test: the suite never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import crawlbench  # noqa: E402
from monitor.notify.notices import create_notices  # noqa: E402
from monitor.site import paths  # noqa: E402
from monitor.site.build import SiteBuilder, build_site  # noqa: E402
from portalcrawl.archive.reextract import reextract  # noqa: E402
from portalcrawl.archive.warc import read_response  # noqa: E402
from portalcrawl.docsection import replace_marked  # noqa: E402
from portalcrawl.site.profile import load_profile  # noqa: E402
from portalcrawl.store.database import Store  # noqa: E402
from portalcrawl.text.compare import as_list  # noqa: E402

SEED = 7
EDITS, REMOVALS = 50, 10


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _sections() -> list[tuple[str, str]]:
    return [(s.path, s.name) for s in load_profile(None).sections]


def archive_figures(db: Path) -> dict[str, Any]:
    archive = db.parent / "archive"
    size = sum(p.stat().st_size for p in archive.glob("*.warc.gz"))
    with Store(db, readonly=True) as store:
        versions = store.db.execute(
            "SELECT count(*) FROM article_versions WHERE warc_record_id IS NOT NULL"
        ).fetchone()[0]
        refs = list(store.referenced_records())
    times = []
    for _ in range(3):
        started = time.monotonic()
        for ref in refs:
            read_response(ref, db.parent)
        times.append(time.monotonic() - started)
    return {
        "warc_bytes": size,
        "versions": versions,
        "bytes_per_1000_versions": size / versions * 1000 if versions else 0,
        "store_bytes": db.stat().st_size,
        "verify_records_per_s": len(refs) / statistics.median(times),
    }


def reextract_figures(db: Path) -> dict[str, Any]:
    profile = load_profile(None)
    rates, cpu_rates, pages = [], [], 0
    for _ in range(3):
        with Store(db) as store:
            cpu = time.process_time()
            report = reextract(store, profile, dry_run=True)
            cpu_rates.append(report.pages / (time.process_time() - cpu))
        rates.append(report.pages_per_second)
        pages = report.pages
    return {
        "pages": pages,
        "pages_per_s": statistics.median(rates),
        "pages_per_cpu_s": statistics.median(cpu_rates),
    }


def grow(db: Path, articles: int) -> int:
    """Copies of the store's articles, versions and events under new asset ids, to `articles`."""
    with Store(db) as store:
        have = store.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        top = store.db.execute("SELECT max(asset_id) FROM articles").fetchone()[0]
        cols = {
            t: [r[1] for r in store.db.execute(f"PRAGMA table_info({t})")]
            for t in ("articles", "article_versions", "article_events")
        }
        copies = max(0, -(-(articles - have) // have))
        with store.db.atomic():
            for n in range(1, copies + 1):
                offset = n * (top + 1)
                for table, columns in cols.items():
                    keep = [c for c in columns if not (table == "article_events" and c == "id")]
                    chosen = ", ".join(
                        f"asset_id + {offset}" if c == "asset_id" else f"[{c}]" for c in keep
                    )
                    limit = f"WHERE asset_id <= {top}"
                    store.db.execute(
                        f"INSERT INTO {table} ({', '.join(f'[{c}]' for c in keep)}) "
                        f"SELECT {chosen} FROM {table} {limit}"
                    )
        return store.db.execute("SELECT count(*) FROM articles").fetchone()[0]


def a_run(db: Path) -> None:
    """50 edits and 10 removals recorded as a crawl records them, then their notices."""
    rng = random.Random(SEED)
    with Store(db) as store:
        ids = [r[0] for r in store.db.execute("SELECT asset_id FROM articles WHERE status='live'")]
        chosen = rng.sample(ids, EDITS + REMOVALS)
        run_id = store.start_run(mode="incremental", sections=[], portal_url="", pid=os.getpid())
        for asset_id in chosen[:EDITS]:
            row = list(store.db.query("SELECT * FROM articles WHERE asset_id = ?", [asset_id]))[0]
            for name in ("sections", "images", "attachments"):
                row[name] = as_list(row[name])
            row["body_text"] += "\n\nBài viết được cập nhật thêm."
            store.save_article(row, run_id, [])
        for asset_id in chosen[EDITS:]:
            store.mark_removed(asset_id, run_id, "404")
        store.finish_run(run_id, "ok", {}, None)
        create_notices(store, run_id, site_base_url="https://news.example.org/dongthap/")


def site_figures(db: Path, work: Path, full_articles: int, big_articles: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with Store(db) as store:
        started, cpu = time.monotonic(), time.process_time()
        report = build_site(store, work / "site-small", sections=_sections())
        figures["full_small"] = {
            "articles": report.articles,
            "files": report.written,
            "seconds": time.monotonic() - started,
            "cpu": time.process_time() - cpu,
        }
    log(f"  full build, {report.articles} articles: {figures['full_small']['seconds']:.1f} s")
    count = grow(db, full_articles)
    with Store(db) as store:
        started, cpu = time.monotonic(), time.process_time()
        report = build_site(store, work / "site-full", sections=_sections())
        figures["full"] = {
            "articles": count,
            "files": report.written,
            "seconds": time.monotonic() - started,
            "cpu": time.process_time() - cpu,
        }
    log(f"  full build, {count} articles: {figures['full']['seconds']:.1f} s")
    count = grow(db, big_articles)
    out = work / "site-big"
    with Store(db) as store:  # the site as built: its state names everything stored so far
        builder = SiteBuilder(store, out, sections=_sections())
        marks = builder._marks()
    out.mkdir(parents=True, exist_ok=True)
    (out / paths.STATE).write_text(
        json.dumps({"format": 1, "base_url": None, "marks": marks}), encoding="utf-8"
    )
    a_run(db)
    with Store(db) as store:
        started, cpu = time.monotonic(), time.process_time()
        report = build_site(store, out, sections=_sections())
        figures["incremental"] = {
            "articles": count,
            "touched": report.articles,
            "files": report.written,
            "seconds": time.monotonic() - started,
            "cpu": time.process_time() - cpu,
        }
    log(f"  incremental build, {count} articles: {figures['incremental']['seconds']:.2f} s")
    return figures


def table(f: dict[str, Any]) -> str:
    a, r, s = f["archive"], f["reextract"], f["site"]
    rows = [
        (
            "WARC archive per 1,000 versions",
            f"{a['bytes_per_1000_versions'] / 1e6:.1f} MB ({a['warc_bytes'] / 1e6:.1f} MB for "
            f"{a['versions']} versions; the store itself {a['store_bytes'] / 1e6:.1f} MB)",
        ),
        ("archive verify", f"{a['verify_records_per_s']:.0f} records/s"),
        (
            "reextract (dry run: read, extract, compare)",
            f"{r['pages_per_s']:.0f} pages/s wall, {r['pages_per_cpu_s']:.0f} pages per CPU "
            f"second ({r['pages']} archived pages, 0 requests)",
        ),
        (
            f"site, full build, {s['full_small']['articles']:,} articles",
            f"{s['full_small']['seconds']:.1f} s wall, {s['full_small']['cpu']:.1f} s CPU "
            f"({s['full_small']['files']:,} files)",
        ),
        (
            f"site, full build, {s['full']['articles']:,} articles",
            f"{s['full']['seconds']:.1f} s wall, {s['full']['cpu']:.1f} s CPU "
            f"({s['full']['files']:,} files)",
        ),
        (
            f"site, incremental build after a run of {EDITS} edits and {REMOVALS} removals, "
            f"{s['incremental']['articles']:,} articles",
            f"{s['incremental']['seconds']:.2f} s wall, {s['incremental']['cpu']:.2f} s CPU "
            f"({s['incremental']['touched']} articles "
            f"rendered, {s['incremental']['files']} files written)",
        ),
    ]
    lines = ["| figure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    lines += [
        "",
        f"{f['date']}, {f['cpus']} CPUs, Python {f['python']}; {f['seconds'] / 60:.1f} min.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--full-site-articles", type=int, default=10000)
    parser.add_argument("--site-articles", type=int, default=100000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/evidence.json"))
    parser.add_argument("--readme", default=None)
    args = parser.parse_args()
    started = time.monotonic()
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    with tempfile.TemporaryDirectory(prefix="evidencebench-") as tmp:
        work = Path(tmp)
        db = work / "portal.sqlite3"
        log(f"full crawl of a local copy with {args.articles} articles")
        with crawlbench.Portal(args.articles, SEED) as portal:
            crawlbench.monitor_run(portal.url, db, full=True)
        figures["archive"] = archive_figures(db)
        figures["reextract"] = reextract_figures(db)
        figures["site"] = site_figures(db, work, args.full_site_articles, args.site_articles)
    figures["seconds"] = time.monotonic() - started
    text = table(figures)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
    if args.readme:
        replace_marked(Path(args.readme), "evidence-bench", text)


if __name__ == "__main__":
    main()
