"""The crawl child: started in a session of its own, its progress streamed, stopped on the
monitor's terms (portalcrawl/lifetime.py is the child's side), and its last error read back
from its log when it could not record its own end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import portalcrawl
from portalcrawl.lifetime import STOP_SIGNAL, TIME_UP_SIGNAL, outside_signals_held

logger = logging.getLogger(__name__)

TERMINATE_GRACE = 15.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
LOG_TAIL = 200
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Failure): \S")


def last_error(log_file: Path) -> str:
    """The crawl log's last error: an ERROR record, or the last line of an uncaught traceback
    (the traceback itself stays in the log)."""
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_TAIL:]
    except OSError:
        return ""
    for line in reversed(lines):
        _, sep, message = line.partition(" ERROR: ")
        if sep and message.strip():
            return message.strip()[:300]
        if _EXCEPTION_LINE.match(line):
            return line.strip()[:300]
    return ""


async def _stream_progress(stream: asyncio.StreamReader, show: Callable[[str], None]) -> None:
    while line := await stream.readline():
        with contextlib.suppress(ValueError):
            show(json.loads(line)["line"])


def child_env() -> dict[str, str]:
    """The crawl imports portalcrawl from this checkout, whatever the working directory."""
    root = str(Path(portalcrawl.__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root}


@dataclass
class Stop:
    """How the operator stops a run: `requested` (first signal: the crawl stops as at its time
    limit, its run recorded `aborted`), `forced` (second signal: the crawl is killed now)."""

    requested: asyncio.Event = field(default_factory=asyncio.Event)
    forced: asyncio.Event = field(default_factory=asyncio.Event)

    def signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self.requested.is_set():
            logger.warning("%s again: killing the crawl", name)
            self.forced.set()
        else:
            logger.info("%s: stopping the crawl (signal again to kill it)", name)
            self.requested.set()


@contextlib.contextmanager
def stop_on_signals(stop: Stop) -> Iterator[None]:
    """SIGINT/SIGTERM (and SIGHUP) stop the crawl child through `stop` while `monitor run` runs."""
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.signal, signum)
    try:
        yield
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


async def run_child(
    cmd: list[str],
    timeout: float,
    show: Callable[[str], None] | None,
    log_file: Path,
    stop: Stop | None = None,
) -> tuple[int | None, str, str]:
    """Run the crawl to its end: (exit code, problem, the run's status if it was stopped), the
    last two for the run's end only should the crawl not record one itself.

    The crawl runs in a session of its own (portalcrawl/lifetime.py): signals to our process
    group are ours to act on. On `stop` or cancellation it is stopped (its stop signal), on
    time-out told its time is up (the crawl records either end); then SIGKILL after the grace.
    """
    with open(log_file, "ab") as log, outside_signals_held():  # until it is in its session
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if show else asyncio.subprocess.DEVNULL,
            stderr=log,
            env=child_env(),
            start_new_session=True,
        )
    reader = asyncio.ensure_future(_stream_progress(proc.stdout, show)) if show else None
    ended = asyncio.ensure_future(proc.wait())
    stopped = asyncio.ensure_future(stop.requested.wait()) if stop else None
    try:
        waits = {ended, stopped} if stopped else {ended}
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if ended.done():
            return ended.result(), "", ""
        if stopped is not None and stopped.done():
            await _stop(proc, stop)
            return None, "stopped by a signal before it finished", "aborted"
        await _stop(proc, stop, TIME_UP_SIGNAL)
        return None, f"crawl stopped at its time limit ({timeout:g} s)", "failed"
    except asyncio.CancelledError:
        await _stop(proc, stop)
        raise
    finally:
        for waiter in (reader, stopped, ended):
            if waiter is not None:
                waiter.cancel()


async def _stop(
    proc: asyncio.subprocess.Process, stop: Stop | None = None, signum: int = STOP_SIGNAL
) -> None:
    """The crawl's own stop (it records its run: `aborted` on STOP_SIGNAL, `failed` on
    TIME_UP_SIGNAL), then SIGKILL after the grace or on a second signal."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signum)
    waits = {asyncio.ensure_future(proc.wait())}
    if stop is not None:
        waits.add(asyncio.ensure_future(stop.forced.wait()))
    try:
        await asyncio.wait(waits, timeout=TERMINATE_GRACE, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waits:
            waiter.cancel()
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
