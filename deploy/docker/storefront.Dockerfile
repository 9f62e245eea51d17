# syntax=docker/dockerfile:1.7
# The Next.js storefront (`next start` on the production build). Build from the repository root:
#   docker build -f deploy/docker/storefront.Dockerfile -t mercato-storefront .
# The build fetches nothing but npm packages (no fonts or data at build time).

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app/storefront
ENV NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY storefront/package.json storefront/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

FROM deps AS build
COPY storefront/ ./
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
    MERCATO_STOREFRONT_HOST=0.0.0.0 MERCATO_STOREFRONT_PORT=3000
WORKDIR /app/storefront
# the `node` user (uid 1000) of the base image; the build output is read-only to it except the
# ISR/data cache under .next/cache
COPY --from=build --chown=root:root /app/storefront ./
RUN mkdir -p .next/cache && chown -R node:node .next/cache
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["scripts/serve.sh"]
