"""An API process started by `mercato serve` exits when the `mercato serve` process dies.

uvicorn's workers (and its reloader's child) are separate processes; when the parent is killed
with SIGKILL nothing stops them, and they go on holding the port. Each one asks Linux for a
SIGTERM when its parent dies (`PR_SET_PDEATHSIG`), then checks the parent is still the one that
started it (it may have died before the request); elsewhere a thread polls the parent every second.
SIGTERM is uvicorn's graceful stop.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

SERVE_PID_ENV = "MERCATO_SERVE_PID"  # set by `mercato serve` to its own pid
_PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> bool:
    """Ask the kernel for SIGTERM when the parent dies; False where that is not available.

    Linux sends it when the thread that started this process ends: uvicorn starts its workers
    from its main thread."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def exit_with_parent(parent_pid: int) -> None:
    """SIGTERM to this process as soon as `parent_pid` is no longer its parent."""
    if not _parent_death_signal():
        threading.Thread(target=_watch, args=(parent_pid,), name="lifeline", daemon=True).start()
    elif os.getppid() != parent_pid:  # died before we asked
        os.kill(os.getpid(), signal.SIGTERM)


def exit_with_serve() -> None:
    """In a process `mercato serve` started (not in `mercato serve` itself): exit with it."""
    parent = os.environ.get(SERVE_PID_ENV, "")
    if parent.isdigit() and int(parent) != os.getpid():
        exit_with_parent(int(parent))
