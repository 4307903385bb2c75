/*
** packet.c: MySQL packet framing for mosim (see packet.h for the layers).
**
** Reading: wire_read_packet() reads a 4-byte header (int<3> length, int<1> sequence id)
** and the payload; a chunk of exactly 0xFFFFFF bytes means another chunk follows (the
** last one may be empty). The total is checked against the caller's limit *before* a
** chunk's payload is read, so an oversized header costs nothing.
**
** Writing: wire_write_packet() splits a payload into 0xFFFFFF-byte chunks (plus an empty
** trailing chunk when the payload is an exact multiple) and appends them to a buffered
** writer. The buffer is sent once it holds WIRE_OUT_FLUSH bytes, and by wire_flush() at
** the end of each reply, so a long result streams with flat memory. Payloads larger
** than the buffer bypass it.
**
** Replies follow protocol notes A6/A7: OK always carries status and warnings and a
** lenenc info only when non-empty; ERR is 0xFF, code, '#', SQLSTATE, message; EOF is 5
** bytes; the OK that ends a result set under CLIENT_DEPRECATE_EOF has header 0xFE; column
** definitions have the 0x0C fixed-length block and the 2-byte filler.
*/
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "packet.h"

/* ---- plain TCP I/O ----------------------------------------------------------------- */

/* recv() with EINTR retry. Returns bytes read, 0 on EOF, -1 on error or timeout. */
static ssize_t plain_read(wire_io *io, void *buf, size_t n)
{
    ssize_t r;
    do {
        r = recv(io->fd, buf, n, 0);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : r;
}

/* send() without SIGPIPE, with EINTR retry. Returns bytes written, -1 on error or
** timeout, or -2 when nonblock and the socket is full. */
static ssize_t plain_write(wire_io *io, const void *buf, size_t n, int nonblock)
{
    ssize_t r;
    do {
        r = send(io->fd, buf, n, MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
    } while (r < 0 && errno == EINTR);
    if (r < 0 && nonblock && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -2;
    return r <= 0 ? -1 : r;
}

/* poll() for POLLOUT up to ms. Returns 1 writable, 0 timeout, -1 error or hang-up. Shared by
** the plain and the TLS wire_io (a TLS session writes on the same socket). */
int wire_fd_wait_writable(wire_io *io, int ms)
{
    struct pollfd pfd = {io->fd, POLLOUT, 0};
    int r = poll(&pfd, 1, ms);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (r > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)))
        return -1;
    return r > 0;
}

/* Shut both directions down; a thread blocked in recv() wakes with EOF. No SSL call, so it
** may run on another thread; shared by the plain and the TLS wire_io. */
void wire_fd_shutdown(wire_io *io)
{
    if (io->fd >= 0)
        shutdown(io->fd, SHUT_RDWR);
}

/* Close the descriptor (idempotent). */
static void plain_close(wire_io *io)
{
    if (io->fd >= 0)
        close(io->fd);
    io->fd = -1;
}

/* Fill io with the plain-TCP functions over fd. */
void wire_io_plain(wire_io *io, int fd)
{
    io->fd = fd;
    io->impl = NULL;
    io->read = plain_read;
    io->write = plain_write;
    io->wait_writable = wire_fd_wait_writable;
    io->shutdown = wire_fd_shutdown;
    io->close = plain_close;
}

/* ---- wire_buf ---------------------------------------------------------------------- */

/* Free the buffer's memory and zero it. Accepts a zeroed buffer. */
void wire_buf_free(wire_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* Empty the buffer, keeping its memory. */
void wire_buf_reset(wire_buf *b)
{
    b->len = 0;
    b->oom = 0;
}

/* Make room for n more bytes. Returns 0, or -1 (and sets oom) when out of memory. */
static int buf_reserve(wire_buf *b, size_t n)
{
    size_t want, cap;
    unsigned char *p;
    if (b->oom)
        return -1;
    if (n > SIZE_MAX / 2 - b->len)
        goto fail;
    want = b->len + n;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    p = realloc(b->p, cap);
    if (!p)
        goto fail;
    b->p = p;
    b->cap = cap;
    return 0;
fail:
    b->oom = 1;
    return -1;
}

/* Append n raw bytes. */
void wire_buf_bytes(wire_buf *b, const void *p, size_t n)
{
    if (n == 0 || buf_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* Append n copies of byte c. */
void wire_buf_fill(wire_buf *b, int c, size_t n)
{
    if (n == 0 || buf_reserve(b, n) != 0)
        return;
    memset(b->p + b->len, c, n);
    b->len += n;
}

/* Append one byte. */
void wire_buf_u8(wire_buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    wire_buf_bytes(b, &c, 1);
}

/* Append a little-endian int<2>. */
void wire_buf_u16(wire_buf *b, unsigned v)
{
    unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    wire_buf_bytes(b, c, 2);
}

/* Append a little-endian int<4>. */
void wire_buf_u32(wire_buf *b, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    wire_buf_bytes(b, c, 4);
}

/* Append a length-encoded integer. */
void wire_buf_lenenc(wire_buf *b, uint64_t v)
{
    unsigned char c[9];
    size_t n, i;
    if (v < 251) {
        wire_buf_u8(b, (unsigned)v);
        return;
    }
    if (v < 0x10000) {
        c[0] = 0xFC;
        n = 2;
    } else if (v < 0x1000000) {
        c[0] = 0xFD;
        n = 3;
    } else {
        c[0] = 0xFE;
        n = 8;
    }
    for (i = 0; i < n; i++)
        c[1 + i] = (unsigned char)(v >> (8 * i));
    wire_buf_bytes(b, c, 1 + n);
}

/* Append a lenenc string of n bytes. */
void wire_buf_lenstr(wire_buf *b, const void *p, size_t n)
{
    wire_buf_lenenc(b, n);
    wire_buf_bytes(b, p, n);
}

/* Append s and its terminating NUL. */
void wire_buf_nulstr(wire_buf *b, const char *s)
{
    wire_buf_bytes(b, s, strlen(s) + 1);
}

/* ---- wire_rd ----------------------------------------------------------------------- */

/* Start reading len bytes at p. */
void wire_rd_init(wire_rd *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = 0;
}

/* Bytes not read yet. */
size_t wire_rd_left(const wire_rd *r)
{
    return r->len - r->pos;
}

/* Take n bytes: a pointer into the payload, or NULL (and bad set) past the end. */
const unsigned char *wire_rd_bytes(wire_rd *r, size_t n)
{
    const unsigned char *p;
    if (r->bad || n > r->len - r->pos) {
        r->bad = 1;
        return NULL;
    }
    p = r->p + r->pos;
    r->pos += n;
    return p;
}

/* Read an unsigned little-endian integer of n bytes (0 past the end). */
static uint64_t rd_int(wire_rd *r, size_t n)
{
    const unsigned char *p = wire_rd_bytes(r, n);
    uint64_t v = 0;
    size_t i;
    if (!p)
        return 0;
    for (i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Read int<1>. */
unsigned wire_rd_u8(wire_rd *r)
{
    return (unsigned)rd_int(r, 1);
}

/* Read int<2>. */
unsigned wire_rd_u16(wire_rd *r)
{
    return (unsigned)rd_int(r, 2);
}

/* Read int<4>. */
uint32_t wire_rd_u32(wire_rd *r)
{
    return (uint32_t)rd_int(r, 4);
}

/* Read a lenenc integer; 0xFB and 0xFF are not valid here and set bad. */
uint64_t wire_rd_lenenc(wire_rd *r)
{
    unsigned c = wire_rd_u8(r);
    if (c < 0xFB)
        return c;
    if (c == 0xFC)
        return rd_int(r, 2);
    if (c == 0xFD)
        return rd_int(r, 3);
    if (c == 0xFE)
        return rd_int(r, 8);
    r->bad = 1;
    return 0;
}

/* Read a NUL-terminated string. When no NUL remains, the rest of the payload is taken
** (clients omit trailing NULs). Returns a pointer into the payload (not NUL-terminated
** in that case) and its length in *n; NULL only when nothing is left. */
const char *wire_rd_nulstr(wire_rd *r, size_t *n)
{
    const unsigned char *p, *z;
    size_t left = wire_rd_left(r);
    *n = 0;
    if (r->bad || left == 0)
        return NULL;
    p = r->p + r->pos;
    z = memchr(p, 0, left);
    if (z) {
        *n = (size_t)(z - p);
        r->pos += *n + 1;
    } else {
        *n = left;
        r->pos += left;
    }
    return (const char *)p;
}

/* ---- wire_conn --------------------------------------------------------------------- */

/* Set up c over fd with the plain I/O layer. Returns 0 or -1 (out of memory; c is
** still safe to pass to wire_conn_free). */
int wire_conn_init(wire_conn *c, int fd)
{
    memset(c, 0, sizeof(*c));
    wire_io_plain(&c->io, fd);
    c->capout = 2 * WIRE_OUT_FLUSH;
    c->out = malloc(c->capout);
    return c->out ? 0 : -1;
}

/* Close the socket and free the buffers. */
void wire_conn_free(wire_conn *c)
{
    if (c->io.close)
        c->io.close(&c->io);
    free(c->out);
    c->out = NULL;
    wire_buf_free(&c->scratch);
}

/* Shut the socket down and mark the connection dead (buffered bytes are dropped). */
void wire_conn_kill(wire_conn *c)
{
    if (c->io.shutdown)
        c->io.shutdown(&c->io);
    c->dead = 1;
    c->off = c->nout = 0;
}

/* Refuse further packets; what is pending still goes out with the next flush. */
void wire_conn_end(wire_conn *c)
{
    c->ending = 1;
}

/* Read exactly n bytes. Returns 0, or -1 on EOF/error (connection marked dead). */
static int read_full(wire_conn *c, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = c->io.read(&c->io, p, n);
        if (r <= 0) {
            c->dead = 1;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Read one logical packet into payload. Returns WIRE_RD_OK, WIRE_RD_EOF or
** WIRE_RD_TOO_BIG (the oversized chunk's payload is left unread). */
int wire_read_packet(wire_conn *c, wire_buf *payload, size_t max)
{
    unsigned char h[4];
    size_t n;
    wire_buf_reset(payload);
    if (c->dead)
        return WIRE_RD_EOF;
    for (;;) {
        if (read_full(c, h, 4) != 0)
            return WIRE_RD_EOF;
        n = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
        c->seq = (uint8_t)(h[3] + 1);
        if (n > max || payload->len > max - n)
            return WIRE_RD_TOO_BIG;
        if (buf_reserve(payload, n) != 0)
            return WIRE_RD_TOO_BIG;
        if (read_full(c, payload->p + payload->len, n) != 0)
            return WIRE_RD_EOF;
        payload->len += n;
        if (n < WIRE_MAX_CHUNK)
            return WIRE_RD_OK;
    }
}

/* Write all n bytes to the socket, blocking. Returns 0 or -1 (connection dead). */
static int write_full(wire_conn *c, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = c->io.write(&c->io, p, n, 0);
        if (r <= 0) {
            c->dead = 1;
            c->off = c->nout = 0;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Blocking flush of out[off..nout). Returns 0 or -1. */
static int flush_blocking(wire_conn *c)
{
    size_t n = c->nout - c->off;
    int rc = n ? write_full(c, c->out + c->off, n) : 0;
    c->off = c->nout = 0;
    return rc;
}

/* Milliseconds since an arbitrary start. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deferred-mode flush: write what the socket takes without blocking; unless already
** spilling, wait up to WIRE_DEFER_WAIT_MS for the reader before starting to spill.
** Returns 0 or -1 (connection dead). */
static int flush_soft(wire_conn *c)
{
    long long deadline = 0;
    while (c->off < c->nout) {
        ssize_t r = c->io.write(&c->io, c->out + c->off, c->nout - c->off, 1);
        if (r > 0) {
            c->off += (size_t)r;
            continue;
        }
        if (r == -1) {
            c->dead = 1;
            c->off = c->nout = 0;
            return -1;
        }
        if (c->spilling)
            return 0;
        if (!deadline)
            deadline = now_ms() + WIRE_DEFER_WAIT_MS;
        if (now_ms() >= deadline) {
            c->spilling = 1;
            return 0;
        }
        if (c->io.wait_writable(&c->io, (int)(deadline - now_ms()) + 1) < 0) {
            c->dead = 1;
            c->off = c->nout = 0;
            return -1;
        }
    }
    c->off = c->nout = 0;
    return 0;
}

/* Send everything buffered (deferred mode: see flush_soft). Returns 0 or -1. */
int wire_flush(wire_conn *c)
{
    if (c->dead)
        return -1;
    return c->defer ? flush_soft(c) : flush_blocking(c);
}

/* Make room for n more pending bytes in deferred mode (compacting, then growing).
** Returns 0 or -1 (out of memory: the connection is killed). */
static int out_reserve(wire_conn *c, size_t n)
{
    size_t pending = c->nout - c->off, cap;
    unsigned char *p;
    if (c->nout + n <= c->capout)
        return 0;
    if (c->off > 0) {
        memmove(c->out, c->out + c->off, pending);
        c->off = 0;
        c->nout = pending;
        if (pending + n <= c->capout)
            return 0;
    }
    cap = c->capout;
    while (cap < pending + n)
        cap *= 2;
    p = realloc(c->out, cap);
    if (!p) {
        wire_conn_kill(c);
        return -1;
    }
    c->out = p;
    c->capout = cap;
    return 0;
}

/* Append framed bytes to the writer. Outside deferred mode a block larger than the
** buffer goes straight to the socket. */
int wire_write_raw(wire_conn *c, const void *p, size_t n)
{
    if (c->dead || c->ending)
        return -1;
    if (c->defer) {
        if (out_reserve(c, n) != 0)
            return -1;
        memcpy(c->out + c->nout, p, n);
        c->nout += n;
        if (c->nout - c->off > WIRE_SPILL_MAX)
            return flush_blocking(c);
        if (c->nout - c->off >= WIRE_OUT_FLUSH)
            return flush_soft(c);
        return 0;
    }
    if (c->nout + n > c->capout && flush_blocking(c) != 0)
        return -1;
    if (n >= c->capout)
        return write_full(c, p, n);
    memcpy(c->out + c->nout, p, n);
    c->nout += n;
    if (c->nout - c->off >= WIRE_OUT_FLUSH)
        return flush_blocking(c);
    return 0;
}

/* Enter or leave deferred mode (see packet.h). */
int wire_defer(wire_conn *c, int on)
{
    int rc = 0;
    unsigned char *p;
    if (on) {
        c->defer = 1;
        c->spilling = 0;
        return c->dead ? -1 : 0;
    }
    c->defer = 0;
    c->spilling = 0;
    if (!c->dead)
        rc = flush_blocking(c);
    c->off = c->nout = 0;
    if (c->capout > 2 * WIRE_OUT_FLUSH) {
        p = realloc(c->out, 2 * WIRE_OUT_FLUSH);
        if (p) {
            c->out = p;
            c->capout = 2 * WIRE_OUT_FLUSH;
        }
    }
    return c->dead ? -1 : rc;
}

/* Frame and queue one logical packet. Returns 0 or -1. */
int wire_write_packet(wire_conn *c, const void *payload, size_t len)
{
    const unsigned char *p = payload;
    for (;;) {
        size_t n = len < WIRE_MAX_CHUNK ? len : WIRE_MAX_CHUNK;
        unsigned char h[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16),
                              c->seq++};
        if (wire_write_raw(c, h, 4) != 0 || wire_write_raw(c, p, n) != 0)
            return -1;
        p += n;
        len -= n;
        if (n < WIRE_MAX_CHUNK)
            return 0;
    }
}

/* Send the scratch payload (or fail if it could not be built), then shrink scratch if
** a huge payload left it large. */
static int send_scratch(wire_conn *c)
{
    int rc = -1;
    if (!c->scratch.oom)
        rc = wire_write_packet(c, c->scratch.p, c->scratch.len);
    else
        wire_conn_kill(c);
    if (c->scratch.cap > (4u << 20))
        wire_buf_free(&c->scratch);
    wire_buf_reset(&c->scratch);
    return rc;
}

/* OK packet: 0x00, affected rows, last insert id, status, warnings, [lenenc info]. */
int wire_send_ok(wire_conn *c, uint64_t affected, uint64_t last_id, uint16_t status,
                 uint16_t warnings, const char *info)
{
    wire_buf *b = &c->scratch;
    if (c->dead)
        return -1;
    wire_buf_reset(b);
    wire_buf_u8(b, 0x00);
    wire_buf_lenenc(b, affected);
    wire_buf_lenenc(b, last_id);
    wire_buf_u16(b, status);
    wire_buf_u16(b, warnings);
    if (info && *info)
        wire_buf_lenstr(b, info, strlen(info));
    return send_scratch(c);
}

/* ERR packet: 0xFF, code, '#', 5-character SQLSTATE (HY000 when absent), message. */
int wire_send_err(wire_conn *c, uint16_t code, const char *sqlstate, const char *msg)
{
    wire_buf *b = &c->scratch;
    char st[5] = {'H', 'Y', '0', '0', '0'};
    if (c->dead)
        return -1;
    if (sqlstate && strlen(sqlstate) == 5)
        memcpy(st, sqlstate, 5);
    wire_buf_reset(b);
    wire_buf_u8(b, 0xFF);
    wire_buf_u16(b, code);
    wire_buf_u8(b, '#');
    wire_buf_bytes(b, st, 5);
    if (msg)
        wire_buf_bytes(b, msg, strlen(msg));
    return send_scratch(c);
}

/* EOF packet (5 bytes): 0xFE, warnings, status. */
int wire_send_eof(wire_conn *c, uint16_t warnings, uint16_t status)
{
    unsigned char p[5] = {0xFE, (unsigned char)warnings, (unsigned char)(warnings >> 8),
                          (unsigned char)status, (unsigned char)(status >> 8)};
    return c->dead ? -1 : wire_write_packet(c, p, sizeof(p));
}

/* OK packet ending a result set under CLIENT_DEPRECATE_EOF: 0xFE, affected rows 0, last
** id 0, status, warnings 0, and an empty lenenc info as MatrixOne writes it (8 bytes,
** short of 0xFFFFFF, so no client takes it for a row). */
int wire_send_ok_eof(wire_conn *c, uint16_t status)
{
    unsigned char p[8] = {0xFE, 0x00, 0x00, (unsigned char)status, (unsigned char)(status >> 8),
                          0x00, 0x00, 0x00};
    return c->dead ? -1 : wire_write_packet(c, p, sizeof(p));
}

/* Column count packet (lenenc). */
int wire_send_count(wire_conn *c, uint64_t ncol)
{
    wire_buf *b = &c->scratch;
    if (c->dead)
        return -1;
    wire_buf_reset(b);
    wire_buf_lenenc(b, ncol);
    return send_scratch(c);
}

/* ColumnDefinition41: catalog "def", empty schema/table/org_table, name twice, then the
** fixed block; COM_FIELD_LIST replies also carry a default value (sent as NULL). */
int wire_send_coldef(wire_conn *c, const mosim_col *col, int with_default)
{
    wire_buf *b = &c->scratch;
    const char *name = col->name ? col->name : "";
    size_t n = strlen(name);
    if (c->dead)
        return -1;
    wire_buf_reset(b);
    wire_buf_lenstr(b, "def", 3);
    wire_buf_lenstr(b, "", 0); /* schema */
    wire_buf_lenstr(b, "", 0); /* table */
    wire_buf_lenstr(b, "", 0); /* org_table */
    wire_buf_lenstr(b, name, n);
    wire_buf_lenstr(b, name, n);
    wire_buf_u8(b, 0x0C);
    wire_buf_u16(b, col->charset);
    wire_buf_u32(b, col->length);
    wire_buf_u8(b, col->type);
    wire_buf_u16(b, col->flags);
    wire_buf_u8(b, col->decimals);
    wire_buf_u16(b, 0); /* filler */
    if (with_default)
        wire_buf_u8(b, 0xFB);
    return send_scratch(c);
}

/* Text row: each value as a lenenc string, NULL as 0xFB. */
int wire_send_row(wire_conn *c, int n, const char *const *vals, const size_t *lens)
{
    wire_buf *b = &c->scratch;
    int i;
    if (c->dead)
        return -1;
    wire_buf_reset(b);
    for (i = 0; i < n; i++) {
        if (vals[i])
            wire_buf_lenstr(b, vals[i], lens[i]);
        else
            wire_buf_u8(b, 0xFB);
    }
    return send_scratch(c);
}
