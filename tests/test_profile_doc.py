"""The README documents the site-profile format key by key, generated from its schema."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from portalcrawl.site.profile import FIELDS, PROFILE_DIR, ProfileError, load_profile, readme_section

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_profile_section_is_the_generated_one() -> None:
    assert readme_section() in README.read_text(encoding="utf-8"), (
        "README profile section is stale: run `python -m portalcrawl.site.profile README.md`"
    )


def _keys(raw: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in raw.items():
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for entry in value:
                keys |= _keys(entry, f"{prefix}{key}[].")
        else:
            keys.add(prefix + key)
    return keys


@pytest.mark.parametrize("path", sorted(PROFILE_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_every_key_of_a_shipped_profile_is_documented(path: Path) -> None:
    documented = {f.key for f in FIELDS}
    used = _keys(tomllib.loads(path.read_text(encoding="utf-8")))
    assert used <= documented, used - documented
    load_profile(str(path))


def test_an_unknown_key_is_refused_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'base_url = "https://x"\n[[sections]]\npath = "a"\nname = "A"\n[listing]\nitme = "div"\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError, match="listing.itme"):
        load_profile(str(bad))


def test_a_profile_of_the_last_release_with_its_timezone_still_loads(tmp_path: Path) -> None:
    """`timezone` was documented and never read: a +07:00 one is accepted, another refused."""
    body = 'base_url = "https://x"\n{}\n[[sections]]\npath = "a"\nname = "A"\n'
    old = tmp_path / "old.toml"
    old.write_text(body.format('timezone = "Asia/Ho_Chi_Minh"'), encoding="utf-8")
    assert load_profile(str(old)).base_url == "https://x"
    other = tmp_path / "other.toml"
    other.write_text(body.format('timezone = "Europe/Paris"'), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"\+07:00"):
        load_profile(str(other))
