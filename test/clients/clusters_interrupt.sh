#!/usr/bin/env bash
# clusters_interrupt.sh: sqlite3_interrupt() during a fan-out (issue 16), from Debian's
# python3 in a second thread, over 3 mosims.
# mosims: 3
#
# Covers: (1) mo_pitr_all waiting for two stalled clusters (MOSIM FAULT STALL on c2 and
# c3; c1 answers) is ended by conn.interrupt() after 0.3 s: SQLITE_INTERRUPT, the error
# names the two connections it was waiting for, it comes long before read_timeout (30 s),
# and the next fan-out on the same SQLite connection reads every cluster again (the
# stalled handles were closed and reconnect); (2) the same in report mode: an interrupt is
# never turned into an error row; (3) a slow cluster (DELAY 2000) is interrupted the same
# way; (4) the connections' own handles were not touched (mo_connections: connected).
#
# Run by test/run-suite.sh, which starts the clusters for the `# mosims:` line above and
# exports MOSIMCTL, MO_PITR_CONFIG, MOPITR_EXT.
set -u
: "${MOSIMCTL:?}" "${MO_PITR_CONFIG:?}" "${MOPITR_EXT:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-clintr.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

ctl() { "$MOSIMCTL" "$@" || fails=$((fails + 1)); }

cat >"$tmp/case.py" <<'EOF'
import os, sqlite3, sys, threading, time

failed = 0

def check(desc, ok, detail=""):
    global failed
    print(("ok   " if ok else "FAIL ") + desc + ("" if ok else "\n    " + str(detail)))
    if not ok:
        failed += 1

db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
db.enable_load_extension(True)
db.load_extension(os.environ["MOPITR_EXT"])
check("connect_all", db.execute("SELECT mo_connect_all()").fetchone()[0] ==
      "connected 3 clusters: c1, c2, c3")
check("first fan-out reads 3 rows", db.execute("SELECT count(*) FROM mo_pitr_all").fetchone()[0] == 3)

def timed(sql, interrupt_after):
    t = threading.Timer(interrupt_after, db.interrupt)
    t.start()
    t0 = time.monotonic()
    err = None
    try:
        db.execute(sql).fetchall()
    except sqlite3.Error as e:
        err = e
    t.join()
    return err, time.monotonic() - t0

def arm(what):
    for i in (2, 3):
        if os.spawnlp(os.P_WAIT, os.environ["MOSIMCTL"], "mosimctl", str(i), "sql", what) != 0:
            check("arm %s on c%d" % (what, i), False)

for case, fault, sql in (
        ("stall", "MOSIM FAULT STALL MATCH 'show pitr'", "SELECT count(*) FROM mo_pitr_all"),
        ("stall, report mode", "MOSIM FAULT STALL MATCH 'show pitr'",
         "SELECT count(*) FROM mo_pitr_all(NULL, 'report')"),
        ("delay", "MOSIM FAULT DELAY 2000", "SELECT count(*) FROM mo_pitr_all")):
    arm(fault)
    err, dt = timed(sql, 0.3)
    text = str(err) if err else ""
    check("%s: interrupted" % case, err is not None and
          getattr(err, "sqlite_errorname", "SQLITE_INTERRUPT") == "SQLITE_INTERRUPT" and
          text.startswith("mo_pitr: interrupted while waiting for connections 'c2', 'c3'; "
                          "their fan-out handles were closed (they reconnect on next use)"), text)
    check("%s: long before read_timeout (%.2f s)" % (case, dt), dt < 10, dt)
    if fault.startswith("MOSIM FAULT DELAY"):
        arm("MOSIM FAULT DELAY 0")
    rows = db.execute("SELECT connection, count(*) FROM mo_pitr_all GROUP BY connection "
                      "ORDER BY connection").fetchall()
    check("%s: the next fan-out reads every cluster" % case,
          rows == [("c1", 1), ("c2", 1), ("c3", 1)], rows)

rows = db.execute("SELECT name, state FROM mo_connections ORDER BY name").fetchall()
check("the connections' own handles stayed connected",
      rows == [("c1", "connected"), ("c2", "connected"), ("c3", "connected")], rows)
sys.exit(1 if failed else 0)
EOF

for i in 1 2 3; do
    ctl "$i" sql "CREATE DATABASE idb$i" "CREATE PITR ip$i FOR DATABASE idb$i RANGE $i 'd'"
done
/usr/bin/python3 "$tmp/case.py" || fails=$((fails + 1))

# Nothing is left armed on any cluster.
for i in 1 2 3; do ctl "$i" query "MOSIM STATUS" ""; done
[ $fails -eq 0 ] && echo "clusters_interrupt: all checks passed"
exit $((fails > 0))
