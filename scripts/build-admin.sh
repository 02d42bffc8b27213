#!/usr/bin/env bash
# Build the supervisors' admin SPA (admin/) into admin/dist, which Flask serves at /admin/.
# Needs Node.js >= 20.19 and npm; dependencies come from admin/package-lock.json (npm ci).
#   bash scripts/build-admin.sh           install when the lock file changed, then build
#   bash scripts/build-admin.sh --if-missing   do nothing when admin/dist/index.html exists (for `make run`)
set -euo pipefail
cd "$(dirname "$0")/../admin"

if [ "${1:-}" = "--if-missing" ] && [ -f dist/index.html ]; then
  exit 0
fi

if ! command -v node >/dev/null 2>&1; then
  echo "build-admin: Node.js (>= 20.19) is required to build the admin SPA; /admin/ answers 503 until it is built." >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "build-admin: Node.js $(node --version) is too old; Vite 8 needs >= 20.19." >&2
  exit 1
fi

# npm ci when node_modules is missing or older than the lock file (npm writes node_modules/.package-lock.json).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
echo "build-admin: built $(du -sh dist | cut -f1) into admin/dist"
