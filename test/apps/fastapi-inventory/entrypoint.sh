#!/usr/bin/env bash
set -euo pipefail
# Migrations run as a separate step in CI/CD; this only serves.
exec uvicorn inventory.main:app --host 0.0.0.0 --port 8080 --proxy-headers --forwarded-allow-ips='*'
