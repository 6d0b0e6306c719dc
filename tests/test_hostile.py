"""Hostile and malformed input over the local copy: links to other hosts and other schemes,
redirect loops and redirects away, huge, cut-off and broken pages, script and event-handler
markup. The crawl goes on, nothing off the portal is fetched, nothing unsanitised is stored,
and the feed and emails escape what they carry.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from monitor.data.feed import ATOM_NS, feed_element, serialize
from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.routes import HTML, Response
from monitor.localportal.site import content_path
from monitor.notify.delivery import Channel, deliver
from portalcrawl.store.database import Store
from tests.clirun import crawl
from tests.faultkit import article_path, check_store, query

pytestmark = pytest.mark.slow

TITLE = "<script>alert('tiêu đề')</script> Lũ & <b>sạt lở</b> ở Tân Hồng"
LOOP = content_path("tin-hoat-dong", "vong-lap-chuyen-huong")
AWAY = content_path("tin-hoat-dong", "chuyen-sang-trang-khac")
OFF_PORTAL = (
    "javascript:alert(document.cookie)",
    "  JaVaScRiPt:alert(1)",
    "mailto:banbientap@dongthap.gov.vn",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
    "http://evil.example" + content_path("tin-hoat-dong", "tin-gia"),
    "//evil.example" + content_path("tin-hoat-dong", "tin-gia-2"),
    "https://dongthap.gov.vn.evil.example" + content_path("tin-hoat-dong", "tin-gia-3"),
    "http://127.0.0.1:9" + content_path("tin-hoat-dong", "tin-gia-4"),
)
BODY_LINKS = (
    '<p>Xem thêm: <a href="javascript:alert(7)">một</a> <a href="file:///etc/passwd">hai</a> '
    '<a href="http://evil.example/x" onclick="steal()">ba</a> '
    '<a href="mailto:banbientap@dongthap.gov.vn">bốn</a>'
    '<img src="http://evil.example/pixel.gif" onerror="alert(8)"/>'
    '<svg onload="alert(9)"><circle r="1"/></svg><style>p{color:red}</style>'
    '<a href="vbscript:msgbox(1)">năm</a></p>'
)
BAD_URL = re.compile(r"(?i)(javascript|vbscript|data|file)\s*:")


def _entry(href: str) -> str:
    """A listing entry as Liferay writes it, pointing wherever the test likes."""
    return (
        '<div class="asset-abstract mb-5"><h4 class="component-title"><a class="asset-title" '
        f'href="{href}">Tin lạ</a></h4><div class="asset-content"><div class="asset-summary">'
        '<span class="news-date">26/11/2026</span> Tóm tắt.</div></div></div>'
    )


def _with_entries(response: Response) -> Response:
    extra = "".join(_entry(h) for h in (*OFF_PORTAL, LOOP, AWAY)).encode()
    body = response.body.replace(
        b'<div class="asset-abstract', extra + b'<div class="asset-abstract', 1
    )
    return dataclasses.replace(response, body=body)


def _redirect(location: str) -> Response:
    return Response(302, HTML, b"", (("Location", location),))


def _body_links(response: Response) -> Response:
    body = response.body.replace(b"</p>", b"</p>" + BODY_LINKS.encode(), 1)
    return dataclasses.replace(response, body=body)


def _huge(response: Response) -> Response:
    body = response.body.replace(b"</p>", b"</p><p>" + b"x " * 150_000 + b"</p>", 1)
    return dataclasses.replace(response, body=body)


def _cut(response: Response) -> Response:
    """Cut two thirds in, with a Content-Length that matches: only the missing </html> tells."""
    return dataclasses.replace(response, body=response.body[: len(response.body) * 2 // 3])


def _broken(response: Response) -> Response:
    """Unclosed and stray tags, a bad entity, an attribute without its quote, a NUL byte."""
    body = response.body.replace(b"</p>", b"").replace(b"</h3>", b"</span></b></h3>")
    body = body.replace(b'<p style="text-align: justify;">', b'<p class="x><b>&bogus;\x00', 2)
    return dataclasses.replace(response, body=body)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A baseline, then one run over every kind of hostile input at once."""
    corpus = build_corpus(seed=31, n=40)
    db = tmp_path_factory.mktemp("hostile") / "portal.sqlite3"
    with PortalServer(corpus) as server:
        crawl(server, db)
        scripted = corpus.new_article("tin-hoat-dong", title=TITLE)
        server.hostile(scripted.asset_id)
        linked, broken = corpus.new_article("tin-hoat-dong"), corpus.new_article("kinh-te-xa-hoi")
        huge, cut = corpus.new_article("xay-dung-dang"), corpus.new_article("xay-dung-dang")
        for article, change in (
            (linked, _body_links),
            (broken, _broken),
            (huge, _huge),
            (cut, _cut),
        ):
            server.rewrite(article_path(article), change)
        server.rewrite(LOOP, lambda _: _redirect(LOOP))
        server.rewrite(AWAY, lambda _: _redirect("http://evil.example/steal?c=1"))
        server.rewrite("/tin-hoat-dong?", _with_entries)
        server.clear_log()
        outcome = crawl(server, db, "--set", "DOWNLOAD_MAXSIZE=200000")
        yield SimpleNamespace(
            db=db,
            server=server,
            outcome=outcome,
            requests=server.requests,
            corpus=corpus,
            scripted=scripted,
            linked=linked,
            broken=broken,
            huge=huge,
            cut=cut,
        )


def test_the_crawl_goes_on_and_records_what_it_could_not_fetch(hostile) -> None:
    assert hostile.outcome["status"] == "ok"
    live = {r[0] for r in query(hostile.db, "SELECT asset_id FROM articles WHERE status='live'")}
    fetched = {a.asset_id for a in (hostile.scripted, hostile.linked, hostile.broken)}
    assert fetched <= live and not {hostile.huge.asset_id, hostile.cut.asset_id} & live
    backlog = dict(query(hostile.db, "SELECT url, last_error FROM crawl_backlog"))
    reasons = {urlsplit(url).path: error for url, error in backlog.items()}
    assert set(reasons) == {LOOP, AWAY, article_path(hostile.huge), article_path(hostile.cut)}
    assert reasons[LOOP].startswith("redirect loop")
    assert reasons[AWAY] == "redirected off the portal to evil.example"
    assert "larger than download max size" in reasons[article_path(hostile.huge)]
    assert reasons[article_path(hostile.cut)].startswith("page cut off")
    assert hostile.outcome["stats"]["errors"] == 4
    check_store(hostile.db)


def test_nothing_off_the_portal_is_requested(hostile) -> None:
    assert hostile.outcome["stats"]["requests"] == len(hostile.requests)  # no other host
    paths = [urlsplit(r.path).path for r in hostile.requests]
    assert not [p for p in paths if "tin-gia" in p or "passwd" in p or "steal" in p]
    assert paths.count(LOOP) == 1 and paths.count(AWAY) == 1


def test_broken_markup_is_read_as_well_as_it_can_be(hostile) -> None:
    [(title, body)] = query(
        hostile.db,
        "SELECT title, body_text FROM articles WHERE asset_id = ?",
        (hostile.broken.asset_id,),
    )
    assert title == hostile.broken.title
    assert body.count("\n\n") >= 2 and "\x00" not in body


def test_stored_markup_is_sanitised_in_every_row_and_version(hostile) -> None:
    rows = query(
        hostile.db,
        "SELECT asset_id, body_html FROM articles UNION ALL "
        "SELECT asset_id, body_html FROM article_versions",
    )
    for asset_id, body_html in rows:
        assert "<script" not in body_html and "<iframe" not in body_html, asset_id
        assert "<svg" not in body_html and "<style" not in body_html, asset_id
        assert not BAD_URL.search(body_html), asset_id
        for element in lxml_html.fragment_fromstring(body_html, create_parent="div").iter():
            assert not [a for a in element.attrib if a.lower().startswith("on")], asset_id
    [(body_html, body_text)] = query(
        hostile.db,
        "SELECT body_html, body_text FROM articles WHERE asset_id = ?",
        (hostile.linked.asset_id,),
    )
    assert 'href="http://evil.example/x"' in body_html  # a link, kept as text to read
    assert "Xem thêm: một hai ba bốn năm" in body_text and "color:red" not in body_text


def test_script_markup_never_reaches_the_text(hostile) -> None:
    [(title, body_text)] = query(
        hostile.db,
        "SELECT title, body_text FROM articles WHERE asset_id = ?",
        (hostile.scripted.asset_id,),
    )
    assert title == TITLE  # the title is text: it is the feed's and the email's job to escape
    assert "alert(" not in body_text and "xss" not in body_text


def test_the_feed_escapes_what_it_carries(hostile) -> None:
    with Store(hostile.db, readonly=True) as store:
        xml = serialize(feed_element(store))
    assert b"<script>" not in xml and b"<b>" not in xml
    titles = [e.text or "" for e in ET.fromstring(xml).iter(f"{{{ATOM_NS}}}title")]
    assert any(TITLE in t for t in titles)


def test_emails_escape_what_they_carry(hostile, smtp) -> None:
    box, port = smtp
    url = f"mailto://127.0.0.1:{port}?from=portalcrawl@example.com&to=desk@example.com"
    with Store(hostile.db) as store:
        report = deliver(store, [Channel("hostile-mail", url)], run_id=hostile.outcome["run_id"])
    assert report.ok and report.delivered >= 3
    [message] = [m for m in box.messages if "sạt lở" in m["Subject"]]
    assert TITLE in message["Subject"]  # a header is plain text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_a_pagination_loop_stops_the_walk_and_leaves_the_section_to_the_next_run(
    tmp_path: Path,
) -> None:
    corpus, db = build_corpus(seed=32, n=120), tmp_path / "portal.sqlite3"

    def back_to_page_one(response: Response) -> Response:
        return dataclasses.replace(response, body=re.sub(rb"(_cur=)3\b", rb"\g<1>1", response.body))

    with PortalServer(corpus) as server:
        server.rewrite("/tin-hoat-dong?", back_to_page_one)  # page 2's » leads to page 1
        outcome = crawl(server, db, "--set", "PORTALCRAWL_PAGE_SIZE=10")
        walked = outcome["stats"]["sections"]["tin-hoat-dong"]
        assert outcome["status"] == "ok" and walked["pages"] == 2 and not walked["complete"]
        assert query(db, "SELECT synced FROM section_state WHERE section = 'tin-hoat-dong'") == [
            (0,)
        ]
        server.rewrite("/tin-hoat-dong?", None)
        crawl(server, db, "--set", "PORTALCRAWL_PAGE_SIZE=10")
    live = {a.asset_id for a in corpus.articles if a.state == "live"}
    assert {r[0] for r in query(db, "SELECT asset_id FROM articles WHERE status='live'")} == live
