"""The walk's order and the backfill that spans runs, as plain objects the spider consults.

A large portal is stored over many runs. Every run walks each section from its newest page;
a section whose backfill is not done then jumps to where the last run stopped (its resume
point, counted in listing entries from the top and moved by what was published or taken down
since), and reads on towards the oldest page until the run's budget ends it. Nothing already
walked is walked again, but for the one page the resume point falls in.

Requests are prioritised by their position in their section's walk this run, the same scale
for every section: each section's first entries go before any section's later ones, so the
newest page of every section is stored in the first minutes of the first run (round-robin).
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portalcrawl.store.database import Store
from portalcrawl.store.fieldstate import BackfillPoint
from portalcrawl.store.report import SectionReport

BACKLOG_PRIORITY = 30  # what failed last run goes first: a run cut short still catches up
CONFIRM_PRIORITY = 0  # known articles missing from the pages read, and the canary
AUDIT_POSITION = 10  # the rolling audit's requests queue behind each section's first ten


def article_priority(position: int) -> int:
    """The request for the entry at this position of its section's walk."""
    return -2 * position


def listing_priority(position: int) -> int:
    """The listing page whose first entry will have this position: just before that entry."""
    return -2 * position + 1


AUDIT_PRIORITY = article_priority(AUDIT_POSITION) - 1


@dataclass
class SectionWalk:
    """One section's walk in this run, and the backfill point it started from."""

    point: BackfillPoint | None
    size: int = 0  # entries per page as served (page 1's count, or its counter)
    total: int | None = None  # the listing's total this run (page 1's counter)
    position: int = 0  # entries this run's walk has handled
    jumped: bool = False  # the walk skipped to the resume point
    deepest: int = 0  # listing index just past the deepest page read
    outstanding: set[int] = field(default_factory=set)  # listing indices asked, not answered
    reached_end: bool = False

    @property
    def backfilling(self) -> bool:
        return self.point is None or not self.point.done

    def page_start(self, current: int, results: tuple[int, int, int] | None, count: int) -> int:
        """The listing index of the page's first entry; learns the page size and total."""
        if results is not None:
            start = results[0] - 1
            if current == 1 or not self.size:
                self.size = results[1] - results[0] + 1 or self.size
            if current == 1 or self.total is None:
                self.total = results[2]
        else:
            if not self.size:
                self.size = count
            start = (current - 1) * self.size
        self.deepest = max(self.deepest, start + count)
        return start

    def resume_page(self, next_page: int, new_at_head: int) -> int | None:
        """The page to jump to instead of `next_page`, once the walk met stored entries.

        The resume point moves by the listing's growth since it was recorded (its counter);
        without a counter, by the entries new at the head this run."""
        point = self.point
        if self.jumped or point is None or point.done or point.offset is None or self.size <= 0:
            return None
        page = max(0, point.offset + self._shift(new_at_head)) // self.size + 1
        return page if page > next_page else None

    def _shift(self, new_at_head: int) -> int:
        """How far the resume point moved since it was recorded: the listing's growth by its
        counter, else the entries new at the head this run."""
        point = self.point
        if point is not None and self.total is not None and point.total is not None:
            return self.total - point.total
        return new_at_head

    def stores_backfill(self, index: int, new_at_head: int) -> bool:
        """The entry at this listing index is history the backfill catches up, not a post
        published since the last run (those stand before the resume point)."""
        if not self.backfilling:
            return False
        point = self.point
        if point is None or point.offset is None or self.jumped:
            return True
        return index >= point.offset + self._shift(new_at_head)

    def resume_offset(self) -> int | None:
        """Where the next run resumes: the first entry asked for and not answered, else past
        the deepest page read (never behind where this run started from)."""
        here = min(self.outstanding) if self.outstanding else self.deepest
        point = self.point
        if self.jumped or point is None or point.offset is None:
            return here
        return max(here, point.offset + self._shift(0))

    @property
    def done(self) -> bool:
        """The listing was read to its end and every entry asked for was answered."""
        return (self.point is not None and self.point.done) or (
            self.reached_end and not self.outstanding
        )


def record_walks(
    store: Store,
    sections: Mapping[str, SectionReport],
    walks: Mapping[str, SectionWalk],
    was_synced: Container[str],
    run_id: int | None,
    status: str,
) -> None:
    """Each section's state after the run: in step (synced), resume point, backfill done.

    A section is in step when its walk ended cleanly; one that was stays so when its walk did
    not end (the budget came first, or its listing came back empty) and nothing in it failed:
    the next run starts from the top anyway."""
    ended = status in ("ok", "partial")
    for section, state in sections.items():
        walk = walks.get(section)
        unfinished = section in was_synced and not state.failed and not state.walk_done
        synced = ended and (state.clean or unfinished)
        store.set_section_state(section, synced=synced, run_id=run_id, count=state.listed)
        if ended and state.clean:
            store.clear_section_backlog(section)
        if status == "ok" and state.clean and state.reached_end:
            store.prune_listing(section, run_id)
            if walk is not None and walk.total is not None:
                store.set_count_offset(section, walk.total)
        if walk is None or (walk.size == 0 and walk.point is not None):
            continue  # its first page was never read: the resume point stays as it was
        store.set_backfill(
            section,
            done=walk.done and not state.failed,
            offset=walk.resume_offset(),
            total=walk.total,
            listed_total=walk.total,
        )


def progress(store: Store, sections: Iterable[str], stored_now: int) -> dict[str, Any]:
    """How far the backfill is, and about how many more runs like this one it needs."""
    state = store.backfill_progress(sections)
    left = max(0, state["listed"] - state["stored"])
    state["stored_this_run"] = stored_now
    state["runs_to_go"] = (
        0 if state["done"] else (math.ceil(left / stored_now) if stored_now else None)
    )
    return state


def progress_line(state: Mapping[str, Any]) -> str:
    """'backfill: 1,240 of 31,500 listed articles stored; about 9 runs to go at this budget'."""
    if state.get("done"):
        return f"backfill done: {state['stored']:,} listed articles stored"
    line = f"backfill: {state['stored']:,} of {state['listed']:,} listed articles stored"
    runs = state.get("runs_to_go")
    if runs is None:
        return line + "; no progress this run"
    return line + f"; about {runs} run{'s' if runs != 1 else ''} to go at this budget"
