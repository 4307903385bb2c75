#!/usr/bin/env bash
# pymysql.sh: mosim conformance through Debian's python3-pymysql (1.0.2), no extension involved
# (issue 4 "Done when": pymysql can create, show, alter and drop a PITR of each level).
# Covers: connect (PyMySQL sends SET AUTOCOMMIT = 0 since autocommit=False is its default,
# protocol notes A9); spec 5 with autocommit=0: the first statement runs (no transaction is
# open yet) and opens the transaction, so the next PITR statement fails with 20101
# 'unclassified statement appears in uncommitted transaction' until COMMIT (spec 5 "once a
# statement has opened a transaction"; protocol notes A10); then, with autocommit=True,
# create/show/alter/drop of each level with value and type checks (spec 2.1), server errors
# as pymysql.err exceptions with MatrixOne's codes (3.1), and a wrong password (1045).
# Run: test/run-suite.sh test/conformance/pymysql.sh
set -u
: "${MO_PORT:?MO_PORT must be set (run through test/run-suite.sh)}"
exec /usr/bin/python3 - <<'PY'
import datetime, os, sys
import pymysql
from pymysql.constants import FIELD_TYPE

PORT = int(os.environ["MO_PORT"])
PW = os.environ.get("MO_PASSWORD", "111")
passed = failed = 0
TXN = "internal error: unclassified statement appears in uncommitted transaction"


def check(msg, expected, actual):
    global passed, failed
    if expected == actual:
        passed += 1
        print("ok - %s" % msg)
    else:
        failed += 1
        print("FAIL - %s\n  expected: %r\n  actual:   %r" % (msg, expected, actual))


def connect(user="root", password=PW, **kw):
    return pymysql.connect(host="127.0.0.1", port=PORT, user=user, password=password,
                           connect_timeout=10, read_timeout=30, write_timeout=30, **kw)


def run(conn, sql):
    """Execute sql; return (rows, None) or (None, (errno, message, exception class name))."""
    cur = conn.cursor()
    try:
        cur.execute(sql)
        return cur.fetchall(), None
    except pymysql.err.MySQLError as e:
        return None, (e.args[0], e.args[1] if len(e.args) > 1 else "", type(e).__name__)
    finally:
        cur.close()


def masked(rows):
    """SHOW PITR rows with the two datetime columns replaced by 'T' after a type check."""
    out = []
    for r in rows:
        ok = isinstance(r[1], datetime.datetime) and isinstance(r[2], datetime.datetime)
        out.append((r[0], "T" if ok else repr(r[1]), "T" if ok else repr(r[2])) + tuple(r[3:]))
    return out


# ---- autocommit=False (PyMySQL's default) ----------------------------------------------
c = connect()
check("PyMySQL default: autocommit off after connect", False, c.get_autocommit())
# spec 5: no transaction is open yet, so the first statement runs ...
rows, err = run(c, "show pitr")
check("autocommit=0: first statement (SHOW PITR) runs", (None, ()), (err, rows if rows is None else tuple(rows)))
# ... and has opened the transaction: PITR statements now fail (spec 5, notes A10)
rows, err = run(c, "show pitr")
check("autocommit=0: SHOW PITR inside the open transaction", (20101, TXN), err and err[:2])
rows, err = run(c, "create pitr t1 for account range 1 'h'")
check("autocommit=0: CREATE PITR inside the open transaction", (20101, TXN), err and err[:2])
c.commit()
c.autocommit(True)
rows, err = run(c, "drop pitr t1")
check("nothing was created inside the transaction", (20101, "internal error: pitr t1 does not exist"), err and err[:2])
# explicit BEGIN with autocommit on (spec 5)
c.begin()
rows, err = run(c, "alter pitr nosuch range 1 'h'")
check("BEGIN: ALTER PITR refused", (20101, TXN), err and err[:2])
c.rollback()
c.close()

# ---- autocommit=True: create, show, alter, drop each level --------------------------------
c = connect(autocommit=True)
for sql in ["create database db01", "use db01", "create table t01 (a int)",
            "create account acc01 admin_name 'admin1' identified by '111'"]:
    rows, err = run(c, sql)
    check("setup: " + sql, None, err)

creates = [
    ("c1", "create pitr c1 for cluster range 1 'h'", ("cluster", "*", "*", "*", 1, "h")),
    ("a1", "create pitr a1 for account range 2 'd'", ("account", "sys", "*", "*", 2, "d")),
    ("a2", "create pitr a2 for account acc01 range 3 'mo'", ("account", "acc01", "*", "*", 3, "mo")),
    ("d1", "create pitr d1 for database db01 range 4 'y'", ("database", "sys", "db01", "*", 4, "y")),
    ("t1", "create pitr t1 for table db01 t01 range 5 'h'", ("table", "sys", "db01", "t01", 5, "h")),
]
for name, sql, _ in creates:
    cur = c.cursor()
    try:
        n = cur.execute(sql)
        check(sql + " -> OK, 0 rows", (0, None), (n, cur.description))
    except pymysql.err.MySQLError as e:
        check(sql, "OK", repr(e))
    cur.close()

cur = c.cursor()
cur.execute("show pitr")
desc = cur.description
rows = cur.fetchall()
cur.close()
check("SHOW PITR column names", ["PITR_NAME", "CREATED_TIME", "MODIFIED_TIME", "PITR_LEVEL",
      "ACCOUNT_NAME", "DATABASE_NAME", "TABLE_NAME", "PITR_LENGTH", "PITR_UNIT"], [d[0] for d in desc])
# spec 2.1 [Guess there]: DATETIME for the times, TINYINT for the length
check("SHOW PITR time columns are DATETIME", [FIELD_TYPE.DATETIME] * 2, [desc[1][1], desc[2][1]])
check("SHOW PITR_LENGTH is TINY", FIELD_TYPE.TINY, desc[7][1])
# MatrixOne sends MYSQL_TYPE_VARCHAR for varchar columns; VAR_STRING would do as well
check("SHOW PITR text columns are VARCHAR/VAR_STRING", [True] * 6,
      [desc[i][1] in (FIELD_TYPE.VARCHAR, FIELD_TYPE.VAR_STRING) for i in (0, 3, 4, 5, 6, 8)])
want = [(n, "T", "T") + v for n, _, v in reversed(creates)]
check("SHOW PITR rows, newest first (spec 2.1)", want, masked(rows))
check("CREATED_TIME = MODIFIED_TIME after CREATE", [True] * len(rows), [r[1] == r[2] for r in rows])

rows, err = run(c, "show pitr where pitr_level = 'account' and pitr_length > 2")
check("SHOW PITR WHERE", [("a2", "T", "T", "account", "acc01", "*", "*", 3, "mo")], masked(rows or []))
cur = c.cursor()
cur.execute("show pitr where pitr_name = 'c1'")
check("SHOW PITR WHERE column names are upper case (spec 2.3 [Real])",
      ["PITR_NAME", "CREATED_TIME", "MODIFIED_TIME", "PITR_LEVEL", "ACCOUNT_NAME",
       "DATABASE_NAME", "TABLE_NAME", "PITR_LENGTH", "PITR_UNIT"], [d[0] for d in cur.description])
cur.close()

for name, _, _ in creates[:5]:
    rows, err = run(c, "alter pitr %s range 10 'D'" % name)
    check("alter pitr %s" % name, None, err)
rows, err = run(c, "show pitr")
check("after ALTER: 10 d everywhere", [(n, 10, "d") for n, _, _ in reversed(creates)],
      [(r[0], r[7], r[8]) for r in rows or []])

# errors as pymysql exceptions (spec 3.1: 20101/HY000 internal, 1064 parse)
rows, err = run(c, "create pitr T2 range 6 'H'")
check("form 6 collides with a1", (20101, "internal error: account `sys` already has a pitr", "OperationalError"), err)
rows, err = run(c, "create pitr x for account range 0 'h'")
check("invalid pitr value 0", (20101, "internal error: invalid pitr value 0"), err and err[:2])
rows, err = run(c, "create pitr p for table db01 table t01 range 1 'h'")
check("FOR TABLE db TABLE t is a syntax error (1064, ProgrammingError)", (1064, "ProgrammingError"), err and (err[0], err[2]))
check("syntax error text", True, bool(err) and "syntax error at line 1 column 34 near \" table t01 range 1 'h'\";" in err[1])

for name, _, _ in creates[:5]:
    rows, err = run(c, "drop pitr %s" % name)
    check("drop pitr %s" % name, None, err)
rows, err = run(c, "show pitr")
check("all dropped", (), tuple(rows) if rows is not None else err)
rows, err = run(c, "drop pitr c1")
check("drop again: does not exist", (20101, "internal error: pitr c1 does not exist"), err and err[:2])
c.close()

# ---- another account, and a wrong password ------------------------------------------------
a = connect(user="acc01:admin1", password="111", autocommit=True)
rows, err = run(a, "create pitr mine for account range 1 'h'")
check("acc01 creates its own", None, err)
rows, err = run(a, "show pitr")
check("acc01 SHOW PITR", [("mine", "T", "T", "account", "acc01", "*", "*", 1, "h")], masked(rows or []))
a.close()
try:
    connect(password="wrong")
    check("wrong password refused", "OperationalError 1045", "connected")
except pymysql.err.OperationalError as e:
    check("wrong password refused (1045)", 1045, e.args[0])

print("%d passed, %d failed, 0 skipped" % (passed, failed))
sys.exit(1 if failed else 0)
PY
