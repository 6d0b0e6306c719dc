"""Each rendering of the local portal (Liferay 7.4, 7.3, a custom-route portal) through what an
operator does: `profile discover`, `profile check`, `run` with the discovered profile, the
portal changes, `run` again. Every article stored once with the right fields, every listing
page read once, new / edited / removed / unpublished found with no noise."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.site import SECTION_BY_PATH
from portalcrawl.site.profile import load_profile
from tests.clirun import crawl, monitor_cli

pytestmark = pytest.mark.slow

VARIANTS = ("liferay74", "liferay73", "custom-route")


def _rows(db: Path) -> dict[int, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = {r["asset_id"]: dict(r) for r in conn.execute("SELECT * FROM articles")}
    conn.close()
    return out


def _events(db: Path, run_id: int) -> dict[str, set[int]]:
    conn = sqlite3.connect(db)
    out: dict[str, set[int]] = {}
    for kind, asset_id in conn.execute(
        "SELECT kind, asset_id FROM article_events WHERE run_id = ?", [run_id]
    ):
        out.setdefault(kind, set()).add(asset_id)
    conn.close()
    return out


def _section(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _listing_pages(requests, paths: set[str]) -> Counter:
    """(section, page number) of every listing request."""
    pages: Counter = Counter()
    for record in requests:
        parts = urlsplit(record.path)
        if parts.path.strip("/") not in paths:
            continue
        query = dict(parse_qsl(parts.query))
        number = next((v for k, v in query.items() if k.endswith("_cur") or k == "page"), "1")
        pages[(_section(parts.path.strip("/")), int(number))] += 1
    return pages


@pytest.mark.parametrize("variant", VARIANTS)
def test_discover_check_run_on_each_variant(variant: str, tmp_path: Path) -> None:
    corpus = build_corpus(seed=23, n=45)
    db, profile_file = tmp_path / "portal.sqlite3", tmp_path / f"{variant}.toml"
    with PortalServer(corpus, variant=variant) as server:
        found = monitor_cli(
            "profile", "discover", server.base_url, "--out", str(profile_file), "--delay", "0"
        )
        assert found.returncode == 0, found.stderr
        assert server.requests and len(server.requests) <= 40
        assert not any(r.path.startswith(("/c/", "/tim-kiem", "/video")) for r in server.requests)
        profile = load_profile(str(profile_file))
        assert {s.path for s in profile.sections} == set(SECTION_BY_PATH)
        assert profile.site == server.renderer.variant.prefix
        groups = {s.path: s.group for s in profile.sections}
        assert groups == {s.path: s.group for s in SECTION_BY_PATH.values()}
        checked = monitor_cli(
            "profile", "check", "--profile", str(profile_file), "--portal-url",
            server.base_url, "--delay", "0", "--json", "--sample", "2",
        )  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
        report = json.loads(checked.stdout)
        assert report["ok"]
        for section in report["sections"]:
            assert section["articles"] and not section["failures"], section
            assert "missing" not in section["fields"]["title"], section
            assert section["fields"]["body"].get("profile"), section  # not only the fallback

        server.clear_log()
        first = crawl(server, db, "--profile", str(profile_file))
        assert first["status"] == "ok" and first["stats"]["unparseable_pages"] == 0
        expected = {
            a: e for a, e in corpus.expected(server.base_url).items() if e["state"] == "live"
        }
        stored = _rows(db)
        assert set(stored) == set(expected)
        for asset_id, want in expected.items():
            got = stored[asset_id]
            assert got["title"] == want["title"], asset_id
            assert got["body_text"] == want["body_text"], asset_id
            assert (got["summary"] or "") == want["summary"], asset_id
            assert (got["author"] or "") == want["author"], asset_id
            assert got["published_at"][:16] == want["published"][:16], asset_id
            assert sorted(json.loads(got["sections"])) == sorted(want["sections"]), asset_id
            offset = server.renderer.variant.article_id_offset
            if variant != "custom-route" and want["template"] != "migrated":
                assert got["article_id"] == asset_id - offset
        article_hits = Counter(
            r.path for r in server.requests if "chi-tiet" in r.path or "/-/" in r.path
        )
        assert article_hits and max(article_hits.values()) == 1
        paths = {f"{profile.site}/{s.path}".strip("/") for s in profile.sections}
        pages = _listing_pages(server.requests, paths)
        assert max(pages.values()) == 1, pages  # no listing page read twice
        later = [dict(parse_qsl(urlsplit(r.path).query)) for r in server.requests]
        asked_again = [
            q
            for q in later
            if any(k.endswith("_delta") and v == "75" for k, v in q.items())
            and any(k.endswith("_cur") and v != "1" for k, v in q.items())
        ]
        assert not asked_again  # the portal's own size after page 1, not 75 again
        for section in profile.sections:
            read = sorted(n for (s, n) in pages if s == _section(section.path))
            assert read == list(range(1, len(read) + 1)), (section.path, read)  # none missed

        live = sorted(
            (a for a in corpus.articles if a.state == "live" and a.template == "news"),
            key=lambda a: a.published,
            reverse=True,
        )
        edited, gone, unpublished = live[1], live[2], live[3]
        corpus.edit(edited.asset_id, title=edited.title + " (cập nhật)")
        corpus.remove(gone.asset_id)
        corpus.remove(unpublished.asset_id, soft=True)
        new = corpus.new_article("tin-hoat-dong")
        second = crawl(server, db, "--profile", str(profile_file))
        events = _events(db, second["run_id"])
        assert events.get("new") == {new.asset_id}
        assert events.get("edited") == {edited.asset_id}
        assert events.get("removed") == {gone.asset_id, unpublished.asset_id}
        assert set(events) == {"new", "edited", "removed"}, events
