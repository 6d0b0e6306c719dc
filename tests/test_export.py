"""Export (CSV for Excel, JSONL), atomic writes, Datasette metadata and the documented SQL."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.data import export as export_mod
from monitor.data.datasette import database_name, metadata, write_metadata
from monitor.data.export import article_columns, export_articles
from portalcrawl.store.database import Store, schema
from portalcrawl.text.dates import VN_TZ, to_iso
from tests.clirun import monitor_on_terminal
from tests.outbox import BIDI, MARKED_TITLE, SPOOF_BODY, SPOOF_TITLE
from tests.storefactory import PORTAL, article, crawl_run

ROOT = Path(__file__).resolve().parent.parent
TITLE = "Uỷ ban nhân dân tỉnh Đồng Tháp họp phiên thường kỳ tháng 11"
PRESS_URL = (
    f"{PORTAL}/thong-cao-bao-chi/-/asset_publisher/Pb9sKd2HfG5r/content/"
    "thong-cao-bao-chi-ve-gia-lua"
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "portal.sqlite3") as st:
        crawl_run(
            st,
            [
                article(
                    1,
                    TITLE,
                    "Đảng viên gương mẫu.\n\nNgười dân phấn khởi.",
                    sections=["tin-hoat-dong", "bao-chi-voi-dong-thap"],
                    images=[f"{PORTAL}/img/1.jpg"],
                    published_at="2026-11-01T08:00:00+07:00",
                ),
                article(
                    2,
                    "Thông cáo báo chí",
                    "Nội dung.",
                    sections=["thong-cao-bao-chi"],
                    attachments=[f"{PORTAL}/documents/tb.pdf"],
                    published_at="2026-11-20T09:30:00+07:00",
                ),
            ],
        )
        yield st


def test_csv_has_bom_and_vietnamese_reads_back(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    assert export_articles(store, "csv", out) == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == article_columns()
    assert rows[0]["title"] == TITLE
    assert "Đảng viên gương mẫu." in rows[0]["body_text"]
    assert json.loads(rows[0]["sections"]) == ["tin-hoat-dong", "bao-chi-voi-dong-thap"]
    assert rows[1]["removed_at"] == ""


def test_every_public_column_is_exported() -> None:
    [articles] = [t for t in schema.TABLES if t.name == "articles"]
    assert article_columns() == [c.name for c in articles.columns]
    assert "body_html" not in article_columns(include_html=False)


def test_jsonl_keeps_arrays(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    export_articles(store, "jsonl", out, include_html=False)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["asset_id"] for r in records] == [1, 2]
    assert records[0]["sections"] == ["tin-hoat-dong", "bao-chi-voi-dong-thap"]
    assert records[0]["images"] == [f"{PORTAL}/img/1.jpg"]
    assert records[1]["attachments"] == [f"{PORTAL}/documents/tb.pdf"]
    assert records[0]["title"] == TITLE and "body_html" not in records[0]
    assert "\\u" not in out.read_text(encoding="utf-8")


def test_since_and_section_filters(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    since = datetime(2026, 11, 15, tzinfo=VN_TZ)
    assert export_articles(store, "jsonl", out, since=since) == 1
    assert export_articles(store, "jsonl", out, section="bao-chi-voi-dong-thap") == 1
    assert json.loads(out.read_text(encoding="utf-8"))["asset_id"] == 1
    assert export_articles(store, "jsonl", out, section="none") == 0
    assert out.read_text(encoding="utf-8") == ""


def test_failed_export_leaves_the_old_file_and_no_temp(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "articles.csv"
    out.write_text("previous export", encoding="utf-8")

    def failing(*args, **kwargs):
        yield next(iter(original(*args, **kwargs)))
        raise sqlite3.OperationalError("disk I/O error")

    original = export_mod.iter_articles
    monkeypatch.setattr(export_mod, "iter_articles", failing)
    with pytest.raises(sqlite3.OperationalError):
        export_articles(store, "csv", out)
    assert out.read_text(encoding="utf-8") == "previous export"
    assert sorted(
        p.name
        for p in tmp_path.iterdir()
        if p.name != "portal.sqlite3" and not p.name.startswith("portal.sqlite3-")
    ) == ["articles.csv"]


def test_stdout(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert export_articles(store, "csv", "-") == 2
    text = capsys.readouterr().out
    assert text.startswith("\ufeffasset_id,url,title")
    assert TITLE in text


def test_bidi_controls_are_exact_in_files_and_shown_on_a_terminal(tmp_path: Path) -> None:
    db = tmp_path / "portal.sqlite3"
    with Store(db) as st:
        crawl_run(st, [article(1, SPOOF_TITLE, SPOOF_BODY)])
        export_articles(st, "jsonl", tmp_path / "a.jsonl")
        export_articles(st, "csv", tmp_path / "a.csv")
    [line] = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["title"] == SPOOF_TITLE and SPOOF_BODY in line  # data: exact
    assert SPOOF_TITLE in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")

    for fmt in ("jsonl", "csv"):
        code, shown = monitor_on_terminal("export", "--db", str(db), "--format", fmt, "--out", "-")
        assert code == 0 and not set(shown) & set(BIDI), shown
        if fmt == "jsonl":
            assert json.loads(shown.splitlines()[0])["title"] == SPOOF_TITLE  # the same value
            assert "\\u202egnp.exe" in shown
        else:
            assert MARKED_TITLE in shown


def test_unknown_format(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        export_articles(store, "xlsx", tmp_path / "x")
    assert not (tmp_path / "x").exists()


# -- Datasette metadata ----------------------------------------------------------------------


def test_metadata_describes_every_table_and_column() -> None:
    data = metadata("portal")
    tables = data["databases"]["portal"]["tables"]
    for table in schema.TABLES:
        entry = tables[table.name]
        assert entry["description"].endswith(table.doc)
        assert entry["columns"] == {c.name: c.doc for c in table.columns}
        assert entry.get("hidden", False) is (not table.public)
    assert tables["articles"]["facets"] == ["status", {"array": "sections"}]
    assert tables["articles"]["fts_table"] == schema.FTS_TABLE
    assert schema.FTS_TABLE in tables


def test_metadata_file(tmp_path: Path) -> None:
    out = tmp_path / "metadata.json"
    write_metadata(out, database_name("data/portal.sqlite3"))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data["databases"]) == ["portal"]
    assert "Đồng Tháp" in out.read_text(encoding="utf-8")


# -- docs/queries.md -------------------------------------------------------------------------


def documented_queries() -> list[str]:
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", text, flags=re.S)


@pytest.fixture
def query_store(tmp_path: Path) -> Path:
    """A store where every documented query has something to find."""
    path = tmp_path / "queries.sqlite3"
    recent = to_iso(datetime.now(VN_TZ) - timedelta(days=1))
    press = article(
        123456,
        "Thông cáo báo chí về giá lúa",
        "Giá lúa tăng.",
        sections=["thong-cao-bao-chi"],
        url=PRESS_URL,
        published_at=recent,
    )
    with Store(path) as st:
        crawl_run(
            st,
            [
                press,
                article(2, "Đảng viên trẻ", "Đảng viên trẻ tình nguyện.", published_at=recent),
                article(3, "Tin sẽ bị gỡ", "Nội dung."),
            ],
        )
        crawl_run(st, [{**press, "title": "Thông cáo báo chí về giá lúa (cập nhật)"}], removed=[3])
    return path


def test_there_are_documented_queries() -> None:
    assert len(documented_queries()) >= 6


@pytest.mark.parametrize("index", range(len(documented_queries())))
def test_documented_query_runs_and_finds_rows(query_store: Path, index: int) -> None:
    sql = documented_queries()[index]
    conn = sqlite3.connect(f"file:{query_store}?mode=ro", uri=True)
    try:
        rows = conn.execute(sql).fetchall()
    finally:
        conn.close()
    assert rows, sql


def test_documented_press_release_edit(query_store: Path) -> None:
    [sql] = [q for q in documented_queries() if "title_before" in q]
    conn = sqlite3.connect(f"file:{query_store}?mode=ro", uri=True)
    rows = conn.execute(sql).fetchall()
    conn.close()
    assert len(rows) == 1
    assert rows[0][0] == 123456 and rows[0][1] == 2
    assert json.loads(rows[0][3]) == ["title"]
