"""Articles of the local portal as stored by its editors, quirks included.

Text fields hold exactly what the portal emits (NFD, U+00A0, U+200B, old tone placement);
`Article.expected()` gives what a correct crawler stores for them (NFC, spaces folded).

What the crawler's fields mean, per article:

- title: the article title.
- summary: the lead (`div.sapo-detail`); for a migrated article its first `<p>`.
- body: the content blocks of `div.content-detail` in order, without the signature
  `p.author-detail`: each `<p>`, each `<h3>`, each non-empty `<figcaption>`, and each table row
  as its cells joined by " | ". For a migrated article, the `<p>` between the first (lead) and
  the last (signature).
- author: the signature (`p.author-detail`; for a migrated article the last `<p>`, in strong).
- source: the reprint's source without "Nguồn: " ("" when none).
- attachments / images: site-relative paths under /documents/ (images of the body figures).
- published: the date line's time; for a migrated article the listing date at 00:00 (+07:00).
- sections: section paths that list the article, the primary first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from monitor.localportal.site import content_path
from monitor.localportal.textforms import clean

TEMPLATES = ("news", "migrated")
STATES = ("live", "gone", "soft404")


@dataclass
class Block:
    """One body block: 'p', 'h3', 'figure' (src + caption text) or 'table' (rows of cells)."""

    kind: str
    text: str = ""
    src: str = ""
    rows: list[list[str]] = field(default_factory=list)

    def map_text(self, fn: Callable[[str], str]) -> Block:
        """The same block with every text run passed through `fn`."""
        rows = [[fn(cell) for cell in row] for row in self.rows]
        return replace(self, text=fn(self.text) if self.text else self.text, rows=rows)

    def expected(self) -> list[str]:
        """The body paragraphs this block contributes, in storage form."""
        if self.kind == "table":
            return [clean(" | ".join(clean(c) for c in row)) for row in self.rows]
        text = clean(self.text)
        return [text] if text else []


@dataclass(eq=False)
class Article:
    """One web content article; `sections[0]` is the section it was written for."""

    asset_id: int
    url_title: str
    title: str
    summary: str
    paragraphs: list[Block]
    author: str
    published: datetime
    sections: list[str]
    source: str = ""
    attachments: list[str] = field(default_factory=list)
    template: str = "news"
    state: str = "live"
    link_form: dict[str, str] = field(default_factory=dict)
    views: int = 0
    comments: int = 0
    hostile: bool = False
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def images(self) -> list[str]:
        """Paths of the body's figure images, in order."""
        return [b.src for b in self.paragraphs if b.kind == "figure" and b.src]

    @property
    def primary(self) -> str:
        """The section the article belongs to first."""
        return self.sections[0]

    def path(self, section: str | None = None, form: str | None = None) -> str:
        """Site-relative URL under `section` in `form` ('slug'/'id'; default: as listed)."""
        section = section or self.primary
        form = form or self.link_form.get(section, "slug")
        if form == "id":
            return content_path(section, asset_id=self.asset_id)
        return content_path(section, self.url_title)

    def map_text(self, fn: Callable[[str], str]) -> None:
        """Pass every stored text run (not the urlTitle or paths) through `fn`, in place."""
        self.title = fn(self.title)
        self.summary = fn(self.summary)
        self.author = fn(self.author)
        self.source = fn(self.source) if self.source else self.source
        self.paragraphs = [b.map_text(fn) for b in self.paragraphs]
        self.cache.clear()

    def texts(self) -> list[str]:
        """Every stored text run, for checks over the whole article."""
        runs = [self.title, self.summary, self.author, self.source]
        for block in self.paragraphs:
            runs.append(block.text)
            runs.extend(cell for row in block.rows for cell in row)
        return [r for r in runs if r]

    def expected(self, base_url: str = "") -> dict[str, Any]:
        """What a correct crawler stores for this article (see the module docstring)."""
        body = [text for block in self.paragraphs for text in block.expected()]
        return {
            "asset_id": self.asset_id,
            "url": base_url + self.path(self.primary, "slug"),
            "url_title": self.url_title,
            "title": clean(self.title),
            "summary": clean(self.summary),
            "body": body,
            "body_text": "\n\n".join(body),
            "author": clean(self.author),
            "source": clean(self.source),
            "attachments": [base_url + a for a in self.attachments],
            "images": [base_url + i for i in self.images],
            "published": self.published.isoformat(timespec="seconds"),
            "sections": list(self.sections),
            "template": self.template,
            "state": self.state,
        }
