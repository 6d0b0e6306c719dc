"""The README's example config is one the monitor accepts, scheduler included."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from monitor.config import ChannelConfig, load_config
from monitor.notify.channels import build_channels
from monitor.scheduler import Scheduler

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_example_config_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README shows an example config"
    path = tmp_path / "portalcrawl.toml"
    path.write_text(blocks[0], encoding="utf-8")
    monkeypatch.setenv("SMTP_USER", "desk")
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    config = load_config(path)
    assert [job.name for job in config.jobs] == ["news"]  # the rolling audit, no nightly --full
    assert config.audit_cycle_days == 7 and config.removal_confirm_minutes == 30
    assert config.timezone == "Asia/Ho_Chi_Minh"
    assert [c.name for c in build_channels(config.channels)] == ["newsroom-mail", "archive"]
    Scheduler(config)  # accepted whole: triggers, time zone, channels


def test_every_channel_key_is_shown_in_the_readme_example() -> None:
    [example, *_] = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    shown = set(re.findall(r"^(\w+) = ", example.split("[[channels]]", 1)[1], re.M))
    assert {f.name for f in fields(ChannelConfig)} <= shown
