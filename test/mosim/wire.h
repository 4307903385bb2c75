/*
** wire.h: private header of mosim's wire half (everything but the engine).
**
** Sections, one per file:
**   server.c  the listener loop, one thread per connection, command dispatch
**   reply.c   the mosim_sink that turns engine answers into packets, with faults applied
**   auth.c    handshake v10, HandshakeResponse41, mysql_native_password, auth switch
**   log.c     the statement log (format in the project's common brief)
**   fault.c   armed faults and the `MOSIM ...` control statements
**   tls.c     TLS (OpenSSL): the server context and a wire_io over an SSL session
** The packet layer has its own header, packet.h.
*/
#ifndef MOSIM_WIRE_H
#define MOSIM_WIRE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "mosim.h"
#include "packet.h"

/* ---- server.c ---------------------------------------------------------------------- */

typedef struct wire_client wire_client;

typedef struct wire_server {
    mosim_engine *engine;
    int listen_fd;
    int stop_fd;              /* read end of the signal self-pipe */
    atomic_int stopping;      /* set once shutdown began */
    atomic_uint next_conn_id; /* last connection id handed out */
    atomic_ulong questions;   /* statements received (COM_STATISTICS) */
    uint32_t caps;            /* capability flags the greeting announces */
    time_t started;
    pthread_mutex_t mu;   /* guards clients and nclients */
    pthread_cond_t cv;    /* signalled when a client thread ends */
    wire_client *clients; /* live connections (for shutdown) */
    int nclients;
} wire_server;

struct wire_client {
    wire_server *srv;
    wire_conn conn;
    mosim_session sess;
    uint32_t client_flags; /* client AND server capability flags */
    int multi;             /* multi statements enabled */
    wire_client *next, *prev;
};

/* Serve connections on srv->listen_fd until srv->stop_fd becomes readable, then shut
** every connection down and wait (bounded) for the threads. Returns 0, or -1 if some
** threads did not end in time (the engine must then be left open). */
int wire_server_run(wire_server *srv);

/* Session status flags (AUTOCOMMIT, IN_TRANS). OKs and the final packet of a result set
** add SERVER_STATUS_MO_EXTRA (wire_status_ok); the EOF after column definitions and the
** end of a COM_FIELD_LIST answer carry these alone, as MatrixOne does. */
uint16_t wire_status(const mosim_session *s);
uint16_t wire_status_ok(const mosim_session *s);
/* 1 when the client and the server agreed on CLIENT_DEPRECATE_EOF: result sets then have
** no EOF after the definitions and end with an OK whose header is 0xFE. */
int wire_deprecate_eof(const wire_client *cl);

/* Sleep ms milliseconds in small slices; returns early once the server is stopping. */
void wire_sleep_ms(wire_server *srv, uint64_t ms);

/* ---- auth.c ------------------------------------------------------------------------ */

/* Run the connection phase on cl (greeting, response, optional auth switch, password
** check, initial database). Sends the final OK or ERR and logs the CONNECT line.
** Returns 0 when the client is logged in, -1 when the connection must be closed. */
int wire_auth(wire_client *cl);

/* ---- reply.c ----------------------------------------------------------------------- */

typedef enum {
    FAULT_NONE = 0,
    FAULT_DELAY,
    FAULT_CLOSE,
    FAULT_DROP,
    FAULT_ERROR,
    FAULT_MALFORMED,
    FAULT_STALL,
    FAULT_LIE
} fault_kind;

typedef enum { LIE_COLUMNS, LIE_NULL, LIE_RANGE, LIE_HUGE, LIE_SHORTROW } lie_kind;

/* One armed fault (a copy is handed to the statement it hits). */
typedef struct wire_fault {
    fault_kind kind;
    uint64_t n;       /* DELAY: ms; CLOSE: rows */
    lie_kind lie;     /* LIE: which lie */
    uint16_t code;    /* ERROR: errno */
    char sqlstate[6]; /* ERROR: SQLSTATE */
    char *message;    /* ERROR: message (malloc) */
    char *match;      /* substring to match, NULL = any (malloc) */
    uint64_t skip;    /* matching statements still to let pass */
    struct wire_fault *next;
} wire_fault;

/* Reply state for one statement or command; its sink is given to the engine. */
typedef struct wire_reply {
    wire_client *cl;
    uint16_t more;     /* SERVER_MORE_RESULTS_EXISTS on this result's final packet */
    int field_list;    /* COM_FIELD_LIST: definitions with defaults, then EOF */
    int state;         /* R_NONE, R_ROWS, R_DONE */
    int answer;        /* A_NONE, A_OK, A_ERR, A_ROWS: what the client was told */
    int ncol;          /* columns announced by the engine */
    int nsent;         /* columns sent (one fewer under LIE COLUMNS) */
    uint64_t rows;     /* rows sent */
    uint64_t affected; /* OK: affected rows */
    uint16_t code;     /* ERR: errno sent */
    int lost;          /* the connection was dropped during this reply */
    wire_fault fault;  /* the fault hitting this statement (kind FAULT_NONE if none) */
    const char **vals; /* LIE scratch: ncol values */
    size_t *lens;
    char *huge; /* LIE HUGE value */
    /* The statement log line: written just before the reply's last packet is flushed, so a
    ** client that has the reply always finds the line (tests count round trips by it). */
    const char *logtext; /* NULL: the caller logs */
    size_t loglen;
    int logged;
} wire_reply;

#define R_NONE 0
#define R_ROWS 1
#define R_DONE 2

#define A_NONE 0
#define A_OK   1
#define A_ERR  2
#define A_ROWS 3

/* Start a reply for cl. fault may be NULL; its strings move into the reply. */
void wire_reply_init(wire_reply *r, wire_client *cl, uint16_t more, wire_fault *fault);
/* The sink that writes into r. */
mosim_sink wire_reply_sink(wire_reply *r);
/* Carry out a fault that replaces execution (ERROR, STALL). Returns 1 when the
** statement must not be executed. */
int wire_reply_preempt(wire_reply *r);
/* Complete a reply the engine left unfinished, flush, write the outcome for the log
** (`rows=N`, `ok=N`, `err=N`, `lost`) and free the reply's memory. Returns 0 when
** the connection may go on, -1 when it must be closed. */
int wire_reply_finish(wire_reply *r, char *outcome, size_t n);

/* ---- log.c ------------------------------------------------------------------------- */

/* Open the statement log (append). path NULL: logging off. Returns 0 or -1. */
int wire_log_open(const char *path);
/* Write one line: time, conn id, account ("-" if NULL or empty), outcome, the escaped
** text[0..len). Thread-safe; flushed per line. */
void wire_log(uint32_t conn_id, const char *account, const char *outcome, const char *text,
              size_t len);
void wire_log_close(void);

/* ---- fault.c ----------------------------------------------------------------------- */

/* 1 if sql[0..len) is a `MOSIM ...` control statement. */
int wire_fault_is_control(const char *sql, size_t len);
/* Execute a control statement, answering through out (OK, ERR or the STATUS result). */
void wire_fault_control(const char *sql, size_t len, const mosim_sink *out);
/* Find the fault that hits this statement (SKIP counts advance). Returns 1 with *f
** filled (the caller owns its strings: wire_fault_free), or 0. DELAY never hits here. */
int wire_fault_take(const char *sql, size_t len, wire_fault *f);
/* Current DELAY in ms (0 when none is armed). */
uint64_t wire_fault_delay(void);
/* Free a fault's strings (not the struct). Accepts a zeroed fault. */
void wire_fault_free(wire_fault *f);
/* Disarm everything and free the list. */
void wire_fault_clear_all(void);

/* ---- tls.c ------------------------------------------------------------------------- */

/* Load the server certificate chain and key (PEM) and, if ca is given, require client
** certificates signed by it; require: refuse logins without TLS. Returns 0, or -1 with
** the reason in err[0..n). Call once before serving. */
int wire_tls_init(const char *cert, const char *key, const char *ca, int require, char *err,
                  size_t n);
/* 1 when TLS is configured (the greeting then announces CLIENT_SSL). */
int wire_tls_enabled(void);
/* 1 when plain-text logins must be refused (--tls-require). */
int wire_tls_required(void);
/* Run the server side of the TLS handshake on c (after an SSLRequest) and switch c->io to
** TLS. Returns 0, or -1 with the reason in err[0..n) (the caller closes c). */
int wire_tls_start(wire_conn *c, char *err, size_t n);
/* The cipher of c's TLS session, or NULL for plain text. */
const char *wire_tls_cipher(const wire_conn *c);
/* Free the server context (sessions still open keep their own reference). */
void wire_tls_free(void);

#endif /* MOSIM_WIRE_H */
