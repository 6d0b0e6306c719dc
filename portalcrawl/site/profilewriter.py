"""A discovered profile written as TOML an operator can read and edit, and its summary."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from urllib.parse import urlsplit

from portalcrawl.site.discover import Discovery
from portalcrawl.site.profile import FIELDS, PORTLET_ID


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _default(key: str) -> str:
    return next(str(f.default) for f in FIELDS if f.key == key)


def _doc(key: str) -> str:
    """The key's documentation as comment lines of at most 96 characters."""
    return "\n# ".join(textwrap.wrap(next(f.doc for f in FIELDS if f.key == key), 94))


def to_toml(found: Discovery) -> str:
    """The profile file: every key with a comment; what discover did not find is the stock
    default, said so."""
    host = urlsplit(found.base).hostname or ""
    lines = [
        f"# Site profile discovered from {found.base} ({found.requests} requests,",
        f"# {len(found.sections)} sections, {found.samples} sample articles). Edit freely;",
        "# `python -m monitor profile check --profile THIS_FILE` says what each rule finds.",
        f"name = {_s(host.split('.')[0] if not host[:1].isdigit() else 'portal')}",
        f"base_url = {_s(found.base)}",
        f"# {_doc('site')}",
        f"site = {_s(found.site)}",
        f"# {_doc('aliases')}",
        f"aliases = {json.dumps(sorted({host, 'www.' + host.removeprefix('www.')}))}",
        f'portlet_id = "{PORTLET_ID}"',
        f"# {_doc('page_size')}",
        "page_size = 75",
        "# The portal's own article routes ({id} is the identity). Asset Publisher and display-",
        "# page links need none; add one if `profile check` finds no article.",
        f"routes = {json.dumps(found.routes, ensure_ascii=False)}",
        "# The portal's own not-found text, if it has one (Liferay's are always recognised).",
        'not_found_text = ""',
        "",
        "[pager]",
        f"# {_doc('pager.param')}",
        f"param = {_s(found.pager_param)}",
        "",
    ]
    for section in found.sections:
        pager = {"liferay": "Liferay's _cur links", "": "no pager seen"}.get(
            section.pager, f"?{section.pager}=N"
        )
        lines += [
            f"# {section.url}: {section.entries} entries on page 1, {pager}"
            + (f", counter {section.results}" if section.results else ", no counter"),
            "[[sections]]",
            f"path = {_s(section.path)}",
            f"name = {_s(section.name or section.path)}",
            f"group = {_s(section.group)}",
            f"instance = {_s(section.instance)}",
            "",
        ]
    listing = {
        "item": _most_of(found, "item"),
        "link": _most_of(found, "link"),
        "date": _most_of(found, "date"),
        "summary": _most_of(found, "summary"),
        "results": ", ".join(sorted({s.results for s in found.sections if s.results})),
    }
    lines += [
        "# Listing entries; where `item` matches nothing, entries are read from the article",
        "# links of the listing's portlet.",
        "[listing]",
    ]
    for key, value in listing.items():
        note = "" if value else "  # not seen: stock Liferay's"
        lines.append(f"{key} = {_s(value or _default('listing.' + key))}{note}")
    lines += [
        "",
        "# Article pages. When `root` is missing from a page, or holds no `body`, the stock",
        "# Liferay structure is read instead (the run reports it as fallback).",
        "[article]",
    ]
    for key in ("root", "title", "date", "summary", "body", "author", "source", "attachments"):
        value = found.article.get(key, "")
        note = "" if value else "  # not seen in the samples: the stock default"
        lines.append(f"{key} = {_s(value or _default('article.' + key))}{note}")
    author = found.article.get("author", "")
    drop = [author] if author and "." in author.split()[-1] else []
    lines.append(f"drop = {json.dumps([*drop, 'script', 'style'], ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def _most_of(found: Discovery, key: str) -> str:
    counted = Counter(getattr(s, key) for s in found.sections if getattr(s, key))
    return counted.most_common(1)[0][0] if counted else ""


def summary(found: Discovery, out: str) -> str:
    """One screen: what was found, per section, and where it was written."""
    rows = [
        f"{found.base}: {len(found.sections)} sections, {found.samples} sample articles, "
        f"{found.requests} requests",
        f"routes: {', '.join(found.routes) or '(Liferay forms only)'}; pager: "
        f"{found.pager_param or '_cur links'}",
    ]
    for s in found.sections:
        rows.append(
            f"  {s.group:<6} /{s.path:<40} {s.entries:>3} entries  item {s.item or '(links)'}"
            f"  instance {s.instance or '-'}"
        )
    art = found.article
    rows.append(
        "article: " + ", ".join(f"{k} {v}" for k, v in art.items()) if art else "article: stock"
    )
    rows += [f"note: {n}" for n in found.notes]
    rows.append(f"wrote {out}")
    return "\n".join(rows)
