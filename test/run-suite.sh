#!/usr/bin/env bash
# run-suite.sh FILE [RUNNER-ARGS...]: run one test suite against its own fresh mosim.
#
# Starts mosim on a free port (--port 0 --port-file) with a statement log, exports the
# connection facts the suites use, runs FILE (a *.test file through the runner, or a *.sh
# script through bash) and stops mosim, whatever happened. Nothing is shared between
# suites, so `ctest -j2` is safe.
#
# Reads: MOSIM, MOPITR_SLT, MOPITR_EXT (built binaries); MOSIM_EXTRA_ARGS, extra mosim
# options for this suite (e.g. --no-deprecate-eof: the sql-eof.* ctests), also given to a
# restarted mosim and exported for the suite to see; MOPITR_VALGRIND=1 runs the runner
# under valgrind memcheck (errors and definite leaks fail the suite); MOPITR_LABELS;
# MO_PASSWORD (default 111: mosim gets it as --root-password); MOPITR_KEEP_TMP=1 keeps the
# suite's temporary directory (mosim log, stderr, catalog) instead of removing it.
#
# mosim keeps its catalog in $tmp/catalog.db (--data), so a suite can restart it with its
# state: the exported MOSIM_RESTART is a command (`system ${MOSIM_RESTART}` in a .test
# file) that stops mosim with SIGTERM and starts it again on the same port, data and log.
# A restarted mosim is stopped and its exit status checked at the end like the first one.
set -u
case ${1:-} in
-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
"") echo "usage: test/run-suite.sh FILE [RUNNER-ARGS...] (try --help)" >&2; exit 2 ;;
-*) echo "run-suite: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
file=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
: "${MOSIM:?MOSIM must name the mosim binary}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-suite.XXXXXX")
mosim_pid=
# stop_mosim: SIGTERM, wait up to 10 s, and return mosim's exit status (a sanitizer report
# or a crash at shutdown fails the suite).
stop_mosim() {
    local st=0
    if [ -n "$mosim_pid" ] && kill -0 "$mosim_pid" 2>/dev/null; then
        kill -TERM "$mosim_pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$mosim_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$mosim_pid" 2>/dev/null
        wait "$mosim_pid" 2>/dev/null; st=$?
    elif [ -n "$mosim_pid" ]; then
        wait "$mosim_pid" 2>/dev/null; st=$?
    fi
    mosim_pid=
    # A mosim started by $tmp/restart.sh is not our child: its wrapper writes the status.
    if [ -s "$tmp/restart.pid" ]; then
        local rpid; rpid=$(cat "$tmp/restart.pid")
        kill -TERM "$rpid" 2>/dev/null
        for _ in $(seq 100); do [ -s "$tmp/restart.rc" ] && break; sleep 0.1; done
        if [ -s "$tmp/restart.rc" ]; then
            [ "$(cat "$tmp/restart.rc")" = 0 ] || st=$(cat "$tmp/restart.rc")
        else
            kill -KILL "$rpid" 2>/dev/null; st=1
        fi
        rm -f "$tmp/restart.pid"
    fi
    return $st
}
cleanup() {
    stop_mosim
    multi_teardown
    # MOPITR_KEEP_TMP=1 keeps the suite's files (clients/secrets.sh searches them).
    [ "${MOPITR_KEEP_TMP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT

export MO_PASSWORD=${MO_PASSWORD:-111}
export MOSIM_EXTRA_ARGS=${MOSIM_EXTRA_ARGS:-}
unset MOPITR_SERVER # the runner's server mode is for a real server, not this suite's mosim
"$MOSIM" --port 0 --port-file "$tmp/port" --bind 127.0.0.1 --log "$tmp/mosim.log" \
    --data "$tmp/catalog.db" --root-password "$MO_PASSWORD" \
    ${MOSIM_ARGS:-} ${MOSIM_EXTRA_ARGS:-} 2>"$tmp/mosim.err" &
mosim_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/port" ] && break
    kill -0 "$mosim_pid" 2>/dev/null || break
    sleep 0.05
done
if [ ! -s "$tmp/port" ]; then
    echo "run-suite: mosim did not start" >&2
    cat "$tmp/mosim.err" >&2
    exit 1
fi

export MO_HOST=127.0.0.1
export MO_PORT=$(cat "$tmp/port")
export MO_USER=root
export MOSIM_LOG="$tmp/mosim.log"
export MOSIM_PORT_FILE="$tmp/port"
export MOSIM_PID=$mosim_pid
export MO_DSN="mysql://root@127.0.0.1:$MO_PORT"
export MOPITR_SUITE_TMP="$tmp"

# restart.sh: SIGTERM the running mosim, wait for it to go, start it again (same port,
# data, log, password) behind a wrapper that records its exit status, wait until it
# listens. Exit 0 when it is back.
cat >"$tmp/restart.sh" <<EOF_RESTART
#!/bin/sh
tmp='$tmp'
pid=\$(cat "\$tmp/restart.pid" 2>/dev/null || echo $mosim_pid)
kill -TERM "\$pid" 2>/dev/null
for i in \$(seq 100); do kill -0 "\$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "\$pid" 2>/dev/null && { echo "restart.sh: mosim \$pid did not stop" >&2; exit 1; }
if [ -s "\$tmp/restart.rc" ] && [ "\$(cat "\$tmp/restart.rc")" != 0 ]; then
    echo "restart.sh: mosim exited with status \$(cat "\$tmp/restart.rc")" >&2; exit 1
fi
rm -f "\$tmp/port.new" "\$tmp/restart.rc"
sh -c '"\$0" --port "\$1" --port-file "\$2/port.new" --bind 127.0.0.1 --log "\$2/mosim.log" \
    --data "\$2/catalog.db" --root-password "\$3" \$4 2>>"\$2/mosim.err" & echo \$! >"\$2/restart.pid"
    wait \$!; echo \$? >"\$2/restart.rc"' '$MOSIM' '$MO_PORT' "\$tmp" "\$MO_PASSWORD" '${MOSIM_ARGS:-} ${MOSIM_EXTRA_ARGS:-}' \
    </dev/null >/dev/null 2>&1 &
for i in \$(seq 100); do [ -s "\$tmp/port.new" ] && exit 0; sleep 0.05; done
echo "restart.sh: mosim did not come back" >&2; exit 1
EOF_RESTART
chmod +x "$tmp/restart.sh"
export MOSIM_RESTART="$tmp/restart.sh"

# Several mosims (issue 16): a suite with a line `# mosims: N [tls=I,...]` gets clusters
# 2..N next to this one (cluster 1) and their environment; see test/run-multi.sh.
multi_rc=0
multi_teardown() {
    [ -n "${MOPITR_MULTI_DIR:-}" ] || return 0
    "$here/run-multi.sh" teardown || multi_rc=1
    MOPITR_MULTI_DIR=
}
multi_spec=$(sed -n 's/^# mosims: *//p' "$file" | head -n 1)
if [ -n "$multi_spec" ]; then
    export MOPITR_MULTI_DIR="$tmp/multi"
    # shellcheck disable=SC2086
    multi_env=$("$here/run-multi.sh" setup $multi_spec) || { echo "run-suite: $multi_env" >&2; exit 1; }
    eval "$multi_env"
fi
export MOPITR_SRC=${MOPITR_SRC:-$(cd "$here/.." && pwd)}

runner=("${MOPITR_SLT:-}")
if [ "${MOPITR_VALGRIND:-0}" = 1 ]; then
    runner=(valgrind --quiet --error-exitcode=99 --leak-check=full
            --errors-for-leak-kinds=definite --show-leak-kinds=definite
            --suppressions="$here/valgrind.supp" "${MOPITR_SLT:-}")
fi

case "$file" in
*.test) "${runner[@]}" --ext "${MOPITR_EXT:-}" "$@" "$file"; rc=$? ;;
*.sh) bash "$file" "$@"; rc=$? ;;
*) echo "run-suite: do not know how to run $file" >&2; rc=2 ;;
esac

# Stop mosim (and the other clusters) and check that each exited cleanly (status 0 after
# SIGTERM).
stop_mosim; mrc=$?
multi_teardown
[ $multi_rc -ne 0 ] && [ $mrc -eq 0 ] && mrc=1
if [ $mrc -ne 0 ] && [ "${MOPITR_MOSIM_EXIT_OK:-0}" != 1 ]; then
    echo "run-suite: mosim exited with status $mrc" >&2
    [ $rc -eq 0 ] && rc=1
fi
if [ $rc -ne 0 ]; then
    echo "--- mosim stderr (last 30 lines) ---" >&2
    tail -n 30 "$tmp/mosim.err" >&2
fi
exit $rc
