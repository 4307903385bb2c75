/*
** server.c: mosim's accept loop, one thread per connection, and command dispatch.
**
** wire_server_run() polls the listening socket and the signal self-pipe. Each accepted
** socket gets a detached thread with a fresh connection id (1, 2, 3, ...) that runs the
** connection phase (auth.c) and then reads commands until COM_QUIT, EOF, an I/O error,
** the idle limit (SO_RCVTIMEO 600 s; SO_SNDTIMEO 60 s for a client that stops reading)
** or a fault closes it. Live connections sit in a list so shutdown can wake every
** thread (shutdown(2) on its socket) and wait for them, bounded, before main exits.
**
** Commands: COM_QUERY (statements split with mosim_statement_end() when the client
** enabled multi statements; `MOSIM ...` statements go to fault.c, others to the engine
** through a reply.c sink), COM_INIT_DB, COM_FIELD_LIST, COM_PING, COM_QUIT,
** COM_SET_OPTION, COM_STATISTICS; anything else gets MatrixOne's
** `internal error: unsupported command. 0x..` (20101). A command payload above 64 MiB
** gets ERR 1153 and the connection is closed.
*/
#define _GNU_SOURCE /* pipe2, accept4 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "wire.h"

#define COM_QUIT        0x01
#define COM_INIT_DB     0x02
#define COM_QUERY       0x03
#define COM_FIELD_LIST  0x04
#define COM_STATISTICS  0x09
#define COM_PING        0x0E
#define COM_SET_OPTION  0x1B
#define MAX_CLIENTS     1000
#define SHUTDOWN_WAIT_S 5

/* Session status flags: AUTOCOMMIT when autocommit is on, IN_TRANS inside a txn. */
uint16_t wire_status(const mosim_session *s)
{
    return (uint16_t)((s->autocommit ? SERVER_STATUS_AUTOCOMMIT : 0) |
                      (s->in_txn ? SERVER_STATUS_IN_TRANS : 0));
}

/* The same plus MatrixOne's extendStatus bits, for OKs and final EOFs (spec 7). */
uint16_t wire_status_ok(const mosim_session *s)
{
    return (uint16_t)(wire_status(s) | SERVER_STATUS_MO_EXTRA);
}

/* See wire.h. */
int wire_deprecate_eof(const wire_client *cl)
{
    return (cl->client_flags & CLIENT_DEPRECATE_EOF) != 0;
}

/* Sleep ms in 50 ms slices, returning early when the server stops. */
void wire_sleep_ms(wire_server *srv, uint64_t ms)
{
    while (ms > 0 && !atomic_load(&srv->stopping)) {
        uint64_t step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Length of the blank prefix of p[0..n): whitespace and comments (-- , #, and
** non-executable C comments). */
static size_t blank_len(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '\f' ||
            p[i] == '\v') {
            i++;
        } else if (p[i] == '#' ||
                   (p[i] == '-' && i + 2 < n && p[i + 1] == '-' &&
                    (p[i + 2] == ' ' || p[i + 2] == '\t' || p[i + 2] == '\n')) ||
                   (p[i] == '-' && i + 2 == n && p[i + 1] == '-')) {
            while (i < n && p[i] != '\n')
                i++;
        } else if (p[i] == '/' && i + 2 < n && p[i + 1] == '*' && p[i + 2] != '!') {
            const char *e = NULL;
            size_t j;
            for (j = i + 2; j + 1 < n; j++)
                if (p[j] == '*' && p[j + 1] == '/') {
                    e = p + j;
                    break;
                }
            if (!e)
                return i; /* unterminated: let the engine complain */
            i = (size_t)(e - p) + 2;
        } else {
            break;
        }
    }
    return i;
}

/* Trim whitespace at both ends of p[0..*n) for the log; returns the new start. */
static const char *trim(const char *p, size_t *n)
{
    while (*n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
        (*n)--;
    }
    while (*n > 0 &&
           (p[*n - 1] == ' ' || p[*n - 1] == '\t' || p[*n - 1] == '\n' || p[*n - 1] == '\r'))
        (*n)--;
    return p;
}

/* Execute one statement with its reply, fault and log line. Returns A_* of the answer,
** or -1 when the connection was lost. */
static int run_statement(wire_client *cl, const char *sql, size_t len, uint16_t more)
{
    wire_server *srv = cl->srv;
    wire_reply r;
    wire_fault f;
    mosim_sink sink;
    char outcome[48];
    const char *text;
    size_t tlen = len;
    int rc;
    atomic_fetch_add(&srv->questions, 1);
    memset(&f, 0, sizeof(f));
    text = trim(sql, &tlen);
    if (wire_fault_is_control(sql, len)) {
        wire_reply_init(&r, cl, more, NULL);
        r.logtext = text;
        r.loglen = tlen;
        sink = wire_reply_sink(&r);
        if (cl->sess.account_id != 0)
            sink.err(sink.ctx, 20101, "HY000",
                     "internal error: do not have privilege to execute the statement");
        else
            wire_fault_control(sql, len, &sink);
    } else {
        uint64_t delay = wire_fault_delay();
        int hit;
        if (delay)
            wire_sleep_ms(srv, delay);
        hit = wire_fault_take(sql, len, &f);
        wire_reply_init(&r, cl, more, hit ? &f : NULL);
        r.logtext = text;
        r.loglen = tlen;
        if (!wire_reply_preempt(&r)) {
            sink = wire_reply_sink(&r);
            mosim_engine_exec(srv->engine, &cl->sess, sql, len, &sink);
        }
    }
    rc = wire_reply_finish(&r, outcome, sizeof(outcome));
    return rc != 0 ? -1 : r.answer;
}

/* COM_QUERY: split into statements when multi statements are on. Returns 0 to go on,
** -1 to close. */
static int do_query(wire_client *cl, const char *sql, size_t len)
{
    for (;;) {
        size_t end = mosim_statement_end(sql, len), slen, rest;
        int last, a;
        if (end > len)
            end = len;
        rest = len - end;
        last = blank_len(sql + end, rest) == rest;
        slen = end;
        if (!last && !cl->multi) {
            slen = len; /* one statement: the engine reports the syntax error */
            last = 1;
        }
        /* The statement keeps its ';': MatrixOne parses it, and its syntax errors quote
        ** the rest of the text including the ';' (spec 3.1). */
        a = run_statement(cl, sql, slen, last ? 0 : SERVER_MORE_RESULTS_EXISTS);
        if (a < 0)
            return -1;
        if (last || a == A_ERR)
            return 0;
        sql += end;
        len = rest;
    }
}

/* An engine command other than COM_QUERY (COM_INIT_DB, COM_FIELD_LIST). */
static int do_engine_cmd(wire_client *cl, int cmd, const char *arg, size_t n)
{
    wire_server *srv = cl->srv;
    wire_reply r;
    mosim_sink sink;
    char outcome[48], line[600];
    int len;
    wire_reply_init(&r, cl, 0, NULL);
    sink = wire_reply_sink(&r);
    if (cmd == COM_INIT_DB) {
        mosim_engine_use(srv->engine, &cl->sess, arg, n, &sink);
        len = snprintf(line, sizeof(line), "COM_INIT_DB %.*s", (int)(n > 500 ? 500 : n), arg);
    } else {
        r.field_list = 1;
        mosim_engine_field_list(srv->engine, &cl->sess, arg, n, &sink);
        len = snprintf(line, sizeof(line), "COM_FIELD_LIST %.*s", (int)(n > 500 ? 500 : n), arg);
    }
    wire_reply_finish(&r, outcome, sizeof(outcome));
    wire_log(cl->sess.conn_id, cl->sess.account, outcome, line, (size_t)len);
    return cl->conn.dead ? -1 : 0;
}

/* Reply to a command handled here (not by the engine) and log it. */
static int simple_reply(wire_client *cl, const char *logtext, int is_err, uint16_t code,
                        const char *state, const char *msg)
{
    char outcome[32];
    if (is_err)
        wire_send_err(&cl->conn, code, state, msg);
    else
        wire_send_ok(&cl->conn, 0, 0, wire_status_ok(&cl->sess), 0, NULL);
    wire_flush(&cl->conn);
    snprintf(outcome, sizeof(outcome), cl->conn.dead ? "lost" : is_err ? "err=%u" : "ok=0", code);
    wire_log(cl->sess.conn_id, cl->sess.account, outcome, logtext, strlen(logtext));
    return cl->conn.dead ? -1 : 0;
}

/* COM_STATISTICS: a bare string<EOF> packet. */
static int do_statistics(wire_client *cl)
{
    wire_server *srv = cl->srv;
    char s[200];
    int n, threads;
    long up = (long)(time(NULL) - srv->started);
    pthread_mutex_lock(&srv->mu);
    threads = srv->nclients;
    pthread_mutex_unlock(&srv->mu);
    n = snprintf(s, sizeof(s), "Uptime: %ld  Threads: %d  Questions: %lu", up, threads,
                 (unsigned long)atomic_load(&srv->questions));
    wire_write_packet(&cl->conn, s, (size_t)n);
    wire_flush(&cl->conn);
    wire_log(cl->sess.conn_id, cl->sess.account, cl->conn.dead ? "lost" : "ok=0", "COM_STATISTICS",
             14);
    return cl->conn.dead ? -1 : 0;
}

/* Dispatch one command packet. Returns 0 to go on, -1 to close. */
static int dispatch(wire_client *cl, const unsigned char *p, size_t n)
{
    int cmd = p[0];
    const char *arg = (const char *)p + 1;
    size_t alen = n - 1;
    char text[80];
    uint64_t delay;
    if (cmd == COM_QUIT)
        return -1;
    if (cmd == COM_QUERY)
        return do_query(cl, arg, alen);
    delay = wire_fault_delay();
    if (delay)
        wire_sleep_ms(cl->srv, delay);
    switch (cmd) {
    case COM_INIT_DB:
        return do_engine_cmd(cl, cmd, arg, alen);
    case COM_FIELD_LIST: {
        const char *z = memchr(arg, 0, alen);
        return do_engine_cmd(cl, cmd, arg, z ? (size_t)(z - arg) : alen);
    }
    case COM_PING:
        return simple_reply(cl, "COM_PING", 0, 0, NULL, NULL);
    case COM_STATISTICS:
        return do_statistics(cl);
    case COM_SET_OPTION: {
        unsigned opt = alen >= 2 ? (unsigned)p[1] | (unsigned)p[2] << 8 : 0xFFFF;
        snprintf(text, sizeof(text), "COM_SET_OPTION %u", opt);
        if (opt > 1)
            return simple_reply(cl, text, 1, 1047, "08S01", "Unknown command");
        cl->multi = opt == 0;
        return simple_reply(cl, text, 0, 0, NULL, NULL);
    }
    default: {
        char msg[64];
        snprintf(msg, sizeof(msg), "internal error: unsupported command. 0x%x", cmd);
        snprintf(text, sizeof(text), "COM_UNSUPPORTED 0x%x", cmd);
        return simple_reply(cl, text, 1, 20101, "HY000", msg);
    }
    }
}

/* Read and dispatch commands until the connection ends. */
static void command_loop(wire_client *cl)
{
    wire_buf in = {0};
    for (;;) {
        int rc = wire_read_packet(&cl->conn, &in, WIRE_MAX_PACKET);
        if (rc == WIRE_RD_TOO_BIG) {
            simple_reply(cl, "<packet larger than 64 MiB>", 1, 1153, "08S01",
                         "Got a packet bigger than 'max_allowed_packet' bytes");
            break;
        }
        if (rc != WIRE_RD_OK || in.len == 0)
            break;
        if (dispatch(cl, in.p, in.len) != 0 || cl->conn.dead)
            break;
        if (in.cap > (1u << 20))
            wire_buf_free(&in); /* do not keep a huge query's buffer */
    }
    wire_buf_free(&in);
}

/* Remove cl from the live list, free it and wake a waiting shutdown. */
static void client_end(wire_client *cl)
{
    wire_server *srv = cl->srv;
    pthread_mutex_lock(&srv->mu);
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        srv->clients = cl->next;
    if (cl->next)
        cl->next->prev = cl->prev;
    srv->nclients--;
    wire_conn_free(&cl->conn); /* closes the fd while no one else can see it */
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    free(cl);
}

/* Thread body for one connection. */
static void *client_main(void *arg)
{
    wire_client *cl = arg;
    struct timeval snd = {60, 0};
    int one = 1;
    setsockopt(cl->conn.io.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(cl->conn.io.fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
    if (wire_auth(cl) == 0)
        command_loop(cl);
    mosim_engine_end_session(cl->srv->engine, &cl->sess);
    /* Free this thread's OpenSSL state (the scramble DRBG) before client_end() lets a
    ** shutting-down main thread run OPENSSL_cleanup(). */
    OPENSSL_thread_stop();
    client_end(cl);
    return NULL;
}

/* Refuse a connection before the greeting (ERR 1040 at seq 0) and close it. */
static void refuse(int fd)
{
    wire_conn c;
    if (wire_conn_init(&c, fd) == 0) {
        wire_send_err(&c, 1040, "08004", "Too many connections");
        wire_flush(&c);
    }
    wire_conn_free(&c);
}

/* Register an accepted socket and start its thread (or refuse it). */
static void start_client(wire_server *srv, int fd)
{
    wire_client *cl = calloc(1, sizeof(*cl));
    pthread_attr_t attr;
    pthread_t t;
    int full, rc;
    if (!cl || wire_conn_init(&cl->conn, fd) != 0) {
        if (cl)
            wire_conn_free(&cl->conn);
        else
            close(fd);
        free(cl);
        return;
    }
    cl->srv = srv;
    cl->sess.conn_id = atomic_fetch_add(&srv->next_conn_id, 1) + 1;
    cl->sess.autocommit = 1;
    snprintf(cl->sess.time_zone, sizeof(cl->sess.time_zone), "SYSTEM");
    pthread_mutex_lock(&srv->mu);
    full = srv->nclients >= MAX_CLIENTS;
    if (!full) {
        cl->next = srv->clients;
        if (cl->next)
            cl->next->prev = cl;
        srv->clients = cl;
        srv->nclients++;
    }
    pthread_mutex_unlock(&srv->mu);
    if (full) {
        wire_conn_free(&cl->conn);
        free(cl);
        refuse(fd);
        return;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&t, &attr, client_main, cl);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        client_end(cl);
}

/* See wire.h. */
int wire_server_run(wire_server *srv)
{
    struct timespec deadline;
    wire_client *cl;
    int rc = 0;
    srv->started = time(NULL);
    for (;;) {
        struct pollfd pfd[2] = {{srv->listen_fd, POLLIN, 0}, {srv->stop_fd, POLLIN, 0}};
        int n = poll(pfd, 2, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[1].revents)
            break;
        if (pfd[0].revents & POLLIN) {
            int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0)
                start_client(srv, fd);
            else if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
                wire_sleep_ms(srv, 20);
        }
    }
    atomic_store(&srv->stopping, 1);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += SHUTDOWN_WAIT_S;
    pthread_mutex_lock(&srv->mu);
    for (cl = srv->clients; cl; cl = cl->next)
        cl->conn.io.shutdown(&cl->conn.io);
    while (srv->nclients > 0)
        if (pthread_cond_timedwait(&srv->cv, &srv->mu, &deadline) != 0)
            break;
    if (srv->nclients > 0)
        rc = -1;
    pthread_mutex_unlock(&srv->mu);
    return rc;
}
