"""Benchmark of the crawler, the store and the search against the local copy (issue #6).

    .venv/bin/python benchmarks/bench.py [--articles 2000] [--big 20000] [--reps 3]
        [--search-articles 100000] [--quick] [--out benchmarks/results/latest.json]
        [--readme README.md]

Prints each figure with its target and PASS/FAIL, writes the figures as JSON and the table as
Markdown next to it (latest.md); --readme also puts the table into the README's Performance
section. Not a test: the suite never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import scrapy  # noqa: E402

from benchmarks import cpubench, crawlbench, searchbench  # noqa: E402
from portalcrawl.docsection import replace_marked  # noqa: E402

QUIET_ARTICLES = 1500
SEED = 7
TARGETS = {
    "time_ratio": 1.25,
    "quiet_share": 0.02,
    "rss_mb": 250.0,
    "rss_growth": 0.20,
    "cpu_ms": 3.0,
    "search_p95_ms": 50.0,
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Every measurement, each against its own local copy; raw figures."""
    figures: dict[str, Any] = {}
    log(f"local copy with {args.articles} articles: full crawl vs floor, {args.reps} runs each")
    with crawlbench.Portal(args.articles, SEED) as portal:
        figures["crawl"] = crawlbench.compare(portal.url, workdir, args.reps, log)
        figures["crawl"]["quiet_child_rss_mb"] = crawlbench.quiet_memory(
            portal.url, workdir / "full-0" / "portal.sqlite3"
        )
        if args.articles == args.quiet_articles:
            figures["quiet"] = crawlbench.quiet(portal.url, workdir)
        log("CPU per article: extraction and pipelines, in process")
        figures["cpu"] = cpubench.measure(
            portal.url,
            workdir / "full-0" / "portal.sqlite3",
            workdir,
            min(args.cpu_pages, args.articles),
        )
    if "quiet" not in figures:
        log(f"local copy with {args.quiet_articles} articles: full crawl, then a quiet run")
        with crawlbench.Portal(args.quiet_articles, SEED) as portal:
            figures["quiet"] = crawlbench.quiet(portal.url, workdir)
    if args.big:
        log(f"local copy with {args.big} articles: peak memory of a full crawl, a quiet run")
        with crawlbench.Portal(args.big, SEED) as portal:
            figures["big"] = crawlbench.memory(portal.url, workdir, "big")
    log(f"search over {args.search_articles} synthetic articles")
    cache = ROOT / "benchmarks" / ".cache" / f"search-{args.search_articles}.sqlite3"
    started = time.perf_counter()
    searchbench.build(cache, args.search_articles)
    figures["search_build_s"] = time.perf_counter() - started
    figures["search"] = searchbench.measure(cache)
    return figures


def _verdict(value: float, limit: float) -> str:
    return "PASS" if value <= limit else "FAIL"


def table(figures: dict[str, Any], args: argparse.Namespace) -> list[dict[str, str]]:
    """Figure, value, target, verdict: the rows printed, written and put in the README."""
    crawl, quiet, cpu, search = (figures[k] for k in ("crawl", "quiet", "cpu", "search"))
    n = args.articles
    rows = [
        {
            "figure": f"Full crawl wall time / bare Scrapy floor ({n:,} articles)",
            "value": f"{crawl['time_ratio']:.2f}× ({crawl['ours_wall_s']:.2f} s / "
            f"{crawl['floor_wall_s']:.2f} s)",
            "target": f"≤ {TARGETS['time_ratio']}×",
            "verdict": _verdict(crawl["time_ratio"], TARGETS["time_ratio"]),
        },
        {
            "figure": f"Full crawl requests / floor ({n:,} articles)",
            "value": f"{crawl['request_ratio']:.3f} ({crawl['ours_requests']} / "
            f"{crawl['floor_requests']})",
            "target": "same walk",
            "verdict": "PASS" if crawl["ours_requests"] <= crawl["floor_requests"] else "FAIL",
        },
        {
            "figure": f"Full crawl wall time / floor ({args.quiet_articles:,} articles, one run)",
            "value": f"{quiet['time_ratio']:.2f}× ({quiet['full_wall_s']:.2f} s / "
            f"{quiet['floor_wall_s']:.2f} s)",
            "target": f"≤ {TARGETS['time_ratio']}×",
            "verdict": _verdict(quiet["time_ratio"], TARGETS["time_ratio"]),
        },
        {
            "figure": f"Quiet run requests / full crawl ({args.quiet_articles:,} articles)",
            "value": f"{quiet['share']:.2%} ({quiet['quiet_requests']} / "
            f"{quiet['full_requests']}; {quiet['in_revisit_window']} articles in the 48 h "
            "revisit window)",
            "target": f"≤ {TARGETS['quiet_share']:.0%}",
            "verdict": _verdict(quiet["share"], TARGETS["quiet_share"]),
        },
        _rss_row(f"{n:,} articles", crawl),
    ]
    if "big" in figures:
        big = figures["big"]
        rows += [
            _rss_row(f"{args.big:,} articles ({big['wall_s']:.0f} s crawl)", big),
            _growth_row(
                f"Peak RSS growth of the crawl process, {n:,} → {args.big:,} articles",
                crawl["crawl_child_rss_mb"],
                big["crawl_child_rss_mb"],
            ),
            _growth_row(
                f"Peak RSS growth of a quiet run over the stored archive, {n:,} → "
                f"{args.big:,} articles",
                crawl["quiet_child_rss_mb"],
                big["quiet_child_rss_mb"],
            ),
        ]
    rows += [
        {
            "figure": "CPU per article: extraction + pipelines",
            "value": f"{cpu['total_ms']:.2f} ms ({cpu['extraction_ms']:.2f} + "
            f"{cpu['pipelines_ms']:.2f})",
            "target": f"≤ {TARGETS['cpu_ms']:.0f} ms",
            "verdict": _verdict(cpu["total_ms"], TARGETS["cpu_ms"]),
        },
        {
            "figure": f"Search latency p50 / p95 ({search['articles']:,} articles, "
            f"{search['queries']} queries)",
            "value": f"{search['p50_ms']:.1f} / {search['p95_ms']:.1f} ms",
            "target": f"p95 ≤ {TARGETS['search_p95_ms']:.0f} ms",
            "verdict": _verdict(search["p95_ms"], TARGETS["search_p95_ms"]),
        },
    ]
    return rows


def _growth_row(label: str, small: float, big: float) -> dict[str, str]:
    growth = big / small - 1
    return {
        "figure": label,
        "value": f"{growth:+.1%} ({small:.0f} → {big:.0f} MB)",
        "target": f"≤ +{TARGETS['rss_growth']:.0%}",
        "verdict": _verdict(growth, TARGETS["rss_growth"]),
    }


def _rss_row(label: str, run: dict[str, Any]) -> dict[str, str]:
    """Crawl process and reader helper together (sum of their peaks); the crawl's own in ()."""
    total = run["crawl_total_rss_mb"]
    return {
        "figure": f"Peak RSS of the crawl, {label}",
        "value": f"{total:.0f} MB (crawl process {run['crawl_child_rss_mb']:.0f} MB + helper)",
        "target": f"≤ {TARGETS['rss_mb']:.0f} MB",
        "verdict": _verdict(total, TARGETS["rss_mb"]),
    }


def markdown(rows: list[dict[str, str]], meta: dict[str, Any]) -> str:
    lines = ["| figure | value | target | |", "|---|---|---|---|"]
    lines += [f"| {r['figure']} | {r['value']} | {r['target']} | {r['verdict']} |" for r in rows]
    lines.append("")
    lines.append(
        f"{meta['date']}, commit {meta['commit']}, {meta['cpus']} CPUs, Python "
        f"{meta['python']}, Scrapy {meta['scrapy']}; {meta['reps']} runs each, medians; "
        f"the benchmark took {meta['duration_s'] / 60:.1f} min."
    )
    return "\n".join(lines) + "\n"


def plain(rows: list[dict[str, str]]) -> str:
    widths = [max(len(r[k]) for r in rows) for k in ("figure", "value", "target")]
    out = []
    for r in rows:
        cells = [r[k].ljust(w) for k, w in zip(("figure", "value", "target"), widths, strict=True)]
        out.append("  ".join([*cells, r["verdict"]]))
    return "\n".join(out)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="main comparison size")
    parser.add_argument("--big", type=int, default=20000, help="memory comparison (0: skip)")
    parser.add_argument("--reps", type=int, default=3, help="runs of each timed crawl")
    parser.add_argument("--quiet-articles", type=int, default=QUIET_ARTICLES)
    parser.add_argument("--cpu-pages", type=int, default=500)
    parser.add_argument("--search-articles", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/latest.json")
    parser.add_argument("--readme", type=Path, help="also update this README's table")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.big, args.reps = 300, 0, 1
        args.quiet_articles, args.cpu_pages, args.search_articles = 300, 100, 5000
    if not 1 <= args.articles <= 20000 or not 0 <= args.big <= 20000:
        parser.error("--articles and --big go up to 20,000")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="portalcrawl-bench-") as tmp:
        figures = run(args, Path(tmp))
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "commit": _commit(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "reps": args.reps,
        "articles": args.articles,
        "big": args.big,
        "settings": list(crawlbench.LOCAL_SETTINGS),
        "duration_s": time.perf_counter() - started,
    }
    rows = table(figures, args)
    table_md = markdown(rows, meta)
    print(plain(rows))
    print(f"({meta['duration_s']:.0f} s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "figures": figures, "table": rows}
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
    args.out.with_suffix(".md").write_text(table_md, encoding="utf-8")
    if args.readme:
        replace_marked(args.readme, "bench", table_md)
    return 0 if all(r["verdict"] == "PASS" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
