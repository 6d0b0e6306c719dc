"""The monitor through a series of portal states, with real SMTP and webhook receivers.

Each test has its own portal and store, crawled once for a baseline by a fixture, then one
change: edits and noise, removals, an old edit found only by --full, a quiet run, a redesign.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from monitor.localportal import PortalServer, build_corpus
from tests.clirun import LOCAL_COPY, monitor_cli

pytestmark = pytest.mark.slow
VN = timezone(timedelta(hours=7))


@pytest.fixture
def world(tmp_path):
    """A portal and a store of this test's own, with articles inside the revisit window."""
    tmp = tmp_path
    corpus = build_corpus(seed=3, n=120)
    news = [a for a in corpus.recent() if a.template == "news"][:12]
    for hours, article in enumerate(news, start=1):  # enough articles inside the revisit window
        corpus.edit(article.asset_id, published=datetime.now(VN) - timedelta(hours=hours * 2))
    with PortalServer(corpus) as server:
        yield {"corpus": corpus, "server": server, "db": tmp / "portal.sqlite3", "tmp": tmp}


@pytest.fixture
def config(world, hook, smtp):
    """A config whose channels are a webhook, an SMTP box and a jsonl file."""
    box, port = smtp
    path = world["tmp"] / "portalcrawl.toml"
    path.write_text(
        f"""
[[channels]]
name = "desk-webhook"
url = "{hook.url()}"

[[channels]]
name = "desk-mail"
url = "mailto://127.0.0.1:{port}?from=portalcrawl@example.com&to=desk@example.com"
kinds = ["new", "edited", "removed"]

[[channels]]
name = "flood-watch"
url = "jsonl://{world["tmp"] / "flood.jsonl"}"
keywords = ["ngap", "sạt lở"]
""",
        encoding="utf-8",
    )
    return {"path": str(path), "hook": hook, "box": box}


def _run(world, config, *extra: str) -> dict:
    result = monitor_cli(
        "--config",
        config["path"],
        "run",
        "--portal-url",
        world["server"].base_url,
        "--db",
        str(world["db"]),
        "--json",
        *LOCAL_COPY,
        *extra,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def baseline(world, config) -> dict:
    """The first run over the untouched portal: everything stored, nothing announced."""
    return _run(world, config)


def notices(world, run_id: int) -> list[dict]:
    result = monitor_cli("notices", "--db", str(world["db"]), "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return [n for n in rows if n["run_id"] == run_id]


def recent(corpus, hours: float = 40) -> list:
    cutoff = datetime.now(VN) - timedelta(hours=hours)
    return [a for a in corpus.recent() if a.published >= cutoff and a.template == "news"]


def test_baseline_announces_nothing(world, config, baseline) -> None:
    outcome = baseline
    assert outcome["status"] == "ok" and outcome["stats"]["articles"] > 100
    assert notices(world, outcome["run_id"]) == []
    assert config["hook"].received == [] and config["box"].messages == []


def test_edits_and_new_posts_are_announced_once_and_noise_is_not(world, config, baseline) -> None:
    corpus, server = world["corpus"], world["server"]
    candidates = recent(corpus)
    assert len(candidates) >= 7, "the corpus needs recent articles"
    titled, bodied, attached, nfd, tone, spaces, noisy = candidates[:7]
    corpus.edit(titled.asset_id, title=titled.title + " (cập nhật)")
    corpus.edit(bodied.asset_id, paragraphs=list(bodied.paragraphs) + ["Đoạn văn mới thêm."])
    corpus.edit(
        attached.asset_id, attachments=[*attached.attachments, "/documents/20182/9/phu-luc.pdf"]
    )
    corpus.resave(nfd.asset_id, "nfd")
    corpus.resave(tone.asset_id, "tone")
    corpus.resave(spaces.asset_id, "spaces")
    corpus.bump_noise(noisy.asset_id)
    fresh = corpus.new_article(
        "tin-hoat-dong",
        sections=["tin-hoat-dong", "bao-chi-voi-dong-thap"],
        title="Mưa lớn gây ngập nhiều tuyến đường ở Cao Lãnh",
        source="Báo Đồng Tháp",
    )
    server.clear_log()
    outcome = _run(world, config)
    got = notices(world, outcome["run_id"])
    kinds = sorted((n["kind"], n.get("asset_id")) for n in got)
    assert kinds == sorted(
        [
            ("new", fresh.asset_id),
            ("edited", titled.asset_id),
            ("edited", bodied.asset_id),
            ("edited", attached.asset_id),
        ]
    )
    fields = {n["asset_id"]: n["fields"] for n in got if n["kind"] == "edited"}
    assert fields[titled.asset_id] == ["title"]
    assert fields[bodied.asset_id] == ["body_text"]
    assert fields[attached.asset_id] == ["attachments"]
    new = next(n for n in got if n["kind"] == "new")
    assert new["title"] == "Mưa lớn gây ngập nhiều tuyến đường ở Cao Lãnh"
    body_diff = next(n for n in got if n["asset_id"] == bodied.asset_id)["diff"]
    assert "{+Đoạn văn mới thêm.+}" in body_diff
    received = [p["notice_ids"] for _, p in config["hook"].received]
    assert len(received) == 4 and len(set(received)) == 4
    subjects = [m["Subject"] for m in config["box"].messages]
    assert any("Mưa lớn gây ngập" in s for s in subjects) and len(subjects) == 4
    flood = (world["tmp"] / "flood.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["title"] for line in flood] == [new["title"]]


def test_removed_articles_are_announced_and_rows_kept(world, config, baseline) -> None:
    corpus = world["corpus"]
    gone, unpublished = recent(corpus)[7:9]
    corpus.remove(gone.asset_id)
    corpus.remove(unpublished.asset_id, soft=True)
    outcome = _run(world, config)
    got = notices(world, outcome["run_id"])
    assert sorted((n["kind"], n["asset_id"]) for n in got) == sorted(
        [("removed", gone.asset_id), ("removed", unpublished.asset_id)]
    )
    conn = sqlite3.connect(world["db"])
    status = dict(
        conn.execute(
            "SELECT asset_id, status FROM articles WHERE asset_id IN (?, ?)",
            [gone.asset_id, unpublished.asset_id],
        ).fetchall()
    )
    conn.close()
    assert status == {gone.asset_id: "removed", unpublished.asset_id: "removed"}


def test_full_run_finds_an_old_edit_and_repeats_nothing(world, config, baseline) -> None:
    corpus = world["corpus"]
    old = next(a for a in reversed(corpus.recent()) if a.template == "news")
    corpus.edit(old.asset_id, paragraphs=list(old.paragraphs) + ["Đính chính số liệu."])
    # the rolling audit would find it too (tests/test_backfill.py): off here, so only --full can
    quiet = _run(world, config, "--set", "PORTALCRAWL_AUDIT_CYCLE_HOURS=0")
    assert notices(world, quiet["run_id"]) == []
    full = _run(world, config, "--full")
    got = notices(world, full["run_id"])
    assert [(n["kind"], n["asset_id"], n["fields"]) for n in got] == [
        ("edited", old.asset_id, ["body_text"])
    ]


def test_a_run_with_no_change_is_silent_and_cheap(world, config, baseline) -> None:
    server = world["server"]
    server.clear_log()
    outcome = _run(world, config)
    assert notices(world, outcome["run_id"]) == []
    recent_count = len(recent(world["corpus"], hours=48))
    assert len(server.requests) <= 1 + 6 + recent_count + 2


def test_a_template_redesign_raises_a_crawler_alert(world, config, baseline) -> None:
    world["server"].set_template("redesign")
    world["corpus"].new_article("thong-cao-bao-chi")
    outcome = _run(world, config)
    kinds = [n["kind"] for n in notices(world, outcome["run_id"])]
    assert "crawler_alert" in kinds
    assert "edited" not in kinds
