"""Seeded composition of one article: blocks, figures, attachments, signature and noise state."""

from __future__ import annotations

import random
from datetime import datetime

from monitor.localportal.model import Article, Block
from monitor.localportal.site import REPRINTS
from monitor.localportal.words import AUTHORS, CAPTIONS, SOURCES, SUBHEADS, Writer


class Composer:
    """Writes articles from one random stream; keeps image and file paths unique."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.writer = Writer(rng)
        self._images = 0
        self._files = 0

    def article(
        self, asset_id: int, section: str, published: datetime, template: str = "news"
    ) -> Article:
        """A new article for `section` (url_title left for the corpus to make unique)."""
        writer = self.writer
        core = writer.core(section, published.year)
        title = writer.title(section, core)
        if template == "migrated":
            blocks = [Block("p", writer.paragraph()) for _ in range(writer.randint(4, 8))]
        else:
            blocks = self._news_blocks()
        return Article(
            asset_id=asset_id,
            url_title="",
            title=title,
            summary=writer.lead(core, published),
            paragraphs=blocks,
            author=writer.pick(AUTHORS),
            published=published,
            sections=[section],
            source=writer.pick(SOURCES) if section == REPRINTS else "",
            attachments=self._attachments(section),
            template=template,
            link_form={section: "slug"},
            views=writer.randint(50, 9000),
            comments=writer.choice((0, 0, 0, 1, 1, 2, 3, 5)),
        )

    def reprint_source(self) -> str:
        """The newspaper a reprinted article names."""
        return self.writer.pick(SOURCES)

    def _news_blocks(self) -> list[Block]:
        writer, random = self.writer, self.writer.random
        blocks: list[Block] = []
        if random() < 0.3:
            blocks.append(Block("h3", writer.pick(SUBHEADS)))
        count = writer.randint(3, 7)
        figure_at = writer.randint(0, 1) if random() < 0.7 else -1
        for i in range(count):
            if i == figure_at:
                blocks.append(self._figure())
            blocks.append(Block("p", writer.paragraph()))
        if random() < 0.2:
            blocks.insert(writer.randint(2, len(blocks)), self._figure())
        if random() < 0.05:
            blocks.insert(writer.randint(1, len(blocks)), Block("table", rows=writer.table()))
        return blocks

    def _figure(self) -> Block:
        number = self._images
        self._images += 1
        caption = self.writer.pick(CAPTIONS) if self.writer.random() < 0.9 else ""
        return Block("figure", caption, src=f"/documents/20182/{3000 + number}/anh-{number}.jpg")

    def _attachments(self, section: str) -> list[str]:
        if section == "thong-cao-bao-chi":
            names = ["TCBC"] + (["Phu-luc"] if self.writer.random() < 0.2 else [])
        elif section == "nguoi-phat-ngon" and self.writer.random() < 0.5:
            names = ["DS-NPN"]
        else:
            return []
        number = self._files
        self._files += 1
        return [
            f"/documents/20182/{4100 + number}/{name}-{number:03d}.pdf/"
            f"{self.rng.getrandbits(32):08x}"
            for name in names
        ]
