"""deploy/: docker-compose.yml passes `docker-compose config` (Debian's docker-compose validates
without an engine) with every service of the topology, and the Dockerfiles build non-root images
with health checks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import yaml  # type: ignore[import-untyped]

from tests.e2e.test_run_script import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = shutil.which("docker-compose") or "/usr/bin/docker-compose"


def compose(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMPOSE, "-f", str(DEPLOY / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        cwd=DEPLOY,
        env={"PATH": "/usr/bin:/bin"},  # the defaults, not this machine's MERCATO_* variables
    )


def test_docker_compose_config_validates_the_whole_topology() -> None:
    checked = compose("config", "-q")
    assert checked.returncode == 0, checked.stderr
    services = yaml.safe_load(compose("config").stdout)["services"]
    core = {
        "postgres", "redis", "rabbitmq", "migrate", "api-1", "api-2", "worker", "scheduler",
        "storefront", "nginx", "prometheus", "grafana",
    }  # fmt: skip
    elk = {"elasticsearch", "logstash", "filebeat"}
    assert set(services) == core | elk
    assert {name for name, s in services.items() if s.get("profiles") == ["elk"]} == elk
    for name in core - {"migrate"}:
        assert services[name].get("restart") == "unless-stopped", name


def test_the_api_trusts_only_nginx_and_the_storefront_calls_the_pool() -> None:
    config = yaml.safe_load(compose("config").stdout)
    services = config["services"]
    nginx_ip = services["nginx"]["networks"]["backend"]["ipv4_address"]
    for name in ("api-1", "api-2"):
        env = services[name]["environment"]
        assert json.loads(env["MERCATO_TRUSTED_PROXIES"]) == [nginx_ip]
        assert env["MERCATO_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert services["storefront"]["environment"]["MERCATO_API_URL"] == "http://nginx:8081"
    assert services["scheduler"]["deploy"]["replicas"] == 1
    volumes = services["nginx"]["volumes"]
    assert f"{DEPLOY}/nginx/mercato.conf:/etc/nginx/conf.d/default.conf:ro" in volumes
    assert "ports" not in services["api-1"]  # only nginx is published


def test_dockerfiles_are_multi_stage_non_root_with_healthchecks() -> None:
    for name in ("api.Dockerfile", "storefront.Dockerfile"):
        text = (DEPLOY / "docker" / name).read_text()
        assert len(re.findall(r"^FROM ", text, flags=re.M)) >= 2, name
        user = re.findall(r"^USER (\S+)", text, flags=re.M)
        assert user, name
        assert not user[-1].startswith("root"), name
        assert re.search(r"^HEALTHCHECK ", text, flags=re.M), name
    assert "uv sync --locked --no-dev" in (DEPLOY / "docker" / "api.Dockerfile").read_text()
