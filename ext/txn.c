/*
** txn.c: SQLite transactions over MatrixOne PITRs: the queue (issue 6).
**
** MatrixOne refuses PITR statements inside a remote transaction (spec section 5), so
** the extension never sends BEGIN. Instead, inside an SQLite transaction, writes to
** mo_pitr are queued here and sent at COMMIT (txn_commit.c).
**
** Usage:
**     BEGIN;
**     INSERT INTO mo_pitr(name, database_name) VALUES ('p1', 'db1');  -- queued
**     SELECT * FROM mo_pitr WHERE name = 'p1';                        -- sees it
**     SAVEPOINT s; DELETE FROM mo_pitr WHERE name = 'p1'; ROLLBACK TO s;
**     COMMIT;                                                          -- CREATE PITR p1
**     SELECT * FROM mo_pitr_last_commit;                               -- what COMMIT sent
**
** How it works:
**   - One mopitr_txn per database connection, found by the sqlite3 pointer in a small
**     process-wide list (SQLite 3.40 has no per-connection client data); entry.c
**     creates it, the mo_pitr_last_commit module's destructor frees it.
**   - The journal is the list of queued changes (mopitr_change) in order, each tagged
**     with its MatrixOne connection. Savepoints are positions in it: xSavepoint(N)
**     remembers the length (the first call for N wins: a table that joins later is
**     told about the current level too), xRollbackTo(N) cuts the journal back there,
**     xRelease(N) forgets the positions from N up. A level never marked means no table
**     wrote before it was opened: the whole journal goes.
**   - Per connection written to, a view: every PITR the server had when the
**     transaction first wrote there (one SHOW PITR) as an item {old row, current row},
**     plus items for names the queue created. Each queued change updates its item;
**     ROLLBACK TO rebuilds the view from the old rows and the shortened journal.
**     Conflict decisions (plain INSERT, OR IGNORE, OR REPLACE, one PITR per object)
**     are made against this view; COMMIT checks them again against the server.
**   - Coalescing falls out of the view: COMMIT compares each touched item's old row
**     with its current one (see txn_commit.c), whatever sequence of changes led there.
**   - Reads: when the transaction has queued changes for a connection, vtab.c reads
**     the whole table (the statement's shared copy) and mopitr_txn_overlay applies the
**     net changes on top, so pushed-down filters are evaluated locally on the result.
*/
#include <pthread.h>
#include <string.h>

#include "mo_pitr_int.h"

/* One name on one connection. */
typedef struct txn_item {
    char *zKey;     /* folded name */
    mopitr_row old; /* the server's row when read, if bOld */
    mopitr_row cur; /* the row now, if bCur */
    int bOld, bCur;
    int bOwnAccount; /* cur was queued in the own-account form */
    int bTouched;    /* a queued change names it */
    int iFirstOp;    /* journal position of the first such change */
    int iNext;       /* hash chain, -1 ends */
} txn_item;

/* One MatrixOne connection written to in this transaction. */
typedef struct txn_conn {
    mopitr_conn *pConn; /* one reference */
    char *zName;        /* its registry name */
    txn_item *aItem;
    int nItem, nAlloc;
    int *aHash; /* nHash chain heads */
    int nHash;
    mopitr_rowindex objIdx; /* object (mopitr_hash_object of cur) -> item; may hold stale
                            ** entries (an item whose cur changed): lookups check */
    int bLoaded;            /* the server's rows were read */
    int nTouched;
} txn_conn;

/* One queued change. */
typedef struct txn_op {
    int iConn;
    mopitr_change ch;
} txn_op;

struct mopitr_txn {
    sqlite3 *db;
    txn_conn *aConn;
    int nConn;
    txn_op *aOp;
    int nOp, nOpAlloc;
    int *aMark; /* savepoint N -> journal length, -1 unknown */
    int nMark;
    mopitr_report *pReport; /* the last COMMIT's */
    int bApplied;           /* xSync applied pReport, xCommit/xRollback not yet seen */
    int bBroken;            /* out of memory inside the journal: COMMIT is refused */
    int bWrote;             /* a write reached xUpdate in this transaction (even if it
                            ** queued nothing): its COMMIT replaces the report */
    mopitr_txn *pNext;
};

static pthread_mutex_t txn_mutex = PTHREAD_MUTEX_INITIALIZER;
static mopitr_txn *txn_list = NULL;

/* ---- items and views ---------------------------------------------------- */

/* FNV-1a of a string. */
static unsigned txn_hash(const char *z)
{
    unsigned h = 2166136261u;
    while (*z)
        h = (h ^ (unsigned char)*z++) * 16777619u;
    return h;
}

/* A folded copy of zName. NULL on OOM. */
static char *txn_key(const char *zName)
{
    char *z = sqlite3_mprintf("%s", zName ? zName : "");
    if (z)
        mopitr_fold(z);
    return z;
}

/* Free one item's contents. */
static void txn_item_clear(txn_item *p)
{
    sqlite3_free(p->zKey);
    mopitr_row_clear(&p->old);
    mopitr_row_clear(&p->cur);
    memset(p, 0, sizeof(*p));
}

/* Free a view's contents (the connection reference too). */
static void txn_conn_clear(txn_conn *c)
{
    int i;
    for (i = 0; i < c->nItem; i++)
        txn_item_clear(&c->aItem[i]);
    sqlite3_free(c->aItem);
    sqlite3_free(c->aHash);
    mopitr_rowindex_clear(&c->objIdx);
    sqlite3_free(c->zName);
    mopitr_conn_unref(c->pConn);
    memset(c, 0, sizeof(*c));
}

/* Index item i of c under the object its current row protects (if it has one). */
static int txn_obj_add(txn_conn *c, int i)
{
    if (!c->aItem[i].bCur)
        return SQLITE_OK;
    return mopitr_rowindex_add(
        &c->objIdx, mopitr_hash_object(&c->aItem[i].cur, mopitr_conn_account(c->pConn)), i);
}

/* Rebuild c's hash over its items (grown to twice the item count), and its object
** index (without stale entries). */
static int txn_rehash(txn_conn *c)
{
    int i, rc, nHash = 64;
    int *aHash;
    while (nHash < c->nItem * 2)
        nHash *= 2;
    aHash = sqlite3_malloc64(sizeof(int) * (size_t)nHash);
    if (aHash == NULL)
        return SQLITE_NOMEM;
    for (i = 0; i < nHash; i++)
        aHash[i] = -1;
    for (i = 0; i < c->nItem; i++) {
        unsigned h = txn_hash(c->aItem[i].zKey) & (unsigned)(nHash - 1);
        c->aItem[i].iNext = aHash[h];
        aHash[h] = i;
    }
    sqlite3_free(c->aHash);
    c->aHash = aHash;
    c->nHash = nHash;
    mopitr_rowindex_clear(&c->objIdx);
    rc = mopitr_rowindex_reserve(&c->objIdx, c->nItem);
    for (i = 0; rc == SQLITE_OK && i < c->nItem; i++)
        rc = txn_obj_add(c, i);
    return rc;
}

/* The item for folded name zKey, or -1. */
static int txn_item_find(const txn_conn *c, const char *zKey)
{
    int i;
    if (c->nHash == 0)
        return -1;
    for (i = c->aHash[txn_hash(zKey) & (unsigned)(c->nHash - 1)]; i >= 0; i = c->aItem[i].iNext) {
        if (strcmp(c->aItem[i].zKey, zKey) == 0)
            return i;
    }
    return -1;
}

/* Add an empty item for zKey (taken over); its index in *piOut. */
static int txn_item_add(txn_conn *c, char *zKey, int *piOut)
{
    txn_item *p;
    unsigned h;
    if (c->nItem == c->nAlloc) {
        int nNew = c->nAlloc ? c->nAlloc * 2 : 64;
        txn_item *aNew = sqlite3_realloc64(c->aItem, sizeof(txn_item) * (size_t)nNew);
        if (aNew == NULL) {
            sqlite3_free(zKey);
            return SQLITE_NOMEM;
        }
        c->aItem = aNew;
        c->nAlloc = nNew;
    }
    p = &c->aItem[c->nItem];
    memset(p, 0, sizeof(*p));
    p->zKey = zKey;
    p->iNext = -1;
    *piOut = c->nItem++;
    if (c->nItem * 2 > c->nHash)
        return txn_rehash(c);
    h = txn_hash(zKey) & (unsigned)(c->nHash - 1);
    p->iNext = c->aHash[h];
    c->aHash[h] = *piOut;
    return SQLITE_OK;
}

/* Add the server's row *pRow (taken over) as an untouched item. A name seen twice
** (a server that lists a name twice) keeps the first row. */
static int txn_item_add_old(txn_conn *c, mopitr_row *pRow)
{
    char *zKey = txn_key(pRow->az[MOPITR_COL_NAME]);
    int i, rc;
    if (zKey == NULL)
        return SQLITE_NOMEM;
    if (txn_item_find(c, zKey) >= 0) {
        sqlite3_free(zKey);
        mopitr_row_clear(pRow);
        return SQLITE_OK;
    }
    rc = txn_item_add(c, zKey, &i);
    if (rc != SQLITE_OK)
        return rc;
    c->aItem[i].old = *pRow;
    memset(pRow, 0, sizeof(*pRow));
    c->aItem[i].bOld = 1;
    rc = mopitr_row_copy(&c->aItem[i].cur, &c->aItem[i].old);
    c->aItem[i].bCur = rc == SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = txn_obj_add(c, i);
    return rc;
}

/* Read pConn's whole SHOW PITR into c's view. */
static int txn_conn_load(txn_conn *c, char **pzErr)
{
    mopitr_result *pRes = NULL;
    mopitr_row row;
    char *zSql;
    int rc;

    memset(&row, 0, sizeof(row));
    zSql = mopitr_plan_render(NULL, 0, mopitr_conn_no_backslash_escapes(c->pConn));
    if (zSql == NULL)
        return SQLITE_NOMEM;
    rc = mopitr_conn_query(c->pConn, zSql, &pRes, pzErr);
    while (rc == SQLITE_OK) {
        rc = mopitr_result_next(pRes, &row, pzErr);
        if (rc == SQLITE_ROW)
            rc = txn_item_add_old(c, &row);
        else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
            break;
        }
    }
    mopitr_row_clear(&row);
    mopitr_result_free(pRes);
    sqlite3_free(zSql);
    if (rc == SQLITE_OK && c->nHash == 0)
        rc = txn_rehash(c);
    if (rc == SQLITE_OK)
        c->bLoaded = 1;
    return rc;
}

/* The view of pConn (index into t->aConn), made when bCreate; -1 if none (or OOM). */
static int txn_conn_index(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, int bCreate)
{
    int i;
    txn_conn *aNew;
    for (i = 0; i < t->nConn; i++) {
        if (t->aConn[i].pConn == pConn)
            return i;
    }
    if (!bCreate)
        return -1;
    aNew = sqlite3_realloc64(t->aConn, sizeof(txn_conn) * (size_t)(t->nConn + 1));
    if (aNew == NULL)
        return -1;
    t->aConn = aNew;
    memset(&aNew[t->nConn], 0, sizeof(txn_conn));
    aNew[t->nConn].zName = sqlite3_mprintf("%s", zConnName ? zConnName : "");
    if (aNew[t->nConn].zName == NULL)
        return -1;
    aNew[t->nConn].pConn = pConn;
    mopitr_conn_ref(pConn);
    return t->nConn++;
}

/* The loaded view of pConn, made and read if needed; NULL with *pzErr or on OOM. */
static txn_conn *txn_conn_get(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, int *pRc,
                              char **pzErr)
{
    int i = txn_conn_index(t, pConn, zConnName, 1);
    *pRc = SQLITE_OK;
    if (i < 0) {
        *pRc = SQLITE_NOMEM;
        return NULL;
    }
    if (!t->aConn[i].bLoaded) {
        *pRc = txn_conn_load(&t->aConn[i], pzErr);
        if (*pRc != SQLITE_OK)
            return NULL;
    }
    return &t->aConn[i];
}

/* Apply queued change pCh (journal position iOp) to view c. */
static int txn_replay(txn_conn *c, const mopitr_change *pCh, int iOp)
{
    char *zKey = txn_key(pCh->row.az[MOPITR_COL_NAME]);
    txn_item *p;
    int i, rc = SQLITE_OK;

    if (zKey == NULL)
        return SQLITE_NOMEM;
    i = txn_item_find(c, zKey);
    if (i < 0) {
        rc = txn_item_add(c, zKey, &i);
        if (rc != SQLITE_OK)
            return rc;
    } else {
        sqlite3_free(zKey);
    }
    p = &c->aItem[i];
    if (!p->bTouched) {
        p->bTouched = 1;
        p->iFirstOp = iOp;
        c->nTouched++;
    }
    switch (pCh->op) {
    case MOPITR_CHANGE_CREATE:
        mopitr_row_clear(&p->cur);
        rc = mopitr_row_copy(&p->cur, &pCh->row);
        p->bCur = rc == SQLITE_OK;
        p->bOwnAccount = pCh->bOwnAccount;
        if (rc == SQLITE_OK)
            rc = txn_obj_add(c, i);
        break;
    case MOPITR_CHANGE_ALTER:
        if (p->bCur) {
            if (mopitr_row_set(&p->cur, MOPITR_COL_RANGE_UNIT,
                               pCh->row.az[MOPITR_COL_RANGE_UNIT]) != SQLITE_OK)
                return SQLITE_NOMEM;
            p->cur.range_value = pCh->row.range_value;
        }
        break;
    case MOPITR_CHANGE_DROP:
        mopitr_row_clear(&p->cur);
        p->bCur = 0;
        break;
    }
    return rc;
}

/* Rebuild every view from the server's rows and the journal (after ROLLBACK TO). */
static int txn_rebuild(mopitr_txn *t)
{
    int i, j, rc = SQLITE_OK;
    for (i = 0; i < t->nConn; i++) {
        txn_conn *c = &t->aConn[i];
        int n = 0;
        for (j = 0; j < c->nItem; j++) {
            txn_item *p = &c->aItem[j];
            if (!p->bOld) {
                txn_item_clear(p);
                continue;
            }
            mopitr_row_clear(&p->cur);
            p->bTouched = 0;
            p->bCur = 0;
            if (rc == SQLITE_OK) {
                rc = mopitr_row_copy(&p->cur, &p->old);
                p->bCur = rc == SQLITE_OK;
            }
            p->bOwnAccount = 0;
            c->aItem[n++] = *p;
        }
        c->nItem = n;
        c->nTouched = 0;
        if (rc == SQLITE_OK)
            rc = txn_rehash(c);
    }
    for (i = 0; rc == SQLITE_OK && i < t->nOp; i++)
        rc = txn_replay(&t->aConn[t->aOp[i].iConn], &t->aOp[i].ch, i);
    return rc;
}

/* Forget the journal, the views and the savepoints (end of a transaction). */
static void txn_reset(mopitr_txn *t)
{
    int i;
    for (i = 0; i < t->nOp; i++)
        mopitr_row_clear(&t->aOp[i].ch.row);
    sqlite3_free(t->aOp);
    t->aOp = NULL;
    t->nOp = t->nOpAlloc = 0;
    for (i = 0; i < t->nConn; i++)
        txn_conn_clear(&t->aConn[i]);
    sqlite3_free(t->aConn);
    t->aConn = NULL;
    t->nConn = 0;
    sqlite3_free(t->aMark);
    t->aMark = NULL;
    t->nMark = 0;
    t->bBroken = 0;
    t->bWrote = 0;
}

/* ---- the state of one database connection ------------------------------- */

/* Free a state (the mo_pitr_last_commit module's destructor): unlink and free. */
static void txn_free(void *pArg)
{
    mopitr_txn *t = pArg, **pp;
    if (t == NULL)
        return;
    pthread_mutex_lock(&txn_mutex);
    for (pp = &txn_list; *pp; pp = &(*pp)->pNext) {
        if (*pp == t) {
            *pp = t->pNext;
            break;
        }
    }
    pthread_mutex_unlock(&txn_mutex);
    txn_reset(t);
    mopitr_report_free(t->pReport);
    sqlite3_free(t);
}

/* Create db's state and register mo_pitr_last_commit (which owns the state). */
int mopitr_txn_register(sqlite3 *db)
{
    mopitr_txn *t = sqlite3_malloc64(sizeof(*t));
    if (t == NULL)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof(*t));
    t->db = db;
    pthread_mutex_lock(&txn_mutex);
    t->pNext = txn_list;
    txn_list = t;
    pthread_mutex_unlock(&txn_mutex);
    /* On failure SQLite calls txn_free itself. */
    return mopitr_report_register(db, t, txn_free);
}

/* db's state (the newest registered), or NULL. */
mopitr_txn *mopitr_txn_of(sqlite3 *db)
{
    mopitr_txn *t;
    pthread_mutex_lock(&txn_mutex);
    for (t = txn_list; t && t->db != db; t = t->pNext) {
    }
    pthread_mutex_unlock(&txn_mutex);
    return t;
}

/* The report of the last COMMIT, or NULL. */
const mopitr_report *mopitr_txn_last_report(mopitr_txn *t)
{
    return t->pReport;
}

/* ---- lookups and the queue (vtab_write.c) ------------------------------- */

/* See the header. */
int mopitr_txn_find(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, const char *zName,
                    int bAskServer, mopitr_row *pOut, int *pbFound, char **pzErr)
{
    txn_conn *c;
    mopitr_row row;
    char *zKey;
    int rc, i, bServer = 0;

    *pbFound = 0;
    mopitr_row_clear(pOut);
    t->bWrote = 1; /* every queued write asks first */
    c = txn_conn_get(t, pConn, zConnName, &rc, pzErr);
    if (c == NULL)
        return rc;
    zKey = txn_key(zName);
    if (zKey == NULL)
        return SQLITE_NOMEM;
    i = txn_item_find(c, zKey);
    sqlite3_free(zKey);
    if (i < 0 && bAskServer) {
        /* Created on the server after the transaction read it: take it in as read now. */
        memset(&row, 0, sizeof(row));
        rc = mopitr_pitr_lookup(pConn, zName, &row, &bServer, pzErr);
        if (rc == SQLITE_OK && bServer) {
            rc = txn_item_add_old(c, &row);
            zKey = rc == SQLITE_OK ? txn_key(zName) : NULL;
            if (rc == SQLITE_OK && zKey == NULL)
                rc = SQLITE_NOMEM;
            i = zKey ? txn_item_find(c, zKey) : -1;
            sqlite3_free(zKey);
        }
        mopitr_row_clear(&row);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (i < 0 || !c->aItem[i].bCur)
        return SQLITE_OK;
    *pbFound = 1;
    return mopitr_row_copy(pOut, &c->aItem[i].cur);
}

/* See the header. */
int mopitr_txn_object_owner(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName,
                            const mopitr_row *p, const char *zName, char **pzOwner, char **pzErr)
{
    const char *zOwn = mopitr_conn_account(pConn);
    txn_conn *c;
    char *zKey;
    unsigned h, it;
    int rc, i;

    *pzOwner = NULL;
    c = txn_conn_get(t, pConn, zConnName, &rc, pzErr);
    if (c == NULL)
        return rc;
    zKey = txn_key(zName);
    if (zKey == NULL)
        return SQLITE_NOMEM;
    /* Candidates from the object index, checked (hashes collide, entries go stale). */
    h = mopitr_hash_object(p, zOwn);
    it = mopitr_rowindex_begin(&c->objIdx, h);
    while ((i = mopitr_rowindex_next(&c->objIdx, h, &it)) >= 0) {
        const txn_item *q = &c->aItem[i];
        if (q->bCur && strcmp(q->zKey, zKey) != 0 && mopitr_row_same_object(&q->cur, p, zOwn)) {
            *pzOwner = sqlite3_mprintf("%s", q->cur.az[MOPITR_COL_NAME]);
            if (*pzOwner == NULL)
                rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_free(zKey);
    return rc;
}

/* See the header. A failure after the change entered the journal poisons the
** transaction (its COMMIT is then refused): the view may be half updated. */
int mopitr_txn_queue(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, mopitr_change *pCh,
                     char **pzErr)
{
    txn_conn *c;
    int rc;

    c = txn_conn_get(t, pConn, zConnName, &rc, pzErr);
    if (c == NULL)
        goto fail;
    if (t->nOp == t->nOpAlloc) {
        int nNew = t->nOpAlloc ? t->nOpAlloc * 2 : 32;
        txn_op *aNew = sqlite3_realloc64(t->aOp, sizeof(txn_op) * (size_t)nNew);
        if (aNew == NULL) {
            rc = SQLITE_NOMEM;
            goto fail;
        }
        t->aOp = aNew;
        t->nOpAlloc = nNew;
    }
    t->aOp[t->nOp].iConn = (int)(c - t->aConn);
    t->aOp[t->nOp].ch = *pCh;
    memset(pCh, 0, sizeof(*pCh));
    t->nOp++;
    rc = txn_replay(c, &t->aOp[t->nOp - 1].ch, t->nOp - 1);
    if (rc != SQLITE_OK)
        t->bBroken = 1;
    return rc;
fail:
    mopitr_row_clear(&pCh->row);
    return rc;
}

/* ---- reads (vtab.c) ----------------------------------------------------- */

/* See the header. */
int mopitr_txn_pending(sqlite3 *db, mopitr_conn *pConn)
{
    mopitr_txn *t = mopitr_txn_of(db);
    int i;
    if (t == NULL || t->nOp == 0)
        return 0;
    i = txn_conn_index(t, pConn, NULL, 0);
    return i >= 0 && t->aConn[i].nTouched > 0;
}

/* Is item p's net change a new PITR (created, or replacing one for another object)? */
static int txn_item_is_new(const txn_item *p, const char *zOwn)
{
    return p->bCur && (!p->bOld || !mopitr_row_same_object(&p->old, &p->cur, zOwn));
}

/* Append a copy of r to the overlay o (capacity checked by the caller). For a queued
** PITR (bQueued) the server's times are left NULL. */
static int txn_overlay_add(pitr_cache *o, const mopitr_row *r, const mopitr_row *pRange,
                           int bQueued)
{
    mopitr_row *pOut = &o->aRow[o->nRow];
    int rc = mopitr_row_copy(pOut, r);
    if (rc == SQLITE_OK && pRange && pRange != r) {
        rc = mopitr_row_set(pOut, MOPITR_COL_RANGE_UNIT, pRange->az[MOPITR_COL_RANGE_UNIT]);
        pOut->range_value = pRange->range_value;
    }
    if (rc == SQLITE_OK && bQueued) {
        rc = mopitr_row_set(pOut, MOPITR_COL_CREATED, NULL);
        if (rc == SQLITE_OK)
            rc = mopitr_row_set(pOut, MOPITR_COL_MODIFIED, NULL);
    }
    if (rc != SQLITE_OK) {
        mopitr_row_clear(pOut);
        return rc;
    }
    o->nRow++;
    return SQLITE_OK;
}

/* See the header. Net changes only: a name the queue created and dropped again shows
** what the server has now. */
int mopitr_txn_overlay(sqlite3 *db, mopitr_conn *pConn, const pitr_cache *pBase, pitr_cache **ppOut)
{
    mopitr_txn *t = mopitr_txn_of(db);
    const char *zOwn = mopitr_conn_account(pConn);
    pitr_cache *o;
    txn_conn *c = NULL;
    char *zKey = NULL;
    int i, rc = SQLITE_OK, nMax;

    *ppOut = NULL;
    o = sqlite3_malloc64(sizeof(*o));
    if (o == NULL)
        return SQLITE_NOMEM;
    memset(o, 0, sizeof(*o));
    o->nRef = 1;
    o->pConn = pConn;
    mopitr_conn_ref(pConn);
    o->gen = pBase->gen;
    i = t ? txn_conn_index(t, pConn, NULL, 0) : -1;
    if (i >= 0)
        c = &t->aConn[i];
    nMax = pBase->nRow + (c ? c->nItem : 0);
    if (nMax > 0) {
        o->aRow = sqlite3_malloc64(sizeof(mopitr_row) * (size_t)nMax);
        if (o->aRow == NULL) {
            rc = SQLITE_NOMEM;
            goto out;
        }
    }
    /* Queued new PITRs first (the server lists the newest first). */
    for (i = 0; c && rc == SQLITE_OK && i < c->nItem; i++) {
        const txn_item *p = &c->aItem[i];
        if (p->bTouched && txn_item_is_new(p, zOwn))
            rc = txn_overlay_add(o, &p->cur, NULL, 1);
    }
    /* The server's rows: hidden when the transaction drops or replaces them, with the
    ** queued range when it alters them. */
    for (i = 0; rc == SQLITE_OK && i < pBase->nRow; i++) {
        const mopitr_row *r = &pBase->aRow[i];
        const txn_item *p = NULL;
        int j;
        if (c) {
            zKey = txn_key(r->az[MOPITR_COL_NAME]);
            if (zKey == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            j = txn_item_find(c, zKey);
            sqlite3_free(zKey);
            zKey = NULL;
            p = j >= 0 && c->aItem[j].bTouched ? &c->aItem[j] : NULL;
        }
        if (p && !p->bOld && !p->bCur)
            p = NULL; /* created and dropped again in the queue: no change */
        if (p == NULL)
            rc = txn_overlay_add(o, r, NULL, 0);
        else if (p->bCur && !txn_item_is_new(p, zOwn))
            rc = txn_overlay_add(o, r, &p->cur, 0);
        /* else: dropped, or replaced (its new row is already in) */
    }
out:
    if (rc != SQLITE_OK) {
        for (i = 0; i < o->nRow; i++)
            mopitr_row_clear(&o->aRow[i]);
        sqlite3_free(o->aRow);
        mopitr_conn_unref(o->pConn);
        sqlite3_free(o);
        return rc;
    }
    *ppOut = o;
    return SQLITE_OK;
}

/* ---- transaction callbacks ---------------------------------------------- */

/* xBegin: a table joins the transaction. Nothing to do: the journal is empty between
** transactions (xCommit and xRollback reset it, and only xUpdate fills it). */
void mopitr_txn_begin(mopitr_txn *t)
{
    (void)t;
}

/* The net change list of the journal for txn_commit.c. *paOut is sqlite3_malloc'd. */
static int txn_net_list(mopitr_txn *t, mopitr_txn_net **paOut, int *pnOut)
{
    mopitr_txn_net *a;
    int i, j, n = 0, nMax = 0;
    *paOut = NULL;
    *pnOut = 0;
    for (i = 0; i < t->nConn; i++)
        nMax += t->aConn[i].nTouched;
    if (nMax == 0)
        return SQLITE_OK;
    a = sqlite3_malloc64(sizeof(*a) * (size_t)nMax);
    if (a == NULL)
        return SQLITE_NOMEM;
    for (i = 0; i < t->nConn; i++) {
        txn_conn *c = &t->aConn[i];
        for (j = 0; j < c->nItem; j++) {
            const txn_item *p = &c->aItem[j];
            if (!p->bTouched || (!p->bOld && !p->bCur))
                continue;
            a[n].pConn = c->pConn;
            a[n].zConn = c->zName;
            a[n].pOld = p->bOld ? &p->old : NULL;
            a[n].pNew = p->bCur ? &p->cur : NULL;
            a[n].bOwnAccount = p->bOwnAccount;
            a[n].iOrder = p->iFirstOp;
            a[n].iConn = i;
            n++;
        }
    }
    *paOut = a;
    *pnOut = n;
    return SQLITE_OK;
}

/* xSync: send the queue (once per COMMIT: later tables find it sent). */
int mopitr_txn_sync(mopitr_txn *t, char **pzErr)
{
    mopitr_txn_net *aNet = NULL;
    mopitr_report *pReport = NULL;
    int rc, nNet = 0;

    if (t->bBroken) {
        *pzErr = mopitr_errf("COMMIT refused, nothing was sent: out of memory while queueing "
                             "this transaction's changes");
        txn_reset(t);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (t->bApplied && t->nOp > 0) {
        /* An earlier COMMIT of this transaction sent its batch, then SQLite kept the
        ** transaction open (the database file was busy) and more was queued. Refuse:
        ** SQLite then rolls back, and xRollback undoes the earlier batch. */
        *pzErr = mopitr_errf("COMMIT refused: an earlier COMMIT of this transaction already "
                             "sent its changes and more were queued since; the transaction is "
                             "rolled back and the earlier changes undone");
        txn_reset(t);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if ((t->nOp == 0 && !t->bWrote) || t->bApplied)
        return SQLITE_OK;
    rc = txn_net_list(t, &aNet, &nNet);
    if (rc == SQLITE_OK) {
        rc = mopitr_commit_run(aNet, nNet, &pReport, pzErr);
        if (pReport) {
            mopitr_report_free(t->pReport);
            t->pReport = pReport;
        }
    }
    sqlite3_free(aNet);
    /* Success: applied, waiting for xCommit (or xRollback: undo). Failure: the batch
    ** is undone as far as possible; SQLite now rolls back and calls xRollback. */
    t->bApplied = rc == SQLITE_OK;
    txn_reset(t);
    return rc;
}

/* xCommit: the transaction is over. */
void mopitr_txn_commit(mopitr_txn *t)
{
    t->bApplied = 0;
    txn_reset(t);
}

/* xRollback: discard the queue; undo a batch xSync already applied. */
void mopitr_txn_rollback(mopitr_txn *t)
{
    if (t->bApplied && t->pReport)
        mopitr_commit_undo(t->pReport);
    t->bApplied = 0;
    txn_reset(t);
}

/* xSavepoint(N): remember the journal length for level N (the first call wins). */
void mopitr_txn_savepoint(mopitr_txn *t, int iSavepoint)
{
    int i;
    if (iSavepoint < 0)
        return;
    if (iSavepoint >= t->nMark) {
        int *aNew = sqlite3_realloc64(t->aMark, sizeof(int) * (size_t)(iSavepoint + 1));
        if (aNew == NULL)
            return; /* unknown level: ROLLBACK TO then discards the whole journal */
        t->aMark = aNew;
        for (i = t->nMark; i <= iSavepoint; i++)
            t->aMark[i] = -1;
    }
    t->nMark = iSavepoint + 1;
    if (t->aMark[iSavepoint] < 0)
        t->aMark[iSavepoint] = t->nOp;
}

/* xRelease(N): forget the levels from N up. */
void mopitr_txn_release(mopitr_txn *t, int iSavepoint)
{
    if (iSavepoint >= 0 && iSavepoint < t->nMark)
        t->nMark = iSavepoint;
}

/* xRollbackTo(N): cut the journal back to level N's length (level N stays open). */
void mopitr_txn_rollback_to(mopitr_txn *t, int iSavepoint)
{
    int i, n = 0;
    if (iSavepoint < 0)
        return;
    if (iSavepoint < t->nMark && t->aMark[iSavepoint] >= 0)
        n = t->aMark[iSavepoint];
    if (iSavepoint + 1 < t->nMark)
        t->nMark = iSavepoint + 1;
    if (n >= t->nOp)
        return;
    for (i = n; i < t->nOp; i++)
        mopitr_row_clear(&t->aOp[i].ch.row);
    t->nOp = n;
    if (txn_rebuild(t) != SQLITE_OK)
        t->bBroken = 1; /* out of memory: the view cannot be trusted */
}
