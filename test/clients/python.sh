#!/usr/bin/env bash
# python.sh: the extension in Python's sqlite3 module (issue 5, "Where it must work").
#
# Covers: Debian's /usr/bin/python3 sqlite3 module: enable_load_extension, load_extension
# (with and without the .so suffix), mo_connect, INSERT / SELECT / UPDATE / DELETE with
# bound parameters; two SQLite connections in one process, each with its own MatrixOne
# connection (sys and acc01), used interleaved (a cursor of one open while the other
# writes) and then from two threads at once; closing one leaves the other working. The
# server's final state is checked through the runner's remote directive.
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT, MOPITR_SLT exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOPITR_SLT:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-py.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$(dirname "$0")/lib.bash"


run_remote "setup" "remote statement ok
CREATE DATABASE pydb

remote statement ok
CREATE DATABASE pydb2

remote statement ok
CREATE ACCOUNT pyacc ADMIN_NAME 'padmin' IDENTIFIED BY 'Py-acc-pw'

remote connection acc user=pyacc:padmin password=Py-acc-pw

remote statement ok
CREATE DATABASE adb"

/usr/bin/python3 - <<'EOF' || fails=$((fails + 1))
import os, sqlite3, sys, threading

ext = os.environ["MOPITR_EXT"]
port = os.environ["MO_PORT"]
failed = 0

def check(desc, want, got):
    global failed
    if want == got:
        print("ok   " + desc)
    else:
        failed += 1
        print("FAIL %s\n  expected: %r\n  actual:   %r" % (desc, want, got))

def open_db(path):
    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(path)
    db.enable_load_extension(False)
    return db

# --- load (with the .so suffix, and without), connect, write, read
a = open_db(ext)
b = open_db(ext[:-3] if ext.endswith(".so") else ext)
check("mo_pitr_version() is the CMake project version", True,
      a.execute("SELECT mo_pitr_version()").fetchone()[0].startswith(
          os.environ["MOPITR_VERSION"] + " (libmariadb "))
desc = a.execute("SELECT mo_connect(?)", ("mysql://root@127.0.0.1:%s" % port,)).fetchone()[0]
check("connection A describes root@127.0.0.1:PORT", True, ("root@127.0.0.1:%s" % port) in desc)
desc = b.execute("SELECT mo_connect(?)",
                 ("mysql://padmin:Py-acc-pw@127.0.0.1:%s?account=pyacc" % port,)).fetchone()[0]
check("connection B describes padmin@127.0.0.1:PORT", True, ("padmin@127.0.0.1:%s" % port) in desc)
check("B's description has no password", False, "Py-acc-pw" in desc)

a.execute("INSERT INTO mo_pitr(name, level, database_name, range_value, range_unit) VALUES (?, ?, ?, ?, ?)",
          ("py_a", "database", "pydb", 7, "d"))
b.execute("INSERT INTO mo_pitr(name, level, range_value, range_unit) VALUES (?, ?, ?, ?)",
          ("py_b", "account", 2, "mo"))
check("A sees only sys's PITRs", [("py_a", "database", "sys", "pydb", None, 7, "d")],
      a.execute("SELECT name, level, account_name, database_name, table_name, range_value, range_unit"
                " FROM mo_pitr ORDER BY name").fetchall())
check("B sees only pyacc's PITRs", [("py_b", "account", "pyacc", None, None, 2, "mo")],
      b.execute("SELECT name, level, account_name, database_name, table_name, range_value, range_unit"
                " FROM mo_pitr ORDER BY name").fetchall())
check("A's mo_connections", [("default", "root")],
      a.execute("SELECT name, user FROM mo_connections").fetchall())
check("B's mo_connections", [("default", "padmin")],
      b.execute("SELECT name, user FROM mo_connections").fetchall())

# --- interleaved: A's cursor open while B writes and reads
a.execute("INSERT INTO mo_pitr(name, level, database_name) VALUES ('py_a2', 'database', 'pydb2')")
cur = a.execute("SELECT name FROM mo_pitr ORDER BY name")
first = cur.fetchone()
b.execute("UPDATE mo_pitr SET range_value = 5, range_unit = 'h' WHERE name = 'py_b'")
check("B's update seen by B while A's cursor is open", [(5, "h")],
      b.execute("SELECT range_value, range_unit FROM mo_pitr WHERE name = 'py_b'").fetchall())
check("A's cursor finishes with A's rows", [("py_a",), ("py_a2",)], [first] + cur.fetchall())
a.execute("DELETE FROM mo_pitr WHERE name = ?", ("py_a2",))
check("A deleted py_a2", 0, a.execute("SELECT count(*) FROM mo_pitr WHERE name = 'py_a2'").fetchone()[0])

# --- two threads, each on its own SQLite + MatrixOne connection, at once
errors = []
def worker(db, name, dbname, rounds):
    try:
        for i in range(rounds):
            db.execute("INSERT INTO mo_pitr(name, level, database_name, range_value, range_unit)"
                       " VALUES (?, 'database', ?, ?, 'h')", (name, dbname, i + 1))
            got = db.execute("SELECT range_value FROM mo_pitr WHERE name = ?", (name,)).fetchall()
            if got != [(i + 1,)]:
                errors.append("%s round %d read %r" % (name, i, got))
            db.execute("UPDATE mo_pitr SET range_value = ? WHERE name = ?", (i + 2, name))
            db.execute("DELETE FROM mo_pitr WHERE name = ?", (name,))
    except Exception as e:  # report, do not hang the other thread
        errors.append("%s: %s" % (name, e))

ta = threading.Thread(target=worker, args=(a, "py_ta", "pydb2", 25))
tb = threading.Thread(target=worker, args=(b, "py_tb", "adb", 25))
ta.start(); tb.start(); ta.join(60); tb.join(60)
check("two threads, two connections: no error", [], errors)
check("threads finished", (False, False), (ta.is_alive(), tb.is_alive()))

# --- closing A leaves B working
a.close()
check("B still works after A closed", [("py_b",)], b.execute("SELECT name FROM mo_pitr").fetchall())

# --- errors reach Python as sqlite3 exceptions with the mo_pitr: message
try:
    b.execute("INSERT INTO mo_pitr(name, level) VALUES ('py_bad', 'cluster')")
    check("cluster PITR from pyacc fails", "error", "no error")
except sqlite3.Error as e:
    check("cluster PITR from pyacc fails with a mo_pitr: message", True, str(e).startswith("mo_pitr: "))
try:
    b.execute("INSERT INTO mo_pitr(name) VALUES ('py b')")
    check("a name with a space is refused", "error", "no error")
except sqlite3.Error as e:
    check("a name with a space is refused with a mo_pitr: message", True, str(e).startswith("mo_pitr: "))
b.close()
sys.exit(1 if failed else 0)
EOF

run_remote "final state (sys)" "remote statement error pitr py_a already exists
CREATE PITR py_a FOR DATABASE no_such_db RANGE 1 'd'

remote query TTTTTTTTT
SHOW PITR WHERE pitr_name <> 'py_a' OR NOT (pitr_level = 'database' AND database_name = 'pydb' AND pitr_length = 7 AND pitr_unit = 'd')
----
"

run_remote "final state (pyacc)" "remote connection acc user=pyacc:padmin password=Py-acc-pw

remote statement error pitr py_b already exists
CREATE PITR py_b FOR DATABASE no_such_db RANGE 1 'd'

remote query TTTTTTTTT
SHOW PITR WHERE pitr_name <> 'py_b' OR NOT (pitr_level = 'account' AND account_name = 'pyacc' AND pitr_length = 5 AND pitr_unit = 'h')
----
"

echo "python.sh: $fails failed"
[ "$fails" -eq 0 ]
