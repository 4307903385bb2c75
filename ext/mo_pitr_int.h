/*
** mo_pitr_int.h: the one internal header of the mo_pitr extension.
**
** One section per .c file. The pure modules (err, dsn, sqlgen, value, plan, rowindex,
** window, rwlist, objname, guard) know no live connection and no SQLite callback: the
** unit tests in test/unit compile them with MOPITR_UNIT_TEST and link libsqlite3
** directly. The live modules (conn*, srvclock, journal, registry, change, vtab*, txn*,
** cluster*, rwindow, coverage, restore, tvf, snaptab, entry) are the only ones that touch
** libmariadb or register with SQLite. Calls run one way: vtab -> txn -> change -> conn ->
** wire; the vtab and the transaction code reach the server only through change and conn.
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
** write_timeout ssl_mode ssl_ca ssl_cert ssl_key option_file option_group restore_timeout.
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
    unsigned restore_timeout;                              /* seconds; 0 = none (restore.c) */
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

/* Deep copy of *pIn, password included, into *pOut (cleared first). SQLITE_NOMEM leaves
** *pOut cleared. */
int mopitr_dsn_copy(mopitr_dsn *pOut, const mopitr_dsn *pIn);

/* Is z[0..n) (n < 0: strlen) a connection name (1 to 64 letters, digits, '_', '-', '.')? */
int mopitr_dsn_name_ok(const char *z, int n);

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

/* Names MatrixOne would not take as they are (spec 1.1): NULL or empty, or holding a
** backslash (MatrixOne splices names unescaped into string literals of its internal SQL,
** so `x\y` would become `xy`: another PITR or object). iCol: MOPITR_COL_NAME, _ACCOUNT,
** _DATABASE or _TABLE; eUse: what the statement would do, for the message. SQLITE_OK, or
** SQLITE_ERROR with *pzErr ("pitr name 'x\y' contains a backslash, which MatrixOne would
** mangle (it would create pitr 'xy'); ..."). Every write path checks every name it sends
** with it (value.c, vtab_write.c, change.c). */
#define MOPITR_NAME_CREATE 0
#define MOPITR_NAME_ALTER  1
#define MOPITR_NAME_DROP   2
int mopitr_name_check(int iCol, const char *z, int eUse, char **pzErr);

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
** snaptab.c: read-only eponymous tables made of a snapshot per scan (live)
** ====================================================================== */

typedef struct mopitr_snap mopitr_snap; /* the rows a fill function appends */

/* Fill s with the table's rows, cell by cell, row after row (nCol cells a row).
** SQLITE_OK, or an error code that fails the scan. */
typedef int (*mopitr_snap_fill)(void *pAux, mopitr_snap *s);

/* Append one cell: a copy of z (NULL: SQL NULL), an integer, a real, or NULL. An
** allocation failure is remembered and fails the scan. */
void mopitr_snap_text(mopitr_snap *s, const char *z);
void mopitr_snap_int(mopitr_snap *s, sqlite3_int64 i);
void mopitr_snap_real(mopitr_snap *s, double r);
void mopitr_snap_null(mopitr_snap *s);

/* Register the eponymous table zModule with columns zSchema ("CREATE TABLE x(...)", nCol
** of them), rows from xFill(pAux). xDestroy(pAux) runs when the module goes (also when
** registering fails). */
int mopitr_snap_register(sqlite3 *db, const char *zModule, const char *zSchema, int nCol,
                         mopitr_snap_fill xFill, void *pAux, void (*xDestroy)(void *));

/* ======================================================================
** journal.c: the journal of the remote statements of one SQLite connection (live)
** ====================================================================== */

typedef struct mopitr_journal mopitr_journal;

#define MOPITR_JOURNAL_DEFAULT 1000    /* entries kept unless mo_pitr_journal_size() says */
#define MOPITR_JOURNAL_MAX     1000000 /* the most mo_pitr_journal_size() accepts */

/* A new journal with one reference (MOPITR_JOURNAL_DEFAULT entries). NULL on OOM. */
mopitr_journal *mopitr_journal_new(void);
void mopitr_journal_ref(mopitr_journal *j);
void mopitr_journal_unref(void *j); /* NULL is a no-op; void * for xDestroy */
/* Keep at most nSize entries (0: none); the newest are kept. SQLITE_NOMEM. */
int mopitr_journal_resize(mopitr_journal *j, int nSize);
int mopitr_journal_size(const mopitr_journal *j);
/* A monotonic clock in microseconds, for iStartUs below. */
sqlite3_int64 mopitr_journal_clock_us(void);

/*
** THE hook: record one remote statement (or "CONNECT user@host:port") sent on the
** MatrixOne connection named zConn, started at iStartUs (mopitr_journal_clock_us(); the
** duration runs to now), with nRows rows returned or affected, or the error merr/zMsg
** (zMsg NULL: success). Never pass a password. j NULL is a no-op. conn.c and
** conn_result.c call it for everything they send; anything that reaches the server
** another way must call it too.
*/
void mopitr_journal_record(mopitr_journal *j, const char *zConn, const char *zSql,
                           sqlite3_int64 iStartUs, sqlite3_int64 nRows, unsigned merr,
                           const char *zMsg);

/* Register mo_pitr_journal and mo_pitr_journal_size() on db (each holds a reference). */
int mopitr_journal_register(sqlite3 *db, mopitr_journal *j);

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
/* The same in three steps, so the first connect is journaled too: make the object (no
** network; takes over *pDsn; SQLITE_NOMEM), name it and give it a journal (a reference
** is taken; NULL: none), connect (as mopitr_conn_open; the object stays valid; call
** mopitr_conn_set_db first to make the connect interruptible). */
int mopitr_conn_new(mopitr_conn **ppOut, mopitr_dsn *pDsn);
int mopitr_conn_set_journal(mopitr_conn *p, mopitr_journal *pJournal, const char *zName);
int mopitr_conn_connect(mopitr_conn *p, char **pzErr);
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

/* Every row of the SHOW PITR statement zShow in one array: *paRow (sqlite3_malloc'd,
** each row freed with mopitr_row_clear, NULL when empty) and *pnRow. SQLITE_OK or an
** error with *pzErr (nothing is returned then). The text comes from above (plan.c). */
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
    int msRead;           /* reads: 0 the handle's read_timeout, -1 none, > 0 this many ms
                             (restore_timeout); inherited from the enclosing context */
    struct mopitr_wait *pPrev;
} mopitr_wait;

void mopitr_wait_begin(mopitr_wait *w, sqlite3 *db, int msBudget); /* init + install */
void mopitr_wait_end(mopitr_wait *w);                              /* uninstall + idle */
mopitr_wait *mopitr_wait_current(void);
/* Was w's SQLite connection interrupted (sqlite3_interrupt)? A yes is remembered in
** w->bInterrupted. For callers that poll sockets themselves (conn_fanout.c). */
int mopitr_wait_interrupted(mopitr_wait *w);
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
** conn.c, conn_result.c, conn_text.c and conn_fanout.c internals (live): only those files
** (they define MOPITR_CONN_INTERNALS before including this header, after <mysql.h>):
** the two objects and the helpers they share.
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
    int bNoBackslash;         /* server status had NO_BACKSLASH_ESCAPES */
    int bClosed;              /* mopitr_conn_shutdown() ran: no reconnects */
    unsigned generation;      /* write attempts so far */
    mopitr_result *pStream;   /* the reader whose stream is open on m, if any */
    sqlite3 *db;              /* whose sqlite3_interrupt() ends a wait; NULL: none */
    mopitr_journal *pJournal; /* one reference, or NULL: where statements are recorded */
    char *zName;              /* the registry name, for the journal (NULL: "") */
    mopitr_conn *pFanout;     /* conn_fanout.c: its own handle to this server, or NULL */
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
    sqlite3_int64 iStartUs; /* when zSql was (last) sent, for the journal */
    int bJournaled;         /* the journal has this send's entry */
    mopitr_wait wait;       /* the stream's wait context, set up once by mopitr_conn_query */
    int fdWait;             /* socket wait is attached to (mopitr_wait_attach), -1: none */
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
/* Journal r's current send once: rows delivered and spilled so far, or the error merr /
** zMsg (zMsg NULL: success). A no-op once done for this send (a resend starts anew). */
void mopitr_result_journal(mopitr_result *r, unsigned merr, const char *zMsg);
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

/* Register mo_connect(), mo_disconnect(), mo_pitr_allow_delete_all() and the
** mo_connections table on db. Each registration holds its own reference to p. */
int mopitr_registry_register(sqlite3 *db, mopitr_registry *p);

/* Did mo_pitr_allow_delete_all(zTable) allow DELETE without WHERE on that table? */
int mopitr_registry_allow_delete_all(const mopitr_registry *p, const char *zTable);

/* ======================================================================
** change.c: one PITR change on one connection (live): lookup, statement text, run and
** verify after a lost reply, the INSERT OR REPLACE decision, object descriptions.
** Used by the vtab's write path and the transaction code alike (below both).
** ====================================================================== */

/*
** One remote change, the unit a write is made of. xUpdate builds one; it is queued
** (txn.c) and sent at the end of the statement (autocommit) or at COMMIT.
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

/* Read the PITR zName from the server: *pbFound and the row in *pOut (cleared first). */
int mopitr_pitr_lookup(mopitr_conn *pConn, const char *zName, mopitr_row *pOut, int *pbFound,
                       char **pzErr);
/* The whole unfiltered SHOW PITR of pConn in one array (as mopitr_conn_fetch_sql). */
int mopitr_pitr_fetch_all(mopitr_conn *pConn, mopitr_row **paRow, int *pnRow, char **pzErr);
/* The SHOW PITR text that reads (a superset of) the PITRs named azName[0..nName) and
** those that may protect the objects of apObj[0..nObj) (rows about to be created): every
** cluster and account PITR when one of them is at that level, every PITR in a database
** one of them names. Escaped for pConn's session. NULL on OOM. */
char *mopitr_pitr_probe_sql(mopitr_conn *pConn, const char *const *azName, int nName,
                            const mopitr_row *const *apObj, int nObj);
/* Read what deciding a CREATE of pNew needs (its name, its object) into *paRow and *pnRow
** (as mopitr_conn_fetch_sql). */
int mopitr_pitr_probe(mopitr_conn *pConn, const mopitr_row *pNew, mopitr_row **paRow, int *pnRow,
                      char **pzErr);
/* "database 'db1'", "table 'db1'.'t1'", "account 'acc01'", "the cluster". NULL on OOM. */
char *mopitr_row_describe_object(const mopitr_row *r);
/* INSERT OR REPLACE *pCh of a name whose row is pOld: same object -> *pCh becomes an
** ALTER, or *pbSkip when the range is the same; another object -> SQLITE_CONSTRAINT. */
int mopitr_replace_decide(const mopitr_row *pOld, mopitr_change *pCh, const char *zOwn, int *pbSkip,
                          char **pzErr);
/* The statement text for a change on pConn. NULL on OOM. */
char *mopitr_change_sql(mopitr_conn *pConn, const mopitr_change *pCh);
/* Run one change on pConn; zSql is its text (mopitr_change_sql) or NULL to make it here.
** When the reply is lost, the server is asked whether it applied (*peOutcome
** MOPITR_OUTCOME_*); SQLITE_CONSTRAINT for a duplicate. When it turns out applied,
** SQLITE_OK comes with a note in *pzErr (the caller frees it). */
#define MOPITR_OUTCOME_APPLIED 0 /* the statement applied (also: reply lost, checked) */
#define MOPITR_OUTCOME_FAILED  1 /* it did not apply */
#define MOPITR_OUTCOME_UNKNOWN 2 /* reply lost and the check failed too */
int mopitr_change_run(mopitr_conn *pConn, const mopitr_change *pCh, const char *zSql,
                      int *peOutcome, char **pzErr);

/* ======================================================================
** vtab.c: the mo_pitr virtual table (live)
** ====================================================================== */

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
    int bAllowDeleteAll; /* allow_delete_all=1: DELETE without WHERE is not refused */
    int bScanFiltered;   /* the last scan sent a filter (a WHERE term was pushed down) */
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
    struct mopitr_txn_read *pRead; /* queued changes of the scan's connection, or NULL */
    const mopitr_row *aQueued;     /* ... their rows, shown before the server's */
    int nQueued, iQueued;
    sqlite3_int64 nowSec; /* the clock when the scan began (earliest_restorable) */
    int nowNsec;
} pitr_cursor;

/* Replace pVtab->zErrMsg with zErr (owned). Returns rc, SQLITE_NOMEM if zErr is NULL. */
int mopitr_vt_set_err(sqlite3_vtab *pVtab, int rc, char *zErr);
/* The connection named zName (NULL: the table's own), or NULL with *pzErr. Borrowed. */
mopitr_conn *mopitr_vt_conn(pitr_vtab *v, const char *zName, char **pzErr);

/* vtab_args.c: the pushdown of a scan, shared with mo_pitr_all (see its manual). */
/* xBestIndex: push the usable data-column constraints (argv from nArg + 1 on), set
** idxStr (the SHOW PITR template) and the cost. SQLITE_OK or SQLITE_NOMEM. */
int mopitr_vt_plan(sqlite3_index_info *pInfo, int nArg, int bUniqueName);
/* The values bound to one xFilter call, detached from SQLite (plan.c is pure). */
typedef struct mopitr_vt_args {
    mopitr_arg aArg[PITR_MAX_TERMS];
    mopitr_val *aVal; /* all values, texts in azText */
    char **azText;
    int nVal, nAlloc, nArg;
} mopitr_vt_args;
/* Collect the values of aTerm (IN lists expanded, text folded for comparisons) from argv
** into *a (zeroed first by the caller). SQLITE_OK or SQLITE_NOMEM. */
int mopitr_vt_args_collect(mopitr_vt_args *a, const mopitr_term *aTerm, int nTerm,
                           sqlite3_value **argv);
void mopitr_vt_args_clear(mopitr_vt_args *a); /* free and zero */

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
/* A number that changes whenever db's queue changes (a write queued, ROLLBACK TO, the end
** of a transaction): a copy with the queue applied is still good while it is the same. */
unsigned mopitr_txn_version(sqlite3 *db);

/*
** A read of pConn in db's transaction (read-your-writes, without a whole SHOW PITR): the
** scan sends its own filtered SHOW PITR (terms aArg), passes each server row through
** mopitr_txn_read_keep (the rows of names the queue changed are dropped) and shows the
** queue's rows first: mopitr_txn_read_rows, the current rows of the changed names that
** satisfy every term. *ppOut is NULL when nothing is queued for pConn. The read keeps
** copies and a reference to pConn; it looks the queue up again for each row (the queue
** may change while a scan runs). SQLITE_OK or SQLITE_NOMEM.
*/
typedef struct mopitr_txn_read mopitr_txn_read;
int mopitr_txn_read_open(sqlite3 *db, mopitr_conn *pConn, const mopitr_arg *aArg, int nArg,
                         mopitr_txn_read **ppOut);
/* The queue's rows of the read (borrowed, valid until mopitr_txn_read_free): a count,
** and the array in *paRow. */
int mopitr_txn_read_rows(const mopitr_txn_read *r, const mopitr_row **paRow);
/* Is server row pRow shown? *pbKeep. SQLITE_CONSTRAINT with *pzErr when an INSERT queued
** earlier collides with it (its name or its object: that INSERT cannot commit). */
int mopitr_txn_read_keep(mopitr_txn_read *r, const mopitr_row *pRow, int *pbKeep, char **pzErr);
/* Can the read skip the server: is every value of a term `name = ?` / `name IN (...)` of
** aArg a name the queue changed and the batch read (mopitr_view_changes: its server row
** would be dropped anyway)? */
int mopitr_txn_read_covered(mopitr_txn_read *r, const mopitr_arg *aArg, int nArg);
void mopitr_txn_read_free(mopitr_txn_read *r); /* NULL is a no-op */

/* A new copy (one reference, in *ppOut) of pBase, the server's whole SHOW PITR, as a read
** in db's transaction shows it (mopitr_txn_read_* with no terms: queued creates first,
** times NULL; drops hidden; range changes shown). A collision with an INSERT queued
** earlier is an error (SQLITE_CONSTRAINT, *pzErr). *ppOut stays NULL when nothing is
** queued for pConn. */
int mopitr_txn_overlay(sqlite3 *db, mopitr_conn *pConn, const pitr_cache *pBase, pitr_cache **ppOut,
                       char **pzErr);

/* What a write statement does (mopitr_txn_row), for messages. */
#define MOPITR_VERB_INSERT 1
#define MOPITR_VERB_UPDATE 2
#define MOPITR_VERB_DELETE 3
#define MOPITR_VERB_MIXED  4 /* a statement whose triggers write other kinds of rows */

/* xUpdate is about to write one row (eVerb). The first row of a batch tells whether
** the batch is one statement in autocommit mode (applied when it ends, at xSync) or an
** SQLite transaction (applied at COMMIT). */
void mopitr_txn_row(mopitr_txn *t, int eVerb);
/* In autocommit mode, say in a row's error (*pzErr, replaced) which PITR (zName) and
** which row of the statement failed, and that nothing of the statement was sent. A
** no-op inside a transaction, for the first row of an INSERT, and on OOM. */
void mopitr_txn_row_error(mopitr_txn *t, const char *zName, int rc, char **pzErr);

/*
** The PITR zName on pConn as this batch sees it (the server's row as a statement of the
** batch read it, then every queued change): *pbFound, and a copy in *pOut (cleared
** first; free with mopitr_row_clear). pSeen: the server's row the running statement's
** own scan read (or NULL); bAskServer: a name the batch knows nothing of is looked up
** (one SHOW PITR WHERE pitr_name = ...). Never a whole SHOW PITR.
*/
int mopitr_txn_find(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, const char *zName,
                    int bAskServer, const mopitr_row *pSeen, mopitr_row *pOut, int *pbFound,
                    char **pzErr);

/* Queue a checked INSERT (*pCh, a CREATE, taken over) with conflict mode eMode
** (sqlite3_vtab_on_conflict): decided now against what the batch knows (SQLITE_CONSTRAINT
** with *pzErr); OR IGNORE / OR REPLACE read the row's name and object first (one filtered
** SHOW PITR) and may skip it or make it an ALTER; a plain INSERT of a name and object the
** batch knows nothing of is queued blind and decided by COMMIT's validation (see txn.c). */
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
/* What COMMIT would send now (mopitr_commit_plan of the queue): *ppOut NULL when nothing
** is queued; free with mopitr_report_free. SQLITE_NOMEM. */
int mopitr_txn_plan(mopitr_txn *t, mopitr_report **ppOut);

/* ---- txn_commit.c: COMMIT of a queue: validate, order, apply, undo, report ---- */

/* One name whose state the transaction changes (pointers borrowed from txn.c). */
typedef struct mopitr_txn_net {
    mopitr_conn *pConn;
    const char *zConn;      /* the connection's name, for the report */
    const mopitr_row *pOld; /* the server's row when the transaction read it, or NULL */
    const mopitr_row *pNew; /* the row wanted at COMMIT, or NULL (dropped) */
    int bOwnAccount;        /* pNew is created in the own-account form */
    int bBlind;             /* the batch never read this name from the server (blind INSERT) */
    int iOrder;             /* position of the first queued change of this name */
    int iConn;              /* order of the connection's first write */
} mopitr_txn_net;

/* Apply a batch (see txn_commit.c's manual). zWhat names it in messages ("COMMIT", or
** the statement's verb); bStatement: one autocommit statement (a batch of one change
** is then sent without the validation read: the server's own checks are the same).
** *ppReport gets the report whatever happened (NULL only on OOM). SQLITE_OK; else the
** batch was undone as far as possible and *pzErr names the failed statement, the
** server's error and what is left applied. */
int mopitr_commit_run(const mopitr_txn_net *aNet, int nNet, const char *zWhat, int bStatement,
                      mopitr_report **ppReport, char **pzErr);
/* The same for a batch of one change *pCh (taken over) on pConn (named zConn) of an
** autocommit statement: sent as it is, its own error on failure. *ppReport as above. */
int mopitr_commit_one(mopitr_conn *pConn, const char *zConn, mopitr_change *pCh, const char *zWhat,
                      mopitr_report **ppReport, char **pzErr);
/* Undo an applied batch (another table's xSync failed after this one succeeded). */
void mopitr_commit_undo(mopitr_report *p);
/* The statements a COMMIT of aNet would send, in its order, without reading the server
** (mo_pitr_plan): a report whose steps are all not_sent. SQLITE_NOMEM. */
int mopitr_commit_plan(const mopitr_txn_net *aNet, int nNet, mopitr_report **ppOut);
void mopitr_report_free(mopitr_report *p);
/* The statements of report p (0 for NULL), and statement i's texts (borrowed; zError
** may be NULL): connection name, statement, state (applied, undone, failed, not_sent,
** unknown), error. */
int mopitr_report_count(const mopitr_report *p);
void mopitr_report_step(const mopitr_report *p, int i, const char **pzConn, const char **pzSql,
                        const char **pzState, const char **pzError);
/* Statement i's kind ("create", "alter", "drop") and PITR name (borrowed). */
void mopitr_report_step_what(const mopitr_report *p, int i, const char **pzKind,
                             const char **pzPitr);

/* txn_report.c: register mo_pitr_last_commit (rows from mopitr_txn_last_report(t); it
** owns t: xDestroy) and mo_pitr_plan (rows from mopitr_txn_plan(t)). */
int mopitr_report_register(sqlite3 *db, mopitr_txn *t, void (*xDestroy)(void *));

/* ---- txn_view.c: what a batch knows of one MatrixOne connection ---- */

/* The server's rows the batch read, with the queued changes applied (see txn_view.c). */
typedef struct mopitr_view mopitr_view;

mopitr_view *mopitr_view_new(mopitr_conn *pConn, const char *zConnName); /* NULL on OOM */
void mopitr_view_free(mopitr_view *v);                                   /* NULL: no-op */
mopitr_conn *mopitr_view_conn(const mopitr_view *v);                     /* borrowed */
int mopitr_view_touched(const mopitr_view *v); /* names the queue changed */

/* Forget the queue's effects, keep what was read from the server (before a replay). */
int mopitr_view_reset(mopitr_view *v);
/* Take in one server row (a copy of *pRow) as read now, unless the view has that name's
** row already (or the queue's). */
int mopitr_view_add_server(mopitr_view *v, const mopitr_row *pRow);
/* Take in what the server has for a CREATE of pNew: its name and the PITRs that may
** protect its object (one filtered SHOW PITR, mopitr_pitr_probe), so mopitr_view_decide
** decides it exactly. */
int mopitr_view_probe(mopitr_view *v, const mopitr_row *pNew, char **pzErr);

/* Outcomes of mopitr_view_decide. */
#define MOPITR_DECIDE_APPLY 0 /* queue it (OR REPLACE may have made it an ALTER) */
#define MOPITR_DECIDE_SKIP  1 /* nothing to do (OR IGNORE, OR REPLACE with an equal range) */
/* Decide INSERT *pCh with conflict mode eMode against what the view knows: *peOut, or
** SQLITE_CONSTRAINT with *pzErr (name taken, object taken, OR REPLACE of another
** object). What it does not know is left to COMMIT's validation. */
int mopitr_view_decide(const mopitr_view *v, mopitr_change *pCh, int eMode, int *peOut,
                       char **pzErr);
/* Apply (or replay) decided change pCh, journal position iOp. SQLITE_OK or SQLITE_NOMEM. */
int mopitr_view_apply(mopitr_view *v, const mopitr_change *pCh, int iOp);

/* The current row of zName, as mopitr_txn_find. */
int mopitr_view_find(mopitr_view *v, const char *zName, int bAskServer, mopitr_row *pOut,
                     int *pbFound, char **pzErr);
/* Read-your-writes. The current rows of the names the queue changed, as a read shows
** them (a new PITR with NULL times), that satisfy every term of aArg: copies in *paRow
** (sqlite3_malloc'd; clear each, free the array; NULL when none) and *pnRow. */
int mopitr_view_rows(const mopitr_view *v, const mopitr_arg *aArg, int nArg, mopitr_row **paRow,
                     int *pnRow);
/* Does a read show the server's row r? *pbShow 0 when the queue changed its name (its
** current row comes from mopitr_view_rows). SQLITE_CONSTRAINT with *pzErr when a queued
** CREATE collides with r (r's name, or r's object under another name). */
int mopitr_view_filter(const mopitr_view *v, const mopitr_row *r, int *pbShow, char **pzErr);
/* Did the queue change zName (a net change) of which the batch read the server's state
** (so a read of that name need not ask the server again)? SQLITE_NOMEM in *pRc. A name
** queued blind is not: its server row, if any, is a collision a read must see. */
int mopitr_view_changes(const mopitr_view *v, const char *zName, int *pRc);
/* Write the view's net changes to a (room for mopitr_view_touched); returns how many. */
int mopitr_view_net(const mopitr_view *v, int iConn, mopitr_txn_net *a);

/* ======================================================================
** Recovery (issue 14): window.c, rwlist.c (pure); conn_text.c, srvclock.c (live,
** connection layer); rwindow.c, coverage.c, restore.c (SQLite callbacks)
** ====================================================================== */

/* ---- window.c: time arithmetic of recovery windows (pure, UTC) ---- */

#define MOPITR_TIME_SIZE 32 /* "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" and a NUL */

/* Parse "YYYY-MM-DD HH:MM:SS[.d{1,9}]" (n < 0: strlen); 1 with *pSec (*pNsec may be NULL)
** set, else 0. */
int mopitr_time_parse(const char *z, int n, sqlite3_int64 *pSec, int *pNsec);
/* "YYYY-MM-DD HH:MM:SS" of sec (UTC) into aBuf; 0 (aBuf "") outside years 0..9999. */
int mopitr_time_format(sqlite3_int64 sec, char *aBuf);
/* The same with ".fraction" (no trailing zeros) when nsec > 0. */
int mopitr_time_format_ns(sqlite3_int64 sec, int nsec, char *aBuf);
/* Go's t.AddDate(years, months, days) for UTC seconds (month-end normalisation). */
sqlite3_int64 mopitr_time_add_date(sqlite3_int64 sec, int years, int months, int days);
/* now - v units (h d mo y) as MatrixOne computes it (spec 8.4). SQLITE_ERROR: bad unit/v. */
int mopitr_range_start(sqlite3_int64 nowSec, int nowNsec, sqlite3_int64 v, const char *zUnit,
                       sqlite3_int64 *pSec, int *pNsec);
/* The first whole second a RESTORE from a PITR created at createdSec (SHOW PITR's second)
** is accepted for at time now: max(createdSec + 1, ceil(now - range)). */
int mopitr_earliest_restorable(sqlite3_int64 createdSec, sqlite3_int64 nowSec, int nowNsec,
                               sqlite3_int64 v, const char *zUnit, sqlite3_int64 *pOut);

/* ---- rwlist.c: SHOW RECOVERY_WINDOW's list text (pure) ---- */

#define MOPITR_RW_PITR     1
#define MOPITR_RW_SNAPSHOT 2

/* One item of a RecoveryWindows list. */
typedef struct mopitr_rwitem {
    int eSource;            /* MOPITR_RW_PITR or MOPITR_RW_SNAPSHOT */
    char *zName;            /* source_name (owned) */
    sqlite3_int64 startSec; /* PITR start_time / snapshot timestamp, as written ... */
    int startNs;            /* ... with its fraction */
    sqlite3_int64 endSec;   /* PITR end_time (a snapshot: its timestamp) */
    int endNs;
    int bUtc; /* 1: UTC (a snapshot with "+hhmm ZONE"); 0: the server's local zone */
} mopitr_rwitem;

/* Parse a list strictly (rules and messages: rwlist.c): *paItem and *pnItem, or an error. */
int mopitr_rwlist_parse(const char *z, int n, mopitr_rwitem **paItem, int *pnItem, char **pzErr);
void mopitr_rwlist_free(mopitr_rwitem *a, int n); /* NULL is a no-op */

/* ---- objname.c: names given to the recovery tables and functions (pure) ---- */

/* A folded copy of z[0..n) (n < 0: strlen) in *pzOut; empty, NUL and backslash are refused
** with *pzErr naming zWhat ("database", "PITR"). */
int mopitr_objname(const char *z, int n, const char *zWhat, char **pzOut, char **pzErr);
/* Is the folded name z a MatrixOne system database (mysql, mo_catalog, ...)? */
int mopitr_is_system_database(const char *z);

/* ---- conn_text.c: a whole result set as text (live) ---- */

typedef struct mopitr_text_result {
    int nCol, nRow;
    char **azName; /* column names */
    char **azCell; /* nRow * nCol values, row-major; NULL is SQL NULL */
    int *anCell;   /* their lengths */
} mopitr_text_result;

/* Run zSql and read its whole result as text (values longer than nMaxField are an error;
** rules: conn_text.c). SQLITE_OK or an error with *pzErr; *pOut is empty on error. */
int mopitr_conn_select(mopitr_conn *p, const char *zSql, int nMaxField, mopitr_text_result *pOut,
                       char **pzErr);
const char *mopitr_text_cell(const mopitr_text_result *t, int iRow, int iCol, int *pn);
void mopitr_text_result_clear(mopitr_text_result *t);

/* ---- srvclock.c: the server's clock and zone (live) ---- */

typedef struct mopitr_srvclock {
    sqlite3_int64 nowSec; /* the server's UTC now */
    int nowNsec;
    int offset; /* seconds east of UTC of the server process's zone, now */
} mopitr_srvclock;

/* Read them with four statements (srvclock.c). SQLITE_OK or an error with *pzErr. */
int mopitr_srvclock_read(mopitr_conn *p, mopitr_srvclock *pOut, char **pzErr);

/* ---- tvf.c: table-valued arguments of rwindow.c and coverage.c (live) ---- */

#define MOPITR_TVF_MAX_ARGS 8
/* xBestIndex for nArg HIDDEN argument columns from iFirst (= and IS, omitted; an unusable
** one: SQLITE_CONSTRAINT). idxNum bit k: argument k is in argv. */
int mopitr_tvf_best_index(sqlite3_index_info *pInfo, int iFirst, int nArg);
/* xFilter's arguments: nArg - 1 folded names into azOut (NULL: not given), the last one
** the connection name (*pzConn, borrowed, default "default"). */
int mopitr_tvf_args(int idxNum, int argc, sqlite3_value **argv, int nArg, const char *const *azWhat,
                    char **azOut, const char **pzConn, char **pzErr);
/* The named connection of registry p (borrowed), or NULL with *pzErr. */
mopitr_conn *mopitr_tvf_conn(mopitr_registry *p, const char *zName, char **pzErr);

/* ---- registrations (entry.c calls each once per database connection) ---- */

/* rwindow.c: the eponymous table mo_recovery_window. */
int mopitr_rwindow_register(sqlite3 *db, mopitr_registry *p);
/* coverage.c: the eponymous table mo_pitr_coverage. */
int mopitr_coverage_register(sqlite3 *db, mopitr_registry *p);
/* restore.c: mo_restore_cluster/account/database/table and their _dry_run forms. */
int mopitr_restore_register(sqlite3 *db, mopitr_registry *p);

/* ---- shared by coverage.c and vtab.c (the earliest_restorable column) ---- */

/* earliest_restorable of PITR row r at the current time (UTC text into aBuf,
** MOPITR_TIME_SIZE bytes). 0 when it cannot be computed (no created_time: a change queued
** in a transaction; a range MatrixOne would not know). */
int mopitr_row_earliest(const mopitr_row *r, sqlite3_int64 nowSec, int nowNsec, char *aBuf);
/* The current UTC time (CLOCK_REALTIME) as seconds and nanoseconds. */
void mopitr_clock_now(sqlite3_int64 *pSec, int *pNsec);

/* Statement identity for per-statement reads (vtab_share.c): the busy statement of db,
** or NULL when none or several are busy. *pId is updated; returns 1 when the statement
** differs from the one *pId described (the caller then forgets its copies). */
typedef struct mopitr_stmt_id {
    sqlite3_stmt *pStmt;
    int nRun;
    unsigned epoch;
} mopitr_stmt_id;
sqlite3_stmt *mopitr_stmt_current(sqlite3 *db, mopitr_stmt_id *pId, unsigned epoch, int *pbNew);

/* ======================================================================
** guard.c: guards against accidents (pure)
** ====================================================================== */

/* Does the SQL text zSql, a DELETE from the table zTable, have a WHERE clause? 1 yes,
** 0 no (DELETE FROM zTable with nothing but an alias, INDEXED BY, RETURNING, ORDER BY
** or LIMIT after it), -1 when zSql is not a DELETE from zTable (see guard.c). */
int mopitr_sql_delete_has_where(const char *zSql, const char *zTable);

/* ======================================================================
** entry.c: registration (live)
** ====================================================================== */

/* ======================================================================
** Many clusters (issue 16): cluster_cfg.c (named clusters in an option file),
** cluster.c (mo_connect_all, mo_clusters), registry.c's additions for them,
** conn_fanout.c (one SHOW PITR to many connections at once), vtab_all.c (mo_pitr_all)
** ====================================================================== */

/* cluster_cfg.c (live: reads the file through libmariadb) */
/* Is z[0..n) (n < 0: strlen) a bare cluster name rather than a DSN (the connection-name
** rule: 1 to 64 letters, digits, '_', '-', '.')? */
int mopitr_cluster_is_name(const char *z, int n);
/* The option file of the named clusters: $MO_PITR_CONFIG, else $HOME/.my.cnf. NULL with
** *pzErr (NULL too on OOM). */
char *mopitr_cluster_file(char **pzErr);
/* The cluster names of zFile ([mo_pitr-NAME] groups, file order), after its permission
** checks: *pazName (free with mopitr_cluster_list_free), *pnName. SQLITE_OK or an error
** with *pzErr. */
int mopitr_cluster_list(const char *zFile, char ***pazName, int *pnName, char **pzErr);
void mopitr_cluster_list_free(char **azName, int nName);
/* The DSN of cluster zName in zFile (*pOut cleared first; on failure left cleared).
** *pbKnown: the file has that cluster (set whatever the outcome). SQLITE_OK or an error
** with *pzErr (never holding the password). */
int mopitr_cluster_dsn(const char *zFile, const char *zName, mopitr_dsn *pOut, int *pbKnown,
                       char **pzErr);

/* cluster.c */
typedef struct mopitr_cluster_notes mopitr_cluster_notes; /* last failure per cluster */
/* Remember zErr (a message, prefix optional; NULL forgets) as cluster zName's outcome. */
void mopitr_cluster_note(mopitr_cluster_notes **pp, const char *zName, const char *zErr);
void mopitr_cluster_notes_free(mopitr_cluster_notes *p); /* NULL is a no-op */
/* Register mo_connect_all() and the mo_clusters table; each holds a reference to p. */
int mopitr_cluster_register(sqlite3 *db, mopitr_registry *p);

/* registry.c, for the above */
mopitr_cluster_notes **mopitr_registry_notes(mopitr_registry *p); /* the registry's notes */
/* Connect to *pDsn (taken over) as the connection named zName of p: journaled (the first
** connect too) and interruptible by sqlite3_interrupt on p's database. *ppOut holds one
** reference. SQLITE_OK, or an error with *pzErr (*ppOut NULL). */
int mopitr_registry_open(mopitr_registry *p, const char *zName, mopitr_dsn *pDsn,
                         mopitr_conn **ppOut, char **pzErr);
/* Put pConn (reference taken over) under zName, replacing a connection of that name. */
int mopitr_registry_put(mopitr_registry *p, const char *zName, mopitr_conn *pConn);
/* Copies of the connection names, oldest first (free with mopitr_cluster_list_free).
** SQLITE_OK or SQLITE_NOMEM. */
int mopitr_registry_names(mopitr_registry *p, char ***pazName, int *pnName);
/* The start of a read-only table that holds a reference to the registry (its pAux). */
typedef struct mopitr_reg_vtab {
    sqlite3_vtab base;
    mopitr_registry *pReg; /* one reference */
    sqlite3 *db;
} mopitr_reg_vtab;
/* xConnect's work for such a table: declare zSchema, allocate nBytes (>= the struct,
** zeroed), take a reference to pAux. SQLITE_OK or an error code. */
int mopitr_reg_vtab_connect(sqlite3 *db, void *pAux, const char *zSchema, size_t nBytes,
                            sqlite3_vtab **ppVtab);
int mopitr_reg_vtab_disconnect(sqlite3_vtab *pVtab); /* xDisconnect and xDestroy */

/* conn_fanout.c (live) */
typedef struct mopitr_fanout mopitr_fanout; /* one SHOW PITR running on several connections */
/*
** Send SHOW PITR, rendered from aArg for each connection, to apConn[0..n) (names azName,
** for messages) at once, each through its own fan-out handle. bReport: a connection that
** fails is reported as a row (see mopitr_fanout_next) instead of failing the scan.
** *ppOut: free with mopitr_fanout_free. SQLITE_OK, SQLITE_NOMEM or SQLITE_INTERRUPT
** with *pzErr (a connection's own failure is reported by mopitr_fanout_next).
*/
int mopitr_fanout_start(sqlite3 *db, mopitr_conn *const *apConn, const char *const *azName, int n,
                        const mopitr_arg *aArg, int nArg, int bReport, mopitr_fanout **ppOut,
                        char **pzErr);
/* The next row, from whichever connection has one: SQLITE_ROW with the row in *pRow (a
** valid row, reused) and its connection's index in *piConn; in report mode a failed
** connection gives SQLITE_ROW once with *pzFail (borrowed, valid until the next call)
** saying why and *pRow cleared. SQLITE_DONE, or an error with *pzErr: a connection's
** failure "mo_pitr: connection 'NAME': reason", SQLITE_INTERRUPT, SQLITE_NOMEM. */
int mopitr_fanout_next(mopitr_fanout *f, mopitr_row *pRow, int *piConn, const char **pzFail,
                       char **pzErr);
/* End the fan-out: unfinished statements are abandoned (their handles closed unless the
** rest arrives within a short budget). NULL is a no-op. */
void mopitr_fanout_free(mopitr_fanout *f);

/* vtab_all.c: register the eponymous mo_pitr_all table; it holds a reference to p. */
int mopitr_vtab_all_register(sqlite3 *db, mopitr_registry *p);

#endif /* MO_PITR_INT_H */
