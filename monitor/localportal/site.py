"""The portal's fixed shape: sections, Liferay portlet ids, URL forms and the urlTitle slug.

Paths here are site-relative ("/tin-hoat-dong?..."); prefix the server's base URL to fetch them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta, timezone
from functools import lru_cache
from urllib.parse import quote

VN_TZ = timezone(timedelta(hours=7))
PID_PREFIX = "com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_"
PAGE_SIZES = (5, 10, 20, 30, 50, 75)
DEFAULT_DELTA = 10
SLUG_MAX = 80
SITE_NAME = "Cổng Thông tin điện tử Đồng Tháp"
NOT_FOUND_TEXT = "Không tìm thấy tài nguyên được yêu cầu."
PRESS_PATH = "chinh-quyen-voi-bao-chi"
PRESS_NAME = "Chính quyền với báo chí"
PRESS_BLURB = (
    "Mục này cập nhật liên tục thông tin nổi bật của báo chí trong và ngoài tỉnh "
    "về vùng đất Sen Hồng"
)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class Section:
    """One Liferay page with its Asset Publisher instance."""

    path: str
    name: str
    group: str
    instance: str

    @property
    def pid(self) -> str:
        """The portlet id that prefixes this section's paging parameters."""
        return PID_PREFIX + self.instance


SECTIONS: tuple[Section, ...] = (
    Section("tin-hoat-dong", "Tin hoạt động", "news", "hV2tQm8LsW4a"),
    Section("xay-dung-dang", "Xây dựng Đảng", "news", "Xn4pRk7JdB2c"),
    Section("kinh-te-xa-hoi", "Kinh tế - Xã hội", "news", "Ty6wLq3NvM8e"),
    Section("thong-cao-bao-chi", "Thông cáo báo chí", "press", "Pb9sKd2HfG5r"),
    Section("nguoi-phat-ngon", "Người phát ngôn", "press", "Ng3mJx6CwZ1u"),
    Section("bao-chi-voi-dong-thap", "Báo chí với Đồng Tháp", "press", "Bc7vHn4TyR9k"),
)
SECTION_BY_PATH = {s.path: s for s in SECTIONS}
NEWS = tuple(s.path for s in SECTIONS if s.group == "news")
PRESS = tuple(s.path for s in SECTIONS if s.group == "press")
REPRINTS = "bao-chi-voi-dong-thap"

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_MARKS = re.compile(r"[\u0300-\u036f]+")


@lru_cache(maxsize=65536)
def slugify(title: str) -> str:
    """Liferay's urlTitle: accents stripped, đ/Đ dropped, other runs of non-alnum to '-'."""
    text = unicodedata.normalize("NFC", title).replace("đ", "").replace("Đ", "")
    text = _MARKS.sub("", unicodedata.normalize("NFD", text.lower()))
    return _SLUG_JUNK.sub("-", text).strip("-")[:SLUG_MAX]


def valid_delta(value: str | int | None) -> int:
    """Liferay's answer to a page size: one of its sizes, else the default."""
    try:
        delta = int(value) if value is not None else DEFAULT_DELTA
    except ValueError:
        return DEFAULT_DELTA
    return delta if delta in PAGE_SIZES else DEFAULT_DELTA


def listing_path(section: str, page: int = 1, delta: int = DEFAULT_DELTA) -> str:
    """Page `page` of a section with `delta` entries: the bare path for the default page 1."""
    if page == 1 and delta == DEFAULT_DELTA:
        return f"/{section}"
    pid = SECTION_BY_PATH[section].pid
    return (
        f"/{section}?p_p_id={pid}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
        f"&_{pid}_delta={delta}&p_r_p_resetCur=false&_{pid}_cur={page}"
    )


def content_path(section: str, url_title: str | None = None, asset_id: int | None = None) -> str:
    """Article URL path under a section, slug form or (with asset_id) `content/id/N` form."""
    instance = SECTION_BY_PATH[section].instance
    tail = f"id/{asset_id}" if asset_id is not None else url_title
    return f"/{section}/-/asset_publisher/{instance}/content/{tail}"


def with_redirect(url: str, section: str, redirect: str) -> str:
    """An article URL with the `_{PID}_redirect` query Liferay adds for the linking page."""
    return f"{url}?_{SECTION_BY_PATH[section].pid}_redirect={quote(redirect, safe='')}"


def date_line(when) -> str:
    """The article date line: 'Thứ Sáu, 22/01/2021 08:30'."""
    return f"{WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y %H:%M}"
