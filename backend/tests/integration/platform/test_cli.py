"""The console script: clear messages instead of tracebacks for common mistakes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import service_url

MERCATO = str(Path(sys.executable).parent / "mercato")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env.update({"MERCATO_DATA_DIR": str(tmp_path / "var"), "MERCATO_LOG_LEVEL": "ERROR"}, **extra)
    return env


def test_command_on_an_unmigrated_database_says_to_upgrade(tmp_path: Path) -> None:
    result = subprocess.run(
        [MERCATO, "orders", "expire-unpaid"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "run `mercato db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_then_the_command_works(tmp_path: Path) -> None:
    env = _env(tmp_path)
    upgrade = subprocess.run(
        [MERCATO, "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    result = subprocess.run(
        [MERCATO, "orders", "expire-unpaid"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "0 order(s) expired" in result.stdout


def test_invalid_configuration_is_reported_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [MERCATO, "db", "upgrade"],
        env=_env(tmp_path, MERCATO_ENV="production"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Invalid configuration" in result.stderr
    assert "Traceback" not in result.stderr


def _run(
    tmp_path: Path, *args: str, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MERCATO, *args],
        env=_env(tmp_path, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens on it any more


UNREACHABLE = "postgresql+asyncpg://u@127.0.0.1:{port}/x"
BAD_SETTINGS = [
    ("MERCATO_DATABASE_URL", "not a url", "MERCATO_DATABASE_URL: not a database URL"),
    ("MERCATO_DATABASE_URL", "foo://db/x", "MERCATO_DATABASE_URL: unsupported database 'foo'"),
    ("MERCATO_DATABASE_URL", "sqlite:///x.db", "MERCATO_DATABASE_URL: needs an async driver"),
    ("MERCATO_DATABASE_URL", UNREACHABLE, "MERCATO_DATABASE_URL: cannot reach 127.0.0.1:{port}"),
    ("MERCATO_CORS_ORIGINS", "[not json", "MERCATO_CORS_ORIGINS: not valid JSON"),
    ("MERCATO_CHECKOUT__TAX_RATES", "{DE: 1900}", "MERCATO_CHECKOUT__TAX_RATES: not valid JSON"),
    ("MERCATO_LOG_JSON", "maybe", "MERCATO_LOG_JSON: Input should be a valid boolean"),
    ("MERCATO_LOG_LEVEL", "LOUD", "MERCATO_LOG_LEVEL: unknown log level 'LOUD'"),
    ("MERCATO_REDIS_URL", "notaurl", "MERCATO_REDIS_URL: not a Redis URL"),
    ("MERCATO_DATABASE_URL", "mysql://x@y/z", "MERCATO_DATABASE_URL: unsupported database 'mysql'"),
    ("MERCATO_BROKER_URL", "foo://bar", "MERCATO_BROKER_URL: unsupported broker URL"),
    ("MERCATO_PAYMENTS__PROVIDER", "stripe", "MERCATO_PAYMENTS__STRIPE_API_KEY is required"),
    ("MERCATO_SHIPPING__CARRIER", "easypost", "MERCATO_SHIPPING__EASYPOST_API_KEY is required"),
    (
        "MERCATO_WORKER__EXTRA_IMPORTS",
        '["nonexistent_mod"]',
        "MERCATO_WORKER__EXTRA_IMPORTS: no module named 'nonexistent_mod'",
    ),
    (
        "MERCATO_AUTH__SIGNING_KEYS",
        '["not a pem"]',
        "MERCATO_AUTH__SIGNING_KEYS: key 1 of 1 is not an unencrypted Ed25519 private key",
    ),
    (
        "MERCATO_WORKER__METRICS_PORT",
        "99999",
        "MERCATO_WORKER__METRICS_PORT: Input should be less than or equal to 65535",
    ),
    (
        "MERCATO_DATABASE_POOL_SIZE",
        "0",
        "MERCATO_DATABASE_POOL_SIZE: Input should be greater than or equal to 1",
    ),
]
COMMANDS = [
    ("db", "upgrade"),
    ("users", "list"),
    ("serve", "--port", "{free}"),
    ("worker",),
    ("scheduler",),
]


BAD_SETTING_CASES = (
    [(("db", "upgrade"), *case) for case in BAD_SETTINGS]
    + [(command, *case) for command in COMMANDS[1:] for case in BAD_SETTINGS[3:5]]
    + [(command, *case) for command in COMMANDS[1:] for case in BAD_SETTINGS[7:]]
)


@pytest.mark.parametrize(
    ("command", "variable", "value", "expected"),
    BAD_SETTING_CASES,
    ids=[f"{c[0]}-{variable}={value}" for c, variable, value, _ in BAD_SETTING_CASES],
)
def test_a_bad_setting_is_one_line_naming_it(
    tmp_path: Path, command: tuple[str, ...], variable: str, value: str, expected: str
) -> None:
    port, free = str(_closed_port()), str(_closed_port())
    args = [arg.replace("{free}", free) for arg in command]
    result = _run(tmp_path, *args, **{variable: value.replace("{port}", port)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected.replace("{port}", port) in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the line (after "Invalid configuration:")


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        ("worker", "MERCATO_WORKER__METRICS_PORT"),
        ("scheduler", "MERCATO_WORKER__SCHEDULER_METRICS_PORT"),
    ],
)
def test_a_busy_metrics_port_is_one_line_naming_its_setting(
    tmp_path: Path, command: str, variable: str
) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        extra = {variable: str(port), "MERCATO_WORKER__METRICS_HOST": "127.0.0.1"}
        result = _run(tmp_path, command, timeout=60, **extra)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        f"{variable}: port {port} on 127.0.0.1 is already in use (another Mercato still running?)"
    )


def test_malformed_json_in_dot_env_names_its_variable(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "MERCATO_LOG_LEVEL=ERROR\nMERCATO_CHECKOUT__TAX_RATES={DE: 1900}\n"
    )
    result = _run(tmp_path, "db", "upgrade")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        "MERCATO_CHECKOUT__TAX_RATES in .env: not valid JSON "
        "(Expecting property name enclosed in double quotes at character 1)"
    )


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_worker_and_scheduler_refuse_a_database_without_schema(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "var").mkdir()
    result = _run(tmp_path, command, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        "The database has no schema yet (or an old one): run `mercato db upgrade` first."
    )


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_data_directory_that_cannot_be_created_is_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    (tmp_path / "file").write_text("")
    data_dir = tmp_path / "file" / "var"  # under a file: never creatable, even by root
    args = [arg.replace("{free}", str(_closed_port())) for arg in command]
    result = _run(tmp_path, *args, timeout=60, MERCATO_DATA_DIR=str(data_dir))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        f"MERCATO_DATA_DIR: cannot create or write the data directory {data_dir} ("
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_postgresql_database_is_named(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    base = make_url(service_url("postgres"))
    url = base.set(database=f"mercato_missing_{uuid.uuid4().hex[:8]}")
    result = _run(tmp_path, "db", "upgrade", MERCATO_DATABASE_URL=url.render_as_string(False))
    assert result.returncode == 2
    assert f"database '{url.database}' does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_busy_port_is_one_line(tmp_path: Path) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run(tmp_path, "serve", "--port", str(port))
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"port {port} on 127.0.0.1 is already in use (another Mercato still running?)"
    )


def test_db_upgrade_names_the_revisions_it_applied(tmp_path: Path) -> None:
    first = _run(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "applied 0001: foundation outbox" in first.stdout
    assert "applied 0002:" in first.stdout
    again = _run(tmp_path, "db", "upgrade")
    assert "applied 0" not in again.stdout
    assert "(0 migration(s) applied)" in again.stdout


def _revisions() -> list[str]:
    """Every migration's revision, oldest first."""
    from alembic.script import ScriptDirectory

    from mercato.platform.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def test_db_downgrade_names_the_revisions_it_reverted(tmp_path: Path) -> None:
    revisions = _revisions()
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    last = _run(tmp_path, "db", "downgrade", "-1")  # a revision, not an option
    assert last.returncode == 0, last.stderr
    assert last.stdout.splitlines()[0].startswith(f"reverted {revisions[-1]}: ")
    assert (
        last.stdout.splitlines()[-1]
        == f"database downgraded to {revisions[-2]} (1 migration(s) reverted)"
    )
    everything = _run(tmp_path, "db", "downgrade", "base")
    assert everything.stdout.splitlines()[-2] == "reverted 0001: foundation outbox"
    assert (
        everything.stdout.splitlines()[-1]
        == f"database downgraded to base ({len(revisions) - 1} migration(s) reverted)"
    )


def _add_discount_code(tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / "var" / "mercato.db") as connection:
        connection.execute(
            "INSERT INTO discount_code (id, code, kind, value, currency, min_subtotal, "
            "used_count, active, created_at) VALUES (?, 'SPRING', 'percentage', 10, 'EUR', 0, 0, "
            "1, '2026-12-01 10:00:00.000000')",
            (uuid.uuid4().hex,),
        )


def _revision_in(tmp_path: Path) -> str:
    import sqlite3

    with sqlite3.connect(tmp_path / "var" / "mercato.db") as connection:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else "base"


def test_a_downgrade_that_drops_data_is_refused_off_a_terminal_without_yes(
    tmp_path: Path,
) -> None:
    """`db downgrade base` on a shop: one line naming what it would drop and how to go on,
    nothing changed; `--yes` runs it. A downgrade that drops no data is not asked about."""
    head = _revisions()[-1]
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    _add_discount_code(tmp_path)
    refused = _run(tmp_path, "db", "downgrade", "base")
    assert refused.returncode == 1, refused.stdout
    assert refused.stdout == ""
    assert refused.stderr.strip() == (
        "refused: `mercato db downgrade base` would drop 1 table holding data: "
        "discount_code (1 row); nothing was changed. Back up first (`mercato backup create`), "
        "then run `mercato db downgrade base --yes`"
    )
    assert _revision_in(tmp_path) == head
    index_only = _run(tmp_path, "db", "downgrade", "-1")  # drops an index, no data
    assert index_only.returncode == 0, index_only.stderr
    done = _run(tmp_path, "db", "downgrade", "base", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("database downgraded to base (")
    assert _revision_in(tmp_path) == "base"


def _on_terminal(tmp_path: Path, args: list[str], answer: str) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin/stdout, answer its question, return the
    exit code and everything it showed."""
    import pty
    import select
    import time

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [MERCATO, *args],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)
    shown, answered, deadline = b"", False, time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if select.select([leader], [], [], 0.5)[0]:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # EIO: the process closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if not answered and b"[y/N]" in shown:
                os.write(leader, answer.encode() + b"\n")
                answered = True
        code = proc.wait(timeout=60)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return code, shown.decode().replace("\r\n", "\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux pseudo-terminal")
def test_on_a_terminal_a_downgrade_that_drops_data_asks_first(tmp_path: Path) -> None:
    head = _revisions()[-1]
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    _add_discount_code(tmp_path)
    code, shown = _on_terminal(tmp_path, ["db", "downgrade", "base"], "n")
    assert code == 1, shown
    assert "`mercato db downgrade base` would drop 1 table holding data:\n" in shown
    assert "  discount_code (1 row)\n" in shown
    assert "Delete this data? Only a backup can bring it back [y/N]" in shown
    assert "nothing was changed" in shown
    assert _revision_in(tmp_path) == head
    code, shown = _on_terminal(tmp_path, ["db", "downgrade", "base"], "y")
    assert code == 0, shown
    assert "database downgraded to base (" in shown
    assert _revision_in(tmp_path) == "base"


def test_db_upgrade_to_a_revision_the_database_is_past_says_so(tmp_path: Path) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    result = _run(tmp_path, "db", "upgrade", "0005")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "nothing to apply: the database is already at or past 0005 "
        "(`mercato db downgrade 0005` goes back to it)"
    )


@pytest.mark.parametrize(
    "args", [("downgrade", "bogus"), ("upgrade", "bogus"), ("downgrade", "0099")]
)
def test_an_unknown_revision_is_one_line(tmp_path: Path, args: tuple[str, str]) -> None:
    result = _run(tmp_path, "db", *args)
    assert result.returncode == 1
    assert result.stderr.startswith(f"no revision {args[1]!r} (known: 0001..")
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_check_says_it_in_one_line(tmp_path: Path) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    result = _run(tmp_path, "db", "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "no drift between models and migrations\n"  # not Alembic's line too


def test_version_and_help_without_type_noise(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = _run(tmp_path, "--version")
    assert result.stdout.strip() == f"mercato {version('mercato')}"
    helps = (
        _run(tmp_path, "serve", "--help").stdout + _run(tmp_path, "tasks", "dead", "--help").stdout
    )
    assert "--reload / --no-reload" in helps
    assert "<bool>" not in helps
    worker_help = " ".join(_run(tmp_path, "worker", "--help").stdout.split())
    assert "MERCATO_WORKER__CONCURRENCY" in worker_help  # where the default comes from
    assert "default: 0" not in worker_help


def test_mail_show_prints_the_email_decoded_with_its_links(tmp_path: Path) -> None:
    mail = tmp_path / "var" / "mail"
    mail.mkdir(parents=True)
    link = "http://127.0.0.1:3000/verify-email?token=abc-123&next=%2Fme"
    message = EmailMessage()
    message["From"] = "Mercato <shop@mercato.localhost>"
    message["To"] = "ada@example.com"
    message["Subject"] = "Bestätigen Sie Ihre E-Mail-Adresse"
    message.set_content(f"Hallo Ada,\n\nbitte bestätigen: {link}\n")
    message.add_alternative(
        f'<p><a href="{link.replace("&", "&amp;")}">Bestätigen</a></p>', subtype="html"
    )
    (mail / "20261202T000000-one.eml").write_bytes(bytes(message))

    listed = _run(tmp_path, "mail", "list")
    assert listed.stdout.startswith("20261202T000000-one  ")
    shown = _run(tmp_path, "mail", "show", "20261202T000000")
    assert shown.returncode == 0, shown.stderr
    assert "Subject: Bestätigen Sie Ihre E-Mail-Adresse" in shown.stdout
    assert "bitte bestätigen:" in shown.stdout  # decoded, not quoted-printable
    assert shown.stdout.rstrip().endswith(f"Links:\n  {link}")
    missing = _run(tmp_path, "mail", "show", "nope")
    assert missing.returncode == 1
    assert "no single email matches 'nope'" in missing.stderr


@pytest.mark.parametrize("ident", ["*", "**", "2026*", "[", "mail/../*", ""])
def test_mail_show_reads_an_id_as_a_literal_prefix_not_a_pattern(
    tmp_path: Path, ident: str
) -> None:
    mail = tmp_path / "var" / "mail"
    mail.mkdir(parents=True)
    message = EmailMessage()
    message["To"] = "ada@example.com"
    message["Subject"] = "Only one"
    message.set_content("Hello\n")
    (mail / "20261202T000000-one.eml").write_bytes(bytes(message))

    shown = _run(tmp_path, "mail", "show", ident)
    assert shown.returncode == 1, shown.stdout
    assert shown.stderr.strip() == f"no single email matches {ident!r} (see `mercato mail list`)"


@pytest.mark.timeout(600)
def test_serve_with_workers_logs_its_start_and_keeps_its_workers(tmp_path: Path) -> None:
    import json
    import signal
    import time

    from mercato.platform.portcheck import answers, wait_until_ready

    assert _run(tmp_path, "db", "upgrade").returncode == 0
    port = _closed_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [MERCATO, "serve", "--port", str(port), "--workers", "2"],
            env=_env(tmp_path, MERCATO_LOG_LEVEL="INFO"),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/readyz"
        assert wait_until_ready([url], timeout=300) == [], log.read_text()
        # the supervisor pings every 0.5 s: serve a few requests across several ping rounds
        for _ in range(10):
            assert answers(url)
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    messages = [e["message"] for e in events]
    starting = next(e for e in events if e["message"] == "api_starting")
    assert starting["workers"] == 2
    assert any(m.startswith("Started parent process") for m in messages)
    assert sum(m.startswith("Started server process") for m in messages) == 2  # none replaced
    assert not [m for m in messages if m.endswith("died")]  # "Child process [N] died"


def _children(pid: int) -> list[int]:
    ps = ["ps", "-o", "pid=", "--ppid", str(pid)]
    listed = subprocess.run(ps, capture_output=True, text=True)
    return [int(line) for line in listed.stdout.split()]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie holds no port


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.timeout(600)
def test_serve_s_workers_exit_when_it_is_killed(tmp_path: Path) -> None:
    """`kill -9` of `mercato serve --workers 2` frees the port: its workers exit with it."""
    import signal
    import time

    from mercato.platform.portcheck import port_problem, wait_until_ready

    assert _run(tmp_path, "db", "upgrade").returncode == 0
    port = _closed_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [MERCATO, "serve", "--port", str(port), "--workers", "2"],
            env=_env(tmp_path),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    children: list[int] = []
    try:
        assert wait_until_ready([f"http://127.0.0.1:{port}/readyz"], timeout=300) == []
        children = _children(proc.pid)
        assert len(children) >= 2, log.read_text()  # the workers (and multiprocessing's tracker)
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (
            port_problem("127.0.0.1", port) or any(_running(c) for c in children)
        ):
            time.sleep(0.2)
        assert port_problem("127.0.0.1", port) is None
        assert [c for c in children if _running(c)] == []
    finally:
        for child in [proc.pid, *children]:
            if _running(child):
                os.kill(child, signal.SIGKILL)


def test_log_lines_never_mix_into_a_command_s_output(tmp_path: Path) -> None:
    """`mercato content export > file`: the warning about a new development JWT key (or any log
    line) goes to stderr, the file gets exactly the dataset."""
    from mercato.demo.content import DEMO_DIR

    env = {k: v for k, v in _env(tmp_path).items() if k != "MERCATO_LOG_LEVEL"}
    for args in (["db", "upgrade"], ["content", "import", str(DEMO_DIR / "data.ndjson")]):
        done = subprocess.run([MERCATO, *args], env=env, cwd=tmp_path, capture_output=True)
        assert done.returncode == 0, done.stderr
    for key in (tmp_path / "var" / "keys").glob("*.pem"):
        key.unlink()  # the export creates a new one and warns about it
    export = subprocess.run(
        [MERCATO, "content", "export"], env=env, cwd=tmp_path, capture_output=True, timeout=120
    )
    assert export.returncode == 0, export.stderr
    assert export.stdout == (DEMO_DIR / "data.ndjson").read_bytes()
    assert b"jwt_dev_key_in_use" in export.stderr


def test_the_upgrade_that_brings_stored_cards_stores_every_products_card(tmp_path: Path) -> None:
    """A shop upgraded from a version without stored product cards (ADR 0055) has them all
    once `mercato db upgrade` is done."""
    import sqlite3

    assert _run(tmp_path, "db", "upgrade", "0008").returncode == 0
    database = tmp_path / "var" / "mercato.db"
    with sqlite3.connect(database) as connection:
        for n in range(3):
            connection.execute(
                "INSERT INTO catalog_product (id, title, slug, description, brand, status, "
                "seo_title, seo_description, tags, attributes, price_min, price_max, "
                "search_text, version, created_at, updated_at) VALUES (?, ?, ?, '', 'Lumen', "
                "'active', '', '', '[]', '{}', 1500, 1500, '', 1, '2026-12-01 10:00:00.000000', "
                "'2026-12-01 10:00:00.000000')",
                (uuid.uuid4().hex, f"Old Lamp {n}", f"old-lamp-{n}"),
            )
    upgrade = _run(tmp_path, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert "applied 0009: stored product cards" in upgrade.stdout
    assert "stored 3 product cards" in upgrade.stdout
    with sqlite3.connect(database) as connection:
        docs = [row[0] for row in connection.execute("SELECT doc FROM catalog_product_card")]
    assert sorted('"title":"Old Lamp' in doc for doc in docs) == [True] * 3
    again = _run(tmp_path, "db", "upgrade")
    assert "stored" not in again.stdout


def test_a_migration_refused_by_the_data_is_one_line(tmp_path: Path) -> None:
    """0011 cannot index SKUs differing only by case: `db upgrade` names them in one line."""
    import uuid
    from datetime import UTC, datetime

    from sqlalchemy import create_engine

    from mercato.models import metadata

    assert _run(tmp_path, "db", "upgrade", "0010").returncode == 0
    product, variant = metadata.tables["catalog_product"], metadata.tables["catalog_variant"]
    product_id, now = uuid.uuid4(), datetime.now(UTC)
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'mercato.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(
                product.insert().values(
                    id=product_id, title="Mug", slug="mug", search_text="mug", created_at=now
                )
            )
            for sku in ("MUG-1", "mug-1"):
                conn.execute(
                    variant.insert().values(
                        id=uuid.uuid4(), product_id=product_id, sku=sku, price=100, created_at=now
                    )
                )
    finally:
        engine.dispose()
    result = _run(tmp_path, "db", "upgrade")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("SKUs that differ only by case must be made distinct")
    assert result.stderr.strip().endswith(": MUG-1, mug-1")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("serve", "--port", "99999"), "Invalid value for '--port'"),
        (("serve", "--port", "0"), "Invalid value for '--port'"),
        (("worker", "--queues", "nosuch"), "Invalid value for --queues: unknown queue 'nosuch'"),
        (("worker", "--queues", "mail,nosuch"), "unknown queue 'nosuch'"),
        (("worker", "--pool", "foo"), "Invalid value for --pool: 'foo' is not one of prefork"),
        (("worker", "--concurrency", "-1"), "Invalid value for '--concurrency'"),
    ],
)
def test_an_out_of_range_option_is_a_usage_error_not_a_traceback(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = _run(tmp_path, *args, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
