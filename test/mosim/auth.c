/*
** auth.c: mosim's connection phase (protocol notes A2-A5).
**
** Sequence (sequence ids in brackets):
**   server: HandshakeV10 [0] with a fresh 20-byte printable scramble, capabilities
**           srv->caps (WIRE_SERVER_CAPS, without DEPRECATE_EOF under --no-deprecate-eof,
**           plus CLIENT_SSL when TLS is configured), charset 46, status AUTOCOMMIT,
**           plugin-data length 21, plugin mysql_native_password
**   client: with TLS: an SSLRequest [1] (the 32-byte prefix of the response with
**           CLIENT_SSL), then the TLS handshake (tls.c), then everything below over TLS
**           with the ids shifted by one
**   client: HandshakeResponse41 [1 or 2], parsed with (client AND server) flags
**   server: when the client's plugin is not mysql_native_password (incl. empty or
**           dummy_fallback_auth): AuthSwitchRequest [2] with a new scramble + NUL;
**           client: the 20-byte token [3]
**   server: OK or ERR [2 or 4]; the OK's status is 0x0810 (SERVER_STATUS_MO_EXTRA without
**           AUTOCOMMIT), as a real MatrixOne sends it (protocol notes A10)
** The login name goes to mosim_engine_lookup(), which returns SHA1(SHA1(password));
** the token is checked as MatrixOne's CheckPassword does. A database in the response is
** then applied like COM_INIT_DB (an error there fails the login). The outcome is logged
** as `CONNECT <login>`.
**
** With --tls-require a login without TLS gets ERR 3159 (HY000) `Connections using
** insecure transport are prohibited while --require_secure_transport=ON.` (MySQL's text;
** MatrixOne has no such switch). A failed TLS handshake closes the connection without a
** reply (the byte stream is not MySQL any more) and is reported on stderr.
**
** Wrong password: ERR 1045 SQLSTATE 28000
**   `Access denied for user <login>. internal error: check password failed`
** (assumed MatrixOne-like wording; the engine's own lookup errors are sent as given).
*/
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "wire.h"

#define NATIVE            "mysql_native_password"
#define AUTH_MAX_PACKET   65536u /* a handshake response is small */
#define AUTH_RECV_TIMEOUT 30     /* seconds to finish logging in */

/* The parsed HandshakeResponse41 (pointers into the payload). */
typedef struct auth_resp {
    uint32_t flags; /* client flags AND server flags */
    char login[256];
    unsigned char token[64];
    size_t ntoken;
    char db[256];
    int has_db;
    char plugin[64];
} auth_resp;

/* Fill s with n printable random characters (alphanumeric: no NUL, no '$'). */
static void make_scramble(unsigned char *s, size_t n)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t i;
    if (RAND_bytes(s, (int)n) != 1)
        for (i = 0; i < n; i++)
            s[i] = (unsigned char)(i * 37 + 11);
    for (i = 0; i < n; i++)
        s[i] = (unsigned char)set[s[i] % (sizeof(set) - 1)];
}

/* Send HandshakeV10 (seq 0). */
static int send_greeting(wire_client *cl, const unsigned char scramble[20])
{
    wire_buf *b = &cl->conn.scratch;
    uint32_t caps = cl->srv->caps;
    wire_buf_reset(b);
    wire_buf_u8(b, 10);
    wire_buf_nulstr(b, MOSIM_SERVER_VERSION);
    wire_buf_u32(b, cl->sess.conn_id);
    wire_buf_bytes(b, scramble, 8);
    wire_buf_u8(b, 0);
    wire_buf_u16(b, caps & 0xFFFF);
    wire_buf_u8(b, 46);
    wire_buf_u16(b, SERVER_STATUS_AUTOCOMMIT);
    wire_buf_u16(b, caps >> 16);
    wire_buf_u8(b, 21);
    wire_buf_fill(b, 0, 10);
    wire_buf_bytes(b, scramble + 8, 12);
    wire_buf_u8(b, 0);
    wire_buf_nulstr(b, NATIVE);
    if (b->oom)
        return -1;
    cl->conn.seq = 0;
    if (wire_write_packet(&cl->conn, b->p, b->len) != 0)
        return -1;
    return wire_flush(&cl->conn);
}

/* Copy s[0..n) into dst (size cap) as a C string; returns -1 if it does not fit or
** contains a NUL. */
static int copy_str(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap || (n && memchr(s, 0, n)))
        return -1;
    memcpy(dst, s, n);
    dst[n] = 0;
    return 0;
}

/* Parse HandshakeResponse41 from payload into a. Returns 0, or -1 when malformed. */
static int parse_response(const wire_buf *payload, uint32_t caps, auth_resp *a)
{
    wire_rd r;
    const char *s;
    const unsigned char *t;
    size_t n;
    uint64_t len;
    memset(a, 0, sizeof(*a));
    wire_rd_init(&r, payload->p, payload->len);
    a->flags = wire_rd_u32(&r) & caps;
    wire_rd_u32(&r); /* max packet size */
    wire_rd_u8(&r);  /* collation */
    wire_rd_bytes(&r, 23);
    if (r.bad || !(a->flags & CLIENT_PROTOCOL_41))
        return -1;
    s = wire_rd_nulstr(&r, &n);
    if (!s || copy_str(a->login, sizeof(a->login), s, n) != 0)
        return -1;
    if (a->flags & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
        len = wire_rd_lenenc(&r);
    else if (a->flags & CLIENT_SECURE_CONNECTION)
        len = wire_rd_u8(&r);
    else
        return -1; /* pre-4.1 auth is not supported */
    if (r.bad || len > sizeof(a->token))
        return -1;
    t = wire_rd_bytes(&r, (size_t)len);
    if (!t)
        return -1;
    memcpy(a->token, t, (size_t)len);
    a->ntoken = (size_t)len;
    if ((a->flags & CLIENT_CONNECT_WITH_DB) && wire_rd_left(&r) > 0) {
        s = wire_rd_nulstr(&r, &n);
        if (copy_str(a->db, sizeof(a->db), s, n) != 0)
            return -1;
        a->has_db = n > 0;
    }
    if (a->flags & CLIENT_PLUGIN_AUTH) {
        s = wire_rd_nulstr(&r, &n);
        if (s && copy_str(a->plugin, sizeof(a->plugin), s, n) != 0)
            a->plugin[0] = 0; /* an unknown long name: switch */
    } else {
        strcpy(a->plugin, NATIVE); /* the client cannot switch */
    }
    /* Connection attributes (CLIENT_CONNECT_ATTRS) are ignored. */
    return 0;
}

/* AuthSwitchRequest (0xFE, plugin, new scramble + NUL), then read the client's token
** into a. Returns 0, or -1 when the client went away or sent too much. */
static int auth_switch(wire_client *cl, auth_resp *a, unsigned char scramble[20])
{
    wire_buf *b = &cl->conn.scratch;
    wire_buf in = {0};
    int rc = -1;
    make_scramble(scramble, 20);
    wire_buf_reset(b);
    wire_buf_u8(b, 0xFE);
    wire_buf_nulstr(b, NATIVE);
    wire_buf_bytes(b, scramble, 20);
    wire_buf_u8(b, 0);
    if (b->oom || wire_write_packet(&cl->conn, b->p, b->len) != 0 || wire_flush(&cl->conn) != 0)
        goto out;
    if (wire_read_packet(&cl->conn, &in, AUTH_MAX_PACKET) != WIRE_RD_OK)
        goto out;
    if (in.len > sizeof(a->token))
        goto out;
    if (in.len)
        memcpy(a->token, in.p, in.len);
    a->ntoken = in.len;
    rc = 0;
out:
    wire_buf_free(&in);
    return rc;
}

/* mysql_native_password check: 1 if token proves knowledge of the password whose
** SHA1(SHA1()) is h2 (an account without a password needs an empty token). */
static int check_token(const unsigned char scramble[20], const uint8_t h2[20], int has_password,
                       const unsigned char *token, size_t ntoken)
{
    unsigned char buf[40], x[20], h1[20], check[20];
    int i;
    if (!has_password)
        return ntoken == 0;
    if (ntoken != 20)
        return 0;
    memcpy(buf, scramble, 20);
    memcpy(buf + 20, h2, 20);
    SHA1(buf, 40, x);
    for (i = 0; i < 20; i++)
        h1[i] = token[i] ^ x[i];
    SHA1(h1, 20, check);
    return memcmp(check, h2, 20) == 0;
}

/* Sink context capturing the answer to the handshake's initial database. */
typedef struct use_capture {
    int failed;
    uint16_t code;
    char sqlstate[6];
    char msg[512];
} use_capture;

/* Capture sink: OK. */
static int cap_ok(void *ctx, uint64_t affected, const char *info)
{
    return 0;
}

/* Capture sink: ERR. */
static int cap_err(void *ctx, uint16_t code, const char *sqlstate, const char *message)
{
    use_capture *u = ctx;
    u->failed = 1;
    u->code = code;
    snprintf(u->sqlstate, sizeof(u->sqlstate), "%s", sqlstate ? sqlstate : "HY000");
    snprintf(u->msg, sizeof(u->msg), "%s", message ? message : "");
    return 0;
}

/* Capture sink: a result set is not a valid answer to `use`; ignored. */
static int cap_columns(void *ctx, int ncol, const mosim_col *cols)
{
    return -1;
}

/* Capture sink: rows are ignored. */
static int cap_row(void *ctx, int ncol, const char *const *vals, const size_t *lens)
{
    return -1;
}

/* Capture sink: end of rows, ignored. */
static int cap_done(void *ctx)
{
    return 0;
}

/* Fail the login: send ERR, log it. Returns -1. */
static int deny(wire_client *cl, const char *login, uint16_t code, const char *state,
                const char *msg)
{
    char outcome[32];
    wire_send_err(&cl->conn, code, state, msg);
    wire_flush(&cl->conn);
    snprintf(outcome, sizeof(outcome), "err=%u", code);
    if (login) {
        char line[300];
        int n = snprintf(line, sizeof(line), "CONNECT %s", login);
        wire_log(cl->sess.conn_id, NULL, outcome, line, (size_t)n);
    }
    return -1;
}

/* If in (the first response) is an SSLRequest and TLS is on, run the TLS handshake and
** read the real response into in. Sets *tls to 1 when the session is now encrypted.
** Returns 0 to go on (TLS or plain), -1 when the connection must be closed. */
static int maybe_start_tls(wire_client *cl, wire_buf *in, int *tls)
{
    char err[256];
    uint32_t raw;
    *tls = 0;
    if (!wire_tls_enabled() || in->len < 4)
        return 0;
    raw = (uint32_t)in->p[0] | (uint32_t)in->p[1] << 8 | (uint32_t)in->p[2] << 16 |
          (uint32_t)in->p[3] << 24;
    if (!(raw & CLIENT_SSL) || in->len != 32)
        return 0; /* plain text; a full response with CLIENT_SSL set is parsed as usual */
    if (wire_tls_start(&cl->conn, err, sizeof(err)) != 0) {
        fprintf(stderr, "mosim: connection %u: TLS handshake failed: %s\n", cl->sess.conn_id, err);
        return -1;
    }
    fprintf(stderr, "mosim: connection %u: TLS %s\n", cl->sess.conn_id, wire_tls_cipher(&cl->conn));
    *tls = 1;
    return wire_read_packet(&cl->conn, in, AUTH_MAX_PACKET) == WIRE_RD_OK ? 0 : -1;
}

/* Set a receive timeout of sec seconds on the client socket. */
static void recv_timeout(wire_client *cl, int sec)
{
    struct timeval tv = {sec, 0};
    setsockopt(cl->conn.io.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* See wire.h. */
int wire_auth(wire_client *cl)
{
    unsigned char scramble[20];
    uint8_t h2[20];
    int has_password = 0, rc = -1, n, tls = 0;
    uint16_t code = 0;
    char msg[512], line[300];
    wire_buf in = {0};
    auth_resp a;
    mosim_session *s = &cl->sess;

    recv_timeout(cl, AUTH_RECV_TIMEOUT);
    make_scramble(scramble, 20);
    if (send_greeting(cl, scramble) != 0)
        goto out;
    n = wire_read_packet(&cl->conn, &in, AUTH_MAX_PACKET);
    if (n != WIRE_RD_OK)
        goto out; /* gone, or a response no client sends: just close */
    if (maybe_start_tls(cl, &in, &tls) != 0)
        goto out;
    if (parse_response(&in, cl->srv->caps, &a) != 0) {
        deny(cl, NULL, 1043, "08S01", "Bad handshake");
        goto out;
    }
    if (!tls && wire_tls_required()) {
        deny(cl, a.login, 3159, "HY000",
             "Connections using insecure transport are prohibited while "
             "--require_secure_transport=ON.");
        goto out;
    }
    cl->client_flags = a.flags;
    cl->multi = (a.flags & CLIENT_MULTI_STATEMENTS) != 0;
    if (strcmp(a.plugin, NATIVE) != 0 && auth_switch(cl, &a, scramble) != 0) {
        n = snprintf(line, sizeof(line), "CONNECT %s", a.login);
        wire_log(s->conn_id, NULL, "lost", line, (size_t)n);
        goto out;
    }
    if (mosim_engine_lookup(cl->srv->engine, a.login, s, h2, &has_password, &code, msg,
                            sizeof(msg)) != 0) {
        deny(cl, a.login, code ? code : 1045, code == 1045 || !code ? "28000" : "HY000", msg);
        goto out;
    }
    if (!check_token(scramble, h2, has_password, a.token, a.ntoken)) {
        snprintf(msg, sizeof(msg),
                 "Access denied for user %s. internal error: check password failed", a.login);
        deny(cl, a.login, 1045, "28000", msg);
        goto out;
    }
    if (a.has_db) {
        use_capture u = {0};
        mosim_sink sink = {&u, cap_ok, cap_err, cap_columns, cap_row, cap_done};
        mosim_engine_use(cl->srv->engine, s, a.db, strlen(a.db), &sink);
        if (u.failed) {
            deny(cl, a.login, u.code, u.sqlstate, u.msg);
            goto out;
        }
    }
    if (wire_send_ok(&cl->conn, 0, 0, SERVER_STATUS_MO_EXTRA, 0, NULL) != 0 ||
        wire_flush(&cl->conn) != 0)
        goto out;
    n = snprintf(line, sizeof(line), "CONNECT %s", a.login);
    wire_log(s->conn_id, s->account, "ok=0", line, (size_t)n);
    rc = 0;
out:
    recv_timeout(cl, 600);
    wire_buf_free(&in);
    return rc;
}
