/*
** mosim.h: internal interface of mosim, the MatrixOne-compatible PITR test server.
**
** Two halves, one contract:
**   - the wire half (main.c, server.c, packet.c, auth.c, log.c, fault.c): sockets,
**     threads, the MySQL protocol, authentication crypto, the statement log, fault
**     injection and the `MOSIM ...` control statements;
**   - the engine half (engine.c, lexer.c, parser.c, catalog.c, pitr.c, where.c, ...):
**     MatrixOne's SQL surface over a catalog kept in SQLite.
** The wire half never interprets SQL other than `MOSIM ...`; the engine never touches
** a socket. mosim shares no code with the extension (ext/).
*/
#ifndef MOSIM_H
#define MOSIM_H

#include <stddef.h>
#include <stdint.h>

/* MySQL column types and flags used in column definitions (protocol notes A7). */
#define MOSIM_TYPE_TINY       1
#define MOSIM_TYPE_LONG       3
#define MOSIM_TYPE_LONGLONG   8
#define MOSIM_TYPE_DATETIME   12
#define MOSIM_TYPE_VARCHAR    15
#define MOSIM_TYPE_BLOB       252
#define MOSIM_TYPE_VAR_STRING 253
#define MOSIM_TYPE_STRING     254

#define MOSIM_FLAG_NOT_NULL 1
#define MOSIM_FLAG_PRI_KEY  2
#define MOSIM_FLAG_BLOB     16
#define MOSIM_FLAG_BINARY   128
#define MOSIM_FLAG_UNSIGNED 32

#define MOSIM_CHARSET_BINARY  63
#define MOSIM_CHARSET_UTF8MB4 45

/* Per-connection session state. Owned by the wire half; the engine reads and updates it. */
typedef struct mosim_session {
    uint32_t conn_id;    /* the id sent in the handshake */
    uint64_t account_id; /* 0 = sys */
    char account[256];   /* lower case */
    char user[256];
    char role[256];     /* current role: moadmin, accountadmin, public, ... */
    char db[256];       /* current database, "" for none */
    int in_txn;         /* explicit transaction open (BEGIN / START TRANSACTION / autocommit=0) */
    int autocommit;     /* 1 by default */
    char time_zone[64]; /* "SYSTEM" or "+HH:MM" / "-HH:MM" */
    void *txn_undo;     /* engine-owned: what ROLLBACK undoes (NULL when nothing) */
} mosim_session;

/* One column definition of a result set. */
typedef struct mosim_col {
    const char *name;
    uint8_t type;     /* MOSIM_TYPE_* */
    uint16_t charset; /* collation id */
    uint32_t length;  /* display length */
    uint16_t flags;   /* MOSIM_FLAG_* */
    uint8_t decimals;
} mosim_col;

/*
** How the engine answers. Exactly one answer per statement: ok, or err, or
** columns + row* + done. Each callback returns 0, or -1 when the reply cannot go on
** (client gone, or a fault ended it): the engine then stops producing rows but still
** finishes its own work (a statement that changed the catalog stays changed).
*/
typedef struct mosim_sink {
    void *ctx;
    int (*ok)(void *ctx, uint64_t affected_rows, const char *info /* may be NULL */);
    int (*err)(void *ctx, uint16_t code, const char *sqlstate, const char *message);
    int (*columns)(void *ctx, int ncol, const mosim_col *cols);
    /* vals[i] == NULL is SQL NULL; lens[i] is the byte length of vals[i]. */
    int (*row)(void *ctx, int ncol, const char *const *vals, const size_t *lens);
    int (*done)(void *ctx);
} mosim_sink;

typedef struct mosim_engine mosim_engine;

/* Open the catalog: in memory when data_path is NULL, else that SQLite file (kept across
** restarts). copy_from (NULL: none) names a catalog file (one made with data_path) whose
** content the catalog starts from; it is only read. Creates account sys, user root with
** root_password, role moadmin. Returns 0, or -1 with a message in err. */
int mosim_engine_open(mosim_engine **pp, const char *data_path, const char *copy_from,
                      const char *root_password, char *err, size_t nerr);
void mosim_engine_close(mosim_engine *e);
/* Write a copy of the whole catalog to the new file path (VACUUM INTO; for --save-to).
** Returns 0, or -1 with a message in err. */
int mosim_engine_save(mosim_engine *e, const char *path, char *err, size_t nerr);

/*
** Look up a login name as MatrixOne parses it (spec 7: "account:user[:role]",
** "account#user#role", "%3A", "?label" stripped, bare "user" = account sys). On success
** fill s->account, s->account_id, s->user, s->role, set *has_password and copy
** SHA1(SHA1(password)) into h2, return 0. Otherwise return -1 with *code and msg set to
** the error to send (1045 Access denied, or MatrixOne's invalid-name errors).
** The wire half verifies the scramble against h2.
*/
int mosim_engine_lookup(mosim_engine *e, const char *login, mosim_session *s, uint8_t h2[20],
                        int *has_password, uint16_t *code, char *msg, size_t nmsg);

/* Execute ONE statement: its text up to and including its terminating ';' if it has
** one (MatrixOne parses the ';': syntax errors quote it); whitespace allowed. */
void mosim_engine_exec(mosim_engine *e, mosim_session *s, const char *sql, size_t len,
                       const mosim_sink *out);

/* A connection ends: roll its open transaction back and free what the engine keeps in
** the session. Call once, after its last statement. */
void mosim_engine_end_session(mosim_engine *e, mosim_session *s);

/* COM_INIT_DB: like `use db`. */
void mosim_engine_use(mosim_engine *e, mosim_session *s, const char *db, size_t len,
                      const mosim_sink *out);

/* COM_FIELD_LIST: column definitions of a table (may be none), answered as columns+done. */
void mosim_engine_field_list(mosim_engine *e, mosim_session *s, const char *table, size_t len,
                             const mosim_sink *out);

/* Length of the first statement in sql[0..len): the offset just past its terminating ';'
** (quote-, backtick- and comment-aware), or len when there is none. Used for
** multi-statement COM_QUERY. */
size_t mosim_statement_end(const char *sql, size_t len);

/* Server version announced in the handshake and by `select version()`. */
#define MOSIM_SERVER_VERSION "8.0.30-MatrixOne-v2.2.0"

#endif /* MOSIM_H */
