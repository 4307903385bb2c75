/*
** mo_pitr_int.h: the one internal header of the mo_pitr extension.
**
** One section per .c file. The pure modules (err, dsn, sqlgen, value, plan) know no
** live connection and no SQLite callback: the unit tests in test/unit compile them
** with MOPITR_UNIT_TEST and link libsqlite3 directly. The live modules (conn,
** registry, vtab, entry) are the only ones that touch libmariadb or register with
** SQLite, and the vtab reaches the server only through conn.
**
** Ownership rules, everywhere:
**   - Strings returned as `char *` are sqlite3_malloc'd and owned by the caller
**     (free with sqlite3_free) unless the comment says otherwise.
**   - libmariadb objects are freed with libmariadb's own functions, never crossed.
**   - Every destructor accepts NULL and half-built objects.
**   - *pzErr, when set, is a complete user-facing message that starts "mo_pitr: ",
**     names the bad value, and never contains a password.
*/
#ifndef MO_PITR_INT_H
#define MO_PITR_INT_H

#include <stddef.h>
#include <stdint.h>

#ifdef MOPITR_UNIT_TEST
#include <sqlite3.h>
#else
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#endif

#include "mo_pitr.h"

/* ======================================================================
** Shared vocabulary
** ====================================================================== */

/* PITR levels, as MatrixOne spells them in SHOW PITR (lower case). */
typedef enum mopitr_level {
    MOPITR_LEVEL_NONE = 0,
    MOPITR_LEVEL_CLUSTER,
    MOPITR_LEVEL_ACCOUNT,
    MOPITR_LEVEL_DATABASE,
    MOPITR_LEVEL_TABLE
} mopitr_level;

/* Columns of the mo_pitr virtual table, in declaration order. */
enum {
    MOPITR_COL_NAME = 0,    /* TEXT COLLATE NOCASE, PRIMARY KEY        <- PITR_NAME     */
    MOPITR_COL_LEVEL,       /* TEXT COLLATE NOCASE                     <- PITR_LEVEL    */
    MOPITR_COL_ACCOUNT,     /* TEXT COLLATE NOCASE, NULL for '*'       <- ACCOUNT_NAME  */
    MOPITR_COL_DATABASE,    /* TEXT COLLATE NOCASE, NULL for '*'       <- DATABASE_NAME */
    MOPITR_COL_TABLE,       /* TEXT COLLATE NOCASE, NULL for '*'       <- TABLE_NAME    */
    MOPITR_COL_RANGE_VALUE, /* INTEGER                                 <- PITR_LENGTH   */
    MOPITR_COL_RANGE_UNIT,  /* TEXT COLLATE NOCASE                     <- PITR_UNIT     */
    MOPITR_COL_CREATED,     /* TEXT, UTC 'YYYY-MM-DD HH:MM:SS'         <- CREATED_TIME  */
    MOPITR_COL_MODIFIED,    /* TEXT, UTC 'YYYY-MM-DD HH:MM:SS'         <- MODIFIED_TIME */
    MOPITR_COL_CONNECTION,  /* HIDDEN: connection name (table-valued argument)     */
    MOPITR_NCOL
};
#define MOPITR_NDATA MOPITR_COL_CONNECTION /* columns that come from the server */

/* SHOW PITR's result columns, in the server's order (spec section 2.1). */
enum {
    MOPITR_SHOW_NAME = 0,
    MOPITR_SHOW_CREATED,
    MOPITR_SHOW_MODIFIED,
    MOPITR_SHOW_LEVEL,
    MOPITR_SHOW_ACCOUNT,
    MOPITR_SHOW_DATABASE,
    MOPITR_SHOW_TABLE,
    MOPITR_SHOW_LENGTH,
    MOPITR_SHOW_UNIT,
    MOPITR_SHOW_NCOL
};

/*
** One PITR: a decoded SHOW PITR row, or a row about to be written.
** az[] is indexed by MOPITR_COL_*; az[i] == NULL is SQL NULL. az[MOPITR_COL_RANGE_VALUE]
** is unused (see range_value). All strings are owned by the row: either each az[i] is
** its own sqlite3_malloc block (zBlock == NULL: rows built from SQL values), or all of
** them point into the one block zBlock (decoded rows and their copies: one allocation
** per row), and then aLen[i] is strlen(az[i]). Change a field only through mopitr_row_set
** (it turns a block row into a per-field one first).
*/
typedef struct mopitr_row {
    char *az[MOPITR_NDATA];
    sqlite3_int64 range_value;
    mopitr_level level;
    char *zBlock;                /* the strings of a block row, or NULL */
    size_t nBlock;               /* bytes allocated at zBlock */
    unsigned aLen[MOPITR_NDATA]; /* lengths of az[], valid only when zBlock != NULL */
} mopitr_row;

/* ======================================================================
** err.c: the one place user-facing messages are made
** ====================================================================== */

/* sqlite3_mprintf("mo_pitr: " zFormat, ...). NULL only on OOM. */
char *mopitr_errf(const char *zFormat, ...);

/* Replace pVtab->zErrMsg with mopitr_errf(zFormat, ...). Returns SQLITE_ERROR. */
int mopitr_vtab_err(sqlite3_vtab *pVtab, const char *zFormat, ...);

/* Report a libmariadb/server error: "mo_pitr: <what>: <message> (MatrixOne error N)",
** or "mo_pitr: <message> (MatrixOne error N)" when zWhatFmt is NULL. NULL only on OOM. */
char *mopitr_server_errf(unsigned int merr, const char *zMsg, const char *zWhatFmt, ...);

/* Values quoted in messages are clipped to MOPITR_CLIP_MAX bytes (UTF-8 safe, "..."
** marks a cut, control bytes become '?'). aBuf must hold MOPITR_CLIP_SIZE bytes; n < 0
** means strlen; z NULL gives "NULL". Returns aBuf. */
#define MOPITR_CLIP_MAX  64
#define MOPITR_CLIP_SIZE (MOPITR_CLIP_MAX + 4)
const char *mopitr_err_clip(char *aBuf, const char *z, int n);

/* A message without its leading "mo_pitr: " (for quoting it inside another). */
const char *mopitr_err_body(const char *z);

/* ======================================================================
** dsn.c: connection strings (pure)
**
** Accepts "mysql://user[:password]@host[:port][/database][?k=v&...]" (percent-escapes
** decoded) and "k=v k=v ..." (values may be single- or double-quoted). Keys:
** host port user password account role database connect_timeout read_timeout
** write_timeout ssl_mode ssl_ca ssl_cert ssl_key option_file option_group.
** An unknown key is answered with the list of valid ones.
** ====================================================================== */

typedef enum mopitr_ssl_mode {
    MOPITR_SSL_UNSET = 0, /* not given: preferred */
    MOPITR_SSL_DISABLED,
    MOPITR_SSL_PREFERRED,
    MOPITR_SSL_REQUIRED,
    MOPITR_SSL_VERIFY_CA,
    MOPITR_SSL_VERIFY_IDENTITY
} mopitr_ssl_mode;

typedef struct mopitr_dsn {
    char *host;     /* default "127.0.0.1" */
    unsigned port;  /* default 6001 */
    char *user;     /* default "root" */
    char *password; /* NULL when not given (then MO_PASSWORD / option file apply) */
    char *account;  /* NULL: none (login is just user) */
    char *role;     /* NULL: none */
    char *database; /* NULL: none */
    unsigned connect_timeout, read_timeout, write_timeout; /* seconds; 10, 30, 30 */
    mopitr_ssl_mode ssl_mode;
    char *ssl_ca, *ssl_cert, *ssl_key;
    char *option_file, *option_group;
} mopitr_dsn;

/* Parse zText into *pOut (cleared first). SQLITE_OK, or SQLITE_ERROR with *pzErr.
** On failure *pOut is left cleared. The full rules are in dsn.c's manual. */
int mopitr_dsn_parse(const char *zText, mopitr_dsn *pOut, char **pzErr);

/* The same for zText[0..nText) (nText < 0: strlen); an embedded NUL is an error. Use it
** with sqlite3_value_text()/sqlite3_value_bytes() so a NUL is not silently cut. */
int mopitr_dsn_parse_n(const char *zText, int nText, mopitr_dsn *pOut, char **pzErr);

/* Free what *p owns and zero it. */
void mopitr_dsn_clear(mopitr_dsn *p);

/* MatrixOne login name: "account:user[:role]" or "user". NULL on OOM. */
char *mopitr_dsn_login(const mopitr_dsn *p);

/* "user@host:port" for messages (no password); the user part is the login name, so
** "acc01:admin@host:port" with an account; "[::1]" for an IPv6 host. NULL on OOM. */
char *mopitr_dsn_describe(const mopitr_dsn *p);

/* The account the DSN logs in to, lower case: `account`, else "acc" of a user written
** "acc:user" (or "acc#user"), else "sys". The own account for mopitr_row_check_create.
** NULL on OOM. */
char *mopitr_dsn_account(const mopitr_dsn *p);

/* ======================================================================
** sqlgen.c: remote SQL text and escaping (pure)
**
** Identifiers: backticks, every backtick doubled. String literals: single quotes,
** ' doubled, and \ doubled unless the server runs with NO_BACKSLASH_ESCAPES.
** A value holding a NUL byte is never sent (callers validate first).
** ====================================================================== */

/* Each returns a sqlite3_malloc'd string, or NULL when refused (an empty identifier, a
** NUL byte) or on OOM. The _n forms take a length (n < 0: strlen), for values that may
** hold a NUL byte (sqlite3_value_bytes). */
char *mopitr_sql_ident(const char *z);
char *mopitr_sql_ident_n(const char *z, int n);
char *mopitr_sql_string(const char *z, int bNoBackslashEscapes);
char *mopitr_sql_string_n(const char *z, int n, int bNoBackslashEscapes);

/* Append z[0..n) as an escaped string literal to pStr; returns 1 if refused (NUL byte). */
int mopitr_sql_append_string(sqlite3_str *pStr, const char *z, int n, int bNoBackslashEscapes);

/* CREATE PITR in the grammar-correct form for p->level (spec 1.2). bOwnAccount selects
** form 1 (`FOR ACCOUNT` without a name) for an account PITR of the caller's own account. */
char *mopitr_sql_create(const mopitr_row *p, int bOwnAccount, int bNoBackslashEscapes);
char *mopitr_sql_alter(const char *zName, sqlite3_int64 v, const char *zUnit,
                       int bNoBackslashEscapes);
char *mopitr_sql_drop(const char *zName);

/* ======================================================================
** value.c: values in and out; value_num.c: numbers from SQL values (pure)
** ====================================================================== */

/* "cluster" ... "table" -> level (case-insensitive); MOPITR_LEVEL_NONE if unknown. */
mopitr_level mopitr_level_parse(const char *z);
const char *mopitr_level_name(mopitr_level e); /* static string, NULL for NONE */

/*
** Decode one SHOW PITR row (MOPITR_SHOW_NCOL fields, libmariadb MYSQL_ROW layout) into
** *pOut: '*' becomes NULL where the level says the field is empty, the length becomes
** an integer, times are checked. A row that a real MatrixOne could not have sent (wrong
** field count, unknown level, non-numeric length, NUL bytes, NULL where none is
** expected) is SQLITE_ERROR with *pzErr naming the field and value.
*/
int mopitr_row_decode(mopitr_row *pOut, const char *const *azField, const unsigned long *aLen,
                      unsigned nField, char **pzErr);

/* The same into a valid row *pOut (zeroed or owning, e.g. a cursor's previous row): its
** block is reused when big enough (no allocation per row of a scan). */
int mopitr_row_decode_reuse(mopitr_row *pOut, const char *const *azField, const unsigned long *aLen,
                            unsigned nField, char **pzErr);

void mopitr_row_clear(mopitr_row *p);
int mopitr_row_copy(mopitr_row *pOut, const mopitr_row *pIn); /* deep copy; SQLITE_NOMEM */

/* Replace field iCol of *p by a copy of z (NULL: SQL NULL); a block row becomes a
** per-field one first. SQLITE_OK or SQLITE_NOMEM (then *p is unchanged or per-field,
** still valid). */
int mopitr_row_set(mopitr_row *p, int iCol, const char *z);

/* Length of field iCol of *p (strlen; O(1) for a block row). az[iCol] must be non-NULL. */
int mopitr_row_len(const mopitr_row *p, int iCol);

/*
** Validate and normalise a row for CREATE (from INSERT values): fold names as
** MatrixOne does, infer the level from the identity columns when it is NULL, default
** the range to 1 'd', check that level and identity columns agree, that the PITR name
** is acceptable to MatrixOne (not empty, no space/tab/quote/backtick, not reserved) and
** identity names are not empty, range 1..100, unit h/d/mo/y (any case, stored lower
** case). zOwnAccount is the connection's account ("sys" for a plain login): database and
** table PITRs must belong to it; a NULL account_name is filled with it (except at
** cluster level). The level column is set to the canonical name. Rules and messages:
** value.c's manual.
*/
int mopitr_row_check_create(mopitr_row *p, const char *zOwnAccount, char **pzErr);

/* Validate a new range for ALTER (value 1..100, unit as above, unit folded in place). */
int mopitr_range_check(sqlite3_int64 v, char *zUnit, char **pzErr);

/* range_value of a row about to be written when the SQL value was NULL:
** mopitr_row_check_create then defaults it to 1. */
#define MOPITR_RANGE_NULL ((sqlite3_int64)(-0x7FFFFFFFFFFFFFFFLL - 1))

/* Convert an INSERT/UPDATE value for range_value: INTEGER as is; FLOAT if integral; TEXT
** that SQLite's numeric affinity reads as a number; NULL -> MOPITR_RANGE_NULL; anything
** else is SQLITE_ERROR with *pzErr ("range_value must be an integer from 1 to 100, got
** 'abc'"). The 1..100 check is mopitr_range_check's. value_num.c. */
struct mopitr_val;
int mopitr_val_to_range(const struct mopitr_val *pVal, sqlite3_int64 *pOut, char **pzErr);

/* After mopitr_row_check_create: send the own-account form (FOR ACCOUNT without a
** name)? True when account_name is NULL or is zOwnAccount (folded). */
int mopitr_row_is_own_account(const mopitr_row *p, const char *zOwnAccount);

/* Fold a NUL-terminated UTF-8 name to lower case in place, as MatrixOne does (ASCII
** and the same-length Unicode letters; see value.c). */
void mopitr_fold(char *z);

/* Read z[0..n) as SQLite's numeric affinity does: 0 not a number, 1 a 64-bit integer
** (*pi and *pr), 2 another number (*pr). value_num.c, as mopitr_val_to_range. */
int mopitr_text_num(const char *z, int n, sqlite3_int64 *pi, double *pr);

/* ======================================================================
** rowindex.c: hash from 32-bit hashes to row indexes (pure)
** ====================================================================== */

typedef struct mopitr_rowindex_slot {
    unsigned h;
    int iVal; /* -1: empty */
} mopitr_rowindex_slot;

/* A multimap hash -> int (open addressing). Zeroed (mopitr_rowindex_init) = empty. */
typedef struct mopitr_rowindex {
    mopitr_rowindex_slot *aSlot;
    unsigned nSlot; /* 0 or a power of two */
    int nUsed;
} mopitr_rowindex;

void mopitr_rowindex_init(mopitr_rowindex *p);
void mopitr_rowindex_clear(mopitr_rowindex *p); /* frees; NULL is a no-op */
/* Room for n values in all (keeps the order of values of one hash). SQLITE_NOMEM. */
int mopitr_rowindex_reserve(mopitr_rowindex *p, int n);
int mopitr_rowindex_add(mopitr_rowindex *p, unsigned h, int iVal); /* SQLITE_NOMEM */
/* for (it = begin(p, h); (i = next(p, h, &it)) >= 0;) -- candidates: hashes collide */
unsigned mopitr_rowindex_begin(const mopitr_rowindex *p, unsigned h);
int mopitr_rowindex_next(const mopitr_rowindex *p, unsigned h, unsigned *pIt);

/* Hash of z[0..n) (n < 0: strlen) folding ASCII case (equal under sqlite3_stricmp or
** NOCASE -> equal hashes). NULL hashes to a constant. */
unsigned mopitr_hash_nocase(const char *z, int n);
/* Hash of what row r protects: equal for rows mopitr_row_same_object calls the same
** object (zOwn: the own account, for a NULL account below cluster level). */
unsigned mopitr_hash_object(const mopitr_row *r, const char *zOwn);
/* Does stored row pOld protect the same object as checked row pNew (zOwn: own account)? */
int mopitr_row_same_object(const mopitr_row *pOld, const mopitr_row *pNew, const char *zOwn);

/* ======================================================================
** plan.c: WHERE pushdown (pure)
**
** xBestIndex turns the usable constraints into a template that is also the idxStr
** shown by EXPLAIN QUERY PLAN, e.g. "SHOW PITR WHERE pitr_level = ? AND pitr_length > ?".
** xFilter renders the template with the bound values. Cached rows (a join's repeated
** scans) are filtered locally by mopitr_plan_match with SQLite's own semantics.
** ====================================================================== */

typedef struct mopitr_term {
    int iCol;          /* MOPITR_COL_* */
    unsigned char op;  /* SQLITE_INDEX_CONSTRAINT_EQ, _NE, _GT, _LE, _LT, _GE, _ISNULL,
                          _ISNOTNULL, _LIKE */
    unsigned char bIn; /* EQ handled as IN via sqlite3_vtab_in (all values at once) */
} mopitr_term;

/* One bound value, detached from sqlite3_value so this module stays pure. */
typedef struct mopitr_val {
    int eType; /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL */
    sqlite3_int64 i;
    double r;
    const char *z; /* TEXT/BLOB bytes (not owned) */
    int n;
} mopitr_val;

typedef struct mopitr_arg {
    mopitr_term term;
    int nVal; /* 1, or the size of an IN list */
    const mopitr_val *aVal;
} mopitr_arg;

/* Can constraint (iCol, op) be sent to the server? Sets *pbExact when the server's
** answer is exactly SQLite's (then xBestIndex sets omit). Assumes the column's own
** collation (NOCASE); prefer the _coll form with sqlite3_vtab_collation(pInfo, i):
** a text comparison under another collation (`name = 'X' COLLATE BINARY`) is refused,
** and so is <> on a text column in practice (SQLite reports "BINARY" for <>, IS NOT NULL
** and LIKE constraints whatever the real collation; the last two ignore collation).
** Ops: EQ (also as IN), NE, LT, LE, GT, GE, ISNULL, ISNOTNULL on the seven identity and
** range columns; LIKE (never exact) on the text ones. For ISNULL/ISNOTNULL the argv
** value is ignored (nVal may be 0). */
int mopitr_plan_usable(int iCol, int op, int *pbExact);
int mopitr_plan_usable_coll(int iCol, int op, const char *zColl, int *pbExact);

/* The template for n terms (idxStr). NULL on OOM. */
char *mopitr_plan_template(const mopitr_term *aTerm, int nTerm);

/* Parse a template back into terms; returns the count or -1. */
int mopitr_plan_parse(const char *zTemplate, mopitr_term *aTerm, int nMax);

/* The SHOW PITR text to send, with every value escaped. NULL on OOM. */
char *mopitr_plan_render(const mopitr_arg *aArg, int nArg, int bNoBackslashEscapes);

/* Does row p satisfy every arg, with SQLite's semantics (NOCASE text columns)? */
int mopitr_plan_match(const mopitr_row *p, const mopitr_arg *aArg, int nArg);

/* ======================================================================
** conn.c: one libmariadb connection; conn_result.c: its SHOW PITR streams (live)
** ====================================================================== */

typedef struct mopitr_conn mopitr_conn;     /* one MYSQL handle and its DSN */
typedef struct mopitr_result mopitr_result; /* a streaming SHOW PITR result */

/* What a failed mopitr_conn_exec() left behind, for callers that map server errors. */
typedef struct mopitr_exec_info {
    unsigned merr;  /* mysql_errno() of the failure; 0 on success */
    int bUnknown;   /* the reply was lost: the statement may or may not have applied */
    char zMsg[512]; /* the server's (or libmariadb's) own message, "" on success */
} mopitr_exec_info;

/*
** Connect now. Takes over *pDsn (zeroed on return, success or not). On success
** *ppOut holds one reference (release with mopitr_conn_unref). On failure returns
** SQLITE_ERROR with *pzErr = "mo_pitr: cannot connect to user@host:port: <reason>".
*/
int mopitr_conn_open(mopitr_conn **ppOut, mopitr_dsn *pDsn, char **pzErr);
void mopitr_conn_ref(mopitr_conn *p);
void mopitr_conn_unref(mopitr_conn *p); /* frees on the last reference; NULL is a no-op */

/* Let sqlite3_interrupt(db) end p's waits for the server: a blocked read, write or
** reconnect then fails with SQLITE_INTERRUPT, the handle is closed and the next
** command reconnects. The registry sets its own db. NULL turns it off. */
void mopitr_conn_set_db(mopitr_conn *p, sqlite3 *db);

/* Close the handle now (mo_disconnect, replacement): an open stream is spilled into
** its reader first; later commands fail. Safe to call twice and on NULL. */
void mopitr_conn_shutdown(mopitr_conn *p);

/* Facts for mo_connect()'s answer and mo_connections (never a password). */
const mopitr_dsn *mopitr_conn_dsn(const mopitr_conn *p);
const char *mopitr_conn_account(const mopitr_conn *p);        /* mopitr_dsn_account() */
const char *mopitr_conn_server_version(const mopitr_conn *p); /* of the last connect */
unsigned long mopitr_conn_thread_id(const mopitr_conn *p);    /* 0 when no handle is open */
const char *mopitr_conn_state(const mopitr_conn *p); /* "connected" "disconnected" "closed" */
const char *mopitr_conn_tls(const mopitr_conn *p);   /* TLS cipher, NULL for plain text */
int mopitr_conn_no_backslash_escapes(const mopitr_conn *p);
/* Incremented by every write attempt: readers drop cached rows when it moves. */
unsigned mopitr_conn_generation(const mopitr_conn *p);

/*
** Run one statement that answers OK/ERR (CREATE/ALTER/DROP PITR). Reconnects first
** if the handle was lost while idle; never resends after the statement left. Returns
** SQLITE_OK, or SQLITE_ERROR with *pzErr and pInfo (may be NULL) filled:
** a server error "mo_pitr: <server message> (MatrixOne error N)". When the statement
** left but no reply came back (connection lost, read_timeout, or SQLITE_INTERRUPT from
** sqlite3_interrupt) pInfo->bUnknown is set: the statement may or may not have been
** applied, and the handle is closed (the next command reconnects); the caller checks
** the server's state. *pzErr then says "... may or may not have been applied ...".
*/
int mopitr_conn_exec(mopitr_conn *p, const char *zSql, mopitr_exec_info *pInfo, char **pzErr);

/*
** Send a SHOW PITR and stream its rows. A lost connection before the first row is
** retried once on a fresh connection. *ppOut holds a reference to p while it lives.
** SQLITE_OK or SQLITE_ERROR with *pzErr.
*/
int mopitr_conn_query(mopitr_conn *p, const char *zSql, mopitr_result **ppOut, char **pzErr);

/* The whole unfiltered SHOW PITR of p in one array: *paRow (sqlite3_malloc'd, each row
** freed with mopitr_row_clear, NULL when empty) and *pnRow. SQLITE_OK or an error with
** *pzErr (nothing is returned then). */
int mopitr_conn_fetch_all(mopitr_conn *p, mopitr_row **paRow, int *pnRow, char **pzErr);

/* The same for the SHOW PITR statement zShow (NULL: the unfiltered one). */
int mopitr_conn_fetch_sql(mopitr_conn *p, const char *zShow, mopitr_row **paRow, int *pnRow,
                          char **pzErr);

/* Next row into *pRow (cleared first). SQLITE_ROW, SQLITE_DONE, or an error with *pzErr. */
int mopitr_result_next(mopitr_result *r, mopitr_row *pRow, char **pzErr);

/* Free a result. An unfinished stream is not drained from the network: what already
** arrived is read away, and if the rest would have to be waited for, the handle is
** closed (the next command reconnects). NULL is a no-op. */
void mopitr_result_free(mopitr_result *r);

/* ======================================================================
** conn_wait.c: socket waits in slices, timeouts, interrupts (live)
** ====================================================================== */

#define CONN_WAIT_SLICE_MS 100

/* One wait context: installed by conn.c's entry points for the duration of a call
** (thread-local), or attached to a stream's socket for the stream's life; read by the
** MARIADB_OPT_IO_WAIT hook and by conn.c's error paths. */
typedef struct mopitr_wait {
    sqlite3 *db;          /* interrupt source, NULL: none */
    sqlite3_stmt *pProbe; /* "SELECT 1" on db, lazily prepared */
    int msBudget;         /* >= 0: abort once this many ms were spent waiting in total */
    int bInterrupted;     /* the wait was ended by sqlite3_interrupt() */
    int bTimedOut;        /* a socket timeout expired (libmariadb reports 2013) */
    int msTimeout;        /* ... the timeout that expired, in ms */
    int bTimedOutRead;    /* ... while waiting to read (else to write) */
    int bBudgetSpent;     /* msBudget ran out (a drain that would have to wait) */
    struct mopitr_wait *pPrev;
} mopitr_wait;

void mopitr_wait_begin(mopitr_wait *w, sqlite3 *db, int msBudget); /* init + install */
void mopitr_wait_end(mopitr_wait *w);                              /* uninstall + idle */
mopitr_wait *mopitr_wait_current(void);
/* The parts of begin/end, for a context that outlives one call (a stream's): */
void mopitr_wait_init(mopitr_wait *w, sqlite3 *db, int msBudget);
mopitr_wait *mopitr_wait_swap(mopitr_wait *w); /* install, returns the previous one */
void mopitr_wait_restore(mopitr_wait *pPrev, mopitr_wait *w);
void mopitr_wait_idle(mopitr_wait *w); /* finalize the probe when a call returns */
/* Route the waits on socket fd to w (before the thread's context) until detached;
** 0 when fd has no slot. Detach before another command reads the socket or closes it. */
int mopitr_wait_attach(mopitr_wait *w, int fd);
void mopitr_wait_detach(mopitr_wait *w, int fd);
/* The MARIADB_OPT_IO_WAIT hook (my_socket fd, my_bool bRead, int msTimeout): > 0 ready,
** 0 timeout, -1 abandoned (interrupt, budget) or poll error. Declared with libmariadb's
** types in conn_wait.c; here with the same underlying types (int, char). */
int mopitr_io_wait(int fd, char bRead, int msTimeout);

/* ----------------------------------------------------------------------
** conn.c and conn_result.c internals (live): only those two files (they define
*MOPITR_CONN_INTERNALS before including
** this header, after <mysql.h>): the two objects and the helpers they share.
** ---------------------------------------------------------------------- */
#ifdef MOPITR_CONN_INTERNALS
struct mopitr_conn {
    int nRef;
    MYSQL *m;             /* NULL when no handle is open */
    mopitr_dsn dsn;       /* password field cleared: see zPassword */
    char *zPassword;      /* resolved password or NULL (option file / none) */
    char *zDescribe;      /* "user@host:port" */
    char *zLogin;         /* MatrixOne login name */
    char *zAccount;       /* the account logged in to, lower case ("sys" by default) */
    char *zServerVersion; /* of the last successful connect, "" before */
    char *zCipher;        /* TLS cipher of the open handle, NULL for plain text */
    unsigned long threadId;
    int bNoBackslash;       /* server status had NO_BACKSLASH_ESCAPES */
    int bClosed;            /* mopitr_conn_shutdown() ran: no reconnects */
    unsigned generation;    /* write attempts so far */
    mopitr_result *pStream; /* the reader whose stream is open on m, if any */
    sqlite3 *db;            /* whose sqlite3_interrupt() ends a wait; NULL: none */
};

struct mopitr_result {
    mopitr_conn *pConn; /* one reference */
    MYSQL_RES *pRes;    /* non-NULL while streaming on pConn->m */
    char *zSql;         /* the query, for the one retry */
    int nDelivered;     /* rows handed out */
    int bRetried;
    mopitr_row *aSpill; /* rows read ahead because another command needed the handle */
    int nSpill, nSpillAlloc, iSpill;
    int rcSpill; /* error met while spilling, reported after the spilled rows */
    char *zSpillErr;
    mopitr_wait wait; /* the stream's wait context, set up once by mopitr_conn_query */
    int fdWait;       /* socket wait is attached to (mopitr_wait_attach), -1: none */
};

/* Does merr mean the handle cannot be used any more (lost, out of sync, malformed)? */
int mopitr_conn_is_lost(unsigned merr);
/* May a read that failed with merr before its first row be sent again (2006, 2013)? */
int mopitr_conn_is_retryable(unsigned merr);
/* The message for a command that failed with a lost handle: interrupted (*pRc
** SQLITE_INTERRUPT), timed out or lost (SQLITE_ERROR). zSql: the write in flight, NULL
** for a read. Call before mopitr_conn_drop(). sqlite3_malloc'd; NULL on OOM. */
char *mopitr_conn_lost_errf(mopitr_conn *p, const mopitr_wait *w, unsigned merr, const char *zMsg,
                            const char *zSql, int *pRc);
/* Re-read the server status flags that matter to escaping. */
void mopitr_conn_read_status(mopitr_conn *p);
/* Close the handle; an open stream is abandoned (not drained) and detached. */
void mopitr_conn_drop(mopitr_conn *p);
/* Before a command: spill an open stream, drop a handle closed while idle, reconnect
** (*pbFresh set when this call connected). SQLITE_OK or an error with *pzErr. */
int mopitr_conn_ready(mopitr_conn *p, int *pbFresh, char **pzErr);
/* Read the rest of r's stream into its memory so the handle is free (conn_result.c). */
void mopitr_result_spill(mopitr_result *r);
#endif /* MOPITR_CONN_INTERNALS */

/* ======================================================================
** registry.c: named connections of one sqlite3*; mo_connect(), mo_disconnect(),
** the mo_connections table (live)
** ====================================================================== */

typedef struct mopitr_registry mopitr_registry;

#define MOPITR_DEFAULT_CONNECTION "default"

/* A new registry with one reference, for database connection db. NULL on OOM. */
mopitr_registry *mopitr_registry_new(sqlite3 *db);
void mopitr_registry_ref(mopitr_registry *p);
/* Drop one reference (void * so it can be an xDestroy); the last one closes every
** connection. NULL is a no-op. */
void mopitr_registry_unref(void *p);

/* The connection named zName (case-insensitive), borrowed; NULL if there is none. */
mopitr_conn *mopitr_registry_get(mopitr_registry *p, const char *zName);

/* Register mo_connect(), mo_disconnect() and the mo_connections table on db. Each
** registration holds its own reference to p. */
int mopitr_registry_register(sqlite3 *db, mopitr_registry *p);

/* ======================================================================
** vtab.c: the mo_pitr virtual table (live)
** ====================================================================== */

/*
** One remote change, the unit a write is made of. xUpdate builds one and applies it at
** once in autocommit mode; inside BEGIN...COMMIT it is queued (txn.c) and sent at COMMIT.
*/
typedef enum mopitr_change_op {
    MOPITR_CHANGE_CREATE = 1, /* row: checked by mopitr_row_check_create */
    MOPITR_CHANGE_ALTER,      /* row.az[NAME], row.range_value, row.az[RANGE_UNIT] */
    MOPITR_CHANGE_DROP        /* row.az[NAME] */
} mopitr_change_op;

typedef struct mopitr_change {
    mopitr_change_op op;
    mopitr_row row;  /* owned */
    int bOwnAccount; /* CREATE of an account PITR for the connection's own account */
} mopitr_change;

/* The collation of the vtab's text columns (registered by entry.c): compares after
** mopitr_fold(), as MatrixOne stores names. */
#define MOPITR_COLLATION "mo_nocase"

/* Register the mo_pitr module (eponymous and CREATE VIRTUAL TABLE) on db; the module
** holds a reference to p. */
int mopitr_vtab_register(sqlite3 *db, mopitr_registry *p);

/* ---- shared by vtab.c (table, scans) and vtab_write.c (writes) ---- */

#define PITR_MAX_TERMS 32

#define PITR_MAX_CACHES 4
#define PITR_MAX_PLANS  16

/* A copy of one connection's whole SHOW PITR, shared by the scans that read it. */
typedef struct pitr_cache {
    int nRef;
    mopitr_conn *pConn; /* one reference */
    unsigned gen;       /* mopitr_conn_generation() when read */
    mopitr_row *aRow;
    int nRow;
    /* Lazily built per text identity column (name .. table_name, xFilter's = and IN):
    ** mopitr_hash_nocase(value) -> row, in row order; abIdx[i] says it is built. */
    mopitr_rowindex aIdx[MOPITR_COL_TABLE + 1];
    unsigned char abIdx[MOPITR_COL_TABLE + 1];
} pitr_cache;

/* Remote reads of one statement (or of one cursor when the statement is unknown). */
typedef struct pitr_share {
    struct {
        char *zPlan;        /* idxStr of a scan already sent with its own filter */
        mopitr_conn *pConn; /* compared only, no reference */
    } aPlan[PITR_MAX_PLANS];
    int nPlan;
    pitr_cache *apCache[PITR_MAX_CACHES]; /* one reference each, one per connection */
    int nCache;
    int bKeepRows;    /* a writing statement: keep the streamed rows (for UPDATE) */
    mopitr_row *aRow; /* rows the filtered scans delivered, when bKeepRows */
    int nRow, nRowAlloc;
} pitr_share;

typedef struct pitr_vtab {
    sqlite3_vtab base;
    sqlite3 *db;
    mopitr_registry *pReg; /* one reference */
    char *zConn;           /* the table's own connection name */
    char *zTable;          /* the table's name, for messages */
    int bReadOnly;
    int bForeignSeen;    /* a scan read another connection since the last xBegin */
    unsigned epoch;      /* bumped by xBestIndex: a statement was prepared */
    sqlite3_stmt *pStmt; /* the statement `share` belongs to, with ... */
    int stmtRun;         /* ... its SQLITE_STMTSTATUS_RUN and ... */
    unsigned stmtEpoch;  /* ... the epoch then (see pitr_stmt_share) */
    pitr_share share;
} pitr_vtab;

typedef struct pitr_cursor {
    sqlite3_vtab_cursor base;
    pitr_share own;      /* used when the running statement cannot be identified */
    pitr_share *pShare;  /* the share of the current scan (own or the vtab's) */
    char *zScanConn;     /* connection of the current scan (the HIDDEN column) */
    mopitr_result *pRes; /* streaming scan */
    mopitr_row row;      /* its current row */
    int bEof;
    sqlite3_int64 iRowid;
    pitr_cache *pCache; /* one reference: the copy the current scan reads, or NULL */
    int *aMatch;        /* indexes into pCache->aRow of the current scan's rows */
    int nMatch, iMatch, nMatchAlloc;
} pitr_cursor;

/* Replace pVtab->zErrMsg with zErr (owned). Returns rc, SQLITE_NOMEM if zErr is NULL. */
int mopitr_vt_set_err(sqlite3_vtab *pVtab, int rc, char *zErr);
/* The connection named zName (NULL: the table's own), or NULL with *pzErr. Borrowed. */
mopitr_conn *mopitr_vt_conn(pitr_vtab *v, const char *zName, char **pzErr);

/* vtab_share.c: the reads of one statement (see its manual). */
/* The row named zName that the running statement already read, or NULL. Borrowed. */
const mopitr_row *mopitr_vt_share_row(pitr_share *s, mopitr_conn *pConn, const char *zName);
/* The share of the running statement, or NULL when it cannot be told apart. */
pitr_share *mopitr_vt_stmt_share(pitr_vtab *v);
/* Read pConn's whole SHOW PITR into a new copy with one reference. */
int mopitr_cache_load(mopitr_conn *pConn, pitr_cache **ppOut, char **pzErr);
void mopitr_cache_unref(pitr_cache *p); /* drop one reference; NULL is a no-op */
/* The index of copy p on text column iCol, built on first use; NULL on OOM. */
const mopitr_rowindex *mopitr_cache_index(pitr_cache *p, int iCol);
void mopitr_share_clear(pitr_share *s); /* forget every copy, plan and kept row */
/* Has plan zPlan on pConn been read with its own filter in s? Records it if not. */
int mopitr_share_plan_seen(pitr_share *s, const char *zPlan, mopitr_conn *pConn);
/* Keep a copy of a streamed row r in s. SQLITE_NOMEM. */
int mopitr_share_keep(pitr_share *s, const mopitr_row *r);
/* The still valid copy of pConn's table in s (borrowed), or NULL. */
pitr_cache *mopitr_share_find(pitr_share *s, mopitr_conn *pConn);
/* Keep p (reference taken over) in s, dropping the oldest copy when full. */
void mopitr_share_add(pitr_share *s, pitr_cache *p);

/* vtab_write.c: xUpdate and the transaction callbacks (which hand over to txn.c). */
int mopitr_vt_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid);
int mopitr_vt_begin(sqlite3_vtab *pVtab);
int mopitr_vt_sync(sqlite3_vtab *pVtab);
int mopitr_vt_commit(sqlite3_vtab *pVtab);
int mopitr_vt_rollback(sqlite3_vtab *pVtab);
int mopitr_vt_savepoint(sqlite3_vtab *pVtab, int iSavepoint);
int mopitr_vt_release(sqlite3_vtab *pVtab, int iSavepoint);
int mopitr_vt_rollback_to(sqlite3_vtab *pVtab, int iSavepoint);

/* ---- txn.c: SQLite transactions over PITRs (issue 6): queue, savepoints, views ---- */

/* The transaction state of one database connection: the queued changes, a copy of
** the server's rows per MatrixOne connection written to, savepoints, the last report. */
typedef struct mopitr_txn mopitr_txn;
typedef struct mopitr_report mopitr_report; /* txn_commit.c: the statements of a COMMIT */

/* Create db's transaction state and register the eponymous mo_pitr_last_commit table
** (entry.c calls it once per database connection). */
int mopitr_txn_register(sqlite3 *db);

/* db's transaction state (borrowed), NULL when none was registered. */
mopitr_txn *mopitr_txn_of(sqlite3 *db);

/* Read-your-writes: does db's transaction hold queued changes for pConn? */
int mopitr_txn_pending(sqlite3 *db, mopitr_conn *pConn);

/* A new copy (one reference, in *ppOut) of pBase, the server's whole SHOW PITR, with
** db's queued changes for pConn applied: queued creates added (times NULL), drops
** hidden, range changes shown. The first read of pConn in the transaction also loads
** its view from pBase, deciding INSERTs queued blind: a conflict there is an error
** (SQLITE_CONSTRAINT, *pzErr). *ppOut stays NULL when nothing is queued for pConn. */
int mopitr_txn_overlay(sqlite3 *db, mopitr_conn *pConn, const pitr_cache *pBase, pitr_cache **ppOut,
                       char **pzErr);

/*
** The PITR zName on pConn as this transaction sees it (the server's rows as first read
** in the transaction, then every queued change): *pbFound, and a copy in *pOut (cleared
** first; free with mopitr_row_clear). bAskServer: a name the transaction has not seen
** is read from the server (UPDATE/DELETE of a row created since). The first call for a
** connection reads its whole SHOW PITR (and decides the INSERTs queued blind).
*/
int mopitr_txn_find(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, const char *zName,
                    int bAskServer, mopitr_row *pOut, int *pbFound, char **pzErr);

/* Queue a checked INSERT (*pCh, a CREATE, taken over) with conflict mode eMode
** (sqlite3_vtab_on_conflict): decided now against what the transaction knows
** (SQLITE_CONSTRAINT with *pzErr; OR IGNORE / OR REPLACE may skip it or make it an
** ALTER), or queued blind when only the server can tell (see txn.c). */
int mopitr_txn_insert(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, mopitr_change *pCh,
                      int eMode, char **pzErr);

/* Queue a validated UPDATE/DELETE change (*pCh is taken over and zeroed, also on
** failure); mopitr_txn_find was called for its name. */
int mopitr_txn_queue(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, mopitr_change *pCh,
                     char **pzErr);

/* Transaction callbacks for db's state. sync applies the queue (txn_commit.c) and
** returns SQLITE_OK or an error with *pzErr; rollback after a successful sync undoes. */
void mopitr_txn_begin(mopitr_txn *t);
int mopitr_txn_sync(mopitr_txn *t, char **pzErr);
void mopitr_txn_commit(mopitr_txn *t);
void mopitr_txn_rollback(mopitr_txn *t);
void mopitr_txn_savepoint(mopitr_txn *t, int iSavepoint);
void mopitr_txn_release(mopitr_txn *t, int iSavepoint);
void mopitr_txn_rollback_to(mopitr_txn *t, int iSavepoint);

/* The report of the last COMMIT (borrowed; NULL before the first). */
const mopitr_report *mopitr_txn_last_report(mopitr_txn *t);

/* Shared by vtab_write.c and txn_commit.c. */
/* Read the PITR zName from the server: *pbFound and the row in *pOut (cleared first). */
int mopitr_pitr_lookup(mopitr_conn *pConn, const char *zName, mopitr_row *pOut, int *pbFound,
                       char **pzErr);
/* "database 'db1'", "table 'db1'.'t1'", "account 'acc01'", "the cluster". NULL on OOM. */
char *mopitr_row_describe_object(const mopitr_row *r);
/* INSERT OR REPLACE *pCh of a name whose row is pOld: same object -> *pCh becomes an
** ALTER, or *pbSkip when the range is the same; another object -> SQLITE_CONSTRAINT. */
int mopitr_replace_decide(const mopitr_row *pOld, mopitr_change *pCh, const char *zOwn, int *pbSkip,
                          char **pzErr);
/* The statement text for a change on pConn. NULL on OOM. */
char *mopitr_change_sql(mopitr_conn *pConn, const mopitr_change *pCh);
/* Run one change on pConn. When the reply is lost, the server is asked whether it
** applied (*peOutcome MOPITR_OUTCOME_*); SQLITE_CONSTRAINT for a duplicate. When it
** turns out applied, SQLITE_OK comes with a note in *pzErr (the caller frees it). */
#define MOPITR_OUTCOME_APPLIED 0 /* the statement applied (also: reply lost, checked) */
#define MOPITR_OUTCOME_FAILED  1 /* it did not apply */
#define MOPITR_OUTCOME_UNKNOWN 2 /* reply lost and the check failed too */
int mopitr_change_run(mopitr_conn *pConn, const mopitr_change *pCh, int *peOutcome, char **pzErr);

/* ---- txn_commit.c: COMMIT of a queue: validate, order, apply, undo, report ---- */

/* One name whose state the transaction changes (pointers borrowed from txn.c). */
typedef struct mopitr_txn_net {
    mopitr_conn *pConn;
    const char *zConn;      /* the connection's name, for the report */
    const mopitr_row *pOld; /* the server's row when the transaction read it, or NULL */
    const mopitr_row *pNew; /* the row wanted at COMMIT, or NULL (dropped) */
    int bOwnAccount;        /* pNew is created in the own-account form */
    int bBlind;             /* pOld is unknown: the server was not read (a blind INSERT) */
    int iOrder;             /* position of the first queued change of this name */
    int iConn;              /* order of the connection's first write */
} mopitr_txn_net;

/* Apply a batch (see txn_commit.c's manual). *ppReport gets the report whatever
** happened (NULL only on OOM). SQLITE_OK; else the batch was undone as far as possible
** and *pzErr names the failed statement, the server's error and what is left applied. */
int mopitr_commit_run(const mopitr_txn_net *aNet, int nNet, mopitr_report **ppReport, char **pzErr);
/* Undo an applied batch (another table's xSync failed after this one succeeded). */
void mopitr_commit_undo(mopitr_report *p);
void mopitr_report_free(mopitr_report *p);
/* The statements of report p (0 for NULL), and statement i's texts (borrowed; zError
** may be NULL): connection name, statement, state (applied, undone, failed, not_sent,
** unknown), error. */
int mopitr_report_count(const mopitr_report *p);
void mopitr_report_step(const mopitr_report *p, int i, const char **pzConn, const char **pzSql,
                        const char **pzState, const char **pzError);

/* txn_report.c: register mo_pitr_last_commit; rows come from mopitr_txn_last_report(t). */
int mopitr_report_register(sqlite3 *db, mopitr_txn *t, void (*xDestroy)(void *));

/* ---- txn_view.c: a transaction's view of one MatrixOne connection ---- */

/* The server's PITRs as read, with the queued changes applied (see txn_view.c). */
typedef struct mopitr_view mopitr_view;

mopitr_view *mopitr_view_new(mopitr_conn *pConn, const char *zConnName); /* NULL on OOM */
void mopitr_view_free(mopitr_view *v);                                   /* NULL: no-op */
mopitr_conn *mopitr_view_conn(const mopitr_view *v);                     /* borrowed */
int mopitr_view_loaded(const mopitr_view *v);  /* the server's rows are in */
int mopitr_view_touched(const mopitr_view *v); /* names the queue changed */

/* Forget the queue's effects; bKeepServer keeps the server's rows (else: not loaded). */
int mopitr_view_reset(mopitr_view *v, int bKeepServer);
/* Take in the server's rows (after a reset without them): copies of pBase's, or, when
** pBase is NULL, the whole SHOW PITR read now. */
int mopitr_view_load(mopitr_view *v, const pitr_cache *pBase, char **pzErr);

/* Outcomes of mopitr_view_decide. */
#define MOPITR_DECIDE_APPLY 0 /* queue it (OR REPLACE may have made it an ALTER) */
#define MOPITR_DECIDE_SKIP  1 /* nothing to do (OR IGNORE, OR REPLACE with an equal range) */
#define MOPITR_DECIDE_DEFER 2 /* not loaded: queue it blind */
#define MOPITR_DECIDE_LOAD  3 /* not loaded, and it meets a blind OR IGNORE: load first */
/* Decide INSERT *pCh with conflict mode eMode against the view: *peOut, or
** SQLITE_CONSTRAINT with *pzErr (name taken, object taken, OR REPLACE of another
** object). */
int mopitr_view_decide(const mopitr_view *v, mopitr_change *pCh, int eMode, int *peOut,
                       char **pzErr);
/* Replay queued change pCh (journal position iOp). eBlind: the conflict mode of an
** INSERT queued blind, decided here when the view is loaded (an error: *pzErr). */
int mopitr_view_apply(mopitr_view *v, const mopitr_change *pCh, int eBlind, int iOp, char **pzErr);

/* The current row of zName, as mopitr_txn_find. */
int mopitr_view_find(mopitr_view *v, const char *zName, int bAskServer, mopitr_row *pOut,
                     int *pbFound, char **pzErr);
/* pBase with the view's net changes applied, as mopitr_txn_overlay. */
int mopitr_view_overlay(const mopitr_view *v, const pitr_cache *pBase, pitr_cache **ppOut);
/* Write the view's net changes to a (room for mopitr_view_touched); returns how many. */
int mopitr_view_net(const mopitr_view *v, int iConn, mopitr_txn_net *a);

/* ======================================================================
** entry.c: registration (live)
** ====================================================================== */

#endif /* MO_PITR_INT_H */
