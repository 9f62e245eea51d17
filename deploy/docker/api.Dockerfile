# syntax=docker/dockerfile:1.7
# The API, worker and scheduler image (one image, three commands). Build from the repository root:
#   docker build -f deploy/docker/api.Dockerfile -t mercato-api .
# Runs as an unprivileged user; the data directory (media, mail, dev keys) is /var/lib/mercato.

ARG PYTHON_VERSION=3.12
ARG UV_VERSION=0.13.9

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG UV_VERSION
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app/backend
# dependencies first: this layer is rebuilt only when the lock file changes
COPY backend/pyproject.toml backend/uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-install-project
COPY backend/ ./
RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 mercato \
    && useradd --system --uid 10001 --gid mercato --home-dir /var/lib/mercato --create-home \
       --shell /usr/sbin/nologin mercato
# the project is installed from /app/backend (its Alembic migrations live next to the sources)
COPY --from=build --chown=root:root /app /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MERCATO_DATA_DIR=/var/lib/mercato \
    MERCATO_HOST=0.0.0.0 \
    MERCATO_PORT=8000
WORKDIR /var/lib/mercato
USER mercato:mercato
EXPOSE 8000
STOPSIGNAL SIGTERM
# The API's readiness (database reachable). The worker and scheduler override this in
# docker-compose.yml with their metrics port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-m", "mercato.platform.portcheck", "wait", "2", "http://127.0.0.1:8000/readyz"]
CMD ["mercato", "serve"]
