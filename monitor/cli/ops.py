"""Commands of the monitor CLI (registered by monitor.cli): `notices` and `status`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import click

from monitor.cli.common import (
    db_option,
    echo,
    echo_json,
    fail,
    get_config,
    open_store,
    parse_since,
    portal_minute,
    resolve_db,
)
from monitor.config import KINDS
from monitor.notify.masking import mask_secrets, mask_url
from portalcrawl.spiders.backfill import progress_line
from portalcrawl.store.database import Store

RECENT_RUNS = 10
RECENT_ALERTS = 5


def _loads(value: str | None) -> Any:
    try:
        return json.loads(value or "[]")
    except ValueError:
        return []


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain aligned columns: numbers right, text left."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(row[i], int | float) for row in rows if row[i] is not None) and bool(rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


# -- notices ---------------------------------------------------------------------------------


def notice_rows(store: Store, kind: str | None, since: datetime | None) -> list[dict[str, Any]]:
    """Notices oldest first, JSON columns decoded."""
    rows = store.list_notices(kind=kind, since=since)
    for row in rows:
        row["fields"] = _loads(row["fields"])
    return rows


def _notice_text(row: dict[str, Any]) -> str:
    head = f"#{row['id']}  {portal_minute(row['created_at'])}  {row['kind']}"
    if row["section"]:
        head += f"  {row['section']}"
    lines = [head, f"  {row['title']}"]
    if row["url"]:
        lines.append(f"  {row['url']}")
    if row["kind"] == "edited" and row["fields"]:
        lines.append(f"  changed: {', '.join(row['fields'])}")
    elif row["kind"] == "crawler_alert" and isinstance(row["fields"], dict):
        lines.append("  " + ", ".join(f"{k}={v}" for k, v in row["fields"].items()))
    if row["diff"]:
        lines += [f"    {ln}" if ln else "" for ln in row["diff"].splitlines()]
    return "\n".join(lines)


@click.command()
@db_option
@click.option("--kind", default=None, help=f"Only this kind: {', '.join(KINDS)}.")
@click.option("--since", default=None, help="Only notices made since: 2026-11-20, 24h, 7d.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.pass_context
def notices(
    ctx: click.Context, db: str | None, kind: str | None, since: str | None, as_json: bool
) -> None:
    """Announcements in the outbox, oldest first: new, edited, removed, restored, alerts."""
    if kind is not None and kind not in KINDS:
        fail(f"bad --kind {kind!r}: expected one of {', '.join(KINDS)}")
    after = parse_since(since)
    with open_store(resolve_db(ctx, db)) as store:
        rows = notice_rows(store, kind, after)
    for row in rows:
        if as_json:
            echo_json(row)
        else:
            echo(_notice_text(row) + "\n")
    if not rows and not as_json:
        click.echo("no notices", err=True)


# -- status ----------------------------------------------------------------------------------


def _duration(started: str | None, finished: str | None) -> str:
    if not started or not finished:
        return ""
    seconds = int(
        (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    )
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def field_status(store: Store, cycle_days: float) -> dict[str, Any]:
    """How far the backfill is, and how recently the rolling audit verified the articles."""
    sections = [r[0] for r in store.db.execute("SELECT section FROM section_state")]
    backfill = store.backfill_progress(sections)
    backfill["runs_to_go"] = 0 if backfill["done"] else store.backfill_runs_to_go()
    audit = store.verification(timedelta(days=cycle_days))
    audit["cycle_days"] = cycle_days
    return {"backfill": backfill, "audit": audit}


def _field_text(field: dict[str, Any]) -> list[str]:
    audit = field["audit"]
    age = audit["oldest_verified_seconds"]
    oldest = (
        "never (since the store was migrated)"
        if audit["never_verified"]
        else (f"{age / 3600:.1f} h ago" if age is not None else "none stored")
    )
    return [
        "",
        "Backfill and audit",
        f"  {progress_line(field['backfill'])}",
        f"  oldest verification: {oldest}; verified in the last {audit['cycle_days']:g} days: "
        f"{audit['coverage']:.0%} of {audit['live']:,} live articles",
    ]


def status_data(store: Store, urls: dict[str, str], cycle_days: float = 7.0) -> dict[str, Any]:
    """Recent runs, articles per section, deliveries per channel, crawler health."""
    runs = [
        {**r, "duration": _duration(r["started_at"], r["finished_at"])}
        for r in store.recent_runs(RECENT_RUNS)
    ]
    sections = list(
        store.db.query(
            "SELECT j.value AS section, sum(a.status='live') AS live, "
            "sum(a.status='removed') AS removed FROM articles a, json_each(a.sections) j "
            "GROUP BY j.value ORDER BY j.value"
        )
    )
    seen = store.channel_totals()
    channels = []
    for name in dict.fromkeys([*urls, *seen]):
        row = seen.get(name, {})
        error = row.get("last_error")
        channels.append(
            {
                "channel": name,
                "url": mask_url(urls[name]) if name in urls else None,
                "pending": row.get("pending", 0),
                "failed": row.get("failed", 0),
                "delivered": row.get("delivered", 0),
                "last_delivered": row.get("last_delivered"),
                "last_error": mask_secrets(error, urls.values()) if error else None,
            }
        )
    last_ok = store.last_run_id(("ok", "partial"))
    alerts = store.alerts_since(last_ok or 0)
    health = {
        "last_run_status": runs[0]["status"] if runs else None,
        "last_ok_run": last_ok,
        "alerts_since_last_ok": len(alerts),
        "recent_alerts": alerts[:RECENT_ALERTS],
        "identity_claims": store.count_identity_claims(),
        "recent_identity_claims": store.identity_claims(RECENT_ALERTS),
    }
    return {
        "runs": runs,
        "sections": sections,
        "channels": channels,
        "health": health,
        "field": field_status(store, cycle_days),
    }


def _status_text(data: dict[str, Any]) -> str:
    out = ["Runs (newest first)"]
    out.append(
        table(
            ["id", "mode", "status", "started (+07)", "duration", "pages", "articles", "errors"],
            [
                [
                    r["id"],
                    r["mode"] + (" baseline" if r["baseline"] else ""),
                    r["status"],
                    portal_minute(r["started_at"]),
                    r["duration"],
                    r["pages"],
                    r["articles"],
                    r["errors"],
                ]
                for r in data["runs"]
            ],
        )
        if data["runs"]
        else "  no runs yet"
    )
    out += ["", "Articles per section"]
    out.append(
        table(
            ["section", "live", "removed"],
            [[s["section"], s["live"], s["removed"]] for s in data["sections"]],
        )
        if data["sections"]
        else "  no articles yet"
    )
    out += ["", "Deliveries per channel"]
    out.append(
        table(
            ["channel", "pending", "failed", "delivered", "last delivered", "url", "last error"],
            [
                [
                    c["channel"],
                    c["pending"],
                    c["failed"],
                    c["delivered"],
                    portal_minute(c["last_delivered"]),
                    c["url"] or "",
                    c["last_error"] or "",
                ]
                for c in data["channels"]
            ],
        )
        if data["channels"]
        else "  no channels"
    )
    health = data["health"]
    out += [
        "",
        "Health",
        f"  last run: {health['last_run_status'] or 'none'}"
        f"   last ok run: {health['last_ok_run'] or 'none'}"
        f"   alerts since: {health['alerts_since_last_ok']}",
    ]
    out += [f"  ! run {a['run_id']}: {a['title']}" for a in health["recent_alerts"]]
    if health["identity_claims"]:
        out.append(f"  identity claims held (not stored): {health['identity_claims']}")
        out += [
            f"  ? {c['url']} claims asset {c['claimed_asset_id']}: {c['reason']} "
            f"(run {c['last_run_id']}, {c['times']}x)"
            for c in health["recent_identity_claims"]
        ]
    out += _field_text(data["field"])
    return "\n".join(out)


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_context
def status(ctx: click.Context, db: str | None, as_json: bool) -> None:
    """Recent runs, articles per section, pending deliveries and crawler health."""
    config = get_config(ctx)
    urls = {c.name: c.url for c in config.channels}
    with open_store(resolve_db(ctx, db)) as store:
        data = status_data(store, urls, config.audit_cycle_days)
    if as_json:
        echo_json(data)
    else:
        echo(_status_text(data))


commands: list[click.Command] = [notices, status]
