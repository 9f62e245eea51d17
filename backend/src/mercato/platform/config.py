"""Root settings: every `MERCATO_*` variable is declared here (nested groups use `__`).

Settings are built in `create_app()` / the CLI, never at import time, so tests can build
as many differently configured apps as they like.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import math
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-change-me"


class AuthSettings(BaseModel):
    """JWT and session settings."""

    # PEM-encoded private keys, newest first: the first signs, all verify (rotation).
    # Empty means "use the development key in <data_dir>/keys/" (refused in production).
    signing_keys: list[SecretStr] = Field(default_factory=list)
    issuer: str = "mercato"
    audience: str = "mercato-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=900)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=90)
    email_token_ttl_minutes: int = Field(default=60 * 24, ge=5)
    password_reset_ttl_minutes: int = Field(default=30, ge=5)
    login_max_failures_per_account: int = Field(default=10, ge=1)  # from one address
    login_max_failures_per_account_all_ips: int = Field(default=100, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    # new accounts per client address per hour (raise it behind a shared address, e.g. a campus)
    registrations_per_ip_per_hour: int = Field(default=30, ge=1)

    @field_validator("signing_keys")
    @classmethod
    def _ed25519_pems(cls, keys: list[SecretStr]) -> list[SecretStr]:
        """Each key loads as an Ed25519 private key, or start-up stops naming the setting (the
        key itself is never echoed)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        for number, key in enumerate(keys, 1):
            try:
                loaded = load_pem_private_key(key.get_secret_value().encode(), password=None)
            except (ValueError, TypeError, UnicodeError):
                loaded = None
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ValueError(
                    f"key {number} of {len(keys)} is not an unencrypted Ed25519 private key in "
                    "PEM (`openssl genpkey -algorithm ed25519`)"
                )
        return keys


class PaymentsSettings(BaseModel):
    provider: Literal["sandbox", "stripe"] = "sandbox"
    webhook_secret: SecretStr = SecretStr(DEV_SECRET)
    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None  # tests point the SDK at a loopback fake
    stripe_capture_method: Literal["automatic", "manual"] = "automatic"
    stripe_timeout_seconds: float = Field(default=10.0, gt=0)
    stripe_max_network_retries: int = Field(default=2, ge=0, le=5)
    sandbox_capture_method: Literal["automatic", "manual"] = "automatic"
    webhook_tolerance_seconds: int = Field(default=300, ge=1)
    reconcile_after_minutes: int = Field(default=15, ge=0)

    @model_validator(mode="after")
    def _stripe_needs_a_key(self) -> PaymentsSettings:
        if self.provider == "stripe" and not self.stripe_api_key:
            raise ValueError("MERCATO_PAYMENTS__STRIPE_API_KEY is required with provider=stripe")
        return self


class MailSettings(BaseModel):
    backend: Literal["file", "smtp"] = "file"
    sender: str = "Mercato <shop@mercato.localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)


class WorkerSettings(BaseModel):
    """Celery worker, scheduler (beat) and transactional-outbox relay."""

    queue_prefix: str = ""  # prefixes every queue/exchange name (isolation on a shared broker)
    outbox_relay_interval_seconds: float = Field(default=1.0, gt=0)
    outbox_republish_after_seconds: float = Field(default=300.0, gt=0)  # published, not processed
    outbox_relay_max_backoff_seconds: float = Field(default=30.0, gt=0)  # broker down: back off
    outbox_claim_seconds: float = Field(default=30.0, gt=0)  # relay lease between claim and publish
    outbox_batch_size: int = Field(default=100, ge=1, le=1000)
    relay_after_commit: bool = True  # the API publishes new events right after commit
    publish_timeout_seconds: float = Field(default=5.0, gt=0)
    task_max_retries: int = Field(default=8, ge=0)
    retry_backoff_seconds: float = Field(default=2.0, gt=0)  # first retry delay (doubles, jittered)
    retry_backoff_max_seconds: float = Field(default=600.0, gt=0)
    task_soft_time_limit_seconds: int = Field(default=120, ge=1)
    task_time_limit_seconds: int = Field(default=150, ge=1)
    # Redis: an unacked message comes back after this; live workers renew it (ADR 0014)
    visibility_timeout_seconds: int = Field(default=15, ge=3)
    broker_polling_interval_seconds: float = Field(default=0.5, gt=0)  # embedded broker
    # embedded broker: a fetched message's lease; live workers renew it (ADR 0014)
    embedded_lease_seconds: float = Field(default=10.0, ge=1)
    concurrency: int = Field(default=2, ge=1)
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535
    )  # the worker serves Prometheus metrics here when set
    metrics_host: str = "0.0.0.0"  # the metrics port is scraped from another host
    scheduler_metrics_port: int | None = Field(
        default=None, ge=1, le=65535
    )  # `mercato scheduler` (relay counters) serves here
    expire_unpaid_orders_interval_seconds: float = Field(default=60.0, gt=0)
    reconcile_payments_interval_seconds: float = Field(default=300.0, gt=0)
    abandoned_cart_reminders_interval_seconds: float = Field(default=3600.0, gt=0)
    purge_expired_carts_interval_seconds: float = Field(default=3600.0, gt=0)
    purge_expired_tokens_interval_seconds: float = Field(default=3600.0, gt=0)
    extra_imports: list[str] = Field(default_factory=list)  # task modules to load (tests, plugins)
    extra_jobs: dict[str, float] = Field(default_factory=dict)  # "module:function" -> seconds
    # Test hook: when set, mail handlers stop once at named checkpoints (files in this dir).
    checkpoint_dir: Path | None = None

    @field_validator("extra_imports")
    @classmethod
    def _importable(cls, value: list[str]) -> list[str]:
        for name in value:
            try:
                found = importlib.util.find_spec(name) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                raise ValueError(f"no module named {name!r}")
        return value


class CartSettings(BaseModel):
    """Server-side carts: quantity caps and expiry."""

    max_quantity_per_line: int = Field(default=20, ge=1, le=10_000)
    # Per-SKU caps stricter than the per-line one, e.g. {"LIMITED-1": 2}.
    sku_quantity_limits: dict[str, int] = Field(default_factory=dict)
    max_lines: int = Field(default=50, ge=1, le=500)
    guest_ttl_days: int = Field(default=30, ge=1)  # sliding: every change extends it
    customer_ttl_days: int = Field(default=90, ge=1)
    abandoned_after_hours: int = Field(default=24, ge=1)


class WeightRate(BaseModel):
    max_weight_grams: int | None = None  # None: no upper bound
    price: int = Field(ge=0)


class ShippingMethodConfig(BaseModel):
    code: str
    name: str
    kind: Literal["flat", "weight"] = "flat"
    price: int = Field(default=0, ge=0)  # flat rate
    weight_rates: list[WeightRate] = Field(default_factory=list)  # ascending brackets
    free_over: int | None = None  # free when the goods subtotal reaches this
    min_days: int = 1
    max_days: int = 5


class ShippingZoneConfig(BaseModel):
    code: str
    name: str
    countries: list[str]  # ISO 3166-1 alpha-2; "*" matches every allowed country


def _default_zones() -> list[ShippingZoneConfig]:
    return [
        ShippingZoneConfig(code="domestic", name="Germany", countries=["DE"]),
        ShippingZoneConfig(
            code="eu",
            name="European Union",
            countries=["AT", "BE", "ES", "FR", "IT", "NL", "PL", "PT", "SE", "DK", "IE", "LU"],
        ),
        ShippingZoneConfig(code="world", name="Rest of the world", countries=["*"]),
    ]


def _default_methods() -> dict[str, list[ShippingMethodConfig]]:
    standard_weights = [
        WeightRate(max_weight_grams=2000, price=0),
        WeightRate(max_weight_grams=10000, price=300),
        WeightRate(max_weight_grams=None, price=900),
    ]
    return {
        "domestic": [
            ShippingMethodConfig(
                code="standard", name="Standard", price=495, free_over=5000, min_days=2
            ),
            ShippingMethodConfig(code="express", name="Express", price=995, max_days=1),
        ],
        "eu": [
            ShippingMethodConfig(code="standard", name="Standard", price=895, free_over=10000),
            ShippingMethodConfig(
                code="heavy",
                name="Freight (by weight)",
                kind="weight",
                weight_rates=[
                    WeightRate(max_weight_grams=g.max_weight_grams, price=g.price + 895)
                    for g in standard_weights
                ],
                min_days=3,
                max_days=8,
            ),
        ],
        "world": [
            ShippingMethodConfig(
                code="international",
                name="International (by weight)",
                kind="weight",
                weight_rates=[
                    WeightRate(max_weight_grams=1000, price=1495),
                    WeightRate(max_weight_grams=5000, price=2995),
                    WeightRate(max_weight_grams=None, price=5995),
                ],
                min_days=5,
                max_days=15,
            )
        ],
    }


class CheckoutSettings(BaseModel):
    """Addresses, shipping table rates, taxes and idempotency (ADR 0008)."""

    allowed_countries: list[str] = Field(
        default_factory=lambda: [
            "AT",
            "BE",
            "CA",
            "DE",
            "DK",
            "ES",
            "FR",
            "GB",
            "IE",
            "IT",
            "LU",
            "NL",
            "PL",
            "PT",
            "SE",
            "US",
        ]
    )
    prices_include_tax: bool = True
    # Basis points (1900 = 19 %) per country, or "CC-REGION" for a region override.
    tax_rates: dict[str, int] = Field(
        default_factory=lambda: {
            "AT": 2000,
            "BE": 2100,
            "DE": 1900,
            "DK": 2500,
            "ES": 2100,
            "FR": 2000,
            "GB": 2000,
            "IE": 2300,
            "IT": 2200,
            "LU": 1700,
            "NL": 2100,
            "PL": 2300,
            "PT": 2300,
            "SE": 2500,
            "US": 0,
            "US-CA": 725,
            "US-NY": 400,
            "CA": 500,
            "CA-ON": 1300,
            "CA-QC": 1498,
        }
    )
    tax_shipping: bool = True
    shipping_zones: list[ShippingZoneConfig] = Field(default_factory=_default_zones)
    shipping_methods: dict[str, list[ShippingMethodConfig]] = Field(
        default_factory=_default_methods
    )
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    idempotency_lock_seconds: int = Field(default=30, ge=1)  # a stuck claim can be retaken after
    # Unknown discount codes tried per client address and window before 429 (code guessing).
    discount_misses_per_ip: int = Field(default=30, ge=1)
    discount_miss_window_seconds: int = Field(default=900, ge=1)


class StorefrontSettings(BaseModel):
    """Signed revalidation calls to the Next.js storefront (mercato.revalidation)."""

    revalidate_url: str | None = None  # default: {storefront_url}/api/revalidate
    # the storefront's MERCATO_REVALIDATE_SECRET; unset: no revalidation calls
    revalidate_secret: SecretStr | None = None
    timeout_seconds: float = Field(default=5.0, gt=0)


class OrdersSettings(BaseModel):
    number_prefix: str = "MC-"
    number_start: int = Field(default=10001, ge=1)
    unpaid_ttl_minutes: int = Field(default=60, ge=1)  # pending_payment orders expire after


class CatalogSettings(BaseModel):
    """Catalog, inventory, media uploads and the response cache."""

    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")  # the single shop currency
    cache_enabled: bool = True
    cache_ttl_seconds: int = Field(default=60, ge=1)  # bounds staleness of cached availability
    cache_lock_seconds: float = Field(default=2.0, gt=0)  # single-flight lock per key
    http_max_age_seconds: int = Field(default=0, ge=0)  # Cache-Control max-age on public GETs
    media_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    media_max_pixels: int = Field(default=40_000_000, ge=1)
    low_stock_threshold: int = Field(default=5, ge=0, le=100)  # le: revalidation's event ceiling


class ShippingSettings(BaseModel):
    """Shipments, carriers, tracking and carrier rates at checkout (mercato.shipping)."""

    carrier: Literal["simulated", "easypost"] = "simulated"  # labels for new shipments
    # simulated carrier: one tracking step every N seconds (4 steps to delivered, 6 with the
    # exception detour); one tracking number in N takes the exception path (0: none)
    simulated_step_seconds: float = Field(default=60.0, gt=0)
    simulated_exception_every: int = Field(default=4, ge=0)
    # polling job (carriers without webhooks): how often a shipment is asked, batch size and
    # the backoff after failures (doubles up to the maximum)
    poll_every_seconds: float = Field(default=20.0, gt=0)  # the scheduler runs the job this often
    poll_interval_seconds: float = Field(default=30.0, gt=0)  # per shipment, between two polls
    poll_batch_size: int = Field(default=100, ge=1, le=1000)
    poll_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # the public tracking page: requests per client IP and window
    tracking_rate_limit: int = Field(default=30, ge=1)
    tracking_rate_window_seconds: int = Field(default=60, ge=1)
    webhook_tolerance_seconds: int = Field(default=300, ge=1)
    default_weight_grams: int = Field(default=500, ge=1)  # a line whose product has no weight
    # carrier quotes at checkout: price the table methods by the carrier's service (fallback:
    # the table rate when the carrier fails or is slower than the timeout)
    checkout_rates: bool = False
    checkout_services: dict[str, str] = Field(
        default_factory=lambda: {"standard": "Standard", "express": "Express"}
    )
    quote_cache_seconds: int = Field(default=300, ge=0)
    quote_timeout_seconds: float = Field(default=3.0, gt=0)
    # the shop's sender address on labels
    origin_name: str = "Mercato"
    origin_line1: str = "Friedrichstrasse 1"
    origin_city: str = "Berlin"
    origin_postal_code: str = "10117"
    origin_country: str = Field(default="DE", pattern=r"^[A-Z]{2}$")
    origin_phone: str | None = None
    # EasyPost-style carrier API
    easypost_api_key: SecretStr | None = None
    easypost_api_base: str = "https://api.easypost.com/v2"
    easypost_webhook_secret: SecretStr | None = None
    easypost_timeout_seconds: float = Field(default=10.0, gt=0)
    easypost_max_retries: int = Field(default=2, ge=0, le=5)

    @model_validator(mode="after")
    def _easypost_needs_a_key(self) -> ShippingSettings:
        if self.carrier == "easypost" and not self.easypost_api_key:
            raise ValueError("MERCATO_SHIPPING__EASYPOST_API_KEY is required with carrier=easypost")
        return self


class ContentSettings(BaseModel):
    """Blog posts, CMS pages, site settings and product editorial (mercato.content, ADR 0029)."""

    source: Literal["local", "sanity"] = "local"  # local: documents in our database
    sanity_project_id: str = Field(default="", pattern=r"^[a-z0-9-]{0,64}$")
    sanity_dataset: str = Field(default="production", pattern=r"^[a-z0-9_-]{1,64}$")
    sanity_api_version: str = Field(default="2025-02-19", pattern=r"^\d{4}-\d{2}-\d{2}$")
    sanity_token: SecretStr | None = None  # read token: drafts / preview (uncached API)
    sanity_use_cdn: bool = True  # published reads through {projectId}.apicdn.sanity.io
    # Tests point the source at a loopback fake: replaces https://{projectId}.api(cdn).sanity.io
    sanity_base_url: str | None = None
    # Where image assets are served from for the sanity source (default: Sanity's image CDN)
    sanity_image_base_url: str = "https://cdn.sanity.io"
    webhook_secret: SecretStr | None = None  # unset: the Sanity webhook answers 503
    webhook_tolerance_seconds: int = Field(default=300, ge=1)
    cache_ttl_seconds: int = Field(default=300, ge=1)

    @model_validator(mode="after")
    def _sanity_needs_a_project(self) -> ContentSettings:
        if self.source == "sanity" and not self.sanity_project_id:
            raise ValueError("MERCATO_CONTENT__SANITY_PROJECT_ID is required with source=sanity")
        return self


class OutboundProviderOverrides(BaseModel):
    """Per-provider exceptions to `OutboundSettings` (unset fields keep the default)."""

    connect_timeout_seconds: float | None = Field(default=None, gt=0)
    read_timeout_seconds: float | None = Field(default=None, gt=0)
    retries: int | None = Field(default=None, ge=0, le=10)
    breaker_failures: int | None = Field(default=None, ge=1)
    breaker_window_seconds: float | None = Field(default=None, gt=0)
    breaker_reset_seconds: float | None = Field(default=None, gt=0)


class OutboundSettings(BaseModel):
    """The shared outbound HTTP client (mercato.platform.http, ADR 0032)."""

    connect_timeout_seconds: float = Field(default=3.0, gt=0)
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)  # idempotent calls only
    backoff_initial_seconds: float = Field(default=0.2, ge=0)
    backoff_max_seconds: float = Field(default=2.0, ge=0)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_window_seconds: float = Field(default=30.0, gt=0)
    breaker_reset_seconds: float = Field(default=30.0, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_response_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    # "host" or "host:port" the SSRF guard lets through to private/loopback addresses
    allowed_private_hosts: list[str] = Field(default_factory=list)
    # per provider ("open-meteo", "mastodon", "sanity", "carrier"…): {"read_timeout_seconds": 5}
    providers: dict[str, OutboundProviderOverrides] = Field(default_factory=dict)


class IntegrationsSettings(BaseModel):
    """Third-party feeds: delivery weather and the social hashtag feed (mercato.integrations)."""

    weather_provider: Literal["fixtures", "open-meteo"] = "fixtures"
    open_meteo_url: str = "https://api.open-meteo.com"
    weather_forecast_days: int = Field(default=3, ge=1, le=16)  # the delivery window looked at
    weather_cache_seconds: int = Field(default=1800, ge=0)
    severe_wind_kmh: float = Field(default=62.0, gt=0)  # daily max mean wind (Beaufort 8)
    severe_gusts_kmh: float = Field(default=90.0, gt=0)
    severe_precipitation_mm: float = Field(default=30.0, gt=0)
    severe_snowfall_cm: float = Field(default=10.0, gt=0)
    social_provider: Literal["fixtures", "mastodon"] = "fixtures"
    mastodon_instance_url: str = "https://mastodon.social"
    mastodon_access_token: SecretStr | None = None  # for instances that require sign-in
    mastodon_local_only: bool = False
    social_hashtag: str = Field(default="mercatoshop", pattern=r"^[A-Za-z0-9_]{1,100}$")
    social_limit: int = Field(default=6, ge=1, le=20)
    social_cache_seconds: int = Field(default=300, ge=0)


class ObservabilitySettings(BaseModel):
    """Metrics access, Sentry tags and log pseudonymisation (docs/operations.md, "Monitoring")."""

    # Bearer token the Prometheus scraper sends to the API's /metrics. Set: required everywhere.
    # Unset: /metrics is open in development and refused (404) in production.
    metrics_token: SecretStr | None = None
    sentry_environment: str | None = None  # default: MERCATO_ENV
    sentry_release: str | None = None  # default: mercato@<package version>
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0, le=1)


class BackupSettings(BaseModel):
    """`mercato backup …` and the nightly backup (mercato.backups, ADR 0041-0043)."""

    storage: Literal["local", "s3"] = "local"
    dir: Path | None = None  # local storage; default <data_dir>/backups
    s3_endpoint_url: str | None = None  # any S3-compatible service; unset: AWS
    s3_bucket: str | None = None
    s3_prefix: str = "mercato/backups/"
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None  # unset: boto3's default credential chain
    s3_secret_access_key: SecretStr | None = None
    # encrypts every backup (AES-256-GCM); never written into a backup. Lose it, lose the backups.
    encryption_key: SecretStr | None = None
    keep_daily: int = Field(default=7, ge=0)
    keep_weekly: int = Field(default=4, ge=0)
    keep_monthly: int = Field(default=6, ge=0)
    schedule_enabled: bool = True  # the scheduler runs backup + verify + prune every night
    schedule_hour: int = Field(default=3, ge=0, le=23)  # UTC
    pg_bin_dir: Path | None = None  # where pg_dump/pg_restore live; default: PATH
    metrics_cache_seconds: float = Field(default=30.0, ge=0)  # /metrics reads the store this often


DATABASE_URL_EXAMPLE = (
    "postgresql+asyncpg://user:password@host:5432/mercato or sqlite+aiosqlite:///var/mercato.db"
)
BROKER_SCHEMES = (
    "amqp",
    "amqps",
    "pyamqp",
    "redis",
    "rediss",
    "redis+socket",
    "sqla+sqlite",
    "sqlite",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def database_url_problem(value: str) -> str | None:
    """Why Mercato cannot run on the database URL `value`, or None."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        return f"not a database URL (expected {DATABASE_URL_EXAMPLE})"
    if url.drivername in ("postgresql+asyncpg", "sqlite+aiosqlite"):
        return None
    if url.get_backend_name() in ("postgresql", "postgres", "sqlite"):
        return f"needs an async driver (expected {DATABASE_URL_EXAMPLE})"
    return (
        f"unsupported database {url.drivername!r}: Mercato runs on PostgreSQL or SQLite "
        f"(expected {DATABASE_URL_EXAMPLE})"
    )


MIN_SECRET_BYTES = 32
MIN_SECRET_ENTROPY_BITS = 96


def secret_weakness(value: str) -> str | None:
    """Why a production secret is too weak to sign or verify with, or None.

    At least 32 bytes, and not obviously low-entropy: the Shannon estimate over its characters
    must reach 96 bits (a random 32-character hex or base64 secret does; `aaaa…`, `abab…` or a
    repeated word do not).
    """
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"shorter than {MIN_SECRET_BYTES} bytes; generate one with `openssl rand -hex 32`"
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    if len(counts) < 8 or per_char * len(value) < MIN_SECRET_ENTROPY_BITS:
        return "low entropy: too few distinct characters; use `openssl rand -hex 32`"
    return None


class AdminSettings(BaseModel):
    """The /admin dashboard's API."""

    overview_cache_seconds: float = Field(default=30.0, ge=0, le=3600)  # 0: no caching
    overview_days: int = Field(default=14, ge=7, le=90)  # length of the daily sales series


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MERCATO_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None  # default: sqlite in data_dir
    database_echo: bool = False
    database_pool_size: int = Field(default=10, ge=1)
    # PostgreSQL: ping a pooled connection before use only after it sat idle this long (0: always)
    database_ping_after_idle_seconds: float = Field(default=1.0, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    redis_url: str | None = None
    broker_url: str | None = None  # default: embedded broker in data_dir
    cache_namespace: str = "mercato"

    secret_key: SecretStr = SecretStr(DEV_SECRET)  # signs order tokens, encrypts secrets
    public_base_url: str = "http://127.0.0.1:8000"
    storefront_url: str = "http://127.0.0.1:3000"
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:3000", "http://localhost:3000"]
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1"])
    log_level: str = "INFO"
    log_json: bool = True
    sentry_dsn: SecretStr | None = None  # MERCATO_SENTRY_DSN: errors go to Sentry when set

    auth: AuthSettings = Field(default_factory=AuthSettings)
    payments: PaymentsSettings = Field(default_factory=PaymentsSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    cart: CartSettings = Field(default_factory=CartSettings)
    checkout: CheckoutSettings = Field(default_factory=CheckoutSettings)
    orders: OrdersSettings = Field(default_factory=OrdersSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    storefront: StorefrontSettings = Field(default_factory=StorefrontSettings)
    shipping: ShippingSettings = Field(default_factory=ShippingSettings)
    content: ContentSettings = Field(default_factory=ContentSettings)
    outbound: OutboundSettings = Field(default_factory=OutboundSettings)
    integrations: IntegrationsSettings = Field(default_factory=IntegrationsSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    backup: BackupSettings = Field(default_factory=BackupSettings)
    admin: AdminSettings = Field(default_factory=AdminSettings)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        # uvicorn would take a typo for a literal host name and silently trust nobody
        for entry in value:
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in (*LOG_LEVELS, "WARN"):
            raise ValueError(f"unknown log level {value!r} (one of {', '.join(LOG_LEVELS)})")
        return value.upper()

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value and (problem := database_url_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("not a Redis URL (expected redis://host:6379/0, rediss:// or unix://)")
        return value

    @field_validator("broker_url")
    @classmethod
    def _broker_url(cls, value: str | None) -> str | None:
        if value and value.split("://", 1)[0] not in BROKER_SCHEMES:
            raise ValueError(
                "unsupported broker URL (expected amqp://user:password@host:5672//, "
                "redis://host:6379/0 or sqla+sqlite:///var/broker.db)"
            )
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'mercato.db').as_posix()}"

    @property
    def effective_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        return f"sqla+sqlite:///{(self.data_dir / 'broker.db').as_posix()}"

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        if not self.is_production:
            return self
        problems: list[str] = []
        if self.secret_key.get_secret_value() in ("", DEV_SECRET):
            problems.append("MERCATO_SECRET_KEY is unset or the development default")
        secrets = {
            "MERCATO_SECRET_KEY": self.secret_key,
            "MERCATO_PAYMENTS__WEBHOOK_SECRET": self.payments.webhook_secret,
            "MERCATO_PAYMENTS__STRIPE_WEBHOOK_SECRET": self.payments.stripe_webhook_secret,
            "MERCATO_SHIPPING__EASYPOST_WEBHOOK_SECRET": self.shipping.easypost_webhook_secret,
            "MERCATO_CONTENT__WEBHOOK_SECRET": self.content.webhook_secret,
            "MERCATO_BACKUP__ENCRYPTION_KEY": self.backup.encryption_key,
        }
        for name, secret in secrets.items():
            value = secret.get_secret_value() if secret else ""
            weakness = secret_weakness(value) if value and value != DEV_SECRET else None
            if weakness:
                problems.append(f"{name} is too weak ({weakness})")
        backup_key = self.backup.encryption_key
        if backup_key is None or not backup_key.get_secret_value():
            problems.append("MERCATO_BACKUP__ENCRYPTION_KEY is unset (backups cannot be encrypted)")
        if not self.auth.signing_keys:
            problems.append("MERCATO_AUTH__SIGNING_KEYS is empty (no JWT signing key)")
        if self.payments.provider == "sandbox":
            problems.append("MERCATO_PAYMENTS__PROVIDER is 'sandbox'")
        if self.payments.webhook_secret.get_secret_value() == DEV_SECRET:
            problems.append("MERCATO_PAYMENTS__WEBHOOK_SECRET is the development default")
        if self.payments.provider == "stripe":
            if not self.payments.stripe_api_key:
                problems.append("MERCATO_PAYMENTS__STRIPE_API_KEY is unset")
            if not self.payments.stripe_webhook_secret:
                problems.append("MERCATO_PAYMENTS__STRIPE_WEBHOOK_SECRET is unset")
        if self.shipping.carrier == "easypost":
            if not self.shipping.easypost_api_key:
                problems.append("MERCATO_SHIPPING__EASYPOST_API_KEY is unset")
            if not self.shipping.easypost_webhook_secret:
                problems.append("MERCATO_SHIPPING__EASYPOST_WEBHOOK_SECRET is unset")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self
