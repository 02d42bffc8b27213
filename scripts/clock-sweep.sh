#!/usr/bin/env bash
# The clock sweep: runs the modules with date rules with the process clock set by libfaketime (Debian `faketime`)
# to each calendar edge the product's rules cut at, and the tests pinned to that clock (FIRE_TEST_NOW=process,
# tests/clock.py). It proves no test result depends on the day or hour the suite runs.
#
#   scripts/clock-sweep.sh                 every instant below, then today's clock
#   scripts/clock-sweep.sh month-start leap-day today
#   scripts/clock-sweep.sh --list          the instants
#   SWEEP_PATHS="tests/feedback" scripts/clock-sweep.sh tenth-0001      a narrower run
#
# Runs on the embedded default (SQLite, in-process jobs) unless TEST_DATABASE_URL/REDIS_URL are exported.
# Prints one line per instant with its pass/fail counts and exits non-zero when any instant failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# name|UTC instant|what it is (Shanghai wall clock)
INSTANTS=(
  "month-start|2027-01-31 16:05:00|1 February 2027 00:05 (the 1st of a month, just after Shanghai midnight)"
  "ninth-2359|2026-12-09 15:59:00|9 December 23:59 (the last minute before monthly reports are late)"
  "tenth-0001|2026-12-09 16:01:00|10 December 00:01 (the first minute of the reports' deadline day)"
  "end-30-day|2027-04-30 15:59:00|30 April 2027 23:59 (the last minute of a 30-day month)"
  "end-31-day|2027-01-31 15:59:00|31 January 2027 23:59 (the last minute of a 31-day month)"
  "year-end|2026-12-31 15:59:00|31 December 23:59 (year end; the clock runs on into 1 January)"
  "leap-day|2028-02-29 04:00:00|29 February 2028 12:00 (a leap day)"
  "utc-1559|2026-12-15 15:59:00|15 December 23:59 (15:59 UTC: the Shanghai day is ending)"
  "utc-1601|2026-12-15 16:01:00|16 December 00:01 (16:01 UTC: a new Shanghai day, the same UTC day)"
)
PATHS=${SWEEP_PATHS:-"tests/monitoring tests/feedback tests/documents tests/supervision tests/projects tests/golive tests/accounts tests/realname tests/lifecycle"}
WORKERS=${PYTEST_WORKERS:-2}

if [ "${1:-}" = "--list" ]; then
  for row in "${INSTANTS[@]}"; do IFS="|" read -r name at what <<<"$row"; echo "$name  $at UTC  $what"; done
  echo "today  (the machine's clock)"
  exit 0
fi

wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
  for row in "${INSTANTS[@]}"; do wanted+=("${row%%|*}"); done
  wanted+=(today)
fi

if ! command -v faketime >/dev/null; then
  echo "faketime is missing (Debian package faketime; scripts/system-deps.sh --test installs it)" >&2
  exit 1
fi

summary=()
failed=0
for name in "${wanted[@]}"; do
  at=""
  what=""
  for row in "${INSTANTS[@]}"; do
    IFS="|" read -r n a w <<<"$row"
    [ "$n" = "$name" ] && at=$a && what=$w
  done
  if [ "$name" != "today" ] && [ -z "$at" ]; then
    echo "unknown instant: $name (see --list)" >&2
    exit 2
  fi
  log=$(mktemp)
  started=$(date +%s)
  if [ "$name" = "today" ]; then
    echo "== clock sweep: today ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    FIRE_TEST_NOW=process $BIN/pytest -n "$WORKERS" -p no:cacheprovider $PATHS 2>&1 | tee "$log" | tail -n 25
  else
    echo "== clock sweep: $name — $at UTC, $what"
    # Monotonic clocks stay real (they time durations and locks, never business time).
    TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 FIRE_TEST_NOW=process \
      faketime -f "@$at" $BIN/pytest -n "$WORKERS" -p no:cacheprovider $PATHS 2>&1 | tee "$log" | tail -n 25
  fi
  status=${PIPESTATUS[0]}
  counts=$(grep -E "^(=+ )?[0-9]+ (passed|failed)" "$log" | tail -n 1 | sed -E 's/=+//g; s/^ +| +$//g')
  rm -f "$log"
  [ "$status" -eq 0 ] || failed=1
  summary+=("$(printf '%-11s %s  (%s s)' "$name" "${counts:-no result, exit $status}" "$(($(date +%s) - started))")")
done

echo "== clock sweep summary"
printf '%s\n' "${summary[@]}"
exit $failed
