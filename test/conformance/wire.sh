#!/usr/bin/env bash
# wire.sh: mosim conformance on the wire (spec 2.1, 7, 8.6 [Real]), seen through a strict raw
# client (test/mosim/tests/wireclient.py) that shows what libmariadb and PyMySQL hide.
# Covers: the capability flags (0x013BA68F, with CLIENT_DEPRECATE_EOF); the status flags
# (0x0002 in the greeting, 0x0810 on the login OK, 0x0812 on OKs and final EOF/OK, IN_TRANS
# in a transaction, MORE_RESULTS on non-final results); result sets ending with an OK packet
# (header 0xFE, no EOF after the definitions) for a client that asks for DEPRECATE_EOF and
# with two EOFs for one that does not, for result sets with rows, without rows and inside a
# multi-statement; column types and NOT NULL flags of SHOW PITR with and without WHERE (and
# upper-case headers), SHOW RECOVERY_WINDOW, version(), current_user(), current_role(),
# @@autocommit / @@time_zone / @@version_comment (text, type 252), SHOW VARIABLES.
# Both modes: run as is, the server must offer DEPRECATE_EOF; with MOSIM_EXTRA_ARGS holding
# --no-deprecate-eof (mosim's option, ctest conformance-eof.wire) it must not, and every
# client gets EOF-terminated result sets even when it asks.
# Run: test/run-suite.sh test/conformance/wire.sh   (or against any server: MO_PORT=6001 ...)
set -u
: "${MO_PORT:?MO_PORT must be set (run through test/run-suite.sh)}"
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$here/../mosim/tests${PYTHONPATH:+:$PYTHONPATH}"
exec timeout 120 /usr/bin/python3 - <<'PY'
import os
import wireclient as w

HOST = os.environ.get("MO_HOST", "127.0.0.1")
PORT = int(os.environ["MO_PORT"])
PW = os.environ.get("MO_PASSWORD", "111")
OFFERED = "--no-deprecate-eof" not in os.environ.get("MOSIM_EXTRA_ARGS", "")
passed = failed = 0

T_TINY, T_DATETIME, T_VARCHAR, T_JSON, T_BLOB, T_VAR_STRING = 1, 12, 15, 245, 252, 253
NOT_NULL = 1


def check(msg, expected, actual):
    global passed, failed
    if expected == actual:
        passed += 1
        print("ok - %s" % msg)
    else:
        failed += 1
        print("FAIL - %s\n  expected: %r\n  actual:   %r" % (msg, expected, actual))


def conn(ask, **kw):
    return w.Conn(PORT, host=HOST, password=PW, deprecate_eof=ask, timeout=30, **kw)


def types(rows):
    """(name, type code, NOT NULL) of each column."""
    return [(c["name"], c["type"], bool(c["flags"] & NOT_NULL)) for c in rows.cols]


mode = "offered" if OFFERED else "not offered (--no-deprecate-eof)"
print("# spec 7: capabilities; CLIENT_DEPRECATE_EOF %s" % mode)
c = conn(False)
check("capability flags", 0x013BA68F if OFFERED else 0x003BA68F, c.server_caps)
check("greeting status (AUTOCOMMIT)", 0x0002, c.greeting_status)
check("login OK status (0x0810, as MatrixOne's)", 0x0810, c.status)
c.close()

setup = conn(False)
for sql in ("create database if not exists wdb", "create table if not exists wdb.wt (a int)",
            "drop pitr if exists wire_p", "create pitr wire_p for table wdb wt range 1 'd'"):
    setup.query1(sql)

SHOW_PITR = [("PITR_NAME", T_VAR_STRING, True), ("CREATED_TIME", T_DATETIME, False),
             ("MODIFIED_TIME", T_DATETIME, False), ("PITR_LEVEL", T_VAR_STRING, True),
             ("ACCOUNT_NAME", T_VAR_STRING, False), ("DATABASE_NAME", T_VAR_STRING, False),
             ("TABLE_NAME", T_VAR_STRING, False), ("PITR_LENGTH", T_TINY, False),
             ("PITR_UNIT", T_VAR_STRING, False)]

for ask in (False, True):
    okend = ask and OFFERED
    end = "ok" if okend else "eof"
    tag = "client %s DEPRECATE_EOF" % ("asks for" if ask else "does not ask for")
    print("# spec 7: result sets, %s (server: %s)" % (tag, mode))
    c = conn(ask)
    check("%s: negotiated" % tag, okend, c.deprecate_eof)
    r = c.query1("select 1")
    check("%s: select 1 ends with %s" % (tag, end), end, r.end)
    check("%s: status 0x0812 on the final packet" % tag, 0x0812, r.status)
    # (its status: AUTOCOMMIT; a real MatrixOne adds IN_TRANS there for SELECTs, mosim not)
    check("%s: EOF after the definitions only without DEPRECATE_EOF" % tag,
          None if okend else 0x0002, r.status_defs if okend else r.status_defs & 0x0002)
    check("%s: select 1 rows" % tag, [[b"1"]], r.rows)
    r = c.query1("show pitr where pitr_name = 'nosuch'")
    check("%s: empty result ends with %s" % (tag, end), (end, []), (r.end, r.rows))
    r = c.query("select 1; show pitr where pitr_name = 'wire_p'; select 2")
    check("%s: multi-statement, three results" % tag, 3, len(r))
    check("%s: each ends with %s" % (tag, end), [end] * 3, [getattr(x, "end", x) for x in r])
    check("%s: MORE_RESULTS on the non-final ones" % tag, [0x081A, 0x081A, 0x0812],
          [getattr(x, "status", None) for x in r])
    check("%s: rows of the multi-statement" % tag, [[b"1"]], r[0].rows)
    check("%s: statement OK status" % tag, 0x0812, c.query1("set @v = 1").status)
    check("%s: IN_TRANS after BEGIN" % tag, 0x0813, c.query1("begin").status)
    check("%s: IN_TRANS on a result inside it" % tag, (end, 0x0813), (c.query1("select 1").end,
          c.query1("select 1").status))
    check("%s: COMMIT" % tag, 0x0812, c.query1("commit").status)

    print("# spec 2.1, 2.3 [Real]: SHOW PITR column types, NOT NULL flags, upper-case headers")
    r = c.query1("show pitr")
    check("%s: SHOW PITR" % tag, SHOW_PITR, types(r))
    check("%s: SHOW PITR ends with %s" % (tag, end), end, r.end)
    r = c.query1("show pitr where pitr_name = 'wire_p'")
    check("%s: SHOW PITR WHERE" % tag, SHOW_PITR, types(r))
    check("%s: SHOW PITR WHERE row" % tag, [b"wire_p", b"table", b"wdb", b"wt", b"1", b"d"],
          [r.rows[0][i] for i in (0, 3, 5, 6, 7, 8)] if len(r.rows) == 1 else r.rows)

    print("# spec 8.6 [Real]: SHOW RECOVERY_WINDOW, four VARCHAR (15) and one JSON-range (245)")
    r = c.query1("show recovery_window for database wdb")
    check("%s: SHOW RECOVERY_WINDOW types" % tag,
          [("RecoveryWindowLevel", T_VARCHAR), ("AccountName", T_VARCHAR),
           ("DatabaseName", T_VARCHAR), ("TableName", T_VARCHAR), ("RecoveryWindows", T_JSON)],
          [(n, t) for n, t, _ in types(r)])
    check("%s: SHOW RECOVERY_WINDOW ends with %s" % (tag, end), end, r.end)

    print("# spec 7 [Real]: session functions and variables")
    r = c.query1("select version()")
    check("%s: version() VAR_STRING NOT NULL" % tag, [("version()", T_VAR_STRING, True)], types(r))
    check("%s: version() 8.0.30-MatrixOne-v..." % tag, True,
          r.rows[0][0].startswith(b"8.0.30-MatrixOne-v"))
    r = c.query1("select current_user(), current_role()")
    check("%s: current_user(), current_role() values" % tag, [[b"root@localhost", b"moadmin"]],
          r.rows)
    check("%s: current_user() VAR_STRING NOT NULL" % tag, (T_VAR_STRING, True), types(r)[0][1:])
    r = c.query1("select @@autocommit, @@time_zone, @@version_comment")
    check("%s: @@autocommit, @@time_zone, @@version_comment values" % tag,
          [[b"1", b"SYSTEM", b"MatrixOne"]], r.rows)
    check("%s: ... are text (252), not integers" % tag, [T_BLOB] * 3, [t for _, t, _ in types(r)])
    r = c.query1("show variables like 'lower_case_table_names'")
    check("%s: lower_case_table_names" % tag, [[b"lower_case_table_names", b"1"]], r.rows)
    check("%s: SHOW VARIABLES ends with %s" % (tag, end), end, r.end)
    c.close()

setup.query1("drop pitr wire_p")
setup.query1("drop database wdb")
setup.close()
print("%d passed, %d failed" % (passed, failed))
raise SystemExit(1 if failed else 0)
PY
