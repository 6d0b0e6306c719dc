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
    """A list field's items as text: JSON columns arrive as text from SQLite, lists from items.

    Text that is not a JSON array is one item; an item that is not text is its JSON, so a
    hand-edited row or an odd value still compares and diffs instead of failing.
    """
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
        if not isinstance(value, list):
            return [str(value)]
    items = value if isinstance(value, list | tuple) else [value]
    return [
        i if isinstance(i, str) else json.dumps(i, ensure_ascii=False, sort_keys=True)
        for i in items
    ]


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
