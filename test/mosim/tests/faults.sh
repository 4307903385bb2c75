#!/usr/bin/env bash
# faults.sh: every MOSIM fault kind, observed from real clients.
#
# Covers: the sys-only privilege on MOSIM statements; STATUS, CLEAR, syntax errors;
# DELAY (every reply, not MOSIM ones, until cleared); ERROR (SQLSTATE, SKIP, one-shot,
# case-insensitive MATCH, client-range code via PyMySQL and the CLI); CLOSE AFTER n
# ROWS (also 0 rows, and on an OK statement); DROP REPLY (executed, no reply); MALFORMED
# (CLI reports 2027); STALL (client read timeout, others unaffected); LIE COLUMNS / NULL
# / RANGE / HUGE / SHORTROW; faults are global and hit other connections; MOSIM
# statements never match; a fault inside a multi-statement; `lost` in the log.
# Env: MOSIM (binary).
. "$(dirname "$0")/testlib.bash"

start_mosim
echo "mosim on port $PORT"

out=$(cli -u root -p111 -e "create pitr wire_p1 for account range 1 'd'; create pitr wire_p2 for cluster range 2 'h'; create database wire_db; create database wire_db2; create pitr wire_p3 for database wire_db range 3 'd'; create account wire_acc admin_name 'admin' identified by 'pw'" 2>&1)
check "setup: three PITRs and an account" test -z "$out"

check "MOSIM statements need the sys account" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]), user="wire_acc:admin", password="pw")
for sql in ("MOSIM STATUS", "mosim fault clear", "MOSIM FAULT STALL"):
    r = c.query(sql)[0]
    assert isinstance(r, w.Err) and r.code == 20101, r
    assert r.msg == "internal error: do not have privilege to execute the statement", r.msg
c.close()
PY

check "STATUS lists armed faults; syntax errors; CLEAR empties it" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
assert c.query1("MOSIM STATUS").rows == []
for sql in ("MOSIM FAULT ERROR 1317 'it''s interrupted' SQLSTATE '70100' MATCH 'select 42' SKIP 1",
            "mosim fault lie null match 'no such statement'",
            "MOSIM FAULT DELAY 5"):
    assert isinstance(c.query1(sql), w.Ok), sql
r = c.query1("MOSIM STATUS")
assert [x["name"] for x in r.cols] == ["kind", "match", "remaining"], r.cols
assert r.rows == [[b"DELAY 5", None, None], [b"ERROR 1317", b"select 42", b"1"],
                  [b"LIE NULL", b"no such statement", b"0"]], r.rows
for bad in ("MOSIM FAULT BOGUS", "MOSIM FAULT ERROR 0 'x'", "MOSIM FAULT ERROR 1 'x' SQLSTATE 'abc'",
            "MOSIM FAULT CLOSE AFTER ROWS", "MOSIM FAULT LIE", "MOSIM STATUS now", "MOSIM",
            "MOSIM FAULT STALL MATCH 'unterminated"):
    r = c.query(bad)[0]
    assert isinstance(r, w.Err) and r.code == 1064, (bad, r)
assert isinstance(c.query1("MOSIM FAULT CLEAR"), w.Ok)
assert c.query1("MOSIM STATUS").rows == []
c.close()
PY

check "ERROR: SKIP, case-insensitive MATCH, SQLSTATE, one-shot, connection usable" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
c.query1("MOSIM FAULT ERROR 1317 'it''s interrupted' SQLSTATE '70100' MATCH 'select 42' SKIP 1")
assert c.query1("select 42").rows == [[b"42"]]
assert c.query1("MOSIM STATUS").rows[0][2] == b"0"
r = c.query("SELECT 42")[0]
assert isinstance(r, w.Err) and (r.code, r.state, r.msg) == (1317, "70100", "it's interrupted"), r
assert c.query1("select 42").rows == [[b"42"]]
assert c.query1("MOSIM STATUS").rows == []
c.close()
PY

check "ERROR with a client-range code: PyMySQL sees 2013, the CLI 2027" py - <<'PY'
import os, pymysql, subprocess
port = int(os.environ["PORT"])
c = pymysql.connect(host="127.0.0.1", port=port, user="root", password="111", autocommit=True)
cur = c.cursor()
cur.execute("MOSIM FAULT ERROR 2013 'fake lost' MATCH 'select 43'")
try:
    cur.execute("select 43")
    raise SystemExit("no error")
except pymysql.err.OperationalError as e:
    assert e.args == (2013, "fake lost"), e.args
cur.execute("MOSIM FAULT ERROR 2013 'fake lost' MATCH 'select 43'")
p = subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-u", "root",
                    "-p111", "-e", "select 43"], capture_output=True, text=True, timeout=30)
assert p.returncode != 0 and "ERROR 2027" in p.stderr, p.stderr
c.close()
PY

check "DELAY: every reply (not MOSIM statements) waits until cleared" py - <<'PY'
import os, time, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
def timed(f):
    t = time.monotonic(); f(); return time.monotonic() - t
c.query1("MOSIM FAULT DELAY 300")
assert timed(lambda: c.query1("select 1")) >= 0.3
assert timed(lambda: c.query1("select 1")) >= 0.3
def ping():
    c.command(0x0E); assert isinstance(c.read_result(), w.Ok)
assert timed(ping) >= 0.3
assert timed(lambda: c.query1("MOSIM STATUS")) < 0.25
c.query1("MOSIM FAULT DELAY 0")
assert timed(lambda: c.query1("select 1")) < 0.25
c.query1("MOSIM FAULT DELAY 300")
c.query1("MOSIM FAULT CLEAR")
assert timed(lambda: c.query1("select 1")) < 0.25
c.close()
PY

check "CLOSE AFTER n ROWS: n rows then closed (n = 2, 0; and instead of an OK)" py - <<'PY'
import os, pymysql, wireclient as w
port = int(os.environ["PORT"])
ctl = w.Conn(port)
ctl.query1("MOSIM FAULT CLOSE AFTER 2 ROWS MATCH 'show pitr'")
c = w.Conn(port)
c.command(3, b"show pitr")
assert c.read_packet() == b"\x09"
for _ in range(9):
    c.read_packet()
assert c.read_packet()[0] == 0xFE
rows = [c.read_packet() for _ in range(2)]
assert all(r[0] != 0xFE for r in rows)
assert w.wait_closed(c.sock, 5)
ctl.query1("MOSIM FAULT CLOSE AFTER 0 ROWS MATCH 'show pitr'")
c = w.Conn(port)
c.command(3, b"show pitr")
assert c.read_packet() == b"\x09"
for _ in range(10):
    c.read_packet()
assert w.wait_closed(c.sock, 5)
ctl.query1("MOSIM FAULT CLOSE AFTER 5 ROWS MATCH 'set autocommit'")
c = w.Conn(port)
c.command(3, b"set autocommit=1")
assert w.wait_closed(c.sock, 5)
ctl.query1("MOSIM FAULT CLOSE AFTER 1 ROWS MATCH 'show pitr'")
p = pymysql.connect(host="127.0.0.1", port=port, user="root", password="111", autocommit=True,
                    read_timeout=10)
try:
    p.cursor().execute("show pitr")
    raise SystemExit("no error")
except pymysql.err.OperationalError as e:
    assert e.args[0] == 2013, e.args
ctl.close()
PY

check "DROP REPLY: the statement runs, the client gets no reply" py - <<'PY'
import os, pymysql, wireclient as w
port = int(os.environ["PORT"])
ctl = w.Conn(port)
ctl.query1("MOSIM FAULT DROP REPLY MATCH 'create pitr wire_dropped'")
p = pymysql.connect(host="127.0.0.1", port=port, user="root", password="111", autocommit=True,
                    read_timeout=10)
try:
    p.cursor().execute("create pitr wire_dropped for database wire_db2 range 1 'h'")
except pymysql.err.OperationalError as e:
    assert e.args[0] == 2013, e.args
names = [r[0] for r in ctl.query1("show pitr").rows]
assert b"wire_dropped" in names, names
ctl.close()
PY

check "MALFORMED: the CLI reports 2027 for a result and for an OK" py - <<'PY'
import os, subprocess, wireclient as w
port = int(os.environ["PORT"])
ctl = w.Conn(port)
for stmt in ("show pitr", "set autocommit=1"):
    ctl.query1("MOSIM FAULT MALFORMED MATCH '%s'" % stmt)
    p = subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-u",
                        "root", "-p111", "-e", stmt], capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "2027" in p.stderr, (stmt, p.stderr)
c = w.Conn(port)
ctl.query1("MOSIM FAULT MALFORMED MATCH 'show pitr'")
try:
    c.query("show pitr")
    raise SystemExit("strict client accepted the malformed row")
except w.ProtocolError:
    pass
ctl.close()
PY

check "STALL: the client times out, others are served meanwhile" py - <<'PY'
import os, time, threading, pymysql, wireclient as w
port = int(os.environ["PORT"])
ctl = w.Conn(port)
ctl.query1("MOSIM FAULT STALL MATCH 'select 7'")
p = pymysql.connect(host="127.0.0.1", port=port, user="root", password="111", autocommit=True,
                    read_timeout=2)
t = time.monotonic()
try:
    p.cursor().execute("select 7")
    raise SystemExit("no error")
except pymysql.err.OperationalError as e:
    assert e.args[0] == 2013, e.args
took = time.monotonic() - t
assert 1.8 < took < 5, took
assert ctl.query1("select 1").rows == [[b"1"]]
ctl.close()
PY

check "LIE COLUMNS / NULL / RANGE / HUGE / SHORTROW" py - <<'PY'
import os, pymysql, wireclient as w
port = int(os.environ["PORT"])
ctl = w.Conn(port)
normal = ctl.query1("show pitr")
n = len(normal.rows)
assert len(normal.cols) == 9 and n >= 3, normal
ctl.query1("MOSIM FAULT LIE COLUMNS MATCH 'show pitr'")
p = pymysql.connect(host="127.0.0.1", port=port, user="root", password="111", autocommit=True)
cur = p.cursor(); cur.execute("show pitr")
assert len(cur.description) == 8 and all(len(r) == 8 for r in cur.fetchall()), cur.description
ctl.query1("MOSIM FAULT LIE NULL MATCH 'show pitr'")
cur.execute("show pitr")
rows = cur.fetchall()
assert len(rows) == n and all(r[0] is None for r in rows), rows
ctl.query1("MOSIM FAULT LIE RANGE MATCH 'show pitr'")
r = ctl.query1("show pitr")
assert all(row[7] == b"abc" for row in r.rows) and len(r.rows) == n, r.rows
ctl.query1("MOSIM FAULT LIE RANGE MATCH 'show pitr'")
try:
    cur.execute("show pitr")
    raise SystemExit("pymysql accepted 'abc' as a TINYINT")
except ValueError:
    pass
ctl.query1("MOSIM FAULT LIE HUGE MATCH 'show pitr'")
r = ctl.query1("show pitr")
assert r.rows[0][0] == b"x" * (1 << 20) and r.rows[1] == normal.rows[1], len(r.rows[0][0])
ctl.query1("MOSIM FAULT LIE SHORTROW MATCH 'show pitr'")
r = ctl.query1("show pitr")
assert [len(x) for x in r.rows] == [8] + [9] * (n - 1), [len(x) for x in r.rows]
assert ctl.query1("show pitr").rows == normal.rows
ctl.close()
PY

check "faults are global, MOSIM statements never match, multi-statement stops at the ERR" py - <<'PY'
import os, wireclient as w
port = int(os.environ["PORT"])
a, b = w.Conn(port), w.Conn(port)
a.query1("MOSIM FAULT ERROR 1105 'armed by a'")
assert len(a.query1("MOSIM STATUS").rows) == 1
r = b.query("select 1")[0]
assert isinstance(r, w.Err) and r.msg == "armed by a", r
a.query1("MOSIM FAULT ERROR 1105 'third' MATCH 'select 5'")
r = b.query("select 1; select 5; select 1")
assert len(r) == 2 and isinstance(r[0], w.Rows) and isinstance(r[1], w.Err), r
assert r[0].status & 8
a.close(); b.close()
PY

check "log: dropped replies are logged as lost" py - "$LOG" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
lost = [l.split("\t")[4] for l in lines if l.split("\t")[3] == "lost"]
for stmt in ("show pitr", "set autocommit=1", "create pitr wire_dropped for database wire_db2 range 1 'h'", "select 7"):
    assert stmt in lost, (stmt, lost)
assert any(l.endswith("\terr=1317\tSELECT 42") for l in lines)
PY

stop_mosim
check "SIGTERM: mosim exits 0" test $? -eq 0
finish
