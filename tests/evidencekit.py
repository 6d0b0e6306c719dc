"""A store that went through every kind of change, with its WARC archive, for the archive,
re-extraction and site tests: baseline, then one edit, one 404, one soft 404, one new
article, then the 404 restored with an edit and the soft 404 restored as it was."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from monitor.localportal import Block, PortalServer, build_corpus
from tests.clirun import crawl

EDIT_WORDS = ("Bài viết được cập nhật thêm tại Đồng Tháp.", "Ủy ban nhân dân tỉnh")


@dataclass
class World:
    server: PortalServer
    db: Path
    edited: int = 0
    gone: int = 0
    soft: int = 0
    new: int = 0
    taken: int = 0  # site_world: removed in the fourth run, not restored
    runs: list[dict] = field(default_factory=list)

    def rows(self, sql: str, *params: object) -> list[tuple]:
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def changed_world(tmp: Path, *extra: str, **kwargs: object) -> World:
    """Runs the five states against a started local portal; the caller stops the server.
    `extra` and `kwargs` go to every run (tests.clirun.crawl)."""
    corpus = build_corpus(seed=5, n=30)
    server = PortalServer(corpus).start()
    world = World(server, tmp / "store" / "portal.sqlite3")
    world.runs.append(crawl(server, world.db, *extra, **kwargs))
    recent = [a for a in corpus.recent() if a.template == "news"]
    edited, gone, soft = recent[0], recent[1], recent[2]
    world.edited, world.gone, world.soft = edited.asset_id, gone.asset_id, soft.asset_id
    title = edited.title.replace(edited.title.split()[0], "Tỉnh", 1)
    corpus.edit(
        edited.asset_id,
        title=title,
        paragraphs=[*edited.paragraphs[:1], Block("p", EDIT_WORDS[0]), *edited.paragraphs[1:]],
    )
    corpus.remove(gone.asset_id)
    corpus.remove(soft.asset_id, soft=True)
    world.new = corpus.new_article("tin-hoat-dong").asset_id
    world.runs.append(crawl(server, world.db, *extra, **kwargs))
    corpus.restore(gone.asset_id)
    corpus.edit(gone.asset_id, paragraphs=[Block("p", EDIT_WORDS[1]), *gone.paragraphs])
    corpus.restore(soft.asset_id)
    world.runs.append(crawl(server, world.db, *extra, **kwargs))
    return world


BASE_URL = "https://tin.example.org/dongthap/"


def site_world(tmp: Path) -> World:
    """changed_world run with a config that publishes the site (rebuilt after every run) and a
    jsonl channel, then a fourth run in which one more article is taken down for good."""
    (tmp / "portalcrawl.toml").write_text(
        f'[site]\nout = "site"\nbase_url = "{BASE_URL}"\n\n'
        '[[channels]]\nname = "desk"\nurl = "jsonl://notices.jsonl"\n',
        encoding="utf-8",
    )
    world = changed_world(tmp, cwd=tmp)
    corpus = world.server.corpus
    taken = next(
        a
        for a in corpus.recent()
        if a.asset_id not in (world.edited, world.gone, world.soft, world.new)
    )
    world.taken = taken.asset_id
    corpus.remove(taken.asset_id)
    world.runs.append(crawl(world.server, world.db, cwd=tmp))
    return world
