"""Port and readiness checks for `mercato serve` and `scripts/run-all.sh`.

`python -m mercato.platform.portcheck free HOST:PORT …` prints one line per port that cannot be
bound and exits 1; `python -m mercato.platform.portcheck wait SECONDS URL …` exits 0 once every URL
answers 2xx (1 on timeout). Standard library only, so the run script pays no import cost.
"""

from __future__ import annotations

import errno
import socket
import sys
import time
import urllib.error
import urllib.request


def port_problem(host: str, port: int) -> str | None:
    """Why HOST:PORT cannot be listened on, or None when it is free."""
    try:
        with socket.create_server((host, port)):  # SO_REUSEADDR, like uvicorn
            return None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return f"port {port} on {host} is already in use (another Mercato still running?)"
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            return f"cannot listen on {host}: not an address of this machine"
        return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= int(response.status) < 300
    except (OSError, urllib.error.URLError, ValueError):
        return False


def wait_until_ready(urls: list[str], timeout: float, interval: float = 0.5) -> list[str]:
    """Poll until every URL answers 2xx; the URLs still not answering at the deadline."""
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        pending = [url for url in pending if not answers(url)]
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(interval)
    return pending


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "free":
        problems = [p for p in (port_problem(*_split(a)) for a in argv[1:]) if p]
        for problem in problems:
            sys.stderr.write(problem + "\n")
        return 1 if problems else 0
    if len(argv) >= 3 and argv[0] == "wait":
        return 1 if wait_until_ready(argv[2:], float(argv[1])) else 0
    sys.stderr.write(
        "usage: python -m mercato.platform.portcheck free HOST:PORT… | wait SECONDS URL…\n"
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
