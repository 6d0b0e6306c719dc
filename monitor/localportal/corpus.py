"""The local portal's content: a seeded corpus of articles and the editors' changes to it.

`build_corpus(seed, n, today)` gives the same articles for the same arguments. Every change
goes through a `Corpus` method (under `Corpus.lock`), so a running server sees it at once.
Field meanings and the storage form a crawler should reach: see `monitor.localportal.model`.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from monitor.localportal.compose import Composer
from monitor.localportal.model import STATES, TEMPLATES, Article, Block
from monitor.localportal.site import NEWS, REPRINTS, SECTION_BY_PATH, SECTIONS, VN_TZ, slugify
from monitor.localportal.textforms import is_nfd, space_noise, swap_tones, toggle_nfd

log = logging.getLogger(__name__)

FIRST_ID = 3700000
RESAVE_MODES = ("nfd", "tone", "spaces")
# fmt: off
EDITABLE = frozenset({
    "title", "summary", "paragraphs", "author", "source", "attachments", "published",
    "sections", "link_form", "template", "url_title", "views", "comments",
})
# Share of articles per primary section in a built corpus.
_WEIGHTS = {
    "tin-hoat-dong": 35, "xay-dung-dang": 14, "kinh-te-xa-hoi": 20,
    "thong-cao-bao-chi": 10, "nguoi-phat-ngon": 6, "bao-chi-voi-dong-thap": 15,
}
# fmt: on


def _vn_time(value: datetime | date | None) -> datetime:
    """A portal time: aware, +07:00, whole minutes; naive datetimes are taken as portal time."""
    if value is None:
        value = datetime.now(VN_TZ)
    elif not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, 12, tzinfo=VN_TZ)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    return value.astimezone(VN_TZ).replace(second=0, microsecond=0)


class Corpus:
    """All articles, indexes by id and urlTitle, and cached per-section listings."""

    def __init__(self, seed: int = 7, today: datetime | date | None = None) -> None:
        self.seed = seed
        self.today = _vn_time(today)
        self.rng = random.Random(seed)
        self.composer = Composer(self.rng)
        self.lock = threading.RLock()
        self.articles: list[Article] = []
        self._by_id: dict[int, Article] = {}
        self._by_slug: dict[str, Article] = {}
        self._listings: dict[str, tuple[Article, ...]] | None = None
        self._recent: tuple[Article, ...] = ()

    # -- lookups ------------------------------------------------------------------------------

    def by_id(self, asset_id: int) -> Article | None:
        """The article with this asset entry id, whatever its state."""
        return self._by_id.get(asset_id)

    def by_slug(self, url_title: str) -> Article | None:
        """The article with this urlTitle, whatever its state."""
        return self._by_slug.get(url_title.lower())

    def listing(self, section: str) -> list[Article]:
        """Live articles listed in `section`, newest first (as the portal lists them)."""
        with self.lock:
            return list(self.listed(section))

    def listed(self, section: str) -> tuple[Article, ...]:
        """The cached listing itself, no copy (the renderer's per-request path)."""
        with self.lock:
            return self._cached()[0][section]

    def recent(self) -> tuple[Article, ...]:
        """Live articles of all sections, newest first."""
        with self.lock:
            return self._cached()[1]

    def _cached(self) -> tuple[dict[str, tuple[Article, ...]], tuple[Article, ...]]:
        if self._listings is None:
            self._rebuild()
        assert self._listings is not None
        return self._listings, self._recent

    def _rebuild(self) -> None:
        live = sorted(
            (a for a in self.articles if a.state == "live"),
            key=lambda a: (a.published, a.asset_id),
            reverse=True,
        )
        listings: dict[str, list[Article]] = {s.path: [] for s in SECTIONS}
        for article in live:
            for section in article.sections:
                listings[section].append(article)
        self._listings = {k: tuple(v) for k, v in listings.items()}
        self._recent = tuple(live)

    def _dirty(self) -> None:
        self._listings = None

    def _get(self, asset_id: int) -> Article:
        article = self._by_id.get(asset_id)
        if article is None:
            raise KeyError(f"no article {asset_id}")
        return article

    # -- adding -------------------------------------------------------------------------------

    def add_article(self, article: Article) -> Article:
        """Publish a prepared article; an empty url_title is made from the title (unique)."""
        with self.lock:
            if article.asset_id in self._by_id:
                raise ValueError(f"asset id {article.asset_id} exists")
            _check(article)
            if not article.url_title:
                article.url_title = self._unique_slug(article.title, article.asset_id)
            elif article.url_title in self._by_slug:
                raise ValueError(f"urlTitle {article.url_title!r} exists")
            _settle(article)
            self.articles.append(article)
            self._by_id[article.asset_id] = article
            self._by_slug[article.url_title] = article
            self._dirty()
            return article

    def new_article(self, section: str = "tin-hoat-dong", **overrides: Any) -> Article:
        """Write and publish a new article (now, newest of all) with any fields overridden."""
        with self.lock:
            published = _vn_time(overrides.pop("published", None) or self._now())
            template = overrides.pop("template", "news")
            asset_id = overrides.pop("asset_id", None) or self._next_id()
            article = self.composer.article(asset_id, section, published, template)
            _apply(article, overrides)
            return self.add_article(article)

    def _now(self) -> datetime:
        now = _vn_time(None)
        newest = max((a.published for a in self.articles), default=now)
        return max(now, newest + timedelta(minutes=1))

    def _next_id(self) -> int:
        top = max(self._by_id, default=FIRST_ID)
        return top + self.rng.randint(1, 9)

    def _unique_slug(self, title: str, asset_id: int) -> str:
        base = slugify(title) or str(asset_id)
        slug, n = base, 0
        while slug in self._by_slug:
            n += 1
            slug = f"{base}-{n}"
        return slug

    # -- editors' changes ---------------------------------------------------------------------

    def edit(self, asset_id: int, **fields: Any) -> Article:
        """Change content fields (see EDITABLE); paragraphs may be given as plain strings."""
        with self.lock:
            article = self._get(asset_id)
            old_slug, slug = article.url_title, fields.get("url_title", article.url_title)
            if slug != old_slug and slug in self._by_slug:
                raise ValueError(f"urlTitle {slug!r} exists")
            _apply(article, fields)
            del self._by_slug[old_slug]
            self._by_slug[slug] = article
            _settle(article)
            if fields.keys() & {"published", "sections", "template"}:
                self._dirty()
            return article

    def remove(self, asset_id: int, soft: bool = False) -> Article:
        """Take an article down: 404 (gone), or 200 with the not-found message (soft)."""
        with self.lock:
            article = self._get(asset_id)
            article.state = "soft404" if soft else "gone"
            self._dirty()
            return article

    def restore(self, asset_id: int) -> Article:
        """Publish a removed article again."""
        with self.lock:
            article = self._get(asset_id)
            article.state = "live"
            self._dirty()
            return article

    def resave(self, asset_id: int, mode: str) -> Article:
        """Re-save with the same words in another form: 'nfd', 'tone' or 'spaces'.

        'nfd' toggles NFC/NFD; 'tone' swaps old/new tone placement (a no-op on an article
        without a word-final oa/oe/uy syllable); 'spaces' adds NBSP, ZWSP and doubled spaces.
        """
        with self.lock:
            article = self._get(asset_id)
            if mode == "nfd":
                decomposed = any(is_nfd(t) for t in article.texts())
                article.map_text(lambda t: t if is_nfd(t) != decomposed else toggle_nfd(t))
            elif mode == "tone":
                article.map_text(swap_tones)
            elif mode == "spaces":
                article.map_text(lambda t: space_noise(t, self.rng) if " " in t else t)
            else:
                raise ValueError(f"resave mode must be one of {RESAVE_MODES}")
            return article

    def bump_noise(self, asset_id: int) -> Article:
        """More views and one more comment: a change that is not an edit."""
        with self.lock:
            article = self._get(asset_id)
            article.views += self.rng.randint(1, 500)
            article.comments += 1
            return article

    def hostile(self, asset_id: int, on: bool = True) -> Article:
        """Inject script, event handlers and javascript: links into the rendered body."""
        with self.lock:
            article = self._get(asset_id)
            article.hostile = on
            article.cache.clear()
            return article

    def demo_changes(self) -> str:
        """A few editors' changes for the demo: one of each kind; says what was done."""
        with self.lock:
            recent = [a for a in self.recent() if a.template == "news"][:6]
            if len(recent) < 4:
                return "nothing changed (corpus too small)"
            edited, gone, soft, resaved = recent[1], recent[2], recent[3], recent[0]
            paragraphs = list(edited.paragraphs) + [Block("p", "Bài viết được cập nhật thêm.")]
            self.edit(edited.asset_id, paragraphs=paragraphs)
            self.remove(gone.asset_id)
            self.remove(soft.asset_id, soft=True)
            self.resave(resaved.asset_id, "nfd")
            new = self.new_article("tin-hoat-dong")
            return (
                f"new {new.asset_id}, edited {edited.asset_id}, removed {gone.asset_id} "
                f"(404), unpublished {soft.asset_id} (soft 404), re-saved "
                f"{resaved.asset_id} as NFD (no edit)"
            )

    # -- for tests ----------------------------------------------------------------------------

    def expected(self, base_url: str = "") -> dict[int, dict[str, Any]]:
        """Per asset id, the fields a correct crawler stores (model.Article.expected)."""
        with self.lock:
            return {a.asset_id: a.expected(base_url) for a in self.articles}


def _settle(article: Article) -> None:
    """Derived state after a change: link forms for every section, midnight for migrated."""
    for section in article.sections:
        article.link_form.setdefault(section, "slug")
    if article.template == "migrated":
        article.published = article.published.replace(hour=0, minute=0)
    article.cache.clear()


def _check(article: Article) -> None:
    if article.template not in TEMPLATES:
        raise ValueError(f"template must be one of {TEMPLATES}")
    if article.state not in STATES:
        raise ValueError(f"state must be one of {STATES}")
    if not article.sections or any(s not in SECTION_BY_PATH for s in article.sections):
        raise ValueError(f"unknown section in {article.sections}")
    if article.published.tzinfo is None:
        raise ValueError("published must be timezone-aware")


def _apply(article: Article, fields: dict[str, Any]) -> None:
    """Set fields on the article, all or (on a bad name or value) none."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    values = dict(fields)
    if "paragraphs" in values:
        values["paragraphs"] = [
            b if isinstance(b, Block) else Block("p", b) for b in values["paragraphs"]
        ]
    if "published" in values:
        values["published"] = _vn_time(values["published"])
    for name in ("sections", "attachments"):
        if name in values:
            values[name] = list(values[name])
    _check(replace(article, **values))
    for name, value in values.items():
        setattr(article, name, value)


def build_corpus(seed: int = 7, n: int = 300, today: datetime | date | None = None) -> Corpus:
    """The default local portal: `n` articles over the six sections, with every quirk."""
    collecting = gc.isenabled()
    gc.disable()  # a big corpus is many small objects and no cycles: skip the collector's passes
    try:
        return _build(seed, n, today)
    finally:
        if collecting:
            gc.enable()


def _build(seed: int, n: int, today: datetime | date | None) -> Corpus:
    corpus = Corpus(seed=seed, today=today)
    rng = corpus.rng
    today = corpus.today
    paths = [s.path for s in SECTIONS]
    primary = rng.choices(paths, weights=[_WEIGHTS[p] for p in paths], k=n)
    randint = corpus.composer.writer.randint
    published = _plan_dates(rng, today, n)
    ids = [0] * n
    next_id = FIRST_ID
    for i in sorted(range(n), key=lambda i: published[i]):
        next_id += randint(1, 9)
        ids[i] = next_id
    news = [i for i in range(n) if primary[i] in NEWS]
    older = [i for i in news if i >= max(3, n // 3)]
    migrated = set(rng.sample(older, min(len(older), max(2, n // 12))))
    reprint_pool = [i for i in news if i not in migrated]
    reprinted = set(rng.sample(reprint_pool, min(len(reprint_pool), max(2, n // 20))))
    reprinted.update(i for i in reprint_pool[:1] if i < 10)
    by_id = set(rng.sample(range(n), min(n, max(2, n // 20))))
    spaced = set(rng.sample(range(n), min(n, max(3, n // 6))))
    decomposed = set(rng.sample(range(n), min(n, max(2, n // 25))))
    for i in range(n):
        template = "migrated" if i in migrated else "news"
        when = published[i].replace(hour=0, minute=0) if template == "migrated" else published[i]
        article = corpus.composer.article(ids[i], primary[i], when, template)
        if i in reprinted:
            article.sections.append(REPRINTS)
            article.source = corpus.composer.reprint_source()
        if i in by_id:
            article.link_form[rng.choice(article.sections)] = "id"
        if i in spaced:
            _add_space_noise(article, rng)
        if i in decomposed:
            article.map_text(toggle_nfd)
        corpus.add_article(article)
    log.debug("built corpus seed=%s n=%s", seed, n)
    return corpus


def _plan_dates(rng: random.Random, today: datetime, n: int) -> list[datetime]:
    """Newest first: a few in the last 48 hours, then back months or years by random gaps."""
    recent = min(max(3, n // 50), 12, n)
    window = today - timedelta(hours=48)
    random = rng.random
    dates = [_floor5(today - timedelta(minutes=rng.randint(20, 47 * 60))) for _ in range(recent)]
    dates.sort(reverse=True)
    mean_gap = min(36.0, 10 * 365 * 24 / max(n, 1))
    cursor = window
    for _ in range(n - recent):
        cursor -= timedelta(hours=rng.expovariate(1 / mean_gap))
        when = cursor.replace(hour=6 + int(random() * 16), minute=5 * int(random() * 12))
        dates.append(min(when, _floor5(window - timedelta(minutes=5))))
    return dates


def _floor5(when: datetime) -> datetime:
    return when.replace(minute=when.minute - when.minute % 5, second=0, microsecond=0)


def _add_space_noise(article: Article, rng: random.Random) -> None:
    paragraphs = [i for i, b in enumerate(article.paragraphs) if b.kind == "p"]
    for i in rng.sample(paragraphs, min(len(paragraphs), rng.randint(1, 2))):
        block = article.paragraphs[i]
        article.paragraphs[i] = Block("p", space_noise(block.text, rng))
    if rng.random() < 0.3:
        article.summary = space_noise(article.summary, rng)
