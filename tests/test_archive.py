"""The WARC archive: one request/response pair per stored change, found again by the store's
reference, checked by warcio's own tool; unchanged re-fetches are not archived again;
`archive verify` names each missing or damaged record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.clirun import crawl, monitor_cli
from tests.evidencekit import changed_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = changed_world(tmp_path_factory.mktemp("archive"))
    yield world
    world.server.stop()


def _records(directory: Path) -> dict[str, dict]:
    """Every record of every WARC file, by WARC-Record-ID."""
    found = {}
    for path in sorted(directory.glob("*.warc.gz")):
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle, check_digests=True):
                body = record.content_stream().read()
                found[record.rec_headers.get_header("WARC-Record-ID")] = {
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "date": record.rec_headers.get_header("WARC-Date"),
                    "version": record.rec_headers.protocol,
                    "digest_ok": record.digest_checker.passed,
                    "body": body,
                    "file": path.name,
                }
    return found


def test_every_version_and_removal_has_its_response_archived(world) -> None:
    archive = world.db.parent / "archive"
    records = _records(archive)
    versions = world.rows(
        "SELECT asset_id, version, url, warc_file, warc_record_id FROM article_versions"
    )
    assert versions and all(v[4] for v in versions), "every version names its record"
    for asset_id, _version, _url, warc_file, record_id in versions:
        record = records[record_id]
        assert record["type"] == "response" and record["digest_ok"] is True
        assert record["version"] == "WARC/1.1"
        assert warc_file == f"archive/{record['file']}"
        assert str(asset_id).encode() in record["body"]
        assert record["uri"].startswith(world.server.base_url)
    events = world.rows(
        "SELECT kind, asset_id, warc_record_id FROM article_events WHERE run_id = ?",
        world.runs[1]["run_id"],
    )
    removals = {a: rid for kind, a, rid in events if kind == "removed"}
    assert set(removals) == {world.gone, world.soft}
    assert all(records[rid]["type"] == "response" for rid in removals.values())
    restored = world.rows(
        "SELECT asset_id, warc_record_id FROM article_events WHERE kind = 'restored'"
    )
    assert {a for a, _ in restored} == {world.gone, world.soft} and all(r for _, r in restored)
    requests = [r for r in records.values() if r["type"] == "request"]
    responses = [r for r in records.values() if r["type"] == "response"]
    assert len(requests) == len(responses)


def test_unchanged_refetches_are_not_archived_again(world) -> None:
    archive = world.db.parent / "archive"
    before = {p.name: p.stat().st_size for p in archive.glob("*.warc.gz")}
    outcome = crawl(world.server, world.db)
    assert outcome["stats"]["article_pages"] > 0, "the quiet run still fetched articles"
    after = {p.name: p.stat().st_size for p in archive.glob("*.warc.gz")}
    assert after == before


def test_warcio_check_passes_on_every_file(world) -> None:
    files = [str(p) for p in (world.db.parent / "archive").glob("*.warc.gz")]
    warcio = Path(sys.executable).with_name("warcio")
    result = subprocess.run([str(warcio), "check", *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_is_quiet_on_a_sound_archive_and_names_each_bad_record(world, tmp_path) -> None:
    ok = monitor_cli("archive", "verify", "--db", str(world.db))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "bad:" not in ok.stdout
    copy = tmp_path / "store"
    subprocess.run(["cp", "-a", str(world.db.parent), str(copy)], check=True)
    files = sorted((copy / "archive").glob("*.warc.gz"))
    referenced = world.rows(
        "SELECT count(DISTINCT warc_record_id) FROM "
        "(SELECT warc_record_id FROM article_versions UNION ALL "
        "SELECT warc_record_id FROM article_events) WHERE warc_record_id IS NOT NULL"
    )[0][0]
    in_first = world.rows(
        "SELECT count(DISTINCT warc_record_id) FROM "
        "(SELECT warc_record_id, warc_file FROM article_versions UNION ALL "
        "SELECT warc_record_id, warc_file FROM article_events) WHERE warc_file = ?",
        f"archive/{files[0].name}",
    )[0][0]
    files[0].unlink()
    (offset,) = world.rows(
        "SELECT max(warc_offset) FROM article_versions WHERE warc_file = ?",
        f"archive/{files[-1].name}",
    )[0]
    damaged = bytearray(files[-1].read_bytes())
    damaged[offset + 200] ^= 0xFF  # inside the response record's gzip member
    files[-1].write_bytes(bytes(damaged))
    bad = monitor_cli("archive", "verify", "--db", str(copy / "portal.sqlite3"))
    assert bad.returncode == 1
    lines = [ln for ln in bad.stdout.splitlines() if ln.startswith("bad: ")]
    assert sum("file missing" in ln for ln in lines) == in_first
    assert any(files[-1].name in ln for ln in lines)
    assert len(lines) < referenced
    assert "Traceback" not in bad.stderr


def test_archive_switched_off_in_the_config_writes_nothing(tmp_path) -> None:
    (tmp_path / "portalcrawl.toml").write_text("[archive]\nenabled = false\n", encoding="utf-8")
    world = changed_world(tmp_path, cwd=tmp_path)
    world.server.stop()
    assert not (world.db.parent / "archive").exists()
    assert world.rows("SELECT count(*) FROM article_versions WHERE warc_file IS NOT NULL") == [(0,)]
