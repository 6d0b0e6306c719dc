"""Search latency over a store of synthetic articles (100,000 by default).

The store is built fast with direct SQL into `articles` and `articles_fts` (folded as the store
folds), from the local copy's article writer, so words, lengths and sections look like the
portal's. It is kept between runs (benchmarks/.cache) since building takes a minute or two.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.data.search import search
from monitor.localportal.compose import Composer
from monitor.localportal.site import VN_TZ
from portalcrawl.store.database import Store
from portalcrawl.text.normalise import fold

SECTIONS = {
    "tin-hoat-dong": 35,
    "xay-dung-dang": 14,
    "kinh-te-xa-hoi": 20,
    "thong-cao-bao-chi": 10,
    "nguoi-phat-ngon": 6,
    "bao-chi-voi-dong-thap": 15,
}
CROSS = "bao-chi-voi-dong-thap"
BATCH = 5000
# (query, section): accents or not, one to three words, with and without --section.
QUERIES: tuple[tuple[str, str | None], ...] = (
    ("đảng viên", None),
    ("dang vien", None),
    ("chuyển đổi số", None),
    ("chuyen doi so", "tin-hoat-dong"),
    ("Sa Đéc", None),
    ("sa dec", "kinh-te-xa-hoi"),
    ("nông thôn mới", "xay-dung-dang"),
    ("xoai cao lanh", None),
    ("Ủy ban nhân dân", None),
    ("uy ban", "thong-cao-bao-chi"),
    ("phòng cháy", None),
    ("lúa", None),
    ("lua", "kinh-te-xa-hoi"),
    ("hội nghị", "xay-dung-dang"),
    ("cải cách hành chính", None),
    ("giam ngheo ben vung", None),
    ("du lịch", "bao-chi-voi-dong-thap"),
    ("Tháp Mười", None),
    ("thap muoi", "tin-hoat-dong"),
    ("bảo hiểm xã hội", "nguoi-phat-ngon"),
    ("sạt lở", None),
    ("sat lo", "thong-cao-bao-chi"),
    ("hợp tác xã", None),
    ("tỉnh", "tin-hoat-dong"),
)


def _row(composer: Composer, rng: random.Random, asset_id: int, when: datetime) -> dict[str, Any]:
    section = rng.choices(list(SECTIONS), weights=list(SECTIONS.values()))[0]
    template = "migrated" if rng.random() < 0.08 else "news"
    article = composer.article(asset_id, section, when, template)
    if section != CROSS and rng.random() < 0.15:
        article.sections.append(CROSS)
    article.url_title = f"bai-{asset_id}"
    fields = article.expected("https://dongthap.gov.vn")
    paragraphs = fields["body"]
    now = "2026-11-26T00:00:00+00:00"
    return {
        "asset_id": asset_id,
        "url": fields["url"],
        "title": fields["title"],
        "summary": fields["summary"] or None,
        "body_text": fields["body_text"],
        "body_html": "".join(f"<p>{p}</p>" for p in paragraphs),
        "published_at": fields["published"],
        "author": fields["author"] or None,
        "source": fields["source"] or None,
        "sections": json.dumps(fields["sections"], ensure_ascii=False),
        "images": json.dumps(fields["images"]),
        "attachments": json.dumps(fields["attachments"]),
        "content_hash": f"{asset_id:064x}",
        "version": 1,
        "extraction": "profile",
        "first_seen_at": now,
        "last_seen_at": now,
        "status": "live" if rng.random() > 0.01 else "removed",
    }


def build(path: Path, count: int, seed: int = 1) -> Path:
    """A store with `count` articles (newest last, ids rising as Liferay hands them out)."""
    if path.exists():
        Store(path).close()  # a kept store gets this version's schema, as a crawl would give it
        return path
    tmp = path.with_suffix(".building")
    for stale in tmp.parent.glob(tmp.name + "*"):
        stale.unlink()
    tmp.parent.mkdir(parents=True, exist_ok=True)
    Store(tmp).close()  # the real schema
    rng = random.Random(seed)
    composer = Composer(rng)
    start = datetime(2015, 1, 1, 7, 0, tzinfo=VN_TZ)
    step = (datetime(2026, 11, 25, tzinfo=VN_TZ) - start) / count
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA synchronous = OFF")
    asset_id = 3_700_000
    rows: list[dict[str, Any]] = []
    for i in range(count):
        asset_id += rng.randint(1, 9)
        when = (start + step * i).replace(second=0, microsecond=0)
        rows.append(_row(composer, rng, asset_id, when + timedelta(minutes=rng.randint(0, 59))))
        if len(rows) == BATCH or i == count - 1:
            _insert(conn, rows)
            rows = []
    conn.commit()
    conn.close()
    tmp.rename(path)
    for suffix in ("-wal", "-shm"):
        side = Path(str(tmp) + suffix)
        if side.exists():
            side.unlink()
    return path


def _insert(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    cols = list(rows[0])
    conn.executemany(
        f"INSERT INTO articles({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [list(r.values()) for r in rows],
    )
    conn.executemany(
        "INSERT INTO articles_fts(rowid, title, summary, body_text) VALUES (?,?,?,?)",
        [(r["asset_id"], fold(r["title"]), fold(r["summary"]), fold(r["body_text"])) for r in rows],
    )


def measure(path: Path, rounds: int = 5) -> dict[str, Any]:
    """Latency of monitor.data.search.search over QUERIES, warm, `rounds` times each."""
    with Store(path, readonly=True, create=False) as store:
        for query, section in QUERIES:  # warm the page cache
            search(store, query, section=section)
        times: list[float] = []
        by_kind: dict[str, list[float]] = {"plain": [], "section": []}
        for _ in range(rounds):
            for query, section in QUERIES:
                start = time.perf_counter()
                search(store, query, section=section)
                elapsed = (time.perf_counter() - start) * 1000
                times.append(elapsed)
                by_kind["section" if section else "plain"].append(elapsed)
        count = store.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {
        "articles": count,
        "queries": len(times),
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "max_ms": max(times),
        "p95_plain_ms": percentile(by_kind["plain"], 95),
        "p95_section_ms": percentile(by_kind["section"], 95),
    }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]
