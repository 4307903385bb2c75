#!/usr/bin/env bash
# run.sh: self-test of the runner mopitr_slt.
#
# Usage: test/runner/selftest/run.sh [PATH-TO-mopitr_slt]
#   (default: env MOPITR_SLT). Env SLT_VALGRIND=1 runs every runner invocation under
#   valgrind memcheck (--leak-check=full --error-exitcode=9): any memory error or leak then
#   shows as exit status 9 and fails the check. Env MOSIM=PATH (a built mosim) adds the
#   checks of remote records and `log count` against a real server (mosim.test).
#
# Each check runs the runner on one or more *.test files of this directory and compares
# the exit status, the closing `N passed, N failed, N skipped` line, and fixed strings
# that must appear in the output (file:line messages). Good files must pass with the
# right counts; deliberately broken files must fail with exit 1 at the right lines.
# Prints one line per check and `selftest: N ok, N failed`; exits 1 if any check failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
slt=${1:-${MOPITR_SLT:-}}
if [ -z "$slt" ] || [ ! -x "$slt" ]; then
    echo "usage: $0 PATH-TO-mopitr_slt (or env MOPITR_SLT)" >&2
    exit 2
fi
# The checks run from this directory: make the paths absolute.
slt=$(cd "$(dirname "$slt")" && pwd)/$(basename "$slt")
if [ -n "${MOSIM:-}" ] && [ -x "$MOSIM" ]; then
    MOSIM=$(cd "$(dirname "$MOSIM")" && pwd)/$(basename "$MOSIM")
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/slt-selftest.XXXXXX")
bg_pids=()
cleanup() {
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# The runner command; under valgrind the leak check can be turned off for one check with
# leak=no (the timeout check: _exit from the alarm abandons a running statement on purpose).
leak=full
runner() {
    if [ "${SLT_VALGRIND:-0}" = 1 ]; then
        valgrind --quiet --leak-check=$leak --error-exitcode=9 "$slt" "$@"
    else
        "$slt" "$@"
    fi
}

# Keep the environment of the checks under control.
unset MOPITR_EXT MOPITR_LABELS MO_HOST MO_PORT MO_USER MO_PASSWORD MOSIM_LOG
export SLT_SELFTEST_VALUE=17 SLT_SELFTEST_TMP=$tmp
unset SLT_SELFTEST_UNSET_VAR

ok=0 bad=0
# expect NAME RC SUMMARY [FIXED-STRING...] -- RUNNER-ARGS...
#   SUMMARY "" skips the summary check (usage errors print none).
expect() {
    local name=$1 want_rc=$2 want_sum=$3
    shift 3
    local pats=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do pats+=("$1"); shift; done
    shift
    local out="$tmp/$name.out" rc sum why=""
    (cd "$here" && runner "$@") >"$out" 2>&1
    rc=$?
    [ "$rc" = "$want_rc" ] || why="exit $rc, want $want_rc"
    if [ -n "$want_sum" ]; then
        sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -n 1)
        [ "$sum" = "$want_sum" ] || why="$why; summary '$sum', want '$want_sum'"
        [ "$(grep -cE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out")" = 1 ] ||
            why="$why; not exactly one summary line"
    fi
    for p in "${pats[@]}"; do
        grep -qF -- "$p" "$out" || why="$why; missing '$p'"
    done
    if [ -z "$why" ]; then
        ok=$((ok + 1))
        echo "ok   $name"
    else
        bad=$((bad + 1))
        echo "FAIL $name: ${why#; }"
        sed 's/^/     | /' "$out"
    fi
}

# ---- good files -------------------------------------------------------------
expect basic 0 "20 passed, 0 failed, 0 skipped" -- --no-ext basic.test
MOPITR_LABELS=" beta, gamma" expect directives 0 "12 passed, 0 failed, 3 skipped" \
    -- --no-ext --label alpha directives.test
MOPITR_LABELS=beta,gamma expect two-files 0 "32 passed, 0 failed, 3 skipped" \
    -- --no-ext --label=alpha basic.test directives.test
# Without the labels the onlyif records are skipped and the skipif ones run (and fail).
# `skipif alpha / connection nowhere` then switches to an empty database (line 76 fails) and
# `skipif alpha / halt` stops the file before line 87.
expect directives-nolabels 1 "8 passed, 2 failed, 4 skipped" \
    "directives.test:41: FAIL statement failed" "directives.test:76: FAIL query failed: no such table: m" \
    -- --no-ext directives.test
expect verbose 0 "20 passed, 0 failed, 0 skipped" "basic.test:16: query ITR nosort" \
    "basic.test:113: statement ok" -- --no-ext --verbose basic.test

# logcount.test: an appender plays the server, writing when the test makes a trigger file.
log="$tmp/mosim.log"
ts=2026-11-25T15:04:05.123Z
T=$'\t'
line() { printf '%s\n' "$ts$T$1$T$2$T$3$T$4" >>"$log"; }
line 3 sys rows=1 "SHOW PITR"
line 3 sys ok=0 "DROP PITR old"
appender() {
    local i
    for i in $(seq 200); do [ -e "$tmp/trigger1.db" ] && break; sleep 0.05; done
    sleep 0.3
    line 5 sys rows=1 "SHOW PITR"
    line 5 sys rows=0 "SHOW PITR WHERE x = 'a\\tb'"
    line 6 acc1 err=1064 "SELECT 'line1\\nline2'"
    line 6 acc1 ok=0 "SELECT 'C:\\\\dir'"
    printf '%s' "$ts${T}5${T}sys${T}rows=0${T}SHOW PITR partial" >>"$log"
    for i in $(seq 200); do [ -e "$tmp/trigger2.db" ] && break; sleep 0.05; done
    sleep 0.3
    printf '\n' >>"$log"
    line 7 sys ok=0 "DROP PITR p1"
}
appender &
bg_pids+=($!)
MOSIM_LOG=$log expect logcount 0 "16 passed, 0 failed, 0 skipped" -- --no-ext logcount.test
# The same file again with no appender: the counts after the implicit mark (taken at the
# end of the log) are 0, so the 9 records that expect lines or rows fail (after polling).
rm -f "$tmp"/trigger*.db
MOPITR_LOG_WAIT_MS=200 MOSIM_LOG=$log expect logcount-again 1 "7 passed, 9 failed, 0 skipped" \
    "logcount.test:15: FAIL log count: 0 matching lines, expected 4" -- --no-ext logcount.test

# ---- broken files: each failure at its file:line -----------------------------
expect mismatch 1 "2 passed, 1 failed, 0 skipped" "bad_mismatch.test:7: FAIL result mismatch" \
    "  expected:" "  actual:" -- --no-ext bad_mismatch.test
expect error 1 "1 passed, 4 failed, 0 skipped" \
    "bad_error.test:8: FAIL error message does not contain the expected text" \
    'an error containing "no such column"' "error [SQLITE_ERROR]: no such table: nosuch" \
    "bad_error.test:11: FAIL wrong result code" \
    "bad_error.test:14: FAIL statement succeeded but an error was expected" \
    "bad_error.test:17: FAIL statement failed" \
    "error [SQLITE_CONSTRAINT]: UNIQUE constraint failed: t.a" -- --no-ext bad_error.test
expect columns 1 "0 passed, 2 failed, 0 skipped" \
    "bad_columns.test:4: FAIL query failed: query returned 1 column but the types 'II' name 2" \
    "bad_columns.test:9: FAIL query failed: query returned no columns" -- --no-ext bad_columns.test
expect directive 1 "1 passed, 5 failed, 0 skipped" \
    "bad_directive.test:5: FAIL unknown directive 'frobnicate'" \
    "bad_directive.test:8: FAIL query without a '----' line" \
    "bad_directive.test:11: FAIL bad column type 'X'" \
    "bad_directive.test:16: FAIL unknown sort mode 'bogosort'" \
    "bad_directive.test:21: FAIL missing SQL after 'statement ok'" -- --no-ext bad_directive.test
expect type 1 "0 passed, 3 failed, 0 skipped" \
    "bad_type.test:4: FAIL wrong value type: row 1 column 1: type I got text value 'abc'" \
    "bad_type.test:9: FAIL wrong value type: row 1 column 1: type I got real value '1.5'" \
    "bad_type.test:14: FAIL wrong value type: row 1 column 1: type R got text value 'x'" \
    -- --no-ext bad_type.test
expect misc 1 "1 passed, 4 failed, 0 skipped" \
    "bad_misc.test:5: FAIL environment variable SLT_SELFTEST_UNSET_VAR is not set" \
    "bad_misc.test:14: FAIL result differs from the query labelled same at line 9" \
    "bad_misc.test:19: FAIL MOSIM_LOG is not set" "bad_misc.test:21: FAIL MOSIM_LOG is not set" \
    -- --no-ext bad_misc.test
expect ext 1 "0 passed, 1 failed, 0 skipped" \
    "bad_ext.test:4: FAIL cannot load extension $tmp/none.so into connection main" \
    "bad_ext.test:4: the rest of the file is not run" -- --ext "$tmp/none.so" bad_ext.test
MOPITR_EXT=$tmp/none.so expect ext-env 1 "0 passed, 1 failed, 0 skipped" \
    "FAIL cannot load extension $tmp/none.so" -- bad_ext.test
leak=no expect timeout 1 "1 passed, 1 failed, 0 skipped" \
    "timeout.test:7: FAIL timeout: still running after 1 s" -- --no-ext --timeout 1 timeout.test

# ---- remote records with nothing listening ----------------------------------
# A port that was free a moment ago: bind to port 0, read the number, close.
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
MO_PORT=$free_port expect remote-refused 1 "1 passed, 3 failed, 0 skipped" \
    "remote_noserver.test:5: FAIL statement failed" \
    "ERROR 2002 (HY000): Can't connect to server on '127.0.0.1'" \
    "remote_noserver.test:11: FAIL query failed: ERROR 2002" \
    "remote_noserver.test:18: FAIL remote connection other already exists with other options" \
    -- --no-ext remote_noserver.test
expect remote-noport 1 "0 passed, 4 failed, 0 skipped" \
    "remote_noserver.test:5: FAIL statement failed" "MO_PORT is not set" \
    -- --no-ext remote_noserver.test

# ---- usage and file errors (exit 2) --------------------------------------------
expect usage-nofile 2 "" "usage: mopitr_slt" -- --no-ext
expect usage-option 2 "" "unknown option '--bogus'" -- --no-ext --bogus basic.test
expect usage-noext 2 "" "no extension: give --ext PATH" -- basic.test
expect usage-timeout 2 "" "bad --timeout 'x'" -- --no-ext --timeout x basic.test
expect usage-missing 2 "" "--label needs a value" -- --no-ext basic.test --label
expect missing-file 2 "20 passed, 0 failed, 0 skipped" "cannot open nosuch.test" \
    -- --no-ext nosuch.test basic.test

# ---- against a real mosim ------------------------------------------------------
# A mariadb CLI client plays "someone else" (not the runner): when a test makes the trigger
# file, it logs in and runs SHOW PITR, which log count must see.
cli_on_trigger() {
    local trigger=$1 port=$2 i
    for i in $(seq 300); do [ -e "$trigger" ] && break; sleep 0.05; done
    [ -e "$trigger" ] || return 0
    mariadb --no-defaults --skip-ssl -h 127.0.0.1 -P "$port" -u root -p111 -e "SHOW PITR" \
        >/dev/null 2>&1
}
if [ -n "${MOSIM:-}" ] && [ -x "${MOSIM}" ] && command -v mariadb >/dev/null; then
    "$MOSIM" --port 0 --port-file "$tmp/port" --bind 127.0.0.1 --log "$tmp/real.log" \
        2>"$tmp/mosim.err" &
    bg_pids+=($!)
    for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
    if [ -s "$tmp/port" ]; then
        port=$(cat "$tmp/port")
        cli_on_trigger "$tmp/mosim_trigger.db" "$port" &
        bg_pids+=($!)
        MO_PORT=$port MOSIM_LOG=$tmp/real.log \
            expect mosim 0 "15 passed, 0 failed, 0 skipped" -- --no-ext mosim.test
        cli_on_trigger "$tmp/mosim_trigger2.db" "$port" &
        bg_pids+=($!)
        MO_PORT=$port MOSIM_LOG=$tmp/real.log \
            expect mosim-bad 1 "1 passed, 4 failed, 0 skipped" \
            "mosim_bad.test:4: FAIL statement failed" "ERROR 1064 (HY000)" \
            "mosim_bad.test:7: FAIL wrong value type: row 1 column 1: type I got text value 'abc'" \
            "mosim_bad.test:12: FAIL query failed: query returned 2 columns but the types 'I' name 1" \
            "mosim_bad.test:24: FAIL log count: 1 matching line, expected 0" "SHOW PITR" \
            -- --no-ext mosim_bad.test
        # --server: the same mosim taken for a real server (no log): mosim-only records
        # are skipped and counted; the DSN gives host, port, user and password
        MOSIM_LOG=$tmp/real.log MO_PORT=1 MO_PASSWORD=wrong \
            expect server 0 "5 passed, 0 failed, 6 skipped" -- --no-ext \
            --server "mysql://root:111@127.0.0.1:$port" server.test
        MOPITR_SERVER="127.0.0.1:$port" MO_PASSWORD=111 \
            expect server-env 0 "5 passed, 0 failed, 6 skipped" -- --no-ext server.test
        expect server-bad-port 2 "" "mopitr_slt: --server: bad port 'x'" -- --no-ext \
            --server "mysql://root:secret@127.0.0.1:x" server.test
        if grep -q secret "$tmp/server-bad-port.out"; then
            bad=$((bad + 1)); echo "FAIL server-bad-port: the message shows the password"
        fi
    else
        bad=$((bad + 1))
        echo "FAIL mosim did not start"
        cat "$tmp/mosim.err"
    fi
else
    echo "skip mosim checks (set MOSIM to a built mosim; needs the mariadb CLI)"
fi

echo "selftest: $ok ok, $bad failed"
[ "$bad" = 0 ]
