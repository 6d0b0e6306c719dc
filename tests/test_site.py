"""The static site: built after every run from the config's [site], incremental, every page a
valid HTML5 document in Vietnamese that loads nothing from elsewhere; permalinks in notices,
JSON lines and feeds; the archived original served beside each version."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest

from monitor.site.build import build_site
from tests.clirun import crawl, monitor_cli
from tests.evidencekit import BASE_URL, EDIT_WORDS, site_world
from tests.outbox import BIDI, MARKED_TITLE, bidi_notices

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = site_world(tmp_path_factory.mktemp("site"))
    yield world
    world.server.stop()


def _site(world) -> Path:
    return world.db.parent.parent / "site"


def _html(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_page_is_valid_vietnamese_html_that_loads_nothing_from_elsewhere(world) -> None:
    pages = sorted(_site(world).rglob("*.html"))
    assert len(pages) > 30
    parser = html5lib.HTMLParser(strict=True)
    for page in pages:
        text = _html(page)
        parser.parse(text)  # raises on any HTML5 parse error
        assert text.startswith('<!DOCTYPE html>\n<html lang="vi">'), page
        assert "Content-Security-Policy\" content=\"default-src 'self'" in text, page
        assert "<script" not in text and " style=" not in text and "<style" not in text, page
        assert not re.search(r'<(link|img|iframe)[^>]+(href|src)="(https?:)?//', text), page


def test_the_index_lists_changes_newest_first_with_kind_section_time_and_title(world) -> None:
    index = _html(_site(world) / "index.html")
    times = re.findall(r'<time datetime="([^"]+)"', index)
    assert times and times == sorted(times, reverse=True)
    assert f'href="a/{world.edited}/v2.html"' in index
    assert f'href="a/{world.taken}/index.html"' in index
    for label in ("Đã sửa", "Đã gỡ", "Đăng lại", "Tin mới"):
        assert f'<span class="kind">{label}</span>' in index
    kind_page = _html(_site(world) / "kind" / "removed.html")
    assert f"a/{world.taken}/index.html" in kind_page and "/v2.html" not in kind_page


def test_the_permalink_shows_the_word_diff_fields_times_and_proof(world) -> None:
    page = _html(_site(world) / "a" / str(world.edited) / "v2.html")
    assert "<del>Đảng</del>" in page or re.search(r"<del>[^<]*</del> <ins>Tỉnh</ins>", page)
    assert f"<ins>{EDIT_WORDS[0]}</ins>" in page
    assert 'class="sbs"' in page and "Trước" in page and "Sau" in page
    assert "tiêu đề, nội dung" in page.lower()
    (url,) = world.rows(
        "SELECT url FROM article_versions WHERE asset_id = ? AND version = 2", world.edited
    )[0]
    assert f'href="{url}"' in page
    (record,) = world.rows(
        "SELECT warc_record_id FROM article_versions WHERE asset_id = ? AND version = 2",
        world.edited,
    )[0]
    assert html.escape(record) in page and 'href="v2.warc.gz"' in page
    original = _site(world) / "a" / str(world.edited) / "v2.warc.gz"
    warcio = Path(sys.executable).with_name("warcio")
    checked = subprocess.run(
        [str(warcio), "check", "-v", str(original)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and record in checked.stdout, checked.stdout


def test_removed_and_restored_articles_show_as_such_with_their_last_text(world) -> None:
    removed = _html(_site(world) / "a" / str(world.taken) / "index.html")
    assert 'class="status">Đã gỡ khỏi cổng' in removed
    (body,) = world.rows("SELECT body_text FROM articles WHERE asset_id = ?", world.taken)[0]
    first = body.split("\n\n")[0]
    assert first.replace("&", "&amp;") in removed
    assert re.search(r'href="e\d+\.warc\.gz"', removed)
    restored = _html(_site(world) / "a" / str(world.soft) / "index.html")
    assert "Đăng lại" in restored and "Đã gỡ" in restored and 'class="status"' not in restored


def test_notices_jsonl_and_feeds_carry_the_permalink(world) -> None:
    (link,) = world.rows(
        "SELECT permalink FROM notices WHERE kind = 'edited' AND asset_id = ?", world.edited
    )[0]
    assert link == f"{BASE_URL}a/{world.edited}/v2.html"
    lines = (world.db.parent.parent / "notices.jsonl").read_text(encoding="utf-8").splitlines()
    assert any(json.loads(line).get("permalink") == link for line in lines)
    feed = ET.parse(_site(world) / "feed.atom").getroot()
    hrefs = [e.get("href") for e in feed.iter(f"{ATOM}link") if e.get("rel") == "alternate"]
    assert link in hrefs
    section = ET.parse(_site(world) / "section" / "tin-hoat-dong.atom").getroot()
    assert section.findall(f"{ATOM}entry")
    out = world.db.parent.parent / "notices.atom"
    monitor_cli("feed", "--db", str(world.db), "--out", str(out))
    related = [e.get("href") for e in ET.parse(out).getroot().iter(f"{ATOM}link")]
    assert link in related


def test_a_run_rewrites_only_the_pages_its_changes_touch(world) -> None:
    site = _site(world)
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    edited = world.server.corpus.by_id(world.new)
    world.server.corpus.edit(world.new, title=edited.title + " (cập nhật)")
    crawl(world.server, world.db, cwd=world.db.parent.parent)
    after = {p: p.stat().st_mtime_ns for p in site.rglob("*") if p.is_file()}
    changed = {p.relative_to(site).as_posix() for p in after if before.get(p) != after[p]}
    touched = {n for n in changed if n.startswith("a/")}
    assert touched == {
        f"a/{world.new}/index.html",
        f"a/{world.new}/v1.html",
        f"a/{world.new}/v2.html",
        f"a/{world.new}/v2.warc.gz",
    }
    assert {"index.html", "feed.atom", "kind/edited.html"} <= changed
    assert "kind/removed.html" not in changed


def test_bad_site_options_are_one_line_errors(world, tmp_path) -> None:
    inside = monitor_cli("site", "--db", str(world.db), "--out", str(world.db.parent))
    assert inside.returncode == 1 and inside.stderr.startswith("error: ")
    assert "holds the store" in inside.stderr
    bad = monitor_cli(
        "site", "--db", str(world.db), "--out", str(tmp_path / "s"), "--base-url", "ftp://x"
    )
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_bidi_controls_are_shown_as_code_points_on_every_page(tmp_path) -> None:
    out = tmp_path / "site"
    with bidi_notices(tmp_path / "portal.sqlite3") as st:
        build_site(st, out, sections=[("thong-bao", "Thông báo"), ("tin-hoat-dong", "Tin")])
    files = [p for p in out.rglob("*") if p.suffix in (".html", ".atom")]
    assert len(files) > 8
    for path in files:
        assert not set(_html(path)) & set(BIDI), path
    marked = html.escape(MARKED_TITLE)
    index = _html(out / "index.html")
    assert index.count(marked) == 2  # the new article and the edited one
    new = _html(out / "a" / "1" / "v1.html")
    assert f"<title>v1: {marked}</title>" in new and f"<h1>{marked}</h1>" in new
    html5lib.HTMLParser(strict=True).parse(new)
    edit = _html(out / "a" / "100" / "v2.html")
    assert "<ins>Sapo &lt;U+2066&gt;ẩn&lt;U+2069&gt; mới</ins>" in edit
    assert "&lt;U+202E&gt;đã sửa&lt;U+202C&gt; xong.</ins>" in edit
    feed = ET.parse(out / "feed.atom").getroot()
    titles = [e.text for e in feed.iter(f"{ATOM}title")]
    assert f"Tin mới: {MARKED_TITLE}" in titles
