"""The local copy of the Đồng Tháp portal: a seeded corpus served as Liferay 7 pages on loopback.

Tests and the demo crawl it instead of the live portal (which cannot be reached from here).
"""

from monitor.localportal.corpus import Corpus, build_corpus
from monitor.localportal.model import Article, Block
from monitor.localportal.server import PortalServer, RequestRecord
from monitor.localportal.site import (
    NOT_FOUND_TEXT,
    PAGE_SIZES,
    SECTION_BY_PATH,
    SECTIONS,
    Section,
    content_path,
    listing_path,
    slugify,
    with_redirect,
)

__all__ = [
    "NOT_FOUND_TEXT",
    "PAGE_SIZES",
    "SECTIONS",
    "SECTION_BY_PATH",
    "Article",
    "Block",
    "Corpus",
    "PortalServer",
    "RequestRecord",
    "Section",
    "build_corpus",
    "content_path",
    "listing_path",
    "slugify",
    "with_redirect",
]
