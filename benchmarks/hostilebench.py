"""Hostile pages: what the reader's defences cost on ordinary pages, and what a hostile page
costs to read.

- The flattener's check (portalcrawl/parsing/flatten.py) on the local copy's article pages, as
  a share of reading the page (read_page: parse, extract, load, derive).
- Pages with a paragraph nested 1,500 / 5,000 / 50,000 `<div>`s deep: flattening and reading
  them whole (before the flattener: RecursionError at 1,500, everything past depth 2,048 lost).
- A page with a megabyte title: reading it and capping the title.

Medians of `--reps`. Not a test: the suite never runs it.

    .venv/bin/python benchmarks/hostilebench.py     # writes benchmarks/results/hostile.json
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.localportal import build_corpus  # noqa: E402
from monitor.localportal.render import Renderer  # noqa: E402
from monitor.localportal.routes import respond  # noqa: E402
from portalcrawl.parsing.flatten import flatten_deep  # noqa: E402
from portalcrawl.parsing.reader import read_page  # noqa: E402
from portalcrawl.site.profile import load_profile  # noqa: E402

BASE = "http://127.0.0.1:8123"
RESULTS = ROOT / "benchmarks" / "results" / "hostile.json"


def median_ms(fn: Callable[[], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    profile = load_profile()
    corpus = build_corpus(seed=11, n=args.pages)
    renderer = Renderer(corpus, BASE)
    pages = []
    for article in corpus.articles:
        path = article.path(article.primary, "slug")
        pages.append((respond(renderer, path).body.decode(), BASE + path, article.primary))

    def read_all() -> None:
        for html, url, section in pages:
            read_page(html, url, profile, BASE, section, None, None)

    def check_all() -> None:
        for html, _, _ in pages:
            flatten_deep(html)

    read = median_ms(read_all, args.reps) / len(pages)
    check = median_ms(check_all, args.reps) / len(pages)
    figures: dict[str, Any] = {
        "read_page_ms": round(read, 3),
        "flatten_check_ms": round(check, 4),
        "flatten_check_share": round(check / read, 4),
        "deep": {},
    }
    html, url, section = pages[1]
    for depth in (1_500, 5_000, 50_000):
        deep = "<div>" * depth + "<p>Đoạn sâu.</p>" + "</div>" * depth
        page = html.replace("</p>", "</p>" + deep, 1)
        flat_ms = median_ms(lambda page=page: flatten_deep(page), args.reps)
        read_ms = median_ms(
            lambda page=page: read_page(page, url, profile, BASE, section, None, None), args.reps
        )
        reading = read_page(page, url, profile, BASE, section, None, None)
        whole = "Đoạn sâu." in (reading.item or {}).get("body_text", "")
        figures["deep"][str(depth)] = {
            "flatten_ms": round(flat_ms, 1),
            "read_ms": round(read_ms, 1),
        }
        figures["deep"][str(depth)]["read_whole"] = whole
    title = corpus.articles[1].title
    huge = html.replace(f">{title}<", ">" + "Sạt lở bờ sông " * 70_000 + "<")
    figures["megabyte_title_read_ms"] = round(
        median_ms(lambda: read_page(huge, url, profile, BASE, section, None, None), args.reps), 1
    )
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "pages": len(pages),
        **figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"read_page {read:.2f} ms/page; flatten check {check:.3f} ms ({check / read:.1%} of it)")
    for depth, line in figures["deep"].items():
        print(
            f"{int(depth):>6,} nested divs: flatten {line['flatten_ms']} ms, read "
            f"{line['read_ms']} ms, read whole: {line['read_whole']}"
        )
    print(f"megabyte title: read in {figures['megabyte_title_read_ms']} ms")


if __name__ == "__main__":
    main()
