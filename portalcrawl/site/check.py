"""`profile check`: what a profile finds on the portal, per section and per field, by which rule.

Each section's first listing page is read with the profile, then N of its articles; for every
field the rule that found it is counted: `profile` (the profile's selector), `scan` (the date
line found elsewhere in the article), `fallback` (the stock Liferay structure) or `missing`.
A section fails when it yields no article, or an article no title or body.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from parsel import Selector

from portalcrawl.parsing.article import RawArticle, is_not_found, parse_article
from portalcrawl.parsing.listing import parse_listing
from portalcrawl.parsing.selectors import first
from portalcrawl.site.fetch import BudgetSpent, PoliteFetcher
from portalcrawl.site.profile import Profile
from portalcrawl.site.urls import listing_url

FIELDS = ("title", "date", "summary", "body", "author", "source", "attachments")
REQUIRED = ("title", "body")
EXPECTED = ("title", "date", "body")  # an article without one of these is listed as a failure


@dataclass
class SectionCheck:
    path: str
    name: str
    listing_url: str
    entries: int = 0
    listing_rule: str = ""
    next_page: bool = False
    counter: list[int] | None = None
    articles: list[str] = field(default_factory=list)
    fields: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[dict[str, object]] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return (
            not self.error
            and bool(self.articles)
            and not any(set(f["missing"]) & set(REQUIRED) for f in self.failures)
        )


def field_rules(raw: RawArticle, profile: Profile, sel: Selector) -> dict[str, str]:
    """Which rule found each field of one article."""
    rules: dict[str, str] = {}
    root = first(sel.root, profile.article["root"]) if raw.extraction == "profile" else None
    values = {
        "title": raw.title,
        "date": raw.date_text,
        "summary": raw.summary,
        "body": " ".join(raw.paragraphs),
        "author": raw.author,
        "source": raw.source,
        "attachments": " ".join(raw.attachments),
    }
    for name in FIELDS:
        if not values[name].strip():
            rules[name] = "missing"
        elif root is None:
            rules[name] = "fallback"
        elif first(root, profile.article[name]) is not None:
            rules[name] = "profile"
        else:
            rules[name] = "scan"
    return rules


def check_profile(
    profile: Profile, base: str, fetcher: PoliteFetcher, sample: int = 3
) -> list[SectionCheck]:
    """Every section of the profile, read on the portal at `base`."""
    out: list[SectionCheck] = []
    for section in profile.sections:
        url = listing_url(base, profile, section)
        report = SectionCheck(section.path, section.name, url)
        out.append(report)
        try:
            page = fetcher.get(url)
            if page is None or page.status >= 400:
                report.error = f"listing {url}: " + (
                    f"HTTP {page.status}" if page else "unreadable"
                )
                continue
            listing = parse_listing(Selector(text=page.text), page.url, profile, base, section)
            report.entries = len(listing.entries)
            report.listing_rule = listing.rule
            report.next_page = listing.has_next
            report.counter = list(listing.results) if listing.results else None
            for entry in listing.entries[:sample]:
                answer = fetcher.get(entry.url)
                if answer is None or answer.status >= 400:
                    report.failures.append({"url": entry.url, "missing": ["page"]})
                    continue
                sel = Selector(text=answer.text)
                raw = (
                    None
                    if is_not_found(sel, profile)
                    else parse_article(sel, answer.url, profile, base)
                )
                if raw is None:
                    report.failures.append({"url": entry.url, "missing": ["article"]})
                    continue
                report.articles.append(entry.url)
                rules = field_rules(raw, profile, sel)
                for name, rule in rules.items():
                    counts = report.fields.setdefault(name, {})
                    counts[rule] = counts.get(rule, 0) + 1
                missing = [n for n in EXPECTED if rules[n] == "missing"]
                if missing:
                    report.failures.append({"url": entry.url, "missing": missing})
        except BudgetSpent as exc:
            report.error = str(exc)
    return out


def as_json(checks: list[SectionCheck]) -> dict[str, object]:
    return {
        "ok": all(c.ok for c in checks),
        "sections": [{**asdict(c), "ok": c.ok} for c in checks],
    }


def _rule_shown(profile: Profile, name: str, counts: dict[str, int]) -> str:
    """The profile's rule beside a field's counts; where it found nothing, which rule that was
    (after a redesign, the line the operator edits)."""
    rules = profile.article
    if "profile" in counts:
        return rules[name]
    if "fallback" in counts:
        return f"not found: root {rules['root']}"
    if "scan" in counts or "missing" in counts:
        return f"not found: {rules[name]}" if rules.get(name) else ""
    return ""


def report_text(checks: list[SectionCheck], profile: Profile) -> str:
    lines = []
    for c in checks:
        state = "ok" if c.ok else "FAILED"
        lines.append(f"{c.path} ({c.name}): {state}")
        if c.error:
            lines.append(f"  {c.error}")
            continue
        counter = f"{c.counter[0]}-{c.counter[1]} of {c.counter[2]}" if c.counter else "none"
        item = profile.listing["item"] if c.listing_rule == "profile" else "article links"
        lines.append(
            f"  listing: {c.entries} entries by {c.listing_rule} ({item}); next page: "
            f"{'yes' if c.next_page else 'no'}; counter: {counter}"
        )
        for name in FIELDS:
            counts = c.fields.get(name, {})
            shown = ", ".join(f"{rule} {n}" for rule, n in sorted(counts.items()))
            selector = _rule_shown(profile, name, counts)
            lines.append(f"  {name:<12} {shown or '-':<28} {selector}")
        for failure in c.failures:
            lines.append(f"  missing {', '.join(failure['missing'])}: {failure['url']}")
    return "\n".join(lines)
