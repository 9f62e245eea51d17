"""`scripts/run-all.sh` (what `make run` starts): a busy port stops it before anything starts, a
process killed once the shop is ready is started again, and SIGTERM to its process group (what
systemd and container runtimes send) stops every process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
RUN_ALL = ROOT / "scripts" / "run-all.sh"
MERCATO = str(Path(sys.executable).parent / "mercato")
READY_LINE = "Mercato is ready."
WORKER_READY = re.compile(r"^worker +\| .*@\S+ ready\.", re.MULTILINE)  # Celery's line
# `make test` builds the storefront before pytest runs, so the script starts it too
STOREFRONT_BUILT = (ROOT / "storefront" / ".next" / "BUILD_ID").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def env_for(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update(
        MERCATO_DATA_DIR=str(data_dir),
        MERCATO_PORT=str(port),
        MERCATO_STOREFRONT_PORT=str(free_port()),
        MERCATO_WORKER__CONCURRENCY="1",
        MERCATO_READY_TIMEOUT_SECONDS="600",
        # no SIGKILL fallback within the test's wait: a process that does not stop by itself fails
        MERCATO_STOP_TIMEOUT_SECONDS="60",
    )
    return env


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def kill_group_afterwards() -> Iterator[list[int]]:
    groups: list[int] = []
    yield groups
    for pgid in groups:
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)


def test_a_busy_port_is_one_line_and_nothing_starts(
    tmp_path: Path, kill_group_afterwards: list[int]
) -> None:
    data_dir = tmp_path / "var"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.Popen(
            ["bash", str(RUN_ALL)],
            env=env_for(data_dir, port),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        kill_group_afterwards.append(proc.pid)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert (
        err.strip()
        == f"port {port} on 127.0.0.1 is already in use (another Mercato still running?)"
    )
    assert out == ""
    assert not data_dir.exists()  # no migration, no worker, no scheduler on the shared broker
    assert not group_alive(proc.pid)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MERCATO_PORT", "abc"), ("MERCATO_PORT", "70000"), ("MERCATO_STOREFRONT_PORT", "0")],
)
def test_a_port_that_is_no_port_number_is_one_line_and_nothing_starts(
    tmp_path: Path, variable: str, value: str
) -> None:
    data_dir = tmp_path / "var"
    env = {**env_for(data_dir, free_port()), variable: value}
    done = subprocess.run(
        ["bash", str(RUN_ALL)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"{variable}: '{value}' is not a port number (1-65535)"
    assert done.stdout == ""
    assert not data_dir.exists()


def start_shop(
    tmp_path: Path,
    groups: list[int],
    *,
    ignore_sigint: bool = False,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], Path, dict[str, str]]:
    """run-all.sh in a process group of its own, once it said the shop is ready: (the script,
    its log, its environment). `ignore_sigint`: started as `&` in a non-interactive shell starts
    it, with SIGINT ignored, so that its trap for Ctrl-C cannot be set."""
    env = {**env_for(tmp_path / "var", free_port()), **(extra_env or {})}
    for args in (["db", "upgrade"], ["demo", "seed", "--products", "5"]):  # seed stays small
        subprocess.run([MERCATO, *args], env=env, check=True, capture_output=True, timeout=300)
    log = tmp_path / "run.log"

    def ignoring_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    with log.open("w") as out:
        proc = subprocess.Popen(
            ["bash", str(RUN_ALL)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=ignoring_sigint if ignore_sigint else None,
        )
    groups.append(proc.pid)
    deadline = time.monotonic() + 600
    while READY_LINE not in log.read_text():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    return proc, log, env


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until_stopped(proc: subprocess.Popen[bytes], seconds: float) -> None:
    stop_by = time.monotonic() + seconds
    while (proc.poll() is None or group_alive(proc.pid)) and time.monotonic() < stop_by:
        time.sleep(0.2)  # poll() reaps the script, so a zombie does not count as alive


@pytest.mark.timeout(900)
def test_a_killed_process_is_restarted_and_sigterm_to_the_group_stops_every_process(
    tmp_path: Path, kill_group_afterwards: list[int]
) -> None:
    data_dir = tmp_path / "var"
    proc, log, env = start_shop(tmp_path, kill_group_afterwards)
    printed = log.read_text()
    summary = printed[printed.index(READY_LINE) :]
    if STOREFRONT_BUILT:
        shop = f"http://127.0.0.1:{env['MERCATO_STOREFRONT_PORT']}"
        assert "storefront| " in printed
    else:
        shop = f"http://127.0.0.1:{env['MERCATO_PORT']}/docs"
    assert f"The shop is at {shop}\n" in summary
    # printed whole, after every start-up line (what follows are the processes' runtime lines)
    assert summary.splitlines()[2].strip() == "Ctrl-C stops everything."
    assert "[info     ] Scheduler: Sending due task" not in printed  # the relay is DEBUG
    assert "api_starting" in printed  # human-readable, prefixed lines
    assert "api      | " in printed
    assert "worker   | " in printed

    # An operator (or the OOM killer) kills the worker: it is started again, the rest runs on.
    worker_pid = int((data_dir / "run" / "worker.pid").read_text())
    os.kill(worker_pid, signal.SIGKILL)
    deadline = time.monotonic() + 300
    while len(WORKER_READY.findall(log.read_text())) < 2:
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    assert re.search(r"worker exited after \d+ s: restarting it in 1 s", log.read_text())
    assert int((data_dir / "run" / "worker.pid").read_text()) != worker_pid
    readyz = f"http://127.0.0.1:{env['MERCATO_PORT']}/readyz"
    assert httpx.get(readyz, timeout=10).status_code == 200

    # Two killed within a second of each other (an operator's `kill -9 A; kill -9 B`): both are
    # started again, the shop does not stop.
    scheduler_pid = int((data_dir / "run" / "scheduler.pid").read_text())
    api_pid = int((data_dir / "run" / "api.pid").read_text())
    os.kill(scheduler_pid, signal.SIGKILL)
    time.sleep(0.4)
    os.kill(api_pid, signal.SIGKILL)
    deadline = time.monotonic() + 300
    while not (
        re.search(r"scheduler exited after \d+ s: restarting it", log.read_text())
        and re.search(r"api exited after \d+ s: restarting it", log.read_text())
        and _answers(readyz)
    ):
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    assert "stopping everything" not in log.read_text()
    assert int((data_dir / "run" / "api.pid").read_text()) != api_pid
    assert int((data_dir / "run" / "scheduler.pid").read_text()) != scheduler_pid

    os.killpg(proc.pid, signal.SIGTERM)
    # Measured here: 6-8 s on a 2-core machine at load 10 (the requirement is 10 s; no timing
    # assertion, the bug was a hang until SIGKILL). Bounded only so a hang fails the test.
    wait_until_stopped(proc, 50)
    left = subprocess.run(
        ["ps", "-o", "pid,cmd", "-g", str(proc.pid)], capture_output=True, text=True
    )
    after = log.read_text()
    assert not group_alive(proc.pid), left.stdout + after
    assert "did not stop within" not in after  # nobody needed SIGKILL
    assert "Cold shutdown" in after  # the worker stopped its pool itself (REMAP_SIGTERM)
    assert after.count("restarting it in") == 3  # the kills' three; the stop restarted nothing


@pytest.mark.timeout(900)
def test_a_ctrl_c_the_script_cannot_trap_still_stops_every_process(
    tmp_path: Path, kill_group_afterwards: list[int]
) -> None:
    """Started in the background, the script cannot trap SIGINT; a Ctrl-C to the group ends its
    processes all at once, which it must take as a stop, not as crashes to restart."""
    proc, log, _ = start_shop(tmp_path, kill_group_afterwards, ignore_sigint=True)
    os.killpg(proc.pid, signal.SIGINT)
    wait_until_stopped(proc, 50)
    after = log.read_text()
    assert not group_alive(proc.pid), after
    assert "interrupted: stopping everything" in after
    assert "restarting it" not in after


@pytest.mark.timeout(300)
def test_a_process_that_keeps_exiting_is_restarted_later_each_time(
    tmp_path: Path, kill_group_afterwards: list[int]
) -> None:
    """A crash loop does not spin: a process that exits again soon after its start waits twice
    as long as the time before to be started again (1, 2, 4 s...)."""
    ran = tmp_path / "ran"
    # its first run lasts until the shop is ready; every later one exits at once
    crashing = f"echo up; [[ -e {ran} ]] && exit 3; touch {ran}; sleep 3; exit 3"
    processes = tmp_path / "processes.sh"
    processes.write_text(f"process --restart crashing 'log:^up$' bash -c '{crashing}'\n")
    proc, log, _ = start_shop(
        tmp_path, kill_group_afterwards, extra_env={"MERCATO_RUN_PROCESSES": str(processes)}
    )
    restarts = re.compile(r"crashing exited after \d+ s: restarting it in (\d+) s")
    deadline = time.monotonic() + 120
    while len(restarts.findall(log.read_text())) < 4:
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    printed = log.read_text()
    assert READY_LINE in printed
    assert restarts.findall(printed)[:4] == ["1", "2", "4", "8"]
    os.killpg(proc.pid, signal.SIGTERM)  # while it waits its 8 s: stops at once, nothing restarts
    wait_until_stopped(proc, 20)
    after = log.read_text()
    assert not group_alive(proc.pid), after
    assert len(restarts.findall(after)) == 4


@pytest.mark.timeout(300)
def test_what_a_killed_process_started_is_stopped_before_it_is_started_again(
    tmp_path: Path, kill_group_afterwards: list[int]
) -> None:
    """`kill -9` of a process leaves what it started (uvicorn's workers): they would hold its
    port, and the process started again would fail on it forever."""
    port = free_port()
    server = f"{sys.executable} -m http.server --bind 127.0.0.1 {port} --directory {tmp_path}"
    processes = tmp_path / "processes.sh"
    processes.write_text(
        f"process --restart web http://127.0.0.1:{port}/ bash -c '{server} & wait'\n"
    )
    proc, log, _ = start_shop(
        tmp_path, kill_group_afterwards, extra_env={"MERCATO_RUN_PROCESSES": str(processes)}
    )
    pid_file = tmp_path / "var" / "run" / "web.pid"
    first = int(pid_file.read_text())
    os.kill(first, signal.SIGKILL)  # the bash, not its server
    deadline = time.monotonic() + 60
    while "web exited after" not in log.read_text() or int(pid_file.read_text()) == first:
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    time.sleep(5)  # a start that fails on the port would have been retried by now
    printed = log.read_text()
    assert printed.count("restarting it in") == 1, printed
    assert "Address already in use" not in printed
    assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    second = int(pid_file.read_text())
    os.killpg(proc.pid, signal.SIGTERM)
    wait_until_stopped(proc, 20)
    assert not group_alive(proc.pid), log.read_text()
    running = subprocess.run(["ps", "-A", "-o", "pgid=,stat=,cmd="], capture_output=True, text=True)
    left = [line for line in running.stdout.splitlines() if line.split()[:1] == [str(second)]]
    assert [line for line in left if line.split()[1][0] != "Z"] == []  # its server too


@pytest.mark.timeout(900)
def test_the_worker_and_scheduler_are_ready_whatever_the_log_level(
    tmp_path: Path, kill_group_afterwards: list[int]
) -> None:
    """Their readiness was read from INFO lines, which MERCATO_LOG_LEVEL=WARNING hides."""
    proc, log, _ = start_shop(
        tmp_path, kill_group_afterwards, extra_env={"MERCATO_LOG_LEVEL": "WARNING"}
    )
    run = tmp_path / "var" / "run"
    assert (run / "worker.ready").exists()
    assert (run / "scheduler.ready").exists()
    os.killpg(proc.pid, signal.SIGTERM)
    wait_until_stopped(proc, 50)
    assert not group_alive(proc.pid), log.read_text()
    assert not (run / "worker.ready").exists()


@pytest.mark.timeout(300)
def test_the_processes_not_ready_in_time_are_named(
    tmp_path: Path, kill_group_afterwards: list[int]
) -> None:
    processes = tmp_path / "processes.sh"
    processes.write_text("process never 'log:^never$' sleep 120\n")
    env = {
        **env_for(tmp_path / "var", free_port()),
        "MERCATO_RUN_PROCESSES": str(processes),
        "MERCATO_READY_TIMEOUT_SECONDS": "2",
    }
    proc = subprocess.Popen(
        ["bash", str(RUN_ALL)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    kill_group_afterwards.append(proc.pid)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 1
    assert "not ready after 2s: never\n" in err
