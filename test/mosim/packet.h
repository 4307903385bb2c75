/*
** packet.h: the MySQL packet layer of mosim's wire half.
**
** Three pieces, bottom up:
**   - wire_io: the one socket I/O layer (read, write, shutdown, close as function
**     pointers). Everything above it goes through these four calls, so TLS can slot in
**     later by filling a wire_io with OpenSSL functions; wire_io_plain() makes the
**     plain-TCP one.
**   - wire_buf / wire_rd: a growable byte builder and a bounds-checked reader for
**     payloads (little-endian ints, lenenc ints and strings, NUL strings).
**   - wire_conn: one client connection's framing state: the next sequence id, a buffered
**     writer (flushed at WIRE_OUT_FLUSH bytes and by wire_flush()), the 16 MiB split on
**     write and the reassembly on read, and the generic replies (OK, ERR, EOF, column
**     definition, text row).
**
** Deferred mode (wire_defer): while the engine runs it may hold its lock, so a client
** that stops reading must not block the writer there. In deferred mode a flush sends
** what the socket takes without blocking and waits at most WIRE_DEFER_WAIT_MS for a
** slow reader; if the client still does not drain, the writer "spills": it keeps the
** rest in memory (up to WIRE_SPILL_MAX, past which it blocks after all) until
** wire_defer(c, 0) sends it with ordinary blocking writes, outside the engine. A client
** that keeps reading therefore gets rows as they are produced with flat memory.
**
** Error handling: every write function returns 0, or -1 once the connection is dead
** (a write failed or the connection was closed); after that every call is a no-op that
** returns -1, so callers may check only where they need to.
*/
#ifndef MOSIM_PACKET_H
#define MOSIM_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mosim.h"

/* Capability flags (protocol notes A3). */
#define CLIENT_LONG_PASSWORD                  0x00000001u
#define CLIENT_FOUND_ROWS                     0x00000002u
#define CLIENT_LONG_FLAG                      0x00000004u
#define CLIENT_CONNECT_WITH_DB                0x00000008u
#define CLIENT_LOCAL_FILES                    0x00000080u
#define CLIENT_PROTOCOL_41                    0x00000200u
#define CLIENT_INTERACTIVE                    0x00000400u
#define CLIENT_SSL                            0x00000800u
#define CLIENT_TRANSACTIONS                   0x00002000u
#define CLIENT_SECURE_CONNECTION              0x00008000u
#define CLIENT_MULTI_STATEMENTS               0x00010000u
#define CLIENT_MULTI_RESULTS                  0x00020000u
#define CLIENT_PLUGIN_AUTH                    0x00080000u
#define CLIENT_CONNECT_ATTRS                  0x00100000u
#define CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA 0x00200000u
#define CLIENT_DEPRECATE_EOF                  0x01000000u

/* What mosim announces: MatrixOne's 0x013BA68F (spec 7, seen on a real server): no SSL
** (added when TLS is configured), COMPRESS, SESSION_TRACK; with DEPRECATE_EOF, which
** `--no-deprecate-eof` takes away (0x003BA68F). */
#define WIRE_SERVER_CAPS 0x013BA68Fu

/* Server status flags (protocol notes A10). */
#define SERVER_STATUS_IN_TRANS     0x0001
#define SERVER_STATUS_AUTOCOMMIT   0x0002
#define SERVER_MORE_RESULTS_EXISTS 0x0008
/* MatrixOne's extendStatus: NO_GOOD_INDEX_USED | QUERY_WAS_SLOW on every OK and on the
** final EOF/OK of a result set (so 0x0812 with autocommit on, spec 7). */
#define SERVER_STATUS_MO_EXTRA 0x0810

#define WIRE_MAX_CHUNK     0xFFFFFFu   /* largest payload of one physical packet */
#define WIRE_MAX_PACKET    (64u << 20) /* largest logical payload mosim accepts */
#define WIRE_OUT_FLUSH     (64u << 10) /* buffered-writer flush threshold */
#define WIRE_DEFER_WAIT_MS 50          /* deferred mode: wait for a slow reader */
#define WIRE_SPILL_MAX     (32u << 20) /* deferred mode: most bytes kept for a stalled one */

/* ---- socket I/O layer -------------------------------------------------------------- */

typedef struct wire_io wire_io;
struct wire_io {
    int fd;
    void *impl; /* reserved for a TLS session */
    /* Read up to n bytes: > 0 bytes read, 0 on EOF, -1 on error or timeout. */
    ssize_t (*read)(wire_io *io, void *buf, size_t n);
    /* Write up to n bytes: > 0 bytes written, -1 on error or timeout; with nonblock,
    ** -2 when nothing can be written now. */
    ssize_t (*write)(wire_io *io, const void *buf, size_t n, int nonblock);
    /* Wait up to ms for the socket to become writable: 1 writable, 0 not yet, -1 error. */
    int (*wait_writable)(wire_io *io, int ms);
    /* Stop both directions (wakes a blocked read); the fd stays open. */
    void (*shutdown)(wire_io *io);
    /* Release everything and close the fd. */
    void (*close)(wire_io *io);
};

/* Fill io with the plain-TCP implementation over fd. */
void wire_io_plain(wire_io *io, int fd);
/* The socket-level parts every wire_io shares: wait until io->fd is writable (1, 0 on
** timeout, -1 on error or hang-up) and shut the socket down both ways. */
int wire_fd_wait_writable(wire_io *io, int ms);
void wire_fd_shutdown(wire_io *io);

/* ---- payload builder and reader ---------------------------------------------------- */

typedef struct wire_buf {
    unsigned char *p;
    size_t len, cap;
    int oom; /* an allocation failed: contents are incomplete */
} wire_buf;

void wire_buf_free(wire_buf *b);
void wire_buf_reset(wire_buf *b);
void wire_buf_bytes(wire_buf *b, const void *p, size_t n);
void wire_buf_u8(wire_buf *b, unsigned v);
void wire_buf_u16(wire_buf *b, unsigned v);
void wire_buf_u32(wire_buf *b, uint32_t v);
void wire_buf_fill(wire_buf *b, int c, size_t n);
void wire_buf_lenenc(wire_buf *b, uint64_t v);
void wire_buf_lenstr(wire_buf *b, const void *p, size_t n);
void wire_buf_nulstr(wire_buf *b, const char *s);

typedef struct wire_rd {
    const unsigned char *p;
    size_t len, pos;
    int bad; /* a read ran past the end */
} wire_rd;

void wire_rd_init(wire_rd *r, const void *p, size_t len);
unsigned wire_rd_u8(wire_rd *r);
unsigned wire_rd_u16(wire_rd *r);
uint32_t wire_rd_u32(wire_rd *r);
uint64_t wire_rd_lenenc(wire_rd *r);
const unsigned char *wire_rd_bytes(wire_rd *r, size_t n);
const char *wire_rd_nulstr(wire_rd *r, size_t *n);
size_t wire_rd_left(const wire_rd *r);

/* ---- connection framing ------------------------------------------------------------ */

typedef struct wire_conn {
    wire_io io;
    uint8_t seq;        /* sequence id of the next packet sent */
    int dead;           /* I/O failed or the connection was closed on purpose */
    int ending;         /* no more packets: close once the pending bytes are sent */
    int defer;          /* deferred mode (see above) */
    int spilling;       /* deferred mode gave up waiting for the reader */
    unsigned char *out; /* pending bytes are out[off..nout) */
    size_t off, nout, capout;
    wire_buf scratch; /* payload under construction */
} wire_conn;

/* Results of wire_read_packet(). */
#define WIRE_RD_OK      0
#define WIRE_RD_EOF     -1 /* peer closed, I/O error or timeout */
#define WIRE_RD_TOO_BIG -2 /* logical payload would exceed max */

/* Set up c over the socket fd (plain TCP). Returns 0 or -1 (out of memory). */
int wire_conn_init(wire_conn *c, int fd);
/* Close the socket and free the buffers; accepts a zeroed or half-built conn. */
void wire_conn_free(wire_conn *c);
/* Shut the socket down (no more I/O) and mark the connection dead. */
void wire_conn_kill(wire_conn *c);
/* Accept no more packets; the owner sends what is pending and then kills. */
void wire_conn_end(wire_conn *c);
/* Enter (on = 1) or leave (on = 0) deferred mode; leaving sends everything pending
** with blocking writes. Returns 0 or -1 (connection dead). */
int wire_defer(wire_conn *c, int on);

/* Read one logical packet (16 MiB chunks reassembled) into payload, replacing its
** contents. Sets c->seq to the id after the last chunk read. */
int wire_read_packet(wire_conn *c, wire_buf *payload, size_t max);

/* Frame payload into packets (16 MiB split with a trailing empty packet when needed),
** numbering them from c->seq, into the buffered writer. */
int wire_write_packet(wire_conn *c, const void *payload, size_t len);
/* Send everything buffered (in deferred mode: as much as the client takes now). */
int wire_flush(wire_conn *c);
/* Write raw bytes (already framed) to the buffered writer. */
int wire_write_raw(wire_conn *c, const void *p, size_t n);

/* Generic replies, built in c->scratch. info and msg may be NULL. */
int wire_send_ok(wire_conn *c, uint64_t affected, uint64_t last_id, uint16_t status,
                 uint16_t warnings, const char *info);
int wire_send_err(wire_conn *c, uint16_t code, const char *sqlstate, const char *msg);
int wire_send_eof(wire_conn *c, uint16_t warnings, uint16_t status);
/* The OK packet with header 0xFE that ends a result set when CLIENT_DEPRECATE_EOF was
** negotiated (0 affected rows, 0 last id, status, 0 warnings, empty lenenc info). */
int wire_send_ok_eof(wire_conn *c, uint16_t status);
int wire_send_count(wire_conn *c, uint64_t ncol);
/* One ColumnDefinition41; with_default adds the (NULL) default-value field of
** COM_FIELD_LIST replies. */
int wire_send_coldef(wire_conn *c, const mosim_col *col, int with_default);
/* One text row of n values (vals[i] NULL = SQL NULL). */
int wire_send_row(wire_conn *c, int n, const char *const *vals, const size_t *lens);

#endif /* MOSIM_PACKET_H */
