"""`profile discover`: a site profile for a portal, worked out from its pages.

From the home page: the menu and sidebar links are candidate sections; a page whose listing
portlet links articles (with a pager or a counter) is a section, a page that links sections but
no articles (the press group's page) is followed once. Each section's listing gives its items,
its article route (a link shape repeated with different ids when no Liferay form matches) and
its pager; one article per section gives the article selectors: the title is the element that
says the listing's title, the body the element with the most paragraph text, the date line what
the date parser reads, the lead what the listing's summary says. At most `budget` requests.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector

from portalcrawl.parsing.listing import (
    PAGERISH,
    article_links,
    item_container,
    link_url,
    listing_scope,
    parse_listing,
)
from portalcrawl.parsing.selectors import Element, select_all, text_of
from portalcrawl.site.fetch import BudgetSpent, PoliteFetcher
from portalcrawl.site.probe import css_of, read_article
from portalcrawl.site.profile import Profile, Section, parse_profile
from portalcrawl.site.urls import article_key, on_portal, parse_results
from portalcrawl.text.normalise import clean_text

logger = logging.getLogger(__name__)
_INSTANCE = re.compile(r"_INSTANCE_([A-Za-z0-9]+)")
_SKIP_LINK = re.compile(r"\.(?:pdf|jpe?g|png|gif|docx?|xlsx?|zip|rar)$|^/documents/|^/c/", re.I)


class NothingFound(Exception):
    """No page reached from the start looks like a listing."""


@dataclass
class FoundSection:
    path: str
    name: str
    group: str
    instance: str
    url: str
    entries: int
    item: str
    link: str
    date: str
    summary: str
    results: str
    pager: str  # "liferay" (_cur), a parameter name, or "" (one page seen, no pager)
    first_url: str
    first_title: str
    first_summary: str


@dataclass
class Discovery:
    base: str
    sections: list[FoundSection] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    site: str = ""  # "/web/guest" when every section is under it
    pager_param: str = ""
    article: dict[str, str] = field(default_factory=dict)
    samples: int = 0
    requests: int = 0
    notes: list[str] = field(default_factory=list)


def _working_profile(base: str, routes: list[str], param: str = "") -> Profile:
    raw = {
        "base_url": base,
        "sections": [{"path": "_", "name": "_"}],
        "routes": routes,
        "pager": {"param": param},
    }
    return parse_profile(raw, Path("discovered.toml"))


def _path(url: str, base: str) -> str:
    return urlsplit(url).path.strip("/")


def _candidates(page: Element, url: str, base: str, profile: Profile) -> list[tuple[str, str, str]]:
    """(url, link text, heading of the block it is in) of links that may lead to sections."""
    out: list[tuple[str, str, str]] = []
    navs = select_all(page, "nav a[href], #navigation a[href], [role=navigation] a[href]")
    rest = select_all(page, "a[href]")
    for el in [*navs, *rest]:
        target = on_portal(link_url(el), url, base, profile.aliases)
        if not target or article_key(target, profile.routes):
            continue
        path = urlsplit(target).path
        if urlsplit(target).query or _SKIP_LINK.search(path) or path.strip("/") == "":
            continue
        heading = ""
        for parent in el.iterancestors():
            found = select_all(parent, "h2, h3, .portlet-title-text")
            if found and parent.tag in ("section", "aside", "div") and parent.get("id"):
                heading = clean_text(text_of(found[0]))
                break
        out.append((target.split("#")[0].rstrip("/"), clean_text(text_of(el)), heading))
    return list({u: (u, t, h) for u, t, h in reversed(out)}.values())[::-1]


def _shape_routes(scope: Element, page_url: str, base: str, profile: Profile) -> list[str]:
    """Article routes of the portal's own: a link shape repeated with ≥ 3 different ids."""
    shapes: dict[str, set[str]] = {}
    here = urlsplit(page_url).path.rstrip("/")
    for el in select_all(scope, "a[href], [onclick]"):
        target = on_portal(link_url(el), page_url, base, profile.aliases)
        if not target:
            continue
        parts = urlsplit(target)
        if parts.path.rstrip("/") == here or _SKIP_LINK.search(parts.path):
            continue
        numbers = [v for k, v in parse_qsl(parts.query) if v.isdigit()]
        segments = parts.path.rstrip("/").split("/")
        query = [(k, "{id}" if v.isdigit() else None) for k, v in parse_qsl(parts.query)]
        tail = parts.query.rstrip("/").split("/")
        if parts.query.startswith("/") and tail[-1].isdigit():  # `?/slug/123`
            numbers = [tail[-1]]
            shape = parts.path + "?/" + ("{slug}/" if len(tail) > 2 else "") + "{id}"
        elif any(v for _, v in query):
            shape = parts.path.rstrip("/") + "?" + "&".join(f"{k}={v}" for k, v in query if v)
        elif segments and segments[-1].isdigit():
            numbers = [segments[-1]]
            middle = "{slug}/" if len(segments) > 2 else ""
            shape = "/".join(segments[:-2] if middle else segments[:-1]) + f"/{middle}{{id}}"
        else:
            continue
        shapes.setdefault(shape, set()).update(numbers)
    return [s for s, ids in shapes.items() if len(ids) >= 3]


def _pager_of(page: Element, page_url: str, base: str, profile: Profile) -> tuple[str, str]:
    """('liferay' or a parameter name or '', the instance id the pager's links name)."""
    here = urlsplit(page_url).path.rstrip("/")
    others: list[str] = []
    for el in select_all(page, "a[href]"):
        target = on_portal(el.get("href"), page_url, base, profile.aliases)
        if not target or urlsplit(target).path.rstrip("/") != here:
            continue
        for key, value in parse_qsl(urlsplit(target).query):
            if value == "2" and key.endswith("_cur"):
                match = _INSTANCE.search(key)
                return "liferay", match.group(1) if match else ""
            if value == "2" and not key.endswith("_delta"):
                others.append(key)
    # the portal's own pager: the parameter that is 2 on a link to this page
    return (Counter(others).most_common(1)[0][0], "") if others else ("", "")


def _site_prefix(sections: list[FoundSection]) -> str:
    """`/web/{site}` when every section's page is under the same Liferay site."""
    heads = {"/".join(s.path.split("/")[:2]) for s in sections}
    if len(heads) == 1 and all(
        s.path.startswith("web/") and s.path.count("/") >= 2 for s in sections
    ):
        return "/" + heads.pop()
    return ""


def _most(values: list[str]) -> str:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else ""


def read_listing(
    html: str, url: str, base: str, routes: list[str], name: str, group: str
) -> tuple[FoundSection | None, list[str]]:
    """The section a listing page is, and the routes it taught; None when it lists nothing."""
    page = Selector(text=html).root
    profile = _working_profile(base, routes)
    scope = listing_scope(page, None, profile)
    links = article_links(scope, url, profile, base)
    if len({k for _, _, k in links}) < 2:
        learned = [r for r in _shape_routes(scope, url, base, profile) if r not in routes]
        if learned:
            routes = routes + learned[:1]
            profile = _working_profile(base, routes)
            links = article_links(scope, url, profile, base)
    keys = {k for _, _, k in links}
    if not keys:
        return None, routes
    pager, instance = _pager_of(page, url, base, profile)
    has_pagerish = pager or any(
        PAGERISH.search(el.get("class") or "") for el in scope.iter() if isinstance(el.tag, str)
    )
    counter_el = next(
        (
            el
            for el in scope.iter()
            if isinstance(el.tag, str)
            and len(text_of(el)) < 120
            and parse_results(clean_text(text_of(el)))
            and re.search(r"kết quả|results|entries|tổng|bài", text_of(el), re.I)
            and not el.findall(".//a")
        ),
        None,
    )
    if not (has_pagerish or counter_el is not None):
        return None, routes  # a box of links on every page (most viewed), not a listing
    if not instance:
        match = _INSTANCE.search(scope.get("id", "")) or next(
            (re.search(r"/-/asset_publisher/([A-Za-z0-9]+)/", u) for _, u, _ in links), None
        )
        instance = match.group(1) if match else ""
    param = "" if pager == "liferay" else pager
    section = Section(_path(url, base), name, group, instance)
    profile = _working_profile(base, routes, param)
    parsed = parse_listing(Selector(text=html), url, profile, base, section)
    key_of = {id(el): k for el, _, k in links}
    items, link_css, dates, summaries = [], [], [], []
    for el, _, key in links:
        if not clean_text(text_of(el)):
            continue
        container = item_container(el, key, key_of, scope)
        items.append(css_of(container, scope) if container is not el else "")
        link_css.append(css_of(el, container))
        for child in container.iter():
            if not isinstance(child.tag, str) or child is el:
                continue
            text = clean_text(text_of(child))
            if re.fullmatch(r"\(?\d{1,2}/\d{1,2}/\d{4}\)?", text):
                dates.append(css_of(child, container))
            elif len(text) > 40 and not child.findall(".//a") and child.tag != "a":
                summaries.append(css_of(child, container))
    first = parsed.entries[0] if parsed.entries else None
    found = FoundSection(
        path=section.path,
        name=name or clean_text(text_of(next(iter(select_all(scope, "h2, h1")), None))),
        group=group,
        instance=instance,
        url=url,
        entries=len(parsed.entries),
        item=_most(items),
        link=_most(link_css),
        date=_most(dates),
        summary=_most(summaries),
        results=css_of(counter_el) if counter_el is not None else "",
        pager=pager,
        first_url=first.url if first else "",
        first_title=first.title if first else "",
        first_summary=clean_text(first.summary) if first else "",
    )
    return found, routes


def discover(start: str, fetcher: PoliteFetcher) -> Discovery:
    """Sections, routes, pager and article selectors of the portal at `start`."""
    base = fetcher.base
    found = Discovery(base)
    home = fetcher.get(start)
    if home is None or home.status >= 400:
        raise NothingFound(f"could not read {start}")
    profile = _working_profile(base, [])
    queue = [
        (u, t, "press" if "báo chí" in h.lower() else "news", 0)
        for u, t, h in _candidates(Selector(text=home.text).root, home.url, base, profile)
    ]
    skip = {home.url.rstrip("/"), start.rstrip("/")}
    seen: set[str] = set()
    routes: list[str] = []
    try:
        while queue and fetcher.left > 8:
            url, name, group, depth = queue.pop(0)
            if url in seen or url in skip or not fetcher.allowed(url):
                continue
            seen.add(url)
            page = fetcher.get(url)
            if page is None or page.status >= 400 or page.url.rstrip("/") in skip:
                continue
            section, routes = read_listing(page.text, page.url, base, routes, name, group)
            if section is not None:
                if section.path not in {s.path for s in found.sections}:
                    found.sections.append(section)
                continue
            if depth == 0:  # a hub (the press group's page): its links may be sections
                tree = Selector(text=page.text).root
                press = "báo chí" in name.lower()
                queued = {q[0]: i for i, q in enumerate(queue)}
                for u, t, _ in _candidates(tree, page.url, base, profile):
                    if u in seen:
                        continue
                    if u in queued:
                        if press:
                            item = queue[queued[u]]
                            queue[queued[u]] = (item[0], item[1], "press", item[3])
                        continue
                    queue.insert(0, (u, t, "press" if press else group, 1))
        if not found.sections:
            raise NothingFound(f"nothing reached from {start} looks like a listing of articles")
        found.routes = routes
        found.site = _site_prefix(found.sections)
        for section in found.sections:
            section.path = section.path.removeprefix(found.site.strip("/") + "/")
        params = {s.pager for s in found.sections if s.pager not in ("", "liferay")}
        found.pager_param = params.pop() if len(params) == 1 else ""
        samples: dict[str, list[str]] = {}
        for section in found.sections:
            if not section.first_url or fetcher.left < 1:
                continue
            page = fetcher.get(section.first_url)
            if page is None or page.status >= 400:
                continue
            found.samples += 1
            for key, value in read_article(
                page.text, section.first_title, section.first_summary
            ).items():
                samples.setdefault(key, []).append(value)
        found.article = {k: _most(v) for k, v in samples.items()}
    except BudgetSpent:
        found.notes.append(f"stopped at the budget of {fetcher.budget} requests")
        if not found.sections:
            raise NothingFound(
                f"nothing within {fetcher.budget} requests looks like a listing"
            ) from None
    found.requests = fetcher.requests
    return found
