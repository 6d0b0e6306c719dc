"""Page reader: the hand-written helper (fork, pipes, pickles: portalcrawl/parsing/reader.py)
against the plain way, a ProcessPoolExecutor of one worker, on the local copy's page mix.

The pages are the local copy's article pages as it serves them (every quirk of its corpus: cover
images, attachments, tables, noise, missing dates and authors), with 5% taken down (soft 404).
Each way reads the same pages from an asyncio loop, `--in-flight` at a time (the crawl's
CONCURRENT_REQUESTS for a local copy); the figures are the wall time per 1,000 pages and the
CPU the crawl's own process spends per page (what a helper exists to take off the core that
runs Scrapy: in a crawl that core is the bottleneck), medians and bests of `--reps`
interleaved. In process is the work itself, for scale.

    .venv/bin/python benchmarks/readerbench.py          # writes benchmarks/results/reader.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.localportal import build_corpus  # noqa: E402
from monitor.localportal.render import Renderer  # noqa: E402
from monitor.localportal.routes import respond  # noqa: E402
from portalcrawl.parsing import reader  # noqa: E402
from portalcrawl.site.profile import Profile, load_profile  # noqa: E402

BASE = "http://127.0.0.1:8123"
RESULTS = ROOT / "benchmarks" / "results" / "reader.json"
Page = tuple[bytes, str, str, str | None, str | None, str | None]


def page_mix(count: int, seed: int) -> list[Page]:
    corpus = build_corpus(seed=seed, n=count)
    renderer = Renderer(corpus, BASE)
    for article in corpus.articles[::20]:
        corpus.remove(article.asset_id, soft=True)
    pages = []
    for article in corpus.articles:
        path = article.path(article.primary, "slug")
        body = respond(renderer, path).body
        pages.append(
            (body, "utf-8", BASE + path, article.primary, None, f"slug:{article.url_title}")
        )
    return pages


# -- the plain way: one pool worker, the profile handed over once (initializer) --------------

_worker: tuple[Profile, str] | None = None  # the pool worker's own profile (its process only)


def _init_worker(profile: Profile, base: str) -> None:
    global _worker
    _worker = (profile, base)


def _pool_read(body: bytes, encoding: str, url: str, *rest: Any) -> reader.Reading:
    assert _worker is not None
    return reader.read_page(reader.page_text(body, encoding), url, *_worker, *rest)


async def _gather(read: Callable[..., Awaitable[Any]], pages: list[Page], in_flight: int) -> list:
    limit = asyncio.Semaphore(in_flight)

    async def one(page: Page) -> Any:
        async with limit:
            return await read(*page)

    return await asyncio.gather(*(one(p) for p in pages))


def _timed(run: Callable[[], list]) -> tuple[float, float, list]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def in_process(profile: Profile, pages: list[Page]) -> tuple[float, float, list]:
    def read_all() -> list:
        return [
            reader.read_page(reader.page_text(b, e), u, profile, BASE, *rest)
            for b, e, u, *rest in pages
        ]

    return _timed(read_all)


def helper(profile: Profile, pages: list[Page], in_flight: int) -> tuple[float, float, list]:
    pagereader = reader.PageReader.start(profile, BASE)
    assert pagereader.helper is not None
    try:
        return _timed(lambda: asyncio.run(_gather(pagereader.read, pages, in_flight)))
    finally:
        pagereader.close()


def pool(profile: Profile, pages: list[Page], in_flight: int) -> tuple[float, float, list]:
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=_init_worker, initargs=(profile, BASE)
    ) as executor:
        executor.submit(int).result()  # the worker is up before the clock starts

        async def read(*page: Any) -> reader.Reading:
            return await asyncio.get_running_loop().run_in_executor(executor, _pool_read, *page)

        return _timed(lambda: asyncio.run(_gather(read, pages, in_flight)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    profile = load_profile()
    pages = page_mix(args.pages, args.seed)
    expected = in_process(profile, pages)[2]
    ways: dict[str, Callable[[], tuple[float, float, list]]] = {
        "in_process": lambda: in_process(profile, pages),
        "helper": lambda: helper(profile, pages, args.in_flight),
        "pool": lambda: pool(profile, pages, args.in_flight),
    }
    walls: dict[str, list[float]] = {name: [] for name in ways}
    cpus: dict[str, list[float]] = {name: [] for name in ways}
    for rep in range(args.reps):  # interleaved: the machine's load falls on every way alike
        for name, run in ways.items():
            wall, cpu, got = run()
            assert got == expected, f"{name}: readings differ from reading in process"
            walls[name].append(wall / len(pages) * 1000)
            cpus[name].append(cpu / len(pages) * 1000)
            print(f"rep {rep + 1} {name:10} {walls[name][-1]:6.2f} s/1000 pages", file=sys.stderr)
    best = {
        name: {
            "wall_s_per_1000_median": statistics.median(walls[name]),
            "wall_s_per_1000_best": min(walls[name]),
            "crawl_cpu_ms_per_page": min(cpus[name]),
            "crawl_cpu_ms_per_page_median": statistics.median(cpus[name]),
        }
        for name in ways
    }
    n = len(pages)
    result = {
        "pages": n,
        "soft_404": sum(1 for r in expected if r.not_found),
        "in_flight": args.in_flight,
        "reps": args.reps,
        "ways": best,
        "pool_vs_helper_wall": (
            best["pool"]["wall_s_per_1000_median"] / best["helper"]["wall_s_per_1000_median"]
        ),
        "pool_vs_helper_crawl_cpu": (
            best["pool"]["crawl_cpu_ms_per_page"] / best["helper"]["crawl_cpu_ms_per_page"]
        ),
        "load_average": os.getloadavg()[0],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    for name, line in best.items():
        print(
            f"{name:10}  wall {line['wall_s_per_1000_median']:6.2f} s per 1,000 pages (median)  "
            f"crawl-process CPU {line['crawl_cpu_ms_per_page']:5.2f} ms a page (best)"
        )
    print(
        f"pool / helper: wall {result['pool_vs_helper_wall']:.2f}x, "
        f"crawl-process CPU {result['pool_vs_helper_crawl_cpu']:.2f}x "
        f"(load average {result['load_average']:.1f} on {os.cpu_count()} CPUs)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
