/*
** tls.c: TLS for mosim's wire half (OpenSSL 3, TLS 1.2 and 1.3).
**
** Usage (main.c, auth.c):
**   wire_tls_init(cert, key, ca, require, err, n)  once at start (--tls-cert/--tls-key,
**                                                  optional --tls-ca, --tls-require)
**   wire_tls_enabled()                             greeting announces CLIENT_SSL
**   wire_tls_start(conn)                           after an SSLRequest: server handshake,
**                                                  then conn->io is the TLS wire_io
**   wire_tls_free()                                at exit
**
** How it works: one server SSL_CTX for the process (certificate chain and key checked at
** start; no session tickets or cache, no renegotiation). With a CA file every client must
** present a certificate signed by it (SSL_VERIFY_PEER | FAIL_IF_NO_PEER_CERT). After an
** SSLRequest, wire_tls_start() runs SSL_accept() on the blocking socket (bounded by the
** socket's SO_RCVTIMEO/SO_SNDTIMEO set by server.c and auth.c) and swaps the connection's
** wire_io for the functions below, so the packet layer above is unchanged:
**   read           SSL_read (0 on close_notify, -1 on error or timeout)
**   write          SSL_write with partial writes and a moving buffer allowed (the packet
**                  writer may compact or grow its buffer between a retry); nonblock sets
**                  O_NONBLOCK around the one call and returns -2 for "would block"
**   wait_writable  poll(POLLOUT) on the socket, as for plain TCP
**   shutdown       shutdown(2) only (it may run on another thread: no SSL call)
**   close          one non-blocking close_notify unless the session failed, SSL_free,
**                  close(2)
** SIGPIPE is ignored by main.c (OpenSSL writes with write(2), not MSG_NOSIGNAL). The
** thread's OpenSSL error queue is freed by OPENSSL_thread_stop() in server.c.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "wire.h"

static SSL_CTX *tls_ctx; /* NULL: TLS off */
static int tls_require;  /* --tls-require */

/* One connection's TLS state, kept in wire_io.impl. */
typedef struct tls_conn {
    SSL *ssl;
    int fatal; /* an SSL_ERROR_SSL/SYSCALL happened: no close_notify */
} tls_conn;

/* Copy the oldest queued OpenSSL error (or fallback) into err[0..n) and clear the queue. */
static void tls_errmsg(char *err, size_t n, const char *fallback)
{
    unsigned long e = ERR_peek_error();
    if (e)
        ERR_error_string_n(e, err, n);
    else
        snprintf(err, n, "%s", fallback);
    ERR_clear_error();
}

/* See wire.h. */
int wire_tls_init(const char *cert, const char *key, const char *ca, int require, char *err,
                  size_t n)
{
    static const unsigned char sid[] = "mosim";
    STACK_OF(X509_NAME) *names = NULL;
    SSL_CTX *ctx;
    int rc = -1;
    ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        tls_errmsg(err, n, "cannot create the TLS context");
        goto out;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        tls_errmsg(err, n, "bad certificate");
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        tls_errmsg(err, n, "bad private key");
        goto fail;
    }
    if (ca) {
        if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
            tls_errmsg(err, n, "bad CA file");
            goto fail;
        }
        names = SSL_load_client_CA_file(ca);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names); /* takes ownership */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    tls_ctx = ctx;
    tls_require = require;
    rc = 0;
    goto out;
fail:
    SSL_CTX_free(ctx);
out:
    return rc;
}

/* See wire.h. */
int wire_tls_enabled(void)
{
    return tls_ctx != NULL;
}

/* See wire.h. */
int wire_tls_required(void)
{
    return tls_ctx != NULL && tls_require;
}

/* See wire.h. */
void wire_tls_free(void)
{
    SSL_CTX_free(tls_ctx);
    tls_ctx = NULL;
}

/* Classify the result r of an SSL I/O call: records fatal errors in t and returns the
** SSL_get_error() code. */
static int tls_error(tls_conn *t, int r)
{
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL)
        t->fatal = 1;
    return e;
}

/* wire_io read: > 0 bytes, 0 on close_notify, -1 on error, timeout or a plain EOF. */
static ssize_t tls_read(wire_io *io, void *buf, size_t n)
{
    tls_conn *t = io->impl;
    int r, e;
    if (n > INT_MAX)
        n = INT_MAX;
    for (;;) {
        ERR_clear_error();
        errno = 0;
        r = SSL_read(t->ssl, buf, (int)n);
        if (r > 0)
            return r;
        e = tls_error(t, r);
        if (e == SSL_ERROR_ZERO_RETURN)
            return 0;
        if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && errno == EINTR)
            continue;
        ERR_clear_error();
        return -1;
    }
}

/* wire_io write: > 0 bytes written, -1 on error or timeout, -2 (nonblock only) when the
** socket takes nothing now. A -2 leaves a partly sent record inside OpenSSL; the next
** call must pass the same bytes first (the packet writer does). */
static ssize_t tls_write(wire_io *io, const void *buf, size_t n, int nonblock)
{
    tls_conn *t = io->impl;
    int r, e, flags = 0, saved;
    if (n > INT_MAX)
        n = INT_MAX;
    if (nonblock) {
        flags = fcntl(io->fd, F_GETFL);
        if (flags < 0 || fcntl(io->fd, F_SETFL, flags | O_NONBLOCK) < 0)
            return -1;
    }
    for (;;) {
        ERR_clear_error();
        errno = 0;
        r = SSL_write(t->ssl, buf, (int)n);
        saved = errno;
        if (r > 0)
            break;
        e = tls_error(t, r);
        ERR_clear_error();
        if ((e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) && saved == EINTR)
            continue;
        r = (nonblock && (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)) ? -2 : -1;
        break;
    }
    if (nonblock)
        fcntl(io->fd, F_SETFL, flags);
    return r;
}

/* wire_io close: a best-effort non-blocking close_notify (unless the session failed),
** free the SSL, close the socket. Idempotent. */
static void tls_close(wire_io *io)
{
    tls_conn *t = io->impl;
    if (t) {
        if (!t->fatal && io->fd >= 0) {
            int flags = fcntl(io->fd, F_GETFL);
            if (flags >= 0 && fcntl(io->fd, F_SETFL, flags | O_NONBLOCK) == 0)
                SSL_shutdown(t->ssl);
        }
        SSL_free(t->ssl);
        free(t);
        io->impl = NULL;
        ERR_clear_error();
    }
    if (io->fd >= 0)
        close(io->fd);
    io->fd = -1;
}

/* See wire.h. */
int wire_tls_start(wire_conn *c, char *err, size_t n)
{
    tls_conn *t = NULL;
    int rc = -1, r;
    if (!tls_ctx || c->dead) {
        snprintf(err, n, "TLS is not enabled");
        goto out;
    }
    if (wire_flush(c) != 0) {
        snprintf(err, n, "connection lost");
        goto out;
    }
    t = calloc(1, sizeof(*t));
    if (!t || !(t->ssl = SSL_new(tls_ctx)) || SSL_set_fd(t->ssl, c->io.fd) != 1) {
        tls_errmsg(err, n, "out of memory");
        goto out;
    }
    SSL_set_mode(t->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    do {
        ERR_clear_error();
        errno = 0;
        r = SSL_accept(t->ssl);
    } while (r != 1 && SSL_get_error(t->ssl, r) == SSL_ERROR_WANT_READ && errno == EINTR);
    if (r != 1) {
        int e = SSL_get_error(t->ssl, r);
        if (e == SSL_ERROR_SYSCALL && !ERR_peek_error())
            snprintf(err, n, "%s", errno ? strerror(errno) : "the client closed the connection");
        else if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            snprintf(err, n, "timed out");
        else
            tls_errmsg(err, n, "handshake failed");
        ERR_clear_error();
        goto out;
    }
    c->io.impl = t;
    c->io.read = tls_read;
    c->io.write = tls_write;
    c->io.wait_writable = wire_fd_wait_writable;
    c->io.shutdown = wire_fd_shutdown;
    c->io.close = tls_close;
    t = NULL;
    rc = 0;
out:
    if (t) {
        SSL_free(t->ssl);
        free(t);
    }
    return rc;
}

/* See wire.h. */
const char *wire_tls_cipher(const wire_conn *c)
{
    const tls_conn *t = c->io.close == tls_close ? c->io.impl : NULL;
    return t ? SSL_get_cipher_name(t->ssl) : NULL;
}
