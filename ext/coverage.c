/*
** coverage.c: the mo_pitr_coverage table: which PITRs protect an object, and how far back.
**
** Usage:
**     SELECT * FROM mo_pitr_coverage('db1');              -- database db1 of the own account
**     SELECT * FROM mo_pitr_coverage('db1', 't1');        -- table db1.t1
**     SELECT * FROM mo_pitr_coverage(NULL, NULL, 'acc01');-- account acc01 itself
**     SELECT * FROM mo_pitr_coverage('db1', NULL, NULL, 'dr');  -- on connection 'dr'
**     -- for each database of a local inventory, its best protection (NULL: none)
**     SELECT i.db, c.pitr, c.level, c.earliest_restorable
**       FROM inventory i LEFT JOIN mo_pitr_coverage c
**         ON c.database_name = i.db AND c.best;
**
** Columns: level (of the PITR: cluster, account, database, table), pitr (its name),
** range_value, range_unit, created_time (UTC), earliest_restorable (UTC: the first whole
** second a RESTORE from it is accepted for now), restore_as (the narrowest RESTORE this
** PITR allows for the object: 'table', 'database', 'account'), best (1 on the one row per
** object that reaches furthest back, else 0). HIDDEN arguments, in this order:
** database_name, table_name, account_name, connection. A NULL or missing argument is
** "not given": no database is the account itself, no table the database, no account the
** connection's own account. One row per PITR that protects the object; none when nothing
** does (so a LEFT JOIN gives NULLs). Rows come best first, then by earliest_restorable.
**
** What protects what (spec 1.2, 8.3): a cluster PITR protects every object; an account
** PITR every object of its account; a database PITR the database and its tables; a table
** PITR the table. restore_as says what a RESTORE can name with it: a cluster PITR only
** whole accounts (RESTORE ACCOUNT a FROM PITR p 'ts' a, sys only), an account PITR any
** object of the connection's own account but only the whole account of another one, a
** database or table PITR the object asked about.
**
** best: the row with the earliest earliest_restorable; ties go to the narrower restore
** (table, database, account), then to the narrower PITR (table, database, account,
** cluster), then to the PITR name. A PITR CREATE queued in an open
** transaction is listed with NULL created_time and earliest_restorable and is never best.
**
** What coverage knows: SHOW PITR, i.e. the PITRs the connection's account created (an
** ordinary account does not see the PITR sys made for it), and the names the PITRs
** protect. SHOW PITR keeps listing a database or table PITR after its object was dropped
** (spec 6.2) and does not say that it went inactive: coverage lists it like any other.
** MatrixOne still restores the dropped object with it (RESTORE does not check the status),
** but it does not protect a new object created later under the same name; see
** docs/recovery.md for how to check (mo_recovery_window shows where its window ends).
** SHOW RECOVERY_WINDOW is not used: its answers of several tables are unsound (rwindow.c).
**
** How it works: the HIDDEN arguments are tvf.c's (= and IS constraints, omitted, so NULL
** means "not given"; one not usable yet is not a plan), so a join puts this table on the
** inner side and calls xFilter once per outer row. The
** first xFilter of a statement reads the connection's whole SHOW PITR into a copy shared
** by the statement (vtab_share.c: mopitr_cache_load, mopitr_share_add); every later one
** answers from that copy through its per-column hash indexes (cluster and account rows
** by level, the database's rows by name), so a join over 10,000 local rows sends one
** statement. The clock is read once per statement. Inside a transaction with queued
** changes for the connection, each xFilter reads an overlaid copy (txn.c).
*/
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

enum {
    COV_COL_LEVEL = 0,
    COV_COL_PITR,
    COV_COL_RANGE_VALUE,
    COV_COL_RANGE_UNIT,
    COV_COL_CREATED,
    COV_COL_EARLIEST,
    COV_COL_RESTORE_AS,
    COV_COL_BEST,
    COV_NVIS,
    COV_COL_DATABASE = COV_NVIS,
    COV_COL_TABLE,
    COV_COL_ACCOUNT,
    COV_COL_CONNECTION,
    COV_NCOL
};
#define COV_NARG (COV_NCOL - COV_NVIS)

typedef struct cov_vtab {
    sqlite3_vtab base;
    sqlite3 *db;
    mopitr_registry *pReg; /* one reference */
    unsigned epoch;        /* bumped by xBestIndex */
    mopitr_stmt_id id;     /* the statement `share` and the clock belong to */
    pitr_share share;      /* its SHOW PITR copies, one per connection */
    sqlite3_int64 nowSec;  /* the clock when the statement first read */
    int nowNsec;
    /* Inside a transaction with queued changes: `share`'s copy with the queue applied,
    ** made once per statement and queue version (not per xFilter: a join over many
    ** local rows would copy the whole table for each). */
    pitr_cache *pOver;     /* one reference, or NULL */
    pitr_cache *pOverBase; /* the copy it was made from (one reference) */
    unsigned overVersion;  /* mopitr_txn_version() then */
} cov_vtab;

/* One output row: a matching PITR row (borrowed from the copy) and what was computed. */
typedef struct cov_row {
    const mopitr_row *r;
    sqlite3_int64 earliest; /* valid when bEarliest */
    int bEarliest;
    mopitr_level eRestore;
    int bBest;
} cov_row;

typedef struct cov_cursor {
    sqlite3_vtab_cursor base;
    pitr_share own;    /* when the statement cannot be told apart */
    pitr_cache *pCopy; /* one reference: the copy the rows point into */
    cov_row *aRow;
    int nRow, nAlloc, iRow;
    char *azArg[COV_NARG]; /* database, table, account (resolved), connection */
} cov_cursor;

/* xConnect (eponymous only). */
static int cov_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                       sqlite3_vtab **ppVtab, char **pzErr)
{
    cov_vtab *v;
    int rc = sqlite3_declare_vtab(
        db, "CREATE TABLE x(level TEXT, pitr TEXT COLLATE " MOPITR_COLLATION
            ", range_value INTEGER, range_unit TEXT, created_time TEXT, earliest_restorable TEXT,"
            " restore_as TEXT, best INTEGER, database_name HIDDEN, table_name HIDDEN,"
            " account_name HIDDEN, connection HIDDEN)");
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
static int cov_disconnect(sqlite3_vtab *pVtab)
{
    cov_vtab *v = (cov_vtab *)pVtab;
    mopitr_share_clear(&v->share);
    mopitr_cache_unref(v->pOver);
    mopitr_cache_unref(v->pOverBase);
    v->pOver = v->pOverBase = NULL;
    mopitr_registry_unref(v->pReg);
    sqlite3_free(v);
    return SQLITE_OK;
}

/* xBestIndex: the HIDDEN arguments (tvf.c). */
static int cov_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
    ((cov_vtab *)pVtab)->epoch++;
    return mopitr_tvf_best_index(pInfo, COV_NVIS, COV_NARG);
}

/* End the current scan. */
static void cov_clear(cov_cursor *c)
{
    int k;
    mopitr_cache_unref(c->pCopy);
    c->pCopy = NULL;
    c->nRow = c->iRow = 0;
    for (k = 0; k < COV_NARG; k++) {
        sqlite3_free(c->azArg[k]);
        c->azArg[k] = NULL;
    }
}

/* xOpen. */
static int cov_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
    cov_cursor *c = sqlite3_malloc64(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *ppCursor = &c->base;
    return SQLITE_OK;
}

/* xClose. */
static int cov_close(sqlite3_vtab_cursor *pCur)
{
    cov_cursor *c = (cov_cursor *)pCur;
    cov_clear(c);
    sqlite3_free(c->aRow);
    mopitr_share_clear(&c->own);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* Does PITR row r protect the object (zAcc, zDb, zTbl: folded; zDb/zTbl may be NULL)?
** Returns the narrowest restore it allows (MOPITR_LEVEL_*), or MOPITR_LEVEL_NONE. */
static mopitr_level cov_match(const mopitr_row *r, const char *zAcc, const char *zDb,
                              const char *zTbl, int bOwn)
{
    mopitr_level eObj = zTbl  ? MOPITR_LEVEL_TABLE
                        : zDb ? MOPITR_LEVEL_DATABASE
                              : MOPITR_LEVEL_ACCOUNT;
    const char *zA = r->az[MOPITR_COL_ACCOUNT], *zD = r->az[MOPITR_COL_DATABASE];
    const char *zT = r->az[MOPITR_COL_TABLE];
    switch (r->level) {
    case MOPITR_LEVEL_CLUSTER:
        return MOPITR_LEVEL_ACCOUNT;
    case MOPITR_LEVEL_ACCOUNT:
        if (zA == NULL || strcmp(zA, zAcc) != 0)
            return MOPITR_LEVEL_NONE;
        return bOwn ? eObj : MOPITR_LEVEL_ACCOUNT;
    case MOPITR_LEVEL_DATABASE:
        if (zDb == NULL || zA == NULL || zD == NULL || strcmp(zA, zAcc) != 0 || strcmp(zD, zDb))
            return MOPITR_LEVEL_NONE;
        return bOwn ? eObj : MOPITR_LEVEL_NONE;
    case MOPITR_LEVEL_TABLE:
        if (zTbl == NULL || zA == NULL || zD == NULL || zT == NULL || strcmp(zA, zAcc) != 0 ||
            strcmp(zD, zDb) != 0 || strcmp(zT, zTbl) != 0)
            return MOPITR_LEVEL_NONE;
        return bOwn ? eObj : MOPITR_LEVEL_NONE;
    default:
        return MOPITR_LEVEL_NONE;
    }
}

/* Add the rows of copy p found in index iCol under zKey (and those of level eOnly when
** not NONE) that protect the object; iRow < 0 marks "already taken" in aTaken. */
static int cov_collect(cov_cursor *c, pitr_cache *p, int iCol, const char *zKey,
                       unsigned char *aTaken, sqlite3_int64 nowSec, int nowNsec, int bOwn)
{
    const mopitr_rowindex *pIdx = mopitr_cache_index(p, iCol);
    unsigned h = mopitr_hash_nocase(zKey, -1), it;
    int i;
    for (it = pIdx ? mopitr_rowindex_begin(pIdx, h) : 0;;) {
        const mopitr_row *r;
        mopitr_level e;
        cov_row *x;
        if (pIdx) {
            i = mopitr_rowindex_next(pIdx, h, &it);
            if (i < 0)
                break;
        } else {
            /* No index (out of memory building it): every row. */
            i = (int)it++;
            if (i >= p->nRow)
                break;
        }
        r = &p->aRow[i];
        if (aTaken[i])
            continue;
        e = cov_match(r, c->azArg[2], c->azArg[0], c->azArg[1], bOwn);
        if (e == MOPITR_LEVEL_NONE)
            continue;
        aTaken[i] = 1;
        if (c->nRow == c->nAlloc) {
            int nNew = c->nAlloc ? c->nAlloc * 2 : 8;
            cov_row *aNew = sqlite3_realloc64(c->aRow, sizeof(cov_row) * (size_t)nNew);
            if (aNew == NULL)
                return SQLITE_NOMEM;
            c->aRow = aNew;
            c->nAlloc = nNew;
        }
        x = &c->aRow[c->nRow++];
        memset(x, 0, sizeof(*x));
        x->r = r;
        x->eRestore = e;
        if (r->az[MOPITR_COL_CREATED]) {
            sqlite3_int64 created;
            x->bEarliest =
                mopitr_time_parse(r->az[MOPITR_COL_CREATED], -1, &created, NULL) &&
                mopitr_earliest_restorable(created, nowSec, nowNsec, r->range_value,
                                           r->az[MOPITR_COL_RANGE_UNIT], &x->earliest) == SQLITE_OK;
        }
    }
    return SQLITE_OK;
}

/* qsort order: best first, then by earliest_restorable (unknown last), level, name. */
static int cov_cmp(const void *pA, const void *pB)
{
    const cov_row *a = pA, *b = pB;
    int c;
    if (a->bBest != b->bBest)
        return b->bBest - a->bBest;
    if (a->bEarliest != b->bEarliest)
        return b->bEarliest - a->bEarliest;
    if (a->bEarliest && a->earliest != b->earliest)
        return a->earliest < b->earliest ? -1 : 1;
    if (a->eRestore != b->eRestore)
        return a->eRestore > b->eRestore ? -1 : 1; /* table (4) before account (2) */
    if (a->r->level != b->r->level)
        return a->r->level > b->r->level ? -1 : 1;
    c = strcmp(a->r->az[MOPITR_COL_NAME], b->r->az[MOPITR_COL_NAME]);
    return c;
}

/* The copy of pConn's SHOW PITR this scan reads (one reference in *ppOut), and the
** statement's clock. */
static int cov_copy(cov_vtab *v, cov_cursor *c, mopitr_conn *pConn, pitr_cache **ppOut,
                    sqlite3_int64 *pNowSec, int *pNowNsec, char **pzErr)
{
    pitr_share *pShare = &v->share;
    pitr_cache *p;
    int bNew, rc;
    if (mopitr_stmt_current(v->db, &v->id, v->epoch, &bNew) == NULL) {
        pShare = &c->own; /* several statements busy: share within this cursor only */
        if (pShare->nCache == 0)
            mopitr_clock_now(&v->nowSec, &v->nowNsec);
    } else if (bNew) {
        mopitr_share_clear(&v->share);
        mopitr_cache_unref(v->pOver);
        mopitr_cache_unref(v->pOverBase);
        v->pOver = v->pOverBase = NULL;
        mopitr_clock_now(&v->nowSec, &v->nowNsec);
    }
    *pNowSec = v->nowSec;
    *pNowNsec = v->nowNsec;
    p = mopitr_share_find(pShare, pConn);
    if (p == NULL) {
        rc = mopitr_cache_load(pConn, &p, pzErr);
        if (rc != SQLITE_OK)
            return rc;
        mopitr_share_add(pShare, p);
    }
    p->nRef++;
    if (mopitr_txn_pending(v->db, pConn)) {
        unsigned version = mopitr_txn_version(v->db);
        pitr_cache *pOver = NULL;
        if (pShare == &v->share && v->pOver && v->pOverBase == p && v->overVersion == version) {
            pOver = v->pOver; /* this statement's, the queue unchanged since */
            pOver->nRef++;
        } else {
            rc = mopitr_txn_overlay(v->db, pConn, p, &pOver, pzErr);
            if (rc != SQLITE_OK) {
                mopitr_cache_unref(p);
                return rc;
            }
            if (pShare == &v->share) {
                mopitr_cache_unref(v->pOver);
                mopitr_cache_unref(v->pOverBase);
                v->pOver = pOver;
                v->pOverBase = p;
                v->overVersion = version;
                pOver->nRef++;
                p->nRef++;
            }
        }
        mopitr_cache_unref(p);
        p = pOver;
    }
    *ppOut = p;
    return SQLITE_OK;
}

/* xFilter: see the file comment. */
static int cov_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                      sqlite3_value **argv)
{
    static const char *const azWhat[COV_NARG] = {"database", "table", "account", "connection"};
    cov_cursor *c = (cov_cursor *)pCur;
    cov_vtab *v = (cov_vtab *)pCur->pVtab;
    const char *zConn;
    unsigned char *aTaken = NULL;
    char aClip[MOPITR_CLIP_SIZE];
    mopitr_conn *pConn;
    sqlite3_int64 nowSec;
    int nowNsec, rc = SQLITE_OK, i, bOwn, iBest = -1;
    char *zErr = NULL;

    cov_clear(c);
    rc = mopitr_tvf_args(idxNum, argc, argv, COV_NARG, azWhat, c->azArg, &zConn, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    if (c->azArg[1] && !c->azArg[0]) {
        zErr = mopitr_errf("mo_pitr_coverage: table_name '%s' needs database_name",
                           mopitr_err_clip(aClip, c->azArg[1], -1));
        rc = SQLITE_ERROR;
        goto out;
    }
    pConn = mopitr_tvf_conn(v->pReg, zConn, &zErr);
    if (pConn == NULL) {
        rc = zErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    if (c->azArg[2] == NULL &&
        (c->azArg[2] = sqlite3_mprintf("%s", mopitr_conn_account(pConn))) == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    c->azArg[3] = sqlite3_mprintf("%s", zConn);
    if (c->azArg[3] == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    bOwn = strcmp(c->azArg[2], mopitr_conn_account(pConn)) == 0;
    rc = cov_copy(v, c, pConn, &c->pCopy, &nowSec, &nowNsec, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    aTaken = sqlite3_malloc64((size_t)c->pCopy->nRow + 1);
    if (aTaken == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    memset(aTaken, 0, (size_t)c->pCopy->nRow + 1);
    /* Candidates: cluster rows, account rows, the database's rows (cov_match decides). */
    rc = cov_collect(c, c->pCopy, MOPITR_COL_LEVEL, "cluster", aTaken, nowSec, nowNsec, bOwn);
    if (rc == SQLITE_OK)
        rc = cov_collect(c, c->pCopy, MOPITR_COL_LEVEL, "account", aTaken, nowSec, nowNsec, bOwn);
    if (rc == SQLITE_OK && c->azArg[0])
        rc = cov_collect(c, c->pCopy, MOPITR_COL_DATABASE, c->azArg[0], aTaken, nowSec, nowNsec,
                         bOwn);
    if (rc != SQLITE_OK)
        goto out;
    for (i = 0; i < c->nRow; i++) {
        const cov_row *x = &c->aRow[i], *b = iBest >= 0 ? &c->aRow[iBest] : NULL;
        if (!x->bEarliest)
            continue;
        if (b == NULL || x->earliest < b->earliest ||
            (x->earliest == b->earliest &&
             (x->eRestore > b->eRestore ||
              (x->eRestore == b->eRestore &&
               (x->r->level > b->r->level ||
                (x->r->level == b->r->level &&
                 strcmp(x->r->az[MOPITR_COL_NAME], b->r->az[MOPITR_COL_NAME]) < 0))))))
            iBest = i;
    }
    if (iBest >= 0)
        c->aRow[iBest].bBest = 1;
    if (c->nRow > 1)
        qsort(c->aRow, (size_t)c->nRow, sizeof(cov_row), cov_cmp);
out:
    sqlite3_free(aTaken);
    if (rc != SQLITE_OK)
        c->nRow = 0;
    return mopitr_vt_set_err(pCur->pVtab, rc, zErr);
}

/* xNext. */
static int cov_next(sqlite3_vtab_cursor *pCur)
{
    ((cov_cursor *)pCur)->iRow++;
    return SQLITE_OK;
}

/* xEof. */
static int cov_eof(sqlite3_vtab_cursor *pCur)
{
    cov_cursor *c = (cov_cursor *)pCur;
    return c->iRow >= c->nRow;
}

/* xColumn. */
static int cov_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol)
{
    cov_cursor *c = (cov_cursor *)pCur;
    const cov_row *x = &c->aRow[c->iRow];
    char aBuf[MOPITR_TIME_SIZE];
    const char *z = NULL;
    switch (iCol) {
    case COV_COL_LEVEL:
        z = mopitr_level_name(x->r->level);
        break;
    case COV_COL_PITR:
        z = x->r->az[MOPITR_COL_NAME];
        break;
    case COV_COL_RANGE_VALUE:
        sqlite3_result_int64(ctx, x->r->range_value);
        return SQLITE_OK;
    case COV_COL_RANGE_UNIT:
        z = x->r->az[MOPITR_COL_RANGE_UNIT];
        break;
    case COV_COL_CREATED:
        z = x->r->az[MOPITR_COL_CREATED];
        break;
    case COV_COL_EARLIEST:
        if (x->bEarliest && mopitr_time_format(x->earliest, aBuf))
            z = aBuf;
        break;
    case COV_COL_RESTORE_AS:
        z = mopitr_level_name(x->eRestore);
        break;
    case COV_COL_BEST:
        sqlite3_result_int(ctx, x->bBest);
        return SQLITE_OK;
    default:
        if (iCol >= COV_NVIS && iCol < COV_NCOL)
            z = c->azArg[iCol - COV_NVIS];
        break;
    }
    if (z)
        sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

/* xRowid: the position in the result. */
static int cov_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid)
{
    *pRowid = ((cov_cursor *)pCur)->iRow + 1;
    return SQLITE_OK;
}

static sqlite3_module cov_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = cov_connect,
    .xBestIndex = cov_best_index,
    .xDisconnect = cov_disconnect,
    .xDestroy = cov_disconnect,
    .xOpen = cov_open,
    .xClose = cov_close,
    .xFilter = cov_filter,
    .xNext = cov_next,
    .xEof = cov_eof,
    .xColumn = cov_column,
    .xRowid = cov_rowid,
};

/* Register mo_pitr_coverage on db; the module holds a reference to the registry. */
int mopitr_coverage_register(sqlite3 *db, mopitr_registry *p)
{
    mopitr_registry_ref(p);
    return sqlite3_create_module_v2(db, "mo_pitr_coverage", &cov_module, p, mopitr_registry_unref);
}
