"""The site profile: the one place a portal is described (sections, routes, pager, selectors).

A profile is TOML; FIELDS below is its format, key by key, with the default each key takes when
a profile leaves it out (the README's profile section is generated from it, so the two agree).
Every selector has a stock-Liferay default and the readers fall back to the stock structure
when a profile's selector finds nothing, so a short profile (sections and routes) reads a
stock portal.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portalcrawl.site.routes import Route, compile_route

PROFILE_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = "dongthap"
PORTLET_ID = "com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_{instance}"
# Liferay's own not-found texts (its language file; the reference copy's override): always read.
LIFERAY_NOT_FOUND = ("Tài sản không thể được tìm thấy", "Không tìm thấy tài nguyên được yêu cầu")

logger = logging.getLogger(__name__)


class ProfileError(Exception):
    """A profile that cannot be used, said in one line."""


@dataclass(frozen=True)
class ProfileField:
    key: str  # "name", "sections[].path", "listing.item"
    type: str
    default: Any
    doc: str


_F = ProfileField
# fmt: off
FIELDS: tuple[ProfileField, ...] = (
    _F("name", "string", "the file's name", "Profile name, shown by `status` and `profile check`."),
    _F("base_url", "string", None, "The portal's home, e.g. `https://dongthap.gov.vn` (required)."),
    _F("site", "string", "", "Path prefix of the site's pages, e.g. `/web/guest` (Liferay's site "
       "URL); section paths below are given without it."),
    _F("aliases", "list of strings", [], "Hosts the portal writes into its own absolute links; "
       "they are rebased onto the crawled URL. No other host is fetched."),
    _F("portlet_id", "string", PORTLET_ID, "Liferay portlet id of a section's Asset Publisher; "
       "`{instance}` is the section's instance id."),
    _F("page_size", "integer", 75, "Listing page size asked for once; when the portal ignores it, "
       "the walk goes on at the size the portal answers."),
    _F("routes", "list of strings", [], "The portal's own article routes, `{id}` where the "
       "identity stands, `{slug}` for a urlTitle: `/tin-tuc/chi-tiet?id={id}`, "
       "`/chi-tiet-tin/{slug}/{id}`. Asset Publisher and display-page links need no route."),
    _F("not_found_text", "string", "", "The portal's own not-found text (Liferay's two texts are "
       "always recognised)."),
    _F("not_found", "list of strings", [], "More not-found texts."),
    _F("sections[].path", "string", None, "Section page path, e.g. `tin-hoat-dong` (required)."),
    _F("sections[].name", "string", None, "Section name as the portal shows it (required)."),
    _F("sections[].group", "string", "news", "`news` or `press` (the press group's sections)."),
    _F("sections[].instance", "string", "", "The section's Asset Publisher instance id (12 "
       "characters on 7.x); empty when its listing is another portlet's."),
    _F("pager.param", "string", "", "Query parameter of the page number; empty: Liferay's "
       "`_{PID}_cur`. The next page is the link whose page number is the current one + 1."),
    _F("pager.next", "string", "", "CSS selector of the next-page link, when the URL rule above "
       "cannot find it (it overrides the rule)."),
    _F("listing.item", "string", "div.asset-abstract", "CSS selector of one listing entry. When it "
       "matches nothing, entries are found by their article links in the listing's portlet."),
    _F("listing.link", "string", "a.asset-title", "The entry's article link (its text is the "
       "title); `onclick=\"location.href=…\"` links are read too."),
    _F("listing.date", "string", "span.news-date", "The entry's date (`dd/mm/yyyy`)."),
    _F("listing.summary", "string", "div.asset-summary", "The entry's summary."),
    _F("listing.cover", "string", "div.cover-image", "The entry's cover image."),
    _F("listing.pagination", "string", "ul.pagination", "The pager (kept for discover's summary; "
       "the next page is found by its URL anywhere on the page)."),
    _F("listing.results", "string", "p.pagination-results, small.search-results",
       "The counter ('Hiển thị 1 - 10 of 57 kết quả.'); optional."),
    _F("article.root", "string", "div.news-detail", "The portal's display template inside the "
       "article; when it finds nothing the stock Liferay structure is read (extraction "
       "`fallback`)."),
    _F("article.title", "string", "h1.title-detail", "Title, inside root."),
    _F("article.date", "string", "div.date-detail span.date", "Date line, inside root; when it "
       "finds none, the date line is looked for anywhere in the article's head and body."),
    _F("article.summary", "string", "div.sapo-detail", "Lead, inside root."),
    _F("article.body", "string", "div.content-detail", "Body, inside root."),
    _F("article.author", "string", "p.author-detail", "Signature, inside the body."),
    _F("article.source", "string", "div.source-detail", "Reprint source ('Nguồn: …')."),
    _F("article.attachments", "string", "div.file-detail a", "Attachment links."),
    _F("article.drop", "list of strings", ["script", "style"], "Selectors removed from the body."),
    _F("fallback.content", "string", "div.journal-content-article, div.asset-content",
       "Stock wrapper of the article's content."),
    _F("fallback.asset_id_attr", "string", "data-analytics-asset-id", "Attribute of the "
       "wrapper holding the article id (kept in `articles.article_id`)."),
    _F("fallback.anchor", "string", "span.asset-anchor", "Stock anchor whose `id` is the asset "
       "entry id (the identity)."),
    _F("fallback.title", "string", "span.asset-title, span.header-title, .asset-title",
       "Stock title."),
    _F("fallback.not_found", "string", "div.alert-danger, div.alert-warning, div.alert",
       "Where the not-found text stands."),
)
# fmt: on
_TABLES = ("pager", "listing", "article", "fallback")


def _defaults(table: str) -> dict[str, Any]:
    prefix = table + "."
    return {f.key[len(prefix) :]: f.default for f in FIELDS if f.key.startswith(prefix)}


@dataclass(frozen=True)
class Section:
    path: str
    name: str
    group: str = "news"
    instance: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    aliases: tuple[str, ...]
    portlet_id: str
    page_size: int
    not_found_texts: tuple[str, ...]
    sections: tuple[Section, ...]
    listing: dict[str, Any]
    article: dict[str, Any]
    fallback: dict[str, Any]
    pager: dict[str, Any] = field(default_factory=lambda: _defaults("pager"))
    routes: tuple[Route, ...] = ()
    site: str = ""  # "/web/guest": before every section path
    source: str = field(default="")

    def section(self, path: str) -> Section:
        for section in self.sections:
            if section.path == path.strip("/"):
                return section
        known = ", ".join(s.path for s in self.sections)
        raise ProfileError(f"unknown section {path!r} (known: {known})")

    def pid(self, section: Section) -> str:
        """Liferay portlet id of the section's Asset Publisher instance ('' without one)."""
        return self.portlet_id.format(instance=section.instance) if section.instance else ""

    def page_param(self, section: Section) -> str | None:
        """The query key of the page number: the profile's, else `_{PID}_cur` when the
        instance is known, else None (any `*_cur`)."""
        if self.pager.get("param"):
            return str(self.pager["param"])
        return f"_{self.pid(section)}_cur" if section.instance else None


def load_profile(name_or_path: str | None = None) -> Profile:
    """A shipped profile by name ('dongthap') or any TOML file by path."""
    ref = name_or_path or DEFAULT_PROFILE
    path = Path(ref)
    if not path.suffix:
        path = PROFILE_DIR / f"{ref}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"site profile {ref!r} not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"site profile {path}: {exc}") from None
    try:
        return parse_profile(raw, path)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"site profile {path}: missing or bad key {exc}") from None


def _retired_timezone(value: Any) -> None:
    """Profiles of the release before this one may carry `timezone` (documented, never read):
    still accepted when it says what the portal's dates are read as (+07:00), refused else."""
    if value is None:
        return
    try:
        offset = datetime.now(ZoneInfo(str(value))).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        offset = None
    if offset != timedelta(hours=7):
        raise ValueError(f"'timezone' {value!r}: the portal's times are read as +07:00")
    logger.info("site profile: 'timezone' is no longer read (times are +07:00)")


def parse_profile(raw: dict[str, Any], path: Path) -> Profile:
    """A Profile from parsed TOML: defaults filled in, unknown keys refused."""
    known_top = {f.key.split(".")[0].split("[")[0] for f in FIELDS}
    _retired_timezone(raw.get("timezone"))
    unknown = set(raw) - known_top - {"timezone"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
    tables: dict[str, dict[str, Any]] = {}
    for table in _TABLES:
        given = dict(raw.get(table, {}))
        extra = set(given) - set(_defaults(table))
        if extra:
            raise ValueError(f"unknown key {table}.{sorted(extra)[0]}")
        tables[table] = {**_defaults(table), **given}
    sections = tuple(
        Section(
            str(s["path"]).strip("/"),
            str(s["name"]),
            str(s.get("group", "news")),
            str(s.get("instance", "")),
        )
        for s in raw["sections"]
    )
    if not sections:
        raise ValueError("'sections' (none given)")
    texts = [raw.get("not_found_text", ""), *raw.get("not_found", []), *LIFERAY_NOT_FOUND]
    return Profile(
        name=raw.get("name", path.stem),
        base_url=raw["base_url"].rstrip("/"),
        aliases=tuple(a.lower() for a in raw.get("aliases", ())),
        portlet_id=raw.get("portlet_id", PORTLET_ID),
        page_size=int(raw.get("page_size", 75)),
        not_found_texts=tuple(dict.fromkeys(t.strip().rstrip(".") for t in texts if t.strip())),
        sections=sections,
        listing=tables["listing"],
        article=tables["article"],
        fallback=tables["fallback"],
        pager=tables["pager"],
        routes=tuple(compile_route(p) for p in raw.get("routes", ())),
        site=("/" + str(raw.get("site", "")).strip("/")) if raw.get("site", "").strip("/") else "",
        source=str(path),
    )


def markdown() -> str:
    """The README's profile-format section, generated from FIELDS."""
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for f in FIELDS:
        default = "required" if f.default is None else f"`{f.default!r}`".replace("'", '"')
        if f.default in ("", []):
            default = "empty"
        if f.key == "name":
            default = f.default
        doc = f.doc.replace("|", "\\|")
        rows.append(f"| `{f.key}` | {f.type} | {default} | {doc} |")
    return "\n".join(rows)


README_START = (
    "<!-- profile:start (generated by `python -m portalcrawl.site.profile README.md`) -->"
)
README_END = "<!-- profile:end -->"


def readme_section() -> str:
    return f"{README_START}\n\n{markdown()}\n\n{README_END}"


def profile_sections(
    name_or_path: str | None, paths: Iterable[str] = ()
) -> tuple[Profile, list[Section]]:
    """The profile and the sections asked for (all of them when none is): the one check that
    an unknown section is an error, made by the config, the run options and the crawl alike."""
    profile = load_profile(name_or_path)
    wanted = [profile.section(path) for path in paths]
    return profile, wanted or list(profile.sections)


if __name__ == "__main__":
    import sys

    from portalcrawl.docsection import replace_section

    target = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    changed = replace_section(target, README_START, README_END, readme_section())
    print("updated" if changed else "up to date")
