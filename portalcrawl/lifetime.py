"""A crawl started by the monitor lives exactly as long as the monitor wants it to.

The monitor starts its crawl child in a session of its own, so a signal sent to the monitor's
process group (Ctrl-C on a terminal, `kill -TERM -PGID`) reaches the monitor only, and the
monitor decides: finish within the grace, or stop the crawl. Even a signal sent to the crawl
itself (systemd's stop signals every process of the unit) is ignored: the crawl stops only on
STOP_SIGNAL (graceful, as Scrapy's SIGTERM: the run is recorded `aborted`; a second one stops it
at once), on TIME_UP_SIGNAL (graceful too, the run recorded `failed`: it overran its time limit)
or when its parent dies: Linux then kills it (SIGKILL), as a SIGKILL of the old shared
process group did, so no crawl is left orphaned and the next run marks its row `aborted`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal

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


def ignore_outside_signals() -> None:
    """Terminal and service-manager stop signals are for the monitor, not for its crawl."""
    for signum in IGNORED:
        signal.signal(signum, signal.SIG_IGN)
