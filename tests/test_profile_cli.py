"""`profile discover` and `profile check` when the portal is not what the profile expects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.localportal import PortalServer, build_corpus
from monitor.localportal.routes import HTML, Response
from portalcrawl.site.profile import load_profile
from tests.clirun import monitor_cli

pytestmark = pytest.mark.slow


def test_discover_says_in_one_line_when_nothing_looks_like_a_listing(tmp_path: Path) -> None:
    plain = Response(200, HTML, "<html><body><p>Trang đang bảo trì.</p></body></html>".encode())
    with PortalServer(build_corpus(seed=2, n=12)) as server:
        server.rewrite("/", lambda _: plain)
        result = monitor_cli(
            "profile", "discover", server.base_url, "--out", str(tmp_path / "p.toml"),
            "--delay", "0",
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.toml").exists()


def test_check_names_what_a_redesign_broke_and_fails_a_section_without_articles(
    tmp_path: Path,
) -> None:
    out = tmp_path / "p.toml"
    with PortalServer(build_corpus(seed=2, n=24)) as server:
        found = monitor_cli(
            "profile", "discover", server.base_url, "--out", str(out), "--delay", "0"
        )
        assert found.returncode == 0, found.stderr
        server.set_template("redesign")  # the display template's class names all change
        args = ("profile", "check", "--profile", str(out), "--portal-url", server.base_url)
        redesigned = monitor_cli(*args, "--delay", "0", "--json", "--sample", "1")
        assert redesigned.returncode == 0, redesigned.stdout + redesigned.stderr
        sections = json.loads(redesigned.stdout)["sections"]
        assert all("profile" not in s["fields"]["body"] for s in sections)  # not the template's
        assert all(s["fields"]["title"] == {"fallback": 1} for s in sections)
        text = monitor_cli(*args, "--delay", "0", "--sample", "1")
        assert "fallback" in text.stdout and "tin-hoat-dong" in text.stdout
        root = load_profile(str(out)).article["root"]
        assert f"not found: root {root}" in text.stdout  # the rule the redesign broke, named
        server.rewrite(
            "/xay-dung-dang", lambda r: Response(200, HTML, b"<html><body></body></html>")
        )
        broken = monitor_cli(*args, "--delay", "0", "--sample", "1")
    assert broken.returncode == 1
    assert "xay-dung-dang (Xây dựng Đảng): FAILED" in broken.stdout
    assert broken.stderr.startswith("error: ") and "xay-dung-dang" in broken.stderr
