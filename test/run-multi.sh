#!/usr/bin/env bash
# run-multi.sh: several mosims for one suite (issue 16, "many clusters"), and the command
# that a suite uses to steer and check each of them.
#
# A suite asks for servers on a header line (any line of the file):
#     # mosims: 8 [tls=3,5]
# test/run-suite.sh then calls `run-multi.sh setup N [tls=LIST]` after starting its own
# mosim, which is cluster 1 (so the runner's `remote` and `log` directives act on it), and
# starts clusters 2..N here, each on a free port with its own catalog (--data), statement
# log and stderr in $MOPITR_MULTI_DIR/I/, and the root password $MO_PASSWORD. A cluster in
# tls= requires TLS (--tls-cert/--tls-key/--tls-require; certificates made once with the
# openssl command: $MOPITR_MULTI_DIR/ca.pem signs the server certificate for IP:127.0.0.1).
# setup prints the environment for the runner (run-suite.sh evals it):
#     MOSIM_COUNT=N  MOSIM_PORT_I  MOSIM_LOG_I  (I = 1..N)  MOSIMCTL (this script)
#     MOPITR_MULTI_DIR  MOSIM_TLS_CA (the CA file, when tls= was given)
#     MO_PITR_CONFIG  an option file with one group per cluster, mode 0600:
#         [mo_pitr-cI]  host=127.0.0.1  port=...  user=root  password=$MO_PASSWORD
#                       (TLS clusters also ssl-ca=CA and ssl_mode=verify_ca)
# `run-multi.sh teardown` stops clusters 2..N, exits non-zero when one did not exit 0, and
# removes the option files of $MOPITR_MULTI_DIR (*.cnf: they hold the password, as a
# user's ~/.my.cnf does; the rest is kept with MOPITR_KEEP_TMP=1, for clients/secrets.sh).
#
# Steering and checking cluster I from a suite (`system ${MOSIMCTL} I ...`; each exits
# non-zero with a message when the check fails):
#     sql STMT...          run each statement as root (the mariadb CLI), e.g.
#                          "MOSIM FAULT DELAY 200" or "CREATE DATABASE d1"
#     query SQL WANT       the rows of SQL as text, columns joined by ' ', rows sorted
#                          (byte order) and joined by ',', must equal WANT ("" for no rows)
#     delay MS             MOSIM FAULT DELAY MS (0 clears)
#     mark                 remember the end of the cluster's statement log
#     count N [SUBSTR...]  the log lines after the mark whose statement contains SUBSTR
#                          (the rest of the arguments joined by blanks, as the runner's
#                          `log count` takes the rest of its line; unescaped; every line
#                          without it) must be N, leaving out the
#                          lines of this script's own sessions; as the runner's `log count`,
#                          a lower count is re-read for up to MOPITR_LOG_WAIT_MS (2000) ms,
#                          an equal one once more after 30 ms
#     stop | start         stop the cluster (SIGTERM; its exit status must be 0) / start it
#                          again on the same port with the same catalog and log (I >= 2)
set -u
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

die() { echo "run-multi: $*" >&2; exit 1; }

# ---- one cluster's process ----------------------------------------------------------------

# start_one I [PORT]: start cluster I (port 0: a free one) behind a wrapper that records its
# exit status in I/rc; waits until it listens and writes the port to I/port.
start_one() {
    local i=$1 port=${2:-0} d=$MOPITR_MULTI_DIR/$1 extra=()
    mkdir -p "$d"
    rm -f "$d/port" "$d/rc" "$d/pid"
    if [ -e "$d/tls" ]; then
        extra=(--tls-cert "$MOPITR_MULTI_DIR/server.pem" --tls-key "$MOPITR_MULTI_DIR/server.key"
               --tls-require)
    fi
    # shellcheck disable=SC2016
    sh -c '"$@" & echo $! >"$0/pid"; wait $!; echo $? >"$0/rc"' "$d" \
        ${MOSIM_WRAP:-} "$MOSIM" --port "$port" --port-file "$d/port" --bind 127.0.0.1 \
        --log "$d/mosim.log" --data "$d/catalog.db" --root-password "$MO_PASSWORD" \
        "${extra[@]}" </dev/null >/dev/null 2>>"$d/mosim.err" &
    for _ in $(seq 200); do
        [ -s "$d/port" ] && return 0
        [ -s "$d/rc" ] && break
        sleep 0.05
    done
    echo "run-multi: cluster $i did not start:" >&2
    tail -n 5 "$d/mosim.err" >&2
    return 1
}

# stop_one I: SIGTERM cluster I, wait (10 s, then SIGKILL) and return its exit status.
stop_one() {
    local d=$MOPITR_MULTI_DIR/$1 pid
    [ -s "$d/pid" ] || return 0
    pid=$(cat "$d/pid")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do [ -s "$d/rc" ] && break; sleep 0.1; done
    if [ ! -s "$d/rc" ]; then
        kill -KILL "$pid" 2>/dev/null
        for _ in $(seq 50); do [ -s "$d/rc" ] && break; sleep 0.1; done
        echo "run-multi: cluster $1 did not stop within 10 s" >&2
        rm -f "$d/pid"
        return 1
    fi
    rm -f "$d/pid"
    return "$(cat "$d/rc")"
}

# ---- certificates for TLS clusters --------------------------------------------------------
make_certs() {
    local d=$MOPITR_MULTI_DIR q=(timeout 60)
    "${q[@]}" openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
        -days 2 -subj "/CN=mo_pitr multi CA" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1 &&
    "${q[@]}" openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
        -subj "/CN=localhost" >/dev/null 2>&1 &&
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' \
        >"$d/server.ext" &&
    "${q[@]}" openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
        -CAcreateserial -out "$d/server.pem" -days 2 -extfile "$d/server.ext" >/dev/null 2>&1
}

# ---- setup / teardown (run-suite.sh) ------------------------------------------------------
setup() {
    local n=$1 tls="" i cnf
    shift
    for a in "$@"; do
        case $a in
        tls=*) tls=${a#tls=} ;;
        *) die "unknown mosims option '$a' (valid: tls=I,J)" ;;
        esac
    done
    case $n in '' | *[!0-9]*) die "mosims: wants a number, got '$n'" ;; esac
    : "${MOSIM:?}" "${MO_PASSWORD:?}" "${MO_PORT:?}" "${MOSIM_LOG:?}" "${MOPITR_MULTI_DIR:?}"
    mkdir -p "$MOPITR_MULTI_DIR"
    if [ -n "$tls" ]; then
        make_certs || die "openssl could not make the certificates"
        for i in ${tls//,/ }; do
            [ "$i" -ge 2 ] && [ "$i" -le "$n" ] || die "tls=$i: only clusters 2..$n can use TLS"
            mkdir -p "$MOPITR_MULTI_DIR/$i" && : >"$MOPITR_MULTI_DIR/$i/tls"
        done
    fi
    mkdir -p "$MOPITR_MULTI_DIR/1"
    echo "$MO_PORT" >"$MOPITR_MULTI_DIR/1/port"
    ln -sf "$MOSIM_LOG" "$MOPITR_MULTI_DIR/1/mosim.log"
    echo "$n" >"$MOPITR_MULTI_DIR/count" # teardown stops whatever started
    for ((i = 2; i <= n; i++)); do start_one "$i" || return 1; done
    for ((i = 1; i <= n; i++)); do log_end "$MOPITR_MULTI_DIR/$i/mosim.log" >"$MOPITR_MULTI_DIR/$i/mark"; done
    cnf=$MOPITR_MULTI_DIR/clusters.cnf
    (
        umask 077
        : >"$cnf"
        for ((i = 1; i <= n; i++)); do
            printf '[mo_pitr-c%d]\nhost=127.0.0.1\nport=%s\nuser=root\npassword=%s\n' \
                "$i" "$(cat "$MOPITR_MULTI_DIR/$i/port")" "$MO_PASSWORD"
            if [ -e "$MOPITR_MULTI_DIR/$i/tls" ]; then
                printf 'ssl-ca=%s\nssl_mode=verify_ca\n' "$MOPITR_MULTI_DIR/ca.pem"
            fi
            echo
        done >"$cnf"
    )
    printf 'export MOSIM_COUNT=%q MOSIMCTL=%q MO_PITR_CONFIG=%q MOPITR_MULTI_DIR=%q\n' \
        "$n" "$self" "$cnf" "$MOPITR_MULTI_DIR"
    [ -n "$tls" ] && printf 'export MOSIM_TLS_CA=%q\n' "$MOPITR_MULTI_DIR/ca.pem"
    for ((i = 1; i <= n; i++)); do
        printf 'export MOSIM_PORT_%d=%q MOSIM_LOG_%d=%q\n' "$i" \
            "$(cat "$MOPITR_MULTI_DIR/$i/port")" "$i" "$MOPITR_MULTI_DIR/$i/mosim.log"
    done
}

teardown() {
    local n i rc=0
    [ -s "$MOPITR_MULTI_DIR/count" ] || return 0
    n=$(cat "$MOPITR_MULTI_DIR/count")
    for ((i = 2; i <= n; i++)); do
        if ! stop_one "$i"; then
            echo "run-multi: cluster $i exited with status $(cat "$MOPITR_MULTI_DIR/$i/rc" \
                2>/dev/null || echo '?'); its stderr:" >&2
            tail -n 20 "$MOPITR_MULTI_DIR/$i/mosim.err" >&2
            rc=1
        fi
    done
    rm -f "$MOPITR_MULTI_DIR"/*.cnf
    return $rc
}

# ---- steering one cluster (suites) --------------------------------------------------------

# cli I ARGS...: the mariadb CLI logged in to cluster I as root; first prints the session's
# connection id (recorded in I/ctlids so `count` leaves this session's lines out).
cli() {
    local i=$1 d=$MOPITR_MULTI_DIR/$1 out rc ssl=()
    shift
    [ -e "$d/tls" ] && ssl=(--ssl-ca="$MOPITR_MULTI_DIR/ca.pem")
    out=$(mariadb --no-defaults "${ssl[@]}" -h 127.0.0.1 -P "$(cat "$d/port")" -u root \
        -p"$MO_PASSWORD" --connect-timeout=10 -N -B "$@" 2>&1)
    rc=$?
    printf '%s\n' "$out" | head -n 1 | grep -E '^[0-9]+$' >>"$d/ctlids"
    printf '%s\n' "$out" | sed 1d
    return $rc
}

# log_end FILE: byte offset of the end of the last complete line (0 if there is none): bytes
# after the last newline belong to a line the server is still writing.
log_end() {
    local f=$1 size
    [ -s "$f" ] || { echo 0; return; }
    size=$(stat -L -c %s "$f")
    if [ -n "$(tail -c 1 "$f" | tr -d '\n')" ]; then
        size=$((size - $(tail -n 1 "$f" | wc -c)))
    fi
    echo "$size"
}

# log_count I SUBSTR: the count, as described in the header.
log_count() {
    local d=$MOPITR_MULTI_DIR/$1 mark=0 end
    [ -s "$d/mark" ] && mark=$(cat "$d/mark")
    end=$(log_end "$d/mosim.log")
    [ "$end" -gt "$mark" ] || { echo 0; return; }
    tail -c +"$((mark + 1))" "$d/mosim.log" | head -c "$((end - mark))" |
        SUB=$2 IDS=$d/ctlids LC_ALL=C awk -F'\t' '
        BEGIN { sub_ = ENVIRON["SUB"]; while ((getline l < ENVIRON["IDS"]) > 0) ids[l] = 1 }
        NF >= 5 && !($2 in ids) {
            s = $5; for (k = 6; k <= NF; k++) s = s "\t" $k
            out = ""
            for (j = 1; j <= length(s); j++) {
                c = substr(s, j, 1)
                if (c == "\\" && j < length(s)) {
                    e = substr(s, j + 1, 1)
                    if (e == "\\") { out = out "\\"; j++; continue }
                    if (e == "t") { out = out "\t"; j++; continue }
                    if (e == "n") { out = out "\n"; j++; continue }
                    if (e == "r") { out = out "\r"; j++; continue }
                }
                out = out c
            }
            if (index(out, sub_) > 0) n++
        }
        END { print n + 0 }'
}

ctl() {
    local i=$1 cmd=${2:-} d
    shift 2 || die "usage: run-multi.sh I sql|query|delay|mark|count|stop|start ..."
    [ -n "${MOPITR_MULTI_DIR:-}" ] || die "MOPITR_MULTI_DIR is not set (no '# mosims:' line?)"
    d=$MOPITR_MULTI_DIR/$i
    [ -s "$d/port" ] || die "no cluster $i"
    case $cmd in
    sql)
        local s
        for s in "$@"; do
            cli "$i" -e "SELECT connection_id(); $s" >"$d/last.out" ||
                die "cluster $i: $s: $(cat "$d/last.out")"
        done ;;
    delay) ctl "$i" sql "MOSIM FAULT DELAY ${1:?delay needs ms}" ;;
    query)
        local got want=${2-}
        got=$(cli "$i" -e "SELECT connection_id(); ${1:?query needs SQL}") ||
            die "cluster $i: $1: $got"
        got=$(printf '%s' "$got" | tr '\t' ' ' | LC_ALL=C sort | paste -sd, -)
        [ "$got" == "$want" ] ||
            die "cluster $i: $1"$'\n'"  expected: $want"$'\n'"  actual:   $got" ;;
    mark) log_end "$d/mosim.log" >"$d/mark" ;;
    count)
        local want=${1:?count needs N} sub="${*:2}" got waited=0 max=${MOPITR_LOG_WAIT_MS:-2000}
        got=$(log_count "$i" "$sub")
        while [ "$got" -lt "$want" ] && [ "$waited" -lt "$max" ]; do
            sleep 0.01; waited=$((waited + 10)); got=$(log_count "$i" "$sub")
        done
        if [ "$got" -eq "$want" ]; then sleep 0.03; got=$(log_count "$i" "$sub"); fi
        if [ "$got" -ne "$want" ]; then
            echo "run-multi: cluster $i: log count '$sub': expected $want, got $got; lines:" >&2
            tail -c +"$(($(cat "$d/mark" 2>/dev/null || echo 0) + 1))" "$d/mosim.log" |
                cut -f2,4,5 | sed 's/^/    /' >&2
            exit 1
        fi ;;
    stop)
        [ "$i" -ge 2 ] || die "cluster 1 is the suite's own mosim (use \${MOSIM_RESTART})"
        stop_one "$i" || die "cluster $i exited with status $(cat "$d/rc" 2>/dev/null)" ;;
    start)
        [ "$i" -ge 2 ] || die "cluster 1 is the suite's own mosim"
        start_one "$i" "$(cat "$d/port")" || exit 1 ;;
    *) die "unknown command '$cmd' (valid: sql, query, delay, mark, count, stop, start)" ;;
    esac
}

case ${1:-} in
setup) shift; setup "$@" ;;
teardown) teardown ;;
[0-9]*) ctl "$@" ;;
*) die "usage: run-multi.sh setup N [tls=I,...] | teardown | I COMMAND ..." ;;
esac
