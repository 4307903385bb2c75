#!/usr/bin/env bash
# clusters_env.sh: where named clusters come from (issue 16), through the sqlite3 shell with
# a controlled environment, over 2 mosims.
# mosims: 2
#
# Covers: MO_PITR_CONFIG unset: the group is read from $HOME/.my.cnf; MO_PITR_CONFIG set:
# that file wins over ~/.my.cnf; neither (HOME unset): an error that says what to set;
# MO_DSN naming a cluster: mo_connect() connects it as 'default', and the eponymous mo_pitr
# reads that cluster; a wrong password in the group: the whole output of the failing
# session (errors, mo_clusters, mo_connections) holds neither that password nor the right one.
#
# Run by test/run-suite.sh (MOSIM_PORT_1/2, MO_PASSWORD, MOSIMCTL, MOPITR_EXT exported).
set -u
: "${MOSIM_PORT_1:?}" "${MOSIM_PORT_2:?}" "${MO_PASSWORD:?}" "${MOSIMCTL:?}" "${MOPITR_EXT:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-clenv.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
. "$(dirname "$0")/lib.bash"
ext=${MOPITR_EXT%.so}

# sq ENV... -- SQL...: the sqlite3 shell with the extension, in a clean environment plus ENV
# (and the sanitizer settings of scripts/test's ASan pass, when set).
sq() {
    local envs=() v
    for v in LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
        [ -n "${!v:-}" ] && envs+=("$v=${!v}")
    done
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    env -i PATH="$PATH" "${envs[@]}" timeout 60 sqlite3 -batch :memory: ".load $ext" "$@" 2>&1
}

"$MOSIMCTL" 2 sql "CREATE DATABASE envdb" "CREATE PITR env_c2 FOR DATABASE envdb RANGE 4 'd'" ||
    fails=$((fails + 1))

mkdir -p "$tmp/home"
(umask 077; printf '[mo_pitr-c2]\nhost=127.0.0.1\nport=%s\nuser=root\npassword=%s\n' \
    "$MOSIM_PORT_2" "$MO_PASSWORD" >"$tmp/home/.my.cnf")
(umask 077; printf '[mo_pitr-c2]\nhost=127.0.0.1\nport=%s\nuser=root\npassword=%s\n' \
    "$MOSIM_PORT_1" "$MO_PASSWORD" >"$tmp/other.cnf")

out=$(sq HOME="$tmp/home" -- "SELECT mo_connect('c2')" "SELECT name FROM mo_pitr('c2')")
check "MO_PITR_CONFIG unset: ~/.my.cnf" "connected c2: root@127.0.0.1:$MOSIM_PORT_2 account sys, server 8.0.30-MatrixOne-v2.2.0
env_c2" "$out"

out=$(sq HOME="$tmp/home" MO_PITR_CONFIG="$tmp/other.cnf" -- "SELECT port FROM mo_clusters")
check "MO_PITR_CONFIG wins over ~/.my.cnf" "$MOSIM_PORT_1" "$out"

out=$(sq -- "SELECT mo_connect('c2')")
check "neither MO_PITR_CONFIG nor HOME" \
    "Error: mo_pitr: no option file for named clusters: set MO_PITR_CONFIG (or HOME, for ~/.my.cnf)" \
    "$(printf '%s' "$out" | sed 's/^Error: in prepare, /Error: /; s/^Error: stepping, /Error: /; s/ (1)$//')"

out=$(sq HOME="$tmp/home" MO_DSN=c2 -- "SELECT mo_connect()" "SELECT name, range_value FROM mo_pitr")
check "MO_DSN names a cluster: connected as 'default'" "connected default: root@127.0.0.1:$MOSIM_PORT_2 account sys, server 8.0.30-MatrixOne-v2.2.0
env_c2|4" "$out"

# A wrong password: nothing printed holds it, nor the right one.
(umask 077; printf '[mo_pitr-c2]\nhost=127.0.0.1\nport=%s\nuser=root\npassword=Zq9-Wrong-Pw\n' \
    "$MOSIM_PORT_2" >"$tmp/home/.my.cnf")
out=$(sq HOME="$tmp/home" -- "SELECT mo_connect_all()" "SELECT * FROM mo_clusters" \
    "SELECT * FROM mo_connections" "SELECT mo_connect('c2')")
check_has "wrong password: the failure is shown" "c2|127.0.0.1|$MOSIM_PORT_2|root|sys|failed|cannot connect to root@127.0.0.1:$MOSIM_PORT_2: Access denied" "$out"
check_lacks "wrong password: not printed" "Zq9-Wrong-Pw" "$out"
check_lacks "the right password: not printed" "password=$MO_PASSWORD" "$out"

echo "clusters_env: $checks checks, $fails failed"
exit $((fails > 0))
