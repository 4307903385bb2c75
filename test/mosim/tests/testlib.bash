# testlib.bash: shared helpers for mosim's wire tests (sourced, not run by ctest).
#
#   start_mosim [ARGS...]  start "$MOSIM" on a free port with a log; sets PORT, MPID, LOG
#   stop_mosim             SIGTERM it and wait (bounded); returns mosim's exit status
#   check DESC CMD...      run CMD; print "ok - DESC" or "FAIL - DESC" and count
#   py SCRIPT...           run Debian's python3 (pymysql) with tests/ on the path
#   finish                 print the tally and exit non-zero on any failure
#
# Env: MOSIM (the binary, required); MOSIM_WRAP, a command prefix such as
# "valgrind --leak-check=full --error-exitcode=99" to run mosim under a tool.
set -u
: "${MOSIM:?MOSIM must name the mosim binary}"
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1  # keep the source tree clean
export PYTHONPATH="$TESTS_DIR${PYTHONPATH:+:$PYTHONPATH}"
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/mosim-wire.XXXXXX")
LOG=$TMPD/mosim.log
MPID=
PORT=
n_ok=0
n_fail=0

cleanup() {
    if [ -n "$MPID" ] && kill -0 "$MPID" 2>/dev/null; then
        kill -KILL "$MPID" 2>/dev/null
    fi
    rm -rf "$TMPD"
}
trap cleanup EXIT

start_mosim() {
    rm -f "$TMPD/port"
    ${MOSIM_WRAP:-} "$MOSIM" --port 0 --port-file "$TMPD/port" --log "$LOG" "$@" \
        2>>"$TMPD/mosim.err" &
    MPID=$!
    for _ in $(seq 600); do
        [ -s "$TMPD/port" ] && break
        kill -0 "$MPID" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$TMPD/port" ]; then
        echo "FAIL - mosim did not start"; cat "$TMPD/mosim.err"; exit 1
    fi
    PORT=$(cat "$TMPD/port")
    export PORT
}

stop_mosim() {
    local rc
    kill -TERM "$MPID" 2>/dev/null
    for _ in $(seq 300); do
        kill -0 "$MPID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$MPID" 2>/dev/null; then
        echo "mosim did not exit within 15 s of SIGTERM"
        kill -KILL "$MPID"
    fi
    wait "$MPID"
    rc=$?
    MPID=
    return $rc
}

check() {
    local desc=$1
    shift
    if "$@"; then
        echo "ok - $desc"
        n_ok=$((n_ok + 1))
    else
        echo "FAIL - $desc"
        n_fail=$((n_fail + 1))
    fi
}

py() {
    timeout 120 "$PY" "$@"
}

# mariadb CLI with the project's options; bounded in time.
cli() {
    timeout 60 mariadb --no-defaults --connect-timeout=10 -h 127.0.0.1 -P "$PORT" "$@"
}

alive() {
    kill -0 "$MPID" 2>/dev/null
}

finish() {
    echo "$n_ok passed, $n_fail failed"
    if [ "$n_fail" -ne 0 ]; then
        echo "--- mosim stderr ---"; tail -n 30 "$TMPD/mosim.err"
        exit 1
    fi
    exit 0
}
