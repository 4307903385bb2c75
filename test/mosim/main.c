/*
** main.c: mosim, a MatrixOne-compatible PITR server for tests and the demo.
**
** Usage:
**   mosim [--port N] [--port-file FILE] [--bind ADDR] [--data FILE] [--data-from FILE]
**         [--save-to FILE] [--log FILE] [--root-password PW] [--tls-cert FILE
**         --tls-key FILE [--tls-ca FILE] [--tls-require]] [--no-deprecate-eof]
**
**   --port N            TCP port (default 6001, MatrixOne's); 0 picks a free one
**   --port-file FILE    once listening, write the port (decimal + newline) to FILE
**                       atomically (FILE.tmp.PID, then rename)
**   --bind ADDR         IPv4 or IPv6 address to listen on (default 127.0.0.1)
**   --data FILE         keep the catalog in this SQLite file (default: in memory)
**   --data-from FILE    start from a copy of the catalog in FILE (a --data or --save-to
**                       file; only read): scripts/bench's bulk load
**   --save-to FILE      on a clean stop, write the catalog to FILE (a new file)
**   --log FILE          append the statement log here (format in log.c)
**   --root-password PW  password of sys:root (default 111)
**   --tls-cert FILE     server certificate chain (PEM); with --tls-key turns TLS on: the
**                       greeting announces CLIENT_SSL and an SSLRequest gets TLS 1.2+
**   --tls-key FILE      the certificate's private key (PEM)
**   --tls-ca FILE       require a client certificate signed by this CA (PEM)
**   --tls-require       refuse logins without TLS (ERR 3159; not a MatrixOne feature)
**   --no-deprecate-eof  do not offer CLIENT_DEPRECATE_EOF (MatrixOne does): every client
**                       then gets EOF-terminated result sets
**
** Runs in the foreground until SIGTERM or SIGINT, then stops accepting, wakes every
** connection thread, waits for them (bounded), closes the engine and exits 0. SIGPIPE
** is ignored (writes use MSG_NOSIGNAL anyway). Exit status 1 when it cannot start,
** 2 for a bad command line.
*/
#define _GNU_SOURCE /* pipe2, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire.h"

static int stop_pipe[2] = {-1, -1};

/* SIGTERM/SIGINT: wake the accept loop through the self-pipe. */
static void on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;
    if (write(stop_pipe[1], &c, 1) < 0) {
        /* the pipe is full: a stop is already pending */
    }
    errno = saved;
}

/* Print the usage text to fp. */
static void usage(FILE *fp)
{
    fprintf(fp, "usage: mosim [--port N] [--port-file FILE] [--bind ADDR] [--data FILE]\n"
                "             [--data-from FILE] [--save-to FILE] [--log FILE]\n"
                "             [--root-password PW]\n"
                "             [--tls-cert FILE --tls-key FILE [--tls-ca FILE] [--tls-require]]\n"
                "             [--no-deprecate-eof]\n");
}

/* Create the listening socket on addr:port. Returns the fd and the bound port in
** *bound, or -1 with a message on stderr. */
static int listen_on(const char *addr, int port, int *bound)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd = -1, one = 1;
    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
        sl = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
        sl = sizeof(struct sockaddr_in6);
    } else {
        fprintf(stderr, "mosim: bad bind address '%s'\n", addr);
        return -1;
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0)
        goto fail;
    sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        goto fail;
    *bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                           : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
fail:
    fprintf(stderr, "mosim: cannot listen on %s:%d: %s\n", addr, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* Write "port\n" to path atomically. Returns 0 or -1 with a message on stderr. */
static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    FILE *fp;
    int ok;
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    fp = fopen(tmp, "w");
    if (!fp)
        goto fail;
    ok = fprintf(fp, "%d\n", port) > 0;
    ok = (fclose(fp) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "mosim: cannot write port file %s: %s\n", path, strerror(errno));
    return -1;
}

/* Parse a port number (0..65535). Returns it, or -1. */
static int parse_port(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 65535)
        return -1;
    return (int)v;
}

/* Entry point: parse options, start listening, serve until a signal (file comment). */
int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"port-file", required_argument, NULL, 'f'},
        {"bind", required_argument, NULL, 'b'},
        {"data", required_argument, NULL, 'd'},
        {"data-from", required_argument, NULL, 'F'},
        {"save-to", required_argument, NULL, 'S'},
        {"log", required_argument, NULL, 'l'},
        {"root-password", required_argument, NULL, 'r'},
        {"tls-cert", required_argument, NULL, 'C'},
        {"tls-key", required_argument, NULL, 'K'},
        {"tls-ca", required_argument, NULL, 'A'},
        {"tls-require", no_argument, NULL, 'R'},
        {"no-deprecate-eof", no_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *port_file = NULL, *bind_addr = "127.0.0.1", *data = NULL, *log_path = NULL;
    const char *data_from = NULL, *save_to = NULL;
    const char *root_pw = "111", *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL;
    int tls_req = 0, no_deprecate_eof = 0;
    int port = 6001, bound = 0, c, rc = 1, run_rc = 0;
    char err[512];
    struct sigaction sa;
    wire_server srv;

    memset(&srv, 0, sizeof(srv));
    srv.listen_fd = -1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            port = parse_port(optarg);
            if (port < 0) {
                fprintf(stderr, "mosim: bad port '%s'\n", optarg);
                return 2;
            }
            break;
        case 'f':
            port_file = optarg;
            break;
        case 'b':
            bind_addr = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'l':
            log_path = optarg;
            break;
        case 'F':
            data_from = optarg;
            break;
        case 'S':
            save_to = optarg;
            break;
        case 'r':
            root_pw = optarg;
            break;
        case 'C':
            tls_cert = optarg;
            break;
        case 'K':
            tls_key = optarg;
            break;
        case 'A':
            tls_ca = optarg;
            break;
        case 'R':
            tls_req = 1;
            break;
        case 'E':
            no_deprecate_eof = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (!tls_cert != !tls_key || ((tls_ca || tls_req) && !tls_cert)) {
        fprintf(stderr, "mosim: --tls-cert and --tls-key go together; --tls-ca and "
                        "--tls-require need them\n");
        return 2;
    }

    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("mosim: pipe");
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    pthread_mutex_init(&srv.mu, NULL);
    pthread_cond_init(&srv.cv, NULL);
    srv.stop_fd = stop_pipe[0];
    if (wire_log_open(log_path) != 0) {
        fprintf(stderr, "mosim: cannot open log %s: %s\n", log_path, strerror(errno));
        goto out;
    }
    err[0] = 0;
    if (tls_cert && wire_tls_init(tls_cert, tls_key, tls_ca, tls_req, err, sizeof(err)) != 0) {
        fprintf(stderr, "mosim: cannot set up TLS: %s\n", err);
        goto out;
    }
    if (mosim_engine_open(&srv.engine, data, data_from, root_pw, err, sizeof(err)) != 0) {
        fprintf(stderr, "mosim: cannot open the catalog: %s\n", err);
        srv.engine = NULL;
        goto out;
    }
    srv.caps = WIRE_SERVER_CAPS & ~(no_deprecate_eof ? CLIENT_DEPRECATE_EOF : 0u);
    if (tls_cert)
        srv.caps |= CLIENT_SSL;
    srv.listen_fd = listen_on(bind_addr, port, &bound);
    if (srv.listen_fd < 0)
        goto out;
    if (port_file && write_port_file(port_file, bound) != 0)
        goto out;
    fprintf(stderr, "mosim: listening on %s port %d%s\n", bind_addr, bound,
            !tls_cert ? ""
            : tls_req ? " (TLS required)"
                      : " (TLS offered)");
    run_rc = wire_server_run(&srv);
    rc = 0;
out:
    if (srv.listen_fd >= 0)
        close(srv.listen_fd);
    if (run_rc == 0) {
        /* every connection thread has ended: nothing uses the engine any more */
        if (srv.engine && save_to && mosim_engine_save(srv.engine, save_to, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            rc = 1;
        }
        if (srv.engine)
            mosim_engine_close(srv.engine);
        pthread_cond_destroy(&srv.cv);
        pthread_mutex_destroy(&srv.mu);
    } else {
        fprintf(stderr, "mosim: some connections did not end; exiting anyway\n");
    }
    wire_fault_clear_all();
    wire_tls_free();
    wire_log_close();
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    return rc;
}
