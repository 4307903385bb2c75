#!/usr/bin/env bash
# python_txn.sh: transactions through Python's sqlite3 module (issue 6).
#
# Covers: Debian's /usr/bin/python3 with the default isolation_level, where the module
# opens a transaction (BEGIN) before INSERT/UPDATE/DELETE by itself: writes are queued and
# reach the server only at commit(); rollback() sends nothing; reads before commit() see
# the queued rows; a failing commit() raises sqlite3.Error with the mo_pitr: message and
# leaves nothing applied. The server's state is checked through the runner's remote
# directive between the steps (the Python side waits for a go-ahead file).
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT, MOPITR_SLT exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOPITR_SLT:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-pytxn.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$(dirname "$0")/lib.bash"


run_remote "setup" "remote statement ok
CREATE DATABASE pyt1

remote statement ok
CREATE DATABASE pyt2"

# The Python side runs in the background and pauses at each step until the shell has
# checked the server (files step.N written by Python, go.N by the shell).
TMPD=$tmp /usr/bin/python3 - <<'EOF_PY' &
import os, sqlite3, sys, time
tmp = os.environ["TMPD"]
failed = 0
def step(n):
    open(os.path.join(tmp, "step.%d" % n), "w").close()
    for _ in range(600):
        if os.path.exists(os.path.join(tmp, "go.%d" % n)):
            return
        time.sleep(0.05)
    sys.exit("no go-ahead for step %d" % n)
def check(desc, want, got):
    global failed
    if want == got:
        print("ok   " + desc)
    else:
        failed += 1
        print("FAIL %s\n  expected: %r\n  actual:   %r" % (desc, want, got))

db = sqlite3.connect(":memory:")          # default isolation_level: implicit BEGIN
db.enable_load_extension(True)
db.load_extension(os.environ["MOPITR_EXT"])
db.execute("SELECT mo_connect(?)", ("mysql://root@127.0.0.1:%s" % os.environ["MO_PORT"],))
db.execute("INSERT INTO mo_pitr(name, database_name, range_value) VALUES (?, ?, ?)", ("pyt_a", "pyt1", 3))
check("in a transaction after INSERT", True, db.in_transaction)
check("the queued row is read back", [("pyt_a", 3)],
      db.execute("SELECT name, range_value FROM mo_pitr").fetchall())
step(1)                                   # shell: nothing on the server yet
db.commit()
step(2)                                   # shell: pyt_a exists
db.execute("UPDATE mo_pitr SET range_value = 9 WHERE name = 'pyt_a'")
db.execute("INSERT INTO mo_pitr(name, database_name) VALUES ('pyt_b', 'pyt2')")
db.rollback()
step(3)                                   # shell: pyt_a still 3, no pyt_b
db.execute("INSERT INTO mo_pitr(name, database_name) VALUES ('pyt_c', 'no_such_db')")
try:
    db.commit()
    check("commit of a PITR for a missing database fails", "error", "no error")
except sqlite3.Error as e:
    check("commit fails with the mo_pitr: COMMIT message", True,
          str(e).startswith("mo_pitr: COMMIT failed at statement 1 of 1"))
check("no transaction open after the failed commit", False, db.in_transaction)
db.close()
sys.exit(1 if failed else 0)
EOF_PY
py=$!

# wait_step N: wait for the Python side to reach step N (or to end).
wait_step() {
    for _ in $(seq 600); do
        [ -e "$tmp/step.$1" ] && return 0
        kill -0 "$py" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

if wait_step 1; then
    run_remote "nothing sent before commit()" "remote query I
SELECT count(*) FROM mo_catalog.mo_pitr WHERE pitr_name LIKE 'pyt%'
----
0"
fi
touch "$tmp/go.1"
if wait_step 2; then
    run_remote "commit() created pyt_a" "remote query TI
SELECT pitr_name, pitr_length FROM mo_catalog.mo_pitr WHERE pitr_name LIKE 'pyt%'
----
pyt_a 3"
fi
touch "$tmp/go.2"
if wait_step 3; then
    run_remote "rollback() sent nothing" "remote query TI
SELECT pitr_name, pitr_length FROM mo_catalog.mo_pitr WHERE pitr_name LIKE 'pyt%'
----
pyt_a 3"
fi
touch "$tmp/go.3"
wait "$py" || fails=$((fails + 1))
run_remote "the failed commit left nothing" "remote query TI
SELECT pitr_name, pitr_length FROM mo_catalog.mo_pitr WHERE pitr_name LIKE 'pyt%'
----
pyt_a 3"

echo "python_txn.sh: $fails failed"
[ "$fails" -eq 0 ]
