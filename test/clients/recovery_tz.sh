#!/usr/bin/env bash
# recovery_tz.sh: recovery windows and RESTORE times across time zones (issue 14; spec 8.1,
# 8.6: the server reads a RESTORE time, and prints PITR windows, in its process's zone).
#
# Starts its own mosim with TZ=Asia/Tokyo (UTC+9, no DST) and checks, with the sqlite3 shell
# and the extension: mo_recovery_window's end_time is UTC (within 5 minutes of the UTC
# clock, not 9 hours ahead); a restore dry run writes the UTC time given as Tokyo time
# (+9 h); a real restore at the first restorable second is accepted by the Tokyo server
# (which checks it against the PITR's creation in its own zone), and one second earlier is
# refused locally with nothing sent. A raw client (the mariadb CLI) sees Tokyo times in
# SHOW RECOVERY_WINDOW, so the first check can fail.
#
# Run by test/run-suite.sh (MOSIM, MO_PASSWORD, MOPITR_EXT exported). Bounded: the private
# mosim is stopped on exit.
set -u
: "${MOSIM:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}"
here=$(cd "$(dirname "$0")" && pwd)
ext=${MOPITR_EXT%.so}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-rtz.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
checks=0
# shellcheck source=lib.bash
. "$here/lib.bash"

TZ=Asia/Tokyo "$MOSIM" --port 0 --port-file "$tmp/port" --bind 127.0.0.1 \
    --root-password "$MO_PASSWORD" --log "$tmp/log" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
if [ ! -s "$tmp/port" ]; then echo "FAIL mosim (TZ=Asia/Tokyo) did not start"; cat "$tmp/err"; exit 1; fi
port=$(cat "$tmp/port")
cli() { mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root -p"$MO_PASSWORD" -N -B -e "$1" 2>&1; }
cli "CREATE DATABASE tzdb; CREATE TABLE tzdb.t1 (a int); CREATE PITR p_tz FOR DATABASE tzdb RANGE 1 'd'" >/dev/null
sleep 2.1   # the window starts one second after the creation second

q() {
    TZ=UTC sqlite3 -list -separator "|" :memory: ".load $ext" ".output /dev/null" \
        "SELECT mo_connect('mysql://root:$MO_PASSWORD@127.0.0.1:$port')" ".output stdout" "$@" 2>&1
}

now=$(date -u +%s)
end=$(q "SELECT unixepoch(end_time) FROM mo_recovery_window('tzdb') WHERE source_name = 'p_tz'")
if [ -n "$end" ] && [ $((end - now)) -lt 300 ] && [ $((now - end)) -lt 300 ]; then
    check "mo_recovery_window end_time is UTC" ok ok
else
    check "mo_recovery_window end_time is UTC (now $now)" "within 300 s" "$end"
fi

raw=$(cli "SHOW RECOVERY_WINDOW FOR DATABASE tzdb" | sed -n "s/.*'end_time':'\([^.']*\).*/\1/p" | head -1)
raw_epoch=$(date -u -d "$raw" +%s 2>/dev/null || echo 0)
diff=$((raw_epoch - now))
if [ $diff -gt 31800 ] && [ $diff -lt 33000 ]; then
    check "a raw client sees Tokyo times in SHOW RECOVERY_WINDOW" ok ok
else
    check "a raw client sees Tokyo times in SHOW RECOVERY_WINDOW ($raw)" "+32400 s" "+$diff s"
fi

# the first restorable second, in UTC, and the text the server must get (UTC+9)
t_in=$(q "SELECT earliest_restorable FROM mo_pitr WHERE name = 'p_tz'")
want_local=$(TZ=Asia/Tokyo date -d "$t_in UTC" '+%Y-%m-%d %H:%M:%S')
dry=$(q "SELECT mo_restore_database_dry_run('p_tz', 'tzdb', '$t_in')")
check "dry run writes the time in the server's zone" \
    "RESTORE DATABASE \`tzdb\` FROM PITR \`p_tz\` '$want_local'" "$dry"

out=$(q "SELECT mo_restore_database('p_tz', 'tzdb', '$t_in')")
check "a restore at the first restorable second is sent and accepted" "$dry" "$out"
check "the Tokyo server answered OK to it" 1 \
    "$(grep -c "$(printf '\tok=0\t')RESTORE DATABASE \`tzdb\` FROM PITR \`p_tz\` '$want_local'" "$tmp/log")"

before=$(q "SELECT datetime('$t_in', '-1 second')")
out=$(q "SELECT mo_restore_database('p_tz', 'tzdb', '$before')")
check_has "one second earlier is refused locally" \
    "is before the earliest restorable time $t_in of PITR 'p_tz'" "$out"
check "nothing more was sent" 1 "$(grep -c "RESTORE DATABASE" "$tmp/log")"

echo "recovery_tz.sh: $checks checks, $fails failed"
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
