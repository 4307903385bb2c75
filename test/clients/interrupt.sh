#!/usr/bin/env bash
# interrupt.sh: timeouts and sqlite3_interrupt() from Debian's python3 (issue 7).
#
# Covers: (1) a scan waiting for a stalled server (MOSIM FAULT STALL) is ended by
# conn.interrupt() from another thread after 0.3 s: the error says "interrupted" and comes
# in under 1 s, and the next query on the same SQLite connection works (the handle was
# closed and reconnects); (2) the same with a slow server (MOSIM FAULT DELAY 500);
# (3) an interrupted write (STALL on CREATE PITR) ends the same way and reports that the
# outcome is unknown; (4) a stalled server and read_timeout=1: the error comes after about
# 1 s (between 0.9 and 2.5 s), not 30; (5) a listener that accepts and never sends a
# greeting: mo_connect fails within connect_timeout=1 (under 2.5 s) with "connect_timeout";
# (6) sqlite3_interrupt with nothing to wait for (a scan of rows already received) still
# ends the statement and the connection stays usable; (7) mo_connect() to a listener that
# never greets is ended by sqlite3_interrupt() within 1 s (connect_timeout is 10 s).
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT, MOPITR_SLT exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOPITR_SLT:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-intr.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0

# remote TEST-TEXT: run records on the server through the runner (no extension).
remote() {
    printf '%s\n' "$1" >"$tmp/remote.test"
    if ! "$MOPITR_SLT" --no-ext "$tmp/remote.test" >"$tmp/remote.out" 2>&1; then
        echo "FAIL remote: $1"; sed 's/^/    /' "$tmp/remote.out"; fails=$((fails + 1))
    fi
}

# py CASE: run the python part for one case (the script below), counting failures.
py() {
    /usr/bin/python3 "$tmp/case.py" "$@" || fails=$((fails + 1))
}

cat >"$tmp/case.py" <<'EOF'
import os, socket, sqlite3, sys, threading, time

ext, port, case = os.environ["MOPITR_EXT"], os.environ["MO_PORT"], sys.argv[1]
failed = 0

def check(desc, ok, detail=""):
    global failed
    print(("ok   " if ok else "FAIL ") + desc + ("" if ok else "\n    " + str(detail)))
    if not ok:
        failed += 1

def open_db(dsn="mysql://root@127.0.0.1:%s" % port):
    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(ext)
    db.execute("SELECT mo_connect(?)", (dsn,))
    return db

def timed(db, sql, interrupt_after=None):
    """Run sql; return (error text or None, rows, seconds)."""
    t = None
    if interrupt_after is not None:
        t = threading.Timer(interrupt_after, db.interrupt)
        t.start()
    t0 = time.monotonic()
    err, rows = None, None
    try:
        rows = db.execute(sql).fetchall()
    except sqlite3.Error as e:
        err = str(e)
    dt = time.monotonic() - t0
    if t:
        t.join()
    return err, rows, dt

if case == "setup":
    db = open_db()
    for i in range(1, 4):
        db.execute("INSERT INTO mo_pitr(name, database_name, range_value, range_unit) "
                   "VALUES (?, ?, ?, 'd')", ("i%d" % i, "idb%d" % i, i))
    check("setup: 3 PITRs", db.execute("SELECT count(*) FROM mo_pitr").fetchone()[0] == 3)

elif case in ("stall", "delay"):
    db = open_db()
    err, rows, dt = timed(db, "SELECT name FROM mo_pitr", interrupt_after=0.3)
    check("%s: the scan is interrupted" % case, err is not None and "interrupted" in err, err)
    check("%s: within 1 s of its start (%.2f s)" % (case, dt), dt < 1.0, dt)
    err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr")
    check("%s: the next query on the same connection works" % case,
          err is None and rows == [(3,)], (err, rows))

elif case == "write":
    db = open_db()
    err, rows, dt = timed(db, "INSERT INTO mo_pitr(name, database_name) VALUES ('iw', 'idb4')",
                          interrupt_after=0.3)
    check("write: interrupted", err is not None and "interrupted" in err, err)
    check("write: within 1 s (%.2f s)" % dt, dt < 1.0, dt)
    err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr WHERE name = 'iw'")
    check("write: the next query works; STALL executed nothing",
          err is None and rows == [(0,)], (err, rows))

elif case == "timeout":
    db = open_db("mysql://root@127.0.0.1:%s?read_timeout=1" % port)
    err, rows, dt = timed(db, "SELECT name FROM mo_pitr")
    check("timeout: read_timeout error", err is not None and "read_timeout" in err
          and err.startswith("mo_pitr: "), err)
    check("timeout: after about 1 s (%.2f s)" % dt, 0.9 <= dt < 2.5, dt)
    err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr")
    check("timeout: the next query works", err is None and rows == [(3,)], (err, rows))

elif case == "greeting":
    # A listener that accepts and never says anything.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    held = []
    def accept():
        srv.settimeout(5)
        try:
            held.append(srv.accept()[0])
        except OSError:
            pass
    th = threading.Thread(target=accept)
    th.start()
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(ext)
    t0 = time.monotonic()
    err = None
    try:
        db.execute("SELECT mo_connect('host=127.0.0.1 port=%d user=root connect_timeout=1')"
                   % srv.getsockname()[1])
    except sqlite3.Error as e:
        err = str(e)
    dt = time.monotonic() - t0
    th.join()
    for c in held:
        c.close()
    srv.close()
    check("greeting: mo_connect fails with connect_timeout", err is not None and
          err.startswith("mo_pitr: cannot connect to root@127.0.0.1:") and
          "connect_timeout" in err, err)
    check("greeting: within connect_timeout (%.2f s)" % dt, dt < 2.5, dt)

elif case == "connect_intr":
    # The same silent listener, the default connect_timeout (10 s): sqlite3_interrupt from
    # another thread after 0.3 s ends mo_connect() at once.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    held = []
    def accept():
        srv.settimeout(5)
        try:
            held.append(srv.accept()[0])
        except OSError:
            pass
    th = threading.Thread(target=accept)
    th.start()
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    db.enable_load_extension(True)
    db.load_extension(ext)
    err, rows, dt = timed(db, "SELECT mo_connect('host=127.0.0.1 port=%d user=root')"
                          % srv.getsockname()[1], interrupt_after=0.3)
    th.join()
    for c in held:
        c.close()
    srv.close()
    check("connect_intr: mo_connect is interrupted", err is not None and "interrupt" in err, err)
    check("connect_intr: within 1 s (%.2f s)" % dt, dt < 1.0, dt)
    err, rows, dt = timed(db, "SELECT count(*) FROM mo_connections")
    check("connect_intr: no connection was kept", err is None and rows == [(0,)], (err, rows))

elif case == "fast":
    db = open_db()
    # Interrupt before the statement: SQLite clears the flag when a statement starts on an
    # idle connection, so interrupt from inside (a scan of three rows, one call per row).
    n = [0]
    def step(*a):
        n[0] += 1
        if n[0] == 2:
            db.interrupt()
        return 1
    db.create_function("tick", 1, step)
    err, rows, dt = timed(db, "SELECT tick(name) FROM mo_pitr")
    check("fast: interrupted mid-stream", err is not None and "interrupt" in err, err)
    err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr")
    check("fast: the next query works", err is None and rows == [(3,)], (err, rows))

sys.exit(1 if failed else 0)
EOF

remote "remote statement ok
CREATE DATABASE idb1

remote statement ok
CREATE DATABASE idb2

remote statement ok
CREATE DATABASE idb3

remote statement ok
CREATE DATABASE idb4"
py setup

remote "remote statement ok
MOSIM FAULT STALL MATCH 'show pitr'"
py stall

remote "remote statement ok
MOSIM FAULT DELAY 500"
py delay
remote "remote statement ok
MOSIM FAULT DELAY 0"

remote "remote statement ok
MOSIM FAULT STALL MATCH 'create pitr'"
py write

remote "remote statement ok
MOSIM FAULT STALL MATCH 'show pitr'"
py timeout

py greeting
py connect_intr
py fast

# Nothing left armed, and the server holds exactly the three PITRs.
remote "remote query TTT
MOSIM STATUS
----

remote query T rowsort
SELECT pitr_name FROM mo_catalog.mo_pitr WHERE pitr_name LIKE 'i%'
----
i1
i2
i3"

[ $fails -eq 0 ] && echo "interrupt.sh: all passed" || echo "interrupt.sh: $fails failed"
[ $fails -eq 0 ]
