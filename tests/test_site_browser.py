"""The site as a person sees it, in headless Chromium at a phone's width: from the index to an
edit's permalink, the changed words struck through and underlined; every internal link
resolves; no console error, no sideways scrolling, no request to anywhere but the site.

These are never skipped: .ci/run installs chromium and chromium-driver where they are missing.
"""

from __future__ import annotations

import json
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from monitor.site.build import build_site
from tests.browser import phone_browser, serve
from tests.evidencekit import site_world
from tests.outbox import MARKED_TITLE, bidi_notices

pytestmark = pytest.mark.slow
PAGES = 40  # opened in the browser; the last test checks every link of every page on disk


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    world = site_world(tmp_path_factory.mktemp("browser"))
    world.server.stop()
    with serve(world.db.parent.parent / "site") as base, phone_browser() as driver:
        yield world, base, driver


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.hrefs.append(value)


def _status(url: str) -> int:
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as r:
        return r.status


def _open(driver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def test_the_index_leads_to_the_edit_with_its_words_struck_and_underlined(site) -> None:
    world, base, driver = site
    _open(driver, base + "index.html")
    assert driver.execute_script("return document.documentElement.lang") == "vi"
    link = driver.find_element(By.CSS_SELECTOR, f'a[href="a/{world.edited}/v2.html"]')
    (title,) = world.rows(
        "SELECT title FROM article_versions WHERE asset_id = ? AND version = 2", world.edited
    )[0]
    assert link.text == title  # Vietnamese intact, as the reader sees it
    link.click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith(f"{world.edited}/v2.html"))
    heading = driver.find_element(By.CSS_SELECTOR, "h1")
    assert heading.text == title
    inline = driver.find_element(By.CSS_SELECTOR, "div.inline")
    struck = [e for e in inline.find_elements(By.TAG_NAME, "del") if e.is_displayed()]
    added = [e for e in inline.find_elements(By.TAG_NAME, "ins") if e.is_displayed()]
    assert any("Đảng" in e.text for e in struck), [e.text for e in struck]
    assert any("Tỉnh" in e.text for e in added), [e.text for e in added]
    style = "return getComputedStyle(arguments[0]).textDecorationLine"
    assert all("line-through" in driver.execute_script(style, e) for e in struck)
    assert all("underline" in driver.execute_script(style, e) for e in added)
    portal = driver.find_element(By.PARTIAL_LINK_TEXT, "127.0.0.1")
    assert "/content/" in portal.get_attribute("href")
    original = driver.find_element(By.CSS_SELECTOR, 'a[href="v2.warc.gz"]')
    assert _status(original.get_attribute("href")) == 200


def test_a_spoofing_title_reads_with_its_bidi_control_as_a_code_point(site, tmp_path) -> None:
    _, _, driver = site
    with bidi_notices(tmp_path / "portal.sqlite3") as st:
        build_site(st, tmp_path / "site", sections=[("thong-bao", "Thông báo")])
    with serve(tmp_path / "site") as base:
        _open(driver, base + "a/1/v1.html")
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == MARKED_TITLE
        assert driver.title == f"v1: {MARKED_TITLE}"


def test_every_page_reached_from_the_index_is_clean_at_phone_width(site) -> None:
    world, base, driver = site
    driver.get_log("browser")
    driver.get_log("performance")  # start both logs afresh
    queue, seen, checked = [base + "index.html"], set(), 0
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        _open(driver, url)
        checked += 1
        width = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1], f"{url} scrolls sideways: {width}"
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], f"{url}: {errors}"
        hrefs = driver.execute_script("return Array.from(document.links).map(a => a.href)")
        for href in hrefs:
            target = href.split("#")[0]
            if not target.startswith(base):
                continue  # the portal's own pages: links out, never loaded by the site
            if target.endswith(".html") and target not in seen and len(seen) < PAGES:
                queue.append(target)
            else:
                assert _status(target) == 200, target
    assert checked >= 15
    outside = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requested = message["params"]["request"]["url"]
            if not requested.startswith((base, "data:", "about:")):
                outside.add(requested)
    assert outside == set()


def test_every_internal_link_of_every_page_resolves(site) -> None:
    world, base, _ = site
    root = world.db.parent.parent / "site"
    pages = sorted(root.rglob("*.html"))
    broken = []
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        url = base + page.relative_to(root).as_posix()
        for href in parser.hrefs:
            target = urljoin(url, href).split("#")[0]
            if urlsplit(target).netloc != urlsplit(base).netloc:
                continue
            path = root / urlsplit(target).path[1:]
            if not Path(path).is_file():
                broken.append((page.relative_to(root).as_posix(), href))
    assert broken == []
    assert _status(base + "feed.atom") == 200
