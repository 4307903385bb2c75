#!/usr/bin/env bash
# timezone.sh: created_time / modified_time are UTC whatever the server's zone (issue 5,
# "created_time and modified_time are returned in UTC ... pin the session's time zone").
#
# MatrixOne renders SHOW PITR times in the session time zone, whose default is the server
# process's local zone (spec 2.1, 7). run-suite.sh's mosim runs in this machine's zone, often
# UTC, where an extension that forgot to pin the zone would still pass. So this script starts
# its own mosim with TZ=Asia/Tokyo (UTC+9, no DST), proves that a plain client (the mariadb
# CLI) sees Tokyo times there, and checks that the extension's times are within 5 minutes of
# the UTC clock and parse with SQLite's date functions.
#
# Run by test/run-suite.sh (MOSIM, MO_PASSWORD, MOPITR_EXT exported). Bounded: the private
# mosim is stopped on exit.
set -u
: "${MOSIM:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}"
ext=${MOPITR_EXT%.so}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-tz.XXXXXX")
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

TZ=Asia/Tokyo "$MOSIM" --port 0 --port-file "$tmp/port" --bind 127.0.0.1 \
    --root-password "$MO_PASSWORD" --log "$tmp/log" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
if [ ! -s "$tmp/port" ]; then echo "FAIL mosim (TZ=Asia/Tokyo) did not start"; cat "$tmp/err"; exit 1; fi
port=$(cat "$tmp/port")

out=$(sqlite3 -list -separator "|" :memory: ".load $ext" \
    "SELECT mo_connect('mysql://root@127.0.0.1:$port') IS NOT NULL" \
    "INSERT INTO mo_pitr(name, level, range_value, range_unit) VALUES ('tz_c', 'cluster', 1, 'h')" \
    "SELECT created_time, modified_time, unixepoch(created_time) FROM mo_pitr WHERE name = 'tz_c'" 2>&1)
now=$(date -u +%s)
echo "extension: $out (UTC now $(date -u '+%Y-%m-%d %H:%M:%S'))"
line=$(printf '%s\n' "$out" | sed -n 2p)
ext_epoch=${line##*|}
if ! printf '%s' "$line" | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\|[0-9]+$'; then
    echo "FAIL extension times are not 'YYYY-MM-DD HH:MM:SS' parsed by unixepoch(): $line"
    fails=$((fails + 1))
elif [ $((ext_epoch - now)) -gt 300 ] || [ $((now - ext_epoch)) -gt 300 ]; then
    echo "FAIL extension created_time is $((ext_epoch - now)) s away from UTC now (not UTC)"
    fails=$((fails + 1))
else
    echo "ok   extension created_time is UTC ($((ext_epoch - now)) s from now)"
fi

# the same row seen by a client that does not pin the zone: Tokyo time (proves the check
# above can fail)
raw=$(mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root -p"$MO_PASSWORD" -N -B \
    -e "SHOW PITR WHERE pitr_name = 'tz_c'" 2>&1 | cut -f2)
raw_epoch=$(date -u -d "$raw" +%s 2>/dev/null || echo 0)
diff=$((raw_epoch - now))
if [ $diff -gt 31800 ] && [ $diff -lt 33000 ]; then
    echo "ok   a client without a pinned zone sees Tokyo time ($raw, +$diff s)"
else
    echo "FAIL mosim under TZ=Asia/Tokyo should render SHOW PITR in UTC+9 (got '$raw', $diff s)"
    fails=$((fails + 1))
fi

echo "timezone.sh: $fails failed"
[ "$fails" -eq 0 ]
