# syntax=docker/dockerfile:1
# Image of apps/enforcer: the regional enforcer: POST /v1/check, GET /v1/auth, health and metrics.
# Build from the repository root (the context must hold the whole workspace):
#   docker build -f infra/docker/enforcer.Dockerfile -t rl-enforcer .
#
# Stage 1 compiles the workspace with its dev dependencies, then prunes them; stage 2 holds only
# Node, the production node_modules and the compiled code, owned by root and run as the
# unprivileged `node` user (uid 1000). No secret is baked in: configuration comes from the
# environment at run time (see the README's configuration tables).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The sources come before `npm ci`: the workspace's own install scripts (prepare) build from them.
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
COPY migrations ./migrations
COPY infra/docker ./infra/docker
# tsconfig.build.json also names bench/ and infra/local/, which .dockerignore leaves out.
RUN npm ci --no-audit --no-fund \
 && node tools/build.js \
 && mkdir -p dist/console \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && node infra/docker/link-workspace-libs.js \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8081
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/libs ./dist/libs
COPY --from=build /app/dist/apps/enforcer ./dist/apps/enforcer
USER node
EXPOSE 8081
CMD ["node", "dist/apps/enforcer/src/main.js"]
