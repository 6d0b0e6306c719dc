"""The README documents the schema the store creates, column for column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from portalcrawl.store.database import Store, schema
from portalcrawl.store.schemadoc import readme_section

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_schema_section_is_the_generated_one() -> None:
    assert readme_section() in README.read_text(encoding="utf-8"), (
        "README schema section is stale: run `python -m portalcrawl.store.schemadoc README.md`"
    )


def test_every_created_column_is_documented(tmp_path) -> None:
    Store(tmp_path / "s.sqlite3").close()
    conn = sqlite3.connect(tmp_path / "s.sqlite3")
    documented = {t.name: {c.name for c in t.columns} for t in schema.TABLES}
    for table, columns in documented.items():
        created = {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}
        assert created == columns, table
    conn.close()
