"""A store written by an older release opens with today's code: copied aside, migrated in place
in one transaction, every row kept; a newer or unreadable schema version is refused in one line.

tests/fixtures/store-v1.sqlite3 was written by the release before migrations existed (schema 1):
two monitor runs against the local copy (24 articles; then one new, one edited, one 404, one
soft 404, one NFD re-save) with a jsonl channel, so it holds versions, events, notices and
deliveries.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from portalcrawl.store import migrations
from portalcrawl.store.database import Store, StoreError
from tests.clirun import monitor_cli

FIXTURE = Path(__file__).parent / "fixtures" / "store-v1.sqlite3"
OLD_TABLES = (
    "articles",
    "article_versions",
    "article_events",
    "notices",
    "deliveries",
    "runs",
    "channel_state",
    "article_urls",
    "section_state",
    "crawl_backlog",
    "listing_entries",
)


def _rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of the old tables, restricted to the old columns (a migration may add some)."""
    conn = sqlite3.connect(f"{FIXTURE.resolve().as_uri()}?mode=ro", uri=True)
    old_columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info([{t}])")] for t in OLD_TABLES}
    conn.close()
    conn = sqlite3.connect(path)
    try:
        return {
            t: sorted(
                conn.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{t}]").fetchall(),
                key=repr,
            )
            for t, cols in old_columns.items()
        }
    finally:
        conn.close()


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "portal.sqlite3"
    shutil.copyfile(FIXTURE, path)
    return path


def test_fixture_is_schema_1_with_every_kind_of_row() -> None:
    rows = _rows(FIXTURE)
    assert _version(FIXTURE) == 1
    for table in ("article_versions", "article_events", "notices", "deliveries"):
        assert rows[table], table


def test_old_store_migrates_in_place_keeping_every_row(old_store: Path) -> None:
    before = _rows(old_store)
    Store(old_store).close()
    assert _version(old_store) == migrations.LATEST
    assert _rows(old_store) == before
    if migrations.LATEST > 1:
        backup = old_store.with_name("portal.sqlite3.v1.bak")
        assert _version(backup) == 1
        assert _rows(backup) == before


def test_a_read_command_first_migrates_then_reads(old_store: Path) -> None:
    for args in (
        ("search", "uy ban"),
        ("notices",),
        ("status",),
        ("history", str(_rows(old_store)["articles"][0][0])),
        ("export", "--format", "jsonl", "--out", "-"),
        ("feed", "--out", "-"),
    ):
        result = monitor_cli(*args, "--db", str(old_store))
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert _version(old_store) == migrations.LATEST


def test_each_step_runs_once_in_order_and_a_failing_step_changes_nothing(
    old_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[int] = []

    def step(version: int, fail: bool = False):
        def apply(conn: sqlite3.Connection) -> None:
            applied.append(version)
            conn.execute(f"CREATE TABLE step_{version} (x)")
            if fail:
                raise sqlite3.OperationalError("disk I/O error")

        return migrations.Migration(version, f"step {version}", apply)

    base = migrations.LATEST
    extra = (step(base + 1), step(base + 2, fail=True))
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + extra)
    monkeypatch.setattr(migrations, "LATEST", base + 2)
    before = _rows(old_store)
    with pytest.raises(StoreError):
        Store(old_store).close()
    assert _version(old_store) == 1, "a failed migration must leave the store as it was"
    assert _rows(old_store) == before
    conn = sqlite3.connect(old_store)
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'step_%'").fetchall()
    conn.close()

    applied.clear()
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:-1])
    monkeypatch.setattr(migrations, "LATEST", base + 1)
    Store(old_store).close()
    assert applied == [base + 1]  # the released steps are not this test's to count
    assert _version(old_store) == base + 1
    Store(old_store).close()  # a second open runs nothing again
    assert applied == [base + 1]  # the released steps are not this test's to count
    # each attempt kept its own copy of the schema-1 file; none overwrote another
    backups = {p.name for p in old_store.parent.glob("*.bak")}
    assert backups == {"portal.sqlite3.v1.bak", "portal.sqlite3.v1.2.bak"}
    assert all(_version(old_store.with_name(name)) == 1 for name in backups)


@pytest.mark.parametrize("value", ["99", "one", "1.5", "", "٣"])
def test_unknown_schema_versions_are_refused_in_one_line(old_store: Path, value: str) -> None:
    conn = sqlite3.connect(old_store)
    conn.execute("UPDATE meta SET value = ? WHERE key='schema_version'", [value])
    conn.commit()
    conn.close()
    before = old_store.read_bytes()
    result = monitor_cli("status", "--db", str(old_store))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert old_store.read_bytes() == before


def test_schema_2_gives_old_versions_no_archive_record_and_crawl_origin(old_store: Path) -> None:
    Store(old_store).close()
    conn = sqlite3.connect(old_store)
    try:
        rows = conn.execute(
            "SELECT origin, warc_file, warc_offset, warc_record_id FROM article_versions"
        ).fetchall()
        events = conn.execute("SELECT DISTINCT warc_record_id FROM article_events").fetchall()
    finally:
        conn.close()
    assert rows and set(rows) == {("crawl", None, None, None)}
    assert events == [(None,)]
