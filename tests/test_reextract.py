"""`monitor reextract` reads the archived pages again: zero requests reach the portal, nothing
changes while the profile is the same, and after a profile change exactly the articles whose
reading changed get a version marked re-extraction, announced to no journalist."""

from __future__ import annotations

from pathlib import Path

import pytest

from portalcrawl.site.profile import PROFILE_DIR
from tests.clirun import crawl, monitor_cli
from tests.evidencekit import changed_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = changed_world(tmp_path_factory.mktemp("reextract"))
    yield world
    world.server.stop()


def _no_author_profile(tmp: Path) -> Path:
    """The shipped profile with the author selector pointing at nothing."""
    text = (PROFILE_DIR / "dongthap.toml").read_text(encoding="utf-8")
    assert 'author = "p.author-detail"' in text
    path = tmp / "no-author.toml"
    path.write_text(text.replace('author = "p.author-detail"', 'author = "p.nothing"'), "utf-8")
    return path


def test_the_same_profile_reads_the_same_and_asks_the_portal_nothing(world) -> None:
    notices = world.rows("SELECT count(*) FROM notices")
    world.server.clear_log()
    result = monitor_cli("reextract", "--db", str(world.db))
    assert result.returncode == 0, result.stderr
    assert "0 articles changed" in result.stdout
    assert world.server.requests == []
    assert world.rows("SELECT count(*) FROM notices") == notices
    assert world.rows("SELECT count(*) FROM article_versions WHERE origin = 'reextract'") == [(0,)]


def test_a_profile_change_records_reextraction_versions_only_where_reading_changed(
    world, tmp_path
) -> None:
    profile = _no_author_profile(tmp_path)
    with_author = {  # pages in the profile's template (the fallback reads its own author)
        a
        for (a,) in world.rows(
            "SELECT asset_id FROM articles WHERE status='live' AND author > '' "
            "AND extraction = 'profile'"
        )
    }
    assert with_author, "the corpus has signed articles"
    versions = world.rows("SELECT count(*) FROM article_versions")[0][0]
    events = world.rows("SELECT count(*) FROM article_events")
    journalist = world.rows("SELECT count(*) FROM notices WHERE kind != 'crawler_alert'")
    world.server.clear_log()

    dry = monitor_cli("reextract", "--db", str(world.db), "--profile", str(profile), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    would = {int(ln.split()[2]) for ln in dry.stdout.splitlines() if ln.startswith("would")}
    assert would == with_author
    assert all("(author)" in ln for ln in dry.stdout.splitlines() if ln.startswith("would"))
    assert world.rows("SELECT count(*) FROM article_versions")[0][0] == versions

    real = monitor_cli("reextract", "--db", str(world.db), "--profile", str(profile))
    assert real.returncode == 0, real.stderr
    summary = [ln for ln in real.stdout.splitlines() if ln.startswith("reextract:")]
    assert len(summary) == 1 and f"{len(with_author)} articles changed" in summary[0]
    assert world.server.requests == []
    new = world.rows(
        "SELECT asset_id, changed_fields, author, warc_record_id FROM article_versions "
        "WHERE origin = 'reextract'"
    )
    assert {a for a, *_ in new} == with_author
    assert all(f == '["author"]' and author is None and rid for _, f, author, rid in new)
    assert world.rows("SELECT count(*) FROM article_events") == events
    assert world.rows("SELECT count(*) FROM notices WHERE kind != 'crawler_alert'") == journalist
    alerts = world.rows("SELECT title FROM notices WHERE kind='crawler_alert' AND run_id IS NULL")
    assert len(alerts) == 1 and f"{len(with_author)} of" in alerts[0][0]

    again = monitor_cli("reextract", "--db", str(world.db), "--profile", str(profile))
    assert "0 articles changed" in again.stdout
    (tmp_path / "portalcrawl.toml").write_text(f'[portal]\nprofile = "{profile}"\n', "utf-8")
    outcome = crawl(world.server, world.db, "--full", cwd=tmp_path)
    assert outcome["edited"] == 0, "the crawl with the new profile finds nothing to announce"
