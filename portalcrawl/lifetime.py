"""A crawl started by the monitor lives exactly as long as the monitor wants it to.

The monitor starts its crawl child in a session of its own, so a signal sent to the monitor's
process group (Ctrl-C on a terminal, `kill -TERM -PGID`) reaches the monitor only, and the
monitor decides: finish within the grace, or stop the crawl. Even a signal sent to the crawl
itself (systemd's stop signals every process of the unit) is ignored: the crawl stops only on
STOP_SIGNAL (graceful, as Scrapy's SIGTERM: the run is recorded `aborted`; a second one stops it
at once), on TIME_UP_SIGNAL (graceful too, the run recorded `failed`: it overran its time limit)
or when its parent dies: Linux then kills it (SIGKILL), as a SIGKILL of the old shared
process group did, so no crawl is left orphaned and the next run marks its row `aborted`.

From its fork to its setsid the child is still in the monitor's process group, so the monitor
spawns it with those signals blocked (outside_signals_held): one sent to the group meanwhile
waits in the crawl, which discards it by ignoring them, then unblocks them.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
from collections.abc import Iterator

logger = logging.getLogger(__name__)

STOP_SIGNAL = signal.SIGUSR1
# The monitor's time limit came first: the crawl closes and records its run `failed`.
TIME_UP_SIGNAL = signal.SIGUSR2
IGNORED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int, parent: int) -> bool:
    """Ask the kernel for `signum` when our parent exits; False when it is gone already."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the stop signal of the monitor is all we get
        logger.debug("no parent-death signal on this system")
    return os.getppid() == parent


@contextlib.contextmanager
def outside_signals_held() -> Iterator[None]:
    """Around the spawn of a supervised crawl (the monitor's side). A Ctrl-C or a unit's stop
    that reached the child between its fork and its setsid killed it (their default action)
    before it could ignore them: its run was recorded `failed`, status -15, in 6 of 10 spawns
    signalled at that moment. Blocked in the spawning thread, they are blocked in the child
    too, from its fork to ignore_outside_signals. The monitor's own copy is delivered when the
    block ends (or at once to another of its threads): none is lost."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, IGNORED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def ignore_outside_signals() -> None:
    """Terminal and service-manager stop signals are for the monitor, not for its crawl. One
    held since the spawn (outside_signals_held) is discarded as it is ignored, then they are
    unblocked."""
    for signum in IGNORED:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, IGNORED)
