#!/usr/bin/env bash
# restore_window.sh: mosim conformance, RESTORE's time window and successful restores (spec 8.4,
# 8.3), which need timestamps relative to the clock. Computes them here and runs
# restore_window.slt through the runner (raw libmariadb, --no-ext) with them in the environment.
# MOPITR_TS_OK is 2 s ahead (truncated to the second), so it falls after the PITRs the file
# creates in its first second and before the time the file reaches after its 2.6 s sleep.
# Timestamps are in this process's zone, which mosim (started by run-suite.sh with the same
# environment) also uses for RESTORE (spec 8.1). MOPITR_TS_AHEAD (seconds, default 2) moves
# MOPITR_TS_OK further ahead, and the file's sleep with it, for a slower server (a real
# MatrixOne creating accounts takes seconds: `MOPITR_TS_AHEAD=20` there).
# Run: test/run-suite.sh test/conformance/restore_window.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${MOPITR_SLT:?MOPITR_SLT must name the runner}"
now=$(date +%s)
ahead=${MOPITR_TS_AHEAD:-2}
export MOPITR_TS_OK=$(date -d "@$((now + ahead))" '+%Y-%m-%d %H:%M:%S')
export MOPITR_TS_SLEEP_MS=$((ahead * 1000 + 600))
export MOPITR_TS_FUTURE=$(date -d "@$((now + 86400))" '+%Y-%m-%d %H:%M:%S')
echo "restore_window: MOPITR_TS_OK='$MOPITR_TS_OK' MOPITR_TS_FUTURE='$MOPITR_TS_FUTURE'"
args=()
for a in "$@"; do [ "$a" = --no-ext ] || args+=("$a"); done
exec "$MOPITR_SLT" --no-ext "${args[@]}" "$here/restore_window.slt"
