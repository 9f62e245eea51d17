"""Real Mercato processes for the monitoring tests: started in their own session, stopped by
process group, their output (the JSON log lines) kept in one file per process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[3]
MERCATO = str(Path(sys.executable).parent / "mercato")


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update(
        MERCATO_DATA_DIR=str(data_dir),
        MERCATO_LOG_JSON="true",
        MERCATO_LOG_LEVEL="INFO",
        PYTHONPATH=str(BACKEND),  # test task modules (tests.integration.ops.…)
    )
    env.update(extra)
    return env


@dataclass
class Processes:
    logs_dir: Path
    env: dict[str, str]
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        out = (self.logs_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            args,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=BACKEND,
        )
        self.started.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        return (self.logs_dir / f"{name}.log").read_text(errors="replace")

    def all_logs(self) -> str:
        return "\n".join(f"--- {n}\n{self.log(n)[-4000:]}" for n, _ in self.started)

    def stop(self) -> None:
        for _name, proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, proc in self.started:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def run_mercato(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [MERCATO, *args], env=env, check=True, capture_output=True, timeout=300, cwd=BACKEND
    )


def wait_answers(url: str, procs: Processes, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        for name, proc in procs.started:
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited early\n{procs.all_logs()}")
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer\n{procs.all_logs()}")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()
