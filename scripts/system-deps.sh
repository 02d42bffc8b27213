#!/usr/bin/env bash
# Debian packages the system needs: a CJK TrueType font embedded in every PDF, and for tests poppler (PDF to
# image) and zbar (a real QR reader), Node.js for the front ends, and with --test Chromium for browser tests.
# Installed only when missing, and only as root.
set -euo pipefail
need=()
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v node >/dev/null || need+=(nodejs npm)
# --test: the browser end-to-end tests drive Debian's Chromium through playwright-core
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then need+=(chromium); fi
# --bench: the read-load benchmark drives gunicorn with wrk
if [ "${1:-}" = "--bench" ] && ! command -v wrk >/dev/null; then need+=(wrk); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
