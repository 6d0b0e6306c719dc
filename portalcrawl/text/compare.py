"""What counts as an edit: the compared fields, their comparison form and the content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from portalcrawl.text.normalise import comparison_form

COMPARED_FIELDS: tuple[str, ...] = (
    "title",
    "summary",
    "body_text",
    "published_at",
    "author",
    "source",
    "attachments",
    "images",
)
LIST_FIELDS = frozenset({"attachments", "images", "sections"})


def as_list(value: Any) -> list[str]:
    """JSON columns arrive as text from SQLite and as lists from items: accept both."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        loaded = json.loads(value)
        return list(loaded) if isinstance(loaded, list) else [str(loaded)]
    return list(value)


def field_form(name: str, value: Any) -> str:
    """Comparison form of one field: text folded of form-only differences, lists sorted."""
    if name in LIST_FIELDS:
        return "\n".join(sorted(comparison_form(v) for v in as_list(value)))
    return comparison_form(
        value if isinstance(value, str) else ("" if value is None else str(value))
    )


def content_hash(fields: Mapping[str, Any]) -> str:
    """Equal hashes mean no edit worth a version or a notice."""
    digest = hashlib.sha256()
    for name in COMPARED_FIELDS:
        digest.update(name.encode())
        digest.update(b"\x00")
        digest.update(field_form(name, fields.get(name)).encode())
        digest.update(b"\x01")
    return digest.hexdigest()


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Names of the compared fields whose comparison form differs, in COMPARED_FIELDS order."""
    return [n for n in COMPARED_FIELDS if field_form(n, old.get(n)) != field_form(n, new.get(n))]
