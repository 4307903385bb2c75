/*
** reply.c: the mosim_sink that turns one engine answer into packets, faults included.
**
** Usage (server.c, per statement):
**   wire_reply r;  mosim_sink sink;
**   wire_reply_init(&r, cl, more, fault_or_NULL);
**   if (!wire_reply_preempt(&r)) { sink = wire_reply_sink(&r); mosim_engine_exec(..., &sink); }
**   keep_going = wire_reply_finish(&r, outcome, sizeof(outcome)) == 0;
**
** How it works: the sink enforces "exactly one answer" (ok, or err, or columns + rows +
** done; a stray call returns -1) and writes each packet as it comes, so rows stream
** through the connection's 64 KiB buffered writer. A result set is count, definitions,
** EOF, rows, EOF; or, when the client and the server agreed on CLIENT_DEPRECATE_EOF,
** count, definitions, rows and an OK whose header is 0xFE (spec 7). Status flags come
** from the session at the moment the packet is written: OKs and the final EOF/OK add
** MatrixOne's 0x0810 and, on a non-final result of a multi-statement,
** SERVER_MORE_RESULTS_EXISTS; the EOF after the definitions carries the session flags
** alone (as MatrixOne). An engine ERR with a client-
** range code (2000-2999, 5000-5999, 65535, or 0) is sent as 20101 instead: only an
** explicit ERROR fault may send those.
**
** Faults (see fault.c for the grammar): ERROR and STALL preempt execution
** (wire_reply_preempt); DROP swallows the whole answer and closes; CLOSE AFTER n ROWS
** closes after the n-th row (or instead of an OK/ERR, or at the end of a shorter
** result); MALFORMED replaces the first row (or the OK/ERR) with a packet whose lenenc
** runs past its end; LIE rewrites the result set as it streams.
*/
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire.h"

#define HUGE_LEN  (1u << 20) /* LIE HUGE: 1 MiB of 'x' */
#define STALL_MAX 600        /* seconds a STALL waits for the client to go */

/* Status flags for this reply's final packets. */
static uint16_t status_of(const wire_reply *r)
{
    return (uint16_t)(wire_status_ok(&r->cl->sess) | r->more);
}

/* End the connection: nothing more is sent; wire_reply_finish() sends what is pending,
** then closes. Marks the reply lost and returns -1. */
static int drop_now(wire_reply *r)
{
    wire_conn_end(&r->cl->conn);
    r->lost = 1;
    return -1;
}

/* Return -1 (and mark the reply lost) when the connection is dead or ending, else 0. */
static int alive(wire_reply *r)
{
    if (r->cl->conn.dead || r->cl->conn.ending) {
        r->lost = 1;
        return -1;
    }
    return 0;
}

/* A row whose first lenenc string claims 65535 bytes but carries 3 (protocol notes C23). */
static int send_malformed_row(wire_conn *c)
{
    static const unsigned char p[] = {0xFC, 0xFF, 0xFF, 'a', 'b', 'c'};
    return wire_write_packet(c, p, sizeof(p));
}

/* An OK packet whose info lenenc claims 255 bytes but carries 1. */
static int send_malformed_ok(wire_conn *c, uint16_t status)
{
    unsigned char p[] = {
        0x00, 0x00, 0x00, (unsigned char)status, (unsigned char)(status >> 8), 0x00, 0x00, 0xFC,
        0xFF, 0x00, 'x'};
    return wire_write_packet(c, p, sizeof(p));
}

/* The outcome of r as the log shows it. */
static void reply_outcome(const wire_reply *r, char *outcome, size_t n)
{
    if (r->lost)
        snprintf(outcome, n, "lost");
    else if (r->answer == A_ROWS)
        snprintf(outcome, n, "rows=%" PRIu64, r->rows);
    else if (r->answer == A_ERR)
        snprintf(outcome, n, "err=%u", r->code);
    else
        snprintf(outcome, n, "ok=%" PRIu64, r->affected);
}

/* Write r's log line now (once), before the final flush of a complete answer. */
static void reply_log(wire_reply *r)
{
    char outcome[48];
    if (r->logtext == NULL || r->logged)
        return;
    if (r->cl->conn.dead)
        r->lost = 1;
    reply_outcome(r, outcome, sizeof(outcome));
    wire_log(r->cl->sess.conn_id, r->cl->sess.account, outcome, r->logtext, r->loglen);
    r->logged = 1;
}

/* Sink: OK. */
static int r_ok(void *ctx, uint64_t affected, const char *info)
{
    wire_reply *r = ctx;
    wire_conn *c = &r->cl->conn;
    if (r->state != R_NONE)
        return -1;
    r->state = R_DONE;
    r->affected = affected;
    r->answer = A_OK;
    switch (r->fault.kind) {
    case FAULT_DROP:
        return -1;
    case FAULT_CLOSE:
        return drop_now(r);
    case FAULT_MALFORMED:
        send_malformed_ok(c, status_of(r));
        break;
    default:
        wire_send_ok(c, affected, 0, status_of(r), 0, info);
        break;
    }
    reply_log(r);
    wire_flush(c);
    return alive(r);
}

/* Sink: ERR (also valid instead of a row, ending the result). */
static int r_err(void *ctx, uint16_t code, const char *sqlstate, const char *message)
{
    wire_reply *r = ctx;
    wire_conn *c = &r->cl->conn;
    if (r->state == R_DONE)
        return -1;
    r->state = R_DONE;
    if (code == 0 || code == 65535 || (code >= 2000 && code <= 2999) ||
        (code >= 5000 && code <= 5999))
        code = 20101;
    r->code = code;
    r->answer = A_ERR;
    switch (r->fault.kind) {
    case FAULT_DROP:
        return -1;
    case FAULT_CLOSE:
        return drop_now(r);
    case FAULT_MALFORMED:
        send_malformed_ok(c, status_of(r));
        break;
    default:
        wire_send_err(c, code, sqlstate, message);
        break;
    }
    reply_log(r);
    wire_flush(c);
    return alive(r);
}

/* Sink: column definitions (a result set, or the COM_FIELD_LIST answer). */
static int r_columns(void *ctx, int ncol, const mosim_col *cols)
{
    wire_reply *r = ctx;
    wire_conn *c = &r->cl->conn;
    int i;
    if (r->state != R_NONE || ncol < 0 || (ncol == 0 && !r->field_list) || (ncol && !cols))
        return -1; /* only a COM_FIELD_LIST answer may have no columns */
    r->state = R_ROWS;
    r->ncol = r->nsent = ncol;
    r->answer = A_ROWS;
    if (r->fault.kind == FAULT_DROP)
        return -1;
    if (r->fault.kind == FAULT_LIE && ncol > 0) {
        if (r->fault.lie == LIE_COLUMNS && ncol > 1)
            r->nsent = ncol - 1;
        r->vals = calloc((size_t)ncol, sizeof(*r->vals));
        r->lens = calloc((size_t)ncol, sizeof(*r->lens));
        if (!r->vals || !r->lens)
            return drop_now(r);
    }
    if (!r->field_list)
        wire_send_count(c, (uint64_t)r->nsent);
    for (i = 0; i < r->nsent; i++)
        wire_send_coldef(c, &cols[i], r->field_list);
    if (!r->field_list && !wire_deprecate_eof(r->cl))
        wire_send_eof(c, 0, wire_status(&r->cl->sess));
    else if (r->field_list)
        r->rows = (uint64_t)ncol; /* the log counts definitions for COM_FIELD_LIST */
    if (r->fault.kind == FAULT_CLOSE && r->fault.n == 0)
        return drop_now(r);
    return alive(r);
}

/* Apply the LIE fault to a row: fills r->vals/lens and returns how many values to send. */
static int lie_row(wire_reply *r, int n, const char *const *vals, const size_t *lens)
{
    int i, idx;
    for (i = 0; i < n; i++) {
        r->vals[i] = vals[i];
        r->lens[i] = lens[i];
    }
    switch (r->fault.lie) {
    case LIE_COLUMNS:
        return r->nsent < n ? r->nsent : n;
    case LIE_NULL:
        r->vals[0] = NULL;
        r->lens[0] = 0;
        break;
    case LIE_RANGE:
        idx = n >= 8 ? 7 : n - 1;
        r->vals[idx] = "abc";
        r->lens[idx] = 3;
        break;
    case LIE_HUGE:
        if (r->rows > 0)
            break;
        if (!r->huge) {
            r->huge = malloc(HUGE_LEN);
            if (!r->huge)
                break;
            memset(r->huge, 'x', HUGE_LEN);
        }
        r->vals[0] = r->huge;
        r->lens[0] = HUGE_LEN;
        break;
    case LIE_SHORTROW:
        if (r->rows == 0 && n > 1)
            return n - 1;
        break;
    }
    return n;
}

/* Sink: one row. */
static int r_row(void *ctx, int ncol, const char *const *vals, const size_t *lens)
{
    wire_reply *r = ctx;
    wire_conn *c = &r->cl->conn;
    int n = ncol < r->ncol ? ncol : r->ncol;
    if (r->state != R_ROWS || n <= 0)
        return -1;
    switch (r->fault.kind) {
    case FAULT_DROP:
        return -1;
    case FAULT_MALFORMED:
        if (r->rows == 0) {
            send_malformed_row(c);
            r->rows = 1;
        }
        return -1;
    case FAULT_LIE:
        n = lie_row(r, n, vals, lens);
        wire_send_row(c, n, (const char *const *)r->vals, r->lens);
        break;
    default:
        wire_send_row(c, n, vals, lens);
        break;
    }
    if (alive(r) != 0)
        return -1;
    r->rows++;
    if (r->fault.kind == FAULT_CLOSE && r->rows >= r->fault.n)
        return drop_now(r);
    return 0;
}

/* Sink: end of the rows. */
static int r_done(void *ctx)
{
    wire_reply *r = ctx;
    wire_conn *c = &r->cl->conn;
    uint16_t status;
    if (r->state != R_ROWS)
        return -1;
    r->state = R_DONE;
    switch (r->fault.kind) {
    case FAULT_DROP:
        return -1;
    case FAULT_CLOSE:
        return drop_now(r);
    case FAULT_MALFORMED:
        if (r->rows == 0 && !r->field_list) {
            send_malformed_row(c);
            r->rows = 1;
        }
        break;
    default:
        break;
    }
    /* Send what is buffered first, so a client that vanished is seen (logged lost),
    ** then log, then the final EOF (or OK). */
    wire_flush(c);
    reply_log(r);
    status = r->field_list ? wire_status(&r->cl->sess) : status_of(r);
    if (wire_deprecate_eof(r->cl))
        wire_send_ok_eof(c, status);
    else
        wire_send_eof(c, 0, status);
    wire_flush(c);
    return alive(r);
}

/* Start a reply (see wire.h). */
void wire_reply_init(wire_reply *r, wire_client *cl, uint16_t more, wire_fault *fault)
{
    memset(r, 0, sizeof(*r));
    r->cl = cl;
    r->more = more;
    wire_defer(&cl->conn, 1);
    if (fault) {
        r->fault = *fault;
        memset(fault, 0, sizeof(*fault));
    }
}

/* The sink over r. */
mosim_sink wire_reply_sink(wire_reply *r)
{
    mosim_sink s = {r, r_ok, r_err, r_columns, r_row, r_done};
    return s;
}

/* STALL: send nothing; wait until the client closes, the server stops, or STALL_MAX
** seconds pass; then drop the connection. Bytes the client sends meanwhile are read and
** discarded. */
static void stall(wire_reply *r)
{
    wire_conn *c = &r->cl->conn;
    struct timespec t0, t;
    char junk[4096];
    wire_defer(c, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!c->dead && !atomic_load(&r->cl->srv->stopping)) {
        struct pollfd pfd = {c->io.fd, POLLIN, 0};
        int n = poll(&pfd, 1, 200);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0) {
            if (pfd.revents & (POLLERR | POLLNVAL))
                break;
            if (c->io.read(&c->io, junk, sizeof(junk)) <= 0)
                break;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec >= STALL_MAX)
            break;
    }
    drop_now(r);
    wire_conn_kill(c);
}

/* Carry out the faults that replace execution. Returns 1 when the statement must not be
** executed (ERROR answered, or STALL over), 0 otherwise. */
int wire_reply_preempt(wire_reply *r)
{
    wire_conn *c = &r->cl->conn;
    if (r->fault.kind == FAULT_ERROR) {
        r->state = R_DONE;
        r->answer = A_ERR;
        r->code = r->fault.code;
        wire_send_err(c, r->fault.code, r->fault.sqlstate, r->fault.message);
        reply_log(r);
        wire_flush(c);
        alive(r);
        return 1;
    }
    if (r->fault.kind == FAULT_STALL) {
        stall(r);
        return 1;
    }
    return 0;
}

/* Complete, flush, write the outcome and free (see wire.h). */
int wire_reply_finish(wire_reply *r, char *outcome, size_t n)
{
    wire_conn *c = &r->cl->conn;
    if (r->fault.kind == FAULT_DROP)
        drop_now(r);
    if (!c->dead && !c->ending && r->state == R_NONE) {
        r->state = R_DONE;
        r->answer = A_ERR;
        r->code = 20101;
        wire_send_err(c, 20101, "HY000", "internal error: the statement produced no answer");
    } else if (!c->dead && !c->ending && r->state == R_ROWS) {
        r_done(r);
    }
    wire_defer(c, 0); /* blocking from here: the engine is done */
    if (c->ending)
        wire_conn_kill(c);
    if (c->dead)
        r->lost = 1;
    reply_outcome(r, outcome, n);
    if (r->logtext && !r->logged) /* lost, or answered without a final flush */
        wire_log(r->cl->sess.conn_id, r->cl->sess.account, outcome, r->logtext, r->loglen);
    r->logged = 1;
    wire_fault_free(&r->fault);
    free(r->vals);
    free(r->lens);
    free(r->huge);
    r->vals = NULL;
    r->lens = NULL;
    r->huge = NULL;
    return r->lost ? -1 : 0;
}
