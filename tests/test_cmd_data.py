"""The data commands through the real CLI group: output forms and one-line errors."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.data.feed import ATOM_NS
from monitor.notify.notices import create_notices
from portalcrawl.store.database import Store
from tests.storefactory import article, article_url, crawl_run

TITLE = "Hội nghị Đảng viên tiêu biểu năm 2026"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "portal.sqlite3"
    with Store(path) as st:
        crawl_run(
            st,
            [
                article(
                    1,
                    TITLE,
                    "Biểu dương 120 đảng viên.",
                    sections=["xay-dung-dang", "tin-hoat-dong"],
                ),
                article(2, "Giá lúa", "Giá lúa ổn định."),
            ],
        )
        run = crawl_run(
            st,
            [
                article(
                    1,
                    TITLE,
                    "Biểu dương 125 đảng viên.",
                    sections=["xay-dung-dang", "tin-hoat-dong"],
                )
            ],
        )
        create_notices(st, run)
    return path


def invoke(*args: str, color: bool = False) -> Result:
    return CliRunner().invoke(cli, list(args), color=color)


def assert_one_line_error(result: Result, text: str) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert text in lines[0]
    assert "Traceback" not in result.output


def test_search_text(db: Path) -> None:
    result = invoke("search", "dang", "vien", "--db", str(db))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == " 1. Hội nghị «Đảng» «viên» tiêu biểu năm 2026"
    assert (
        "xay-dung-dang, tin-hoat-dong" in lines[1]
        and article_url(TITLE, "xay-dung-dang") in lines[1]
    )
    assert "«đảng» «viên»" in lines[2]
    assert "\x1b[" not in result.stdout


def test_terminal_gets_colours(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("monitor.cli.data.is_tty", lambda *a: True)
    result = invoke("search", "dang vien", "--db", str(db), color=True)
    assert "\x1b[1;33mĐảng\x1b[0m" in result.stdout and "«" not in result.stdout
    result = invoke("history", "1", "--db", str(db), color=True)
    assert "\x1b[31;9m120\x1b[0m \x1b[32m125\x1b[0m" in result.stdout


def test_search_json(db: Path) -> None:
    result = invoke("search", "ĐẢNG VIÊN", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    data = json.loads(line)
    assert data["title"] == TITLE
    assert data["sections"] == ["xay-dung-dang", "tin-hoat-dong"]
    assert data["asset_id"] == 1 and data["status"] == "live"
    assert {"url", "published_at", "snippet", "score"} <= set(data)


def test_search_nothing_found_and_filters(db: Path) -> None:
    result = invoke("search", "không có", "--db", str(db))
    assert result.exit_code == 0 and result.stdout == ""
    result = invoke("search", "gia lua", "--db", str(db), "--section", "xay-dung-dang", "--json")
    assert result.stdout == ""
    result = invoke("search", "gia lua", "--db", str(db), "--since", "2026-11-01", "--json")
    assert json.loads(result.stdout)["asset_id"] == 2


@pytest.mark.parametrize("query", ['"', "NEAR(", "a OR", "title:x", "*"])
def test_search_fts_syntax_never_crashes(db: Path, query: str) -> None:
    result = invoke("search", query, "--db", str(db))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code:
        assert_one_line_error(result, "nothing to search for")


def test_history_text_and_json(db: Path) -> None:
    result = invoke("history", article_url(TITLE, "xay-dung-dang") + "?x=1", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "v2  changed: body_text" in result.stdout
    assert "[-120-] {+125+}" in result.stdout
    result = invoke("history", "1", "--db", str(db), "--json")
    data = json.loads(result.stdout)
    assert [v["version"] for v in data["versions"]] == [1, 2]


def test_export_csv_and_jsonl(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = invoke("export", "--db", str(db), "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "exported 2 articles" in result.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert [r["title"] for r in csv.DictReader(fh)] == [TITLE, "Giá lúa"]
    result = invoke(
        "export",
        "--db",
        str(db),
        "--format",
        "jsonl",
        "--out",
        "-",
        "--section",
        "xay-dung-dang",
        "--no-html",
    )
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["sections"] == ["xay-dung-dang", "tin-hoat-dong"] and "body_html" not in record


def test_feed_command(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "feed.xml"
    result = invoke("feed", "--db", str(db), "--out", str(out), "--kind", "edited")
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    assert root.tag == f"{{{ATOM_NS}}}feed"
    assert len(root.findall(f"{{{ATOM_NS}}}entry")) == 1


def test_datasette_metadata_command(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "metadata.json"
    result = invoke("datasette-metadata", "--db", str(db), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "portal" in json.loads(out.read_text(encoding="utf-8"))["databases"]


@pytest.mark.parametrize(
    "args, text",
    [
        (["search", "x", "--db", "{missing}"], "no store at"),
        (["history", "1", "--db", "{missing}"], "no store at"),
        (["export", "--db", "{missing}", "--format", "csv", "--out", "-"], "no store at"),
        (["feed", "--db", "{missing}", "--out", "-"], "no store at"),
        (["history", "999", "--db", "{db}"], "no article with asset id 999"),
        (["history", "https://dongthap.gov.vn/x/content/khong-co", "--db", "{db}"], "no article"),
        (["export", "--db", "{db}", "--format", "xlsx", "--out", "-"], "bad --format"),
        (["export", "--db", "{db}", "--out", "-"], "--format is required"),
        (["export", "--db", "{db}", "--format", "csv"], "--out FILE is required"),
        (
            ["export", "--db", "{db}", "--format", "csv", "--out", "-", "--since", "last week"],
            "bad --since",
        ),
        (["search", "x", "--db", "{db}", "--since", "2026-13-45"], "bad --since"),
        (["search", "x", "--db", "{db}", "--limit", "0"], "bad --limit"),
        (["search", "(*)", "--db", "{db}"], "nothing to search for"),
        (["feed", "--db", "{db}", "--out", "-", "--kind", "deleted"], "bad --kind"),
        (["feed", "--db", "{db}", "--out", "{tmp}/no/such/dir/feed.xml"], "No such file"),
    ],
)
def test_one_line_errors(db: Path, tmp_path: Path, args: list[str], text: str) -> None:
    values = {"db": str(db), "missing": str(tmp_path / "nope.sqlite3"), "tmp": str(tmp_path)}
    result = invoke(*[a.format(**values) for a in args])
    assert_one_line_error(result, text)
    assert result.exit_code == 1


def test_read_commands_never_write(db: Path, tmp_path: Path) -> None:
    before = db.read_bytes()
    for args in (
        ["search", "dang vien"],
        ["history", "1"],
        ["feed", "--out", "-"],
        ["export", "--format", "jsonl", "--out", "-"],
    ):
        assert invoke(*args, "--db", str(db)).exit_code == 0
    assert db.read_bytes() == before


def test_unknown_section_is_a_one_line_error(db) -> None:
    result = invoke("search", "uy ban", "--db", str(db), "--section", "khong-co")
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: unknown section 'khong-co'")
