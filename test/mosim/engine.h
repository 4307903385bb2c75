/*
** engine.h: private header of mosim's engine half (SQL surface over a SQLite catalog).
**
** Sections, one per .c file:
**   engine.c   the engine object, the lock, dispatch, replies, login lookup
**   lexer.c    MatrixOne/MySQL-dialect tokenizer
**   parser.c   recursive-descent parser -> mo_stmt (arena-allocated)
**   expr.c     expression parser (WHERE, select items, SET values)
**   catalog.c  the SQLite schema, ids, SQL helper functions, time helpers
**   fold.c     Unicode lower-casing of identifiers (Go's strings.ToLower)
**   splice.c   names spliced unescaped into MatrixOne's internal SQL (backslash mangling)
**   undo.c     ROLLBACK of the catalog changes of a session's transaction
**   pitr.c     CREATE / ALTER / DROP PITR
**   show.c     SHOW PITR [WHERE], WHERE -> SQLite translation, raw mo_pitr select
**   rwindow.c  SHOW RECOVERY_WINDOW
**   restore.c  RESTORE ... FROM PITR, Go-style timestamp parsing
**   tenancy.c  accounts, users, databases, tables, SHOW DATABASES / TABLES
**   select.c   SELECT of session functions and constants, SET, SHOW VARIABLES
**
** Nothing here is shared with ext/. Every entry point of the engine runs under e->mu.
*/
#ifndef MOSIM_ENGINE_H
#define MOSIM_ENGINE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "mosim.h"

/* ---- errors (spec 3.1) ------------------------------------------------- */
#define MO_ER_INTERNAL     20101 /* moerr ErrInternal: "internal error: ..." */
#define MO_ER_PARSE        1064  /* ErrParseError -> ER_PARSE_ERROR */
#define MO_ER_UNKNOWN      1105  /* ER_UNKNOWN_ERROR (non-moerr Go errors) */
#define MO_ER_BAD_DB       1049  /* "Unknown database %s" (seen on a real server) */
#define MO_ER_DB_EXISTS    1007  /* "database %s already exists" */
#define MO_ER_DB_DROP      1008  /* "Can't drop database '%s'; database doesn't exist" */
#define MO_ER_TABLE_EXISTS 1050  /* "table %s already exists" */
#define MO_ER_NO_TABLE     1146  /* "no such table %s.%s" */
#define MO_ER_BAD_FIELD    1054  /* "invalid input: column %s does not exist" (42S22) */
#define MO_ER_NO_DB        1046  /* "No database selected" */
#define MO_ER_ACCESS       1045
#define MO_SQLSTATE        "HY000"

#define MO_SYS_PITR        "sys_mo_catalog_pitr"
#define MO_CLUSTER_OBJ_ID  (-1) /* stored for 18446744073709551615 */
#define MO_CLUSTER_OBJ_TXT "18446744073709551615"

struct mosim_engine {
    sqlite3 *db;
    pthread_mutex_t mu;
    int64_t last_ns; /* last timestamp handed out: keeps create_time strictly increasing */
};

/* ---- engine.c: replies ------------------------------------------------- */
/* Send ERR `code` HY000 with a printf-formatted message. */
void mo_err(const mosim_sink *out, uint16_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Send ERR 20101 HY000 "internal error: <fmt>". */
void mo_ierr(const mosim_sink *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Send OK with 0 affected rows. */
void mo_ok(const mosim_sink *out);
/* Send ERR 20101 for a SQLite failure (should not happen). */
void mo_dberr(mosim_engine *e, const mosim_sink *out);

/* ---- lexer.c ----------------------------------------------------------- */
enum {
    TK_EOF = 0,
    TK_ID,  /* plain identifier or keyword */
    TK_QID, /* `quoted` identifier (s = unescaped text) */
    TK_STR, /* '...' or "..." (s = unescaped text) */
    TK_INT, /* unsigned integer that fits uint64 (u) */
    TK_NUM, /* other numeric literal (too big, decimal, float) */
    TK_VAR, /* @name or @@[scope.]name (s = text after the @s, lower case) */
    TK_OP,  /* punctuation / operator (s = text) */
    TK_BAD  /* unterminated string / comment, stray byte */
};

typedef struct mo_tok {
    int type;
    size_t off, end; /* byte range in the statement text */
    char *s;         /* decoded text (NUL-terminated, malloc'd), may be NULL */
    size_t n;        /* length of s */
    uint64_t u;      /* value of TK_INT */
    int sysvar;      /* TK_VAR: 1 for @@ */
} mo_tok;

typedef struct mo_lex {
    const char *sql;
    size_t len;
    mo_tok *t;
    int n, cap;
} mo_lex;

/* Tokenize sql[0..len) into lx->t (always ends with TK_EOF). Returns 0, -1 on OOM. */
int molex_run(mo_lex *lx, const char *sql, size_t len);
/* Free the token array (accepts a zeroed lexer). */
void molex_free(mo_lex *lx);
/* Line and column of the byte just before `end` as MatrixOne's scanner counts them: on
** line 1 the 1-based column of that byte, on later lines one more (its column counter
** restarts at 0 on a newline and then counts the newline's successor as 1 more). */
void molex_pos(const mo_lex *lx, size_t end, int *line, int *col);

/* ---- parser.c ---------------------------------------------------------- */
enum mo_kind {
    ST_EMPTY = 0,
    ST_CREATE_PITR,
    ST_ALTER_PITR,
    ST_DROP_PITR,
    ST_SHOW_PITR,
    ST_SHOW_RW,
    ST_RESTORE,
    ST_CREATE_ACCOUNT,
    ST_DROP_ACCOUNT,
    ST_CREATE_USER,
    ST_DROP_USER,
    ST_CREATE_DB,
    ST_DROP_DB,
    ST_USE,
    ST_CREATE_TABLE,
    ST_DROP_TABLE,
    ST_SHOW_DBS,
    ST_SHOW_TABLES,
    ST_SHOW_VARS,
    ST_SET,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SELECT
};

enum mo_level { LV_NONE = 0, LV_CLUSTER, LV_ACCOUNT, LV_DATABASE, LV_TABLE };

enum mo_eop {
    E_COL = 1, /* s = column name (lower case) */
    E_STR,     /* s = string value */
    E_INT,     /* s = digits */
    E_NUM,     /* s = numeric literal text */
    E_NULL,
    E_VAR,   /* s = variable name (lower case), i = 1 for @@ */
    E_FUNC,  /* s = function name (lower case), list = args, i = 1 for f(*) */
    E_AND,   /* a AND b */
    E_OR,    /* a OR b */
    E_NOT,   /* NOT a */
    E_NEG,   /* -a */
    E_CMP,   /* a <s> b: s = "=", "<>", "<", "<=", ">", ">=", "<=>" */
    E_ARITH, /* a <s> b: s = "+", "-", "*", "/", "%" */
    E_IN,    /* a [NOT] IN (list): i = 1 for NOT */
    E_LIKE,  /* a [NOT] LIKE b [ESCAPE c]: i = 1 for NOT, list[0] = escape or NULL */
    E_ISNULL /* a IS [NOT] NULL: i = 1 for NOT */
};

typedef struct mo_expr mo_expr;
struct mo_expr {
    int op;
    int i;
    char *s;
    mo_expr *a, *b;
    mo_expr **list;
    int nlist;
};

typedef struct mo_set_item {
    char *name; /* lower case; "names" for SET NAMES, "autocommit", "time_zone", ... */
    mo_expr *val;
} mo_set_item;

typedef struct mo_stmt {
    int kind;
    int if_exists, if_not_exists, internal;
    char *name;           /* PITR / account / user / database name */
    int level;            /* enum mo_level */
    char *acc, *db, *tbl; /* targets (lower case); acc set only when named */
    char *value_txt;      /* range value as typed */
    uint64_t value;       /* range value */
    int value_big;        /* value does not fit int64 */
    char *unit;           /* as typed */
    char *ts;             /* RESTORE timestamp */
    char *src_acc;        /* RESTORE ACCOUNT ... source account */
    int restore_cluster;
    char *admin, *password; /* CREATE ACCOUNT / USER */
    mo_expr *where;
    /* SELECT */
    mo_expr **items;
    char **aliases; /* NULL when no alias */
    char **texts;   /* source text of each item (column header) */
    int nitems;
    int from;      /* 0 none, 1 mo_catalog.mo_pitr, 2 current_account(), 3 other table,
                   ** 4 mo_catalog.mo_account */
    int64_t limit; /* -1 none */
    /* SET */
    mo_set_item *sets;
    int nsets;
    /* SHOW VARIABLES LIKE / SHOW TABLES FROM */
    char *like;
} mo_stmt;

typedef struct mo_arena mo_arena;

typedef struct mo_perr {
    uint16_t code;
    char msg[1400];
} mo_perr;

/* Parser internals shared by parser.c and expr.c. */
typedef struct P {
    mo_lex *lx;
    int i;         /* current token */
    mo_arena **ar; /* the statement's arena */
    mo_perr *err;  /* first error */
    int failed;
} P;
void *mop_aalloc(P *p, size_t n);                /* zeroed arena memory, NULL on OOM */
char *mop_adup(P *p, const char *s, size_t n);   /* arena copy, NUL-terminated */
mo_tok *mop_cur(P *p);                           /* current token */
mo_tok *mop_ahead(P *p, int k);                  /* token k ahead (clamped to EOF) */
int mop_syntax_error(P *p);                      /* MatrixOne parse error here; -1 */
int mop_oom(P *p);                               /* out-of-memory error; -1 */
int mop_is_kw(const mo_tok *t, const char *w);   /* unquoted keyword w, any case */
int mop_is_op(const mo_tok *t, const char *o);   /* operator o */
int mop_accept_kw(P *p, const char *w);          /* consume keyword w if present */
int mop_accept_op(P *p, const char *o);          /* consume operator o if present */
int mop_expect_kw(P *p, const char *w);          /* require keyword w: 0 or -1 */
int mop_expect_op(P *p, const char *o);          /* require operator o: 0 or -1 */
int mop_is_reserved(const char *s);              /* reserved word? */
int mop_ident(P *p, char **out);                 /* identifier, lower-cased: 0 or -1 */
char *mop_alower(P *p, const char *s, size_t n); /* arena lower-cased copy, NULL on OOM */
int mop_expr(P *p, mo_expr **out);               /* expr.c: one expression: 0 or -1 */

/* Parse the tokens of one statement. Returns the statement (allocated in *arena, which
** the caller frees with moarena_free), or NULL with *err set. */
mo_stmt *moparse(mo_lex *lx, mo_arena **arena, mo_perr *err);
void moarena_free(mo_arena *a);

/* ---- catalog.c --------------------------------------------------------- */
/* Create the schema if missing, seed sys/root. Returns 0 or -1 (message in err). */
int mocat_init(mosim_engine *e, const char *root_password, char *err, size_t nerr);
/* Register SQL functions used by the engine's queries (mo_fmt_time, like, ...). */
int mocat_register_functions(sqlite3 *db);
/* Current UTC time in ns, strictly greater than any value returned before. */
int64_t mocat_now_ns(mosim_engine *e);
/* Start of a range ending at now_s (UTC seconds) per spec 8.4 (calendar arithmetic). */
int64_t mocat_range_start(int64_t now_s, int64_t len, const char *unit);
/* Format UTC seconds as "YYYY-MM-DD HH:MM:SS" in zone tz ("SYSTEM"/NULL = local, "+HH:MM"). */
void mocat_fmt_time(int64_t secs, const char *tz, char *buf, size_t n);
/* Is db one of the system databases of spec 3.3? */
int mocat_is_sys_db(const char *db);
/* Fixed database id of a system database (mo_catalog = 1, ...). */
int64_t mocat_sys_db_id(const char *db);
/* Run a statement with printf-style %Q/%q (sqlite3_mprintf) args; returns SQLITE_OK or error. */
int mocat_execf(mosim_engine *e, const char *fmt, ...);
/* Query a single integer; returns 1 if a row was found (value in *out), 0 if none, -1 on error. */
int mocat_int(mosim_engine *e, int64_t *out, const char *fmt, ...);
/* Next object id (databases and tables share one id space). */
int64_t mocat_next_obj_id(mosim_engine *e);
/* Begin / commit / rollback the per-statement SQLite transaction. */
int mocat_begin(mosim_engine *e);
int mocat_commit(mosim_engine *e);
void mocat_rollback(mosim_engine *e);
/* Database id of db in account acc, or -1. System databases resolve to their fixed id. */
int64_t mocat_db_id(mosim_engine *e, uint64_t acc, const char *db);
/* Table id of db.t in account acc, or -1. */
int64_t mocat_table_id(mosim_engine *e, uint64_t acc, const char *db, const char *t);
/* Account id of name, or -1. */
int64_t mocat_account_id(mosim_engine *e, const char *name);

/* ---- fold.c ------------------------------------------------------------ */
/* Lower-case src[0..n) like Go's strings.ToLower (Unicode simple mapping; invalid UTF-8
** bytes unchanged) into dst (NUL-terminated, truncated at a character boundary when cap is
** too small; dst may be NULL when cap is 0). Returns the full length of the result. */
size_t mo_lower_buf(char *dst, size_t cap, const char *src, size_t n);
/* The same in place; a character whose lower case needs more bytes is kept. Returns s. */
char *mo_lower(char *s);

/* ---- splice.c ---------------------------------------------------------- */
#define MO_ISQL_MAX 8
/* An internal MatrixOne statement under construction (see splice.c). */
typedef struct mo_isql {
    sqlite3_str *s;
    int nlit, overflow;
    int special;                    /* a literal holds a backslash or its own quote */
    const char *plain[MO_ISQL_MAX]; /* each literal's name as put in (not owned) */
    size_t open[MO_ISQL_MAX];       /* offset of each spliced literal's opening quote */
    size_t close[MO_ISQL_MAX];      /* offset where its closing quote was put */
    char *val[MO_ISQL_MAX];         /* after moisql_check: each literal as MatrixOne reads it */
} mo_isql;
void moisql_init(mo_isql *q);
/* Append fixed text (printf format, sqlite3_mprintf conversions). */
void moisql_text(mo_isql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append name between two quote characters, unescaped, as MatrixOne's Sprintf does. */
void moisql_name(mo_isql *q, char quote, const char *name);
/* Read the statement as MatrixOne's lexer would: 0 with q->val[] filled, or -1 after
** sending the error (1105 syntax error of the internal statement, or out of memory). */
int moisql_check(mo_isql *q, const mosim_sink *out);
void moisql_free(mo_isql *q);

/* ---- undo.c ------------------------------------------------------------ */
/* Start recording one statement's catalog changes (a sqlite3_session, NULL on failure:
** the statement then cannot be undone). */
void *moundo_capture(mosim_engine *e);
/* Add what capture recorded to s's undo and free capture (NULL is a no-op). */
void moundo_keep(mosim_session *s, void *capture);
/* ROLLBACK: undo s's recorded changes, then forget them. */
void moundo_rollback(mosim_engine *e, mosim_session *s);
/* COMMIT: forget s's recorded changes. */
void moundo_forget(mosim_session *s);

/* ---- pitr.c ------------------------------------------------------------ */
void mopitr_create(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void mopitr_alter(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void mopitr_drop(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
/* The doCheckRole of spec 4: 0 when allowed, else -1 after sending the error. engine.c
** calls it for CREATE/ALTER/DROP/SHOW PITR and RESTORE before the transaction rules. */
int mopitr_check_role(mosim_session *s, const mosim_sink *out);

/* ---- show.c ------------------------------------------------------------ */
void moshow_pitr(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moshow_raw_pitr(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
/* SELECT ... FROM mo_catalog.mo_account: account_id, account_name, admin_name, status
** ('open'), created_time (session zone), comments (''); sys only. */
void moshow_raw_account(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
/* Stream the rows of a prepared statement (all columns as text). Finalizes stmt. */
void moshow_stream(sqlite3_stmt *stmt, int ncol, const mosim_sink *out);

/* ---- gobuf.c ----------------------------------------------------------- */
typedef struct mosim_gobuf {
    unsigned char *cur;  /* the array written now (NULL before the first write) */
    size_t len, cap;     /* bytes in it since the last reset; its size */
    unsigned char **arr; /* every array ever used (rows point into them) */
    size_t narr, cap_arr;
} mosim_gobuf;
typedef struct mosim_gobuf_view {
    const unsigned char *p; /* into an array of the buffer: read it after the last write */
    size_t n;
} mosim_gobuf_view;
void mosim_gobuf_reset(mosim_gobuf *b);
int mosim_gobuf_write(mosim_gobuf *b, const char *s, size_t n);
void mosim_gobuf_take(const mosim_gobuf *b, mosim_gobuf_view *v);
void mosim_gobuf_free(mosim_gobuf *b);

/* ---- rwindow.c --------------------------------------------------------- */
void moshow_recovery_window(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);

/* ---- restore.c --------------------------------------------------------- */
void morestore(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
/* Parse a timestamp like Go's time.ParseInLocation("2006-01-02 15:04:05", v, Local).
** Returns 0 with *ns set, or -1 with the Go error text in msg. */
int morestore_parse_ts(const char *v, int64_t *ns, char *msg, size_t nmsg);

/* ---- tenancy.c --------------------------------------------------------- */
void moten_create_account(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_drop_account(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_create_user(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_drop_user(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_create_db(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_drop_db(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_use(mosim_engine *e, mosim_session *s, const char *db, const mosim_sink *out);
void moten_create_table(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_drop_table(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_show_dbs(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void moten_show_tables(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
/* SHA1(SHA1(pw)) into h2. */
void moten_hash2(const char *pw, uint8_t h2[20]);

/* ---- select.c ---------------------------------------------------------- */
void mosel_select(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void mosel_set(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
void mosel_show_vars(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out);
/* Validate a time_zone value: 0 if "SYSTEM" or [+-]HH:MM, else -1. */
int mosel_valid_tz(const char *v);

#endif /* MOSIM_ENGINE_H */
