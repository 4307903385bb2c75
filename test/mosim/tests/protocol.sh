#!/usr/bin/env bash
# protocol.sh: mosim's wire protocol seen by real and strict clients.
#
# Covers: the mariadb CLI (SHOW PITR, wrong password 1045, unknown initial database,
# multi-statement text); PyMySQL (connect, query, ping, close; 50 concurrent
# connections); and a strict raw client (tests/wireclient.py) for the greeting fields,
# the auth switch, sequence ids, OK/EOF layout, status flags, multi-results, commands
# (PING, STATISTICS, SET_OPTION, INIT_DB, FIELD_LIST, unsupported), 16 MiB reassembly;
# CLIENT_DEPRECATE_EOF (offered as MatrixOne does: OK-terminated result sets, also with
# faults) and --no-deprecate-eof (not offered: EOF-terminated for everyone); the statement
# log format; and a clean SIGTERM exit. Env: MOSIM (binary).
. "$(dirname "$0")/testlib.bash"

start_mosim
echo "mosim on port $PORT"

# --- mariadb CLI ---------------------------------------------------------------------
out=$(cli -u root -p111 -e "create pitr wire_p1 for account range 1 'd'; create pitr wire_p2 for cluster range 2 'h'; create database wire_db; create pitr wire_p3 for database wire_db range 3 'd'" 2>&1)
check "CLI: create three PITRs" test -z "$out"
out=$(cli -u root -p111 -e 'SHOW PITR' 2>&1)
check "CLI: SHOW PITR succeeds with the PITR_NAME header" \
    bash -c '[ $? -eq 0 ] && grep -q "^PITR_NAME" <<<"$0"' "$out"
out=$(cli -u root -p112 -e 'select 1' 2>&1)
check "CLI: wrong password gives ERROR 1045 (28000)" grep -q "ERROR 1045 (28000)" <<<"$out"
out=$(cli -u root -p111 -D no_such_db_x -e 'select 1' 2>&1)
check "CLI: unknown database in the handshake fails the login" grep -q "^ERROR" <<<"$out"
out=$(printf 'select 1; show pitr;;\n' | cli -u root -p111 --delimiter=';;' 2>&1)
check "CLI: one multi-statement COM_QUERY answers two results" \
    bash -c 'grep -q "^1$" <<<"$0" && grep -q "^PITR_NAME" <<<"$0"' "$out"

# --- PyMySQL -------------------------------------------------------------------------
check "pymysql: connect, query, ping, close" py - <<'PY'
import os, pymysql
c = pymysql.connect(host="127.0.0.1", port=int(os.environ["PORT"]), user="root",
                    password="111", connect_timeout=10, read_timeout=30, autocommit=True)
assert c.get_server_info() == "8.0.30-MatrixOne-v2.2.0", c.get_server_info()
assert c.thread_id() > 0
cur = c.cursor()
cur.execute("select 1")
assert cur.fetchall() == ((1,),), "select 1"
cur.execute("show pitr")
assert [d[0] for d in cur.description][0] == "PITR_NAME", cur.description
c.ping(reconnect=False)
c.close()
PY

check "pymysql: 50 concurrent connections each run statements" py - <<'PY'
import os, threading, pymysql
port = int(os.environ["PORT"])
ids, errors = [], []
def worker(i):
    try:
        c = pymysql.connect(host="127.0.0.1", port=port, user="root", password="111",
                            connect_timeout=20, read_timeout=60, autocommit=True)
        cur = c.cursor()
        for _ in range(3):
            cur.execute("show pitr")
            cur.fetchall()
            cur.execute("select 1")
            assert cur.fetchall() == ((1,),)
        c.ping(reconnect=False)
        ids.append(c.thread_id())
        c.close()
    except Exception as e:
        errors.append(repr(e))
ts = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
[t.start() for t in ts]
[t.join(90) for t in ts]
assert not errors, errors[:3]
assert len(ids) == 50 and len(set(ids)) == 50, (len(ids), len(set(ids)))
PY

# --- strict raw client ---------------------------------------------------------------
check "raw: greeting fields (v10, version, 21, charset 46, caps, scramble) and ids" py - <<'PY'
import os, wireclient as w
port = int(os.environ["PORT"])
a, b = w.Conn(port), w.Conn(port)
g = a.greeting
assert g[0] == 10
assert a.server_version == "8.0.30-MatrixOne-v2.2.0"
assert a.plugin_len == 21, a.plugin_len
assert a.charset == 46 and a.server_caps == 0x013BA68F, (a.charset, hex(a.server_caps))
assert a.server_plugin == b"mysql_native_password"
assert len(a.scramble) == 20 and all(0x21 <= c < 0x7F for c in a.scramble)
assert a.scramble != b.scramble, "scramble must be per connection"
assert b.conn_id > a.conn_id > 0
assert a.greeting_status == 0x0002, hex(a.greeting_status)
assert a.status == 0x0810, hex(a.status)   # the login OK, as a real MatrixOne sends it
a.close(); b.close()
PY

check "raw: auth switch for dummy_fallback_auth and empty plugin; wrong password 1045" py - <<'PY'
import os, wireclient as w
port = int(os.environ["PORT"])
for plugin in (b"dummy_fallback_auth", b""):
    c = w.Conn(port, plugin=plugin)
    assert c.switched
    assert c.query1("select 1").rows == [[b"1"]]
    c.close()
try:
    w.Conn(port, password="nope", plugin=b"dummy_fallback_auth")
    raise SystemExit("login with a wrong password succeeded")
except w.Err as e:
    assert e.code == 1045 and e.state == "28000", e
try:
    w.Conn(port, password="")
    raise SystemExit("login without a password succeeded")
except w.Err as e:
    assert e.code == 1045, e
PY

check "raw: multi-statement results, MORE_RESULTS flags, seq ids, stop at ERR" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
r = c.query("select 1; show pitr ;\n select 1 ; ")
assert len(r) == 3, r
assert all(isinstance(x, w.Rows) for x in r), r
assert r[0].status & 8 and r[1].status & 8, r
# the EOF after the definitions carries the session flags only, as MatrixOne's
assert r[0].status_defs == 2 and r[1].status_defs == 2, r
assert not (r[2].status & 8) and r[2].status & 2, r
r = c.query("select 1; this is not sql; select 1")
assert len(r) == 2 and isinstance(r[1], w.Err), r
r = c.query("select 1 -- trailing comment")
assert len(r) == 1 and isinstance(r[0], w.Rows), r
c.close()
# multi statements not negotiated: the whole text is one (bad) statement
c = w.Conn(int(os.environ["PORT"]), flags=w.CLIENT_FLAGS & ~0x10000)
r = c.query("select 1; select 1")
assert len(r) == 1 and isinstance(r[0], w.Err), r
assert c.query1("select 1;").rows == [[b"1"]]
c.close()
PY

check "raw: status flags follow autocommit and transactions" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
assert c.query1("begin").status & 1
r = c.query1("select 1")
assert r.status & 1 and r.status_defs & 1, r
assert not (c.query1("commit").status & 1)
assert not (c.query1("set autocommit=0").status & 2)
assert c.query1("set autocommit=1").status & 2
c.close()
PY

check "raw: PING, STATISTICS, SET_OPTION, INIT_DB, FIELD_LIST, unsupported command" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
c.command(0x0E); assert isinstance(c.read_result(), w.Ok)
c.command(0x09); s = c.read_packet(); assert s.startswith(b"Uptime: ") and b"Questions: " in s, s
c.command(0x1B, b"\x01\x00"); assert isinstance(c.read_result(), w.Ok)
r = c.query("select 1; select 1"); assert len(r) == 1 and isinstance(r[0], w.Err), r
c.command(0x1B, b"\x00\x00"); assert isinstance(c.read_result(), w.Ok)
assert len(c.query("select 1; select 1")) == 2
c.command(0x02, b"no_such_db_x"); r = c.read_result(); assert isinstance(r, w.Err), r
c.command(0x04, b"no_such_table\0"); r = c.read_result(field_list=True)
assert isinstance(r, (w.Err, w.Rows)), r
for cmd in (0x1F, 0x11, 0x05, 0x77):
    c.command(cmd); r = c.read_result()
    assert isinstance(r, w.Err) and r.code == 20101, r
    assert r.msg == "internal error: unsupported command. 0x%x" % cmd, r.msg
assert c.query1("select 1").rows == [[b"1"]]
c.close()
PY

check "raw: 17 MiB and exactly-0xFFFFFF COM_QUERY are reassembled" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]), timeout=60)
big = "select 1 /*" + "x" * (17 << 20) + "*/"
r = c.query1(big); assert r.rows == [[b"1"]], r
head, tail = "select 1 /*", "*/"
exact = head + "y" * (0xFFFFFF - 1 - len(head) - len(tail)) + tail
assert len(exact) + 1 == 0xFFFFFF
r = c.query1(exact); assert r.rows == [[b"1"]], r
assert c.query1("select 1").rows == [[b"1"]]
c.close()
PY

# --- CLIENT_DEPRECATE_EOF (spec 7: MatrixOne offers it; mosim too unless --no-deprecate-eof) ---
check "raw, DEPRECATE_EOF: OK-terminated results, FIELD_LIST, LIE and ERROR faults" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]), deprecate_eof=True)
assert c.deprecate_eof and c.server_caps & w.DEPRECATE_EOF, hex(c.server_caps)
r = c.query1("show pitr")
assert r.end == "ok" and r.status_defs is None and len(r.rows) == 3 and r.status == 0x0812, r
r = c.query("select 1; show pitr where pitr_name = 'none'; select 2")
assert [x.end for x in r] == ["ok"] * 3 and [x.status for x in r] == [0x81A, 0x81A, 0x812], r
c.command(0x04, b"t\0"); r = c.read_result(field_list=True)
assert isinstance(r, w.Rows) and r.end == "ok" and r.status == 0x0002, r
assert isinstance(c.query1("MOSIM FAULT LIE NULL MATCH 'show pitr'"), w.Ok)
r = c.query1("show pitr")
assert r.end == "ok" and [x[0] for x in r.rows] == [None] * 3, r
assert isinstance(c.query1("MOSIM FAULT ERROR 1317 'interrupted' MATCH 'show pitr'"), w.Ok)
r = c.query("show pitr"); assert isinstance(r[0], w.Err) and r[0].code == 1317, r
assert c.query1("select 1").rows == [[b"1"]]
c.close()
PY

# --- log -----------------------------------------------------------------------------
check "log: every line has 5 TAB fields in the common format" py - "$LOG" <<'PY'
import re, sys
pat = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\d+\t[^\t]+\t(rows=\d+|ok=\d+|err=\d+|lost)\t[^\t\n]*$")
lines = open(sys.argv[1]).read().splitlines()
bad = [l for l in lines if not pat.match(l)]
assert lines and not bad, bad[:5]
assert any("\t-\terr=1045\tCONNECT root" in l for l in lines)
assert any("\tsys\tok=0\tCONNECT root" in l for l in lines)
assert any(l.endswith("\tok=0\tCOM_PING") for l in lines)
assert any(l.endswith("\terr=20101\tCOM_UNSUPPORTED 0x1f") for l in lines)
assert any(l.endswith("\tshow pitr") for l in lines)  # the CLI's multi-statement
assert sum(1 for l in lines if l.endswith("\tselect 1 -- trailing comment")) == 1
PY

stop_mosim
check "SIGTERM: mosim exits 0" test $? -eq 0

# --- --no-deprecate-eof: the option takes the capability away --------------------------
start_mosim --no-deprecate-eof
check "--no-deprecate-eof: 0x003BA68F, EOF-terminated results for a client that asks" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]), deprecate_eof=True)
assert c.server_caps == 0x003BA68F and not c.deprecate_eof, hex(c.server_caps)
r = c.query("select 1; show pitr")
assert [x.end for x in r] == ["eof", "eof"] and r[0].status_defs == 2, r
c.command(0x04, b"t\0"); r = c.read_result(field_list=True)
assert isinstance(r, w.Rows) and r.end == "eof", r
c.close()
PY
out=$(cli -u root -p111 -e 'select 1' 2>&1)
check "--no-deprecate-eof: the mariadb CLI works" test "$out" = "$(printf '1\n1')"
stop_mosim
check "SIGTERM: mosim --no-deprecate-eof exits 0" test $? -eq 0
out=$("$MOSIM" --no-deprecate-eof --bogus 2>&1); rc=$?
check "a bad option still exits 2 with the usage naming --no-deprecate-eof" \
    bash -c '[ "$0" = 2 ] && grep -q -- "--no-deprecate-eof" <<<"$1"' "$rc" "$out"
finish
