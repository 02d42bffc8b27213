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
# --test: the clock sweep (scripts/clock-sweep.sh) sets the process clock with libfaketime
if [ "${1:-}" = "--test" ] && ! command -v faketime >/dev/null; then need+=(faketime); fi
# --bench: the read-load benchmark drives gunicorn with wrk
if [ "${1:-}" = "--bench" ] && ! command -v wrk >/dev/null; then need+=(wrk); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  # A fresh machine often runs an apt job of its own in its first minutes: wait for it (bounded) rather than
  # fail on the dpkg lock. apt's own lock timeout covers the moments between our check and its start.
  wait_s=${DPKG_LOCK_WAIT_SECONDS:-600}
  waited=0
  while fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock >/dev/null 2>&1; do
    if [ "$waited" -ge "$wait_s" ]; then
      echo "another package manager still holds the dpkg lock after ${wait_s} s; try again when it has finished" >&2
      exit 1
    fi
    [ $((waited % 30)) -eq 0 ] && echo "waiting for another package manager to release the dpkg lock (${waited} s of ${wait_s} s)…" >&2
    sleep 5
    waited=$((waited + 5))
  done
  apt-get -o DPkg::Lock::Timeout="$wait_s" update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$wait_s" install -y -qq "${need[@]}" >/dev/null
fi
