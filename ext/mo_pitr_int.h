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
    MOPITR_COL_NAME = 0,      /* TEXT COLLATE NOCASE, PRIMARY KEY        <- PITR_NAME     */
    MOPITR_COL_LEVEL,         /* TEXT COLLATE NOCASE                     <- PITR_LEVEL    */
    MOPITR_COL_ACCOUNT,       /* TEXT COLLATE NOCASE, NULL for '*'       <- ACCOUNT_NAME  */
    MOPITR_COL_DATABASE,      /* TEXT COLLATE NOCASE, NULL for '*'       <- DATABASE_NAME */
    MOPITR_COL_TABLE,         /* TEXT COLLATE NOCASE, NULL for '*'       <- TABLE_NAME    */
    MOPITR_COL_RANGE_VALUE,   /* INTEGER                                 <- PITR_LENGTH   */
    MOPITR_COL_RANGE_UNIT,    /* TEXT COLLATE NOCASE                     <- PITR_UNIT     */
    MOPITR_COL_CREATED,       /* TEXT, UTC 'YYYY-MM-DD HH:MM:SS'         <- CREATED_TIME  */
    MOPITR_COL_MODIFIED,      /* TEXT, UTC 'YYYY-MM-DD HH:MM:SS'         <- MODIFIED_TIME */
    MOPITR_COL_CONNECTION,    /* HIDDEN: connection name (table-valued argument)     */
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
** is unused (see range_value). All strings are owned by the row.
*/
typedef struct mopitr_row {
    char *az[MOPITR_NDATA];
    sqlite3_int64 range_value;
    mopitr_level level;
} mopitr_row;

/* ======================================================================
** err.c: the one place user-facing messages are made
** ====================================================================== */

/* sqlite3_mprintf("mo_pitr: " zFormat, ...). NULL only on OOM. */
char *mopitr_errf(const char *zFormat, ...);

/* Replace pVtab->zErrMsg with mopitr_errf(zFormat, ...). Returns SQLITE_ERROR. */
int mopitr_vtab_err(sqlite3_vtab *pVtab, const char *zFormat, ...);

/* Report a libmariadb/server error: "mo_pitr: <what>: <message> (MatrixOne error N)". */
char *mopitr_server_errf(unsigned int merr, const char *zMsg, const char *zWhatFmt, ...);

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

/* Parse zText into *pOut (cleared first). SQLITE_OK, or SQLITE_ERROR with *pzErr. */
int mopitr_dsn_parse(const char *zText, mopitr_dsn *pOut, char **pzErr);

/* Free what *p owns and zero it. */
void mopitr_dsn_clear(mopitr_dsn *p);

/* MatrixOne login name: "account:user[:role]" or "user". NULL on OOM. */
char *mopitr_dsn_login(const mopitr_dsn *p);

/* "user@host:port" for messages (no password). NULL on OOM. */
char *mopitr_dsn_describe(const mopitr_dsn *p);

/* ======================================================================
** sqlgen.c: remote SQL text and escaping (pure)
**
** Identifiers: backticks, every backtick doubled. String literals: single quotes,
** ' doubled, and \ doubled unless the server runs with NO_BACKSLASH_ESCAPES.
** A value holding a NUL byte is never sent (callers validate first).
** ====================================================================== */

char *mopitr_sql_ident(const char *z);
char *mopitr_sql_string(const char *z, int bNoBackslashEscapes);

/* CREATE PITR in the grammar-correct form for p->level (spec 1.2). bOwnAccount selects
** form 1 (`FOR ACCOUNT` without a name) for an account PITR of the caller's own account. */
char *mopitr_sql_create(const mopitr_row *p, int bOwnAccount, int bNoBackslashEscapes);
char *mopitr_sql_alter(const char *zName, sqlite3_int64 v, const char *zUnit,
                       int bNoBackslashEscapes);
char *mopitr_sql_drop(const char *zName);

/* ======================================================================
** value.c: values in and out (pure)
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

void mopitr_row_clear(mopitr_row *p);
int mopitr_row_copy(mopitr_row *pOut, const mopitr_row *pIn); /* deep copy; SQLITE_NOMEM */

/*
** Validate and normalise a row for CREATE (from INSERT values): fold names as
** MatrixOne does, infer the level from the identity columns when it is NULL, default
** the range to 1 'd', check that level and identity columns agree, that names are
** acceptable to MatrixOne (not empty, no space/tab/quote/backtick/NUL), range 1..100,
** unit h/d/mo/y (any case, stored lower case). zOwnAccount is the connection's account
** ("sys" for a plain login): database and table PITRs must belong to it.
*/
int mopitr_row_check_create(mopitr_row *p, const char *zOwnAccount, char **pzErr);

/* Validate a new range for ALTER (value 1..100, unit as above, unit folded in place). */
int mopitr_range_check(sqlite3_int64 v, char *zUnit, char **pzErr);

/* ======================================================================
** plan.c: WHERE pushdown (pure)
**
** xBestIndex turns the usable constraints into a template that is also the idxStr
** shown by EXPLAIN QUERY PLAN, e.g. "SHOW PITR WHERE pitr_level = ? AND pitr_length > ?".
** xFilter renders the template with the bound values. Cached rows (a join's repeated
** scans) are filtered locally by mopitr_plan_match with SQLite's own semantics.
** ====================================================================== */

typedef struct mopitr_term {
    int iCol;           /* MOPITR_COL_* */
    unsigned char op;   /* SQLITE_INDEX_CONSTRAINT_EQ, _GT, _LE, _LT, _GE, _ISNULL, _ISNOTNULL, _LIKE */
    unsigned char bIn;  /* EQ handled as IN via sqlite3_vtab_in (all values at once) */
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
** answer is exactly SQLite's (then xBestIndex sets omit). */
int mopitr_plan_usable(int iCol, int op, int *pbExact);

/* The template for n terms (idxStr). NULL on OOM. */
char *mopitr_plan_template(const mopitr_term *aTerm, int nTerm);

/* Parse a template back into terms; returns the count or -1. */
int mopitr_plan_parse(const char *zTemplate, mopitr_term *aTerm, int nMax);

/* The SHOW PITR text to send, with every value escaped. NULL on OOM. */
char *mopitr_plan_render(const mopitr_arg *aArg, int nArg, int bNoBackslashEscapes);

/* Does row p satisfy every arg, with SQLite's semantics (NOCASE text columns)? */
int mopitr_plan_match(const mopitr_row *p, const mopitr_arg *aArg, int nArg);

/* ======================================================================
** conn.c: one libmariadb connection (live)
** ====================================================================== */

typedef struct mopitr_conn mopitr_conn;     /* one MYSQL handle and its DSN */
typedef struct mopitr_result mopitr_result; /* a streaming SHOW PITR result */

/* ======================================================================
** registry.c: named connections of one sqlite3*; mo_connect(), mo_disconnect(),
** the mo_connections table (live)
** ====================================================================== */

typedef struct mopitr_registry mopitr_registry;

/* ======================================================================
** vtab.c: the mo_pitr virtual table (live)
** ====================================================================== */

/* ======================================================================
** entry.c: registration (live)
** ====================================================================== */

#endif /* MO_PITR_INT_H */
