"""`notices` and `status` through the real click CLI: text, --json and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.notify.delivery import Channel, deliver
from monitor.notify.notices import alert, create_notices
from portalcrawl.store.database import Store
from tests.storefactory import FLOOD, PORTAL
from tests.storefactory import section_article as article

PASSWORD = "Mat-Khau-Rat-Bi-Mat"


@pytest.fixture(autouse=True)
def no_ambient_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No portalcrawl.toml or PORTALCRAWL_* from the developer's shell leaks into a test."""
    monkeypatch.chdir(tmp_path)
    for name in ("PORTALCRAWL_CONFIG", "PORTALCRAWL_DB", "PORTALCRAWL_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    """Baseline, then a run with a new, an edited and a removed article, an alert, and a
    webhook channel (with a password) that is down: four pending deliveries."""
    path = tmp_path / "portal.sqlite3"
    with Store(path) as store:
        first = store.start_run(portal_url=PORTAL)
        store.save_article(article(1, "Bài số một", "tin-hoat-dong"), first)
        store.save_article(article(2, "Bài số hai", "thong-bao"), first)
        store.finish_run(first, "ok")
        second = store.start_run(portal_url=PORTAL)
        store.save_article(article(3, FLOOD, "tin-hoat-dong"), second)
        store.save_article(article(1, "Bài số một (sửa)", "tin-hoat-dong", "Nội dung mới."), second)
        store.mark_removed(2, second, "404")
        store.finish_run(second, "ok", {"pages": 4, "articles": 2, "errors": 1})
        create_notices(store, second)
        alert(
            store,
            second,
            "section thong-bao listed no articles (it had 1)",
            {"section": "thong-bao"},
        )
        deliver(store, [Channel("web", f"json://editor:{PASSWORD}@127.0.0.1:9/hook")], second)
    yield path


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]


def test_notices_text_oldest_first(db: Path) -> None:
    result = invoke("notices", "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.stdout
    positions = [out.index(t) for t in ("#1 ", "#2 ", "#3 ", "#4 ")]
    assert positions == sorted(positions)
    assert FLOOD in out and f"{PORTAL}/tin/3" in out
    assert "changed: title, body_text" in out and "{+(sửa)+}" in out
    assert "crawler_alert" in out and "section=thong-bao" in out


def test_notices_json_lines(db: Path) -> None:
    result = invoke("notices", "--db", str(db), "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["kind"] for r in rows] == ["new", "edited", "removed", "crawler_alert"]
    for row in rows:
        assert {
            "id",
            "kind",
            "url",
            "title",
            "fields",
            "run_id",
            "created_at",
            "asset_id",
            "section",
            "published_at",
            "diff",
        } <= row.keys()
    new, edited, removed, warning = rows
    assert new["title"] == FLOOD and new["section"] == "tin-hoat-dong" and new["run_id"] == 2
    assert edited["fields"] == ["title", "body_text"] and "{+(sửa)+}" in edited["diff"]
    assert removed["asset_id"] == 2
    assert warning["fields"] == {"section": "thong-bao"} and warning["url"] == PORTAL


def test_notices_filters(db: Path) -> None:
    edited = invoke("notices", "--db", str(db), "--json", "--kind", "edited")
    assert [json.loads(x)["kind"] for x in edited.stdout.splitlines()] == ["edited"]
    recent = invoke("notices", "--db", str(db), "--json", "--since", "24h")
    assert len(recent.stdout.splitlines()) == 4
    future = invoke("notices", "--db", str(db), "--json", "--since", "2999-01-01")
    assert future.exit_code == 0 and future.stdout == ""
    empty = invoke("notices", "--db", str(db), "--since", "2999-01-01")
    assert empty.exit_code == 0 and "no notices" in empty.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--kind", "deleted"], ["--kind", "deleted", "edited"]),
        (["--since", "last tuesday"], ["--since", "last tuesday"]),
        (["--since", "2026-13-45"], ["--since"]),
    ],
)
def test_notices_bad_options_are_one_line_errors(
    db: Path, args: list[str], words: list[str]
) -> None:
    one_line_error(invoke("notices", "--db", str(db), *args), *words)


@pytest.mark.parametrize("command", ["notices", "status"])
def test_missing_store_is_one_line_error(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nope.sqlite3"
    one_line_error(invoke(command, "--db", str(missing)), str(missing))
    assert not missing.exists()


def test_status_text_tables(db: Path) -> None:
    result = invoke("status", "--db", str(db))
    assert result.exit_code == 0, result.output
    out = result.stdout
    for heading in ("Runs", "Articles per section", "Deliveries per channel", "Health"):
        assert heading in out
    header = next(ln for ln in out.splitlines() if ln.startswith("id "))
    for column in ("mode", "status", "started", "duration", "pages", "articles", "errors"):
        assert column in header
    assert "incremental baseline" in out
    section_line = next(ln for ln in out.splitlines() if ln.startswith("thong-bao"))
    assert section_line.split() == ["thong-bao", "0", "1"]
    web_line = next(ln for ln in out.splitlines() if ln.startswith("web "))
    assert web_line.split()[1:3] == ["4", "0"]
    assert "alerts since: 1" in out and "listed no articles" in out
    assert PASSWORD not in result.output


def test_status_masks_configured_channel_credentials(db: Path, tmp_path: Path) -> None:
    config = tmp_path / "portalcrawl.toml"
    config.write_text(
        '[[channels]]\nname = "web"\nurl = "json://editor:${HOOK_PASSWORD}@127.0.0.1:9/hook"\n'
        '[[channels]]\nname = "mail"\n'
        'url = "mailto://reporter:${HOOK_PASSWORD}@127.0.0.1:2525?to=nb@example.com"\n',
        encoding="utf-8",
    )
    env = {"HOOK_PASSWORD": PASSWORD}
    text = invoke("--config", str(config), "status", "--db", str(db), env=env)
    assert text.exit_code == 0, text.output
    assert PASSWORD not in text.output
    assert "json://editor:****@127.0.0.1:9/hook" in text.stdout
    assert "mailto://reporter:****@127.0.0.1:2525" in text.stdout
    as_json = invoke("--config", str(config), "status", "--db", str(db), "--json", env=env)
    assert PASSWORD not in as_json.output
    data = json.loads(as_json.stdout)
    channels = {c["channel"]: c for c in data["channels"]}
    assert channels["web"]["pending"] == 4 and channels["mail"]["pending"] == 0
    assert channels["web"]["url"] == "json://editor:****@127.0.0.1:9/hook"


def test_status_json(db: Path) -> None:
    result = invoke("status", "--db", str(db), "--json")
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["runs"]] == [2, 1]
    run = data["runs"][0]
    assert {
        "id",
        "mode",
        "status",
        "started_at",
        "duration",
        "pages",
        "articles",
        "errors",
    } <= run.keys()
    assert (run["pages"], run["articles"], run["errors"]) == (4, 2, 1)
    assert {s["section"]: (s["live"], s["removed"]) for s in data["sections"]} == {
        "tin-hoat-dong": (2, 0),
        "thong-bao": (0, 1),
    }
    assert data["health"]["last_run_status"] == "ok"
    assert data["health"]["alerts_since_last_ok"] == 1


def test_status_of_empty_store(tmp_path: Path) -> None:
    Store(tmp_path / "empty.sqlite3").close()
    result = invoke("status", "--db", str(tmp_path / "empty.sqlite3"))
    assert result.exit_code == 0
    assert "no runs yet" in result.stdout and "last run: none" in result.stdout
