"""The site profile: sections, URL shapes and selectors live in TOML, not in code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = "dongthap"


class ProfileError(Exception):
    """A profile that cannot be used, said in one line."""


@dataclass(frozen=True)
class Section:
    path: str
    name: str
    group: str
    instance: str


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    aliases: tuple[str, ...]
    portlet_id: str
    page_size: int
    not_found_text: str
    sections: tuple[Section, ...]
    listing: dict[str, str]
    article: dict[str, Any]
    fallback: dict[str, str]
    source: str = field(default="")

    def section(self, path: str) -> Section:
        for section in self.sections:
            if section.path == path.strip("/"):
                return section
        known = ", ".join(s.path for s in self.sections)
        raise ProfileError(f"unknown section {path!r} (known: {known})")

    def pid(self, section: Section) -> str:
        """Liferay portlet id of the section's Asset Publisher instance."""
        return self.portlet_id.format(instance=section.instance)


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
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"site profile {path}: {exc}") from None
    try:
        sections = tuple(
            Section(s["path"].strip("/"), s["name"], s.get("group", "news"), s["instance"])
            for s in raw["sections"]
        )
        return Profile(
            name=raw.get("name", path.stem),
            base_url=raw["base_url"].rstrip("/"),
            aliases=tuple(a.lower() for a in raw.get("aliases", ())),
            portlet_id=raw["portlet_id"],
            page_size=int(raw.get("page_size", 10)),
            not_found_text=raw["not_found_text"],
            sections=sections,
            listing=dict(raw["listing"]),
            article=dict(raw["article"]),
            fallback=dict(raw["fallback"]),
            source=str(path),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"site profile {path}: missing or bad key {exc}") from None
