"""The operator's one config file (TOML) plus environment variables, validated up front."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.configvalues import (
    ConfigError,
    check_base_url,
    check_cron,
    check_path,
    check_portal_url,
    check_sections,
    check_timezone,
    expand_env,
    number,
    str_list,
    typed,
    unknown,
)
from portalcrawl.settingscheck import (
    DAY,
    MAX_HOURS,
    RULES,
    Number,
    SettingError,
    busy_timeout,
    check_setting,
)

DEFAULT_PORTAL_URL = "https://dongthap.gov.vn"
DEFAULT_DB = "data/portal.sqlite3"
DEFAULT_CONFIG = "portalcrawl.toml"
ENV_CONFIG = "PORTALCRAWL_CONFIG"
ENV_URL = "PORTALCRAWL_URL"
ENV_DB = "PORTALCRAWL_DB"
KINDS = ("new", "edited", "removed", "restored", "crawler_alert")
MAX_CHANNEL_TIMEOUT = 3600.0


@dataclass
class ChannelConfig:
    name: str
    url: str
    sections: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=lambda: list(KINDS))
    digest: bool = False
    timeout_seconds: float | None = None  # one message's time-out; None: the URL's or 30 s


@dataclass
class JobConfig:
    name: str
    sections: list[str] = field(default_factory=list)
    interval_seconds: float | None = None
    cron: str | None = None
    jitter_seconds: float = 0
    full: bool = False


@dataclass
class HealthConfig:
    fallback_share: float = 0.3
    max_errors: int = 20
    error_share: float = 0.2


@dataclass
class ArchiveConfig:
    enabled: bool = True
    dir: str | None = None  # None: archive/ beside the store
    max_file_mb: float = 100.0

    def crawl_settings(self) -> dict[str, Any]:
        """The crawl's PORTALCRAWL_ARCHIVE_* settings for this section."""
        out: dict[str, Any] = {"PORTALCRAWL_ARCHIVE": self.enabled}
        if self.dir:
            out["PORTALCRAWL_ARCHIVE_DIR"] = self.dir
        out["PORTALCRAWL_ARCHIVE_MAX_MB"] = self.max_file_mb
        return out


@dataclass
class SiteConfig:
    out: str | None = None  # rebuilt after each scheduled run when set
    base_url: str | None = None  # permalinks in notices and feeds when set


@dataclass
class Config:
    portal_url: str = DEFAULT_PORTAL_URL
    db: str = DEFAULT_DB
    profile: str | None = None
    sections: list[str] = field(default_factory=list)
    revisit_hours: float = 48.0
    crawl_timeout_seconds: float = 3600.0
    max_requests: int = 0  # a run's request budget; 0: the time limit only
    audit_cycle_days: float = 7.0  # every stored article re-verified once per cycle
    removal_confirm_minutes: float = 30.0  # a 404 is a removal once still gone this much later
    settings: dict[str, Any] = field(default_factory=dict)
    health: HealthConfig = field(default_factory=HealthConfig)
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    channels: list[ChannelConfig] = field(default_factory=list)
    jobs: list[JobConfig] = field(default_factory=list)
    timezone: str | None = None  # of the jobs' cron lines; None: the machine's local time
    source: str | None = None


def _channel(raw: Any, index: int) -> ChannelConfig:
    where = f"channels[{index}]"
    if not isinstance(raw, dict) or "url" not in raw:
        raise ConfigError(f"{where}: needs a url")
    unknown(
        raw, {"name", "url", "sections", "keywords", "kinds", "digest", "timeout_seconds"}, where
    )
    kinds = str_list(raw, "kinds", where) or list(KINDS)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ConfigError(f"{where}.kinds: unknown kind {bad[0]!r}")
    return ChannelConfig(
        name=str(raw.get("name") or f"channel-{index + 1}"),
        url=expand_env(typed(raw, "url", str, where), f"{where}.url"),
        sections=str_list(raw, "sections", where),
        keywords=str_list(raw, "keywords", where),
        kinds=kinds,
        digest=typed(raw, "digest", bool, where) if "digest" in raw else False,
        timeout_seconds=_channel_timeout(raw, where),
    )


def _channel_timeout(raw: dict[str, Any], where: str) -> float | None:
    """Seconds one message may take (then its outcome is unknown): positive and finite."""
    if "timeout_seconds" not in raw:
        return None
    return number(raw, "timeout_seconds", where, Number(0, MAX_CHANNEL_TIMEOUT, above=True))


def _job(raw: Any, index: int) -> JobConfig:
    where = f"schedule.jobs[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown(
        raw,
        {
            "name",
            "sections",
            "interval_minutes",
            "interval_seconds",
            "cron",
            "jitter_seconds",
            "full",
        },
        where,
    )
    interval = None
    span = "an interval from 1 second to 366 days"
    if "interval_minutes" in raw:
        interval = number(raw, "interval_minutes", where, Number(1 / 60, 366 * 1440), span) * 60
    if "interval_seconds" in raw:
        interval = number(raw, "interval_seconds", where, Number(1, 366 * DAY), span)
    cron = check_cron(typed(raw, "cron", str, where), f"{where}.cron") if "cron" in raw else None
    if (interval is None) == (cron is None):
        raise ConfigError(f"{where}: give exactly one of interval_minutes or cron")
    jitter = 0.0
    if "jitter_seconds" in raw:
        jitter = number(raw, "jitter_seconds", where, Number(0, DAY), "0 or 1 to 86400 seconds")
        if 0 < jitter < 1:
            raise ConfigError(f"{where}.jitter_seconds: expected 0 or 1 to 86400 seconds")
    return JobConfig(
        name=str(raw.get("name") or f"job-{index + 1}"),
        sections=str_list(raw, "sections", where),
        interval_seconds=interval,
        cron=cron,
        jitter_seconds=jitter,
        full=typed(raw, "full", bool, where) if "full" in raw else False,
    )


def _evidence(config: Config, archive: Any, site: Any) -> None:
    """[archive] (the WARC archive of pages behind changes) and [site] (the static site)."""
    for name, table in (("archive", archive), ("site", site)):
        if not isinstance(table, dict):
            raise ConfigError(f"{name}: expected a table")
    unknown(archive, {"enabled", "dir", "max_file_mb"}, "archive")
    if "enabled" in archive:
        config.archive.enabled = typed(archive, "enabled", bool, "archive")
    if "dir" in archive:
        config.archive.dir = typed(archive, "dir", str, "archive")
    if "max_file_mb" in archive:
        config.archive.max_file_mb = number(
            archive, "max_file_mb", "archive", RULES["PORTALCRAWL_ARCHIVE_MAX_MB"]
        )
    unknown(site, {"out", "base_url"}, "site")
    if "out" in site:
        config.site.out = check_path(typed(site, "out", str, "site"), "site.out", "site")
    if "base_url" in site:
        try:
            config.site.base_url = check_base_url(typed(site, "base_url", str, "site"))
        except ConfigError as exc:
            raise ConfigError(f"site.base_url: {exc}") from None


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Config from `path`, else $PORTALCRAWL_CONFIG, else ./portalcrawl.toml if present.

    An empty path or variable (an unset one passed on) is refused, not taken for the default."""
    if path is not None:
        explicit = check_path(str(path), "--config", "config")
    elif ENV_CONFIG in os.environ:
        explicit = check_path(os.environ[ENV_CONFIG], f"${ENV_CONFIG}", "config")
    else:
        explicit = None
    candidate = Path(explicit) if explicit else Path(DEFAULT_CONFIG)
    raw: dict[str, Any] = {}
    if explicit or candidate.is_file():
        try:
            raw = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {candidate} not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {candidate}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {candidate}: {exc}") from None
    config = parse_config(raw)
    config.source = str(candidate) if raw or explicit else None
    if ENV_URL in os.environ:
        config.portal_url = check_portal_url(os.environ[ENV_URL])
    if ENV_DB in os.environ:
        config.db = check_path(os.environ[ENV_DB], f"${ENV_DB}")
    try:
        busy_timeout()
    except SettingError as exc:
        raise ConfigError(str(exc)) from None
    return config


def _field_options(
    config: Config, crawl: dict[str, Any], audit: dict[str, Any], notices: dict[str, Any]
) -> None:
    """The run's budget, the audit cycle and the removal confirmation delay."""
    if "max_requests" in crawl:
        config.max_requests = int(typed(crawl, "max_requests", int, "crawl"))
        if config.max_requests < 0:
            raise ConfigError("crawl.max_requests: must not be negative")
    unknown(audit, {"cycle_days"}, "audit")
    if "cycle_days" in audit:  # the crawl's PORTALCRAWL_AUDIT_CYCLE_HOURS, in days
        rule = Number(0, MAX_HOURS // 24, above=True)
        config.audit_cycle_days = number(audit, "cycle_days", "audit", rule)
    unknown(notices, {"removal_confirm_minutes"}, "notices")
    if "removal_confirm_minutes" in notices:
        config.removal_confirm_minutes = number(
            notices,
            "removal_confirm_minutes",
            "notices",
            RULES["PORTALCRAWL_REMOVAL_CONFIRM_MINUTES"],
        )


def parse_config(raw: dict[str, Any]) -> Config:
    """Validate a parsed TOML document; every error names the bad key and value."""
    unknown(
        raw,
        {
            "portal",
            "crawl",
            "audit",
            "notices",
            "health",
            "archive",
            "site",
            "channels",
            "schedule",
        },
        "config",
    )
    portal = raw.get("portal", {})
    crawl = raw.get("crawl", {})
    health = raw.get("health", {})
    config = Config()
    unknown(portal, {"url", "db", "profile", "sections", "revisit_hours"}, "portal")
    if "url" in portal:
        config.portal_url = check_portal_url(typed(portal, "url", str, "portal"))
    if "db" in portal:
        config.db = check_path(typed(portal, "db", str, "portal"), "portal.db")
    if "profile" in portal:
        config.profile = typed(portal, "profile", str, "portal")
    config.sections = str_list(portal, "sections", "portal")
    if "revisit_hours" in portal:
        config.revisit_hours = number(
            portal, "revisit_hours", "portal", RULES["PORTALCRAWL_REVISIT_HOURS"]
        )
    unknown(crawl, {"timeout_minutes", "max_requests", "settings"}, "crawl")
    _field_options(config, crawl, raw.get("audit", {}), raw.get("notices", {}))
    if "timeout_minutes" in crawl:
        rule = Number(0, 366 * 1440, above=True)
        config.crawl_timeout_seconds = number(crawl, "timeout_minutes", "crawl", rule) * 60
    if "settings" in crawl:
        config.settings = dict(typed(crawl, "settings", dict, "crawl"))
        for name, value in config.settings.items():
            if isinstance(value, list | dict):
                raise ConfigError(
                    f"crawl.settings.{name}: give the value as text, as --set takes it "
                    "('500,503' for a list, a JSON object for a dict)"
                )
            try:
                check_setting(name, str(value))
            except SettingError as exc:
                raise ConfigError(f"crawl.settings.{name}: {exc}") from None
    unknown(health, {"fallback_share", "max_errors", "error_share"}, "health")
    for key in ("fallback_share", "error_share"):
        if key in health:
            value = float(typed(health, key, (int, float), "health"))
            if not 0 <= value <= 1:
                raise ConfigError(f"health.{key}: expected a share between 0 and 1, got {value}")
            setattr(config.health, key, value)
    if "max_errors" in health:
        config.health.max_errors = int(typed(health, "max_errors", int, "health"))
        if config.health.max_errors < 0:
            raise ConfigError(
                f"health.max_errors: must not be negative, got {health['max_errors']}"
            )
    _evidence(config, raw.get("archive", {}), raw.get("site", {}))
    channels = raw.get("channels", [])
    if not isinstance(channels, list):
        raise ConfigError("channels: expected an array of tables ([[channels]])")
    config.channels = [_channel(c, i) for i, c in enumerate(channels)]
    names = [c.name for c in config.channels]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"channels: duplicate name {sorted(dupes)[0]!r}")
    schedule = raw.get("schedule", {})
    unknown(schedule, {"jobs", "timezone"}, "schedule")
    if "timezone" in schedule:
        config.timezone = check_timezone(
            typed(schedule, "timezone", str, "schedule"), "schedule.timezone"
        )
    jobs = schedule.get("jobs", [])
    if not isinstance(jobs, list):
        raise ConfigError("schedule.jobs: expected an array of tables ([[schedule.jobs]])")
    config.jobs = [_job(j, i) for i, j in enumerate(jobs)]
    check_sections(config.sections, config.profile, "portal.sections")
    for index, channel in enumerate(config.channels):
        check_sections(channel.sections, config.profile, f"channels[{index}].sections")
    for index, job in enumerate(config.jobs):
        check_sections(job.sections, config.profile, f"schedule.jobs[{index}].sections")
    return config
