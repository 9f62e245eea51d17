"""The nginx configuration of a cluster, and the database it runs on.

`python -m mercato.ops.cluster nginx --prefix DIR --api HOST:PORT … --storefront HOST:PORT`
renders `deploy/nginx/*.template` into DIR (nginx.conf, mercato.conf), with a self-signed
certificate and every temp path under DIR, for `make run-cluster` and the tests.
`python -m mercato.ops.cluster compose [--check]` writes (or checks) `deploy/nginx/mercato.conf`,
the docker-compose rendering. `python -m mercato.ops.cluster ensure-db URL` creates a PostgreSQL
database unless it exists.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
TEMPLATES = ROOT / "deploy" / "nginx"
COMPOSE_CONF = TEMPLATES / "mercato.conf"
PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
INDENT = " " * 8

# Headers nginx sets itself on every answer (the apps' own copies are hidden, so each header
# appears once). The storefront's per-request Content-Security-Policy passes through untouched.
SECURITY_HEADERS = (
    ("Strict-Transport-Security", '"max-age=31536000"'),
    ("X-Content-Type-Options", '"nosniff"'),
    ("X-Frame-Options", '"DENY"'),
    ("Referrer-Policy", '"strict-origin-when-cross-origin"'),
)
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class TemplateError(ValueError):
    """A template names a value that was not given, or a value no template uses."""


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill `{{ name }}` placeholders; every placeholder must have a value and vice versa."""
    used = set(PLACEHOLDER.findall(template))
    missing = sorted(used - values.keys())
    unused = sorted(values.keys() - used)
    if missing or unused:
        raise TemplateError(f"template placeholders: missing {missing}, unused {unused}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


@dataclass(frozen=True)
class Topology:
    """Where nginx listens and what it forwards to."""

    api_servers: Sequence[str]  # HOST:PORT of each API process
    storefront_servers: Sequence[str]
    https_listen: str  # "127.0.0.1:8443" or "8443"
    http_listen: str
    internal_listen: str  # the storefront's server-side calls to the API
    https_public_port: int  # where the http listener redirects to
    cache_dir: str
    access_log: str
    tls_certificate: str
    tls_certificate_key: str
    auth_rate: str = "30r/m"
    auth_burst: int = 10
    checkout_rate: str = "30r/m"
    checkout_burst: int = 10
    micro_cache_seconds: int = 2
    max_fails: int = 2
    fail_timeout_seconds: int = 5
    extra: Mapping[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        def servers(addresses: Sequence[str]) -> str:
            if not addresses:
                raise TemplateError("an upstream needs at least one server")
            return "\n".join(
                f"    server {a} max_fails={self.max_fails} "
                f"fail_timeout={self.fail_timeout_seconds}s;"
                for a in addresses
            )

        headers = [f"{INDENT}proxy_hide_header {name};" for name, _ in SECURITY_HEADERS]
        headers += [
            f"{INDENT}add_header {name} {value} always;" for name, value in SECURITY_HEADERS
        ]
        return {
            "api_servers": servers(self.api_servers),
            "storefront_servers": servers(self.storefront_servers),
            "https_listen": self.https_listen,
            "http_listen": self.http_listen,
            "internal_listen": self.internal_listen,
            "https_origin": "https://$host"
            + ("" if self.https_public_port == 443 else f":{self.https_public_port}"),
            "cache_dir": self.cache_dir,
            "access_log": self.access_log,
            "tls_certificate": self.tls_certificate,
            "tls_certificate_key": self.tls_certificate_key,
            "auth_rate": self.auth_rate,
            "auth_burst": str(self.auth_burst),
            "checkout_rate": self.checkout_rate,
            "checkout_burst": str(self.checkout_burst),
            "micro_cache_seconds": str(self.micro_cache_seconds),
            "security_headers": "\n".join(headers),
            **self.extra,
        }


def mercato_conf(topology: Topology, templates: Path = TEMPLATES) -> str:
    return render((templates / "mercato.conf.template").read_text(), topology.values())


def compose_topology() -> Topology:
    """The docker-compose deployment (deploy/docker-compose.yml): services api-1, api-2 and
    storefront; the certificate mounted from deploy/nginx/certs."""
    return Topology(
        api_servers=["api-1:8000", "api-2:8000"],
        storefront_servers=["storefront:3000"],
        https_listen="8443",
        http_listen="8080",
        internal_listen="8081",
        https_public_port=443,
        cache_dir="/tmp/mercato-cache",  # nginx-unprivileged: /tmp is its own; a micro-cache only
        access_log="/var/log/nginx/access.log",
        tls_certificate="/etc/nginx/certs/tls.crt",
        tls_certificate_key="/etc/nginx/certs/tls.key",
    )


def ensure_certificate(directory: Path, hosts: Sequence[str] = ("localhost", "127.0.0.1")) -> None:
    """A self-signed certificate for local runs (tls.crt, tls.key), unless one is there."""
    cert, key = directory / "tls.crt", directory / "tls.key"
    if cert.exists() and key.exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    names = ",".join(
        f"IP:{h}" if re.fullmatch(r"[0-9.]+|[0-9a-fA-F:]+:[0-9a-fA-F:]*", h) else f"DNS:{h}"
        for h in hosts
    )
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256"]
    command += ["-days", "825", "-subj", "/CN=Mercato local"]
    command += ["-addext", f"subjectAltName={names}", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    key.chmod(0o600)


def local_values(prefix: Path, *, worker_processes: int = 1) -> dict[str, str]:
    # As root (containers, CI) nginx would hand its workers to `nobody`, who cannot read a
    # private data directory: the workers then run as the invoking user.
    user = "user root;\n" if os.geteuid() == 0 else ""
    mime = "/etc/nginx/mime.types"
    return {
        "prefix": str(prefix),
        "user": user,
        "worker_processes": str(worker_processes),
        "mime_types": mime if Path(mime).exists() else str(prefix / "mime.types"),
    }


def write_local(
    prefix: Path, topology: Topology, templates: Path = TEMPLATES, worker_processes: int = 1
) -> Path:
    """Render nginx.conf and mercato.conf into PREFIX with its certificate, logs and temp dirs;
    returns the path of nginx.conf (run: nginx -p PREFIX -c PREFIX/nginx.conf -e stderr)."""
    prefix = prefix.resolve()
    for sub in ("logs", "cache", *(f"tmp/{d}" for d in TEMP_DIRS)):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    ensure_certificate(prefix / "tls")
    values = local_values(prefix, worker_processes=worker_processes)
    if not Path(values["mime_types"]).exists():
        Path(values["mime_types"]).write_text(
            "types {\n    text/html html;\n    text/css css;\n    application/javascript js;\n}\n"
        )
    (prefix / "mercato.conf").write_text(mercato_conf(topology, templates))
    main = prefix / "nginx.conf"
    main.write_text(render((templates / "nginx.conf.template").read_text(), values))
    return main


def local_topology(
    prefix: Path,
    *,
    host: str,
    https_port: int,
    http_port: int,
    internal_port: int,
    apis: Sequence[str],
    storefronts: Sequence[str],
    auth_rate: str = "30r/m",
    checkout_rate: str = "30r/m",
) -> Topology:
    prefix = prefix.resolve()
    return Topology(
        api_servers=list(apis),
        storefront_servers=list(storefronts),
        https_listen=f"{host}:{https_port}",
        http_listen=f"{host}:{http_port}",
        internal_listen=f"{host}:{internal_port}",
        https_public_port=https_port,
        cache_dir=str(prefix / "cache"),
        access_log=str(prefix / "logs" / "access.log"),
        tls_certificate=str(prefix / "tls" / "tls.crt"),
        tls_certificate_key=str(prefix / "tls" / "tls.key"),
        auth_rate=auth_rate,
        checkout_rate=checkout_rate,
    )


async def _ensure_database(url: str) -> bool:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return False
    name = parsed.database or "postgres"
    conn = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        database="postgres",
    )
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await conn.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
        return True
    finally:
        await conn.close()


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database URL names unless it exists; True when it was created."""
    return asyncio.run(_ensure_database(url))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mercato.ops.cluster")
    sub = parser.add_subparsers(dest="command", required=True)
    nginx = sub.add_parser("nginx", help="render the local nginx configuration into --prefix")
    nginx.add_argument("--prefix", type=Path, required=True)
    nginx.add_argument("--host", default="127.0.0.1")
    nginx.add_argument("--https-port", type=int, required=True)
    nginx.add_argument("--http-port", type=int, required=True)
    nginx.add_argument("--internal-port", type=int, required=True)
    nginx.add_argument("--api", action="append", required=True, help="HOST:PORT, repeatable")
    nginx.add_argument("--storefront", action="append", required=True, help="HOST:PORT")
    nginx.add_argument("--auth-rate", default="30r/m")
    nginx.add_argument("--checkout-rate", default="30r/m")
    nginx.add_argument("--worker-processes", type=int, default=1)
    compose = sub.add_parser("compose", help="write deploy/nginx/mercato.conf")
    compose.add_argument("--check", action="store_true", help="fail if it is out of date")
    db = sub.add_parser("ensure-db", help="create a PostgreSQL database unless it exists")
    db.add_argument("url")
    args = parser.parse_args(argv)

    if args.command == "nginx":
        topology = local_topology(
            args.prefix,
            host=args.host,
            https_port=args.https_port,
            http_port=args.http_port,
            internal_port=args.internal_port,
            apis=args.api,
            storefronts=args.storefront,
            auth_rate=args.auth_rate,
            checkout_rate=args.checkout_rate,
        )
        conf = write_local(args.prefix, topology, worker_processes=args.worker_processes)
        sys.stdout.write(f"{conf}\n")
        return 0
    if args.command == "compose":
        text = mercato_conf(compose_topology())
        if args.check:
            if not COMPOSE_CONF.exists() or COMPOSE_CONF.read_text() != text:
                sys.stderr.write(f"{COMPOSE_CONF} is out of date: run `{parser.prog} compose`\n")
                return 1
            return 0
        COMPOSE_CONF.write_text(text)
        return 0
    try:
        created = ensure_database(args.url)
    except (TimeoutError, OSError, ValueError) as exc:
        sys.stderr.write(f"cannot reach PostgreSQL for MERCATO_DATABASE_URL ({exc}); set it\n")
        return 1
    except Exception as exc:  # asyncpg's errors: authentication, permissions
        sys.stderr.write(f"cannot create the database of MERCATO_DATABASE_URL: {exc}\n")
        return 1
    sys.stdout.write("database created\n" if created else "database exists\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
