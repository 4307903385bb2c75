#!/usr/bin/env bash
# restore_interrupt.sh: a restore waiting for its reply, from Debian's python3 (issue 14).
#
# Covers: a RESTORE the server never answers (MOSIM FAULT STALL MATCH 'restore') on a
# connection with read_timeout=1 is not ended by read_timeout (a restore has its own
# timeout, none by default): conn.interrupt() from another thread after 2.5 s ends it, the
# error says it was interrupted and that the restore may still be running on the server,
# and it was sent exactly once; the same SQLite connection works afterwards (a dry run).
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT, MOPITR_SLT, MOSIM_LOG exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOPITR_SLT:?}" "${MOSIM_LOG:?}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-rintr.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
# shellcheck source=lib.bash
. "$here/lib.bash"

run_remote "a database and its PITR" "remote statement ok
CREATE DATABASE ri1

remote statement ok
CREATE PITR p_ri FOR DATABASE ri1 RANGE 1 'd'
"
sleep 2.1 # the window starts one second after the creation second
run_remote "the server stalls on RESTORE" "remote statement ok
MOSIM FAULT STALL MATCH 'restore'
"

out=$(/usr/bin/python3 - <<'EOF' 2>&1
import os, sqlite3, threading, time
ext, port = os.environ["MOPITR_EXT"], os.environ["MO_PORT"]
db = sqlite3.connect(":memory:", check_same_thread=False)
db.enable_load_extension(True)
db.load_extension(ext)
db.execute("SELECT mo_connect('mysql://root:%s@127.0.0.1:%s?read_timeout=1')"
           % (os.environ["MO_PASSWORD"], port))
ts = db.execute("SELECT earliest_restorable FROM mo_pitr WHERE name = 'p_ri'").fetchone()[0]
threading.Timer(2.5, db.interrupt).start()
t0 = time.monotonic()
try:
    db.execute("SELECT mo_restore_database('p_ri', 'ri1', ?)", (ts,)).fetchone()
    print("result: no error")
except sqlite3.Error as e:
    print("error:", e)
print("elapsed: %.1f" % (time.monotonic() - t0))
print("after:", db.execute("SELECT mo_restore_database_dry_run('p_ri', 'ri1', ?) LIKE 'RESTORE %'",
                           (ts,)).fetchone()[0])
EOF
)
echo "$out"
check_has "interrupted, not ended by read_timeout" \
    "error: mo_pitr: no reply to the restore of database 'ri1': interrupted while waiting" "$out"
check_has "the error says it was interrupted" "interrupted while waiting for" "$out"
check_has "the error says the restore may still be running" \
    "the restore may still be running on the server: it was not sent again" "$out"
elapsed=$(printf '%s\n' "$out" | sed -n 's/^elapsed: //p')
check "waited past read_timeout (1 s) until the interrupt (2.5 s)" 1 \
    "$(awk -v e="${elapsed:-0}" 'BEGIN { print (e >= 2.3 && e < 6) ? 1 : 0 }')"
check_has "the connection works afterwards" "after: 1" "$out"
check "RESTORE was sent exactly once" 1 "$(grep -c "	RESTORE DATABASE \`ri1\`" "$MOSIM_LOG")"

echo "restore_interrupt.sh: $checks checks, $fails failed"
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
