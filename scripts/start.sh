#!/usr/bin/env bash
# `npm start`: dependencies, services (PostgreSQL, Redis, RabbitMQ, FerretDB), migrations,
# then every function of the catalog behind one gateway port (PORT, default 8080).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
bash scripts/services.sh up
exec node --import tsx local/main.ts
