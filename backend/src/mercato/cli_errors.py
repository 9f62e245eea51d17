"""One line instead of a traceback for the configuration mistakes everyone makes once.

`explain(exc)` turns an exception raised by a `mercato` command into a sentence that names the
setting and what is wrong with it, or returns None for anything else (a real bug keeps its
traceback). Secret values are never echoed.
"""

from __future__ import annotations

import json
import os
import re
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

DATABASE_VAR = "MERCATO_DATABASE_URL"
_URL_EXAMPLE = (
    "postgresql+asyncpg://user:password@host:5432/mercato or sqlite+aiosqlite:///var/mercato.db"
)
_FIELD_IN_SETTINGS_ERROR = re.compile(r'error parsing value for field "(\w+)"')
_DB_DRIVER_MODULES = ("asyncpg", "aiosqlite", "sqlite3", "psycopg", "sqlalchemy")


def env_var(loc: Iterable[Any]) -> str:
    """`("checkout", "tax_rates", "DE")` -> `MERCATO_CHECKOUT__TAX_RATES` (value keys dropped)."""
    from pydantic import BaseModel

    from mercato.platform.config import Settings

    model: type[BaseModel] | None = Settings
    parts: list[str] = []
    for item in loc:
        fields = model.model_fields if model is not None else {}
        if not isinstance(item, str) or item not in fields:
            break
        parts.append(item.upper())
        annotation = fields[item].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            model = None
    return "MERCATO_" + "__".join(parts) if parts else "settings"


def _validation_lines(exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        name = env_var(error["loc"])
        named = name == "settings" or message.startswith(f"{name}__")  # names it already
        lines.append(message if named else f"{name}: {message}")
    return lines


def _dotenv_values() -> dict[str, str]:
    """The `.env` file in the working directory, as the settings read it."""
    from dotenv import dotenv_values

    try:
        return {k: v for k, v in dotenv_values(".env").items() if v is not None}
    except (OSError, UnicodeDecodeError):
        return {}


def _malformed_json_line(exc: SettingsError, environ: Mapping[str, str]) -> str:
    match = _FIELD_IN_SETTINGS_ERROR.search(str(exc))
    field = match.group(1).upper() if match else ""
    prefix = f"MERCATO_{field}"
    where = ""
    if "DotEnvSettingsSource" in str(exc):  # the value is a line of .env, not the environment
        environ, where = _dotenv_values(), " in .env"
    for name, value in sorted(environ.items()):
        upper = name.upper()
        if upper != prefix and not upper.startswith(prefix + "__"):
            continue
        try:
            json.loads(value)
        except json.JSONDecodeError as err:
            return f"{upper}{where}: not valid JSON ({err.msg} at character {err.pos})"
    return f"{prefix or 'a MERCATO_ setting'}{where}: not valid JSON"


DATA_DIR_VAR = "MERCATO_DATA_DIR"


def data_dir_line(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{DATA_DIR_VAR}: cannot create or write the data directory {path} ({reason})"


def _data_dir_problem(exc: BaseException) -> str | None:
    """An OSError on a file in the data directory (or on one of its parents) names the setting."""
    if not isinstance(exc, OSError) or not exc.filename:
        return None
    data_dir = Path(os.environ.get(DATA_DIR_VAR) or "var").absolute()
    failed = Path(os.fsdecode(exc.filename)).absolute()
    if failed == data_dir or data_dir in failed.parents or failed in data_dir.parents:
        return data_dir_line(data_dir, exc)
    return None


def _database_target() -> str:
    from sqlalchemy.engine import make_url

    try:
        url = make_url(os.environ.get(DATABASE_VAR, ""))
    except Exception:
        return "the database"
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def _raised_by_database_driver(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return any(any(f"/{m}/" in f.filename for m in _DB_DRIVER_MODULES) for f in frames)


def _database_line(exc: BaseException) -> str | None:
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.ArgumentError) and "Could not parse SQLAlchemy URL" in str(exc):
        return f"{DATABASE_VAR}: not a database URL (expected {_URL_EXAMPLE})"
    if isinstance(exc, sa.NoSuchModuleError):
        driver = str(exc).rsplit(":", 1)[-1].strip()
        return f"{DATABASE_VAR}: unknown database driver {driver!r} (expected {_URL_EXAMPLE})"
    if isinstance(exc, sa.InvalidRequestError) and "async driver" in str(exc):
        return f"{DATABASE_VAR}: needs an async driver (postgresql+asyncpg://, sqlite+aiosqlite://)"
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    lowered = text.lower()
    if isinstance(exc, sa.DBAPIError):
        missing = re.search(r'database "([^"]+)" does not exist', text)
        if missing:
            name = missing.group(1)
            return (
                f"{DATABASE_VAR}: database {name!r} does not exist on {_database_target()} "
                f"(create it, e.g. `createdb {name}`, then run `mercato db upgrade`)"
            )
        if "password authentication failed" in lowered or (
            "role" in lowered and "does not exist" in lowered
        ):
            return f"{DATABASE_VAR}: {text.splitlines()[0].strip()}"
        if "unable to open database file" in lowered:
            return (
                f"{DATABASE_VAR}: cannot open {_database_target()} "
                "(does its directory exist and is it writable?)"
            )
    if isinstance(exc, OSError | TimeoutError) and _raised_by_database_driver(exc):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"{DATABASE_VAR}: cannot reach {_database_target()} ({reason})"
    return None


def explain(exc: BaseException, environ: Mapping[str, str] | None = None) -> str | None:
    """The message for a known configuration mistake, or None."""
    if isinstance(exc, ValidationError):
        lines = [f"  - {line}" for line in _validation_lines(exc)]
        return "Invalid configuration:\n" + "\n".join(lines)
    if isinstance(exc, SettingsError):
        return _malformed_json_line(exc, os.environ if environ is None else environ)
    return _data_dir_problem(exc) or _database_line(exc)
