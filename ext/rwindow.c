/*
** rwindow.c: the mo_recovery_window table: SHOW RECOVERY_WINDOW as rows.
**
** Usage:
**     SELECT * FROM mo_recovery_window;                       -- FOR ACCOUNT (own account)
**     SELECT * FROM mo_recovery_window('db1');                -- FOR DATABASE db1
**     SELECT * FROM mo_recovery_window('db1', 't1');          -- FOR TABLE db1 t1
**     SELECT * FROM mo_recovery_window(NULL, NULL, 'acc01');  -- FOR ACCOUNT acc01 (sys only)
**     SELECT * FROM mo_recovery_window('db1', NULL, NULL, 'dr');  -- on connection 'dr'
**
** Columns: level ('account', 'database' or 'table': the server's RecoveryWindowLevel),
** account_name, database_name, table_name (the table the window is for), source ('pitr'
** or 'snapshot'), source_name, start_time, end_time; HIDDEN arguments for_database,
** for_table, for_account, connection (in that order, so the common forms are short).
** One row per table and list item; the order is the server's and means nothing.
**
** Times are UTC 'YYYY-MM-DD HH:MM:SS' like everywhere in the extension. The server
** prints PITR windows with fractions of a second in its process's local zone (spec
** 8.6); they are converted with the zone's offset (srvclock.c, read once per statement
** and connection, and only when a list holds such a time) and rounded inwards to whole
** seconds: start_time up, end_time down, so every second shown can be restored to. A
** snapshot is one moment: start_time = end_time = its timestamp (rounded down).
**
** Errors: the list is parsed strictly (rwlist.c): a row the server could not have sent
** (not 5 columns, a NULL, an unknown level, a name over 4096 bytes, a list that does not
** parse) is an error naming the value, and no row of that statement is returned. Names
** are checked as objname.c says (no backslash, not empty). A window of a database or a
** table is always the connection's own account's (the grammar has no account there):
** naming another account with a database is refused. The server's own errors pass
** through ("only sys account can show other account's recovery window", ...).
**
** MatrixOne builds the list of every table of an answer in one reused Go bytes.Buffer and
** sends slices of it (show_recovery_window.go: row[4] = jsonBuf.Bytes()), so in an answer
** of several rows (FOR DATABASE, FOR ACCOUNT) only the last row's list is sure to be the
** table's own: an earlier one may show a later table's list, cut short or followed by the
** rest of its own ([Real]: '...}] {...}]'), or another table's list that parses (spec
** 8.6's "account-level list naming another database's PITR"). So the list of every row but
** the last is read again with SHOW RECOVERY_WINDOW FOR TABLE (one row, which is sound):
** N tables cost N statements. Another account's tables cannot be read one by one (the
** grammar has no account there): a several-table answer for another account is refused.
** mo_pitr_coverage (coverage.c), derived from SHOW PITR, is what to rely on for "is this
** protected?".
**
** How it works: the HIDDEN arguments are tvf.c's (= and IS constraints; one not usable
** yet is not a plan, so in a join SQLite puts this table on the inner side). Every
** xFilter sends one SHOW RECOVERY_WINDOW and reads it whole (conn_text.c) into the cursor,
** then one FOR TABLE per row but the last (above).
*/
#include <string.h>

#include "mo_pitr_int.h"

enum {
    RW_COL_LEVEL = 0,
    RW_COL_ACCOUNT,
    RW_COL_DATABASE,
    RW_COL_TABLE,
    RW_COL_SOURCE,
    RW_COL_SOURCE_NAME,
    RW_COL_START,
    RW_COL_END,
    RW_NVIS,
    RW_COL_FOR_DATABASE = RW_NVIS,
    RW_COL_FOR_TABLE,
    RW_COL_FOR_ACCOUNT,
    RW_COL_CONNECTION,
    RW_NCOL
};
#define RW_NARG     (RW_NCOL - RW_NVIS)
#define RW_MAX_NAME 4096
#define RW_MAX_LIST (16 << 20)

typedef struct rw_vtab {
    sqlite3_vtab base;
    sqlite3 *db;
    mopitr_registry *pReg; /* one reference */
    unsigned epoch;        /* bumped by xBestIndex (mopitr_stmt_current) */
    mopitr_stmt_id id;     /* the statement the offset below was read in */
    mopitr_conn *pOffConn; /* compared only: the connection it was read on */
    int offset;            /* its zone's offset (seconds east of UTC) */
} rw_vtab;

typedef struct rw_cursor {
    sqlite3_vtab_cursor base;
    char **az; /* nRow * RW_NVIS values (NULL: SQL NULL) */
    int nRow, iRow;
    char *azArg[RW_NARG]; /* the arguments of the current scan, folded */
} rw_cursor;

/* xConnect (eponymous only). */
static int rw_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                      sqlite3_vtab **ppVtab, char **pzErr)
{
    rw_vtab *v;
    int rc = sqlite3_declare_vtab(
        db, "CREATE TABLE x(level TEXT, account_name TEXT COLLATE " MOPITR_COLLATION
            ", database_name TEXT COLLATE " MOPITR_COLLATION
            ", table_name TEXT COLLATE " MOPITR_COLLATION ", source TEXT, source_name TEXT COLLATE"
            " " MOPITR_COLLATION ", start_time TEXT, end_time TEXT, for_database HIDDEN, "
            "for_table HIDDEN, for_account HIDDEN, connection HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    v = sqlite3_malloc64(sizeof(*v));
    if (v == NULL)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof(*v));
    v->db = db;
    v->pReg = pAux;
    mopitr_registry_ref(v->pReg);
    *ppVtab = &v->base;
    return SQLITE_OK;
}

/* xDisconnect. */
static int rw_disconnect(sqlite3_vtab *pVtab)
{
    rw_vtab *v = (rw_vtab *)pVtab;
    mopitr_registry_unref(v->pReg);
    sqlite3_free(v);
    return SQLITE_OK;
}

/* xBestIndex: the HIDDEN arguments (tvf.c). */
static int rw_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
    ((rw_vtab *)pVtab)->epoch++;
    return mopitr_tvf_best_index(pInfo, RW_NVIS, RW_NARG);
}

/* Forget the cursor's rows and arguments. */
static void rw_clear(rw_cursor *c)
{
    int i;
    for (i = 0; c->az && i < c->nRow * RW_NVIS; i++)
        sqlite3_free(c->az[i]);
    sqlite3_free(c->az);
    c->az = NULL;
    c->nRow = c->iRow = 0;
    for (i = 0; i < RW_NARG; i++) {
        sqlite3_free(c->azArg[i]);
        c->azArg[i] = NULL;
    }
}

/* xOpen. */
static int rw_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
    rw_cursor *c = sqlite3_malloc64(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *ppCursor = &c->base;
    return SQLITE_OK;
}

/* xClose. */
static int rw_close(sqlite3_vtab_cursor *pCur)
{
    rw_clear((rw_cursor *)pCur);
    sqlite3_free(pCur);
    return SQLITE_OK;
}

/* The SHOW RECOVERY_WINDOW statement for the cursor's arguments, or an error. */
static char *rw_statement(rw_cursor *c, const char *zOwn, char **pzErr)
{
    const char *zDb = c->azArg[0], *zTbl = c->azArg[1], *zAcc = c->azArg[2];
    char *zA = NULL, *zB = NULL, *zSql = NULL;
    char aClip[MOPITR_CLIP_SIZE];
    if (zTbl && !zDb) {
        *pzErr = mopitr_errf("mo_recovery_window: for_table '%s' needs for_database",
                             mopitr_err_clip(aClip, zTbl, -1));
        return NULL;
    }
    if (zDb && zAcc && strcmp(zAcc, zOwn) != 0) {
        *pzErr = mopitr_errf("mo_recovery_window: windows of a database or table are those of "
                             "the connection's own account '%s', not '%s' (MatrixOne has no "
                             "SHOW RECOVERY_WINDOW FOR DATABASE of another account)",
                             zOwn, mopitr_err_clip(aClip, zAcc, -1));
        return NULL;
    }
    if (zDb) {
        zA = mopitr_sql_ident(zDb);
        zB = zTbl ? mopitr_sql_ident(zTbl) : NULL;
        if (zA && (zB || !zTbl))
            zSql = zTbl ? sqlite3_mprintf("SHOW RECOVERY_WINDOW FOR TABLE %s %s", zA, zB)
                        : sqlite3_mprintf("SHOW RECOVERY_WINDOW FOR DATABASE %s", zA);
    } else if (zAcc) {
        zA = mopitr_sql_ident(zAcc);
        zSql = zA ? sqlite3_mprintf("SHOW RECOVERY_WINDOW FOR ACCOUNT %s", zA) : NULL;
    } else {
        zSql = sqlite3_mprintf("SHOW RECOVERY_WINDOW FOR ACCOUNT");
    }
    sqlite3_free(zA);
    sqlite3_free(zB);
    return zSql;
}

/* Check a name cell the server sent (column zCol). */
static int rw_check_name(const char *z, int n, const char *zCol, char **pzErr)
{
    if (z == NULL)
        *pzErr = mopitr_errf("server sent NULL for %s in SHOW RECOVERY_WINDOW", zCol);
    else if (n > RW_MAX_NAME)
        *pzErr = mopitr_errf("server sent a %s value of %d bytes in SHOW RECOVERY_WINDOW (at "
                             "most %d expected)",
                             zCol, n, RW_MAX_NAME);
    else if (memchr(z, 0, (size_t)n))
        *pzErr = mopitr_errf("server sent a NUL byte in %s in SHOW RECOVERY_WINDOW", zCol);
    else
        return SQLITE_OK;
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Append one output row (values copied; NULL stays NULL). */
static int rw_add(rw_cursor *c, int *pnAlloc, const char *const *az)
{
    int i;
    if (c->nRow == *pnAlloc) {
        int nNew = *pnAlloc ? *pnAlloc * 2 : 16;
        char **azNew = sqlite3_realloc64(c->az, sizeof(char *) * RW_NVIS * (size_t)nNew);
        if (azNew == NULL)
            return SQLITE_NOMEM;
        c->az = azNew;
        *pnAlloc = nNew;
    }
    for (i = 0; i < RW_NVIS; i++)
        c->az[c->nRow * RW_NVIS + i] = NULL;
    c->nRow++;
    for (i = 0; i < RW_NVIS; i++) {
        if (az[i] && (c->az[(c->nRow - 1) * RW_NVIS + i] = sqlite3_mprintf("%s", az[i])) == NULL)
            return SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

/* The offset of pConn's server zone for this statement (read once per statement). */
static int rw_offset(rw_vtab *v, mopitr_conn *pConn, int *pOffset, char **pzErr)
{
    mopitr_stmt_id id = v->id;
    mopitr_srvclock clk;
    int bNew, rc;
    sqlite3_stmt *pStmt = mopitr_stmt_current(v->db, &id, v->epoch, &bNew);
    if (pStmt && !bNew && v->pOffConn == pConn) {
        *pOffset = v->offset;
        return SQLITE_OK;
    }
    rc = mopitr_srvclock_read(pConn, &clk, pzErr);
    if (rc != SQLITE_OK)
        return rc;
    *pOffset = clk.offset;
    v->id = id;
    v->pOffConn = pStmt ? pConn : NULL;
    v->offset = clk.offset;
    return SQLITE_OK;
}

/* Check row iRow of a SHOW RECOVERY_WINDOW answer: its four names and level (into az, an),
** its list present. */
static int rw_check_row(const mopitr_text_result *t, int iRow, const char **az, int *an,
                        char **pzErr)
{
    static const char *const azName[4] = {"RecoveryWindowLevel", "AccountName", "DatabaseName",
                                          "TableName"};
    char aClip[MOPITR_CLIP_SIZE];
    int i, rc = SQLITE_OK;
    if (t->nCol != 5) {
        *pzErr = mopitr_errf("server answered SHOW RECOVERY_WINDOW with %d columns (5 expected)",
                             t->nCol);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    for (i = 0; rc == SQLITE_OK && i < 5; i++) {
        az[i] = mopitr_text_cell(t, iRow, i, &an[i]);
        if (i < 4)
            rc = rw_check_name(az[i], an[i], azName[i], pzErr);
    }
    if (rc != SQLITE_OK)
        return rc;
    if (mopitr_level_parse(az[0]) < MOPITR_LEVEL_ACCOUNT)
        *pzErr = mopitr_errf("server sent bad RecoveryWindowLevel '%s' in SHOW RECOVERY_WINDOW",
                             mopitr_err_clip(aClip, az[0], an[0]));
    else if (az[4] == NULL)
        *pzErr = mopitr_errf("server sent NULL for RecoveryWindows in SHOW RECOVERY_WINDOW");
    else
        return SQLITE_OK;
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* What filling one cursor carries from table to table. */
typedef struct rw_fill {
    rw_vtab *v;
    rw_cursor *c;
    mopitr_conn *pConn;
    int nAlloc;  /* rows allocated in c->az */
    int bOffset; /* offset below read (once, and only when a list needs it) */
    int offset;  /* the server zone's offset, seconds east of UTC */
} rw_fill;

/* Add the rows of one table: its names az[0..3], its list zList (nList bytes). */
static int rw_add_list(rw_fill *f, const char *const *az, const char *zList, int nList,
                       char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    int i, nItem = 0;
    mopitr_rwitem *aItem = NULL;
    int rc = mopitr_rwlist_parse(zList, nList, &aItem, &nItem, pzErr);
    for (i = 0; rc == SQLITE_OK && i < nItem; i++) {
        const mopitr_rwitem *p = &aItem[i];
        sqlite3_int64 s = p->startSec + (p->startNs > 0), e = p->endSec;
        char aStart[MOPITR_TIME_SIZE], aEnd[MOPITR_TIME_SIZE];
        const char *azOut[RW_NVIS];
        if (p->eSource == MOPITR_RW_SNAPSHOT)
            s = p->startSec;
        if (!p->bUtc) {
            if (!f->bOffset) {
                rc = rw_offset(f->v, f->pConn, &f->offset, pzErr);
                if (rc != SQLITE_OK)
                    break;
                f->bOffset = 1;
            }
            s -= f->offset;
            e -= f->offset;
        }
        if (s > e)
            s = e;
        if (!mopitr_time_format(s, aStart) || !mopitr_time_format(e, aEnd)) {
            *pzErr = mopitr_errf("server sent a recovery window of '%s' outside years 0 to "
                                 "9999",
                                 mopitr_err_clip(aClip, p->zName, -1));
            rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
            break;
        }
        azOut[RW_COL_LEVEL] = az[0];
        azOut[RW_COL_ACCOUNT] = az[1];
        azOut[RW_COL_DATABASE] = az[2];
        azOut[RW_COL_TABLE] = az[3];
        azOut[RW_COL_SOURCE] = p->eSource == MOPITR_RW_PITR ? "pitr" : "snapshot";
        azOut[RW_COL_SOURCE_NAME] = p->zName;
        azOut[RW_COL_START] = aStart;
        azOut[RW_COL_END] = aEnd;
        rc = rw_add(f->c, &f->nAlloc, azOut);
    }
    mopitr_rwlist_free(aItem, nItem);
    return rc;
}

/* Read table az[2].az[3]'s own list with SHOW RECOVERY_WINDOW FOR TABLE into *pT; its one
** row (or none: no window left) is checked to be that table's. */
static int rw_reread(mopitr_conn *pConn, const char *const *az, mopitr_text_result *pT,
                     char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE], aClip2[MOPITR_CLIP_SIZE];
    char *zDb = mopitr_sql_ident(az[2]), *zTbl = mopitr_sql_ident(az[3]), *zSql = NULL;
    const char *azRow[5];
    int anRow[5], rc = SQLITE_NOMEM;
    if (zDb && zTbl)
        zSql = sqlite3_mprintf("SHOW RECOVERY_WINDOW FOR TABLE %s %s", zDb, zTbl);
    if (zSql)
        rc = mopitr_conn_select(pConn, zSql, RW_MAX_LIST, pT, pzErr);
    if (rc == SQLITE_OK && pT->nRow > 1) {
        *pzErr = mopitr_errf("server answered SHOW RECOVERY_WINDOW FOR TABLE %s %s with %d "
                             "rows (at most 1 expected)",
                             zDb, zTbl, pT->nRow);
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    } else if (rc == SQLITE_OK && pT->nRow == 1 &&
               (rc = rw_check_row(pT, 0, azRow, anRow, pzErr)) == SQLITE_OK &&
               (strcmp(azRow[2], az[2]) != 0 || strcmp(azRow[3], az[3]) != 0)) {
        *pzErr = mopitr_errf("server answered SHOW RECOVERY_WINDOW FOR TABLE %s %s with table "
                             "'%s'.'%s'",
                             zDb, zTbl, mopitr_err_clip(aClip, azRow[2], anRow[2]),
                             mopitr_err_clip(aClip2, azRow[3], anRow[3]));
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    sqlite3_free(zDb);
    sqlite3_free(zTbl);
    sqlite3_free(zSql);
    return rc;
}

/* Turn the server's result into rows. In an answer of several rows only the last row's list
** can be trusted (MatrixOne builds every list in one reused buffer: see the file comment):
** every other table's list is read again on its own, which needs the table's own account. */
static int rw_rows(rw_vtab *v, rw_cursor *c, mopitr_conn *pConn, const mopitr_text_result *t,
                   char **pzErr)
{
    const char *zAcc = c->azArg[2], *zOwn = mopitr_conn_account(pConn);
    char aClip[MOPITR_CLIP_SIZE];
    rw_fill f = {v, c, pConn, 0, 0, 0};
    int iRow, rc = SQLITE_OK;
    if (t->nRow > 1 && zAcc && strcmp(zAcc, zOwn) != 0) {
        mopitr_err_clip(aClip, zAcc, -1);
        *pzErr = mopitr_errf("mo_recovery_window: MatrixOne answered the windows of account "
                             "'%s' for %d tables, and only the last table's list can be "
                             "trusted (MatrixOne builds them in one reused buffer); a table's "
                             "own windows can be read only from its account: connect as '%s' "
                             "(or, from SHOW PITR, use mo_pitr_coverage(NULL, NULL, '%s'))",
                             aClip, t->nRow, aClip, aClip);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    for (iRow = 0; rc == SQLITE_OK && iRow < t->nRow; iRow++) {
        const char *az[5];
        int an[5];
        mopitr_text_result r;
        memset(&r, 0, sizeof(r));
        rc = rw_check_row(t, iRow, az, an, pzErr);
        if (rc == SQLITE_OK && iRow == t->nRow - 1)
            rc = rw_add_list(&f, az, az[4], an[4], pzErr);
        else if (rc == SQLITE_OK && (rc = rw_reread(pConn, az, &r, pzErr)) == SQLITE_OK &&
                 r.nRow == 1) {
            const char *zList = mopitr_text_cell(&r, 0, 4, &an[4]);
            rc = rw_add_list(&f, az, zList, an[4], pzErr);
        }
        mopitr_text_result_clear(&r);
    }
    return rc;
}

/* xFilter: see the file comment. */
static int rw_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv)
{
    static const char *const azWhat[RW_NARG] = {"database", "table", "account", "connection"};
    rw_cursor *c = (rw_cursor *)pCur;
    rw_vtab *v = (rw_vtab *)pCur->pVtab;
    const char *zConn;
    mopitr_text_result t;
    mopitr_conn *pConn;
    char *zErr = NULL, *zSql = NULL;
    int rc;

    memset(&t, 0, sizeof(t));
    rw_clear(c);
    rc = mopitr_tvf_args(idxNum, argc, argv, RW_NARG, azWhat, c->azArg, &zConn, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    pConn = mopitr_tvf_conn(v->pReg, zConn, &zErr);
    if (pConn == NULL) {
        rc = zErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    zSql = rw_statement(c, mopitr_conn_account(pConn), &zErr);
    if (zSql == NULL) {
        rc = zErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    rc = mopitr_conn_select(pConn, zSql, RW_MAX_LIST, &t, &zErr);
    if (rc == SQLITE_OK)
        rc = rw_rows(v, c, pConn, &t, &zErr);
out:
    if (rc != SQLITE_OK) {
        int i;
        for (i = 0; c->az && i < c->nRow * RW_NVIS; i++)
            sqlite3_free(c->az[i]);
        sqlite3_free(c->az);
        c->az = NULL;
        c->nRow = 0;
    }
    mopitr_text_result_clear(&t);
    sqlite3_free(zSql);
    return mopitr_vt_set_err(pCur->pVtab, rc, zErr);
}

/* xNext. */
static int rw_next(sqlite3_vtab_cursor *pCur)
{
    ((rw_cursor *)pCur)->iRow++;
    return SQLITE_OK;
}

/* xEof. */
static int rw_eof(sqlite3_vtab_cursor *pCur)
{
    rw_cursor *c = (rw_cursor *)pCur;
    return c->iRow >= c->nRow;
}

/* xColumn: the row's values; the HIDDEN arguments as given (folded). */
static int rw_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol)
{
    rw_cursor *c = (rw_cursor *)pCur;
    const char *z = NULL;
    if (iCol < RW_NVIS)
        z = c->az[c->iRow * RW_NVIS + iCol];
    else if (iCol < RW_COL_CONNECTION)
        z = c->azArg[iCol - RW_NVIS];
    if (z)
        sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

/* xRowid: the position in the result. */
static int rw_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid)
{
    *pRowid = ((rw_cursor *)pCur)->iRow + 1;
    return SQLITE_OK;
}

static sqlite3_module rw_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = rw_connect,
    .xBestIndex = rw_best_index,
    .xDisconnect = rw_disconnect,
    .xDestroy = rw_disconnect,
    .xOpen = rw_open,
    .xClose = rw_close,
    .xFilter = rw_filter,
    .xNext = rw_next,
    .xEof = rw_eof,
    .xColumn = rw_column,
    .xRowid = rw_rowid,
};

/* Register mo_recovery_window on db; the module holds a reference to the registry. */
int mopitr_rwindow_register(sqlite3 *db, mopitr_registry *p)
{
    mopitr_registry_ref(p);
    return sqlite3_create_module_v2(db, "mo_recovery_window", &rw_module, p, mopitr_registry_unref);
}
