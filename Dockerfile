# syntax=docker/dockerfile:1
# One image for every MicroRide function, the notifier and the system jobs.
# `npm run build` puts one esbuild bundle per function in dist/; a Knative Service (or
# the notifier Deployment, or the migration Job) picks its bundle with `args`:
#   args: ["dist/functions/rides-request.mjs"]     (see knative/ and charts/microride)
#
#   docker build -t <registry>/microride:0.1.0 .
#
# Node 20 on Debian bookworm (glibc 2.36: the uWebSockets.js native binary needs it).
ARG NODE_IMAGE=node:20-bookworm-slim

# ── build: dev dependencies + esbuild → dist/ ────────────────────────────────────
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ── deps: production dependencies only (uWebSockets.js is loaded from here; the rest
#    is bundled, but `npm ci --omit=dev` keeps the image reproducible from the lock file)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ── runtime ──────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# Numeric, non-root (the `node` user of the base image): Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080 8081
ENTRYPOINT ["node"]
# The notifier by default; Knative Services override this with their bundle.
CMD ["dist/notifier.mjs"]
