#!/usr/bin/env bash
# The whole suite: lint, then pytest on PostgreSQL + Redis (when TEST_DATABASE_URL and REDIS_URL are set),
# then pytest on the embedded default (SQLite, in-process jobs, no Redis). Both must pass.
set -euo pipefail
BIN=.venv/bin
echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check . >/dev/null || { $BIN/ruff format --diff . | head -50; exit 1; }
WORKERS=${PYTEST_WORKERS:-2}
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== pytest on PostgreSQL ${TEST_DATABASE_URL%%@*}@… and Redis ${REDIS_URL:-(none)}"
  $BIN/pytest -n "$WORKERS" -p no:cacheprovider "$@"
fi
echo "== pytest on the embedded default (SQLite, in-process jobs, no Redis)"
env -u TEST_DATABASE_URL -u REDIS_URL $BIN/pytest -n "$WORKERS" -p no:cacheprovider "$@"
