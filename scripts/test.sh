#!/usr/bin/env bash
# The whole suite: lint (ruff, import contracts, mypy), then pytest on PostgreSQL + Redis (when TEST_DATABASE_URL
# and REDIS_URL are set), then pytest on the embedded default (SQLite, in-process jobs, no Redis), then the clock
# sweep, the admin SPA and the mini-program. All must pass.
set -euo pipefail
BIN=.venv/bin
echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check . >/dev/null || { $BIN/ruff format --diff . | head -50; exit 1; }
echo "== import contracts"
$BIN/lint-imports
echo "== mypy"
$BIN/mypy
if [ -d admin ]; then
  echo "== admin SPA build (served at /admin/; the Flask serving tests use it)"
  bash scripts/build-admin.sh
fi
WORKERS=${PYTEST_WORKERS:-2}
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== pytest on PostgreSQL ${TEST_DATABASE_URL%%@*}@… and Redis ${REDIS_URL:-(none)}"
  $BIN/pytest -n "$WORKERS" -p no:cacheprovider "$@"
fi
echo "== pytest on the embedded default (SQLite, in-process jobs, no Redis)"
env -u TEST_DATABASE_URL -u REDIS_URL $BIN/pytest -n "$WORKERS" -p no:cacheprovider "$@"

# The clock sweep: the modules with date rules with the process clock at calendar edges (libfaketime) and on
# today's clock, on the embedded default. CLOCK_SWEEP="" skips it; CLOCK_SWEEP=all runs every instant.
SWEEP=${CLOCK_SWEEP-month-start tenth-0001 year-end today}
if [ "$SWEEP" = "all" ]; then SWEEP=""; fi
if [ -n "${CLOCK_SWEEP-x}" ]; then
  env -u TEST_DATABASE_URL -u REDIS_URL bash scripts/clock-sweep.sh $SWEEP
fi

if [ -d admin ]; then
  echo "== admin SPA (vitest, browser end-to-end in Chromium against the real backend)"
  (cd admin && npx vitest run && npm run test:e2e)
fi

if [ -d miniprogram ]; then
  echo "== mini-program (jest + miniprogram-simulate; end-to-end against the real backend)"
  (cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm test && npm run size)
fi
