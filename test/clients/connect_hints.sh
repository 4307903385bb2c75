#!/usr/bin/env bash
# connect_hints.sh: connection errors carry the hint that fits (issue 13, "Guards").
#
# Covers, in the stock sqlite3 shell: an empty or blank DSN is an error (not "connect to
# 127.0.0.1:6001 as root"), with nothing sent to the server; a login refused while no
# password was given at all (MO_PASSWORD unset, none in the DSN) adds "no password was
# given: put it in the DSN ... or set MO_PASSWORD", and the same refusal with a wrong
# password does not; nothing listening adds "is MatrixOne listening on host:port?"; a
# host name that does not resolve says so; no message holds a password.
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT, MOSIM_LOG exported).
# Prints one line per check; exits 1 if any check failed.
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOSIM_LOG:?}"
ext=${MOPITR_EXT%.so}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-hints.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
. "$(dirname "$0")/lib.bash"

# sql TEXT: run TEXT in a fresh sqlite3 shell with the extension (stderr folded in).
sql() {
    sqlite3 :memory: -cmd ".load $ext" "$1" 2>&1
}

# --- empty and blank DSNs: an error, and no connection attempt reaches the server
lines_before=$(wc -l <"$MOSIM_LOG")
out=$(sql "SELECT mo_connect('')")
check_has "empty DSN refused" "mo_pitr: mo_connect() needs a DSN, got an empty one" "$out"
out=$(sql "SELECT mo_connect('   ', 'x')")
check_has "blank DSN refused" "mo_pitr: mo_connect() needs a DSN, got an empty one" "$out"
out=$(MO_DSN= sql "SELECT mo_connect()")
check_has "empty MO_DSN refused" "mo_pitr: mo_connect() needs a DSN: pass one, or set the environment variable MO_DSN" "$out"
sleep 0.1
check "nothing reached the server" "$lines_before" "$(wc -l <"$MOSIM_LOG")"

# --- login refused with no password at all: the hint names the two ways to give one
out=$(env -u MO_PASSWORD sqlite3 :memory: -cmd ".load $ext" \
    "SELECT mo_connect('mysql://root@127.0.0.1:$MO_PORT')" 2>&1)
check_has "no password: access denied" "cannot connect to root@127.0.0.1:$MO_PORT: Access denied" "$out"
check_has "no password: the hint" "; no password was given: put it in the DSN (mysql://user:password@host:port) or set MO_PASSWORD" "$out"

# a wrong password: the server's refusal, no "no password" hint, no password echoed
out=$(env -u MO_PASSWORD sqlite3 :memory: -cmd ".load $ext" \
    "SELECT mo_connect('mysql://root:Wrong-Pw-77@127.0.0.1:$MO_PORT')" 2>&1)
check_has "wrong password: access denied" "Access denied" "$out"
check_lacks "wrong password: no missing-password hint" "no password was given" "$out"
check_lacks "wrong password: not echoed" "Wrong-Pw-77" "$out"

# MO_PASSWORD set and right: connects
out=$(sql "SELECT mo_connect('mysql://root@127.0.0.1:$MO_PORT') LIKE 'connected default:%'")
check "MO_PASSWORD: connects" "1" "$out"

# --- nothing listening: is MatrixOne listening on host:port?
out=$(sql "SELECT mo_connect('mysql://nobody@127.0.0.1:1?connect_timeout=5')")
check_has "refused: the hint" "cannot connect to nobody@127.0.0.1:1: " "$out"
check_has "refused: host and port" "; is MatrixOne listening on 127.0.0.1:1?" "$out"
out=$(sql "SELECT mo_connect('host=::1 port=1 user=nobody connect_timeout=5')")
check_has "refused (IPv6): host and port" "is MatrixOne listening on [::1]:1?" "$out"

# --- a host name that does not resolve (.invalid never does, RFC 6761)
out=$(sql "SELECT mo_connect('mysql://nobody@no-such-host.invalid:6001?connect_timeout=5')")
check_has "unknown host: the hint" "the host name 'no-such-host.invalid' does not resolve: check the DSN's host" "$out"

echo "$checks checks, $fails failed"
[ $fails -eq 0 ]
