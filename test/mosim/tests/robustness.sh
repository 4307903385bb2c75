#!/usr/bin/env bash
# robustness.sh: mosim survives hostile and vanishing clients.
#
# Covers (python3 raw sockets): garbage instead of the handshake response, garbage
# packets after login, truncated and malformed handshake responses, a half-sent packet
# left open, oversized packet headers (before login: closed; after login: ERR 1153 then
# closed), clients vanishing mid-statement and mid-result (RST), a client that stops
# reading a large reply; after all of it a normal PyMySQL client still works, the log
# says `lost` for the dropped replies, and SIGTERM (with stuck clients still connected)
# exits 0 promptly. Env: MOSIM (binary).
. "$(dirname "$0")/testlib.bash"

start_mosim
echo "mosim on port $PORT"
export STOP_FLAG=$TMPD/stop   # background clients end once it exists

check "garbage instead of the handshake response: the server closes" py - <<'PY'
import os, random, socket, wireclient as w
port = int(os.environ["PORT"])
for seed in range(20):
    rnd = random.Random(seed)
    c = w.Conn(port, login=False, timeout=15)
    c.read_physical()                       # greeting
    c.send_raw(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))))
    try:
        c.sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    assert w.wait_closed(c.sock), "seed %d: not closed" % seed   # ERR or nothing, then EOF
    c.sock.close()
PY

check "malformed handshake responses get ERR 1043 Bad handshake" py - <<'PY'
import os, struct, wireclient as w
port = int(os.environ["PORT"])
bad = [
    struct.pack("<IIB", 0x00BFA285, 1 << 24, 45) + b"\0" * 23,               # no user
    struct.pack("<IIB", 0x00BFA085, 1 << 24, 45) + b"\0" * 23 + b"root\0",     # no PROTOCOL_41
    struct.pack("<IIB", 0x00BFA285, 1 << 24, 45) + b"\0" * 23 + b"root\0\xfc\xff\xff",  # auth past end
    b"\x85\xa2",                                                              # short
]
for payload in bad:
    c = w.Conn(port, login=False)
    c.read_packet()
    c.send_packet(payload)
    p = c.read_packet()
    e = c.parse_err(p)
    assert p[0] == 0xFF and e.code == 1043, (payload, p)
    assert c.sock.recv(10) == b""
    c.sock.close()
PY

check "oversized header before login: closed without reading" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]), login=False)
c.read_physical()
c.send_raw(b"\xff\xff\xff\x01" + b"z" * 100)
assert w.wait_closed(c.sock, 5)
PY

check "garbage packets after login: unsupported-command ERRs, then a random stream" py - <<'PY'
import os, random, socket, wireclient as w
port = int(os.environ["PORT"])
rnd = random.Random(7)
c = w.Conn(port)
for cmd in (0x00, 0x05, 0x20, 0x99, 0xFF):
    c.command(cmd, bytes(rnd.getrandbits(8) for _ in range(50)))
    r = c.read_result()
    assert isinstance(r, w.Err) and r.code == 20101, r
c.command(0x1B, b"")                       # SET_OPTION without its argument
assert isinstance(c.read_result(), w.Err)
c.command(0x1B, b"\x07\x00")               # unknown option
assert isinstance(c.read_result(), w.Err)
assert c.query1("select 1").rows == [[b"1"]]
c.send_raw(bytes(rnd.getrandbits(8) for _ in range(5000)))
c.sock.close()
for n in range(10):                        # an empty packet is not a command: closed
    c = w.Conn(port)
    c.send_raw(b"\x00\x00\x00\x00" if n % 2 else bytes(rnd.getrandbits(8) for _ in range(3)))
    c.sock.shutdown(socket.SHUT_WR)
    assert w.wait_closed(c.sock)
    c.sock.close()
PY

# A half-sent handshake response and a silent client, both left open until SIGTERM.
py - <<'PY' &
import os, socket, time, wireclient as w
port = int(os.environ["PORT"])
half = w.Conn(port, login=False)
half.read_physical()
half.send_raw(b"\x64\x00\x00\x01" + b"\x85\xa2\xbf\x00" + b"\x00" * 6)   # 100 announced, 10 sent
silent = socket.create_connection(("127.0.0.1", port))
t = time.monotonic()
while not os.path.exists(os.environ["STOP_FLAG"]) and time.monotonic() - t < 90:
    time.sleep(0.1)
PY
holder=$!
sleep 0.5

check "a normal client works while a half-sent handshake is pending" py - <<'PY'
import os, pymysql
c = pymysql.connect(host="127.0.0.1", port=int(os.environ["PORT"]), user="root",
                    password="111", connect_timeout=5, read_timeout=10, autocommit=True)
cur = c.cursor(); cur.execute("select 1"); assert cur.fetchall() == ((1,),); c.close()
PY

check "a packet over 64 MiB after login: ERR 1153, then closed" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]), timeout=60)
c.seq = 0
chunk = b"\x03" + b"a" * (0xFFFFFF - 1)
for i in range(4):
    c.send_raw(b"\xff\xff\xff" + bytes([i]) + (chunk if i == 0 else b"b" * 0xFFFFFF))
c.send_raw(b"\x05\x00\x00\x04")            # a fifth chunk pushes it past 64 MiB
c.seq = 5
p = c.read_packet()
e = c.parse_err(p)
assert e.code == 1153 and "max_allowed_packet" in e.msg, e
assert c.sock.recv(10) == b""
PY

check "a header announcing 16 MiB, a few bytes, then the client goes" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
c.send_raw(b"\xff\xff\xff\x00\x03select")
c.sock.close()
PY

check "clients vanishing mid-statement and mid-result (RST)" py - <<'PY'
import os, socket, struct, wireclient as w
port = int(os.environ["PORT"])
big = "; ".join(["show pitr"] * 3000)
def rst(c):
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.sock.close()
for i in range(10):
    c = w.Conn(port)
    c.command(3, big.encode())
    if i % 2:
        c.recv_exact(4096)                 # part of the first results
    rst(c)
for i in range(5):                         # a single statement, then gone at once
    c = w.Conn(port)
    c.command(3, b"show pitr")
    rst(c)
PY

# A client that sends a large multi-statement and never reads the reply.
py - <<'PY' &
import os, time, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
c.command(3, "; ".join(["show pitr"] * 20000).encode())
t = time.monotonic()
while not os.path.exists(os.environ["STOP_FLAG"]) and time.monotonic() - t < 90:
    time.sleep(0.1)
PY
stuck=$!
sleep 2

check "after all that, pymysql still works and the server is alive" py - <<'PY'
import os, pymysql
c = pymysql.connect(host="127.0.0.1", port=int(os.environ["PORT"]), user="root",
                    password="111", connect_timeout=5, read_timeout=10, autocommit=True)
cur = c.cursor(); cur.execute("show pitr"); cur.fetchall(); c.ping(reconnect=False); c.close()
PY
check "mosim process alive" alive
check "log: replies to vanished clients are logged as lost" grep -q "	lost	show pitr" "$LOG"

t0=$(date +%s%N)
stop_mosim
rc=$?
t1=$(date +%s%N)
check "SIGTERM with stuck clients connected: exit 0 (rc=$rc)" test $rc -eq 0
check "SIGTERM: exited within 6 s ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 6000
touch "$STOP_FLAG"
wait "$holder" "$stuck" 2>/dev/null
finish
