"""The portal's own article routes, from its profile (`/tin-tuc/chi-tiet?id={id}`): kept apart
from urls.py so that the profile, which compiles them, and the URL forms, which read the
profile, do not import each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

# What may stand before any article form: a locale (`/vi`, `/en_US`) and a `/web/{site}`.
LOCALE = r"(?P<locale>/(?:vi|en)(?:[_-][A-Za-z]{2})?|/[a-z]{2}_[A-Z]{2})?"
SITE = r"(?:/web/[^/]+)?"


@dataclass(frozen=True)
class Route:
    """A custom article route from the profile, e.g. `/tin-tuc/chi-tiet?id={id}`,
    `/chi-tiet-tin/{slug}/{id}` or `/chi-tiet-tin?/{slug}/{id}` (a query that is a path); a
    `/web/{site}` or locale prefix may stand before it."""

    pattern: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str], ...]  # (parameter, placeholder) pairs the link must carry
    raw_query: re.Pattern[str] | None = None  # the whole query string, for `?/{slug}/{id}`

    def key(self, url: str) -> str | None:
        parts = urlsplit(url)
        match = self.path.match(unquote(parts.path))
        if not match:
            return None
        found = {k: v for k, v in match.groupdict().items() if k in ("id", "slug") and v}
        if self.raw_query is not None:
            raw = self.raw_query.match(unquote(parts.query))
            if not raw:
                return None
            found.update({k: v for k, v in raw.groupdict().items() if v})
        params = dict(parse_qsl(parts.query))
        for name, placeholder in self.query:
            value = params.get(name, "")
            if not value or (placeholder == "id" and not value.isdigit()):
                return None
            found[placeholder] = value
        if found.get("id"):
            return f"id:{int(found['id'])}"
        return f"slug:{found['slug'].lower()}" if found.get("slug") else None


def _pattern(text: str) -> str:
    regex = re.escape(text).replace(r"\{id\}", r"(?P<id>\d+)")
    return regex.replace(r"\{slug\}", r"(?P<slug>[^/?#&]+)").replace(r"\{any\}", r"[^/?#&]+")


def compile_route(pattern: str) -> Route:
    """A Route from its profile form; ValueError when it names neither {id} nor {slug}."""
    path, _, query = pattern.partition("?")
    regex = _pattern("/" + path.strip("/"))
    raw = re.compile(rf"^{_pattern(query)}/?$") if query.startswith("/") else None
    pairs = []
    for name, value in parse_qsl(query if raw is None else "", keep_blank_values=True):
        if value in ("{id}", "{slug}"):
            pairs.append((name, value[1:-1]))
    if "(?P<" not in regex + (raw.pattern if raw else "") and not pairs:
        raise ValueError(f"route {pattern!r} names neither {{id}} nor {{slug}}")
    return Route(pattern, re.compile(rf"^{LOCALE}{SITE}{regex}/?$"), tuple(pairs), raw)
