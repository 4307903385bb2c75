#!/usr/bin/env bash
# stream_wait.sh: waits in the middle of a SHOW PITR stream (timeouts, interrupts) from
# Debian's python3.
#
# A live scan's socket waits find their context through the socket (ext/conn_wait.c:
# attached once per stream, not installed per row), so these cases stop a server after
# some rows have been delivered, which mosim's faults cannot do (STALL and DELAY act
# before the reply). The server here is a small fake MySQL server in python (greeting,
# any login, OK to SET, SHOW PITR answered with N rows and then, if told so, silence
# until the client closes). Covers:
#   (1) read_timeout=1 and a server silent after 3 rows: the scan fails with "no answer
#       ... within 1 s (read_timeout)" after about 1 s, and the next scan reconnects and
#       works;
#   (2) the same silence and sqlite3_interrupt() after 0.3 s: "interrupted", within 1 s,
#       and the next scan works;
#   (3) two live streams at once (a join of two connections, each its own server); the
#       inner one goes silent: the error names the inner server's port and read_timeout,
#       the outer stream is not blamed, and both connections work afterwards;
#   (4) many scans in a row on one connection (each stream attaches and detaches): the
#       last one is still interruptible mid-stream.
#
# Run by test/run-suite.sh (MOPITR_EXT exported; the suite's mosim is not used).
set -u
: "${MOPITR_EXT:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-stream.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/case.py" <<'EOF'
import os, socket, sqlite3, struct, sys, threading, time

ext = os.environ["MOPITR_EXT"]
failed = 0

def check(desc, ok, detail=""):
    global failed
    print(("ok   " if ok else "FAIL ") + desc + ("" if ok else "\n    " + str(detail)))
    if not ok:
        failed += 1

# ---- a fake MySQL server: just enough protocol for the extension ---------------------
CAPS = 0x1 | 0x4 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000  # no SSL, no DEPRECATE_EOF
COLS = ["PITR_NAME", "CREATED_TIME", "MODIFIED_TIME", "PITR_LEVEL", "ACCOUNT_NAME",
        "DATABASE_NAME", "TABLE_NAME", "PITR_LENGTH", "PITR_UNIT"]

def lenenc(b):
    assert len(b) < 251
    return bytes([len(b)]) + b

def row(i, tag):
    t = b"2026-01-01 00:00:00"
    return [b"%s%d" % (tag, i), t, t, b"database", b"sys", b"%s_db%d" % (tag, i), b"*",
            b"1", b"d"]

class FakeServer:
    """Listens on a free port; each connection answers SHOW PITR with `rows` rows and,
    when `silent_after` is set for the next SHOW PITR, goes silent after that many."""
    def __init__(self, tag, rows):
        self.tag, self.rows, self.silent_after = tag, rows, None
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def send(self, c, seq, payload):
        c.sendall(struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload)
        return seq + 1

    def recv(self, c):
        hdr = b""
        while len(hdr) < 4:
            b = c.recv(4 - len(hdr))
            if not b:
                return None
            hdr += b
        n = hdr[0] | hdr[1] << 8 | hdr[2] << 16
        body = b""
        while len(body) < n:
            b = c.recv(n - len(body))
            if not b:
                return None
            body += b
        return body

    def ok(self, c, seq):
        self.send(c, seq, b"\x00\x00\x00\x02\x00\x00\x00")

    def serve(self, c):
        try:
            salt = b"abcdefghijklmnopqrst"
            self.send(c, 0, b"\x0a8.0.30-fake\x00" + struct.pack("<I", 7) + salt[:8] + b"\x00"
                      + struct.pack("<H", CAPS & 0xFFFF) + bytes([45]) + struct.pack("<H", 2)
                      + struct.pack("<H", CAPS >> 16) + bytes([21]) + b"\x00" * 10
                      + salt[8:] + b"\x00" + b"mysql_native_password\x00")
            if self.recv(c) is None:
                return
            self.ok(c, 2)
            while True:
                pkt = self.recv(c)
                if pkt is None or pkt[:1] == b"\x01":
                    return
                text = pkt[1:].decode().strip().lower()
                if pkt[:1] != b"\x03" or not text.startswith("show pitr"):
                    self.ok(c, 1)
                    continue
                silent, self.silent_after = self.silent_after, None
                seq = self.send(c, 1, bytes([len(COLS)]))
                for name in COLS:
                    n = name.encode()
                    seq = self.send(c, seq, lenenc(b"def") + lenenc(b"") + lenenc(b"")
                                    + lenenc(b"") + lenenc(n) + lenenc(n) + b"\x0c"
                                    + struct.pack("<HIBHB", 45, 256, 253, 0, 0) + b"\x00\x00")
                seq = self.send(c, seq, b"\xfe\x00\x00\x02\x00")
                for i in range(self.rows):
                    if silent is not None and i == silent:
                        c.settimeout(10)  # silent until the client closes (bounded)
                        while c.recv(4096):
                            pass
                        return
                    seq = self.send(c, seq, b"".join(lenenc(v) for v in row(i, self.tag)))
                self.send(c, seq, b"\xfe\x00\x00\x02\x00")
        except OSError:
            pass
        finally:
            c.close()

def open_db(conns):
    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    db.enable_load_extension(True)
    db.load_extension(ext)
    for name, srv in conns:
        db.execute("SELECT mo_connect(?, ?)", ("mysql://root:pw@127.0.0.1:%d?read_timeout=1"
                                               "&ssl_mode=disabled" % srv.port, name))
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

a, b = FakeServer(b"a", 5), FakeServer(b"b", 4)
db = open_db([("default", a), ("bconn", b)])
err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr")
check("fake server: a full scan works", err is None and rows == [(5,)], (err, rows))

# (1) read_timeout in the middle of the stream.
a.silent_after = 3
err, rows, dt = timed(db, "SELECT name FROM mo_pitr")
check("timeout mid-stream: read_timeout error naming the server",
      err is not None and err.startswith("mo_pitr: no answer from root@127.0.0.1:%d within 1 s "
                                         "(read_timeout)" % a.port), err)
check("timeout mid-stream: after about 1 s (%.2f s)" % dt, 0.9 <= dt < 2.5, dt)
err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr")
check("timeout mid-stream: the next scan reconnects", err is None and rows == [(5,)], (err, rows))

# (2) sqlite3_interrupt in the middle of the stream.
a.silent_after = 3
err, rows, dt = timed(db, "SELECT name FROM mo_pitr", interrupt_after=0.3)
check("interrupt mid-stream: interrupted", err is not None and "interrupted" in err, err)
check("interrupt mid-stream: within 1 s (%.2f s)" % dt, dt < 1.0, dt)
err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr")
check("interrupt mid-stream: the next scan works", err is None and rows == [(5,)], (err, rows))

# (3) Two live streams; the inner one goes silent after 1 row.
b.silent_after = 1
err, rows, dt = timed(db, "SELECT x.name, y.name FROM mo_pitr x, mo_pitr('bconn') y "
                          "WHERE x.name < y.name || x.name")
check("two streams: the inner server's read_timeout",
      err is not None and ("root@127.0.0.1:%d within 1 s (read_timeout)" % b.port) in err
      and str(a.port) not in err, err)
check("two streams: after about 1 s (%.2f s)" % dt, 0.9 <= dt < 2.5, dt)
err, rows, dt = timed(db, "SELECT (SELECT count(*) FROM mo_pitr), "
                          "(SELECT count(*) FROM mo_pitr('bconn'))")
check("two streams: both connections work afterwards", err is None and rows == [(5, 4)],
      (err, rows))
err, rows, dt = timed(db, "SELECT count(*) FROM mo_pitr x, mo_pitr('bconn') y")
check("two streams: a join of both reads every pair", err is None and rows == [(20,)],
      (err, rows))

# (4) Many streams attach and detach; the last one still waits interruptibly.
ok = all(db.execute("SELECT count(*) FROM mo_pitr").fetchone() == (5,) for _ in range(50))
check("50 scans in a row", ok)
a.silent_after = 2
err, rows, dt = timed(db, "SELECT name FROM mo_pitr", interrupt_after=0.3)
check("after 50 scans: interrupted mid-stream within 1 s (%.2f s)" % dt,
      err is not None and "interrupted" in err and dt < 1.0, (err, dt))
db.close()
a.stop = b.stop = True
sys.exit(1 if failed else 0)
EOF

/usr/bin/python3 "$tmp/case.py"
