"""Settings: env prefix, nesting, defaults, and the production start-up guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from mercato.accounts.tokens import generate_private_key_pem
from mercato.platform.config import DEV_SECRET, Settings

PRODUCTION_OK = {
    "MERCATO_ENV": "production",
    "MERCATO_SECRET_KEY": "9f2c4e7a1b8d3f6e0a5c2b9d4e7f1a3c",  # openssl rand -hex 16
    "MERCATO_AUTH__SIGNING_KEYS": json.dumps([generate_private_key_pem()]),
    "MERCATO_PAYMENTS__PROVIDER": "stripe",
    "MERCATO_PAYMENTS__WEBHOOK_SECRET": "Zq3vN8xK2mR7tY5wB1cH6jL9pD4sF0gA",
    "MERCATO_PAYMENTS__STRIPE_API_KEY": "sk_live_real",
    "MERCATO_PAYMENTS__STRIPE_WEBHOOK_SECRET": "whsec_Kp4Lr8Tz2Nx6Vb0Mq3Wc7Hd1Jf5Gs9Ay",
    "MERCATO_BACKUP__ENCRYPTION_KEY": "4b1e9c7f2a6d0e8b3c5f7a9d1e2b4c6f8a0d2e4f6b8c",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    import os

    for key in list(os.environ):
        if key.startswith("MERCATO_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return monkeypatch


def test_defaults_are_embedded(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.env == "development"
    assert settings.effective_database_url == "sqlite+aiosqlite:///var/mercato.db"
    assert settings.effective_broker_url.startswith("sqla+sqlite:///var/")
    assert settings.redis_url is None
    assert settings.payments.provider == "sandbox"


def test_prefix_and_nested_delimiter(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MERCATO_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    clean_env.setenv("MERCATO_AUTH__ACCESS_TOKEN_TTL_SECONDS", "600")
    clean_env.setenv("MERCATO_PAYMENTS__PROVIDER", "stripe")
    clean_env.setenv("MERCATO_PAYMENTS__STRIPE_API_KEY", "sk_test_x")
    settings = Settings()
    assert settings.effective_database_url == "postgresql+asyncpg://u@h/db"
    assert settings.auth.access_token_ttl_seconds == 600
    assert settings.payments.provider == "stripe"


def test_dotenv_file_is_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MERCATO_LOG_LEVEL=DEBUG\n")
    assert Settings().log_level == "DEBUG"


def test_access_token_lifetime_is_capped_at_15_minutes(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MERCATO_AUTH__ACCESS_TOKEN_TTL_SECONDS", "3600")
    with pytest.raises(ValidationError):
        Settings()


def test_production_with_real_settings_starts(clean_env: pytest.MonkeyPatch) -> None:
    for key, value in PRODUCTION_OK.items():
        clean_env.setenv(key, value)
    assert Settings().is_production


@pytest.mark.parametrize(
    ("key", "value", "complaint"),
    [
        ("MERCATO_SECRET_KEY", DEV_SECRET, "MERCATO_SECRET_KEY"),
        ("MERCATO_AUTH__SIGNING_KEYS", "[]", "SIGNING_KEYS"),
        ("MERCATO_PAYMENTS__PROVIDER", "sandbox", "sandbox"),
        ("MERCATO_PAYMENTS__WEBHOOK_SECRET", DEV_SECRET, "WEBHOOK_SECRET"),
        ("MERCATO_PAYMENTS__STRIPE_API_KEY", "", "STRIPE_API_KEY"),
        ("MERCATO_PAYMENTS__STRIPE_WEBHOOK_SECRET", "", "STRIPE_WEBHOOK_SECRET"),
        ("MERCATO_BACKUP__ENCRYPTION_KEY", "", "BACKUP__ENCRYPTION_KEY is unset"),
    ],
)
def test_production_refuses_development_settings(
    clean_env: pytest.MonkeyPatch, key: str, value: str, complaint: str
) -> None:
    for k, v in PRODUCTION_OK.items():
        clean_env.setenv(k, v)
    clean_env.setenv(key, value)
    with pytest.raises(ValidationError, match=complaint):
        Settings()


@pytest.mark.parametrize(
    "key",
    [
        "MERCATO_SECRET_KEY",
        "MERCATO_PAYMENTS__WEBHOOK_SECRET",
        "MERCATO_PAYMENTS__STRIPE_WEBHOOK_SECRET",
        "MERCATO_BACKUP__ENCRYPTION_KEY",
    ],
)
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("Q", "shorter than 32 bytes"),
        ("s3cr3t-but-short", "shorter than 32 bytes"),
        ("a" * 64, "low entropy"),
        ("ab" * 32, "low entropy"),
        ("password" * 5, "low entropy"),
    ],
)
def test_production_refuses_weak_secrets(
    clean_env: pytest.MonkeyPatch, key: str, value: str, why: str
) -> None:
    for k, v in PRODUCTION_OK.items():
        clean_env.setenv(k, v)
    clean_env.setenv(key, value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    (error,) = raised.value.errors()
    message = error["msg"]  # what `mercato serve` prints: one line naming the setting
    assert f"{key} is too weak ({why}" in message
    assert "\n" not in message
    assert value not in message.replace(key, "").replace("openssl", "")  # never echoed


def test_weak_secrets_are_allowed_in_development(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MERCATO_SECRET_KEY", "x")
    assert Settings().secret_key.get_secret_value() == "x"


def test_production_refuses_to_start_from_the_cli(clean_env: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mercato.cli import app

    clean_env.setenv("MERCATO_ENV", "production")
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "refusing to start in production" in result.output
    assert "MERCATO_PAYMENTS__PROVIDER is 'sandbox'" in result.output


def _setting_names(model: type[BaseModel], prefix: str = "MERCATO_") -> list[str]:
    names: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _setting_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


ROOT = Path(__file__).resolve().parents[4]


def _configuration_rows() -> list[str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    return [line for line in text.splitlines() if line.startswith("| `MERCATO_")]


def test_every_setting_is_documented_in_the_configuration_table() -> None:
    table_rows = _configuration_rows()
    undocumented = []
    for name in _setting_names(Settings):
        group, _, field = name.rpartition("__") if "__" in name else ("", "", name)
        # rows may list siblings as `MERCATO_GROUP__A` / `B` or `… / _PORT`
        documented = any(
            f"`{name}`" in row
            or (
                group
                and f"`{group}__" in row
                and (f"`{field}`" in row or f"`_{field.split('_')[-1]}`" in row)
            )
            for row in table_rows
        )
        if not documented:
            undocumented.append(name)
    assert undocumented == []


def test_every_variable_the_scripts_and_the_cli_read_is_documented() -> None:
    import re

    from mercato.cli import serve

    read = set()
    for script in (ROOT / "scripts").iterdir():
        read |= set(re.findall(r"\bMERCATO_[A-Z0-9_]+", script.read_text()))
    # `mercato serve --host/--port` read MERCATO_HOST / MERCATO_PORT
    defaults = serve.__defaults__ or ()
    read |= {str(v.envvar) for v in defaults if getattr(v, "envvar", None)}
    assert {"MERCATO_HOST", "MERCATO_PORT"} <= read
    table = "\n".join(_configuration_rows())
    assert sorted(name for name in read if f"`{name}`" not in table) == []


def test_the_readme_points_at_the_configuration_page_and_nothing_outside_the_repo() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/configuration.md" in readme
    assert "| `MERCATO_DATABASE_URL`" not in readme  # the table lives in docs/configuration.md
    outside = "/".join(("..", "shared"))  # a folder beside the repository that a clone lacks
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        assert outside not in path.read_text(), path


@pytest.mark.parametrize(
    "value",
    [
        '["-----BEGIN PRIVATE KEY-----\\nx\\n-----END PRIVATE KEY-----"]',
        '["not a pem"]',
        json.dumps([generate_private_key_pem(), "x"]),
    ],
)
def test_a_signing_key_that_is_not_an_ed25519_pem_is_refused_in_one_line(
    clean_env: pytest.MonkeyPatch, value: str
) -> None:
    clean_env.setenv("MERCATO_AUTH__SIGNING_KEYS", value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    (error,) = raised.value.errors()
    assert "is not an unencrypted Ed25519 private key in PEM" in error["msg"]
    assert "\n" not in error["msg"]
    assert "PRIVATE KEY" not in error["msg"]  # never echoed


def test_an_ed25519_signing_key_is_accepted(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MERCATO_AUTH__SIGNING_KEYS", json.dumps([generate_private_key_pem()]))
    assert len(Settings().auth.signing_keys) == 1
