"""wireclient.py: a tiny, strict MySQL-protocol client for mosim's wire tests.

Usage (from the tests/*.sh scripts, with Debian's /usr/bin/python3):
    import wireclient as w
    c = w.Conn(port, user="root", password="111")      # raises w.ServerError on ERR
    results = c.query("select 1; show pitr")            # list of Ok / Err / Rows
    c.close()

Unlike a real client it checks what a test server must get right: the sequence id of
every packet (from 1 after each command, continuous across multi-results and 16 MiB
splits), the 5-byte EOF, OK packets with status and warnings, and that the result set
has as many definitions as its column count. Any violation raises ProtocolError.
Raw access (send_raw, read_physical) is there for robustness tests.

Result-set termination: Conn(port, deprecate_eof=True) asks for CLIENT_DEPRECATE_EOF. When
the server offered it too (c.deprecate_eof), a result set must have no EOF after the column
definitions and must end with an OK packet whose header is 0xFE (notes A6); otherwise both
EOFs must be there. Rows.end says which terminator came ("eof" or "ok"), Rows.status_defs
is the status of the EOF after the definitions (None in the OK-terminated form), and
Conn.greeting_status is the status of the handshake packet.
"""
import hashlib
import socket
import struct

CLIENT_FLAGS = 0x00BFA285  # what the mariadb CLI sends in batch mode (multi statements)
DEPRECATE_EOF = 0x01000000
NATIVE = b"mysql_native_password"
MORE_RESULTS = 0x0008


class ProtocolError(Exception):
    pass


class ServerError(Exception):
    def __init__(self, code, state, msg):
        super().__init__("ERROR %d (%s): %s" % (code, state, msg))
        self.code, self.state, self.msg = code, state, msg


class Ok:
    def __init__(self, affected, last_id, status, warnings, info):
        self.affected, self.last_id, self.status = affected, last_id, status
        self.warnings, self.info = warnings, info

    def __repr__(self):
        return "Ok(affected=%d, status=0x%04x, info=%r)" % (self.affected, self.status, self.info)


class Err(ServerError):
    pass


class Rows:
    def __init__(self, cols, rows, status, end="eof", status_defs=None):
        self.cols, self.rows, self.status = cols, rows, status
        self.end, self.status_defs = end, status_defs

    def __repr__(self):
        return "Rows(%d cols, %d rows, status=0x%04x, end=%s)" % (
            len(self.cols), len(self.rows), self.status, self.end)


def lenenc(data, pos):
    """Decode a lenenc int at pos: (value, new pos); value None for 0xFB."""
    if pos >= len(data):
        raise ProtocolError("lenenc past the end")
    c = data[pos]
    if c < 0xFB:
        return c, pos + 1
    if c == 0xFB:
        return None, pos + 1
    n = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(c)
    if n is None or pos + 1 + n > len(data):
        raise ProtocolError("bad lenenc at %d" % pos)
    return int.from_bytes(data[pos + 1:pos + 1 + n], "little"), pos + 1 + n


def lenstr(data, pos):
    n, pos = lenenc(data, pos)
    if n is None:
        return None, pos
    if pos + n > len(data):
        raise ProtocolError("lenenc string runs past the end of the packet")
    return data[pos:pos + n], pos + n


def scramble_token(password, scramble):
    if not password:
        return b""
    h1 = hashlib.sha1(password.encode()).digest()
    h2 = hashlib.sha1(h1).digest()
    x = hashlib.sha1(scramble + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, x))


def enc_lenenc(n):
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + n.to_bytes(2, "little")
    if n < 1 << 24:
        return b"\xfd" + n.to_bytes(3, "little")
    return b"\xfe" + n.to_bytes(8, "little")


class Conn:
    def __init__(self, port, user="root", password="111", db=None, flags=CLIENT_FLAGS,
                 plugin=NATIVE, timeout=10, host="127.0.0.1", login=True, deprecate_eof=False):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.seq = 0
        self.greeting = None
        self.deprecate_eof = False
        if deprecate_eof:
            flags |= DEPRECATE_EOF
        if login:
            self.login(user, password, db, flags, plugin)

    # ---- framing ---------------------------------------------------------------
    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("server closed the connection")
            buf += chunk
        return buf

    def read_physical(self):
        h = self.recv_exact(4)
        n = h[0] | h[1] << 8 | h[2] << 16
        return h[3], self.recv_exact(n)

    def read_packet(self):
        """One logical packet; checks the sequence id of every chunk."""
        data = b""
        while True:
            seq, chunk = self.read_physical()
            if seq != self.seq:
                raise ProtocolError("sequence id %d, expected %d" % (seq, self.seq))
            self.seq = (self.seq + 1) & 0xFF
            data += chunk
            if len(chunk) < 0xFFFFFF:
                return data

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_packet(self, payload):
        while True:
            n = min(len(payload), 0xFFFFFF)
            self.sock.sendall(n.to_bytes(3, "little") + bytes([self.seq]) + payload[:n])
            self.seq = (self.seq + 1) & 0xFF
            payload = payload[n:]
            if n < 0xFFFFFF:
                return

    # ---- connection phase ------------------------------------------------------
    def login(self, user, password, db, flags, plugin):
        self.seq = 0
        g = self.read_packet()
        if g[0] == 0xFF:
            raise self.parse_err(g)
        self.greeting = g
        pos = 1
        end = g.index(b"\0", pos)
        self.server_version = g[pos:end].decode()
        pos = end + 1
        self.conn_id, = struct.unpack_from("<I", g, pos)
        pos += 4
        s1 = g[pos:pos + 8]
        pos += 9
        caps_lo, self.charset, self.status, caps_hi, self.plugin_len = struct.unpack_from(
            "<HBHHB", g, pos)
        self.greeting_status = self.status
        pos += 8 + 10
        s2 = g[pos:pos + 12]
        pos += 13
        self.server_plugin = g[pos:g.index(b"\0", pos)]
        self.server_caps = caps_lo | caps_hi << 16
        self.scramble = s1 + s2
        token = scramble_token(password, self.scramble) if plugin == NATIVE else b""
        if db:
            flags |= 0x8
        resp = struct.pack("<IIB", flags, 1 << 24, 45) + b"\0" * 23
        resp += user.encode() + b"\0"
        eff = flags & self.server_caps
        if eff & 0x200000:
            resp += enc_lenenc(len(token)) + token
        else:
            resp += bytes([len(token)]) + token
        if db and eff & 0x8:
            resp += db.encode() + b"\0"
        if eff & 0x80000:
            resp += plugin + b"\0"
        if eff & 0x100000:
            attrs = enc_lenenc(11) + b"_client_nam" + enc_lenenc(2) + b"wc"
            resp += enc_lenenc(len(attrs)) + attrs
        self.send_packet(resp)
        r = self.read_packet()
        self.switched = False
        if r[0] == 0xFE:
            end = r.index(b"\0", 1)
            if r[1:end] != NATIVE or len(r) != end + 1 + 21 or r[-1] != 0:
                raise ProtocolError("bad auth switch %r" % r)
            self.switched = True
            self.scramble = r[end + 1:end + 21]
            self.send_packet(scramble_token(password, self.scramble))
            r = self.read_packet()
        if r[0] == 0xFF:
            raise self.parse_err(r)
        ok = self.parse_ok(r)
        self.status = ok.status
        self.flags = flags
        self.deprecate_eof = bool(flags & self.server_caps & DEPRECATE_EOF)

    # ---- replies ---------------------------------------------------------------
    @staticmethod
    def parse_err(p):
        code, = struct.unpack_from("<H", p, 1)
        if p[3:4] == b"#":
            return Err(code, p[4:9].decode(), p[9:].decode("utf-8", "replace"))
        return Err(code, "HY000", p[3:].decode("utf-8", "replace"))

    @staticmethod
    def parse_ok(p, header=0x00):
        if p[0] != header or len(p) < 7:
            raise ProtocolError("not an OK packet (len %d): %r" % (len(p), p[:16]))
        affected, pos = lenenc(p, 1)
        last_id, pos = lenenc(p, pos)
        status, warnings = struct.unpack_from("<HH", p, pos)
        pos += 4
        info = b""
        if pos < len(p):
            info, pos = lenstr(p, pos)
            if pos != len(p):
                raise ProtocolError("bytes after the OK info")
        return Ok(affected, last_id, status, warnings, info)

    @staticmethod
    def parse_eof(p):
        if p[0] != 0xFE or len(p) != 5:
            raise ProtocolError("expected a 5-byte EOF, got %r" % p[:16])
        warnings, status = struct.unpack_from("<HH", p, 1)
        return status

    def read_result(self, field_list=False):
        p = self.read_packet()
        if p[0] == 0xFF:
            return self.parse_err(p)
        if p[0] == 0x00 and not field_list:
            return self.parse_ok(p)
        cols = []
        if not field_list:
            ncol, pos = lenenc(p, 0)
            if pos != len(p):
                raise ProtocolError("bytes after the column count")
            p = None
        else:
            ncol = None
        while True:
            if p is None:
                p = self.read_packet()
            if p[0] == 0xFE and len(p) < 9:
                break
            fields = []
            pos = 0
            for _ in range(6):
                s, pos = lenstr(p, pos)
                if s is None:
                    raise ProtocolError("NULL in a column definition")
                fields.append(s)
            fixed, pos = lenenc(p, pos)
            if fixed != 0x0C:
                raise ProtocolError("fixed length %r" % fixed)
            charset, length, typ, flags, dec = struct.unpack_from("<HIBHB", p, pos)
            pos += 12
            if field_list:
                _, pos = lenstr(p, pos)
            if pos != len(p):
                raise ProtocolError("column definition has %d extra bytes" % (len(p) - pos))
            cols.append({"name": fields[4].decode(), "charset": charset, "length": length,
                         "type": typ, "flags": flags, "decimals": dec})
            p = None
            if ncol is not None and len(cols) == ncol:
                break
        if field_list:
            if self.deprecate_eof:
                return Rows(cols, [], self.parse_ok(p, 0xFE).status, "ok")
            return Rows(cols, [], self.parse_eof(p))
        status1 = None if self.deprecate_eof else self.parse_eof(self.read_packet())
        rows = []
        while True:
            p = self.read_packet()
            if self.deprecate_eof and p[0] == 0xFE and len(p) < 0xFFFFFF:
                return Rows(cols, rows, self.parse_ok(p, 0xFE).status, "ok")
            if p[0] == 0xFE and len(p) < 9:
                return Rows(cols, rows, self.parse_eof(p), "eof", status1)
            if p[0] == 0xFF:
                e = self.parse_err(p)
                e.partial = rows
                return e
            row, pos = [], 0
            while pos < len(p):
                v, pos = lenstr(p, pos)
                row.append(v)
            rows.append(row)

    def command(self, cmd, arg=b""):
        self.seq = 0
        self.send_packet(bytes([cmd]) + arg)

    def query(self, sql):
        """Run sql; return the list of results (several for a multi-statement)."""
        self.command(3, sql.encode() if isinstance(sql, str) else sql)
        out = []
        while True:
            r = self.read_result()
            out.append(r)
            if isinstance(r, Err) or not (r.status & MORE_RESULTS):
                return out

    def query1(self, sql):
        r = self.query(sql)
        if len(r) != 1:
            raise ProtocolError("expected one result, got %d" % len(r))
        if isinstance(r[0], Err):
            raise r[0]
        return r[0]

    def close(self, quit=True):
        try:
            if quit:
                self.command(1)
        except OSError:
            pass
        self.sock.close()


def wait_closed(sock, timeout=10):
    """Read and discard until the server closes (EOF or reset). True if it did in time."""
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        return False
    return True
