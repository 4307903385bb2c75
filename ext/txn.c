/*
** txn.c: SQLite transactions over MatrixOne PITRs: the queue (issues 6, 13 and 15).
**
** MatrixOne refuses PITR statements inside a remote transaction (spec section 5), so
** the extension never sends BEGIN. Instead, writes to mo_pitr are queued here and sent
** at the end of the batch by txn_commit.c. A batch is an SQLite transaction (BEGIN ...
** COMMIT, or SAVEPOINT outside BEGIN) or, in autocommit mode, one statement: SQLite
** calls xBegin, xSync and xCommit around every writing statement, so the statement's
** rows are queued and xSync applies them like a COMMIT (all-or-nothing, same order and
** undo, reported in mo_pitr_last_commit). mopitr_txn_row tells the two apart at the
** first row (sqlite3_get_autocommit()).
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
**     with its MatrixOne connection. Savepoints are positions in it:
**     xSavepoint(N) remembers the length (the first call for N wins: a table that joins
**     later is told about the current level too), xRollbackTo(N) cuts the journal back
**     there, xRelease(N) forgets the positions from N up. A level never marked means no
**     table wrote before it was opened: the whole journal goes.
**   - Per connection written to, a view (txn_view.c): the server's rows the batch read,
**     with the journal replayed on top. The journal is the truth and a view can always
**     be rebuilt from it (ROLLBACK TO does): the server's rows stay, the queue's effects
**     are replayed.
**   - A batch costs what it touches, never the catalog (issue 15): nothing reads the
**     whole SHOW PITR for it. UPDATE and DELETE take the row the statement's own
**     (pushed-down) scan delivered (else look the one name up); INSERT OR IGNORE / OR
**     REPLACE read their name and object with one filtered SHOW PITR per row
**     (mopitr_view_probe) and are decided at once; a plain INSERT is decided at once
**     against what the batch knows (the queue, the rows it read) and otherwise queued
**     blind, for the validation read at COMMIT or xSync (txn_commit.c: one SHOW PITR
**     filtered to the batch's names and objects), which a statement of one change skips
**     (the server's own checks are the same). So conflicts with the server's PITRs
**     inside BEGIN ... COMMIT are decided at COMMIT, like deferred constraints;
**     conflicts with the queue itself at once.
**   - Reads of a connection with queued changes (mopitr_txn_read_*): the scan's own
**     filtered SHOW PITR, without the rows of the names the queue changed, after the
**     queue's current rows of those names that satisfy the scan's terms. A server row
**     an INSERT queued earlier collides with fails the read (that INSERT cannot
**     commit; ROLLBACK TO before it clears it).
**   - Coalescing falls out of the view: COMMIT compares each touched item's old row
**     with its current one (see txn_commit.c), whatever sequence of changes led there.
**   - A row that fails a local check fails the statement with nothing sent; in
**     autocommit its message names the PITR and the row (mopitr_txn_row_error).
*/
#include <pthread.h>
#include <string.h>

#include "mo_pitr_int.h"

/* One queued change. */
typedef struct txn_op {
    int iConn; /* index into apView (-1: the first change, queued without a view) */
    mopitr_change ch;
} txn_op;

struct mopitr_txn {
    sqlite3 *db;
    mopitr_view **apView; /* one per MatrixOne connection written to */
    int nView;
    txn_op *aOp;
    int nOp, nOpAlloc;
    int *aMark; /* savepoint N -> journal length, -1 unknown */
    int nMark;
    mopitr_report *pReport; /* the last COMMIT's */
    int bApplied;           /* xSync applied pReport, xCommit/xRollback not yet seen */
    int bBroken;            /* out of memory inside the journal: COMMIT is refused */
    int bWrote;             /* a write reached xUpdate in this transaction (even if it
                            ** queued nothing): its COMMIT replaces the report */
    int bStmt;              /* the batch is one statement in autocommit mode (see above) */
    mopitr_conn *pLazyConn; /* the connection of aOp[0] when it is queued without a view
                            ** (iConn -1, see txn_materialize), one reference; else NULL */
    char *zLazyConn;        /* ... and its name */
    int eVerb;              /* MOPITR_VERB_* of its rows (MOPITR_VERB_MIXED: several) */
    int nRows;              /* rows xUpdate was called for in this batch */
    unsigned version;       /* bumped by every change of the journal (mopitr_txn_version) */
    mopitr_txn *pNext;
};

static pthread_mutex_t txn_mutex = PTHREAD_MUTEX_INITIALIZER;
static mopitr_txn *txn_list = NULL;

/* ---- views and the journal ----------------------------------------------- */

static int txn_materialize(mopitr_txn *t);

/* The view of pConn (index into t->apView), made when bCreate; -1 if none (or OOM). */
static int txn_view_index(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, int bCreate)
{
    mopitr_view **apNew;
    int i;
    if (t->pLazyConn)
        txn_materialize(t); /* something needs the views: the first change goes in too */
    for (i = 0; i < t->nView; i++) {
        if (mopitr_view_conn(t->apView[i]) == pConn)
            return i;
    }
    if (!bCreate)
        return -1;
    apNew = sqlite3_realloc64(t->apView, sizeof(*apNew) * (size_t)(t->nView + 1));
    if (apNew == NULL)
        return -1;
    t->apView = apNew;
    apNew[t->nView] = mopitr_view_new(pConn, zConnName);
    return apNew[t->nView] ? t->nView++ : -1;
}

/* Replay the journal's changes into the views, in order. */
static int txn_replay(mopitr_txn *t)
{
    int i, rc = SQLITE_OK;
    for (i = 0; rc == SQLITE_OK && i < t->nOp; i++) {
        const txn_op *op = &t->aOp[i];
        if (op->iConn >= 0)
            rc = mopitr_view_apply(t->apView[op->iConn], &op->ch, i);
    }
    return rc;
}

/* Forget the connection of a first change queued without a view. */
static void txn_lazy_clear(mopitr_txn *t)
{
    mopitr_conn_unref(t->pLazyConn);
    sqlite3_free(t->zLazyConn);
    t->pLazyConn = NULL;
    t->zLazyConn = NULL;
}

/*
** The first change of an autocommit statement, a plain INSERT, is queued without a
** view (aOp[0].iConn -1): a one-row INSERT, the common case, never needs one, and the
** view costs more than the rest of the queue. The first thing that needs the views (a
** second change, a read of the same statement, mo_pitr_plan, a statement of several
** changes at xSync) makes aOp[0]'s view and applies it there, as txn_append would have.
*/
static int txn_materialize(mopitr_txn *t)
{
    mopitr_conn *pConn = t->pLazyConn;
    char *zName = t->zLazyConn;
    int i, rc = SQLITE_NOMEM;
    if (pConn == NULL)
        return SQLITE_OK;
    t->pLazyConn = NULL; /* before txn_view_index, which calls here otherwise */
    t->zLazyConn = NULL;
    i = txn_view_index(t, pConn, zName, 1);
    if (i >= 0) {
        t->aOp[0].iConn = i;
        rc = mopitr_view_apply(t->apView[i], &t->aOp[0].ch, 0);
    }
    if (rc != SQLITE_OK)
        t->bBroken = 1; /* COMMIT is refused, nothing sent */
    mopitr_conn_unref(pConn);
    sqlite3_free(zName);
    return rc;
}

/* Rebuild every view from its server rows and the journal (after ROLLBACK TO). */
static int txn_rebuild(mopitr_txn *t)
{
    int i, rc = txn_materialize(t);
    for (i = 0; rc == SQLITE_OK && i < t->nView; i++)
        rc = mopitr_view_reset(t->apView[i]);
    if (rc == SQLITE_OK)
        rc = txn_replay(t);
    return rc;
}

/* Forget the journal, the views and the savepoints (end of a transaction). */
static void txn_reset(mopitr_txn *t)
{
    int i;
    for (i = 0; i < t->nOp; i++)
        mopitr_row_clear(&t->aOp[i].ch.row);
    t->nOp = 0;
    t->version++;
    if (t->nOpAlloc > 64) {
        /* Keep a small journal's memory for the next batch (every autocommit statement). */
        sqlite3_free(t->aOp);
        t->aOp = NULL;
        t->nOpAlloc = 0;
    }
    txn_lazy_clear(t);
    for (i = 0; i < t->nView; i++)
        mopitr_view_free(t->apView[i]);
    sqlite3_free(t->apView);
    t->apView = NULL;
    t->nView = 0;
    sqlite3_free(t->aMark);
    t->aMark = NULL;
    t->nMark = 0;
    t->bBroken = 0;
    t->bWrote = 0;
    t->bStmt = 0;
    t->eVerb = 0;
    t->nRows = 0;
}

/* Append *pCh (taken over) to the journal for view iView and apply it there (iView -1:
** the first change queued without a view, see txn_materialize). A failure after the
** change entered the journal poisons the transaction (its COMMIT is then refused): the
** view may be half updated. */
static int txn_append(mopitr_txn *t, int iView, mopitr_change *pCh)
{
    int rc;
    if (t->nOp == t->nOpAlloc) {
        int nNew = t->nOpAlloc ? t->nOpAlloc * 2 : 32;
        txn_op *aNew = sqlite3_realloc64(t->aOp, sizeof(txn_op) * (size_t)nNew);
        if (aNew == NULL) {
            mopitr_row_clear(&pCh->row);
            return SQLITE_NOMEM;
        }
        t->aOp = aNew;
        t->nOpAlloc = nNew;
    }
    t->aOp[t->nOp].iConn = iView;
    t->aOp[t->nOp].ch = *pCh;
    memset(pCh, 0, sizeof(*pCh));
    t->nOp++;
    t->version++;
    if (iView < 0)
        return SQLITE_OK;
    rc = mopitr_view_apply(t->apView[iView], &t->aOp[t->nOp - 1].ch, t->nOp - 1);
    if (rc != SQLITE_OK)
        t->bBroken = 1;
    return rc;
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
    sqlite3_free(t->aOp); /* txn_reset keeps a small journal's memory */
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

static const char *const txn_azVerb[] = {"COMMIT", "INSERT", "UPDATE", "DELETE", "statement"};

/* See the header. */
void mopitr_txn_row(mopitr_txn *t, int eVerb)
{
    if (t->nOp == 0 && !t->bWrote && t->nRows == 0) {
        /* The first write of a batch: in autocommit mode the batch is this statement
        ** (xSync applies it when the statement ends); else an SQLite transaction. */
        t->bStmt = sqlite3_get_autocommit(t->db);
        t->eVerb = eVerb;
    } else if (t->eVerb != eVerb) {
        t->eVerb = MOPITR_VERB_MIXED;
    }
    t->nRows++;
}

/* What the batch is called in messages: "COMMIT", or the statement's verb. */
static const char *txn_noun(const mopitr_txn *t)
{
    return t->bStmt ? txn_azVerb[t->eVerb] : txn_azVerb[0];
}

/* See the header. */
void mopitr_txn_row_error(mopitr_txn *t, const char *zName, int rc, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE], *zNew, *zPitr = NULL;
    if (!t->bStmt || *pzErr == NULL || rc == SQLITE_NOMEM)
        return;
    if (t->eVerb == MOPITR_VERB_INSERT && t->nRows <= 1)
        return; /* one row the user typed: its message says enough */
    if (zName && zName[0]) {
        zPitr = sqlite3_mprintf("'%s'", mopitr_err_clip(aClip, zName, -1));
        if (zPitr)
            mopitr_fold(zPitr); /* as MatrixOne stores it, and as the messages quote it */
        if (zPitr && strstr(*pzErr, zPitr)) {
            sqlite3_free(zPitr); /* the message names it already */
            zPitr = NULL;
        }
    }
    if (t->nRows <= 1)
        zNew = zPitr ? sqlite3_mprintf("%s (pitr %s)", *pzErr, zPitr) : NULL;
    else if (rc == SQLITE_CONSTRAINT && sqlite3_vtab_on_conflict(t->db) == SQLITE_FAIL)
        zNew = sqlite3_mprintf("%s (%s%s%srow %d of this %s OR FAIL: the rows before it are "
                               "applied)",
                               *pzErr, zPitr ? "pitr " : "", zPitr ? zPitr : "", zPitr ? ", " : "",
                               t->nRows, txn_noun(t));
    else
        zNew = sqlite3_mprintf("%s (%s%s%srow %d of this %s; nothing of it was sent)", *pzErr,
                               zPitr ? "pitr " : "", zPitr ? zPitr : "", zPitr ? ", " : "",
                               t->nRows, txn_noun(t));
    if (zNew) {
        sqlite3_free(*pzErr);
        *pzErr = zNew;
    }
    sqlite3_free(zPitr);
}

/* See the header. */
int mopitr_txn_find(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, const char *zName,
                    int bAskServer, const mopitr_row *pSeen, mopitr_row *pOut, int *pbFound,
                    char **pzErr)
{
    int rc, i;
    *pbFound = 0;
    mopitr_row_clear(pOut);
    t->bWrote = 1; /* every queued UPDATE/DELETE asks first */
    /* The row the statement just read, else the server's row of this one name
    ** (mopitr_view_find asks); never the whole SHOW PITR. */
    i = txn_view_index(t, pConn, zConnName, 1);
    if (i < 0)
        return SQLITE_NOMEM;
    if (pSeen && (rc = mopitr_view_add_server(t->apView[i], pSeen)) != SQLITE_OK)
        return rc;
    return mopitr_view_find(t->apView[i], zName, bAskServer, pOut, pbFound, pzErr);
}

/* See the header. */
int mopitr_txn_insert(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, mopitr_change *pCh,
                      int eMode, char **pzErr)
{
    int rc = SQLITE_NOMEM, i, eOut = MOPITR_DECIDE_SKIP;

    t->bWrote = 1;
    if (t->bStmt && t->nOp == 0 && t->nView == 0 && eMode != SQLITE_IGNORE &&
        eMode != SQLITE_REPLACE) {
        /* The statement's first change: queued blind, without a view (txn_materialize). */
        t->zLazyConn = sqlite3_mprintf("%s", zConnName ? zConnName : "");
        if (t->zLazyConn == NULL)
            goto out;
        t->pLazyConn = pConn;
        mopitr_conn_ref(pConn);
        return txn_append(t, -1, pCh);
    }
    i = txn_view_index(t, pConn, zConnName, 1);
    if (i < 0)
        goto out;
    rc = SQLITE_OK;
    if (eMode == SQLITE_IGNORE || eMode == SQLITE_REPLACE) {
        /* What OR IGNORE / OR REPLACE do depends on the server's rows for this name and
        ** object: read just those now (one filtered SHOW PITR), so the row is decided
        ** here, not later by a whole SHOW PITR. */
        rc = mopitr_view_probe(t->apView[i], &pCh->row, pzErr);
    }
    if (rc == SQLITE_OK)
        rc = mopitr_view_decide(t->apView[i], pCh, eMode, &eOut, pzErr);
    if (rc != SQLITE_OK || eOut == MOPITR_DECIDE_SKIP)
        goto out;
    return txn_append(t, i, pCh);
out:
    mopitr_row_clear(&pCh->row);
    return rc;
}

/* See the header. */
int mopitr_txn_queue(mopitr_txn *t, mopitr_conn *pConn, const char *zConnName, mopitr_change *pCh,
                     char **pzErr)
{
    int i = txn_view_index(t, pConn, zConnName, 1); /* mopitr_txn_find took the row in */
    (void)pzErr;
    if (i < 0) {
        mopitr_row_clear(&pCh->row);
        return SQLITE_NOMEM;
    }
    return txn_append(t, i, pCh);
}

/* ---- reads (vtab.c, vtab_all.c, coverage.c) -------------------------------- */

/* See the header. */
unsigned mopitr_txn_version(sqlite3 *db)
{
    mopitr_txn *t = mopitr_txn_of(db);
    return t ? t->version : 0;
}

/* See the header. */
int mopitr_txn_pending(sqlite3 *db, mopitr_conn *pConn)
{
    mopitr_txn *t = mopitr_txn_of(db);
    int i;
    if (t == NULL || t->nOp == 0)
        return 0;
    if (t->pLazyConn)
        return t->pLazyConn == pConn;
    i = txn_view_index(t, pConn, NULL, 0);
    return i >= 0 && mopitr_view_touched(t->apView[i]) > 0;
}

struct mopitr_txn_read {
    mopitr_txn *t;
    mopitr_conn *pConn; /* one reference */
    mopitr_row *aRow;   /* the queue's rows to show first */
    int nRow;
};

/* See the header. */
int mopitr_txn_read_open(sqlite3 *db, mopitr_conn *pConn, const mopitr_arg *aArg, int nArg,
                         mopitr_txn_read **ppOut)
{
    mopitr_txn *t = mopitr_txn_of(db);
    mopitr_txn_read *r;
    int i, rc;
    *ppOut = NULL;
    if (!mopitr_txn_pending(db, pConn))
        return SQLITE_OK;
    i = txn_view_index(t, pConn, NULL, 0); /* makes the first change's view, if lazy */
    if (i < 0)
        return t->bBroken ? SQLITE_NOMEM : SQLITE_OK;
    r = sqlite3_malloc64(sizeof(*r));
    if (r == NULL)
        return SQLITE_NOMEM;
    memset(r, 0, sizeof(*r));
    r->t = t;
    r->pConn = pConn;
    mopitr_conn_ref(pConn);
    rc = mopitr_view_rows(t->apView[i], aArg, nArg, &r->aRow, &r->nRow);
    if (rc != SQLITE_OK) {
        mopitr_txn_read_free(r);
        return rc;
    }
    *ppOut = r;
    return SQLITE_OK;
}

/* See the header. */
int mopitr_txn_read_rows(const mopitr_txn_read *r, const mopitr_row **paRow)
{
    *paRow = r->aRow;
    return r->nRow;
}

/* The view of r's connection now (the queue may have changed since the read began), or
** NULL. */
static const mopitr_view *txn_read_view(const mopitr_txn_read *r)
{
    int i;
    for (i = 0; i < r->t->nView; i++) {
        if (mopitr_view_conn(r->t->apView[i]) == r->pConn)
            return r->t->apView[i];
    }
    return NULL;
}

/* See the header. */
int mopitr_txn_read_keep(mopitr_txn_read *r, const mopitr_row *pRow, int *pbKeep, char **pzErr)
{
    const mopitr_view *v = txn_read_view(r);
    char *zWhy = NULL;
    int rc;
    *pbKeep = 1;
    if (v == NULL)
        return SQLITE_OK;
    rc = mopitr_view_filter(v, pRow, pbKeep, &zWhy);
    if (rc == SQLITE_CONSTRAINT && zWhy) {
        *pzErr = mopitr_errf("%s (an INSERT queued earlier in this %s)", mopitr_err_body(zWhy),
                             r->t->bStmt ? "statement"
                                         : "transaction; ROLLBACK, or ROLLBACK TO a savepoint "
                                           "before it");
        if (*pzErr == NULL)
            rc = SQLITE_NOMEM;
    }
    sqlite3_free(zWhy);
    return rc;
}

/* See the header. */
int mopitr_txn_read_covered(mopitr_txn_read *r, const mopitr_arg *aArg, int nArg)
{
    const mopitr_view *v = txn_read_view(r);
    int i, j, rc = SQLITE_OK;
    for (i = 0; v && i < nArg; i++) {
        const mopitr_arg *a = &aArg[i];
        int bAll = a->term.iCol == MOPITR_COL_NAME && a->term.op == SQLITE_INDEX_CONSTRAINT_EQ &&
                   a->nVal > 0;
        for (j = 0; bAll && j < a->nVal; j++) {
            const mopitr_val *x = &a->aVal[j];
            bAll = x->eType == SQLITE_TEXT && x->z && (int)strlen(x->z) == x->n &&
                   mopitr_view_changes(v, x->z, &rc) && rc == SQLITE_OK;
        }
        if (bAll)
            return 1;
    }
    return 0;
}

/* See the header. */
void mopitr_txn_read_free(mopitr_txn_read *r)
{
    int i;
    if (r == NULL)
        return;
    for (i = 0; i < r->nRow; i++)
        mopitr_row_clear(&r->aRow[i]);
    sqlite3_free(r->aRow);
    mopitr_conn_unref(r->pConn);
    sqlite3_free(r);
}

/* See the header. */
int mopitr_txn_overlay(sqlite3 *db, mopitr_conn *pConn, const pitr_cache *pBase, pitr_cache **ppOut,
                       char **pzErr)
{
    mopitr_txn_read *r = NULL;
    pitr_cache *o = NULL;
    int i, bKeep, rc = mopitr_txn_read_open(db, pConn, NULL, 0, &r);
    *ppOut = NULL;
    if (rc != SQLITE_OK || r == NULL)
        return rc; /* nothing queued: the caller reads pBase */
    rc = SQLITE_NOMEM;
    o = sqlite3_malloc64(sizeof(*o));
    if (o == NULL)
        goto out;
    memset(o, 0, sizeof(*o));
    o->nRef = 1;
    o->pConn = pConn;
    mopitr_conn_ref(pConn);
    o->gen = pBase->gen;
    if (r->nRow + pBase->nRow > 0 &&
        (o->aRow = sqlite3_malloc64(sizeof(mopitr_row) * (size_t)(r->nRow + pBase->nRow))) == NULL)
        goto out;
    /* The queue's rows first (taken over from the read), then the server's it keeps. */
    if (r->nRow > 0)
        memcpy(o->aRow, r->aRow, sizeof(mopitr_row) * (size_t)r->nRow);
    o->nRow = r->nRow;
    r->nRow = 0;
    rc = SQLITE_OK;
    for (i = 0; rc == SQLITE_OK && i < pBase->nRow; i++) {
        rc = mopitr_txn_read_keep(r, &pBase->aRow[i], &bKeep, pzErr);
        if (rc == SQLITE_OK && bKeep) {
            memset(&o->aRow[o->nRow], 0, sizeof(mopitr_row));
            rc = mopitr_row_copy(&o->aRow[o->nRow], &pBase->aRow[i]);
            if (rc == SQLITE_OK)
                o->nRow++;
        }
    }
out:
    mopitr_txn_read_free(r);
    if (rc != SQLITE_OK) {
        mopitr_cache_unref(o);
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
    int i, n = 0, nMax = 0;
    *paOut = NULL;
    *pnOut = 0;
    if (txn_materialize(t) != SQLITE_OK)
        return SQLITE_NOMEM;
    for (i = 0; i < t->nView; i++)
        nMax += mopitr_view_touched(t->apView[i]);
    if (nMax == 0)
        return SQLITE_OK;
    a = sqlite3_malloc64(sizeof(*a) * (size_t)nMax);
    if (a == NULL)
        return SQLITE_NOMEM;
    for (i = 0; i < t->nView; i++)
        n += mopitr_view_net(t->apView[i], i, a + n);
    *paOut = a;
    *pnOut = n;
    return SQLITE_OK;
}

/* See the header. */
int mopitr_txn_plan(mopitr_txn *t, mopitr_report **ppOut)
{
    mopitr_txn_net *aNet = NULL;
    int rc, nNet = 0;
    *ppOut = NULL;
    if (t->nOp == 0)
        return SQLITE_OK;
    rc = txn_net_list(t, &aNet, &nNet);
    if (rc == SQLITE_OK)
        rc = mopitr_commit_plan(aNet, nNet, ppOut);
    sqlite3_free(aNet);
    return rc;
}

/* xSync: send the queue (once per COMMIT: later tables find it sent). */
int mopitr_txn_sync(mopitr_txn *t, char **pzErr)
{
    mopitr_txn_net *aNet = NULL;
    mopitr_report *pReport = NULL;
    int rc, nNet = 0;

    if (t->bBroken) {
        *pzErr = mopitr_errf("%s refused, nothing was sent: out of memory while queueing "
                             "its changes",
                             txn_noun(t));
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
    if (t->pLazyConn && t->nOp == 1) {
        /* An autocommit statement of one INSERT: sent as it is (txn_commit.c). */
        rc = mopitr_commit_one(t->pLazyConn, t->zLazyConn, &t->aOp[0].ch, txn_noun(t), &pReport,
                               pzErr);
        if (pReport) {
            mopitr_report_free(t->pReport);
            t->pReport = pReport;
        }
        t->bApplied = rc == SQLITE_OK;
        txn_reset(t);
        return rc;
    }
    rc = txn_net_list(t, &aNet, &nNet);
    if (rc == SQLITE_OK) {
        rc = mopitr_commit_run(aNet, nNet, txn_noun(t), t->bStmt, &pReport, pzErr);
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
    t->version++;
    if (n == 0)
        txn_lazy_clear(t);
    if (txn_rebuild(t) != SQLITE_OK)
        t->bBroken = 1; /* out of memory: the view cannot be trusted */
}
